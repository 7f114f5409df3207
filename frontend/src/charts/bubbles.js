// The bubble chart: one circle per movie, area by score, a colour per movie, pulled by one force
// simulation into a cluster per group. `bubbleChart(movies, options)` returns its <svg> node with
// a small handle; it neither fetches nor looks outside its own node: the view mounts it, shows the
// hover card, follows resizes and handles the keys.
// Transitions start from the selections themselves (selection.transition()), not from d3's
// document-rooted transition(): the chart is drawn before the caller puts it in the document.
// d3-transition adds selection.transition when it loads, and d3's package is marked side-effect
// free, so the bundle keeps it only because `interrupt` (used by destroy) is imported from it.
import { create, forceCollide, forceSimulation, forceX, forceY, interrupt } from "d3";

import { formatPlatforms, formatScore } from "../format.js";
import { GROUPINGS } from "../groupings.js";
import { MAX_CLUSTERS } from "./clusters.js";
import { isScored, LABEL_SPACE, layoutGroupings, wideHeight } from "./layout.js";
import { colourBy } from "./palette.js";

const ALPHA_MIN = 0.005;
const ALPHA_DECAY = 0.05; // ~105 ticks (under 2 s) from alpha 1 to rest
const PULL = 0.1; // strength of the pull towards the cluster centre
const RELAX_TICKS = 25;
const noop = () => {};

/** What a screen reader says for a movie's bubble. */
function describeMovie(movie) {
  return `${movie.title}; genre ${movie.primary_genre || "unknown"}; vibe score ${formatScore(movie.vibe_score)}; ${formatPlatforms(movie.platforms)}`;
}

