"""Serve repeated API reads from memory: responses cached per serving build and URL.

Sound because a build never changes once it is current: the same URL on the same build always
gives the same bytes, and a swap changes the build id, so nothing needs invalidating; old
entries age out (least recently used first, bounded by total body size). A response is cached
only when its handler marked it with the build it read (`x-serving-build`, see deps.BuildView)
and it is a 200: live data (/api/drift), errors and 404s are never cached.

It sits in front of FastAPI's routing because that is where the time goes: on a hit, parsing
and validating the query parameters would cost several times what sending the bytes does.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from services.api.deps import ServingStore

BUILD_HEADER = "x-serving-build"
BUILD_STATE = "serving_build"  # request.state key: the build resolved for this request


@dataclass(frozen=True)
class CachedResponse:
    """What is replayed on a hit: the matched route (for metrics), headers and body."""

    route: Any
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """A thread-safe LRU of responses, bounded by the total size of their bodies."""

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, CachedResponse] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> CachedResponse | None:
        """The cached response, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, entry: CachedResponse) -> None:
        """Cache `entry` (a body larger than the whole cache is not kept)."""
        if len(entry.body) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._size += len(entry.body) - (len(old.body) if old is not None else 0)
            self._entries[key] = entry
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._entries)


class CachedResponsesMiddleware:
    """Answer GETs under `prefix` from the cache of the current build; fill it on a miss."""

    def __init__(self, app: ASGIApp, store: ServingStore, prefix: str = "/api/") -> None:
        self.app = app
        self.store = store
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not str(scope["path"]).startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        try:
            build = await self.store.current()
        except DBAPIError:  # the handler answers (503); nothing to cache
            build = None
        if build is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})[BUILD_STATE] = build  # the handler reads this build
        hit = self.store.cache.get((build, scope["path"], scope["query_string"]))
        if hit is not None:
            scope["route"] = hit.route
            await send({"type": "http.response.start", "status": 200, "headers": hit.headers})
            await send({"type": "http.response.body", "body": hit.body})
            return
        await self._fill(scope, receive, send)

    async def _fill(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, passing its response through, and keep a copy if it is cacheable."""
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                # Copied now: outer middleware (CORS, security headers) edits the message after.
                status, headers[:] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        built = dict(headers).get(BUILD_HEADER.encode())
        if status != 200:
            return
        if built is not None:
            key = (built.decode(), scope["path"], scope["query_string"])
            self.store.cache.put(key, CachedResponse(scope.get("route"), headers, b"".join(chunks)))
