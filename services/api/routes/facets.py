"""`/api/facets`: the values movies can be filtered and grouped by."""

from __future__ import annotations

from fastapi import APIRouter

from services.api import queries
from services.api.deps import ServingDb
from services.api.schemas import Facets

router = APIRouter(tags=["movies"])


@router.get("/facets")
def read_facets(db: ServingDb) -> Facets:
    """Genres, platforms and vibe tags with movie counts, and the vibe-score range."""
    return queries.get_facets(db)
