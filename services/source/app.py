"""The replay server's FastAPI app: TMDb v3 routes over a precomputed snapshot, plus admin."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.source.drift import SnapshotStore
from services.source.faults import FaultConfig, FaultInjector, FaultMiddleware
from services.source.snapshot import MAX_PAGE, MovieResponses, Snapshot, Window, read_records

logger = logging.getLogger(__name__)

JSON_MEDIA_TYPE = "application/json;charset=utf-8"
INVALID_KEY = (401, 7, "Invalid API key: You must be granted a valid key.")
NOT_FOUND = (404, 34, "The resource you requested could not be found.")
INVALID_PAGE = (
    400,
    22,
    "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.",
)


@dataclass(frozen=True)
class SourceConfig:
    """What the replay server serves and with which key and faults."""

    snapshot_path: Path
    api_key: SecretStr
    faults: FaultConfig = field(default_factory=FaultConfig)


class TmdbApiError(Exception):
    """An error answered in TMDb's shape: `{status_code, status_message, success: false}`."""

    def __init__(self, error: tuple[int, int, str]) -> None:
        super().__init__(error[2])
        self.http_status, self.status_code, self.status_message = error


def _error_response(error: tuple[int, int, str]) -> JSONResponse:
    """The TMDb JSON error body with its HTTP status."""
    status, code, message = error
    body = {"status_code": code, "status_message": message, "success": False}
    return JSONResponse(body, status_code=status)


def require_key(request: Request) -> None:
    """Refuse requests without `Authorization: Bearer <the configured key>`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected: str = request.app.state.api_key.get_secret_value()
    # compare_digest: the check takes the same time however much of the key matches.
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), expected):
        raise TmdbApiError(INVALID_KEY)


def get_snapshot(request: Request) -> Snapshot:
    """The app's precomputed snapshot, as shifted by the current drift switch."""
    store: SnapshotStore = request.app.state.snapshots
    config: FaultConfig = request.app.state.injector.config
    return store.get(config.drift, config.drift_seed)


def get_injector(request: Request) -> FaultInjector:
    """The app's fault injector."""
    injector: FaultInjector = request.app.state.injector
    return injector


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
InjectorDep = Annotated[FaultInjector, Depends(get_injector)]
PageQuery = Annotated[int, Query()]


def _json(body: bytes) -> Response:
    """A precomputed JSON body as a response."""
    return Response(content=body, media_type=JSON_MEDIA_TYPE)


def _page_body(pages: tuple[bytes, ...], page: int, fallback: bytes) -> Response:
    """Page `page` of `pages`, the (valid, empty) fallback past the end, 400 out of range."""
    if not 1 <= page <= MAX_PAGE:
        raise TmdbApiError(INVALID_PAGE)
    return _json(pages[page - 1] if page <= len(pages) else fallback)


def _movie(snapshot: Snapshot, movie_id: int) -> MovieResponses:
    """One movie's responses or a TMDb 404."""
    movie = snapshot.movies.get(movie_id)
    if movie is None:
        raise TmdbApiError(NOT_FOUND)
    return movie


tmdb = APIRouter(prefix="/3", dependencies=[Depends(require_key)])


@tmdb.get("/trending/movie/{window}")
def trending(window: Window, snapshot: SnapshotDep, page: PageQuery = 1) -> Response:
    """Trending movies (see the package docstring for how the order is derived)."""
    count = snapshot.trending_counts[window]
    fallback = snapshot.empty_page(page, count)
    return _page_body(snapshot.trending_pages[window], page, fallback)


@tmdb.get("/movie/{movie_id}")
def movie_details(movie_id: int, snapshot: SnapshotDep) -> Response:
    """A movie's details."""
    return _json(_movie(snapshot, movie_id).details)


@tmdb.get("/movie/{movie_id}/reviews")
def movie_reviews(movie_id: int, snapshot: SnapshotDep, page: PageQuery = 1) -> Response:
    """A movie's reviews, TMDb and IMDb, 20 a page, in snapshot order."""
    movie = _movie(snapshot, movie_id)
    fallback = snapshot.empty_page(page, movie.review_count, {"id": movie_id})
    return _page_body(movie.review_pages, page, fallback)


@tmdb.get("/movie/{movie_id}/watch/providers")
def watch_providers(movie_id: int, snapshot: SnapshotDep) -> Response:
    """A movie's US watch providers."""
    return _json(_movie(snapshot, movie_id).providers)


@tmdb.get("/genre/movie/list")
def genre_list(snapshot: SnapshotDep) -> Response:
    """The 19 TMDb movie genres."""
    return _json(snapshot.genres)


admin = APIRouter(prefix="/_admin", dependencies=[Depends(require_key)])


@admin.get("/faults")
def read_faults(injector: InjectorDep) -> FaultConfig:
    """The current fault switches."""
    return injector.config


@admin.put("/faults")
def replace_faults(config: FaultConfig, injector: InjectorDep, request: Request) -> FaultConfig:
    """Replace every fault switch (omitted ones reset to off) and reseed the RNG."""
    request.app.state.snapshots.get(config.drift, config.drift_seed)  # build before switching
    injector.reconfigure(config)
    logger.info("faults set to %s", config.model_dump())
    return injector.config


def health(snapshot: SnapshotDep) -> dict[str, Any]:
    """Liveness and the number of movies served; needs no key and is never faulted."""
    return {"status": "ok", "movies": len(snapshot.movies)}


async def _tmdb_error(_: Request, exc: Exception) -> JSONResponse:
    """Render a TmdbApiError."""
    assert isinstance(exc, TmdbApiError)
    return _error_response((exc.http_status, exc.status_code, exc.status_message))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """On TMDb routes a bad `page` is a 400 and other bad input a 404; elsewhere FastAPI's 422."""
    assert isinstance(exc, RequestValidationError)
    if not request.url.path.startswith(tmdb.prefix + "/"):
        return await request_validation_exception_handler(request, exc)
    is_page = any("page" in err.get("loc", ()) for err in exc.errors())
    return _error_response(INVALID_PAGE if is_page else NOT_FOUND)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    """Unknown routes answer like TMDb; other HTTP errors keep their status."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return _error_response(NOT_FOUND)
    return _error_response((exc.status_code, exc.status_code, str(exc.detail)))


def create_app(config: SourceConfig) -> FastAPI:
    """Load the snapshot and build the replay app with its fault middleware."""
    snapshots = SnapshotStore(list(read_records(config.snapshot_path)))
    snapshot = snapshots.get(config.faults.drift, config.faults.drift_seed)
    injector = FaultInjector(config.faults)
    app = FastAPI(title="TMDb replay source", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.snapshots, app.state.injector, app.state.api_key = snapshots, injector, config.api_key
    app.include_router(tmdb)
    app.include_router(admin)
    app.add_api_route("/health", health, methods=["GET"])
    app.add_exception_handler(TmdbApiError, _tmdb_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(FaultMiddleware, injector=injector)
    logger.info("replay source: %d movies from %s", len(snapshot.movies), config.snapshot_path)
    return app
