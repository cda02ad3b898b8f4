# Build with pip into a target directory, run on distroless as nonroot.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1
COPY requirements.txt /tmp/requirements.txt
RUN pip install --target=/deps -r /tmp/requirements.txt
COPY src/ /app/

FROM gcr.io/distroless/python3-debian12:nonroot
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/deps
COPY --from=build /deps /deps
COPY --from=build /app /app
CMD ["/app/main.py"]
