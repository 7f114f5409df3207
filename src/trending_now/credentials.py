"""Secrets in the project: what must never leave a process (logs, audit entries, tracker runs).

`redact` is the one rule for every record the pipeline writes about itself: a mapping entry
whose key names a secret (key, token, password, secret, salt, credential, authorization...) is
replaced by a marker, at any depth, and so is a pydantic `SecretStr` wherever it sits.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
# Matched against a mapping key (not a value): "api_key", "llm_api_key", "password", "token"...
_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|^key$|_key$|salt|credential|"
    r"authori[sz]ation|cookie|session[_-]?id)",
    re.IGNORECASE,
)
# Keys that contain one of those words but name no secret.
_NOT_SECRET = frozenset(
    {
        "cache_key",
        "sort_key",
        "primary_key",
        "partition_key",
        "idempotency_key",
        "key_count",
        "secret_version_id",
        "prompt_secret_version_id",
        "prompt_secret_version_ids",
        "secret_name",
        "prompts_secret_prefix",
        "max_output_tokens",
        "prompt_tokens",
        "completion_tokens",
    }
)


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a secret (its value is never written anywhere)."""
    return bool(_SECRET_KEY.search(key)) and key.lower() not in _NOT_SECRET


def redact(value: Any) -> Any:
    """`value` with every secret-named mapping entry and every `SecretStr` replaced by a marker."""
    if isinstance(value, dict):
        return {str(k): REDACTED if is_secret_key(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if hasattr(value, "get_secret_value"):  # a pydantic SecretStr that slipped in
        return REDACTED
    return value
