// The API calls of the web app. Same origin: the API serves this app, so no CORS and no base URL.

/** The API's page-size limit (services/api/schemas.py MAX_LIMIT). */
export const PAGE_SIZE = 500;

/**
 * GET a JSON document. Resolves to {ok: true, data} or {ok: false, status, detail}; never throws
 * for an HTTP error, so a panel can say "not available" instead of breaking the page.
 */
export async function getJson(path, { signal } = {}) {
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
