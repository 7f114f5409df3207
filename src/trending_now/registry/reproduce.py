"""`make reproduce MODEL=genre-xgb@v1`: rebuild a registered version and compare it with its record.

In a clean git worktree of the version's tag, with that tag's code on the import path: pull the
raw data from the DVC remote, re-run every stage of the model's family with `dvc repro --force`,
then compare data hashes and params (dvc.lock) and test metrics with what the tag recorded.
XGBoost and the baselines must match exactly; BERT within `bert_tolerance` (CPU kernels).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trending_now.registry.versions import ModelRef, RegistryError

FAMILY_OF = {
    "genre-xgb": ("evaluate", ("genre-xgb", "baseline-prior", "baseline-logreg")),
    "genre-bert": ("evaluate_bert", ("genre-bert",)),
}
DATA_PATHS = ("data/raw", "data/validated", "data/features")


@dataclass
class ReproReport:
    """The outcome: what was compared and every difference found."""

    ref: str
    worktree: Path
    compared: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diffs


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RegistryError(f"{' '.join(args[:3])} failed:\n{(proc.stderr or proc.stdout)[-2000:]}")
    return proc.stdout


def default_remote_url(repo: Path) -> str:
    """The default DVC remote's URL as an absolute path or URL (relative ones resolved)."""
    dvc = str(Path(sys.executable).parent / "dvc")
    name = _run([dvc, "config", "core.remote"], repo).strip()
    url = _run([dvc, "config", f"remote.{name}.url"], repo).strip()
    if "://" in url or url.startswith("/"):
        return url
    return str((repo / ".dvc" / url).resolve())


def make_worktree(repo: Path, ref: ModelRef, workdir: Path) -> Path:
    """A fresh detached worktree of the version's tag (an old one is replaced)."""
    _run(["git", "rev-parse", "--verify", f"refs/tags/{ref.tag}"], repo)
    tree = (workdir / ref.tag.replace("@", "_")).resolve()
    if tree.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=repo, check=False)
        shutil.rmtree(tree, ignore_errors=True)
    _run(["git", "worktree", "add", "--detach", str(tree), ref.tag], repo)
    return tree


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): obj}


def compare_metrics(
    recorded: dict[str, Any], rebuilt: dict[str, Any], *, tolerance: float, label: str
) -> list[str]:
    """Differences between two metrics documents (numbers within `tolerance`, rest exact)."""
    old, new = _flatten(recorded), _flatten(rebuilt)
    diffs = [f"{label}: {k} missing after rebuild" for k in sorted(old.keys() - new.keys())]
    diffs += [f"{label}: {k} new after rebuild" for k in sorted(new.keys() - old.keys())]
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        numeric = isinstance(a, int | float) and isinstance(b, int | float)
        if (numeric and abs(float(a) - float(b)) > tolerance) or (not numeric and a != b):
            diffs.append(f"{label}: {key} recorded {a!r}, rebuilt {b!r}")
    return diffs


def compare_locks(recorded: dict[str, Any], rebuilt: dict[str, Any]) -> list[str]:
    """Data hashes and params of every stage the two dvc.lock files share."""
    diffs = []
    for stage, old in recorded.get("stages", {}).items():
        new = rebuilt.get("stages", {}).get(stage)
        if new is None:
            continue
        if old.get("params") != new.get("params"):
            diffs.append(f"{stage}: params {old.get('params')} != {new.get('params')}")
        for kind in ("deps", "outs"):
            old_hashes = {e["path"]: e.get("md5") for e in old.get(kind, [])}
            new_hashes = {e["path"]: e.get("md5") for e in new.get(kind, [])}
            for path, md5 in old_hashes.items():
                if path.startswith(DATA_PATHS) and new_hashes.get(path) != md5:
                    diffs.append(f"{stage}: {kind} {path} md5 {md5} != {new_hashes.get(path)}")
    return diffs


def reproduce(
    repo: Path, ref: ModelRef, *, workdir: Path, bert_tolerance: float = 0.01
) -> ReproReport:
    """Rebuild `ref` in a worktree of its tag and compare with what the tag recorded."""
    if ref.name not in FAMILY_OF:
        raise RegistryError(f"no reproduction recipe for {ref.name}; known: {sorted(FAMILY_OF)}")
    stage, models = FAMILY_OF[ref.name]
    remote = default_remote_url(repo)
    tree = make_worktree(repo, ref, workdir)
    report = ReproReport(ref.tag, tree)
    recorded_lock = yaml.safe_load((tree / "dvc.lock").read_text())
    recorded = {m: json.loads((tree / "metrics" / f"{m}.json").read_text()) for m in models}
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(tree / "src"),  # the tag's code, not the checkout's
        "TRENDING_PROJECT_DIR": str(tree),
        "TRENDING_VAR_DIR": str(tree / "var"),
        "DVC_NO_ANALYTICS": "1",
    }
    dvc = os.path.join(bindir, "dvc")
    _run([dvc, "remote", "add", "--local", "--force", "-d", "origin", remote], tree, env)
    _run([dvc, "pull", "data/raw.dvc"], tree, env)
    _run([dvc, "repro", "--force", stage], tree, env)
    rebuilt_lock = yaml.safe_load((tree / "dvc.lock").read_text())
    report.diffs += compare_locks(recorded_lock, rebuilt_lock)
    report.compared.append("dvc.lock data hashes and params")
    tolerance = bert_tolerance if ref.name == "genre-bert" else 0.0
    for name in models:
        rebuilt = json.loads((tree / "metrics" / f"{name}.json").read_text())
        report.diffs += compare_metrics(recorded[name], rebuilt, tolerance=tolerance, label=name)
        report.compared.append(f"metrics/{name}.json (tolerance {tolerance})")
    return report
