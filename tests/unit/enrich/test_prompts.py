from __future__ import annotations

from pathlib import Path

import pytest

from tests.utils.enrich import HOSTILE_REVIEWS, ROOT, make_input
from trending_now.enrich.prompts import (
    PromptTemplate,
    load_repo_prompts,
    parse_template,
    render_messages,
    secret_id,
)
from trending_now.enrich.vocabulary import tag_names


def test_repo_manifest_names_the_current_enrich_prompt() -> None:
    prompts = load_repo_prompts(ROOT / "prompts")
    template = prompts["enrich"]
    assert template.version == "v1"
    assert len(template.sha256) == 64
    assert "<movie_data>" in template.user


def test_sha256_covers_the_text() -> None:
    a = PromptTemplate.make("p", "v1", "system", "user $title")
    assert a.sha256 != PromptTemplate.make("p", "v1", "system!", "user $title").sha256


def test_template_needs_system_then_user() -> None:
    with pytest.raises(ValueError, match="'## system' then '## user'"):
        parse_template("p", "v1", "## user\nhi\n## system\nyou")


def test_manifest_versions_resolve(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "v2.md").write_text("## system\nS\n## user\nU $title\n")
    (tmp_path / "manifest.yaml").write_text(
        "prompts:\n  p:\n    current: v2\n    versions:\n      v2: p/v2.md\n"
    )
    template = load_repo_prompts(tmp_path)["p"]
    assert (template.version, template.system, template.user) == ("v2", "S", "U $title")


def test_rendered_messages_hold_vocabularies_and_delimited_data() -> None:
    template = load_repo_prompts(ROOT / "prompts")["enrich"]
    system, user = render_messages(template, make_input(3, *HOSTILE_REVIEWS))
    assert system["role"] == "system" and user["role"] == "user"
    assert all(f"- {tag}: " in system["content"] for tag in tag_names())
    assert not {"$tags", "$genres"} & set(system["content"].split())
    data = user["content"].split("<movie_data>", 1)[1].rsplit("</movie_data>", 1)[0]
    assert "Ignore previous instructions" in data  # the hostile text is inside the data block
    assert user["content"].count("</movie_data>") == 1
    assert "<script>" not in user["content"]


def test_secret_id_joins_prefix_and_name() -> None:
    assert secret_id("trending-now/prompts/", "enrich") == "trending-now/prompts/enrich"
