"""Providers turn one movie's inputs into a reply text (JSON) with token and cost accounting.

`openai_compat.OpenAICompatProvider` calls any OpenAI-compatible chat-completions endpoint;
`embedded.EmbeddedProvider` needs no network (packaged MiniLM). Both replies go through the same
validation (`safety.check_reply`), so both produce the same schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from trending_now.enrich.inputs import MovieInput


@dataclass(frozen=True)
class Usage:
    """Provider calls (HTTP requests, retries included), tokens and their cost."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.calls + other.calls,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost_usd + other.cost_usd,
        )


class ProviderError(RuntimeError):
    """The provider could not answer within its retry budget (the movie becomes a failure)."""

    def __init__(self, message: str, *, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()  # the calls spent before giving up still count


@dataclass(frozen=True)
class ProviderRequest:
    """One movie and, for prompt-driven providers, the chat messages to send."""

    movie: MovieInput
    messages: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ProviderReply:
    """The reply text (expected: one JSON object) or a refusal, and what it cost."""

    text: str
    usage: Usage
    refusal: str | None = None


class Provider(Protocol):
    """Anything that enriches one movie at a time."""

    name: str  # written to every output row: the web app says how the text was made
    model: str
    uses_prompt: bool  # False: no prompt is fetched and the prompt version names the method
    version: str  # the provider's method version (the prompt version when it uses no prompt)
    fingerprint: str  # settings that change its output; part of the cache key
    retries_invalid: bool  # False for deterministic providers (a retry would repeat the reply)
    max_concurrency: int  # movies it may work on at once (CPU-bound local models: 1)

    def complete(self, request: ProviderRequest) -> ProviderReply:
        """Produce a reply for one movie."""
        ...
