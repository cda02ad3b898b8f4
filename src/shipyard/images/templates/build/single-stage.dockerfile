# Seed 004's single-stage Dockerfile (its step 1: the GitHub installers dropped), made to build here:
# the amd64 base instead of arm64v8/, and the project copied before `uv sync` installs it.
FROM python:3.11-slim-bookworm
LABEL maintainer="taj"
LABEL description="my package"
# Set environment variables
ENV PYTHONDONTWRITEBYTECODE=1 \
PYTHONUNBUFFERED=1 \
UV_CACHE_DIR=/root/.cache/uv \
UV_LINK_MODE=copy \
PATH="/app/.venv/bin:$PATH" \
VIRTUAL_ENV="/app/.venv"
# Install uv
RUN pip install --no-cache-dir uv
# Set working directory
WORKDIR /app
# Copy the project (seed 004 copies only pyproject.toml and uv.lock: then uv cannot build the project)
COPY . /app
# Install all dependencies (base + all groups)
RUN uv sync --frozen --all-groups
# Default command
CMD ["/bin/bash"]
