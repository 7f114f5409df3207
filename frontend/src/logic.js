// Pure logic of the chart (no DOM, no d3): grouping, score buckets and sizing. Kept apart so
// `npm test` (node:test) covers it without a browser.

/** The grouping modes the chart offers, in button order. */
export const GROUPINGS = [
  { mode: "all", label: "All movies" },
  { mode: "genre", label: "Genre" },
  { mode: "platform", label: "Platform" },
  { mode: "tag", label: "Vibe tag" },
  { mode: "score", label: "Score bucket" },
];

/** Labels of the groups for movies lacking the grouped field. */
export const MISSING = {
  genre: "Unknown genre",
  platform: "Not streaming",
  tag: "Not enriched",
  score: "No score",
};
export const ALL_GROUP = "All movies";
export const OTHER_GROUP = "Other";
/** At most this many clusters; the smallest groups beyond it are merged into "Other". */
export const MAX_GROUPS = 12;

/** Vibe-score buckets (inclusive bounds), lowest first. */
export const SCORE_BUCKETS = [
  { low: 1, high: 2, label: "Score 1–2" },
  { low: 3, high: 4, label: "Score 3–4" },
  { low: 5, high: 6, label: "Score 5–6" },
  { low: 7, high: 8, label: "Score 7–8" },
  { low: 9, high: 10, label: "Score 9–10" },
];

/** The bucket label of a vibe score (MISSING.score when the movie has none). */
export function scoreBucket(score) {
  if (score === null || score === undefined || Number.isNaN(Number(score))) return MISSING.score;
  const value = Math.min(10, Math.max(1, Math.round(Number(score))));
  return SCORE_BUCKETS.find((b) => value >= b.low && value <= b.high).label;
}

/**
 * The group one movie falls in under `mode`. A movie on several platforms or with several tags
 * goes to its first one (the source lists platforms by display priority and the enrichment lists
 * tags strongest first), so every movie is in exactly one cluster.
 */
export function groupKey(movie, mode) {
  switch (mode) {
    case "all":
      return ALL_GROUP;
    case "genre":
      return movie.primary_genre || MISSING.genre;
    case "platform":
      return (movie.platforms && movie.platforms[0]) || MISSING.platform;
    case "tag":
      return (movie.vibe_tags && movie.vibe_tags[0]) || MISSING.tag;
    case "score":
      return scoreBucket(movie.vibe_score);
    default:
      throw new Error(`unknown grouping ${mode}`);
  }
}

/**
 * Clusters of `movies` under `mode`: [{key, count}] in display order, and the cluster of each
 * movie id. Score buckets keep their natural order; other groups go largest first (ties by name),
 * with the "missing" group last. Beyond `maxGroups` the smallest groups merge into "Other".
 */
