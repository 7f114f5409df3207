"""Browser tests' fixtures: a published serving DB and the real API serving the built web app
(see harness.py), and Debian's chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DIST,
    N_MOVIES,
    Api,
    BrowserSession,
    build_dataset,
    serve,
)


def _require_dist() -> None:
    if not (DIST / "index.html").is_file():
        pytest.fail(
            f"{DIST / 'index.html'} is missing: build the web app first with `make frontend` "
            "(npm ci + npm run build in frontend/)",
            pytrace=False,
        )


@pytest.fixture(scope="package")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The API over the main dataset: N_MOVIES movies, a model, governance documents, a drift
    summary and the XSS movie."""
    _require_dist()
    root = tmp_path_factory.mktemp("e2e-serving")
    build_dataset(root, N_MOVIES, with_model=True, xss_index=5, governance=True)
    with serve(root) as running:
        assert len(running.movies) == N_MOVIES
        yield running


@pytest.fixture(scope="package")
def bare_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The API over a small dataset published without any model (no genre predictions), any
    governance document or any drift summary."""
    _require_dist()
    root = tmp_path_factory.mktemp("e2e-bare")
    build_dataset(root, 8, with_model=False, xss_index=None, governance=False)
    with serve(root) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make sysdeps` installs Debian's chromium",
                    pytrace=False)  # fmt: skip
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def session(browser: Browser, api: Api) -> Iterator[BrowserSession]:
    """A desktop-sized page on the main API, with animations (the force simulation runs live)."""
    opened = BrowserSession(browser, api.base_url, viewport={"width": 1280, "height": 900})
    yield opened
    opened.close()


@pytest.fixture
def still_session(browser: Browser, api: Api) -> Iterator[BrowserSession]:
    """Like `session` but preferring reduced motion: the app lays the chart out at once."""
    opened = BrowserSession(browser, api.base_url, viewport={"width": 1280, "height": 900},
                            reduced_motion="reduce")  # fmt: skip
    yield opened
    opened.close()
