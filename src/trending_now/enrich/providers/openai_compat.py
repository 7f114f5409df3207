"""An OpenAI-compatible chat-completions provider (OpenAI, vLLM, Ollama, llama.cpp server).

Uses the `openai` SDK with a configurable base URL. Output is constrained by a JSON schema
(`response_format={"type": "json_schema"}`) where the endpoint supports it; an endpoint that
rejects that with a 400 is switched to plain JSON mode (`json_object`) for the rest of the run.
Timeouts, 429 and 5xx are retried with exponential backoff and full jitter; every HTTP request
counts as a call, and the tokens of every answered request are added up and priced.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from pydantic import SecretStr

from trending_now.config import LlmParams
from trending_now.enrich.providers import ProviderError, ProviderReply, ProviderRequest, Usage
from trending_now.enrich.schema import reply_json_schema

log = logging.getLogger(__name__)

PROVIDER_NAME = "openai-compat"
# Local servers (Ollama, llama.cpp, vLLM without --api-key) ignore the key, but the SDK needs one.
_NO_KEY = "no-key"


class OpenAICompatProvider:
    """Chat completions against `base_url` with `model`; thread-safe for concurrent movies."""

    name = PROVIDER_NAME
    version = "openai-compat-v1"
    uses_prompt = True
    retries_invalid = True
    max_concurrency = 64

    def __init__(
        self, *, base_url: str, model: str, api_key: SecretStr | None, params: LlmParams
    ) -> None:
        from openai import OpenAI

        self.model = model
        self.params = params
        # Sampling settings change replies; prices and retry settings do not.
        self.fingerprint = f"{self.version}:t={params.temperature}:max={params.max_output_tokens}"
        self._client = OpenAI(
            base_url=base_url,
            api_key=api_key.get_secret_value() if api_key is not None else _NO_KEY,
            timeout=params.timeout_s,
            max_retries=0,  # retries are ours: counted, priced and backed off here
        )
        self._mode = "json_object" if params.structured_output == "json_object" else "json_schema"
        self._lock = threading.Lock()
        self._rng = random.Random()  # noqa: S311 - jitter, not security

    @property
    def output_mode(self) -> str:
        """`json_schema` or `json_object` (after a fallback)."""
        return self._mode

    def complete(self, request: ProviderRequest) -> ProviderReply:
        """One reply for the request's messages, retrying transient failures."""
        import openai

        usage = Usage()
        for attempt in range(1, self.params.max_attempts + 1):
            mode = self._mode
            usage += Usage(calls=1)
            try:
                response = self._create(request.messages, mode)
            except openai.BadRequestError as exc:
                if not self._fall_back(mode, exc):
                    msg = f"rejected by the endpoint: {_short(exc)}"
                    raise ProviderError(msg, usage=usage) from exc
                continue
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                self._wait(attempt, exc, None, usage)
                continue
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    msg = f"HTTP {exc.status_code}: {_short(exc)}"
                    raise ProviderError(msg, usage=usage) from exc
                self._wait(attempt, exc, exc.response.headers.get("retry-after"), usage)
                continue
            return self._reply(response, usage)
        raise ProviderError(f"no answer after {self.params.max_attempts} attempts", usage=usage)

    def _create(self, messages: list[dict[str, str]], mode: str) -> Any:
        """One chat-completions request."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.params.temperature,
            "max_tokens": self.params.max_output_tokens,
            "response_format": _response_format(mode),
        }
        return self._client.chat.completions.create(**request)

    def _fall_back(self, mode: str, exc: Exception) -> bool:
        """Switch to plain JSON mode after a 400 to a JSON-schema request (when allowed)."""
        if mode != "json_schema" or self.params.structured_output != "auto":
            return False
        with self._lock:
            self._mode = "json_object"
        log.warning("endpoint refused JSON-schema output (%s); using JSON mode", _short(exc))
        return True

    def _wait(self, attempt: int, exc: Exception, retry_after: str | None, usage: Usage) -> None:
        """Back off before the next attempt; the last attempt raises instead."""
        if attempt >= self.params.max_attempts:
            msg = f"giving up after {attempt} attempts: {_short(exc)}"
            raise ProviderError(msg, usage=usage) from exc
        cap = min(self.params.backoff_max_s, self.params.backoff_base_s * 2 ** (attempt - 1))
        delay = self._rng.uniform(0, cap)
        if retry_after is not None and retry_after.replace(".", "", 1).isdigit():
            delay = min(float(retry_after), self.params.backoff_max_s)
        log.info("attempt %d failed (%s); retrying in %.2fs", attempt, _short(exc), delay)
        time.sleep(delay)

    def _reply(self, response: Any, usage: Usage) -> ProviderReply:
        """Text or refusal of the first choice, with the tokens priced."""
        message = response.choices[0].message
        tokens = response.usage
        prompt_tokens = int(getattr(tokens, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(tokens, "completion_tokens", 0) or 0)
        cost = (
            prompt_tokens * self.params.price_input_per_1k
            + completion_tokens * self.params.price_output_per_1k
        ) / 1000
        usage += Usage(0, prompt_tokens, completion_tokens, cost)
        refusal = getattr(message, "refusal", None)
        return ProviderReply(text=message.content or "", usage=usage, refusal=refusal)


def _response_format(mode: str) -> dict[str, Any]:
    """The `response_format` of a mode."""
    if mode == "json_object":
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {"name": "movie_enrichment", "strict": True, "schema": reply_json_schema()},
    }


def _short(exc: Exception) -> str:
    """An exception as one short line (never includes request headers, so never the key)."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"
