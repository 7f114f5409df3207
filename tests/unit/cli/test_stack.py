"""`trending stack urls` (the last thing `make run` prints) names the web app first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trending_now import cli
from trending_now.config import Settings


def test_urls_print_the_web_app_the_api_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "var" / "airflow").mkdir(parents=True)
    (tmp_path / "var" / "airflow" / "passwords.json").write_text(json.dumps({"admin": "pw"}))
    settings = Settings(project_dir=tmp_path, api_port=18791)
    monkeypatch.setattr("trending_now.cli.output.get_settings", lambda: settings)
    monkeypatch.setattr("trending_now.cli.stack.get_settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["stack", "urls"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    web = next(line for line in lines if line.startswith("Web app"))
    assert "http://127.0.0.1:18791/ " in web + " "
    assert any(line.startswith("Trending API") and ":18791/api/movies" in line for line in lines)
