"""Request dependencies: the app's settings and a view of the serving build current at arrival.

Each request resolves the current build once (a symlink read on SQLite, one pointer query on
Postgres) and reads only that build, so a publish swapping builds mid-request cannot mix two
datasets in one response. Responses name their build (`x-serving-build`), which is what lets
cache.py keep them per build. On Postgres the pointer is re-read at most every
`POINTER_TTL_S`; a request whose build was pruned meanwhile (only possible when two publishes
land within that time) reruns its query on the current build instead of failing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from services.api.cache import BUILD_HEADER, BUILD_STATE, ResponseCache
from trending_now.config import Settings
from trending_now.publish.builds import ServingBuilds, SqliteBuilds, open_builds

T = TypeVar("T")


@dataclass(frozen=True)
class Missing:
    """A query's answer when the thing asked for is not in the build: 404 with the reason."""

    reason: str


class ServingStore:
    """The serving builds the URL names, and the response cache over them."""

    POINTER_TTL_S = 0.5  # how stale a Postgres pointer read may be (a swap shows within this)

    def __init__(self, db_url: str, cache: ResponseCache | None = None) -> None:
        self.builds: ServingBuilds = open_builds(db_url)
        self.cache = cache or ResponseCache()
        # A symlink read is cheap enough for every request, in the event loop; a Postgres
        # query (a worker thread, two round trips) is not.
        self._inline = isinstance(self.builds, SqliteBuilds)
        self._pointer: tuple[float, str | None] = (-1e9, None)  # (read started at, build)
        self._reading = asyncio.Lock()  # one pointer read at a time: no stampede at expiry

    async def current(self, *, fresh: bool = False) -> str | None:
        """The current build, or None before the first publish."""
        if self._inline:
            return self.builds.current()
        if not fresh and time.monotonic() - self._pointer[0] < self.POINTER_TTL_S:
            return self._pointer[1]
        async with self._reading:
            read_at, build = self._pointer
            started = time.monotonic()
            if not fresh and started - read_at < self.POINTER_TTL_S:
                return build  # read by the request we queued behind
            build = await run_in_threadpool(self.builds.current)
            self._pointer = (started, build)
            return build

    def close(self) -> None:
        """Close the database connections."""
        self.builds.dispose()


class BuildView:
    """One request's view: the build current when it arrived."""

    def __init__(self, store: ServingStore, build: str) -> None:
        self.store = store
        self.build = build

    def _query(self, query: Callable[[Session], T]) -> T:
        with self.store.builds.session(self.build) as session:
            return query(session)

    async def run(self, query: Callable[[Session], T]) -> T:
        """Run `query` on a session reading this build (in a worker thread)."""
        try:
            return await run_in_threadpool(self._query, query)
        except DBAPIError as exc:
            if not self.store.builds.is_gone(exc):
                raise
        current = await self.store.current(fresh=True)
        if current is None or current == self.build:
            raise HTTPException(status_code=503, detail="The serving build went away; retry")
        self.build = current
        return await run_in_threadpool(self._query, query)

    async def json(self, query: Callable[[Session], BaseModel | Missing]) -> Response:
        """The JSON of `query`'s answer on this build, marked with the build; 404 if Missing."""
        result = await self.run(query)
        if isinstance(result, Missing):
            raise HTTPException(status_code=404, detail=result.reason)
        body = result.model_dump_json().encode()
        return Response(body, media_type="application/json", headers={BUILD_HEADER: self.build})


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> ServingStore:
    """The app's serving store."""
    store: ServingStore = request.app.state.store
    return store


StoreDep = Annotated[ServingStore, Depends(get_store)]


async def current_or_503(store: ServingStore) -> str | None:
    """The current build; an unreachable serving database is a 503 saying so, not a 500."""
    try:
        return await store.current()
    except DBAPIError as exc:
        reason = f"The serving database is unavailable ({type(exc.orig).__name__})"
        raise HTTPException(status_code=503, detail=reason) from None


async def get_view(request: Request, store: StoreDep) -> BuildView:
    """A view of the current build; 503 until something has been published."""
    build = getattr(request.state, BUILD_STATE, None) or await current_or_503(store)
    if build is None:
        raise HTTPException(
            status_code=503, detail="No published dataset yet: run the publish stage"
        )
    return BuildView(store, build)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ViewDep = Annotated[BuildView, Depends(get_view)]
