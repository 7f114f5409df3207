"""The enrichment card and the fairness of generated output, and the gate on publishing it.

Per enrichment run: provider, model, prompt versions, vocabulary, known failure modes, the run's
validation and content-check results, and the fairness of what was generated: the mean vibe
score and the vibe-tag distribution compared across original-language slices and review-source
slices (a movie's majority review source: TMDb users or the IMDb Large Movie Review Dataset).
Gaps beyond `gate.enrichment` limits block the run from being published: the enrich DAG emits
its Asset (which triggers publishing) only for a passing run, and the publish stage reads the
verdict for the exact enrichments file it is about to publish (`publishable`).
Outputs: `governance/cards/enrichment.{json,md}` and an `enrichment` audit event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from trending_now import audit
from trending_now.config import EnrichmentGateParams
from trending_now.enrich.vocabulary import VOCABULARY_VERSION, genre_names, tag_names
from trending_now.governance.cards import jsonable
from trending_now.io import atomic_write_text, write_json

ENRICHMENTS_FILE = "enrichments.parquet"
REPORT_FILE = "report.json"
PASS, BLOCK = "publish", "block"
FAILURE_MODES = [
    "Invalid replies (bad JSON, 1 or 4+ summary sentences, tags outside the vocabulary): "
    "retried once with the validation error, then recorded in failures.jsonl.",
    "Off-vocabulary tags are dropped and counted before validation (dropped_tags).",
    "Summaries not supported by the reviews (content words missing from the source), "
    "offensive words, markup or prompt-injection echoes: withheld and listed in flagged.jsonl.",
    "Vibe score far from the review ratings (|gap| above enrich.safety.max_score_gap): flagged.",
    "Cost cap reached: later movies are left unenriched and recorded as failures.",
    "The embedded provider is extractive: summaries quote reviews and inherit their "
    "language and opinions; it cannot summarise non-English reviews well.",
]


def card_paths(governance_dir: Path) -> tuple[Path, Path]:
    """(JSON, Markdown) of the latest enrichment run's card."""
    return governance_dir / "cards" / "enrichment.json", governance_dir / "cards" / "enrichment.md"


