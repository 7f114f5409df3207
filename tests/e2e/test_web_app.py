"""The D3 web app in Debian's chromium against the real API: chart, grouping, hover card, detail
page, script-injection payloads, phone width, keyboard, and the governance/monitoring pages."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.harness import (
    DRIFT_SUMMARY,
    ENRICHMENT_CARD,
    GATE_CHECKS,
    MLTESTSCORE,
    N_MOVIES,
    XSS_IMG,
    XSS_OVERVIEW,
    XSS_PLATFORM,
    XSS_REVIEW,
    XSS_SUMMARY,
    XSS_TITLE,
    Api,
    BrowserSession,
)

pytestmark = pytest.mark.integration

# The app's grouping rules (frontend/src/groupings.js), restated so the test checks them.
MISSING = {"genre": "Unknown genre", "platform": "Not streaming", "tag": "Not enriched",
           "score": "No score"}  # fmt: skip
AI_FIELDS = ("summary", "vibe-score", "vibe-tags", "llm-genres")
BUBBLES_JS = """() => [...document.querySelectorAll('svg.chart circle.bubble')].map((c) => ({
  id: Number(c.dataset.id), group: c.dataset.group, fill: c.getAttribute('fill'),
  x: Number(c.getAttribute('cx')), y: Number(c.getAttribute('cy')), r: Number(c.getAttribute('r')),
  label: c.getAttribute('aria-label')}))"""
LABELS_JS = """() => [...document.querySelectorAll('svg.chart text.cluster-label')].map((t) => ({
  group: t.dataset.group, count: Number(t.dataset.count), text: t.textContent,
                x: Number(t.getAttribute('x')), y: Number(t.getAttribute('y'))}))"""


def expected_group(movie: dict[str, Any], mode: str) -> str:
    if mode == "genre":
        return movie["primary_genre"] or MISSING["genre"]
    if mode == "platform":
        return movie["platforms"][0] if movie["platforms"] else MISSING["platform"]
    if mode == "tag":
        return movie["vibe_tags"][0] if movie["vibe_tags"] else MISSING["tag"]
    score = movie["vibe_score"]
    if score is None:
        return MISSING["score"]
    low = score - 1 if score % 2 == 0 else score
    return f"Score {low}–{low + 1}"


def centroid(points: list[dict[str, Any]]) -> tuple[float, float]:
    return (sum(p["x"] for p in points) / len(points), sum(p["y"] for p in points) / len(points))


def bubbles(page: Page) -> dict[int, dict[str, Any]]:
    return {b["id"]: b for b in page.evaluate(BUBBLES_JS)}


def bubble(page: Page, movie_id: int) -> Any:
    return page.locator(f"svg.chart circle.bubble[data-id='{movie_id}']")


def test_chart_draws_one_bubble_per_movie(session: BrowserSession, api: Api) -> None:
    page = session.open_chart()
    drawn = bubbles(page)
    assert len(drawn) == N_MOVIES  # more than one API page: the app paginated
    assert set(drawn) == {m["id"] for m in api.movies}
    assert page.locator("#chart-status").inner_text().startswith(f"{N_MOVIES} movies")
    # Area by vibe score: r = sqrt(k * score) for one k (r is drawn to 0.1 px); unscored movies
    # are drawn as a score of 2 with a dashed outline.
    by_id = {m["id"]: m for m in api.movies}
    scores = {i: by_id[i]["vibe_score"] or 2 for i in drawn}
    k = sorted(d["r"] ** 2 / scores[i] for i, d in drawn.items())[len(drawn) // 2]
    assert all(abs(d["r"] - math.sqrt(k * scores[i])) <= 0.1 for i, d in drawn.items())
    assert len({scores[i] for i in drawn}) == 10
    unscored = page.locator("circle.bubble.unscored")
    expect(unscored).to_have_count(sum(m["vibe_score"] is None for m in api.movies))
    # Colour by primary genre: one colour per genre, distinct between genres.
    fills: dict[str, set[str]] = {}
    for movie_id, drawn_bubble in drawn.items():
        fills.setdefault(by_id[movie_id]["primary_genre"], set()).add(drawn_bubble["fill"])
    assert all(len(colours) == 1 for colours in fills.values())
    assert len({next(iter(c)) for c in fills.values()}) == len(fills)
    # Bubbles do not overlap once the simulation rests (collision force).
    placed = list(drawn.values())
    overlaps = sum(
        1 for i, a in enumerate(placed) for b in placed[i + 1 :]
        if math.dist((a["x"], a["y"]), (b["x"], b["y"])) < a["r"] + b["r"] - 1.5
    )  # fmt: skip
    assert overlaps <= N_MOVIES // 50
    session.screenshot("chart-desktop")
    session.assert_clean()


def test_grouping_buttons_regroup_bubbles_into_the_data_groups(
    session: BrowserSession, api: Api
) -> None:
    page = session.open_chart()
    before = bubbles(page)
    assert {b["group"] for b in before.values()} == {"All movies"}
    for mode in ("genre", "platform", "tag", "score"):
        # Count the positions one bubble passes through: an animated move has many.
        page.evaluate("""() => {
          const c = document.querySelector('svg.chart circle.bubble');
          window.__steps = 0;
          new MutationObserver(() => { window.__steps += 1; })
            .observe(c, {attributes: true, attributeFilter: ['cx', 'cy']});
        }""")
        page.click(f".toolbar button[data-mode='{mode}']")
        expect(page.locator(f".toolbar button[data-mode='{mode}']")).to_have_attribute(
            "aria-pressed", "true"
        )
        session.wait_settled(mode)
        assert page.evaluate("window.__steps") > 20, "the bubbles jumped instead of moving"
        after = bubbles(page)
        expected = {m["id"]: expected_group(m, mode) for m in api.movies}
        assert len(set(expected.values())) <= 12  # no "Other" merging in this dataset
        assert {i: b["group"] for i, b in after.items()} == expected
        counts = Counter(expected.values())
        page.wait_for_function(  # the labels of the previous grouping have faded out
            "n => document.querySelectorAll('svg.chart text.cluster-label').length === n",
            arg=len(counts),
        )
        labels = page.evaluate(LABELS_JS)
        assert {lab["group"]: lab["count"] for lab in labels} == counts
        # The bubbles moved, and now form one visible cluster per group.
        moved = [
            math.dist((before[i]["x"], before[i]["y"]), (b["x"], b["y"])) for i, b in after.items()
        ]
        assert sum(d > 10 for d in moved) > N_MOVIES / 2, mode
        members = {g: [i for i, e in expected.items() if e == g] for g in counts}
        centroids = {g: centroid([after[i] for i in ids]) for g, ids in members.items()}
        nearest_own = sum(
            min(centroids, key=lambda g: math.dist(centroids[g], (b["x"], b["y"]))) == b["group"]
            for b in after.values()
        )  # fmt: skip
        assert nearest_own >= 0.9 * N_MOVIES, mode
        for label in labels:  # each label sits above its cluster
            cx, cy = centroids[label["group"]]
            assert label["y"] < cy and abs(label["x"] - cx) < 120, (mode, label)
        session.screenshot(f"chart-by-{mode}", full_page=False)
        before = after
    session.assert_clean()


def test_hover_shows_the_movie_card(still_session: BrowserSession, api: Api) -> None:
    page = still_session.open_chart()
    movie = api.find(vibe_score=lambda s: s is not None, platforms=lambda p: len(p) == 2)
    bubble(page, movie["id"]).hover()
    card = page.locator("#hovercard")
    expect(card).to_be_visible()
    expect(card.locator(".hovercard-title")).to_have_text(movie["title"])
    expect(card).to_contain_text(f"Genre: {movie['primary_genre']}")
    expect(card).to_contain_text(f"Vibe score: {movie['vibe_score']}/10")
    expect(card).to_contain_text(f"Platform: {', '.join(movie['platforms'])}")
    still_session.screenshot("hover-card", full_page=False)
    other = api.find(vibe_score=None, platforms=[])
    bubble(page, other["id"]).hover()
    expect(card.locator(".hovercard-title")).to_have_text(other["title"])
    expect(card).to_contain_text("Vibe score: not scored")
    expect(card).to_contain_text("Platform: not streaming")
    page.mouse.move(2, 2)
    expect(card).to_be_hidden()
    still_session.assert_clean()


def check_detail(page: Page, detail: dict[str, Any]) -> None:
    """The detail page shows every field of the API's detail document."""
    article = page.locator("article.detail")
    expect(article.locator("h2")).to_have_text(detail["title"])
    expect(article.locator(".overview")).to_have_text(detail["overview"])
    if detail["poster_path"]:
        expect(article.locator(".poster-path")).to_have_text(detail["poster_path"])
    provider = detail["provider"]
    for name in AI_FIELDS:
        badge = article.locator(f"[data-field='{name}'] h3 .ai-badge")
        expect(badge).to_have_text(f"AI-generated · {provider}")
    expect(article.locator("[data-field='summary'] .summary")).to_have_text(detail["summary"])
    expect(article.locator("[data-field='vibe-score'] .score")).to_have_text(
        f"{detail['vibe_score']}/10"
    )
    expect(article.locator("[data-field='vibe-tags'] li")).to_have_text(detail["vibe_tags"])
    expect(article.locator("[data-field='llm-genres'] li")).to_have_text(detail["llm_genres"])
    lineage = detail["lineage"]
    model = f"{lineage['model_name']} {lineage['model_version']}"
    expect(article.locator("[data-field='predicted-genres'] h3 .ai-badge")).to_have_text(
        f"AI-generated · {model}"
    )
    rows = article.locator("table.probabilities tbody tr")
    expect(rows).to_have_count(len(detail["genre_probabilities"]))
    for row, prob in zip(rows.all(), detail["genre_probabilities"], strict=True):
        expect(row.locator("th")).to_have_text(prob["genre"])
        expect(row.locator("td.num")).to_have_text(f"{round(prob['probability'] * 100)}%")
    reviews = article.locator("li.review")
    expect(reviews).to_have_count(len(detail["reviews"]))
    for item, review in zip(reviews.all(), detail["reviews"], strict=True):
        expect(item.locator(".review-excerpt")).to_have_text(review["excerpt"])
        link = item.locator("a")
        if review["url"] and review["url"].startswith("https://"):
            expect(link).to_have_attribute("href", review["url"])
        else:
            expect(link).to_have_count(0)  # no link for a missing or non-http URL
    facts = article.locator("[data-field='lineage'] dd")
    expect(facts.nth(0)).to_have_text(lineage["data_version"])
    expect(facts.nth(1)).to_have_text(lineage["model_name"])
    expect(facts.nth(3)).to_have_text(lineage["prompt_version"])
    expect(facts.nth(4)).to_have_text(lineage["provider"])


