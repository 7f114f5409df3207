"""`/api/drift`: the latest drift summary of the monitor stage."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from services.api.deps import SettingsDep
from services.api.monitor import SUMMARY_PATH, DriftUnavailable, read_drift_summary
from services.api.schemas import DriftSummary

router = APIRouter(tags=["monitoring"])


RESPONSES: dict[int | str, dict[str, object]] = {
    404: {"description": "The monitor stage has not run yet"},
    503: {"description": "The drift summary is malformed; `detail` says how"},
}


@router.get("/drift", responses=RESPONSES)
def read_drift(settings: SettingsDep) -> DriftSummary:
    """Dataset and prediction drift, skew and data quality of the latest monitor run."""
    try:
        return read_drift_summary(settings.var_path / SUMMARY_PATH)
    except DriftUnavailable as exc:
        raise HTTPException(status_code=exc.status, detail=exc.reason) from None
