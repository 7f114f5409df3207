"""The model registry: GTO git tags over the commit that holds dvc.lock, params.yaml and metrics.

A version is a commit you can rebuild: `genre-xgb@v3.0.0` tags the commit whose dvc.lock pins the
data, code and params that produced it, and whose `metrics/` hold what it scored. `name@v3` is
accepted as shorthand for `name@v3.0.0`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# What a version commit pins (everything small and in git; the data is in the DVC remote).
VERSIONED_PATHS = (
    "dvc.lock",
    "params.yaml",
    "dvc.yaml",
    "data/raw.dvc",
    "metrics",
    "plots",
    "governance",
)
PROD_STAGE = "prod"
ROLLBACK_PREFIX = "rollback"
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


def next_version(repo: Path, name: str) -> ModelRef:
    """The version `register` will give `name` next: the next major after the latest."""
    previous = latest_version(repo, name)
    major = _semver(previous.version)[0] + 1 if previous is not None else 1
    return ModelRef(name, f"v{major}.0.0")


def register(repo: Path, name: str, *, message: str, version: str | None = None) -> ModelRef:
    """Commit the versioned files and tag the commit as the next major version of `name`.

    `version` (from `next_version`, e.g. the one the gate wrote its card for) must still be
    the next one; a concurrent registration in between is an error, not a silent renumbering.
    """
    expected = next_version(repo, name)
    if version is not None and parse_ref(f"{name}@{version}") != expected:
        raise RegistryError(f"{name}@{version} is not the next version ({expected.tag})")
    commit_version_files(repo, message)
    _gto("register", name, "--version", expected.version, "-m", message, repo=repo)
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
    """The highest registered version of `name`, if any (its version tags alone: no GTO call)."""
    tags = _run(["git", "tag", "--list", f"{name}@v*"], repo).split()
    refs = [parse_ref(tag) for tag in tags if _REF.match(tag)]
    return max(refs, key=lambda ref: _semver(ref.version)) if refs else None


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


def recorded_metrics(repo: Path, ref: ModelRef) -> dict[str, Any] | None:
    """The test metrics committed with a version (`metrics/<name>.json` at its tag), or None."""
    proc = subprocess.run(
        ["git", "show", f"{ref.tag}:metrics/{ref.name}.json"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return None
    loaded: dict[str, Any] = json.loads(proc.stdout)
    return loaded


def unregistered_version(model_dir: Path) -> str:
    """`unregistered-<hash>`: the id of a model no version tag names (a fast run, a checkout
    without git), from its meta.json and thresholds.json."""
    digest = hashlib.sha256()
    for name in ("meta.json", "thresholds.json"):
        path = model_dir / name
        if path.exists():
            digest.update(path.read_bytes())
    return "unregistered-" + digest.hexdigest()[:12]


def resolve_model_dir(repo: Path, spec: str, cache_dir: Path) -> Path:
    """A model directory from `name@version` (a registered version) or a directory path."""
    if "@" in spec and not Path(spec).exists():
        return fetch_model(repo, parse_ref(spec), cache_dir)
    path = Path(spec)
    if not (path / "meta.json").exists():
        raise RegistryError(f"{spec!r} is neither <model>@<version> nor a trained model directory")
    return path


@dataclass(frozen=True)
class Assignment:
    """One assignment of a stage to a version (a GTO tag `name#stage#N`)."""

    ref: ModelRef
    stage: str
    number: int  # N of the tag: GTO numbers a stage's assignments 1, 2, 3...
    timestamp: str
    message: str

    @property
    def is_rollback(self) -> bool:
        return self.message.startswith(ROLLBACK_PREFIX)


_TAG_FORMAT = "%(refname:short)%09%(*objectname)%09%(objectname)%09%(creatordate:unix)%09%(subject)"


def _tags(repo: Path) -> list[tuple[str, str, int, str]]:
    """Every tag: (name, commit it points at, creation time, subject), one `git` call."""
    listed = _run(["git", "for-each-ref", f"--format={_TAG_FORMAT}", "refs/tags"], repo)
    rows = []
    for line in listed.splitlines():
        name, peeled, target, created, subject = ([*line.split("\t"), "", "", "", ""])[:5]
        rows.append((name, peeled or target, int(created or 0), subject))
    return rows


def _version_at(name: str, commit: str, subject: str, tags: list[tuple[str, str, int, str]]) -> str:
    """The version an assignment tag on `commit` refers to, as GTO resolves it (by commit);
    when several versions share the commit, the one the tag message names."""
    at = [t[0].split("@", 1)[1] for t in tags if t[1] == commit and t[0].startswith(f"{name}@v")]
    named = re.findall(rf"{re.escape(name)}@(v\d+\.\d+\.\d+)", subject.split(":", 1)[0])
    if named and named[-1] in at:
        return str(named[-1])
    if not at:
        raise RegistryError(f"no registered version of {name} at commit {commit[:12]}")
    return max(at, key=_semver)


def stage_history(repo: Path, name: str, stage: str = PROD_STAGE) -> list[Assignment]:
    """Every assignment of `stage` for `name`, oldest first (ordered by GTO's tag counter).

    Read straight from the GTO tags with one `git for-each-ref` (`gto history` takes a second
    or more just to start); `production()` still asks GTO itself.
    """
    tags = _tags(repo)
    pattern = re.compile(rf"^{re.escape(name)}#{re.escape(stage)}#(\d+)$")
    rows = []
    for tag, commit, created, subject in tags:
        match = pattern.match(tag)
        if match is None:
            continue
        version = _version_at(name, commit, subject, tags)
        when = datetime.fromtimestamp(created, tz=UTC).isoformat()
        rows.append(Assignment(ModelRef(name, version), stage, int(match[1]), when, subject))
    return sorted(rows, key=lambda a: a.number)


def _next_counter(repo: Path, name: str) -> int:
    """GTO numbers every stage event of an artifact with one counter: the next value."""
    pattern = re.compile(rf"^{re.escape(name)}[#@].*#(\d+)$")
    numbers = [int(m[1]) for tag, *_ in _tags(repo) if (m := pattern.match(tag))]
    return max(numbers, default=0) + 1


def _tag_assignment(repo: Path, ref: ModelRef, stage: str, message: str) -> None:
    """Create GTO's assignment tag `name#stage#N` (annotated, on the version's commit): the
    tag `gto assign --force` creates, with one `git tag`."""
    commit = _run(["git", "rev-list", "-n", "1", ref.tag], repo).strip()
    tag = f"{ref.name}#{stage}#{_next_counter(repo, ref.name)}"
    _run(["git", "tag", "--annotate", tag, "--message", message, commit], repo)


def production(repo: Path, name: str) -> ModelRef | None:
    """The version of `name` in the `prod` stage (GTO), or None when none was ever assigned."""
    shown = json.loads(_gto("show", "--json", repo=repo) or "{}")
    entry = shown.get(name) if isinstance(shown, dict) else None
    version = ((entry or {}).get("stage") or {}).get(PROD_STAGE)
    return ModelRef(name, str(version)) if version else None


def production_stack(history: list[Assignment]) -> list[ModelRef]:
    """Production versions as a stack: a promotion pushes, a rollback pops back to its target.

    So a second rollback goes further back (v1, v2, v3 promoted; rollback -> v2; rollback -> v1)
    instead of returning to the version just rolled back from.
    """
    stack: list[ModelRef] = []
    for assignment in history:
        if assignment.is_rollback and assignment.ref in stack:
            while stack[-1] != assignment.ref:
                stack.pop()
        elif not stack or stack[-1] != assignment.ref:
            stack.append(assignment.ref)
    return stack


def _wait_for_next_second(history: list[Assignment]) -> None:
    """GTO orders assignments by their tag's timestamp (whole seconds): two in one second would
    tie, so the next one waits until the clock has moved past the last one."""
    if not history:
        return
    last = datetime.fromisoformat(history[-1].timestamp).timestamp()
    while time.time() < last + 1:
        time.sleep(min(0.05, last + 1 - time.time() + 0.001))


def assign_stage(repo: Path, ref: ModelRef, *, message: str, stage: str = PROD_STAGE) -> Assignment:
    """Assign `stage` to the registered version `ref` (a new GTO tag, also when re-assigning)."""
    _run(["git", "rev-parse", "--verify", f"refs/tags/{ref.tag}"], repo)
    _wait_for_next_second(stage_history(repo, ref.name, stage))
    _tag_assignment(repo, ref, stage, message)
    history = stage_history(repo, ref.name, stage)
    if not history or history[-1].ref != ref:
        raise RegistryError(f"assigned {stage} to {ref.tag} but the stage history disagrees")
    return history[-1]


def previous_production(repo: Path, name: str) -> ModelRef | None:
    """The version a rollback would restore: the one below the current on the stack."""
    stack = production_stack(stage_history(repo, name))
    return stack[-2] if len(stack) >= 2 else None


def rollback_stage(repo: Path, name: str, *, reason: str) -> tuple[ModelRef, ModelRef]:
    """Assign `prod` back to the previous production version; return (from, to)."""
    history = stage_history(repo, name)
    stack = production_stack(history)
    if len(stack) < 2:
        raise RegistryError(f"{name}: no previous production version to roll back to")
    current, target = stack[-1], stack[-2]
    _wait_for_next_second(history)
    message = f"{ROLLBACK_PREFIX} {current.tag} -> {target.tag}: {reason}"
    _tag_assignment(repo, target, PROD_STAGE, message)
    return current, target
