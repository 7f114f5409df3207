"""Model cards and data sheets, per version, as JSON (for the API) and Markdown (for people).

The human-written parts (intended use, out-of-scope use, known limitations, owners) live in
`governance/card_text/<model>.yaml`, reviewed like code; everything else is generated from the
version's test metrics, its training data and the model itself. Cards are written to
`governance/cards/<model>/<version>.{json,md}` and committed with the version's tag.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from trending_now.config import GateParams
from trending_now.governance.checks import slice_family
from trending_now.io import atomic_write_text, write_json

CARD_SCHEMA_VERSION = 1
CARD_TEXT_DIR = "card_text"
DATA_SOURCES = [
    "TMDb API v3 (movie metadata, TMDb user reviews, US watch providers); this product uses "
    "the TMDB API but is not endorsed or certified by TMDB",
    "Large Movie Review Dataset v1.0 (IMDb user reviews; Maas et al., ACL 2011)",
]
DATA_TERMS = "Non-commercial reference use only (TMDB API Terms; Large Movie Review Dataset)."


def jsonable(value: Any) -> Any:
    """`value` as strict JSON data: NaN and infinities become the strings "nan", "inf", "-inf"
    (evidence of a broken model must still be writable), other objects their str()."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return str(value)


def card_paths(governance_dir: Path, name: str, version: str) -> tuple[Path, Path]:
    """(JSON, Markdown) paths of a version's card."""
    folder = governance_dir / "cards" / name
    return folder / f"{version}.json", folder / f"{version}.md"


def load_card_text(governance_dir: Path, name: str) -> dict[str, Any]:
    """The human-written card sections of `name` ({} when there is no file)."""
    path = governance_dir / CARD_TEXT_DIR / f"{name}.yaml"
    if not path.exists():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(loaded) if isinstance(loaded, dict) else {}


def _counts(values: pd.Series, top: int = 12) -> dict[str, int]:
    counts = values.astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.head(top).items()}


def datasheet(
    *,
    validated_dir: Path,
    features_dir: Path,
    validation_report: Mapping[str, Any] | None,
    version_of_data: str,
    ingested_at: str | None,
) -> dict[str, Any]:
    """The data sheet: sources, terms, collection, validation, composition, label set, splits."""
    movies = pd.read_parquet(validated_dir / "movies.parquet")
    reviews = pd.read_parquet(validated_dir / "reviews.parquet")
    docs = pd.read_parquet(features_dir / "documents.parquet")
    labels = json.loads((features_dir / "labels.json").read_text(encoding="utf-8"))
    features = json.loads((features_dir / "features.json").read_text(encoding="utf-8"))
    return {
        "data_version": version_of_data,
        "sources": DATA_SOURCES,
        "terms": DATA_TERMS,
        "collection": {
            "ingested_at": ingested_at,
            "ingest_run": (validation_report or {}).get("run_id"),
        },
        "validation": dict(validation_report or {}),
        "movies": len(movies),
        "reviews": len(reviews),
        "review_sources": _counts(reviews["source"]),
        "original_languages": _counts(movies["original_language"]),
        "decades": {str(k): int(v) for k, v in docs["decade"].value_counts().sort_index().items()},
        "splits": {str(k): int(v) for k, v in docs["split"].value_counts().items()},
        "label_set": labels.get("genres", []),
        "excluded_genres": labels.get("excluded", {}),
        "features": features,
        "personal_data": "reviewer identities are pseudonymised (salted hash) at ingest",
    }