def test_click_opens_the_detail_page(still_session: BrowserSession, api: Api) -> None:
    page = still_session.open_chart()
    for provider in ("embedded", "openai-compat"):
        movie = api.find(provider=provider, poster_path=lambda p: p is not None,
                         title=lambda t: "<" not in t)  # fmt: skip
        bubble(page, movie["id"]).click()
        expect(page).to_have_url(f"{api.base_url}/#/movie/{movie['id']}")
        detail = api.movie(movie["id"])
        assert detail["reviews"] and detail["genre_probabilities"]
        check_detail(page, detail)
        still_session.screenshot(f"detail-{provider}")
        page.click("a.back")
        still_session.wait_settled()
        expect(page.locator("#view-chart")).to_be_visible()
        # Focus returns to the bubble that was opened.
        assert page.evaluate("document.activeElement.dataset.id") == str(movie["id"])
    still_session.assert_clean()


def test_unenriched_movie_says_so_and_has_no_enrichment_markers(
    still_session: BrowserSession, api: Api
) -> None:
    movie = api.find(is_enriched=False)
    page = still_session.page
    page.goto(f"/#/movie/{movie['id']}")
    article = page.locator("article.detail")
    expect(article.locator("h2")).to_have_text(movie["title"])
    expect(article.locator("[data-field='enrichment'] .notice")).to_contain_text("Not enriched yet")
    for name in AI_FIELDS:
        expect(article.locator(f"[data-field='{name}']")).to_have_count(0)
    expect(article.locator(".ai-badge")).to_have_count(1)  # only the model's predictions
    still_session.assert_clean()


