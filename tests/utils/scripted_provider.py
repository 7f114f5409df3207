"""A provider that answers from a script, counting calls (runner and stage unit tests)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from trending_now.enrich.providers import ProviderError, ProviderReply, ProviderRequest, Usage

GOOD = {
    "summary": "A wonderful film with a moving story. The director builds real tension.",
    "vibe_score": 8,
    "vibe_tags": ["slow-burn", "edge-of-your-seat", "dark"],
    "llm_genres": ["Thriller"],
}
Script = Callable[[ProviderRequest], str | ProviderReply | Exception]


def good_reply(request: ProviderRequest) -> str:
    """The same valid reply for every movie."""
    return json.dumps(GOOD)


class ScriptedProvider:
    """Replies from `script(request)`; each call costs `cost_usd` and 100 + 20 tokens."""

    name = "scripted"
    model = "script-1"
    version = "scripted-v1"
    fingerprint = "scripted-v1"
    uses_prompt = True
    retries_invalid = True

    def __init__(
        self,
        script: Script = good_reply,
        *,
        cost_usd: float = 0.01,
        delay_s: float = 0.0,
        max_concurrency: int = 8,
    ) -> None:
        self.script = script
        self.cost_usd = cost_usd
        self.delay_s = delay_s
        self.max_concurrency = max_concurrency
        self.requests: list[ProviderRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        """Calls made so far."""
        return len(self.requests)

    def complete(self, request: ProviderRequest) -> ProviderReply:
        """Record the request, wait `delay_s`, answer from the script."""
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay_s)
            answer: Any = self.script(request)
        finally:
            with self._lock:
                self.in_flight -= 1
        if isinstance(answer, ProviderError):
            raise answer
        if isinstance(answer, ProviderReply):
            return answer
        return ProviderReply(answer, Usage(1, 100, 20, self.cost_usd))
