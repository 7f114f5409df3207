"""Where the gate's records live and what a decision says (light: no model code imported, so
`trending models promote|rollback` start fast)."""

from __future__ import annotations

from pathlib import Path

PROMOTE, BLOCK = "promote", "block"


def decision_path(governance_dir: Path, name: str, version: str) -> Path:
    """`governance/decisions/<model>/<version>.json`."""
    return governance_dir / "decisions" / name / f"{version}.json"
