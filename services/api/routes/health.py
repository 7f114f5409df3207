"""`/health` (the process is up) and `/ready` (a published dataset can be served)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from services.api.deps import StoreDep, current_or_503
from services.api.schemas import Health

router = APIRouter(tags=["ops"])


@router.get("/health")
async def health() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/ready", responses={503: {"model": Health, "description": "Nothing published yet"}})
async def ready(store: StoreDep, response: Response) -> Health:
    """Readiness: the serving database answers and a published build is current."""
    try:
        build = await current_or_503(store)
    except HTTPException as exc:
        response.status_code = exc.status_code
        return Health(status="unavailable", detail=str(exc.detail))
    if build is None:
        response.status_code = 503
        return Health(status="unavailable", detail="no published dataset yet")
    return Health(status="ok")