export function groupMovies(movies, mode, maxGroups = MAX_GROUPS) {
  const counts = new Map();
  for (const movie of movies) {
    const key = groupKey(movie, mode);
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const missing = MISSING[mode];
  let keys = [...counts.keys()];
  if (mode === "score") {
    const order = SCORE_BUCKETS.map((b) => b.label);
    keys.sort((a, b) => rank(order, a) - rank(order, b));
  } else {
    keys.sort((a, b) => (a === missing) - (b === missing) || counts.get(b) - counts.get(a)
      || a.localeCompare(b));
  }
  const merged = new Map();
  if (keys.length > maxGroups) {
    const kept = new Set(keys.filter((k) => k !== missing).slice(0, maxGroups - 2));
    if (counts.has(missing)) kept.add(missing);
    for (const key of keys) if (!kept.has(key)) merged.set(key, OTHER_GROUP);
    keys = [...keys.filter((k) => kept.has(k) && k !== missing), OTHER_GROUP,
      ...(counts.has(missing) ? [missing] : [])];
  }
  const byId = new Map();
  const sizes = new Map(keys.map((k) => [k, 0]));
  for (const movie of movies) {
    const raw = groupKey(movie, mode);
    const key = merged.get(raw) || raw;
    byId.set(movie.id, key);
    sizes.set(key, sizes.get(key) + 1);
  }
  return { groups: keys.map((key) => ({ key, count: sizes.get(key) })), byId };
}

function rank(order, key) {
  const index = order.indexOf(key);
  return index === -1 ? order.length : index;
}

/**
 * Centres of `n` clusters in a width x height box: a grid of `cols` columns (by default, as many
 * as suit the box's shape). Returns [{x, y, cellWidth, cellHeight}] in row-major order.
 */
export function clusterCentres(n, width, height, cols = undefined) {
  if (n <= 0) return [];
  cols = Math.max(1, Math.min(n, cols ?? Math.round(Math.sqrt((n * width) / height))));
  const rows = Math.ceil(n / cols);
  const cellWidth = width / cols;
  const cellHeight = height / rows;
  return Array.from({ length: n }, (_, i) => {
    const row = Math.floor(i / cols);
    // Centre the last, possibly shorter, row.
    const inRow = row === rows - 1 ? n - row * cols : cols;
    const offset = (width - inRow * cellWidth) / 2;
    return {
      x: offset + (i % cols + 0.5) * cellWidth,
      y: (row + 0.5) * cellHeight,
      cellWidth,
      cellHeight,
    };
  });
}

/**
 * Cells of clusters stacked in one column (phones): each row is as tall as a disc holding its
 * cluster's bubbles at radius `k * sqrt(score)` needs (`sums`: each cluster's total size score;
 * `fill`: the share of the disc the bubbles cover), plus `label` px for its label. Returns
 * {cells: [{x, y, cellWidth, cellHeight}], height}.
 */
export function stackCells(sums, width, { k = 2.4, fill = 0.55, label = 26, minRow = 90, minHeight = 0 } = {}) {
  const rows = sums.map((sum) => {
    const diameter = Math.min(width - 8, 2 * k * Math.sqrt(Math.max(0, sum) / fill));
    return Math.max(minRow, Math.ceil(diameter + label + 12));
  });
  const total = rows.reduce((a, b) => a + b, 0);
  const stretch = total < minHeight ? minHeight / total : 1;
  let top = 0;
  const cells = rows.map((row) => {
    const cellHeight = row * stretch;
    const cell = { x: width / 2, y: top + cellHeight / 2, cellWidth: width, cellHeight };
    top += cellHeight;
    return cell;
  });
  return { cells, height: Math.round(top) };
}

/** Score used for sizing: a movie without one is drawn as if it scored this. */
export const UNSCORED_SIZE = 2;

/**
 * A radius function: bubble area proportional to the vibe score, scaled so all bubbles together
 * cover about `fill` of the box (so 600 movies fit a phone screen and 12 do not look lost), and
 * so that no cluster covers more than `clusterFill` of its grid cell. `clusters` lists each
 * cluster as {movies, area}: pass the clusters of every grouping to keep sizes steady across them.
 */
export function radiusScale(movies, width, height,
  { fill = 0.3, clusterFill = 0.45, clusters = [], min = 3, max = 60 } = {}) {
  const total = movies.reduce((sum, m) => sum + sizeScore(m), 0) || 1;
  let k = Math.sqrt((fill * width * height) / (Math.PI * total));
  for (const cluster of clusters) {
    const sum = cluster.movies.reduce((s, m) => s + sizeScore(m), 0);
    if (sum > 0) k = Math.min(k, Math.sqrt((clusterFill * cluster.area) / (Math.PI * sum)));
  }
  return (movie) => Math.max(min, Math.min(max, k * Math.sqrt(sizeScore(movie))));
}

/** The score a bubble's area stands for (UNSCORED_SIZE when the movie has none). */
export function sizeScore(movie) {
  const score = Number(movie.vibe_score);
  return movie.vibe_score === null || movie.vibe_score === undefined || Number.isNaN(score)
    ? UNSCORED_SIZE : Math.max(1, score);
}