def file_sha256(path: Path) -> str | None:
    """sha256 of a file, None when it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def movie_slices(movies: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """Per movie id: `language` (en / non-en), `original_language`, `review_source`."""
    source = reviews.groupby("movie_id")["source"].agg(lambda s: str(s.value_counts().idxmax()))
    frame = pd.DataFrame({"movie_id": movies["id"].astype("int64")})
    frame["original_language"] = movies["original_language"].astype(str).to_numpy()
    frame["language"] = np.where(frame["original_language"] == "en", "en", "non-en")
    frame["review_source"] = (
        frame["movie_id"].map(source).map(lambda s: "imdb" if str(s).startswith("imdb") else s)
    )
    return frame


def _tag_distribution(tags: pd.Series) -> pd.Series:
    flat = pd.Series([t for row in tags for t in list(row)], dtype=object)
    return flat.value_counts(normalize=True) if len(flat) else pd.Series(dtype=float)


def total_variation(a: pd.Series, b: pd.Series) -> float:
    """Half the L1 distance between two distributions over tags (0 = same, 1 = disjoint)."""
    index = a.index.union(b.index)
    diff = a.reindex(index, fill_value=0.0) - b.reindex(index, fill_value=0.0)
    return float(0.5 * np.abs(diff).sum())


def fairness(
    enrichments: pd.DataFrame, slices: pd.DataFrame, params: EnrichmentGateParams
) -> dict[str, Any]:
    """Vibe score means and tag-distribution distances per slice family, with the gaps."""
    df = enrichments.merge(slices, on="movie_id", how="left")
    families: dict[str, Any] = {}
    for family, column in (
        ("language", "language"),
        ("original_language", "original_language"),
        ("review_source", "review_source"),
    ):
        groups = {str(k): g for k, g in df.groupby(column) if k is not None}
        stats: dict[str, dict[str, Any]] = {
            k: {"movies": len(g), "vibe_score_mean": round(float(g["vibe_score"].mean()), 3)}
            for k, g in groups.items()
        }
        judged = [k for k, g in groups.items() if len(g) >= params.min_slice_movies]
        means = {k: stats[k]["vibe_score_mean"] for k in judged}
        dists = {k: _tag_distribution(groups[k]["vibe_tags"]) for k in judged}
        # Each judged slice against every other movie: pairs of small slices differ by chance.
        tag_gap: float = 0.0
        pair: tuple[str, str] | None = None
        for k in judged:
            rest = _tag_distribution(df.loc[df[column] != k, "vibe_tags"])
            if rest.empty:  # the only slice of its family: nothing to compare with
                continue
            tv = total_variation(dists[k], rest)
            stats[k]["tag_gap_vs_rest"] = round(tv, 3)
            if tv > tag_gap:
                tag_gap, pair = tv, (k, "the rest")
        vibe_gap = (max(means.values()) - min(means.values())) if len(means) >= 2 else 0.0
        for k in judged:
            stats[k]["top_tags"] = {str(t): round(float(p), 3) for t, p in dists[k].head(5).items()}
        families[family] = {
            "slices": stats,
            "judged": judged,
            "vibe_score_gap": round(float(vibe_gap), 3),
            "vibe_score_gap_between": (
                [max(means, key=means.__getitem__), min(means, key=means.__getitem__)]
                if len(means) >= 2
                else []
            ),
            "tag_gap": round(tag_gap, 3),
            "tag_gap_between": list(pair) if pair else [],
        }
    failed = [
        f"{f}: vibe score gap {v['vibe_score_gap']} > {params.max_vibe_score_gap} "
        f"({' vs '.join(v['vibe_score_gap_between'])})"
        for f, v in families.items()
        if v["vibe_score_gap"] > params.max_vibe_score_gap
    ]
    failed += [
        f"{f}: tag distribution gap {v['tag_gap']} > {params.max_tag_gap} "
        f"({' vs '.join(v['tag_gap_between'])})"
        for f, v in families.items()
        if v["tag_gap"] > params.max_tag_gap
    ]
    return {
        "families": families,
        "limits": params.model_dump(),
        "verdict": BLOCK if failed else PASS,
        "failed": failed,
    }


def build_enrichment_card(
    enriched_dir: Path, validated_dir: Path, params: EnrichmentGateParams
) -> dict[str, Any]:
    """The card of the enrichment run in `enriched_dir` (fairness verdict included)."""
    enrichments = pd.read_parquet(enriched_dir / ENRICHMENTS_FILE)
    report = json.loads((enriched_dir / REPORT_FILE).read_text(encoding="utf-8"))
    movies = pd.read_parquet(validated_dir / "movies.parquet")
    reviews = pd.read_parquet(validated_dir / "reviews.parquet")
    result = fairness(enrichments, movie_slices(movies, reviews), params)
    prompts = sorted({str(v) for v in enrichments["prompt_version"].dropna().unique()})
    secret_ids = sorted({str(v) for v in enrichments["prompt_secret_version_id"].dropna()})
    return {
        "schema_version": 1,
        "generated_at": datetime.now(UTC).isoformat(),
        "enrichments_sha256": file_sha256(enriched_dir / ENRICHMENTS_FILE),
        "provider": report.get("provider"),
        "model": report.get("model"),
        "prompt_versions": prompts or [report.get("prompt_version")],
        "prompt_secret_version_ids": secret_ids,
        "vocabulary": {
            "version": VOCABULARY_VERSION,
            "vibe_tags": tag_names(),
            "genres": genre_names(),
        },
        "outputs": [
            "summary (2-3 sentences)",
            "vibe_score (1-10)",
            "vibe_tags (3-6)",
            "llm_genres (1-3)",
        ],
        "failure_modes": FAILURE_MODES,
        "validation": {
            "movies": report.get("movies"),
            "failure_reasons": report.get("failure_reasons"),
            "dropped_tags_total": report.get("dropped_tags_total"),
            "dropped_genres_total": report.get("dropped_genres_total"),
            "cost_usd": report.get("cost_usd"),
            "cost_cap_reached": report.get("cost_cap_reached"),
        },
        "content_checks": {
            "flagged": report.get("flagged") or [],
            "flagged_count": len(report.get("flagged") or []),
        },
        "fairness": result,
        "gate": {"decision": result["verdict"], "failed": result["failed"]},
    }


def render_markdown(card: Mapping[str, Any]) -> str:
    """The enrichment card for people."""
    gate = card["gate"]
    out = [
        "# Enrichment card",
        "",
        f"**Gate: {gate['decision']}**"
        + (
            f" ({'; '.join(gate['failed'])})"
            if gate["failed"]
            else " (every fairness gap within limits)"
        ),
        "",
        f"- provider: {card['provider']}, model: {card['model']}",
        f"- prompt versions: {', '.join(str(p) for p in card['prompt_versions'])}",
        f"- vocabulary {card['vocabulary']['version']}: "
        f"{len(card['vocabulary']['vibe_tags'])} vibe tags, "
        f"{len(card['vocabulary']['genres'])} genres",
        f"- movies: {json.dumps(card['validation']['movies'])}",
        f"- flagged by the content check: {card['content_checks']['flagged_count']}",
        "",
        "## Known failure modes",
        "",
        *[f"- {m}" for m in card["failure_modes"]],
        "",
        "## Fairness of the generated output",
        "",
        "| family | slice | movies | mean vibe score | top tags |",
        "| --- | --- | --- | --- | --- |",
    ]
    for family, data in card["fairness"]["families"].items():
        for name, stats in data["slices"].items():
            tags = ", ".join(stats.get("top_tags", {}))
            out.append(
                f"| {family} | {name} | {stats['movies']} | {stats['vibe_score_mean']} | {tags} |"
            )
    out += [
        "",
        "| family | vibe score gap | tag distribution gap (total variation) |",
        "| --- | --- | --- |",
    ]
    for family, data in card["fairness"]["families"].items():
        out.append(f"| {family} | {data['vibe_score_gap']} | {data['tag_gap']} |")
    limits = card["fairness"]["limits"]
    out += [
        "",
        f"Limits: vibe score gap {limits['max_vibe_score_gap']}, tag gap "
        f"{limits['max_tag_gap']}, slices of {limits['min_slice_movies']}+ movies judged.",
    ]
    return "\n".join(out) + "\n"


def write_enrichment_card(governance_dir: Path, card: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write the card (JSON and Markdown); return both paths."""
    json_path, md_path = card_paths(governance_dir)
    write_json(json_path, jsonable(card))
    atomic_write_text(md_path, render_markdown(card))
    return json_path, md_path


