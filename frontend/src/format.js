// How the app writes values for people: scores, probabilities, platforms, times and shares.
// Pure (no DOM): `npm test` covers it.

/** "7/10", or "not scored" when the movie has no vibe score. */
export function formatScore(score) {
  return score === null || score === undefined ? "not scored" : `${score}/10`;
}

/** A probability in [0, 1] as a percentage with no decimals ("87%"), "<1%" for tiny ones. */
export function formatProbability(p) {
  const value = Number(p);
  if (Number.isNaN(value)) return "–";
  if (value > 0 && value < 0.005) return "<1%";
  return `${Math.round(value * 100)}%`;
}

/** The platforms of a movie for display ("Netflix, Hulu" or "not streaming"). */
export function formatPlatforms(platforms) {
  return platforms && platforms.length ? platforms.join(", ") : "not streaming";
}

/** An ISO timestamp as "2026-11-26 12:00 UTC" (the input unchanged if it does not parse). */
export function formatTimestamp(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A share in [0, 1] as "12.5%". */
export function formatShare(share) {
  const value = Number(share);
  return Number.isNaN(value) ? "–" : `${(value * 100).toFixed(1)}%`;
}
