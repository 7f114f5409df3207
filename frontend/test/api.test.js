// The API calls against an in-process fake fetch (the browser tests use the real API), and the
// URL checks.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import { fetchAllMovies, fetchDocument, fetchMovie, posterUrl, safeHttpUrl } from "../src/api.js";

const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

function jsonResponse(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function fakeList(total) {
  const calls = [];
  globalThis.fetch = async (url) => {
    const query = new URL(url, "http://x").searchParams;
    const limit = Number(query.get("limit"));
    const offset = Number(query.get("offset"));
    calls.push([limit, offset]);
    const ids = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i + 1);
    return jsonResponse(200, { data: ids.map((id) => ({ id })), count: total });
  };
  return calls;
}

describe("fetchAllMovies", () => {
  it("pages until every movie is fetched", async () => {
    const calls = fakeList(1201);
    const movies = await fetchAllMovies({ pageSize: 500 });
    assert.equal(movies.length, 1201);
    assert.deepEqual(calls, [[500, 0], [500, 500], [500, 1000]]);
    assert.deepEqual(movies.slice(-2).map((m) => m.id), [1200, 1201]);
  });
  it("makes one call when everything fits a page", async () => {
    const calls = fakeList(3);
    assert.equal((await fetchAllMovies({ pageSize: 500 })).length, 3);
    assert.equal(calls.length, 1);
  });
  it("throws the API's reason on an error", async () => {
    globalThis.fetch = async () => jsonResponse(503, { detail: "No published dataset yet" });
    await assert.rejects(fetchAllMovies(), /No published dataset yet \(HTTP 503\)/);
  });
});

describe("fetchMovie and fetchDocument", () => {
  it("ask the endpoint of the movie or document", async () => {
    const urls = [];
    globalThis.fetch = async (url) => { urls.push(url); return jsonResponse(200, { ok: 1 }); };
    assert.deepEqual(await fetchMovie(42), { ok: true, data: { ok: 1 } });
    for (const name of ["model-card", "enrichment-card", "mltestscore", "drift"]) await fetchDocument(name);
    assert.deepEqual(urls, ["/api/movies/42", "/api/model-card", "/api/enrichment-card", "/api/mltestscore", "/api/drift"]);
  });
  it("refuse a document the API does not have", () => {
    assert.throws(() => fetchDocument("../admin"), /unknown document/);
    assert.throws(() => fetchDocument("toString"), /unknown document/);
  });
  it("turn a 404 into a result, not an exception", async () => {
    globalThis.fetch = async () => jsonResponse(404, { detail: "No drift summary yet" });
    assert.deepEqual(await fetchDocument("drift"), { ok: false, status: 404, detail: "No drift summary yet" });
  });
  it("cope with a non-JSON error body and an unreachable API", async () => {
    globalThis.fetch = async () => new Response("Not Found", { status: 404, statusText: "Not Found" });
    assert.deepEqual(await fetchMovie(1), { ok: false, status: 404, detail: "Not Found" });
    globalThis.fetch = async () => { throw new TypeError("network down"); };
    assert.equal((await fetchMovie(1)).status, 0);
  });
});

describe("safeHttpUrl and posterUrl", () => {
  it("keeps http(s) links and drops script and data URLs", () => {
    assert.equal(safeHttpUrl("https://www.themoviedb.org/review/1"), "https://www.themoviedb.org/review/1");
    for (const bad of ["javascript:window.__xss=1", " JavaScript:alert(1)", "data:text/html,x", "/relative", "", null, 3]) {
      assert.equal(safeHttpUrl(bad), null, String(bad));
    }
  });
  it("builds a TMDb image URL only from a plain poster path", () => {
    assert.equal(posterUrl("/abc_1-2.jpg"), "https://image.tmdb.org/t/p/w500/abc_1-2.jpg");
    for (const bad of ["abc.jpg", "/../x.jpg", "/a.jpg?x=<script>", "//evil.example/a.jpg", null]) {
      assert.equal(posterUrl(bad), null, String(bad));
    }
  });
});