def test_without_a_model_the_detail_page_says_there_are_no_predictions(
    browser: Browser, bare_api: Api
) -> None:
    opened = BrowserSession(browser, bare_api.base_url, viewport={"width": 1024, "height": 800},
                            reduced_motion="reduce")  # fmt: skip
    try:
        page = opened.open_chart()
        assert len(bubbles(page)) == len(bare_api.movies) == 8
        enriched = bare_api.find(is_enriched=True)
        page.goto(f"/#/movie/{enriched['id']}")
        article = page.locator("article.detail")
        expect(article.locator("[data-field='predicted-genres'] .notice")).to_contain_text(
            "No genre predictions"
        )
        expect(article.locator("[data-field='predicted-genres'] .ai-badge")).to_have_count(0)
        expect(article.locator(".ai-badge")).to_have_count(len(AI_FIELDS))
        expect(article.locator("[data-field='lineage'] dd").nth(1)).to_have_text(
            "no model published"
        )
        opened.screenshot("detail-no-model")
        opened.assert_clean()
    finally:
        opened.close()


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "without-csp"])
def test_injection_payloads_render_as_text(browser: Browser, api: Api, bypass_csp: bool) -> None:
    """Rendered as text even with the CSP switched off: the CSP is a second line, not the first."""
    opened = BrowserSession(browser, api.base_url, viewport={"width": 1280, "height": 900},
                            bypass_csp=bypass_csp, reduced_motion="reduce")  # fmt: skip
    page = opened.page
    try:
        opened.open_chart()
        xss = api.find(title=XSS_TITLE)
        assert XSS_TITLE in bubble(page, xss["id"]).get_attribute("aria-label")
        bubble(page, xss["id"]).hover()
        expect(page.locator("#hovercard .hovercard-title")).to_have_text(XSS_TITLE)
        expect(page.locator("#hovercard")).to_contain_text(XSS_PLATFORM)
        page.click(".toolbar button[data-mode='platform']")
        opened.wait_settled("platform")
        label = page.locator(f"svg.chart text.cluster-label[data-group='{XSS_PLATFORM}']")
        expect(label).to_have_count(1)
        assert (label.text_content() or "").startswith(XSS_PLATFORM[:8])
        bubble(page, xss["id"]).click()
        article = page.locator("article.detail")
        expect(article.locator("h2")).to_have_text(XSS_TITLE)
        expect(article.locator(".overview")).to_have_text(XSS_OVERVIEW)
        expect(article.locator("[data-field='summary'] .summary")).to_have_text(XSS_SUMMARY)
        excerpts = article.locator(".review-excerpt")
        expect(excerpts.first).to_have_text(XSS_REVIEW)
        expect(article.locator("li.review a")).to_have_count(0)  # javascript: URLs are not links
        page.wait_for_timeout(300)  # give an injected handler time to run, were there one
        assert page.evaluate("typeof window.__xss") == "undefined"
        # No element came out of the payloads: the only image-like or script nodes are the app's.
        assert page.locator("img").count() == 0
        assert page.locator("body script").count() == 0
        assert XSS_IMG in page.locator("body").inner_text()
        opened.screenshot(f"xss-detail-{'nocsp' if bypass_csp else 'csp'}")
        opened.assert_clean()
    finally:
        opened.close()


