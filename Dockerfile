# One image for every Python service of the stack (Airflow components, replay source, API).
# Build after `make wheels` (the CPU torch wheel the lock file pins lives in wheels/torch).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH \
    DVC_NO_ANALYTICS=1 DO_NOT_TRACK=1 WANDB_MODE=offline HF_HUB_OFFLINE=1
RUN apt-get update && apt-get install -y --no-install-recommends git curl \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9 \
    && useradd --create-home --uid 50000 trending
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY wheels/torch ./wheels/torch
RUN uv sync --frozen --no-dev --no-install-project --compile-bytecode
COPY src ./src
COPY services ./services
COPY dags ./dags
COPY data/snapshot ./data/snapshot
COPY params.yaml dvc.yaml ./
RUN uv sync --frozen --no-dev --compile-bytecode && chown -R trending /app
USER trending
