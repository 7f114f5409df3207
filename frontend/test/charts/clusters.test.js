// The clusters of a grouping and the 12-cluster cap (node:test; no browser).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { clusterBy, MAX_CLUSTERS, OTHER_CLUSTER } from "../../src/charts/clusters.js";
import { GROUPINGS, MISSING } from "../../src/groupings.js";

const by = Object.fromEntries(GROUPINGS.map((g) => [g.mode, g]));

function movie(id, fields = {}) {
  return { id, primary_genre: "Drama", platforms: [], vibe_tags: [], vibe_score: null, ...fields };
}

/** `n` movies with varied fields: 40 vibe tags, 15 genres, some without a genre or score. */
function varied(n) {
  return Array.from({ length: n }, (_, i) => movie(i, {
    primary_genre: i % 17 === 0 ? null : `Genre ${i % 15}`,
    platforms: i % 4 ? [`P${i % 5}`, "Extra"] : [],
    vibe_tags: i % 6 ? [`tag-${(i * 7) % 40}`] : [],
    vibe_score: i % 9 ? 1 + (i % 10) : null,
  }));
}

describe("clusterBy", () => {
  it("orders groups largest first with the missing group last and counts each movie once", () => {
    const movies = [
      movie(1, { platforms: ["Max"] }), movie(2, { platforms: [] }), movie(3, { platforms: ["Netflix"] }),
      movie(4, { platforms: ["Netflix", "Max"] }), movie(5, { platforms: [] }), movie(6, { platforms: [] }),
    ];
    const { clusters, byId } = clusterBy(movies, by.platform);
    assert.deepEqual(clusters, [
      { key: "Netflix", count: 2 }, { key: "Max", count: 1 }, { key: MISSING.platform, count: 3 },
    ]);
    assert.equal(byId.get(4), "Netflix");
    assert.equal(byId.size, 6);
  });
  it("keeps score buckets in score order", () => {
    const movies = [9, 1, 5, null, 9].map((s, i) => movie(i, { vibe_score: s }));
    const { clusters } = clusterBy(movies, by.score);
    assert.deepEqual(clusters.map((c) => c.key), ["Score 1–2", "Score 5–6", "Score 9–10", MISSING.score]);
  });
  it("puts every movie in exactly one cluster, whatever the grouping", () => {
    const movies = varied(300);
    for (const grouping of GROUPINGS) {
      const { clusters, byId } = clusterBy(movies, grouping);
      assert.equal(byId.size, movies.length, grouping.mode);
      const keys = new Set(clusters.map((c) => c.key));
      assert.equal(keys.size, clusters.length, `${grouping.mode}: a key twice`);
      for (const m of movies) assert.ok(keys.has(byId.get(m.id)), `${grouping.mode}: ${m.id}`);
      for (const c of clusters) {
        assert.equal(c.count, movies.filter((m) => byId.get(m.id) === c.key).length, `${grouping.mode}: ${c.key}`);
      }
    }
  });
  it("reads ids with the id accessor", () => {
    const { byId } = clusterBy([{ slug: "a", primary_genre: "Drama" }], by.genre, { id: (d) => d.slug });
    assert.deepEqual([...byId], [["a", "Drama"]]);
  });
});

describe("the cluster cap", () => {
  it("merges the smallest groups into Other beyond the maximum", () => {
    const movies = [];
    for (let g = 0; g < 20; g += 1) {
      for (let k = 0; k <= g; k += 1) movies.push(movie(movies.length, { primary_genre: `G${String(g).padStart(2, "0")}` }));
    }
    movies.push(movie(999, { primary_genre: null }));
    const { clusters, byId } = clusterBy(movies, by.genre, { max: 6 });
    assert.deepEqual(clusters.map((c) => c.key), ["G19", "G18", "G17", "G16", OTHER_CLUSTER, MISSING.genre]);
    assert.equal(clusters.reduce((s, c) => s + c.count, 0), movies.length);
    assert.equal(byId.get(0), OTHER_CLUSTER); // G00, the smallest
    assert.equal(byId.get(999), MISSING.genre);
  });
  it("draws at most 12 clusters by default: the largest 10, Other, and the missing group", () => {
    const movies = varied(600);
    const tags = new Set(movies.map((m) => m.vibe_tags[0]).filter(Boolean));
    assert.ok(tags.size > MAX_CLUSTERS);
    const { clusters, byId } = clusterBy(movies, by.tag);
    assert.equal(MAX_CLUSTERS, 12);
    assert.equal(clusters.length, 12);
    assert.deepEqual(clusters.slice(-2).map((c) => c.key), [OTHER_CLUSTER, MISSING.tag]);
    // Every group merged into Other is no larger than any group kept.
    const size = (tag) => movies.filter((m) => m.vibe_tags[0] === tag).length;
    const kept = clusters.slice(0, -2).map((c) => c.count);
    const merged = [...tags].filter((t) => byId.get(movies.find((m) => m.vibe_tags[0] === t).id) === OTHER_CLUSTER);
    assert.equal(merged.length, tags.size - 10);
    assert.ok(Math.max(...merged.map(size)) <= Math.min(...kept));
  });
  it("leaves groupings within the maximum as they are", () => {
    const { clusters } = clusterBy(varied(300), by.score);
    assert.ok(!clusters.some((c) => c.key === OTHER_CLUSTER));
  });
});
