"""What params.yaml says now, for the descriptions of the DAGs' trigger forms.

A DAG `Param` left empty means "use params.yaml": the task entry reads the file when the task
runs, so editing params.yaml changes Airflow runs as it changes CLI and DVC runs. The form shows
the file's value at parse time (a local read; `TRENDING_PARAMS_FILE` names another file).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from airflow.sdk import Param

_DEFAULT = Path(__file__).resolve().parents[1] / "params.yaml"


def params_file() -> Path:
    """The params.yaml the tasks will read."""
    return Path(os.environ.get("TRENDING_PARAMS_FILE") or _DEFAULT)


def current(dotted: str) -> Any:
    """The value at `block.key` in params.yaml (None when the file or the key is missing)."""
    try:
        node: Any = yaml.safe_load(params_file().read_text(encoding="utf-8")) or {}
    except OSError:
        return None
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def described(dotted: str, what: str) -> str:
    """A form description: what the param does, and the params.yaml value used when empty."""
    return f"{what} Empty = params.yaml's {dotted} (now {current(dotted)!r})."


def from_params_yaml(
    dotted: str, what: str, *, title: str, kind: str, enum: list[Any] | None = None, **bounds: Any
) -> Param:
    """A trigger-form field that is empty by default; empty means params.yaml's `dotted`."""
    schema = dict(bounds) | ({"enum": [None, *enum]} if enum else {})
    return Param(None, type=["null", kind], title=title, description=described(dotted, what),
                 **schema)  # fmt: skip
