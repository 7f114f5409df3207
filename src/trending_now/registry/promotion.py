"""Promote and roll back: assign GTO's `prod` stage, refuse what the gate blocked, audit both.

A promotion needs the version's gate decision to say `promote` (`--force` overrides, and the
override is recorded); a rollback returns `prod` to the version that was in production before
the current one (see `registry.production_stack`). Both are a git tag and an audit event, so
`trending models show` and `trending audit verify` tell the same story.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trending_now import audit
from trending_now.registry.versions import (
    ModelRef,
    RegistryError,
    assign_stage,
    production_stack,
    rollback_stage,
    stage_history,
)

PROMOTE, BLOCK = "promote", "block"


def decision_path(governance_dir: Path, name: str, version: str) -> Path:
    """`governance/decisions/<model>/<version>.json`: the gate writes it, promotion reads it."""
    return governance_dir / "decisions" / name / f"{version}.json"


@dataclass(frozen=True)
class StageChange:
    """What a promotion or rollback did, how long it took, and its audit entry."""

    name: str
    previous: str | None
    current: str
    seconds: float
    audit_seq: int | None


def read_decision(governance_dir: Path, ref: ModelRef) -> dict[str, Any] | None:
    """The gate's decision record for a version (None when the gate never judged it)."""
    path = decision_path(governance_dir, ref.name, ref.version)
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def promote(
    repo: Path,
    ref: ModelRef,
    *,
    governance_dir: Path,
    audit_log: Path | None,
    reason: str,
    force: bool = False,
    actor: str | None = None,
    approved_by: str | None = None,
) -> StageChange:
    """Assign `prod` to `ref` if its gate decision is `promote` (or `force`); audit it."""
    started = time.monotonic()
    decision = read_decision(governance_dir, ref)
    verdict = (decision or {}).get("decision")
    if verdict != PROMOTE and not force:
        failed = (decision or {}).get("failed")
        why = f"the gate blocked it (failed: {failed})" if decision else "the gate never judged it"
        raise RegistryError(f"refusing to promote {ref.tag}: {why}; --force overrides")
    stack = production_stack(stage_history(repo, ref.name))
    before = stack[-1] if stack else None
    message = f"promote {ref.tag}: {reason}" + (" (forced past the gate)" if force else "")
    assign_stage(repo, ref, message=message)
    entry = _audit(
        audit_log,
        "promotion",
        actor,
        name=ref.name,
        version=ref.version,
        previous=before.version if before else None,
        reason=reason,
        gate_decision=verdict,
        forced=force and verdict != PROMOTE,
        approved_by=approved_by,
    )
    return StageChange(
        ref.name,
        before.version if before else None,
        ref.version,
        time.monotonic() - started,
        entry,
    )


def rollback(
    repo: Path, name: str, *, audit_log: Path | None, reason: str, actor: str | None = None
) -> StageChange:
    """Return `prod` to the previous production version in one step; audit it."""
    started = time.monotonic()
    current, target = rollback_stage(repo, name, reason=reason)
    entry = _audit(
        audit_log,
        "rollback",
        actor,
        name=name,
        version=target.version,
        previous=current.version,
        reason=reason,
    )
    return StageChange(name, current.version, target.version, time.monotonic() - started, entry)


def _audit(log_path: Path | None, kind: str, actor: str | None, **details: Any) -> int | None:
    if log_path is None:
        return None
    return int(audit.append_event(log_path, kind, details, actor=actor)["seq"])
