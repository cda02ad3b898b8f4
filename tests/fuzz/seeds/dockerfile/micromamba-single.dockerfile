# One stage on micromamba: no USER needed, the base runs as mambauser.
FROM mambaorg/micromamba:2.3.2
COPY --chown=$MAMBA_USER:$MAMBA_USER environment.yml /tmp/environment.yml
RUN micromamba install -y -n base -f /tmp/environment.yml && \
    micromamba clean --all --yes
ARG MAMBA_DOCKERFILE_ACTIVATE=1
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --chown=$MAMBA_USER:$MAMBA_USER src/ /app/
WORKDIR /app
CMD ["python", "-m", "job"]
