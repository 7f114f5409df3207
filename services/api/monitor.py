"""The drift summary the monitor stage writes (var/monitor/latest.json), read at request time.

Not copied into serving builds: drift is about the data arriving now, not about the published
build. A missing file is "nothing monitored yet" (404); a file that is not the summary's shape
is a broken monitor run (503, saying what is wrong), never a server error.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from services.api.schemas import DriftSummary
from trending_now.publish.documents import finite, validation_problems

SUMMARY_PATH = Path("monitor") / "latest.json"  # under Settings.var_path


class DriftUnavailable(Exception):
    """No drift summary can be served: the HTTP status and the reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def read_drift_summary(path: Path) -> DriftSummary:
    """The summary at `path`; DriftUnavailable (404 absent, 503 malformed) otherwise."""
    if not path.exists():
        raise DriftUnavailable(404, "No drift summary yet: the monitor stage has not run")
    try:
        data = finite(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DriftUnavailable(503, f"The drift summary is not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DriftUnavailable(503, "The drift summary is not a JSON object")
    try:
        return DriftSummary.model_validate(data)
    except ValidationError as exc:
        reason = f"The drift summary has an unexpected shape: {validation_problems(exc)}"
        raise DriftUnavailable(503, reason) from None
