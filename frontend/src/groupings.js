// The ways the chart groups movies: which field each button groups by, the group of the movies
// lacking that field, and the vibe-score buckets. Pure (no DOM): `npm test` covers it.

/** Labels of the groups for movies lacking the grouped field. */
export const MISSING = Object.freeze({
  genre: "Unknown genre",
  platform: "Not streaming",
  tag: "Not enriched",
  score: "No score",
});
const ALL_GROUP = "All movies";

/** Vibe-score buckets (inclusive bounds), lowest first. */
const SCORE_BUCKETS = [
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
 * The groupings the chart offers, in button order, as the chart takes them: {mode, label,
 * key(movie), missing (the group shown last), order (keys in their natural order, if any)}.
 */
export const GROUPINGS = Object.freeze([
  ["all", "All movies"],
  ["genre", "Genre"],
  ["platform", "Platform"],
  ["tag", "Vibe tag"],
  ["score", "Score bucket"],
].map(([mode, label]) => Object.freeze({
  mode,
  label,
  key: (movie) => groupKey(movie, mode),
  missing: MISSING[mode],
  order: mode === "score" ? SCORE_BUCKETS.map((b) => b.label) : undefined,
})));