def genre_support(features_dir: Path, metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per genre: movies per split and the test F1."""
    docs = pd.read_parquet(features_dir / "documents.parquet")
    per_genre = metrics["overall"]["per_genre"]
    rows = []
    for genre, score in per_genre.items():
        has = docs["genres"].map(lambda gs, g=genre: g in list(gs))
        support = {s: int(has[docs["split"] == s].sum()) for s in ("train", "valid", "test")}
        rows.append({"genre": genre, "support": support, "test_f1": round(score["f1"], 4)})
    return rows


def _overall(report: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("n_movies", "micro_f1", "macro_f1", "weighted_f1", "samples_f1")
    return {k: report[k] for k in keys if k in report}


def derive_limitations(metrics: Mapping[str, Any], gate: GateParams) -> list[str]:
    """Known weaknesses read off the test metrics: weak genres, weak slices, non-English."""
    overall = metrics["overall"]
    macro = float(overall["macro_f1"])
    notes = [
        f"Test split of {overall['n_movies']} movies: differences of a few F1 points "
        "between versions or slices are within noise."
    ]
    weak = sorted(
        (g for g, s in overall["per_genre"].items() if s["f1"] < macro - 0.15),
        key=lambda g: overall["per_genre"][g]["f1"],
    )
    if weak:
        listed = ", ".join(
            f"{g} (F1 {overall['per_genre'][g]['f1']:.2f}, {overall['per_genre'][g]['support']} "
            "test movies)"
            for g in weak
        )
        notes.append(f"Weaker genres: {listed}.")
    slices = metrics.get("slices") or {}
    metric = gate.slice_metric
    for name, report in sorted(slices.items()):
        if report[metric] < overall[metric] - 0.05 and report["n_movies"] >= 5:
            notes.append(
                f"Slice {name}: {metric} {report[metric]:.2f} vs {overall[metric]:.2f} overall "
                f"({report['n_movies']} test movies)."
            )
    en, non_en = slices.get("language=en"), slices.get("language=non-en")
    if en and non_en:
        worse = [
            g
            for g, s in non_en["per_genre"].items()
            if s["support"] >= 2 and s["f1"] < en["per_genre"][g]["f1"] - 0.2
        ]
        if worse:
            notes.append(
                f"Non-English films ({non_en['n_movies']} test movies): weaker on "
                f"{', '.join(sorted(worse))} than English films."
            )
    families = sorted({slice_family(n) for n in slices})
    notes.append(f"Slices reported: {', '.join(families)}; original language is mostly English.")
    return notes


def build_model_card(
    *,
    name: str,
    version: str,
    text: Mapping[str, Any],
    meta: Mapping[str, Any],
    metrics: Mapping[str, Any],
    baselines: Mapping[str, Mapping[str, Any]],
    training_data: Mapping[str, Any],
    genres: list[dict[str, Any]],
    explanations: Mapping[str, Any],
    gate: GateParams,
    lineage: Mapping[str, Any],
) -> dict[str, Any]:
    """The card of one version, without its gate section (added once the gate decides)."""
    ours = float(metrics["overall"]["macro_f1"])
    params = {k: v for k, v in (meta.get("params") or {}).items() if k != "search"}
    return {
        "schema_version": CARD_SCHEMA_VERSION,
        "name": name,
        "version": version,
        "generated_at": datetime.now(UTC).isoformat(),
        "owners": text.get("owners"),
        "model": {
            "params": params,
            "libraries": meta.get("libraries"),
            "thresholds": meta.get("thresholds"),
            "seed": meta.get("seed"),
        },
        "intended_use": text.get("intended_use"),
        "out_of_scope": list(text.get("out_of_scope") or []),
        "training_data": dict(training_data),
        "genres": genres,
        "metrics": {
            "split": metrics.get("split", "test"),
            "overall": _overall(metrics["overall"]),
            "per_genre": metrics["overall"]["per_genre"],
        },
        "slices": {n: _overall(r) for n, r in (metrics.get("slices") or {}).items()},
        "baselines": {
            b: {
                **_overall(m["overall"]),
                "candidate_minus_baseline_macro_f1": round(
                    ours - float(m["overall"]["macro_f1"]), 4
                ),
            }
            for b, m in baselines.items()
        },
        "limitations": [*list(text.get("limitations") or []), *derive_limitations(metrics, gate)],
        "explanations": dict(explanations),
        "gate": None,
        "reproduce": _reproduce(name, version),
        "lineage": dict(lineage),
    }


def _reproduce(name: str, version: str) -> dict[str, Any]:
    """How to rebuild this version (a registered one from its tag; else from the workspace)."""
    if not version.startswith("v"):
        return {
            "registry_tag": None,
            "commands": ["dvc repro evaluate  # at the commit and data this card names"],
            "what": "not a registered version (fast mode or no git): no tag to rebuild from",
        }
    short = version.split(".")[0]
    return {
        "registry_tag": f"{name}@{version}",
        "commands": [f"make reproduce MODEL={name}@{short}", f"trending reproduce {name}@{short}"],
        "what": "clean worktree of the tag, dvc pull, dvc repro --force, compare metrics",
    }


def write_card(governance_dir: Path, card: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write the card as JSON and Markdown; return both paths."""
    json_path, md_path = card_paths(governance_dir, str(card["name"]), str(card["version"]))
    write_json(json_path, jsonable(card))
    atomic_write_text(md_path, render_markdown(card))
    return json_path, md_path


def _table(rows: list[list[Any]], header: list[str]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _f(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def render_markdown(card: Mapping[str, Any]) -> str:
    """The card for people: the same content as the JSON, in sections."""
    out = [f"# Model card: {card['name']} {card['version']}", ""]
    gate = card.get("gate") or {}
    if gate:
        failed = ", ".join(gate.get("failed") or []) or "none"
        out += [f"**Gate decision: {gate.get('decision')}** (failed checks: {failed}).", ""]
    out += ["## Intended use", "", str(card.get("intended_use") or "_missing_"), ""]
    out += ["## Out of scope", ""] + [f"- {x}" for x in card.get("out_of_scope") or []] + [""]
    data = card.get("training_data") or {}
    out += ["## Training data (data sheet)", ""]
    for key in (
        "data_version",
        "movies",
        "reviews",
        "review_sources",
        "original_languages",
        "decades",
        "splits",
        "excluded_genres",
        "collection",
        "terms",
        "personal_data",
    ):
        if key in data:
            out.append(f"- **{key}**: {json.dumps(data[key], default=str)}")
    out += ["- **sources**: " + "; ".join(data.get("sources") or []), ""]
    overall = (card.get("metrics") or {}).get("overall") or {}
    out += ["## Metrics (test split)", ""]
    out += [*_table([[k, _f(v)] for k, v in overall.items()], ["metric", "value"]), ""]
    genres = card.get("genres") or []
    rows = [
        [
            g["genre"],
            g["support"]["train"],
            g["support"]["valid"],
            g["support"]["test"],
            _f(g["test_f1"]),
        ]
        for g in genres
    ]
    out += ["### Genres and support", ""]
    out += [*_table(rows, ["genre", "train", "valid", "test", "test F1"]), ""]
    slices = card.get("slices") or {}
    out += ["## Slices", ""]
    rows = [[n, s["n_movies"], _f(s["micro_f1"]), _f(s["macro_f1"])] for n, s in slices.items()]
    out += [*_table(rows, ["slice", "movies", "micro-F1", "macro-F1"]), ""]
    out += ["## Baselines", ""]
    rows = [
        [b, _f(m["macro_f1"]), _f(m["micro_f1"]), _f(m["candidate_minus_baseline_macro_f1"])]
        for b, m in (card.get("baselines") or {}).items()
    ]
    out += [*_table(rows, ["baseline", "macro-F1", "micro-F1", "this model minus baseline"]), ""]
    out += ["## Known limitations and biases", ""]
    out += [f"- {x}" for x in card.get("limitations") or []] + [""]
    out += _explanations_md(card.get("explanations") or {})
    if gate:
        out += ["## Gate decision", ""]
        rows = [
            [
                c["name"],
                "pass" if c["passed"] else "FAIL",
                _f(c["value"]),
                _f(c["threshold"]),
                c["reason"],
            ]
            for c in gate.get("checks") or []
        ]
        out += [*_table(rows, ["check", "result", "value", "threshold", "why"]), ""]
    reproduce = card.get("reproduce") or {}
    out += ["## Reproduce", ""] + [f"    {c}" for c in reproduce.get("commands") or []] + [""]
    return "\n".join(out) + "\n"


def _explanations_md(explanations: Mapping[str, Any]) -> list[str]:
    out = ["## What drives predictions", ""]
    if not explanations:
        return [*out, "_No explanation available for this model family._", ""]
    out += [f"Method: {explanations.get('method')}.", ""]
    top = explanations.get("importance_overall") or []
    if top:
        out += [
            "Most important features overall (share of gain): "
            + ", ".join(f"`{t['feature']}` {t['value']:.3f}" for t in top[:12]),
            "",
        ]
    for movie in explanations.get("shap_samples") or []:
        out.append(f"- **{movie['title']}** (true: {', '.join(movie['true_genres'])})")
        for genre in movie["explained"]:
            drivers = ", ".join(f"`{t['feature']}` {t['value']:+.3f}" for t in genre["top_shap"])
            out.append(f"  - {genre['genre']} p={genre['probability']:.2f}: {drivers}")
    for genre, coefs in (explanations.get("coefficients") or {}).items():
        out.append(f"- {genre}: " + ", ".join(f"`{c['feature']}`" for c in coefs))
    return [*out, ""]
