"""`/api/movies`: the bubble chart's list and one movie's detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from services.api import queries
from services.api.deps import ServingDb
from services.api.schemas import MovieDetail, MovieFilter, MoviesPublic

router = APIRouter(prefix="/movies", tags=["movies"])


@router.get("")
def read_movies(db: ServingDb, filters: Annotated[MovieFilter, Query()]) -> MoviesPublic:
    """Published movies by trending rank, filtered by genre, platform, vibe tag and score range."""
    return queries.list_movies(db, filters)


@router.get("/{movie_id}", responses={404: {"description": "Movie not found"}})
def read_movie(movie_id: Annotated[int, Path(ge=1, le=2**62)], db: ServingDb) -> MovieDetail:
    """One movie with its predicted genres, AI enrichment, review links and lineage."""
    movie = queries.get_movie(db, movie_id)
    if movie is None:
        raise HTTPException(status_code=404, detail="Movie not found")
    return movie
