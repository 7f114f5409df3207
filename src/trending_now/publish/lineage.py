"""Lineage of a publish: which data, which model version, read from DVC and the registry."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import yaml

from trending_now.registry import RegistryError, parse_ref


def data_version(raw_dvc: Path | None, validated_dir: Path) -> str:
    """The md5 DVC recorded for data/raw, else a hash of the validated files."""
    if raw_dvc is not None and raw_dvc.exists():
        outs = (yaml.safe_load(raw_dvc.read_text(encoding="utf-8")) or {}).get("outs") or []
        if outs and outs[0].get("md5"):
            return "raw-md5:" + str(outs[0]["md5"]).removesuffix(".dir")
    digest = hashlib.sha256()
    for name in ("movies.parquet", "reviews.parquet"):
        path = validated_dir / name
        if path.exists():
            digest.update(name.encode() + path.read_bytes())
    return "validated-sha256:" + digest.hexdigest()[:32]


def registered_version(repo: Path | None, name: str) -> str | None:
    """The highest `name@vX.Y.Z` registry tag in `repo`, if there is a git repo and such a tag."""
    if repo is None:
        return None
    proc = subprocess.run(
        ["git", "tag", "--list", f"{name}@v*"], cwd=repo, capture_output=True, text=True
    )
    versions = []
    for tag in proc.stdout.split() if proc.returncode == 0 else []:
        try:
            versions.append(parse_ref(tag).version)
        except RegistryError:
            continue
    if not versions:
        return None
    return max(versions, key=lambda v: tuple(int(p) for p in v[1:].split(".")))


def model_fingerprint(model_dir: Path) -> str:
    """A short hash of a model's meta.json and thresholds.json (an unregistered model's id)."""
    digest = hashlib.sha256()
    for name in ("meta.json", "thresholds.json"):
        path = model_dir / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
