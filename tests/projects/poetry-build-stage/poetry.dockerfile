FROM python:3.12-slim-bookworm AS build
ENV POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_IN_PROJECT=true
RUN pip install --no-cache-dir poetry==2.1.3
RUN poetry install --only main --no-root

FROM python:3.12-slim-bookworm
COPY --from=build /app/.venv /app/.venv
