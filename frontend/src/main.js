// Entry point: loads the movies, draws the chart and routes between the pages by location hash
// (#/ chart, #/movie/<id> detail, #/model-card, #/mltestscore, #/drift).
import "./styles.css";

import { fetchAllMovies, fetchMovie } from "./api.js";
import { createChart } from "./chart.js";
import { renderDetail } from "./detail.js";
import { el } from "./dom.js";
import { GROUPINGS, MISSING } from "./logic.js";
import { renderDrift, renderModelCard, renderTestScore } from "./panels.js";
import { parseRoute, routeHash } from "./routes.js";

const views = {
  chart: document.getElementById("view-chart"),
  detail: document.getElementById("view-detail"),
  panel: document.getElementById("view-panel"),
};
const status = document.getElementById("chart-status");
let chart = null;
let lastOpened = null; // the movie whose detail was opened, to refocus its bubble on return
let loadGeneration = 0;

function show(name) {
  for (const [key, node] of Object.entries(views)) node.hidden = key !== name;
  for (const link of document.querySelectorAll("nav.site-nav a")) {
    const current = parseRoute(link.getAttribute("href")).name === currentRouteName();
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function currentRouteName() {
  const route = parseRoute(window.location.hash);
  return route.name === "movie" ? "chart" : route.name;
}

function buildToolbar(container) {
  const toolbar = el("div", { class: "toolbar", attrs: { role: "toolbar", "aria-label": "Group the bubbles by" } });
  for (const { mode, label } of GROUPINGS) {
    toolbar.append(el("button", {
      class: "group-button",
      text: label,
      attrs: { type: "button", "data-mode": mode, "aria-pressed": mode === "all" ? "true" : "false" },
      on: {
        click: (event) => {
          for (const b of toolbar.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === event.currentTarget));
          chart.setGrouping(mode);
        },
      },
    }));
  }
  container.prepend(toolbar);
}

function buildLegend(container, movies) {
  const counts = new Map();
  for (const m of movies) {
    const key = m.primary_genre || MISSING.genre;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const items = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([genre, n]) => {
    const swatch = el("span", { class: "swatch", attrs: { "aria-hidden": "true" } });
    swatch.style.backgroundColor = chart.colour(genre); // CSSOM: allowed by the CSP, unlike style=""
    return el("li", {}, swatch, `${genre} (${n})`);
  });
  const unscored = el("span", { class: "swatch swatch-unscored", attrs: { "aria-hidden": "true" } });
  container.replaceChildren(
    el("h2", { class: "legend-title", text: "Colour: primary genre · area: AI vibe score" }),
    el("ul", { class: "legend-items" }, items, el("li", {}, unscored, "dashed: not scored yet")),
  );
}

async function loadChart() {
  const generation = ++loadGeneration;
  status.textContent = "Loading movies…";
  let movies;
  try {
    movies = await fetchAllMovies();
  } catch (error) {
    if (generation !== loadGeneration) return;
    status.textContent = `The movies could not be loaded: ${error.message}`;
    document.body.setAttribute("data-load", "error");
    return;
  }
  if (!movies.length) {
    status.textContent = "No movies are published yet: run the publish stage.";
    document.body.setAttribute("data-load", "empty");
    return;
  }
  const area = document.getElementById("chart-area");
  chart = createChart(area, {
    onOpen: (id) => { window.location.hash = routeHash("movie", id); },
    onStatus: (text) => { status.textContent = text; },
  });
  buildToolbar(area);
  chart.setMovies(movies);
  buildLegend(document.getElementById("legend"), movies);
  document.body.setAttribute("data-load", "ready");
}

async function openDetail(id) {
  lastOpened = id;
  const view = views.detail;
  view.replaceChildren(el("p", { class: "muted", attrs: { role: "status" }, text: "Loading the movie…" }));
  const result = await fetchMovie(id);
  if (parseRoute(window.location.hash).id !== id) return; // navigated away meanwhile
  if (!result.ok) {
    view.replaceChildren(
      el("p", {}, el("a", { class: "back", attrs: { href: routeHash("chart") }, text: "← Back to the chart" })),
      el("h2", { attrs: { tabindex: -1 }, text: result.status === 404 ? "Movie not found" : "The movie could not be loaded" }),
      el("p", { class: "notice", text: result.detail }),
    );
  } else {
    view.replaceChildren(renderDetail(result.data));
    document.title = `${result.data.title} · Trending Now`;
  }
  view.querySelector("h2")?.focus();
}

async function route() {
  const r = parseRoute(window.location.hash);
  document.title = "Trending Now";
  if (r.name === "movie") {
    show("detail");
    window.scrollTo(0, 0);
    await openDetail(r.id);
    return;
  }
  if (r.name === "chart") {
    show("chart");
    if (lastOpened !== null && chart) chart.focusMovie(lastOpened);
    lastOpened = null;
    return;
  }
  show("panel");
  const render = { model: renderModelCard, tests: renderTestScore, drift: renderDrift }[r.name];
  await render(views.panel);
  views.panel.querySelector("h2")?.focus();
}

window.addEventListener("hashchange", () => { route(); });
route();
loadChart();
