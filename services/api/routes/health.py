"""`/health` (the process is up) and `/ready` (a published dataset can be served)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.api.deps import StoreDep
from services.api.schemas import Health

router = APIRouter(tags=["ops"])


@router.get("/health")
def health() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/ready", responses={503: {"model": Health, "description": "Nothing published yet"}})
def ready(store: StoreDep, response: Response) -> Health:
    """Readiness: a published serving database exists."""
    if not store.is_ready():
        response.status_code = 503
        return Health(status="unavailable", detail="no published dataset yet")
    return Health(status="ok")
