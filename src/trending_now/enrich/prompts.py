"""Prompt templates: versioned files in `prompts/`, published to and read from Secrets Manager.

The repo is the source of truth (`prompts/manifest.yaml` names each prompt's versions and the
current one). `push_prompts` publishes the current version of each prompt as the secret
`<prefix>/<name>` (a new secret version only when the text changed); the enrich stage reads it
at run time with `fetch_prompt` and records the secret's VersionId with every output. boto3 finds
the endpoint from the argument (the local moto server) or, when None, the real AWS service.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from trending_now import audit
from trending_now.enrich.inputs import MovieInput
from trending_now.enrich.safety import format_movie_data
from trending_now.enrich.vocabulary import TMDB_GENRES, VIBE_TAGS

MANIFEST_FILE = "manifest.yaml"
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


class PromptTemplate(BaseModel):
    """One version of a prompt: `$name` placeholders in a system and a user message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    system: str
    user: str
    sha256: str = Field(default="", description="of system + user; filled by `make`")

    @classmethod
    def make(cls, name: str, version: str, system: str, user: str) -> PromptTemplate:
        """A template with its sha256 computed."""
        digest = hashlib.sha256(f"{system}\0{user}".encode()).hexdigest()
        return cls(name=name, version=version, system=system, user=user, sha256=digest)


@dataclass(frozen=True)
class FetchedPrompt:
    """A template as read from Secrets Manager, with the secret version it came from."""

    template: PromptTemplate
    version_id: str


@dataclass(frozen=True)
class PushResult:
    """What `push_prompts` did for one prompt."""

    name: str
    version: str
    version_id: str
    changed: bool


def load_repo_prompts(prompts_dir: Path) -> dict[str, PromptTemplate]:
    """The current version of every prompt in `prompts_dir/manifest.yaml`, by name."""
    manifest = yaml.safe_load((prompts_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    prompts = {}
    for name, entry in (manifest or {}).get("prompts", {}).items():
        version = str(entry["current"])
        text = (prompts_dir / entry["versions"][version]).read_text(encoding="utf-8")
        prompts[name] = parse_template(name, version, text)
    return prompts


def parse_template(name: str, version: str, text: str) -> PromptTemplate:
    """A template file's `## system` and `## user` sections (both required, in that order)."""
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if list(sections) != ["system", "user"]:
        raise ValueError(f"prompt {name} {version}: need '## system' then '## user' sections")
    return PromptTemplate.make(name, version, sections["system"], sections["user"])


def render_messages(template: PromptTemplate, movie: MovieInput) -> list[dict[str, str]]:
    """Chat messages for one movie: vocabularies in the system message, escaped data in user."""
    vocab = {
        "tags": "\n".join(f"- {t.name}: {t.description}" for t in VIBE_TAGS),
        "genres": ", ".join(t.name for t in TMDB_GENRES),
    }
    return [
        {"role": "system", "content": Template(template.system).substitute(vocab)},
        {"role": "user", "content": Template(template.user).substitute(format_movie_data(movie))},
    ]


def secret_id(prefix: str, name: str) -> str:
    """The Secrets Manager name of a prompt."""
    return f"{prefix.rstrip('/')}/{name}"


def secrets_client(*, endpoint_url: str | None, region: str) -> Any:
    """A boto3 Secrets Manager client (endpoint None = the real AWS service)."""
    import boto3

    return boto3.client("secretsmanager", endpoint_url=endpoint_url, region_name=region)


def push_prompts(
    client: Any, prompts: dict[str, PromptTemplate], *, prefix: str
) -> list[PushResult]:
    """Publish each prompt; a new secret version only when its text or version changed."""
    return [_push_one(client, template, prefix=prefix) for template in prompts.values()]


def publish_prompts(
    client: Any, prompts_dir: Path, *, prefix: str, audit_log: Path, where: str
) -> list[PushResult]:
    """Publish `prompts_dir`'s current prompts; audit every new live version (`prompt_version`,
    like a model promotion: it changes what the pipeline produces from the next run on)."""
    results = push_prompts(client, load_repo_prompts(prompts_dir), prefix=prefix)
    for pushed in results:
        if pushed.changed:
            details = {"name": pushed.name, "version": pushed.version, "where": where}
            audit.append_event(
                audit_log, "prompt_version", {**details, "secret_version_id": pushed.version_id}
            )
    return results


def _push_one(client: Any, template: PromptTemplate, *, prefix: str) -> PushResult:
    """Create the secret, or add a version to it when the stored template differs."""
    sid = secret_id(prefix, template.name)
    body = template.model_dump_json()
    try:
        current = client.get_secret_value(SecretId=sid)
    except client.exceptions.ResourceNotFoundException:
        created = client.create_secret(
            Name=sid, SecretString=body, Description=f"Trending Now prompt '{template.name}'"
        )
        return PushResult(template.name, template.version, created["VersionId"], True)
    if PromptTemplate.model_validate_json(current["SecretString"]) == template:
        return PushResult(template.name, template.version, current["VersionId"], False)
    put = client.put_secret_value(SecretId=sid, SecretString=body)
    return PushResult(template.name, template.version, put["VersionId"], True)


def fetch_prompt(
    client: Any, *, prefix: str, name: str, version_id: str | None = None
) -> FetchedPrompt:
    """Read a prompt from Secrets Manager: the current version, or a pinned VersionId."""
    kwargs = {"SecretId": secret_id(prefix, name)}
    if version_id is not None:
        kwargs["VersionId"] = version_id
    response = client.get_secret_value(**kwargs)
    template = PromptTemplate.model_validate_json(response["SecretString"])
    return FetchedPrompt(template, str(response["VersionId"]))
