// The bubble chart: one circle per movie, area by vibe score, colour by primary genre, pulled by
// a force simulation into one cluster per group; regrouping moves the bubbles to new clusters.
// `transition` is imported by name: d3's package is marked side-effect free, so a bundler drops
// d3-transition (which adds selection.transition) unless something from it is used.
import {
  forceCollide,
  forceSimulation,
  forceX,
  forceY,
  scaleOrdinal,
  schemeDark2,
  schemeTableau10,
  select,
  transition,
} from "d3";

import { el } from "./dom.js";
import { formatPlatforms, formatScore } from "./format.js";
import {
  clusterCentres,
  GROUPINGS,
  groupMovies,
  MISSING,
  radiusScale,
  sizeScore,
  stackCells,
} from "./logic.js";

const UNKNOWN_COLOUR = "#8a8f98";
const PALETTE = [...schemeTableau10, ...schemeDark2, "#1f78b4", "#b15928", "#6a3d9a"];
const LABEL_SPACE = 26; // px above each cluster for its label
const ALPHA_MIN = 0.005;
const ALPHA_DECAY = 0.05; // ~105 ticks (under 2 s) from alpha 1 to rest
const PULL = 0.1; // strength of the pull towards the cluster centre
const RELAX_TICKS = 25;

const NARROW = 600; // px: below this (phones), clusters stack in one column
const NARROW_K = 2.4; // on phones, rows leave room for bubbles of radius 2.4 * sqrt(score) px
const DISC_FILL = 0.45; // bubbles cover at most this share of the disc that fits their cell

/**
 * The cells of a grouping's clusters and the chart height. Wide screens: a grid in a fixed
 * height. Narrow screens: one column, each row as tall as its cluster needs, so 600 bubbles stay
 * tappable-sized; the page then scrolls down, never sideways.
 */
function gridFor(groups, sums, width) {
  if (width >= NARROW) {
    const height = Math.round(Math.min(780, Math.max(480, width * 0.62)));
    return { cells: clusterCentres(groups.length, width, height), height };
  }
  return stackCells(groups.map((g) => sums.get(g.key) || 0), width,
    { k: NARROW_K, fill: DISC_FILL, label: LABEL_SPACE, minHeight: 480 });
}

/** The total size score of each group's movies (what its bubbles' areas add up to). */
function scoreSums(movies, grouping) {
  const sums = new Map();
  for (const m of movies) {
    const key = grouping.byId.get(m.id);
    sums.set(key, (sums.get(key) || 0) + sizeScore(m));
  }
  return sums;
}

