"""`/api/facets`: the values movies can be filtered and grouped by."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from services.api import queries
from services.api.deps import ViewDep
from services.api.schemas import Facets

router = APIRouter(tags=["movies"])


@router.get("/facets", response_model=Facets)
async def read_facets(view: ViewDep) -> Response:
    """Genres, platforms and vibe tags with movie counts, and the vibe-score range."""
    return await view.json(queries.get_facets)
