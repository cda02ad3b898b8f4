# The single-stage Dockerfile with a careless token: a build argument that RUN sees and ENV keeps.
# Both end up in the image: RUN's history records the arguments it saw, ENV is in the config.
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
# Careless: the private index's token as a build argument
ARG NEXUS_TOKEN
ENV UV_INDEX_NEXUS_PASSWORD=${NEXUS_TOKEN}
# Install all dependencies (base + all groups)
RUN uv sync --frozen --all-groups
# Default command
CMD ["/bin/bash"]
