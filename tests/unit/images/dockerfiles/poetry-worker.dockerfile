# A Celery worker built with Poetry's installer piped into Python, a secret baked in.
FROM python:3.12-slim
ENV POETRY_VIRTUALENVS_CREATE=false \
    DJANGO_SECRET_KEY=change-me
RUN apt-get update && apt-get install -y curl \
    && curl -sSL https://install.python-poetry.org | python3 -
ENV PATH="/root/.local/bin:$PATH"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
COPY .env /app/.env
RUN poetry install
COPY . .
CMD ["celery", "-A", "worker", "worker", "--loglevel=info"]
