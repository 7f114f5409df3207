"""DVC pushes to and pulls from an S3 remote: the documented production remote, exercised
against a real moto server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.utils.aws import FAKE_AWS_ENV, start_moto_server

pytestmark = pytest.mark.integration
DVC = str(Path(sys.executable).parent / "dvc")


def _dvc(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([DVC, *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"dvc {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def test_push_then_pull_through_s3_remote(tmp_path: Path) -> None:
    env = {**os.environ, **FAKE_AWS_ENV, "DVC_NO_ANALYTICS": "1"}
    with start_moto_server(tmp_path) as endpoint:
        s3 = boto3.client("s3", endpoint_url=endpoint, **_creds())
        s3.create_bucket(Bucket="trending-dvc")

        repo = tmp_path / "repo"
        (repo / "data" / "raw" / "run-1").mkdir(parents=True)
        (repo / "data" / "raw" / "run-1" / "movies.jsonl").write_text('{"id": 1}\n{"id": 2}\n')
        _dvc(repo, env, "init", "--no-scm", "-q")
        _dvc(repo, env, "remote", "add", "-d", "s3", "s3://trending-dvc/dvcstore")
        _dvc(repo, env, "remote", "modify", "s3", "endpointurl", endpoint)
        _dvc(repo, env, "add", "data/raw")
        _dvc(repo, env, "push")

        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="trending-dvc")["Contents"]]
        assert any(k.startswith("dvcstore/files/md5/") for k in keys)

        # A second checkout with only the pointer file and config gets the same bytes back.
        clone = tmp_path / "clone"
        (clone / "data").mkdir(parents=True)
        (clone / ".dvc").mkdir()
        (clone / ".dvc" / "config").write_text((repo / ".dvc" / "config").read_text())
        (clone / "data" / "raw.dvc").write_text((repo / "data" / "raw.dvc").read_text())
        _dvc(clone, env, "pull")
        pulled = (clone / "data" / "raw" / "run-1" / "movies.jsonl").read_text()
        assert pulled == '{"id": 1}\n{"id": 2}\n'


def _creds() -> dict[str, str]:
    return {
        "aws_access_key_id": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        "region_name": FAKE_AWS_ENV["AWS_DEFAULT_REGION"],
    }