def test_phone_width_has_no_horizontal_overflow(browser: Browser, api: Api) -> None:
    opened = BrowserSession(browser, api.base_url, viewport={"width": 375, "height": 740},
                            is_mobile=True, has_touch=True, reduced_motion="reduce")  # fmt: skip
    page = opened.page
    try:
        opened.open_chart()
        width = page.evaluate("window.innerWidth")
        assert width == 375
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        drawn = bubbles(page)
        assert len(drawn) == N_MOVIES
        svg_width = float(page.locator("svg.chart").get_attribute("width") or 0)
        assert svg_width <= width
        assert all(
            b["x"] - b["r"] >= -0.5 and b["x"] + b["r"] <= svg_width + 0.5 for b in drawn.values()
        )
        opened.screenshot("phone-chart")
        page.locator(".toolbar button[data-mode='tag']").tap()
        opened.wait_settled("tag")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        opened.screenshot("phone-chart-by-tag")
        xss = api.find(title=XSS_TITLE)  # the longest unbroken strings of the dataset
        page.goto(f"/#/movie/{xss['id']}")
        expect(page.locator("article.detail h2")).to_have_text(XSS_TITLE)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        opened.screenshot("phone-detail")
        opened.assert_clean()
    finally:
        opened.close()


def test_keyboard_reaches_a_bubble_and_opens_it(still_session: BrowserSession, api: Api) -> None:
    page = still_session.open_chart()
    focused = None
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(e => e.matches('circle.bubble') ? e.dataset.id : null)(document.activeElement)"
        )
        if focused:
            break
    assert focused is not None, "Tab never reached a bubble"
    # The focus is visible (a thick orange ring) and the card shows the focused movie.
    stroke = page.evaluate("getComputedStyle(document.activeElement).stroke")
    width = page.evaluate("getComputedStyle(document.activeElement).strokeWidth")
    assert stroke == "rgb(255, 138, 0)" and width == "4px"
    ring = page.locator("svg.chart circle.focus-ring")
    expect(ring).to_have_attribute("visibility", "visible")
    target = bubble(page, int(focused))
    assert ring.get_attribute("cx") == target.get_attribute("cx")
    assert float(ring.get_attribute("r") or 0) > float(target.get_attribute("r") or 0)
    title = {m["id"]: m["title"] for m in api.movies}
    expect(page.locator("#hovercard .hovercard-title")).to_have_text(title[int(focused)])
    still_session.screenshot("keyboard-focus", full_page=False)
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("document.activeElement.dataset.id")
    assert moved and moved != focused
    # Only one bubble is in the Tab order (roving tabindex), and it follows the arrow keys.
    assert page.locator("circle.bubble[tabindex='0']").count() == 1
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{api.base_url}/#/movie/{moved}")
    expect(page.locator("article.detail h2")).to_have_text(title[int(moved)])
    assert page.evaluate("document.activeElement.tagName") == "H2"
    page.go_back()
    still_session.wait_settled()
    assert page.evaluate("document.activeElement.dataset.id") == moved
    page.keyboard.press(" ")
    expect(page).to_have_url(f"{api.base_url}/#/movie/{moved}")
    still_session.assert_clean()


