// Every URL of the web app: the API's endpoints, the TMDb image URL and the check on links taken
// from data. Same origin: the API serves this app, so no CORS and no base URL.

/** The API's page-size limit (services/api/schemas.py MAX_LIMIT). */
const PAGE_SIZE = 500;
/** The JSON documents of the governance and monitoring pages, by name. */
const DOCUMENTS = {
  "model-card": "/api/model-card",
  "enrichment-card": "/api/enrichment-card",
  mltestscore: "/api/mltestscore",
  drift: "/api/drift",
};
const POSTER_PATH = /^\/[A-Za-z0-9_-]+\.(jpg|jpeg|png|webp)$/;
const POSTER_BASE = "https://image.tmdb.org/t/p/w500";

/**
 * GET a JSON document. Resolves to {ok: true, data} or {ok: false, status, detail}; never throws
 * for an HTTP error, so a panel can say "not available" instead of breaking the page.
 */
async function getJson(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: "application/json" }, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return { ok: false, status: 0, detail: "the API cannot be reached" };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
    return { ok: false, status: response.status, detail: detail || `HTTP ${response.status}` };
  }
  if (body === null) return { ok: false, status: response.status, detail: "not JSON" };
  return { ok: true, data: body };
}

/**
 * Every published movie: pages of /api/movies until `count` are fetched (or a page comes back
 * empty, should the dataset be swapped mid-way). Throws with the API's reason on an error.
 */
export async function fetchAllMovies({ signal, pageSize = PAGE_SIZE } = {}) {
  const movies = [];
  const seen = new Set();
  for (let offset = 0; ; offset += pageSize) {
    const page = await getJson(`/api/movies?limit=${pageSize}&offset=${offset}`, { signal });
    if (!page.ok) throw new Error(`movies: ${page.detail} (HTTP ${page.status})`);
    for (const movie of page.data.data) {
      if (!seen.has(movie.id)) {
        seen.add(movie.id);
        movies.push(movie);
      }
    }
    if (page.data.data.length === 0 || offset + pageSize >= page.data.count) return movies;
  }
}

/** One movie's detail document, as a getJson result ({ok, data} or {ok: false, status, detail}). */
export function fetchMovie(id, { signal } = {}) {
  return getJson(`/api/movies/${encodeURIComponent(id)}`, { signal });
}

/** A governance or monitoring document ("model-card", "enrichment-card", "mltestscore", "drift"). */
export function fetchDocument(name, { signal } = {}) {
  if (!Object.hasOwn(DOCUMENTS, name)) throw new Error(`unknown document ${name}`);
  return getJson(DOCUMENTS[name], { signal });
}

/**
 * `url` if it is an absolute http(s) URL, else null: review links and the dashboard URL come from
 * data, and a `javascript:` URL in an href would run script when clicked.
 */
export function safeHttpUrl(url) {
  if (typeof url !== "string" || url.length > 2048) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The TMDb image URL of a poster path like "/abc.jpg"; null for anything else. */
export function posterUrl(path) {
  return typeof path === "string" && POSTER_PATH.test(path) ? POSTER_BASE + path : null;
}
