// The chart's groupings of movies (node:test; no browser): score buckets and group keys.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { GROUPINGS, groupKey, MISSING, scoreBucket } from "../src/groupings.js";

function movie(id, fields = {}) {
  return { id, primary_genre: "Drama", platforms: [], vibe_tags: [], vibe_score: null, ...fields };
}

describe("scoreBucket", () => {
  it("puts each score 1..10 in the bucket whose bounds hold it", () => {
    const expected = ["1–2", "1–2", "3–4", "3–4", "5–6", "5–6", "7–8", "7–8", "9–10", "9–10"];
    for (let score = 1; score <= 10; score += 1) {
      assert.equal(scoreBucket(score), `Score ${expected[score - 1]}`);
    }
  });
  it("labels a missing score", () => {
    assert.equal(scoreBucket(null), MISSING.score);
    assert.equal(scoreBucket(undefined), MISSING.score);
  });
});

describe("groupKey", () => {
  const m = movie(1, { primary_genre: "Horror", platforms: ["Hulu", "Netflix"], vibe_tags: ["scary", "dark"], vibe_score: 8 });
  it("uses the primary genre, first platform, first tag and score bucket", () => {
    assert.equal(groupKey(m, "genre"), "Horror");
    assert.equal(groupKey(m, "platform"), "Hulu");
    assert.equal(groupKey(m, "tag"), "scary");
    assert.equal(groupKey(m, "score"), "Score 7–8");
    assert.equal(groupKey(m, "all"), "All movies");
  });
  it("has a group for movies without the field", () => {
    const bare = movie(2, { primary_genre: null });
    assert.equal(groupKey(bare, "genre"), MISSING.genre);
    assert.equal(groupKey(bare, "platform"), MISSING.platform);
    assert.equal(groupKey(bare, "tag"), MISSING.tag);
  });
  it("refuses an unknown mode", () => {
    assert.throws(() => groupKey(m, "colour"), /unknown grouping/);
  });
});

describe("GROUPINGS", () => {
  it("lists the buttons in order, each keyed by groupKey with its missing group", () => {
    const m = movie(1, { primary_genre: null, platforms: ["Max"], vibe_score: 3 });
    assert.deepEqual(GROUPINGS.map((g) => g.mode), ["all", "genre", "platform", "tag", "score"]);
    for (const g of GROUPINGS) {
      assert.equal(g.key(m), groupKey(m, g.mode), g.mode);
      assert.equal(g.missing, MISSING[g.mode]);
    }
  });
  it("keeps the score buckets in score order and no other grouping in a fixed order", () => {
    const orders = Object.fromEntries(GROUPINGS.map((g) => [g.mode, g.order]));
    assert.deepEqual(orders.score, ["Score 1–2", "Score 3–4", "Score 5–6", "Score 7–8", "Score 9–10"]);
    assert.equal(orders.genre, undefined);
  });
});