def test_governance_pages_show_the_published_documents(
    still_session: BrowserSession, api: Api
) -> None:
    page = still_session.page
    page.goto("/#/model-card")
    # The page is drawn in one go once both cards have answered.
    expect(page.locator("#view-panel h2")).to_have_text(["Model card", "Enrichment card"])
    card = api.get("/api/model-card").json()
    assert card["decision"] is not None and card["card_source"] != "summary"
    facts = page.locator("#view-panel dl.facts").first.locator("dd")
    expect(facts.nth(0)).to_have_text(card["model_name"])
    expect(facts.nth(1)).to_have_text(card["model_version"])
    expect(facts.nth(4)).to_have_text(card["card_source"])
    model = page.locator("[data-card='model']")
    expect(model.locator(".card-section")).to_have_count(len(card["card"]))
    expect(model.locator("[data-key='intended_use']")).to_contain_text(card["card"]["intended_use"])
    expect(model.locator("[data-key='reproduce']")).to_contain_text(card["card"]["reproduce"])
    decision = page.locator(".decision")
    expect(decision).to_have_attribute("data-decision", "promote")
    expect(decision).to_contain_text(f"{len(GATE_CHECKS)} of {len(GATE_CHECKS)} checks passed")
    expect(decision.locator("tbody tr")).to_have_count(len(GATE_CHECKS))
    expect(decision.locator("tbody tr").first).to_contain_text(str(GATE_CHECKS[0]["name"]))
    expect(page.locator("details.markdown pre")).to_have_text(card["markdown"].strip())
    enrichment = page.locator("[data-card='enrichment']")
    expect(enrichment.locator("[data-key='provider']")).to_contain_text("embedded")
    expect(enrichment.locator("[data-key='failure_modes']")).to_contain_text(
        ENRICHMENT_CARD["failure_modes"][0]
    )
    still_session.screenshot("model-card")
    page.goto("/#/mltestscore")
    expect(page.locator("#view-panel h2")).to_have_text("ML Test Score")
    score = api.get("/api/mltestscore").json()
    expect(page.locator(".final-score strong")).to_have_text(f"{score['final']:g}")
    sections = page.locator("#view-panel .score-section")
    expect(sections).to_have_count(len(MLTESTSCORE["sections"]))
    for name, section in score["sections"].items():
        block = page.locator(f"[data-section='{name}']")
        expect(block.locator(".section-score")).to_have_text(f"{section['score']:g}")
        expect(block.locator("tbody tr")).to_have_count(len(section["tests"]))
        for row, test in zip(block.locator("tbody tr").all(), section["tests"], strict=True):
            expect(row.locator("td").nth(0)).to_have_text(test["id"])
            expect(row.locator("td").nth(3)).to_have_text("yes" if test["automated"] else "no")
    still_session.screenshot("mltestscore")
    page.goto("/#/drift")
    expect(page.locator("#view-panel h2")).to_have_text("Data drift")
    expect(page.locator(".drift-share")).to_have_text("37.5%")
    expect(page.locator(".drifted-columns")).to_have_text(
        ", ".join(DRIFT_SUMMARY["drifted_columns"])
    )
    link = page.get_by_role("link", name="Open the drift dashboard (Evidently)")
    expect(link).to_have_attribute("href", str(DRIFT_SUMMARY["dashboard_url"]))
    still_session.screenshot("drift")
    still_session.assert_clean()


