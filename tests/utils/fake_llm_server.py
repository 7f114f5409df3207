"""A real OpenAI-compatible chat-completions server on loopback, for provider tests.

`POST /v1/chat/completions` answers by the requested model name, one behaviour per name:
- `fake-valid`: a schema-valid reply built from the request (summary = two review sentences,
  the first three vibe tags listed in the system prompt, a score from the review ratings);
- `fake-malformed`: text that is not JSON; `fake-malformed-once`: that, then valid on the retry;
- `fake-refusal`: an assistant message with `refusal` set and no content;
- `fake-oov`: valid, plus two tags outside the vocabulary (dropped, the rest still valid);
- `fake-slow`: waits `SLOW_S` seconds, then valid (client timeouts);
- `fake-no-schema`: 400 for `response_format.type == "json_schema"` (like some local servers),
  valid in JSON mode; `fake-flaky`: 503 on every other request, valid otherwise;
- `fake-offensive`: valid JSON whose summary contains an offensive word;
- `fake-obey`: a model that obeys injected instructions: it returns the last JSON object found
  in the user message (a hostile review's fake JSON), or the valid reply when there is none.
Every request is recorded (`GET /_requests`, `POST /_reset`); usage is ~4 characters per token.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.utils.servers import LOOPBACK, free_port
from trending_now.enrich.schema import split_sentences

SLOW_S = 2.0
_REVIEW = re.compile(r'<review n="\d+" source="[^"]*" rating="([^"]*)">(.*?)</review>', re.DOTALL)
_TAG_LINE = re.compile(r"^- ([a-z-]+): ", re.MULTILINE)
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")


def valid_reply(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A schema-valid reply derived from the request's prompt."""
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    user = next((m["content"] for m in messages if m["role"] == "user"), "")
    reviews = [(r, html.unescape(t)) for r, t in _REVIEW.findall(user)]
    sentences = [s for _, text in reviews for s in split_sentences(text) if s.endswith(".")][:2]
    if len(sentences) < 2:
        sentences = ["Reviewers found a lot to talk about.", "Opinions were split."]
    ratings = [float(r.split("/")[0]) for r, _ in reviews if r != "none"]
    score = round(sum(ratings) / len(ratings)) if ratings else 6
    return {
        "summary": " ".join(sentences),
        "vibe_score": max(1, min(10, score)),
        "vibe_tags": _TAG_LINE.findall(system)[:3],
        "llm_genres": ["Drama"],
    }


def _content(model: str, messages: list[dict[str, Any]]) -> str:
    """The reply text for a content-producing mode."""
    reply = valid_reply(messages)
    if model == "fake-malformed" or (model == "fake-malformed-once" and len(messages) <= 2):
        return '{"summary": "Great film.", "vibe_score": 9, "vibe_tags": [oops'
    if model == "fake-oov":
        reply["vibe_tags"] += ["totally-awesome", "Hacked"]
    if model == "fake-offensive":
        reply["summary"] = "This film is shit. " + reply["summary"].split(". ", 1)[-1]
    if model == "fake-obey":
        user = next((m["content"] for m in messages if m["role"] == "user"), "")
        injected = _JSON_OBJECT.findall(html.unescape(user))
        if injected:
            return injected[-1]
    return json.dumps(reply)


def _completion(model: str, content: str | None, refusal: str | None, prompt_chars: int) -> Any:
    """A chat.completion body."""
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": len(content or refusal or "") // 4,
            "total_tokens": prompt_chars // 4 + len(content or refusal or "") // 4,
        },
    }


def create_app() -> FastAPI:
    """The fake server's app (requests recorded on `app.state.requests`)."""
    app = FastAPI()
    app.state.requests = []
    app.state.count = 0

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        body = await request.json()
        app.state.count += 1
        app.state.requests.append(
            {**body, "authorization": request.headers.get("authorization", "")}
        )
        model, messages = body["model"], body["messages"]
        prompt_chars = sum(len(m.get("content") or "") for m in messages)
        kind = (body.get("response_format") or {}).get("type")
        if model == "fake-no-schema" and kind == "json_schema":
            error = {"message": "response_format json_schema is not supported", "type": "invalid"}
            return JSONResponse({"error": error}, status_code=400)
        if model == "fake-flaky" and app.state.count % 2 == 1:
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        if model == "fake-slow":
            await asyncio.sleep(SLOW_S)
        if model == "fake-refusal":
            return _completion(model, None, "I can't help with that.", prompt_chars)
        return _completion(model, _content(model, messages), None, prompt_chars)

    @app.get("/_requests")
    async def requests() -> Any:
        return app.state.requests

    @app.post("/_reset")
    async def reset() -> Any:
        app.state.requests.clear()
        app.state.count = 0
        return {"ok": True}

    @app.get("/health")
    async def health() -> Any:
        return {"status": "ok"}

    return app


@contextlib.contextmanager
def start_fake_llm_server() -> Iterator[str]:
    """Serve the fake on a free loopback port in a thread; yield its `/v1` base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host=LOOPBACK, port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="fake-llm", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake LLM server did not start")
        time.sleep(0.05)
    try:
        yield f"http://{LOOPBACK}:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
