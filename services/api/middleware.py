"""ASGI middleware: read-only method guard, security headers and Prometheus request metrics."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc load from a CDN and start with an inline script: their two pages only.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com https://cdn.redoc.ly; worker-src 'self' blob:; "
    "object-src 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc"})
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class ReadOnlyMiddleware:
    """Refuse every method but GET, HEAD and OPTIONS with 405, whatever the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ALLOWED_METHODS:
            body = b'{"detail":"Method Not Allowed: this API is read-only"}'
            headers = [
                (b"content-type", b"application/json"),
                (b"allow", b"GET, HEAD, OPTIONS"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 405, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _encoded_headers(csp: str) -> list[tuple[bytes, bytes]]:
    """The security headers with this CSP, encoded once (they are added to every response)."""
    pairs = {"content-security-policy": csp, **SECURITY_HEADERS}
    return [(k.encode(), v.encode()) for k, v in pairs.items()]


class SecurityHeadersMiddleware:
    """Add the Content-Security-Policy and the other security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers = _encoded_headers(CSP)
        self._docs_headers = _encoded_headers(DOCS_CSP)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs_headers if scope["path"] in DOCS_PATHS else self._headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestMetrics:
    """Request counts and latency by method, route template and status, in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter(
            "api_requests_total", "HTTP requests", labels, registry=self.registry
        )
        self.latency = Histogram(
            "api_request_duration_seconds",
            "Request latency",
            labels[:2],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its latency (label children looked up once per combination)."""
        if method not in ALLOWED_METHODS:
            method = "other"  # bounded label values: any method string can arrive
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


def _route_label(scope: Scope) -> str:
    """The matched route's template (bounded label values), or `unmatched`."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path is not None else "unmatched"


class MetricsMiddleware:
    """Record every HTTP request in `RequestMetrics`."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            elapsed = time.perf_counter() - start
            self.metrics.observe(scope["method"], _route_label(scope), status, elapsed)