def test_governance_pages_say_what_is_not_available(browser: Browser, bare_api: Api) -> None:
    """Nothing published: each page names the missing document and the API's reason."""
    opened = BrowserSession(browser, bare_api.base_url, viewport={"width": 1024, "height": 800},
                            reduced_motion="reduce")  # fmt: skip
    page = opened.page
    try:
        page.goto("/#/model-card")
        expect(page.locator("#view-panel h2")).to_have_text(["Model card", "Enrichment card"])
        card = bare_api.get("/api/model-card").json()
        assert card["model_name"] is None and card["missing"]
        expect(page.locator("#view-panel dl.facts dd").first).to_have_text("no model published")
        for kind, reason in card["missing"].items():
            expect(page.locator(f"[data-missing='{kind}']")).to_contain_text(reason)
        for path, what, view in (("/api/enrichment-card", "The enrichment card", "/#/model-card"),
                                 ("/api/mltestscore", "The ML Test Score", "/#/mltestscore"),
                                 ("/api/drift", "The drift summary", "/#/drift")):  # fmt: skip
            response = bare_api.get(path)
            assert response.status_code == 404
            page.goto(view)
            message = page.locator("#view-panel .unavailable", has_text=what)
            expect(message).to_have_attribute("data-status", "404")
            expect(message).to_contain_text(f"{what} is not available (HTTP 404): "
                                            f"{response.json()['detail']}")  # fmt: skip
        opened.screenshot("drift-not-available")
        opened.assert_clean(allow_http_errors=True)
    finally:
        opened.close()
