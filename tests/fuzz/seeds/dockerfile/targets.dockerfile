# Several images from one file: docker build --target prod, and a dev image built last.
ARG BASE=python:3.12-slim-bookworm
FROM ${BASE} AS base
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN groupadd --gid 10001 app && useradd --uid 10001 --gid app --no-create-home app
WORKDIR /app

FROM base AS prod
COPY --chown=app:app dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl
USER root
RUN mkdir -p /var/lib/app && chown -R app:app /var/lib/app
USER app
CMD ["my-app"]

FROM base AS dev
RUN <<EOT
set -eux
apt-get update
apt-get install -y --no-install-recommends gcc git
rm -rf /var/lib/apt/lists/*
EOT
CMD ["bash"]
