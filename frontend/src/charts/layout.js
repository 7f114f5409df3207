// The geometry of the bubble chart, pure (no DOM, no d3): the cell each cluster sits in, the
// drawing's height, and one radius for every bubble, chosen for all groupings at once so bubbles
// keep their size when regrouped.
import { clusterBy, MAX_CLUSTERS } from "./clusters.js";

/** Px above each cluster for its label. */
export const LABEL_SPACE = 26;
const UNSCORED_SIZE = 2; // a bubble without a score is sized as if it scored this
const NARROW_K = 2.4; // on phones, rows leave room for bubbles of radius 2.4 * sqrt(score) px
const DISC_FILL = 0.45; // bubbles cover at most this share of the disc that fits their cell
const MIN_HEIGHT = 480; // px: the shortest drawing, wide or narrow
const MIN_ROW = 90; // px: the shortest row of a stacked cluster

/** The drawing's height on wide screens: about a golden section of the width, within 480-780 px. */
export function wideHeight(width) {
  return Math.round(Math.min(780, Math.max(MIN_HEIGHT, width * 0.62)));
}

/** Whether `score` is a score (a movie without one is drawn small, with a dashed outline). */
export function isScored(score) {
  return score !== null && score !== undefined && !Number.isNaN(Number(score));
}

function sizeScore(score) {
  return isScored(score) ? Math.max(1, Number(score)) : UNSCORED_SIZE;
}

/**
 * The cells of clusters whose bubbles' size scores add up to `sums`, and the drawing's height:
 * [{x, y, cellWidth, cellHeight}] in cluster order. From `narrowWidth` up, a grid in
 * `height(width)` px; narrower (phones), one column, each row as tall as its cluster needs, so
 * 600 bubbles stay tappable-sized and the page scrolls down, never sideways.
 */
export function cellsFor(sums, width, { narrowWidth = 600, height = wideHeight } = {}) {
  if (width >= narrowWidth) {
    const h = height(width);
    return { cells: gridCells(sums.length, width, h), height: h };
  }
  return stackCells(sums, width);
}

/** A grid of `n` cells in a width x height box, as many columns as suit its shape, last row centred. */
function gridCells(n, width, height) {
  if (n <= 0) return [];
  const cols = Math.max(1, Math.min(n, Math.round(Math.sqrt((n * width) / height))));
  const rows = Math.ceil(n / cols);
  const cellWidth = width / cols;
  const cellHeight = height / rows;
  return Array.from({ length: n }, (_, i) => {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    const offset = (width - inRow * cellWidth) / 2;
    return { x: offset + (i % cols + 0.5) * cellWidth, y: (row + 0.5) * cellHeight, cellWidth, cellHeight };
  });
}

/**
 * Rows stacked in one column: each as tall as a disc holding its cluster at radius
 * NARROW_K * sqrt(score) and density DISC_FILL needs, plus the label; at least MIN_HEIGHT in all.
 */
function stackCells(sums, width) {
  const rows = sums.map((sum) => {
    const diameter = Math.min(width - 8, 2 * NARROW_K * Math.sqrt(Math.max(0, sum) / DISC_FILL));
    return Math.max(MIN_ROW, Math.ceil(diameter + LABEL_SPACE + 12));
  });
  const total = rows.reduce((a, b) => a + b, 0);
  const stretch = total < MIN_HEIGHT ? MIN_HEIGHT / total : 1;
  let top = 0;
  const cells = rows.map((row) => {
    const cellHeight = row * stretch;
    const cell = { x: width / 2, y: top + cellHeight / 2, cellWidth: width, cellHeight };
    top += cellHeight;
    return cell;
  });
  return { cells, height: Math.round(top) };
}

/**
 * A radius function of the score: bubble area proportional to the score (a sqrt scale; unscored
 * bubbles sized as a 2), scaled so all bubbles cover about `fill` of the width x height box (so
 * 600 movies fit a phone and 12 do not look lost) and no cluster ({scores, area}) covers more than
 * `clusterFill` of its area; clamped to [min, max] px.
 */
export function radiusScale(scores, width, height,
  { fill = 0.3, clusterFill = DISC_FILL, clusters = [], min = 3, max = 60 } = {}) {
  const total = scores.reduce((sum, s) => sum + sizeScore(s), 0) || 1;
  let k = Math.sqrt((fill * width * height) / (Math.PI * total));
  for (const cluster of clusters) {
    const sum = cluster.scores.reduce((s, score) => s + sizeScore(score), 0);
    if (sum > 0) k = Math.min(k, Math.sqrt((clusterFill * cluster.area) / (Math.PI * sum)));
  }
  return (score) => Math.max(min, Math.min(max, k * Math.sqrt(sizeScore(score))));
}

/**
 * The layout of `items` at `width` under every grouping of `groupings` ({mode, key, missing,
 * order}), with one radius for them all: {radius(score), layouts: Map(mode -> {clusters: [{key,
 * count, x, y, cellWidth, cellHeight}], byId, height})}. A cluster settles as a disc, so every
 * cluster's bubbles must fit the largest disc its cell holds; the one-cluster drawing sets the
 * overall density.
 */
export function layoutGroupings(items, groupings, width, {
  id = (d) => d.id, score = (d) => d.vibe_score, maxClusters = MAX_CLUSTERS, narrowWidth, height,
} = {}) {
  const scores = items.map(score);
  const cellOptions = { narrowWidth, height };
  const layouts = new Map();
  const discs = [];
  for (const grouping of groupings) {
    const { clusters, byId } = clusterBy(items, grouping, { id, max: maxClusters });
    const members = new Map(clusters.map((c) => [c.key, []]));
    items.forEach((item, i) => members.get(byId.get(id(item))).push(scores[i]));
    const sums = clusters.map((c) => members.get(c.key).reduce((s, v) => s + sizeScore(v), 0));
    const { cells, height: h } = cellsFor(sums, width, cellOptions);
    clusters.forEach((c, i) => discs.push({
      scores: members.get(c.key),
      area: (Math.PI / 4) * Math.min(cells[i].cellWidth, cells[i].cellHeight - LABEL_SPACE) ** 2,
    }));
    layouts.set(grouping.mode, { clusters: clusters.map((c, i) => ({ ...c, ...cells[i] })), byId, height: h });
  }
  const whole = cellsFor([scores.reduce((s, v) => s + sizeScore(v), 0)], width, cellOptions);
  return { radius: radiusScale(scores, width, whole.height, { clusters: discs }), layouts };
}
