# syntax=docker/dockerfile:1
# Images of the docker-compose deployment (and the API image App Runner runs from ECR).
#   runtime  every Python service: the Airflow components and Celery workers, the replay source,
#            the AWS emulator (moto, the lock file's version) and the Evidently UI
#   api      runtime + the built D3 front end, which the API serves at /
# Build after `make wheels` (the CPU torch wheel the lock file pins lies in wheels/torch):
#   docker compose build            or   docker build --target api -t trending-now-api .
# Validated (docker-compose config, checkov), not built, on the machines this project is
# developed on: they have no Docker engine. See docs/deployment.md.

FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH \
    TRENDING_PROJECT_DIR=/app \
    AIRFLOW_HOME=/app/var/airflow \
    DVC_NO_ANALYTICS=1 DO_NOT_TRACK=1 WANDB_MODE=offline \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# git: DVC and the GTO registry; curl: health checks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git curl \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9 \
    && useradd --create-home --uid 50000 trending
WORKDIR /app
# Dependencies first (cached until the lock file changes), then the project.
COPY pyproject.toml uv.lock README.md ./
COPY wheels/torch ./wheels/torch
RUN uv sync --frozen --no-dev --no-install-project --compile-bytecode
COPY src ./src
COPY services ./services
COPY dags ./dags
COPY prompts ./prompts
COPY data/snapshot ./data/snapshot
COPY params.yaml dvc.yaml .dvcignore ./
COPY .dvc/config ./.dvc/config
RUN uv sync --frozen --no-dev --compile-bytecode \
    && rm -rf wheels \
    && mkdir -p var \
    && chown -R trending /app
USER trending
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD python -c "import trending_now" || exit 1

FROM runtime AS api
COPY --from=frontend --chown=trending /build/dist ./frontend/dist
EXPOSE 8791
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD curl -fsS http://localhost:8791/health || exit 1
CMD ["python", "-m", "services.api", "--host", "0.0.0.0", "--port", "8791"]