/** Ellipsis-truncate a label to about `maxChars` characters. */
function truncate(text, maxChars) {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/** Put each node at its cluster of `layout` (one grouping's {clusters, byId}) with the radius of its score. */
function placeNodes(nodes, { clusters, byId }, radius) {
  const centres = new Map(clusters.map((c) => [c.key, c]));
  for (const node of nodes) {
    node.r = radius(node.score);
    node.group = byId.get(node.id);
    const c = centres.get(node.group);
    node.cx = c.x;
    node.cy = c.y + LABEL_SPACE / 2;
    if (node.x === undefined) {
      // Start on a small spiral around the cluster centre (deterministic, no overlap at t=0).
      const a = node.index * 2.399963;
      const dist = 4 * Math.sqrt(node.index + 1);
      node.x = node.cx + dist * Math.cos(a);
      node.y = node.cy + dist * Math.sin(a);
    }
  }
}

/** Nodes in keyboard order: cluster by cluster, each in the order of the movies. */
function keyboardOrder(nodes, clusters) {
  const rank = new Map(clusters.map((c, i) => [c.key, i]));
  return [...nodes].sort((a, b) => rank.get(a.group) - rank.get(b.group) || a.index - b.index);
}

/**
 * Put the circles of `layer` in keyboard order, so screen readers browse the clusters the way
 * they look. Moving a focused element drops its focus: give it back afterwards.
 */
function orderCircles(layer, order) {
  const focused = layer.querySelector(":focus");
  const circles = new Map([...layer.children].map((c) => [c.getAttribute("data-id"), c]));
  const current = [...layer.children];
  if (order.every((node, i) => current[i] === circles.get(String(node.id)))) return;
  layer.append(...order.map((node) => circles.get(String(node.id))).filter(Boolean));
  if (focused && layer.querySelector(":focus") !== focused) focused.focus({ preventScroll: true });
}

/** Draw one text label above each cluster; labels of clusters gone fade out. */
function drawLabels(layer, clusters, { clusterLabel, duration }) {
  const top = (c) => c.y - c.cellHeight / 2 + LABEL_SPACE - 8;
  layer.selectAll("text.cluster-label")
    .data(clusters, (c) => c.key)
    .join(
      (enter) => enter.append("text").attr("class", "cluster-label").attr("opacity", 0).attr("x", (c) => c.x).attr("y", top),
      (update) => update,
      (exit) => exit.transition().duration(duration).attr("opacity", 0).remove(),
    )
    .attr("data-group", (c) => c.key)
    .attr("data-count", (c) => c.count)
    .text((c) => truncate(clusterLabel(c), Math.max(8, Math.floor(c.cellWidth / 7.5))))
    .transition()
    .duration(duration)
    .attr("opacity", 1)
    .attr("x", (c) => c.x)
    .attr("y", top);
}

/**
 * At rest, the pull towards the centres still squeezes big clusters a little: a few ticks of
 * collision alone push overlapping bubbles apart (a move of a pixel or two).
 */
function relax(simulation) {
  const pullX = simulation.force("x");
  const pullY = simulation.force("y");
  simulation.force("x", null).force("y", null).alpha(ALPHA_MIN);
  for (let i = 0; i < RELAX_TICKS; i += 1) simulation.tick();
  simulation.force("x", pullX).force("y", pullY);
}

/**
 * The bubble chart of `movies`: an <svg class="chart"> node, laid out at once, with a handle:
 * regroup(mode), highlight(id), resize(width), order() and destroy(). Callbacks get (movie,
 * bubble), where bubble is {id, x, y, r, width, height} in the drawing's px.
 */
export function bubbleChart(movies, {
  width = 960, // px; the drawing is drawn at this width (resize() changes it)
  height = wideHeight, // (width) -> px at widths from narrowWidth up; narrower, as tall as the stacked clusters need
  narrowWidth = 600, // px: below it (phones), the clusters stack in one column
  id = (d) => d.id, // the key of the join: a regrouped bubble moves instead of being redrawn
  score = (d) => d.vibe_score, // bubble area is proportional to it; null: sized as a 2, dashed outline
  colour = colourBy(movies, (d) => d.primary_genre), // (movie) -> fill
  label = describeMovie, // (movie) -> the bubble's aria-label
  groupings = GROUPINGS, // [{mode, key(movie), missing, order}]: what regroup() can switch to; sizes fit them all
  groupBy = groupings[0].mode, // the grouping drawn first
  maxClusters = MAX_CLUSTERS, // beyond this, the smallest groups merge into "Other"
  clusterLabel = (c) => `${c.key} (${c.count})`, // ({key, count}) -> the text above a cluster
  ariaLabel = "Bubble chart of trending movies", // the chart's accessible name
  describedBy = null, // id of the element that describes the focused bubble (the hover card)
  animate = true, // false: lay out at once and draw the result (prefers-reduced-motion)
  onOpen = noop, // (movie, bubble): a bubble was clicked
  onFocus = noop, // (movie, bubble): a bubble got the focus (it is now the one Tab reaches)
  onBlur = noop, // (movie, bubble): a bubble lost the focus
  onPointerEnter = noop, // (movie, bubble): the pointer is over a bubble
  onPointerLeave = noop, // (movie, bubble): the pointer left it
  onLayout = noop, // (clusters: [{key, count}]): after each layout (creation, regroup, resize)
} = {}) {
  if (!groupings.some((g) => g.mode === groupBy)) throw new Error(`unknown grouping ${groupBy}`);
  const svg = create("svg").attr("class", "chart").attr("role", "group").attr("aria-label", ariaLabel)
    .attr("data-state", "empty");
  const bubbleLayer = svg.append("g").attr("class", "bubbles");
  const labelLayer = svg.append("g").attr("class", "cluster-labels").attr("aria-hidden", "true");
  // A ring around the keyboard-focused bubble: small bubbles need more than their own stroke.
  const ring = svg.append("circle").attr("class", "focus-ring").attr("aria-hidden", "true")
    .attr("r", 0).attr("visibility", "hidden");

  const nodes = movies.map((movie, index) => ({ id: id(movie), index, movie, score: score(movie) }));
  let drawWidth = width;
  let drawHeight = 0;
  let mode = groupBy;
  let layout = null; // {radius, layouts}: every grouping at the current width
  let activeId = null; // the bubble that Tab reaches (roving tabindex)
  let ringNode = null;

  const simulation = forceSimulation()
    .alphaMin(ALPHA_MIN).alphaDecay(ALPHA_DECAY).velocityDecay(0.35)
    .on("tick", ticked)
    .on("end", settled)
    .stop();

  function settled() {
    relax(simulation);
    ticked();
    svg.attr("data-state", "settled");
  }

  function ticked() {
    // Keep every bubble inside the drawing (phones have little room around the clusters).
    for (const d of nodes) {
      d.x = Math.min(drawWidth - d.r - 1, Math.max(d.r + 1, d.x));
      d.y = Math.min(drawHeight - d.r - 1, Math.max(d.r + 1 + LABEL_SPACE / 2, d.y));
    }
    bubbleLayer.selectAll("circle.bubble").attr("cx", (d) => d.x.toFixed(1)).attr("cy", (d) => d.y.toFixed(1));
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

  function bubbleOf(d) {
    return { id: d.id, x: d.x, y: d.y, r: d.r, width: drawWidth, height: drawHeight };
  }

  /** Draw the current grouping; `animated`: let the simulation run live, else settle at once. */
  function draw(animated) {
    const grouping = layout.layouts.get(mode);
    drawHeight = grouping.height;
    svg.attr("width", drawWidth).attr("height", drawHeight).attr("viewBox", `0 0 ${drawWidth} ${drawHeight}`);
    placeNodes(nodes, grouping, layout.radius);
    drawLabels(labelLayer, grouping.clusters, { clusterLabel, duration: animated ? 600 : 0 });
    drawBubbles(animated);
    const order = keyboardOrder(nodes, grouping.clusters);
    orderCircles(bubbleLayer.node(), order);
    setActive(activeId ?? order[0]?.id ?? null);
    simulation.nodes(nodes)
      .force("x", forceX((d) => d.cx).strength(PULL))
      .force("y", forceY((d) => d.cy).strength(PULL))
      .force("collide", forceCollide((d) => d.r + 0.75).iterations(3));
    svg.attr("data-state", "moving").attr("data-group-by", mode);
    if (animated) {
      simulation.alpha(1).restart();
    } else {
      simulation.alpha(1).stop();
      while (simulation.alpha() > ALPHA_MIN) simulation.tick();
      settled();
    }
    onLayout(grouping.clusters.map(({ key, count }) => ({ key, count })));
  }

  function drawBubbles(animated) {
    bubbleLayer.selectAll("circle.bubble")
      .data(nodes, (d) => d.id)
      .join((enter) => enter.append("circle").attr("r", 0).call(bindEvents))
      .attr("class", (d) => (isScored(d.score) ? "bubble" : "bubble unscored"))
      .attr("fill", (d) => colour(d.movie))
      .attr("data-id", (d) => d.id)
      .attr("data-group", (d) => d.group)
      .attr("data-score", (d) => (isScored(d.score) ? d.score : ""))
      .attr("role", "button")
      .attr("aria-label", (d) => label(d.movie))
      .attr("aria-describedby", describedBy)
      .transition()
      .duration(animated ? 500 : 0)
      .attr("r", (d) => d.r.toFixed(1));
  }

  function bindEvents(selection) {
    selection
      .on("pointerenter", (event, d) => onPointerEnter(d.movie, bubbleOf(d)))
      .on("pointerleave", (event, d) => onPointerLeave(d.movie, bubbleOf(d)))
      .on("focus", (event, d) => {
        ringNode = event.currentTarget.matches(":focus-visible") ? d : null;
        placeRing();
        setActive(d.id);
        onFocus(d.movie, bubbleOf(d));
      })
      .on("blur", (event, d) => {
        ringNode = null;
        placeRing();
        onBlur(d.movie, bubbleOf(d));
      })
      .on("click", (event, d) => onOpen(d.movie, bubbleOf(d)));
  }

  function setActive(bubbleId) {
    activeId = bubbleId;
    bubbleLayer.selectAll("circle.bubble").attr("tabindex", (d) => (d.id === bubbleId ? 0 : -1));
  }

  function relayout(animated) {
    layout = layoutGroupings(movies, groupings, drawWidth, { id, score, maxClusters, narrowWidth, height });
    draw(animated);
  }

  relayout(animate);

  return Object.assign(svg.node(), {
    /** Move the bubbles into the clusters of grouping `next` (a mode of `groupings`). */
    regroup(next) {
      if (!layout.layouts.has(next)) throw new Error(`unknown grouping ${next}`);
      mode = next;
      draw(animate);
    },
    /** Give bubble `bubbleId` the focus (and the Tab stop); false if there is no such bubble. */
    highlight(bubbleId) {
      const bubble = bubbleLayer.selectAll("circle.bubble").filter((d) => String(d.id) === String(bubbleId));
      if (bubble.empty()) return false;
      setActive(bubble.datum().id);
      bubble.node().focus();
      return true;
    },
    /** Lay the chart out again at `nextWidth` px; the bubbles move to their new places. */
    resize(nextWidth) {
      drawWidth = nextWidth;
      relayout(animate);
    },
    /** The bubble ids in keyboard order: cluster by cluster, as the DOM lists them. */
    order() {
      return keyboardOrder(nodes, layout.layouts.get(mode).clusters).map((d) => d.id);
    },
    /** Stop the simulation and every transition, and take the chart out of the page. */
    destroy() {
      simulation.stop();
      for (const node of svg.selectAll("*").nodes()) interrupt(node);
      svg.remove();
    },
  });
}
