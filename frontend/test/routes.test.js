// Location hashes <-> pages (node:test; no browser).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { parseRoute, routeHash } from "../src/routes.js";

describe("parseRoute", () => {
  it("maps hashes to pages", () => {
    assert.deepEqual(parseRoute("#/movie/42"), { name: "movie", id: 42 });
    assert.deepEqual(parseRoute("#/model-card"), { name: "model" });
    assert.deepEqual(parseRoute("#/mltestscore"), { name: "tests" });
    assert.deepEqual(parseRoute("#/drift"), { name: "drift" });
    for (const other of ["", "#", "#/", "#/movie/abc", "#/movie/1/x", "#<img>"]) {
      assert.deepEqual(parseRoute(other), { name: "chart" }, other);
    }
  });
});

describe("routeHash", () => {
  it("builds the hash each page is parsed from", () => {
    for (const route of [{ name: "chart" }, { name: "movie", id: 42 }, { name: "model" }, { name: "tests" }, { name: "drift" }]) {
      assert.deepEqual(parseRoute(routeHash(route.name, route.id)), route);
    }
    assert.equal(routeHash("chart"), "#/");
    assert.equal(routeHash("movie", 7), "#/movie/7");
  });
  it("refuses unknown pages and ids that are not integers", () => {
    assert.throws(() => routeHash("admin"), /unknown page/);
    for (const bad of [undefined, "1/x", 1.5, -1]) assert.throws(() => routeHash("movie", bad), /not a movie id/);
  });
});
