"""Test-wide environment: offline, and every tool's state inside the project (never $HOME)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Session-wide real servers (one PostgreSQL cluster, one Redis) for every test that asks.
pytest_plugins = ("tests.utils.dbservers",)
_VAR = ROOT / "var" / "test"

# Set before any test module imports airflow, wandb, transformers or dvc.
for key, value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "WANDB_MODE": "offline",
    "DVC_NO_ANALYTICS": "1",
    "DO_NOT_TRACK": "1",
    "AIRFLOW_HOME": str(_VAR / "airflow"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),  # Airflow puts it on sys.path
    "XDG_CACHE_HOME": str(ROOT / ".cache" / "xdg"),
    "XDG_CONFIG_HOME": str(_VAR / "xdg-config"),
    "HF_HOME": str(_VAR / "hf"),
    "MPLCONFIGDIR": str(_VAR / "mpl"),
    "WANDB_DIR": str(_VAR / "wandb"),
    "WANDB_CACHE_DIR": str(_VAR / "wandb" / "cache"),
    "WANDB_CONFIG_DIR": str(_VAR / "wandb" / "config"),
    "WANDB_DATA_DIR": str(_VAR / "wandb" / "data"),
}.items():
    os.environ.setdefault(key, value)
