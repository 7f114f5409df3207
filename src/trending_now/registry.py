"""The model registry: GTO git tags over the commit that holds dvc.lock, params.yaml and metrics.

A version is a commit you can rebuild: `genre-xgb@v3.0.0` tags the commit whose dvc.lock pins the
data, code and params that produced it, and whose `metrics/` hold what it scored. `name@v3` is
accepted as shorthand for `name@v3.0.0`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# What a version commit pins (everything small and in git; the data is in the DVC remote).
VERSIONED_PATHS = ("dvc.lock", "params.yaml", "dvc.yaml", "data/raw.dvc", "metrics", "plots")
_REF = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*)@(?P<version>v\d+(?:\.\d+){0,2})$")


class RegistryError(RuntimeError):
    """A registry operation failed; the message says which and why."""


@dataclass(frozen=True)
class ModelRef:
    """`name@version` with the version normalised to SemVer (v3 -> v3.0.0)."""

    name: str
    version: str

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"


def parse_ref(ref: str) -> ModelRef:
    """Parse `genre-xgb@v3` or `genre-xgb@v3.0.0`; anything else is a clear error."""
    match = _REF.match(ref)
    if match is None:
        raise RegistryError(f"{ref!r} is not <model>@<version>, e.g. genre-xgb@v1")
    parts = match["version"][1:].split(".")
    version = "v" + ".".join(parts + ["0"] * (3 - len(parts)))
    return ModelRef(match["name"], version)


# Used only when git has no identity configured (a fresh machine, a CI runner): registering must
# not fail for want of a name. A configured user.name/user.email always wins.
_FALLBACK_IDENTITY = {"name": "Trending Now pipeline", "email": "pipeline@trending-now.invalid"}


def _git_env(repo: Path) -> dict[str, str]:
    env = dict(os.environ)
    for field in ("name", "email"):
        probe = subprocess.run(
            ["git", "config", f"user.{field}"], cwd=repo, capture_output=True, text=True
        )
        if not probe.stdout.strip():
            for role in ("AUTHOR", "COMMITTER"):
                env.setdefault(f"GIT_{role}_{field.upper()}", _FALLBACK_IDENTITY[field])
    return env


def _run(args: list[str], repo: Path) -> str:
    proc = subprocess.run(args, cwd=repo, capture_output=True, text=True, env=_git_env(repo))
    if proc.returncode != 0:
        raise RegistryError(f"{' '.join(args[:3])} failed: {(proc.stderr or proc.stdout)[-800:]}")
    return proc.stdout


def _gto(*args: str, repo: Path) -> str:
    return _run([str(Path(sys.executable).parent / "gto"), *args], repo)


def commit_version_files(repo: Path, message: str) -> str:
    """Commit exactly the versioned paths (nothing else staged is touched); return HEAD."""
    present = [p for p in VERSIONED_PATHS if (repo / p).exists()]
    _run(["git", "add", "--force", "--", *present], repo)
    staged = _run(["git", "diff", "--cached", "--name-only", "--", *present], repo).split()
    if staged:
        _run(["git", "commit", "--quiet", "-m", message, "--", *present], repo)
    return _run(["git", "rev-parse", "HEAD"], repo).strip()


def register(repo: Path, name: str, *, message: str) -> ModelRef:
    """Commit the versioned files and tag the commit as the next major version of `name`."""
    commit_version_files(repo, message)
    previous = latest_version(repo, name)
    major = _semver(previous.version)[0] + 1 if previous is not None else 1
    _gto("register", name, "--version", f"v{major}.0.0", "-m", message, repo=repo)
    latest = latest_version(repo, name)
    if latest is None:
        raise RegistryError(f"gto registered {name} but shows no version")
    return latest


def versions(repo: Path) -> list[dict[str, str]]:
    """Every registered version: name, version, stage(s), commit, created_at."""
    rows = []
    for tag in _run(["git", "tag", "--list", "*@v*"], repo).split():
        ref = parse_ref(tag)
        commit = _run(["git", "rev-list", "-n", "1", tag], repo).strip()
        when = _run(["git", "log", "-1", "--format=%cI", commit], repo).strip()
        rows.append(
            {"name": ref.name, "version": ref.version, "commit": commit[:12], "created_at": when}
        )
    stages = json.loads(_gto("show", "--json", repo=repo) or "{}")
    for row in rows:
        assigned = stages.get(row["name"], {}).get("stage", {}) if isinstance(stages, dict) else {}
        row["stages"] = ",".join(s for s, v in (assigned or {}).items() if v == row["version"])
    return sorted(rows, key=lambda r: (r["name"], _semver(r["version"])))


def latest_version(repo: Path, name: str) -> ModelRef | None:
    """The highest registered version of `name`, if any."""
    mine = [r for r in versions(repo) if r["name"] == name]
    return ModelRef(name, mine[-1]["version"]) if mine else None


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version[1:].split("."))


def fetch_model(repo: Path, ref: ModelRef, cache_dir: Path) -> Path:
    """The model directory of a registered version, fetched from the DVC remote at its tag."""
    target = cache_dir / ref.tag.replace("@", "_") / ref.name
    if (target / "meta.json").exists():
        return target
    _run(["git", "rev-parse", "--verify", f"refs/tags/{ref.tag}"], repo)
    target.parent.mkdir(parents=True, exist_ok=True)
    dvc = str(Path(sys.executable).parent / "dvc")
    _run([dvc, "get", str(repo), f"models/{ref.name}", "--rev", ref.tag, "-o", str(target)], repo)
    return target


def resolve_model_dir(repo: Path, spec: str, cache_dir: Path) -> Path:
    """A model directory from `name@version` (a registered version) or a directory path."""
    if "@" in spec and not Path(spec).exists():
        return fetch_model(repo, parse_ref(spec), cache_dir)
    path = Path(spec)
    if not (path / "meta.json").exists():
        raise RegistryError(f"{spec!r} is neither <model>@<version> nor a trained model directory")
    return path
