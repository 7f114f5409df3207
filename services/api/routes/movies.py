"""`/api/movies`: the bubble chart's list and one movie's detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from services.api import queries
from services.api.deps import ViewDep
from services.api.schemas import MovieDetail, MovieFilter, MoviesPublic

router = APIRouter(prefix="/movies", tags=["movies"])


@router.get("", response_model=MoviesPublic)
async def read_movies(view: ViewDep, filters: Annotated[MovieFilter, Query()]) -> Response:
    """Published movies by trending rank, filtered by genre, platform, vibe tag and score range."""
    return await view.json(lambda db: queries.list_movies(db, filters))


@router.get(
    "/{movie_id}", response_model=MovieDetail, responses={404: {"description": "Movie not found"}}
)
async def read_movie(movie_id: Annotated[int, Path(ge=1, le=2**62)], view: ViewDep) -> Response:
    """One movie with its predicted genres, AI enrichment, review links and lineage."""
    return await view.json(lambda db: queries.get_movie(db, movie_id))
