// Entry point: loads the movies, mounts the chart view with the accessors it draws by, and routes
// between the pages by location hash (#/ chart, #/movie/<id> detail, #/model-card,
// #/mltestscore, #/drift; see routes.js).
import "./styles.css";

import { fetchAllMovies } from "./api.js";
import { colourBy } from "./charts/palette.js";
import { GROUPINGS, MISSING } from "./groupings.js";
import { parseRoute, routeHash } from "./routes.js";
import { mountChartView } from "./views/chartView.js";
import { showMovie } from "./views/detail.js";
import { renderDrift, renderModelCard, renderTestScore } from "./views/panels.js";

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
  const nodes = { area: document.getElementById("chart-area"), legend: document.getElementById("legend") };
  chart = mountChartView(nodes, movies, {
    id: (m) => m.id,
    score: (m) => m.vibe_score,
    colour: colourBy(movies, (m) => m.primary_genre),
    legendKey: (m) => m.primary_genre || MISSING.genre,
    groupings: GROUPINGS,
    onOpen: (m) => { window.location.hash = routeHash("movie", m.id); },
    onStatus: (text) => { status.textContent = text; },
  });
  document.body.setAttribute("data-load", "ready");
}

async function openDetail(id) {
  lastOpened = id;
  const isCurrent = () => parseRoute(window.location.hash).id === id; // not navigated away meanwhile
  const movie = await showMovie(views.detail, id, { isCurrent });
  if (!isCurrent()) return;
  if (movie) document.title = `${movie.title} · Trending Now`;
  views.detail.querySelector("h2")?.focus();
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
    if (lastOpened !== null && chart) chart.highlight(lastOpened);
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