class EnrichmentVerdict(BaseModel):
    """The enrichment gate's verdict on one run: publish or block, and the gaps behind it."""

    decision: str
    failed: list[str]
    provider: str | None
    model: str | None
    prompt_versions: list[str | None]
    enrichments_sha256: str | None
    gaps: dict[str, dict[str, float | None]]
    card: str


def run_enrichment_gate(
    *,
    enriched_dir: Path,
    validated_dir: Path,
    governance_dir: Path,
    params: EnrichmentGateParams,
    audit_log: Path,
    actor: str | None = None,
) -> EnrichmentVerdict:
    """Card + fairness verdict for the current enrichment run, written and audited."""
    card = build_enrichment_card(enriched_dir, validated_dir, params)
    json_path, _ = write_enrichment_card(governance_dir, card)
    verdict = EnrichmentVerdict(
        decision=card["gate"]["decision"],
        failed=card["gate"]["failed"],
        provider=card["provider"],
        model=card["model"],
        prompt_versions=card["prompt_versions"],
        enrichments_sha256=card["enrichments_sha256"],
        gaps={
            f: {"vibe_score": d["vibe_score_gap"], "tags": d["tag_gap"]}
            for f, d in card["fairness"]["families"].items()
        },
        card=str(json_path),
    )
    audit.append_event(audit_log, "enrichment", verdict.model_dump(), actor=actor)
    return verdict


def publishable(governance_dir: Path, enriched_dir: Path) -> tuple[bool, str]:
    """Whether the enrichments in `enriched_dir` may be published, and why.

    Blocked only when the card judged exactly this enrichments file and found gaps beyond the
    limits; a run the gate has not judged (e.g. `trending enrich run` by hand) is published,
    and the reason says it was not judged.
    """
    json_path, _ = card_paths(governance_dir)
    current = file_sha256(enriched_dir / ENRICHMENTS_FILE)
    if current is None:
        return True, "no enrichments"
    if not json_path.exists():
        return True, "not judged by the enrichment gate (no enrichment card)"
    card = json.loads(json_path.read_text(encoding="utf-8"))
    if card.get("enrichments_sha256") != current:
        return True, "not judged by the enrichment gate (the card is of another run)"
    if card["gate"]["decision"] == BLOCK:
        return False, "blocked by the enrichment gate: " + "; ".join(card["gate"]["failed"])
    return True, "passed the enrichment gate"
