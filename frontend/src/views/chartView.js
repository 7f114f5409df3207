// The chart page around the bubble chart: the grouping buttons, the hover card, the keys (arrows,
// Home/End, Enter/Space, Escape), redrawing at a new width, the status line and the legend.
import { bubbleChart } from "../charts/bubbles.js";
import { el } from "../dom.js";
import { createHoverCard } from "./hovercard.js";

const MIN_WIDTH = 280; // px: narrower, the chart is drawn at this width
const RESIZE_DELAY = 150; // ms without a resize before the chart is laid out again
const MOVES = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -Infinity, End: Infinity };

function prefersReducedMotion() {
  return Boolean(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
}

/** The index `step` moves to from `at` in a list of `n`: ±1 stops at the ends, ±Infinity jumps there. */
function stepIndex(at, step, n) {
  if (step === -Infinity) return 0;
  if (step === Infinity) return n - 1;
  return Math.min(n - 1, Math.max(0, at + step));
}

function toolbar(groupings, initial, onPick) {
  const bar = el("div", { class: "toolbar", attrs: { role: "toolbar", "aria-label": "Group the bubbles by" } });
  for (const { mode, label } of groupings) {
    bar.append(el("button", {
      class: "group-button",
      text: label,
      attrs: { type: "button", "data-mode": mode, "aria-pressed": String(mode === initial) },
      on: {
        click: (event) => {
          for (const b of bar.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === event.currentTarget));
          onPick(mode);
        },
      },
    }));
  }
  return bar;
}

/** Fill `node` with the legend: one swatch per `key` (most movies first) in its bubbles' colour. */
function renderLegend(node, movies, { key, colour, title }) {
  const groups = new Map();
  for (const m of movies) {
    const k = key(m);
    const group = groups.get(k) || { first: m, count: 0 };
    group.count += 1;
    groups.set(k, group);
  }
  const items = [...groups.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .map(([k, { first, count }]) => {
      const swatch = el("span", { class: "swatch", attrs: { "aria-hidden": "true" } });
      swatch.style.backgroundColor = colour(first); // CSSOM: allowed by the CSP, unlike style=""
      return el("li", {}, swatch, `${k} (${count})`);
    });
  const unscored = el("span", { class: "swatch swatch-unscored", attrs: { "aria-hidden": "true" } });
  node.replaceChildren(
    el("h2", { class: "legend-title", text: title }),
    el("ul", { class: "legend-items" }, items, el("li", {}, unscored, "dashed: not scored yet")),
  );
}

/**
 * Mount the chart of `movies` in `area` (buttons, chart, hover card) and its legend in `legend`.
 * `groupings` (one button each) and `colour` (movie -> fill) go to the chart with `onOpen` and any
 * other bubbleChart option; `legendKey(movie)` names a movie's legend entry; `onStatus(text)`
 * hears the movie and cluster counts. Returns {highlight(id)}.
 */
export function mountChartView({ area, legend }, movies, {
  groupings, colour, legendKey, onOpen, onStatus = () => {},
  legendTitle = "Colour: primary genre · area: AI vibe score", ...chartOptions
}) {
  const wrap = el("div", { class: "chart-wrap" });
  area.append(wrap);
  const card = createHoverCard();
  const measure = () => Math.max(MIN_WIDTH, Math.floor(wrap.clientWidth || area.clientWidth || 320));
  let focused = null; // {movie, id} of the focused bubble, for the keys
  const chart = bubbleChart(movies, {
    ...chartOptions,
    groupings,
    colour,
    onOpen,
    width: measure(),
    animate: !prefersReducedMotion(),
    describedBy: card.id,
    onPointerEnter: (movie, bubble) => card.show(movie, bubble),
    onPointerLeave: () => card.hide(),
    onFocus: (movie, bubble) => {
      focused = { movie, id: bubble.id };
      card.show(movie, bubble);
    },
    onBlur: () => {
      focused = null;
      card.hide();
    },
    onLayout: (clusters) => {
      onStatus(`${movies.length} movies · ${clusters.length} ${clusters.length === 1 ? "cluster" : "clusters"}`);
    },
  });
  wrap.append(chart, card.node);
  area.prepend(toolbar(groupings, chartOptions.groupBy ?? groupings[0].mode, (mode) => {
    card.hide();
    chart.regroup(mode);
  }));
  renderLegend(legend, movies, { key: legendKey, colour, title: legendTitle });

  chart.addEventListener("keydown", (event) => {
    if (focused === null) return;
    if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
      event.preventDefault();
      onOpen(focused.movie);
      return;
    }
    if (event.key === "Escape") {
      card.hide();
      return;
    }
    const order = chart.order();
    const at = order.indexOf(focused.id);
    if (!(event.key in MOVES) || at === -1) return;
    event.preventDefault();
    chart.highlight(order[stepIndex(at, MOVES[event.key], order.length)]);
  });

  let drawnWidth = Math.floor(wrap.clientWidth); // a resize to another width lays the chart out again
  let timer = null;
  new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const w = Math.floor(wrap.clientWidth);
      if (w > 0 && w !== drawnWidth) {
        drawnWidth = w;
        chart.resize(measure());
      }
    }, RESIZE_DELAY);
  }).observe(wrap);

  return { highlight: (id) => chart.highlight(id) };
}
