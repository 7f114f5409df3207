"""The API's routers, aggregated into one under `/api` (health and metrics stay at the root)."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.routes import drift, facets, model, movies

api_router = APIRouter(prefix="/api")
api_router.include_router(movies.router)
api_router.include_router(facets.router)
api_router.include_router(model.router)
api_router.include_router(drift.router)
