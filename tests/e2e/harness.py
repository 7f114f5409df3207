"""The browser tests' harness: the dataset they publish, the API process, a browser session.

The dataset is built with the real publish code from factory movies (more than one API page of
them, so the app must paginate), with varied platforms, tags, scores and providers, movies
without enrichment, and one movie whose title, overview, platform, review and AI summary carry
script-injection payloads. The API runs as `python -m services.api` on a free loopback port with
its project directory in tmp_path (a copy of frontend/dist inside), so nothing in the repo's var/
or data/ is read or written; only screenshots go to var/test-artifacts/e2e/.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from tests.utils.factories import make_validated
from tests.utils.servers import LOOPBACK, free_port, stop_process_group, wait_for_http
from tests.utils.serving import (
    db_url,
    enrichment,
    write_enrichments,
    write_inputs,
    write_prior_model,
)
from trending_now.config import PublishParams
from trending_now.enrich.schema import Enrichment
from trending_now.publish import PublishResult, run_stage

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
ARTIFACTS = Path(os.environ.get("TRENDING_E2E_ARTIFACTS", ROOT / "var" / "test-artifacts" / "e2e"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

# More movies than one /api/movies page (500): the app has to fetch two pages.
N_MOVIES = 510
XSS_MARK = "window.__xss=1"
XSS_SCRIPT = f"<script>{XSS_MARK}</script>"
XSS_IMG = f'<img src=x onerror="{XSS_MARK};alert(1)">'
XSS_TITLE = f"{XSS_SCRIPT}{XSS_IMG} Payload Movie"
XSS_OVERVIEW = f"Overview {XSS_IMG} with {XSS_SCRIPT} inside."
XSS_PLATFORM = f'<img src=x onerror="{XSS_MARK}">TV'
XSS_REVIEW = f"Great {XSS_SCRIPT} film {XSS_IMG} would watch again"
XSS_SUMMARY = f"A film whose title is {XSS_SCRIPT} in disguise. Critics said {XSS_IMG} about it."
XSS_REVIEW_URL = f"javascript:{XSS_MARK}"
PLATFORM_CYCLE: tuple[list[str], ...] = (
    ["Netflix"],
    ["Hulu", "Netflix"],
    ["Max"],
    [],
    ["Prime Video"],
)
TAG_CYCLE = (
    ("dark", "gritty", "slow-burn"),
    ("feel-good", "heartwarming", "family-friendly"),
    ("scary", "creepy", "gory"),
    ("epic", "action-packed", "fast-paced"),
    ("quirky", "dark-humor", "cult-classic"),
)
PROVIDERS = ("embedded", "openai-compat")
# Set by an init script (not subject to the page's CSP): every CSP violation the page hits.
CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def build_dataset(
    root: Path, n: int, *, with_model: bool, xss_index: int | None, governance: bool
) -> None:
    """Validated factory movies (+ enrichments, + a prior model) published into root/serving;
    with `governance`, the governance documents are published too and a drift summary is
    left where the monitor writes it."""
    movies, reviews = make_validated(n, seed=7)
    platforms = [list(PLATFORM_CYCLE[i % 5]) for i in range(n)]
    if xss_index is not None:
        platforms[xss_index] = [XSS_PLATFORM]
    movies["providers_flatrate"] = platforms
    movies["poster_path"] = [f"/poster{i}.jpg" if i % 3 == 0 else None for i in range(n)]
    first = reviews.groupby("movie_id").cumcount() == 0
    reviews.loc[first, "url"] = [f"https://www.themoviedb.org/review/{r}" for r in
                                 reviews.loc[first, "review_id"]]  # fmt: skip
    if xss_index is not None:
        xss_id = int(movies["id"].iloc[xss_index])
        movies.loc[xss_index, ["title", "overview"]] = [XSS_TITLE, XSS_OVERVIEW]
        mine = reviews.index[reviews["movie_id"] == xss_id]
        reviews.loc[mine, "content"] = XSS_REVIEW
        reviews.loc[mine, "url"] = XSS_REVIEW_URL
    write_inputs(root, movies, reviews)
    model_dir = write_prior_model(root, movies, reviews) if with_model else None
    rows = []
    for i, movie_id in enumerate(movies["id"].tolist()):
        if i % 4 == 3 and i != xss_index:
            continue  # a quarter of the movies stay unenriched
        row = enrichment(int(movie_id), score=1 + i % 10, tags=TAG_CYCLE[i % 5])
        update: dict[str, Any] = {"provider": PROVIDERS[i % 2]}
        if i == xss_index:
            update["summary"] = XSS_SUMMARY
        rows.append(Enrichment.model_validate({**row.model_dump(), **update}))  # re-validated
    write_enrichments(root, rows)

    def publish(governance_dir: Path | None) -> PublishResult:
        return run_stage(validated_dir=root / "validated", enriched_dir=root / "enriched",
                         model_dir=model_dir, db_url=db_url(root), params=PublishParams(),
                         governance_dir=governance_dir)  # fmt: skip

    published = publish(None)
    if governance:
        # The model card is named by the published version: publish, write the cards, republish.
        assert published.model_name and published.model_version
        _write_governance(root / "governance", published.model_name, published.model_version)
        publish(root / "governance")
        _write_json(root / "var" / "monitor" / "latest.json", DRIFT_SUMMARY)
    # The API serves <project_dir>/frontend/dist: a copy of the build under test.
    shutil.copytree(DIST, root / "frontend" / "dist")


# The drift summary the drift helper's monitor writes (contract in the team spec); the API reads
# it at request time from <project_dir>/var/monitor/latest.json.
DRIFT_SUMMARY: dict[str, Any] = {
    "generated_at": "2026-11-20T08:30:00+00:00",
    "reference": {"rows": 400}, "current": {"rows": 110},
    "dataset_drift": True, "drift_share": 0.375, "drifted_columns": ["popularity", "vote_average"],
    "prediction_drift": {"drifted": False, "score": 0.12}, "skew": {}, "quality": {},
    "stale_model": False, "retrain_triggered": True, "reasons": ["drift_share 0.375 > 0.3"],
    "report_html": "var/monitor/reports/2026-11-20/run-1/report.html",
    "dashboard_url": "http://127.0.0.1:8794/projects/e2e",
}  # fmt: skip


# Governance documents in the governance helper's contract shape (team spec).
def _mltest(test_id: str, title: str, score: float, *, automated: bool = True) -> dict[str, Any]:
    return {"id": test_id, "title": title, "implemented_by": f"tests/{test_id}.py",
            "automated": automated, "score": score}  # fmt: skip


MLTESTSCORE: dict[str, Any] = {
    "sections": {
        "data": {"tests": [_mltest("data-1", "Feature expectations in a schema", 1.0),
                           _mltest("data-2", "Privacy controls on reviews", 0.5)], "score": 1.5},
        "model": {"tests": [_mltest("model-1", "Model specs are reviewed", 1.0),
                            _mltest("model-2", "Offline metric correlates", 0.0, automated=False),
                            _mltest("model-3", "Hyperparameters are tuned", 1.0)], "score": 2.0},
        "infrastructure": {"tests": [_mltest("infra-1", "Training is reproducible", 1.0)],
                           "score": 1.0},
        "monitoring": {"tests": [_mltest("mon-1", "Data drift is watched", 1.0),
                                 _mltest("mon-2", "Model staleness is tested", 0.5)],
                       "score": 1.5},
    },
    "final": 1.0,
    "generated_at": "2026-11-26T10:00:00+00:00",
}  # fmt: skip
GATE_CHECKS = [
    {"name": "beats_prior_baseline", "passed": True, "value": 0.61, "threshold": 0.45,
     "evidence": "metrics/genre-xgb.json"},
    {"name": "slice_gap", "passed": True, "value": 0.08, "threshold": 0.15,
     "evidence": "metrics/genre-xgb.json#slices"},
]  # fmt: skip
ENRICHMENT_CARD: dict[str, Any] = {"provider": "embedded", "model": "all-MiniLM-L6-v2",
                   "prompt_versions": {"summary": "embedded-v1"}, "vocabulary": "v1",
                   "failure_modes": ["extractive summaries repeat reviews"]}  # fmt: skip


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def _write_governance(gov: Path, model: str, version: str) -> None:
    card = {"name": model, "version": version, "intended_use": "Tag trending movies with genres",
            "out_of_scope": ["age ratings"], "genres": ["Drama", "Comedy"],
            "metrics": {"micro_f1": 0.61, "macro_f1": 0.55}, "limitations": ["small data"],
            "reproduce": f"make reproduce MODEL={model}@{version}"}  # fmt: skip
    _write_json(gov / "cards" / model / f"{version}.json", card)
    (gov / "cards" / model / f"{version}.md").write_text(f"# {model} {version}\n", encoding="utf-8")
    _write_json(gov / "decisions" / model / f"{version}.json",
                {"decision": "promote", "checks": GATE_CHECKS, "failed": []})  # fmt: skip
    _write_json(gov / "cards" / "enrichment.json", ENRICHMENT_CARD)
    _write_json(gov / "mltestscore.json", MLTESTSCORE)


@dataclass
class Api:
    """A running API over a published dataset, and that dataset as the API returns it."""

    base_url: str
    root: Path
    movies: list[dict[str, Any]] = field(default_factory=list)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=10)

    def movie(self, movie_id: int) -> dict[str, Any]:
        response = self.get(f"/api/movies/{movie_id}")
        response.raise_for_status()
        detail: dict[str, Any] = response.json()
        return detail

    def find(self, **where: Any) -> dict[str, Any]:
        """The first listed movie whose fields satisfy every predicate or value in `where`."""
        for movie in self.movies:
            if all(f(movie[k]) if callable(f) else movie[k] == f for k, f in where.items()):
                return movie
        raise LookupError(f"no movie with {where}")


@contextlib.contextmanager
def serve(root: Path) -> Iterator[Api]:
    """`python -m services.api` over root's serving DB on a free port, stopped on exit."""
    port = free_port()
    log = root / f"api-{port}.log"
    env = {**os.environ, "TRENDING_PROJECT_DIR": str(root), "TRENDING_SERVING_DB_URL": db_url(root),
           "PYTHONUNBUFFERED": "1"}  # fmt: skip
    cmd = [sys.executable, "-m", "services.api", "--host", LOOPBACK, "--port", str(port),
           "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    try:
        base = f"http://{LOOPBACK}:{port}"
        wait_for_http(f"{base}/ready", proc, log, timeout_s=60)
        api = Api(base, root)
        offset = 0
        while True:  # the whole list, as the app fetches it
            page = api.get(f"/api/movies?limit=500&offset={offset}").json()
            api.movies += page["data"]
            offset += 500
            if offset >= page["count"]:
                break
        yield api
    finally:
        stop_process_group(proc)


@dataclass
class PageLog:
    """What went wrong in a page: console errors, uncaught exceptions, dialogs."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


class BrowserSession:
    """A fresh browser context + page on the app, recording errors and dialogs."""

    def __init__(self, browser: Browser, base_url: str, **context_args: Any) -> None:
        self.context: BrowserContext = browser.new_context(base_url=base_url, **context_args)
        self.context.add_init_script(CSP_PROBE)
        self.page: Page = self.context.new_page()
        self.log = PageLog()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.log.page_errors.append(str(exc)))
        self.page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.log.console_errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def csp_violations(self) -> list[str]:
        violations: list[str] = self.page.evaluate("window.__cspViolations || []")
        return violations

    def open_chart(self, path: str = "/") -> Page:
        """Load the app and wait until every bubble is drawn and the simulation is at rest."""
        self.page.goto(path)
        self.page.wait_for_selector("body[data-load='ready']", timeout=20_000)
        self.wait_settled()
        return self.page

    def wait_settled(self, mode: str | None = None) -> None:
        selector = "svg.chart[data-state='settled']"
        if mode is not None:
            selector = f"svg.chart[data-group-by='{mode}'][data-state='settled']"
        self.page.wait_for_selector(selector, timeout=20_000)

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def assert_clean(self, *, allow_http_errors: bool = False) -> None:
        """No uncaught exception, no dialog, no CSP violation, no console error."""
        errors = self.log.console_errors
        if allow_http_errors:  # a panel's 404/503 is logged by chromium as a failed resource
            errors = [e for e in errors if not e.startswith("Failed to load resource")]
        assert self.log.page_errors == []
        assert self.log.dialogs == []
        assert self.csp_violations() == []
        assert errors == []

    def close(self) -> None:
        self.context.close()