function reducedMotion() {
  return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** Ellipsis-truncate a label to about `maxChars` characters. */
function truncate(text, maxChars) {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/**
 * Create the chart in `container`. `onOpen(id)` is called when a bubble is clicked or activated
 * with Enter/Space. Returns {setMovies, setGrouping, focusMovie, colour}.
 */
export function createChart(container, { onOpen, onStatus }) {
  const wrap = el("div", { class: "chart-wrap" });
  container.append(wrap);
  const svg = select(wrap)
    .append("svg")
    .attr("class", "chart")
    .attr("role", "group")
    .attr("aria-label", "Bubble chart of trending movies")
    .attr("data-state", "empty");
  const bubbleLayer = svg.append("g").attr("class", "bubbles");
  const labelLayer = svg.append("g").attr("class", "cluster-labels").attr("aria-hidden", "true");
  // A ring around the keyboard-focused bubble: small bubbles need more than their own stroke.
  const ring = svg.append("circle").attr("class", "focus-ring").attr("aria-hidden", "true")
    .attr("r", 0).attr("visibility", "hidden");
  let ringNode = null;
  const card = el("div", { class: "hovercard", attrs: { role: "tooltip", id: "hovercard", hidden: true } });
  wrap.append(card);

  // Genres most common first get the first palette colours; a movie without one is grey.
  const palette = scaleOrdinal().range(PALETTE);
  const colour = (genre) => (genre && genre !== MISSING.genre ? palette(genre) : UNKNOWN_COLOUR);
  let movies = [];
  let nodes = [];
  let mode = "all";
  let grouping = { groups: [], byId: new Map() };
  let width = 0;
  let height = 0;
  let activeId = null; // the bubble that Tab reaches (roving tabindex)
  let lastWidth = 0; // the width last drawn at: a resize to another width redraws

  const simulation = forceSimulation()
    .alphaMin(ALPHA_MIN)
    .alphaDecay(ALPHA_DECAY)
    .velocityDecay(0.35)
    .on("tick", ticked)
    .on("end", () => {
      relax();
      svg.attr("data-state", "settled");
    })
    .stop();

  /**
   * At rest, the pull towards the centres still squeezes big clusters a little: a few ticks of
   * collision alone push overlapping bubbles apart (a move of a pixel or two), then draw.
   */
  function relax() {
    const pullX = simulation.force("x");
    const pullY = simulation.force("y");
    simulation.force("x", null).force("y", null).alpha(ALPHA_MIN);
    for (let i = 0; i < RELAX_TICKS; i += 1) simulation.tick();
    simulation.force("x", pullX).force("y", pullY);
    ticked();
  }

  function ticked() {
    // Keep every bubble inside the drawing (phones have little room around the clusters).
    for (const d of nodes) {
      d.x = Math.min(width - d.r - 1, Math.max(d.r + 1, d.x));
      d.y = Math.min(height - d.r - 1, Math.max(d.r + 1 + LABEL_SPACE / 2, d.y));
    }
    bubbleLayer
      .selectAll("circle.bubble")
      .attr("cx", (d) => d.x.toFixed(1))
      .attr("cy", (d) => d.y.toFixed(1));
    placeRing();
  }

  function placeRing() {
    if (ringNode === null) {
      ring.attr("visibility", "hidden");
      return;
    }
    ring.attr("visibility", "visible").attr("cx", ringNode.x.toFixed(1)).attr("cy", ringNode.y.toFixed(1))
      .attr("r", (ringNode.r + 5).toFixed(1));
  }

  function measure() {
    width = Math.max(280, Math.floor(wrap.clientWidth || container.clientWidth || 320));
    lastWidth = Math.floor(wrap.clientWidth);
  }

  /** The cells of a grouping at the current width: {cells, height}. */
  function cellsOf(g) {
    return gridFor(g.groups, scoreSums(movies, g), width);
  }

  /**
   * The radius function: sizes fit every cluster of every grouping in its cell, so bubbles keep
   * their size when regrouped; the one-cluster view sets the overall density.
   */
  function radiusFunction() {
    const clusters = [];
    let allHeight = 0;
    for (const { mode: m } of GROUPINGS) {
      const g = m === mode ? grouping : groupMovies(movies, m);
      const { cells, height: h } = cellsOf(g);
      if (m === "all") allHeight = h;
      // A cluster settles as a disc: its bubbles must fit the largest disc its cell holds.
      g.groups.forEach((group, i) => clusters.push({
        movies: movies.filter((movie) => g.byId.get(movie.id) === group.key),
        area: (Math.PI / 4) * Math.min(cells[i].cellWidth, cells[i].cellHeight - LABEL_SPACE) ** 2,
      }));
    }
    return radiusScale(movies, width, allHeight, { clusters, clusterFill: DISC_FILL });
  }

  function render(animate) {
    measure();
    const radius = radiusFunction();
    const { cells, height: h } = cellsOf(grouping);
    height = h;
    svg.attr("width", width).attr("height", height).attr("viewBox", `0 0 ${width} ${height}`);
    const centres = new Map(grouping.groups.map((g, i) => [g.key, { ...cells[i], ...g }]));
    for (const node of nodes) {
      node.r = radius(node.movie);
      node.group = grouping.byId.get(node.id);
      const c = centres.get(node.group);
      node.cx = c.x;
      node.cy = c.y + LABEL_SPACE / 2;
      if (node.x === undefined) {
        // Start on a small spiral around the cluster centre (deterministic, no overlap at t=0).
        const a = node.index * 2.399963;
        const d = 4 * Math.sqrt(node.index + 1);
        node.x = node.cx + d * Math.cos(a);
        node.y = node.cy + d * Math.sin(a);
      }
    }
    drawLabels(centres, animate);
    drawBubbles(animate);
    orderForKeyboard();
    simulation
      .nodes(nodes)
      .force("x", forceX((d) => d.cx).strength(PULL))
      .force("y", forceY((d) => d.cy).strength(PULL))
      .force("collide", forceCollide((d) => d.r + 0.75).iterations(3));
    svg.attr("data-state", "moving").attr("data-group-by", mode);
    if (animate && !reducedMotion()) {
      simulation.alpha(1).restart();
    } else {
      simulation.alpha(1).stop();
      while (simulation.alpha() > ALPHA_MIN) simulation.tick();
      relax();
      svg.attr("data-state", "settled");
    }
    onStatus?.(`${movies.length} movies · ${grouping.groups.length} ${grouping.groups.length === 1 ? "cluster" : "clusters"}`);
  }

  function drawLabels(centres, animate) {
    const duration = animate && !reducedMotion() ? 600 : 0;
    labelLayer
      .selectAll("text.cluster-label")
      .data([...centres.values()], (d) => d.key)
      .join(
        (enter) => enter.append("text").attr("class", "cluster-label").attr("opacity", 0)
          .attr("x", (d) => d.x).attr("y", (d) => d.y - d.cellHeight / 2 + LABEL_SPACE - 8),
        (update) => update,
        (exit) => exit.transition(transition().duration(duration)).attr("opacity", 0).remove(),
      )
      .attr("data-group", (d) => d.key)
      .attr("data-count", (d) => d.count)
      .text((d) => truncate(`${d.key} (${d.count})`, Math.max(8, Math.floor(d.cellWidth / 7.5))))
      .transition(transition().duration(duration))
      .attr("opacity", 1)
      .attr("x", (d) => d.x)
      .attr("y", (d) => d.y - d.cellHeight / 2 + LABEL_SPACE - 8);
  }

  function drawBubbles(animate) {
    const duration = animate && !reducedMotion() ? 500 : 0;
    bubbleLayer
      .selectAll("circle.bubble")
      .data(nodes, (d) => d.id)
      .join((enter) => enter.append("circle").attr("r", 0).call(bindEvents))
      .attr("class", (d) => (d.movie.vibe_score === null ? "bubble unscored" : "bubble"))
      .attr("fill", (d) => colour(d.movie.primary_genre))
      .attr("data-id", (d) => d.id)
      .attr("data-group", (d) => d.group)
      .attr("data-genre", (d) => d.movie.primary_genre || "")
      .attr("data-score", (d) => d.movie.vibe_score ?? "")
      .attr("role", "button")
      .attr("aria-label", (d) => describe(d.movie))
      .attr("aria-describedby", "hovercard")
      .transition(transition().duration(duration))
      .attr("r", (d) => d.r.toFixed(1));
  }

  function bindEvents(selection) {
    selection
      .on("pointerenter", (event, d) => showCard(d))
      .on("pointerleave", () => hideCard())
      .on("focus", (event, d) => {
        ringNode = event.currentTarget.matches(":focus-visible") ? d : null;
        placeRing();
        setActive(d.id);
        showCard(d);
      })
      .on("blur", () => {
        ringNode = null;
        placeRing();
        hideCard();
      })
      .on("click", (event, d) => onOpen(d.id))
      .on("keydown", (event, d) => onKey(event, d));
  }

  function onKey(event, d) {
    if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
      event.preventDefault();
      onOpen(d.id);
      return;
    }
    if (event.key === "Escape") {
      hideCard();
      return;
    }
    const order = keyboardOrder();
    const at = order.indexOf(d);
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    if (!(event.key in moves) || at === -1) return;
    event.preventDefault();
    const step = moves[event.key];
    const next = step === -Infinity ? 0 : step === Infinity ? order.length - 1
      : Math.min(order.length - 1, Math.max(0, at + step));
    focusMovie(order[next].id);
  }

  /** Bubbles in keyboard order: cluster by cluster, each in trending order. */
  function keyboardOrder() {
    const rank = new Map(grouping.groups.map((g, i) => [g.key, i]));
    return [...nodes].sort((a, b) => rank.get(a.group) - rank.get(b.group) || a.index - b.index);
  }

  function orderForKeyboard() {
    const order = keyboardOrder();
    // DOM order = keyboard order, so screen readers browse the clusters the way they look.
    // Moving a focused element drops its focus: give it back afterwards.
    const layer = bubbleLayer.node();
    const focused = layer.contains(document.activeElement) ? document.activeElement : null;
    const circles = new Map([...layer.children].map((c) => [c.getAttribute("data-id"), c]));
    const current = [...layer.children];
    if (order.some((node, i) => current[i] !== circles.get(String(node.id)))) {
      layer.append(...order.map((node) => circles.get(String(node.id))).filter(Boolean));
      if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
    }
    if (activeId === null || !nodes.some((n) => n.id === activeId)) activeId = order[0]?.id ?? null;
    setActive(activeId);
  }

  function setActive(id) {
    activeId = id;
    bubbleLayer.selectAll("circle.bubble").attr("tabindex", (d) => (d.id === id ? 0 : -1));
  }

  function focusMovie(id) {
    const circle = bubbleLayer.select(`circle[data-id="${id}"]`).node();
    if (!circle) return false;
    setActive(id);
    circle.focus();
    return true;
  }

  function showCard(d) {
    const m = d.movie;
    card.replaceChildren(
      el("strong", { class: "hovercard-title", text: m.title }),
      el("span", { class: "hovercard-row", text: `Genre: ${m.primary_genre || "unknown"}` }),
      el("span", { class: "hovercard-row", text: `Vibe score: ${formatScore(m.vibe_score)}` }),
      el("span", { class: "hovercard-row", text: `Platform: ${formatPlatforms(m.platforms)}` }),
    );
    card.hidden = false;
    const cardWidth = card.offsetWidth;
    const left = d.x + d.r + 10 + cardWidth > width ? Math.max(4, d.x - d.r - 10 - cardWidth) : d.x + d.r + 10;
    card.style.left = `${Math.round(left)}px`;
    card.style.top = `${Math.round(Math.max(4, Math.min(height - card.offsetHeight - 4, d.y - 20)))}px`;
  }

  function hideCard() {
    card.hidden = true;
  }

  function setMovies(list) {
    const previous = new Map(nodes.map((n) => [n.id, n]));
    movies = list;
    nodes = list.map((movie, index) => ({ ...(previous.get(movie.id) || {}), id: movie.id, index, movie }));
    const counts = new Map();
    for (const m of list) if (m.primary_genre) counts.set(m.primary_genre, (counts.get(m.primary_genre) || 0) + 1);
    palette.domain([...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || a.localeCompare(b)));
    grouping = groupMovies(movies, mode);
    render(true);
  }

  function setGrouping(next) {
    mode = next;
    grouping = groupMovies(movies, mode);
    hideCard();
    render(true);
  }

  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const w = Math.floor(wrap.clientWidth);
      if (w > 0 && w !== lastWidth && nodes.length) {
        lastWidth = w;
        render(true);
      }
    }, 150);
  }).observe(wrap);

  return { setMovies, setGrouping, focusMovie, colour, get mode() { return mode; } };
}

/** What a screen reader says for a bubble. */
function describe(movie) {
  return `${movie.title}; genre ${movie.primary_genre || "unknown"}; vibe score ${formatScore(movie.vibe_score)}; ${formatPlatforms(movie.platforms)}`;
}
