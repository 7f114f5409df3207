"""Fairness of generated output: vibe score and tag gaps across language and review-source
slices; a run beyond the limits is blocked from publishing, judged per enrichments file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.utils.factories import make_validated
from tests.utils.serving import enrichment, write_enrichments, write_inputs
from trending_now.config import EnrichmentGateParams
from trending_now.governance.enrichment import publishable, run_enrichment_gate
from trending_now.io import write_json

LIMITS = EnrichmentGateParams(min_slice_movies=10, max_vibe_score_gap=2.0, max_tag_gap=0.35)
TAGS_A = ("dark", "gritty", "slow-burn")
TAGS_B = ("feel-good", "heartwarming", "quirky")


def _run(
    root: Path,
    *,
    foreign_score: int,
    foreign_tags: tuple[str, ...] = TAGS_A,
    limits: EnrichmentGateParams = LIMITS,
) -> dict[str, Any]:
    """60 movies (40% non-English by the factory); non-English ones get `foreign_score`."""
    movies, reviews = make_validated(60, seed=4)
    write_inputs(root, movies, reviews)
    rows = []
    for movie_id, language in zip(movies["id"], movies["original_language"], strict=True):
        english = language == "en"
        rows.append(
            enrichment(
                int(movie_id),
                score=7 if english else foreign_score,
                tags=TAGS_A if english else foreign_tags,
            )
        )
    write_enrichments(root, rows)
    write_json(
        root / "enriched" / "report.json",
        {
            "provider": "embedded",
            "model": "m",
            "prompt_version": "embedded-v1",
            "movies": {"input": 60},
            "flagged": [],
        },
    )
    return run_enrichment_gate(
        enriched_dir=root / "enriched",
        validated_dir=root / "validated",
        governance_dir=root / "governance",
        params=limits,
        audit_log=root / "audit.jsonl",
    )


def test_a_balanced_run_is_published(tmp_path: Path) -> None:
    summary = _run(tmp_path, foreign_score=7)
    assert summary.decision == "publish" and summary.failed == []
    assert publishable(tmp_path / "governance", tmp_path / "enriched") == (
        True,
        "passed the enrichment gate",
    )
    card = (tmp_path / "governance" / "cards" / "enrichment.md").read_text()
    assert "Known failure modes" in card and "| language | non-en |" in card


def test_scores_skewed_against_non_english_films_are_blocked(tmp_path: Path) -> None:
    summary = _run(tmp_path, foreign_score=3)
    assert summary.decision == "block"
    assert any(f.startswith("language: vibe score gap 4.0") for f in summary.failed)
    ok, why = publishable(tmp_path / "governance", tmp_path / "enriched")
    assert not ok and "vibe score gap" in why
    # A new enrichment run (another file) is not judged by the old card.
    _run(tmp_path / "again", foreign_score=7)
    rows = [enrichment(100, score=5)]
    write_enrichments(tmp_path, rows)
    assert publishable(tmp_path / "governance", tmp_path / "enriched")[1].startswith("not judged")


def test_different_tags_for_non_english_films_are_blocked(tmp_path: Path) -> None:
    summary = _run(tmp_path, foreign_score=7, foreign_tags=TAGS_B)
    assert summary.decision == "block"
    assert any("tag distribution gap" in f for f in summary.failed)
    assert summary.gaps["language"]["tags"] > LIMITS.max_tag_gap


def test_small_slices_are_reported_not_judged(tmp_path: Path) -> None:
    limits = LIMITS.model_copy(update={"min_slice_movies": 13})
    summary = _run(tmp_path, foreign_score=1, limits=limits)
    assert summary.decision == "block"
    families = summary.gaps
    assert families["language"]["vibe_score"] == 6.0  # en (36) vs non-en (24): judged
    # fr and ja have 12 movies each: below 13 they are reported in the card, not judged.
    assert families["original_language"] == {"vibe_score": 0.0, "tags": 0.0}
