"""What every command group prints with: one console on stderr for progress, tables on stdout."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from trending_now.config import get_settings
from trending_now.paths import Paths

console = Console(stderr=True)  # progress, status and errors
BLOCKED_EXIT = 3  # a gate said block: distinct from a failure (1) and a usage error (2)


def print_counts(title: str, counts: Mapping[str, Any]) -> None:
    """A two-column table (what, value) on stdout."""
    table = Table(title=title)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in counts.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    Console().print(table)


def project_paths() -> Paths:
    """The project's paths, for commands that need no params.yaml (registry, audit, reports)."""
    return Paths.from_settings(get_settings())
