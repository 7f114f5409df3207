"""Governance documents copied into a serving build: model card, gate decision, enrichment card,
ML Test Score.

Read from `governance/` at publish time, so the API serves the documents of the published model
and a swap changes them together with the data. A document that is missing or malformed is
still recorded, with the reason, and the publish goes on: serving must not stop because a card
is late. Shapes are checked loosely here (extra keys are kept), so whatever is stored can be
served by the API's response models.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

MODEL_CARD = "model_card"
GATE_DECISION = "gate_decision"
ENRICHMENT_CARD = "enrichment_card"
MLTESTSCORE = "mltestscore"


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class GateCheck(_Loose):
    """One check of the promotion gate."""

    name: str
    passed: bool
    value: Any = None
    threshold: Any = None
    evidence: Any = None


class GateDecision(_Loose):
    """The promotion gate's decision on one model version."""

    decision: Literal["promote", "block"]
    checks: list[GateCheck]
    failed: list[Any] = []


class MLTest(_Loose):
    """One ML Test Score test: what implements it and its score."""

    id: str
    title: str
    implemented_by: Any = None
    automated: bool
    score: float


class MLTestSection(_Loose):
    """One section (data, model, infrastructure, monitoring) of the ML Test Score."""

    tests: list[MLTest]
    score: float


class MLTestScore(_Loose):
    """The ML Test Score (Breck et al., 2017) of this repository."""

    sections: dict[str, MLTestSection]
    final: float
    generated_at: datetime | None = None


SHAPES: dict[str, type[BaseModel] | None] = {
    MODEL_CARD: None,
    GATE_DECISION: GateDecision,
    ENRICHMENT_CARD: None,
    MLTESTSCORE: MLTestScore,
}


@dataclass(frozen=True)
class GovernanceDocument:
    """One document as copied into a build: its content, or why there is none."""

    kind: str
    source: str  # relative to the project directory
    content: dict[str, Any] | None
    markdown: str | None
    reason: str | None


def finite(value: Any) -> Any:
    """`value` with every NaN/infinity replaced by None (JSON and Postgres refuse them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def validation_problems(exc: ValidationError, limit: int = 3) -> str:
    """The first few problems of a validation error, as `field.path: message; ...`."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:limit])


def read_document(kind: str, path: Path, source: str) -> GovernanceDocument:
    """The JSON document at `path` (and the .md beside it), or the reason it cannot be served."""
    if not path.exists():
        return GovernanceDocument(kind, source, None, None, f"{source} does not exist")
    try:
        content = finite(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return GovernanceDocument(kind, source, None, None, f"{source} is not readable JSON: {exc}")
    if not isinstance(content, dict):
        return GovernanceDocument(kind, source, None, None, f"{source} is not a JSON object")
    shape = SHAPES.get(kind)
    if shape is not None:
        try:
            shape.model_validate(content)
        except ValidationError as exc:
            reason = f"{source} does not have the {kind} shape ({validation_problems(exc)})"
            return GovernanceDocument(kind, source, None, None, reason)
    markdown_path = path.with_suffix(".md")
    markdown = markdown_path.read_text(encoding="utf-8") if markdown_path.exists() else None
    return GovernanceDocument(kind, source, content, markdown, None)


def read_documents(
    governance_dir: Path | None, model_name: str | None, model_version: str | None
) -> list[GovernanceDocument]:
    """Every governance document the API serves, for the model version being published."""
    if governance_dir is None:
        return [
            GovernanceDocument(k, "governance/", None, None, "no governance directory given")
            for k in SHAPES
        ]
    base = governance_dir.name

    def doc(kind: str, *parts: str) -> GovernanceDocument:
        return read_document(kind, governance_dir.joinpath(*parts), "/".join((base, *parts)))

    docs = [doc(ENRICHMENT_CARD, "cards", "enrichment.json"), doc(MLTESTSCORE, "mltestscore.json")]
    if model_name is None or model_version is None:
        reason = "no model is published, so there is no model card or gate decision"
        return [
            *docs,
            *(
                GovernanceDocument(k, f"{base}/cards/", None, None, reason)
                for k in (MODEL_CARD, GATE_DECISION)
            ),
        ]
    file = f"{model_version}.json"
    return [
        *docs,
        doc(MODEL_CARD, "cards", model_name, file),
        doc(GATE_DECISION, "decisions", model_name, file),
    ]
