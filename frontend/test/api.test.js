// fetchAllMovies and getJson against an in-process fake fetch (the browser tests use the real API).
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import { fetchAllMovies, getJson } from "../src/api.js";

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

describe("getJson", () => {
  it("turns a 404 into a result, not an exception", async () => {
    globalThis.fetch = async () => jsonResponse(404, { detail: "No drift summary yet" });
    assert.deepEqual(await getJson("/api/drift"), { ok: false, status: 404, detail: "No drift summary yet" });
  });
  it("copes with a non-JSON error body and an unreachable API", async () => {
    globalThis.fetch = async () => new Response("Not Found", { status: 404, statusText: "Not Found" });
    assert.deepEqual(await getJson("/api/x"), { ok: false, status: 404, detail: "Not Found" });
    globalThis.fetch = async () => { throw new TypeError("network down"); };
    assert.equal((await getJson("/api/x")).status, 0);
  });
});
