// The pages of the app and their location hashes, parsed and built in this one place so the two
// directions cannot drift apart. Pure (no DOM): `npm test` covers it.

const HASHES = { chart: "#/", model: "#/model-card", tests: "#/mltestscore", drift: "#/drift" };
const MOVIE = /^\/movie\/(\d{1,18})$/;

/** Parse a location hash into a route: {name: "chart"|"movie"|"model"|"tests"|"drift", id}. */
export function parseRoute(hash) {
  const path = (hash || "").replace(/^#/, "");
  const movie = MOVIE.exec(path);
  if (movie) return { name: "movie", id: Number(movie[1]) };
  const name = Object.keys(HASHES).find((key) => HASHES[key] === `#${path}` && key !== "chart");
  return name ? { name } : { name: "chart" };
}

/** The location hash of a page: routeHash("movie", 42) is "#/movie/42"; unknown pages throw. */
export function routeHash(name, id = undefined) {
  if (name === "movie") {
    if (!Number.isSafeInteger(id) || id < 0) throw new Error(`not a movie id: ${id}`);
    return `#/movie/${id}`;
  }
  if (!(name in HASHES)) throw new Error(`unknown page ${name}`);
  return HASHES[name];
}
