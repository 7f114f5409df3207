"""The project workspace as DVC and git see it: run their commands, read what they recorded.

A shared module: the ingest, train and governance task entries run DVC stages through `dvc`;
the gate, publish, monitor and the audit log read the data version and the git commit here, so
each is computed one way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import yaml

log = logging.getLogger(__name__)


class WorkspaceError(RuntimeError):
    """A DVC, git or `trending` command in the workspace failed; the message has its output."""


def venv_bin(name: str) -> str:
    """A console script of the interpreter running us (the project's virtualenv)."""
    return str(Path(sys.executable).parent / name)


def _env() -> dict[str, str]:
    # dvc.yaml's commands call `trending`: make sure it is this virtualenv's.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "DVC_NO_ANALYTICS": "1", "PATH": path}


def dvc(root: Path, *args: str) -> str:
    """Run a DVC command in the workspace at `root`; raise with its output on failure."""
    proc = subprocess.run(
        [venv_bin("dvc"), *args], cwd=root, env=_env(), capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise WorkspaceError(
            f"dvc {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return proc.stdout


def trending(root: Path, *args: str) -> str:
    """Run a `trending` CLI command of this virtualenv in the workspace (a separate process, as
    DVC runs it); raise with its output on failure."""
    proc = subprocess.run(
        [venv_bin("trending"), *args], cwd=root, env=_env(), capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise WorkspaceError(f"trending {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    log.info("%s", proc.stdout[-2000:])
    return proc.stdout


def git_commit(root: Path) -> str | None:
    """The checked-out commit of the checkout holding `root`, or None (no git, no commits)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def dvc_file_md5(dvc_file: Path) -> str | None:
    """The md5 a `.dvc` file records for its (first) output, without DVC's `.dir` suffix."""
    if not dvc_file.exists():
        return None
    outs = (yaml.safe_load(dvc_file.read_text(encoding="utf-8")) or {}).get("outs") or []
    md5 = outs[0].get("md5") if outs else None
    return str(md5).removesuffix(".dir") if md5 else None


def data_version(raw_dvc: Path | None, validated_dir: Path) -> str:
    """The data version: the md5 DVC recorded for data/raw, else a hash of the validated tables."""
    md5 = dvc_file_md5(raw_dvc) if raw_dvc is not None else None
    if md5:
        return f"raw-md5:{md5}"
    digest = hashlib.sha256()
    for name in ("movies.parquet", "reviews.parquet"):
        path = validated_dir / name
        if path.exists():
            digest.update(name.encode() + path.read_bytes())
    return "validated-sha256:" + digest.hexdigest()[:32]


def locked_data_hashes(dvc_lock: Path) -> dict[str, str]:
    """The md5 dvc.lock records for each data output (`data/...`) of every stage."""
    if not dvc_lock.exists():
        return {}
    stages = (yaml.safe_load(dvc_lock.read_text(encoding="utf-8")) or {}).get("stages", {})
    return {
        out["path"]: str(out.get("md5"))
        for stage in stages.values()
        for out in stage.get("outs", [])
        if str(out.get("path", "")).startswith("data/")
    }
