"""Fault injection for the replay server: errors, 429s, latency and malformed bodies.

`FaultMiddleware` wraps the TMDb routes (`/3/...`) only; `/health` and `/_admin` are never
faulted, so tests can always check liveness and flip the switches. One seeded RNG decides every
request with a fixed number of draws, so a seed gives the same fault pattern for the same
sequence of requests.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.source.drift import DriftProfile

FAULTED_PREFIX = "/3/"
ERROR_STATUSES = (500, 502, 503)
ERROR_BODY = {
    "status_code": 11,
    "status_message": "Internal error: Something went wrong, contact TMDb.",
    "success": False,
}
RATE_LIMIT_BODY = {
    "status_code": 25,
    "status_message": "Your request count (#) is over the allowed limit of (40).",
    "success": False,
}


class FaultConfig(BaseModel):
    """The fault switches; rates are per-request probabilities, drawn in this order."""

    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(default=0.0, ge=0, le=1)
    rate_limit_rate: float = Field(default=0.0, ge=0, le=1)
    malformed_rate: float = Field(default=0.0, ge=0, le=1)
    latency_ms: float = Field(default=0.0, ge=0, le=60_000)
    retry_after_s: int = Field(default=1, ge=0, le=3600)
    seed: int | None = None
    # Not a fault but a shift of what is served (see drift.py); the seed picks the movies.
    drift: DriftProfile = "none"
    drift_seed: int = 0


class FaultKind(Enum):
    """What happens to one request."""

    NONE = "none"
    ERROR = "error"
    RATE_LIMIT = "rate_limit"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Fault:
    """One request's fate: the kind and a variant draw in [0, 1) choosing status or corruption."""

    kind: FaultKind
    variant: float


class FaultInjector:
    """Holds the current switches and the RNG; reconfiguring reseeds it."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)  # noqa: S311 - fault patterns, not security

    def reconfigure(self, config: FaultConfig) -> None:
        """Replace the switches and restart the RNG from the new seed."""
        self.config = config
        self._rng = random.Random(config.seed)  # noqa: S311

    def draw(self) -> Fault:
        """Decide one request; always two draws so the sequence stays aligned."""
        roll, variant = self._rng.random(), self._rng.random()
        cfg = self.config
        bounds = (
            (cfg.error_rate, FaultKind.ERROR),
            (cfg.error_rate + cfg.rate_limit_rate, FaultKind.RATE_LIMIT),
            (cfg.error_rate + cfg.rate_limit_rate + cfg.malformed_rate, FaultKind.MALFORMED),
        )
        for bound, kind in bounds:
            if roll < bound:
                return Fault(kind, variant)
        return Fault(FaultKind.NONE, variant)


def _json_bytes(obj: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def _wrong_shape(body: bytes) -> bytes:
    """Valid JSON missing the field a client needs most (`results`, else `id`, else `genres`)."""
    try:
        obj = json.loads(body)
    except ValueError:
        return b"{}"
    if not isinstance(obj, dict):
        return b"{}"
    for key in ("results", "id", "genres"):
        if key in obj:
            del obj[key]
            break
    return _json_bytes(obj)


def corrupt(body: bytes, variant: float) -> bytes:
    """A malformed version of `body`: not JSON, truncated JSON, or JSON of the wrong shape."""
    if variant < 1 / 3:
        return b"<html><body>502 Bad Gateway</body></html>"
    if variant < 2 / 3:
        return body[: max(1, len(body) // 2)]
    return _wrong_shape(body)


async def _send_body(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    """Send a complete response."""
    all_headers = [
        (b"content-type", b"application/json;charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})


class FaultMiddleware:
    """ASGI middleware applying the injector's faults to TMDb routes."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Delay, then fail, rate-limit, corrupt or pass the request through."""
        if scope["type"] != "http" or not str(scope["path"]).startswith(FAULTED_PREFIX):
            await self.app(scope, receive, send)
            return
        config, fault = self.injector.config, self.injector.draw()
        if config.latency_ms > 0:
            await asyncio.sleep(config.latency_ms / 1000)
        if fault.kind is FaultKind.ERROR:
            status = ERROR_STATUSES[int(fault.variant * len(ERROR_STATUSES))]
            await _send_body(send, status, _json_bytes(ERROR_BODY), [])
        elif fault.kind is FaultKind.RATE_LIMIT:
            retry_after = (b"retry-after", str(config.retry_after_s).encode())
            await _send_body(send, 429, _json_bytes(RATE_LIMIT_BODY), [retry_after])
        elif fault.kind is FaultKind.MALFORMED:
            await self._send_corrupted(scope, receive, send, fault.variant)
        else:
            await self.app(scope, receive, send)

    async def _send_corrupted(
        self, scope: Scope, receive: Receive, send: Send, variant: float
    ) -> None:
        """Run the route, then corrupt a successful body (errors pass through unchanged)."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        status = int(start.get("status", 500))
        body = b"".join(chunks)
        if status == 200:
            body = corrupt(body, variant)
        await _send_body(send, status, body, [])
