"""The edge: what every task entry starts from, built once per call.

`load_project()` reads the settings (`TRENDING_*`, `.env`) and `params.yaml` and names the paths;
the CLI commands and the Airflow tasks call a stage's task entry (`<stage>/tasks.py`), the entry
calls `load_project()`, and from there settings, params and paths travel down as arguments.
This module and `config.py` are the only places that read either.
"""

from __future__ import annotations

from dataclasses import dataclass

from trending_now.config import Params, Settings, get_settings, load_params
from trending_now.paths import Paths


@dataclass(frozen=True)
class Project:
    """One checkout's settings (where, secrets), params (what) and paths."""

    settings: Settings
    params: Params
    paths: Paths


def load_project(settings: Settings | None = None) -> Project:
    """The project the settings describe (the process-wide settings by default)."""
    settings = settings or get_settings()
    return Project(settings, load_params(settings.params_path), Paths.from_settings(settings))
