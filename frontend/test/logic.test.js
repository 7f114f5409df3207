// Unit tests of the chart's pure logic (node:test; no browser): grouping, buckets and sizing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  clusterCentres,
  groupKey,
  groupMovies,
  MISSING,
  OTHER_GROUP,
  radiusScale,
  scoreBucket,
  stackCells,
} from "../src/logic.js";

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

describe("groupMovies", () => {
  it("orders groups largest first with the missing group last and counts each movie once", () => {
    const movies = [
      movie(1, { platforms: ["Max"] }), movie(2, { platforms: [] }), movie(3, { platforms: ["Netflix"] }),
      movie(4, { platforms: ["Netflix", "Max"] }), movie(5, { platforms: [] }), movie(6, { platforms: [] }),
    ];
    const { groups, byId } = groupMovies(movies, "platform");
    assert.deepEqual(groups, [
      { key: "Netflix", count: 2 }, { key: "Max", count: 1 }, { key: MISSING.platform, count: 3 },
    ]);
    assert.equal(byId.get(4), "Netflix");
    assert.equal(byId.size, 6);
  });
  it("keeps score buckets in score order", () => {
    const movies = [9, 1, 5, null, 9].map((s, i) => movie(i, { vibe_score: s }));
    const { groups } = groupMovies(movies, "score");
    assert.deepEqual(groups.map((g) => g.key), ["Score 1–2", "Score 5–6", "Score 9–10", MISSING.score]);
  });
  it("merges the smallest groups into Other beyond the maximum", () => {
    const movies = [];
    for (let g = 0; g < 20; g += 1) {
      for (let k = 0; k <= g; k += 1) movies.push(movie(movies.length, { primary_genre: `G${String(g).padStart(2, "0")}` }));
    }
    movies.push(movie(999, { primary_genre: null }));
    const { groups, byId } = groupMovies(movies, "genre", 6);
    assert.deepEqual(groups.map((g) => g.key), ["G19", "G18", "G17", "G16", OTHER_GROUP, MISSING.genre]);
    assert.equal(groups.reduce((s, g) => s + g.count, 0), movies.length);
    assert.equal(byId.get(0), OTHER_GROUP); // G00, the smallest
    assert.equal(byId.get(999), MISSING.genre);
  });
});

describe("clusterCentres", () => {
  it("places n distinct centres inside the box", () => {
    for (const [n, w, h] of [[1, 800, 600], [5, 1200, 700], [13, 375, 600], [32, 1000, 700]]) {
      const centres = clusterCentres(n, w, h);
      assert.equal(centres.length, n);
      assert.equal(new Set(centres.map((c) => `${c.x},${c.y}`)).size, n);
      for (const c of centres) {
        assert.ok(c.x > 0 && c.x < w && c.y > 0 && c.y < h, `${n}: ${c.x},${c.y}`);
      }
    }
  });
  it("uses the number of columns asked for", () => {
    const centres = clusterCentres(5, 360, 900, 2);
    assert.equal(new Set(centres.map((c) => c.x.toFixed(3))).size, 3); // 2 columns + centred last
    assert.equal(new Set(centres.map((c) => c.y)).size, 3);
    assert.equal(centres[4].x, 180);
  });
  it("uses fewer columns on a narrow box than on a wide one", () => {
    const columns = (cs) => new Set(cs.map((c) => c.x.toFixed(3))).size;
    assert.ok(columns(clusterCentres(12, 375, 700)) < columns(clusterCentres(12, 1200, 700)));
  });
});

describe("stackCells", () => {
  it("stacks one row per cluster, taller for bigger clusters, without gaps or overlap", () => {
    const { cells, height } = stackCells([100, 400, 10], 360, { k: 2, fill: 0.5, label: 20, minRow: 50 });
    assert.equal(cells.length, 3);
    assert.ok(cells[1].cellHeight > cells[0].cellHeight && cells[0].cellHeight > cells[2].cellHeight);
    let top = 0;
    for (const c of cells) {
      assert.equal(c.x, 180);
      assert.equal(c.y - c.cellHeight / 2, top);
      top += c.cellHeight;
    }
    assert.equal(height, Math.round(top));
    // The disc left for the bubbles holds them at the asked density: pi k^2 sum <= fill * disc.
    const disc = Math.PI / 4 * Math.min(360, cells[1].cellHeight - 20) ** 2;
    assert.ok(Math.PI * 4 * 400 <= 0.5 * disc + 1e-6);
  });
  it("never makes a disc wider than the column and stretches to a minimum height", () => {
    assert.equal(stackCells([1e6], 300).cells[0].cellHeight, 300 - 8 + 26 + 12);
    const { cells, height } = stackCells([1e6], 300, { minHeight: 480 });
    assert.equal(height, 480);
    assert.equal(cells[0].cellHeight, 480);
  });
});

describe("radiusScale", () => {
  const many = Array.from({ length: 200 }, (_, i) => movie(i, { vibe_score: i % 5 ? 1 + (i % 10) : null }));
  it("makes bubble area proportional to the vibe score", () => {
    const movies = [movie(1, { vibe_score: 2 }), movie(2, { vibe_score: 8 })];
    const r = radiusScale([...many, ...movies], 800, 600);
    const ratio = r(movies[1]) ** 2 / r(movies[0]) ** 2;
    assert.ok(Math.abs(ratio - 4) < 1e-9, `area ratio ${ratio}`);
  });
  it("caps the radius when there are only a few movies", () => {
    assert.equal(radiusScale([movie(1, { vibe_score: 9 })], 1000, 700)(movie(1, { vibe_score: 9 })), 60);
  });
  it("fills about the same share of the box whatever the number of movies", () => {
    for (const n of [10, 600]) {
      const movies = Array.from({ length: n }, (_, i) => movie(i, { vibe_score: 1 + (i % 10) }));
      const r = radiusScale(movies, 1000, 700, { min: 0, max: 1e9 });
      const area = movies.reduce((s, m) => s + Math.PI * r(m) ** 2, 0);
      assert.ok(Math.abs(area / (1000 * 700) - 0.3) < 1e-6, `${n}: ${area}`);
    }
  });
  it("draws unscored movies small but visible", () => {
    const movies = [movie(1, { vibe_score: null }), movie(2, { vibe_score: 10 })];
    const r = radiusScale([...many, ...movies], 800, 600);
    assert.ok(r(movies[0]) >= 3 && r(movies[0]) < r(movies[1]));
  });
});
