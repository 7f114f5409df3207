// The chart's geometry (node:test; no browser): cells on wide and narrow widths, radii, and the
// layout of every grouping with one radius for all.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { cellsFor, isScored, LABEL_SPACE, layoutGroupings, radiusScale, wideHeight } from "../../src/charts/layout.js";
import { GROUPINGS } from "../../src/groupings.js";

const ones = (n) => Array.from({ length: n }, () => 1);
const columns = (cells) => new Set(cells.map((c) => c.x.toFixed(3))).size;

function movie(id, fields = {}) {
  return { id, primary_genre: "Drama", platforms: [], vibe_tags: [], vibe_score: null, ...fields };
}

/** `n` movies with varied fields; scores from 3 up, so no bubble is lifted to the 3 px floor. */
function varied(n) {
  return Array.from({ length: n }, (_, i) => movie(i, {
    primary_genre: i % 17 === 0 ? null : `Genre ${i % 15}`,
    platforms: i % 4 ? [`P${i % 5}`] : [],
    vibe_tags: i % 6 ? [`tag-${(i * 7) % 40}`] : [],
    vibe_score: 3 + (i % 8),
  }));
}

describe("cellsFor on wide screens", () => {
  it("places n distinct cells inside a box of the wide height", () => {
    for (const [n, w] of [[1, 800], [5, 1200], [13, 600], [32, 1000]]) {
      const { cells, height } = cellsFor(ones(n), w);
      assert.equal(height, wideHeight(w));
      assert.equal(cells.length, n);
      assert.equal(new Set(cells.map((c) => `${c.x},${c.y}`)).size, n);
      for (const c of cells) {
        assert.ok(c.x > 0 && c.x < w && c.y > 0 && c.y < height, `${n}: ${c.x},${c.y}`);
      }
    }
  });
  it("keeps the height within 480-780 px and takes another height function", () => {
    assert.deepEqual([600, 1000, 2000].map(wideHeight), [480, 620, 780]);
    assert.equal(cellsFor(ones(3), 900, { height: () => 500 }).height, 500);
  });
  it("uses fewer columns in a tall box than in a wide one, and centres a shorter last row", () => {
    assert.ok(columns(cellsFor(ones(12), 700, { height: () => 1400 }).cells)
      < columns(cellsFor(ones(12), 1200, { height: () => 700 }).cells));
    const { cells } = cellsFor(ones(5), 1200, { height: () => 744 }); // 3 columns, 2 rows
    const last = cells.filter((c) => c.y === cells[4].y);
    assert.equal(last.length, 2);
    assert.equal((last[0].x + last[1].x) / 2, 600);
  });
});

describe("cellsFor on narrow screens", () => {
  it("stacks one row per cluster, taller for bigger clusters, without gaps or overlap", () => {
    const { cells, height } = cellsFor([1000, 3000, 100], 360);
    assert.equal(cells.length, 3);
    assert.ok(cells[1].cellHeight > cells[0].cellHeight && cells[0].cellHeight > cells[2].cellHeight);
    let top = 0;
    for (const c of cells) {
      assert.equal(c.x, 180);
      assert.equal(c.cellWidth, 360);
      assert.equal(c.y - c.cellHeight / 2, top);
      top += c.cellHeight;
    }
    assert.equal(height, Math.round(top));
  });
  it("never makes a row wider than the column and stretches to 480 px in all", () => {
    assert.equal(cellsFor([1e6, 1e6], 300).cells[0].cellHeight, 300 - 8 + LABEL_SPACE + 12);
    const { cells, height } = cellsFor([1], 300);
    assert.equal(height, 480);
    assert.equal(cells[0].cellHeight, 480);
  });
  it("switches from the grid to the column below narrowWidth", () => {
    assert.ok(columns(cellsFor(ones(4), 600).cells) > 1);
    assert.equal(columns(cellsFor(ones(4), 599).cells), 1);
    assert.equal(columns(cellsFor(ones(4), 700, { narrowWidth: 800 }).cells), 1);
  });
});

describe("radiusScale", () => {
  const many = Array.from({ length: 200 }, (_, i) => (i % 5 ? 1 + (i % 10) : null));
  it("makes bubble area proportional to the score (a sqrt scale)", () => {
    const r = radiusScale([...many, 2, 8], 800, 600);
    const ratio = r(8) ** 2 / r(2) ** 2;
    assert.ok(Math.abs(ratio - 4) < 1e-9, `area ratio ${ratio}`);
  });
  it("caps the radius when there are only a few movies", () => {
    assert.equal(radiusScale([9], 1000, 700)(9), 60);
  });
  it("fills about the same share of the box whatever the number of movies", () => {
    for (const n of [10, 600]) {
      const scores = Array.from({ length: n }, (_, i) => 1 + (i % 10));
      const r = radiusScale(scores, 1000, 700, { min: 0, max: 1e9 });
      const area = scores.reduce((s, score) => s + Math.PI * r(score) ** 2, 0);
      assert.ok(Math.abs(area / (1000 * 700) - 0.3) < 1e-6, `${n}: ${area}`);
    }
  });
  it("draws unscored movies small but visible: as a score of 2", () => {
    const r = radiusScale([...many, null, 10], 800, 600);
    assert.ok(r(null) >= 3 && r(null) < r(10));
    assert.equal(r(null), r(2));
    assert.equal(r(undefined), r(2));
    assert.ok(!isScored(null) && !isScored(undefined) && !isScored("x") && isScored(0) && isScored(7));
  });
  it("shrinks every bubble so the densest cluster covers at most clusterFill of its area", () => {
    const scores = [5, 5, 5, 5];
    const free = radiusScale(scores, 1000, 700, { max: 1e9 });
    const r = radiusScale(scores, 1000, 700, { max: 1e9, clusters: [{ scores: [5, 5], area: 1000 }] });
    assert.ok(r(5) < free(5));
    assert.ok(Math.abs(2 * Math.PI * r(5) ** 2 - 0.45 * 1000) < 1e-6);
  });
});

describe("layoutGroupings", () => {
  for (const width of [1280, 375]) {
    it(`fits every cluster of every grouping in its cell's disc at ${width} px`, () => {
      const movies = varied(510);
      const { radius, layouts } = layoutGroupings(movies, GROUPINGS, width);
      assert.deepEqual([...layouts.keys()], GROUPINGS.map((g) => g.mode));
      for (const [mode, { clusters, byId, height }] of layouts) {
        assert.equal(byId.size, movies.length, mode);
        assert.equal(clusters.reduce((s, c) => s + c.count, 0), movies.length, mode);
        for (const c of clusters) {
          const members = movies.filter((m) => byId.get(m.id) === c.key);
          const area = members.reduce((s, m) => s + Math.PI * radius(m.vibe_score) ** 2, 0);
          const disc = (Math.PI / 4) * Math.min(c.cellWidth, c.cellHeight - LABEL_SPACE) ** 2;
          assert.ok(area <= 0.45 * disc + 1e-6, `${mode}/${c.key}: ${area} > 0.45 * ${disc}`);
          assert.ok(c.y + c.cellHeight / 2 <= height + 1e-6 && c.x + c.cellWidth / 2 <= width + 1e-6);
        }
      }
    });
  }
  it("stacks the clusters on a phone and lays a grid on a desktop", () => {
    const movies = varied(510);
    const phone = layoutGroupings(movies, GROUPINGS, 375).layouts.get("genre");
    const desktop = layoutGroupings(movies, GROUPINGS, 1280).layouts.get("genre");
    assert.equal(columns(phone.clusters), 1);
    assert.ok(phone.height > desktop.height);
    assert.ok(columns(desktop.clusters) > 1);
    assert.equal(desktop.height, wideHeight(1280));
  });
  it("reads ids and scores with the accessors it is given", () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, s: i % 2 ? 9 : null }));
    const groupings = [{ mode: "one", key: () => "x" }];
    const { radius, layouts } = layoutGroupings(items, groupings, 800, { id: (d) => d.key, score: (d) => d.s });
    assert.deepEqual([...layouts.get("one").byId].slice(0, 2), [["k0", "x"], ["k1", "x"]]);
    assert.ok(radius(9) > radius(null));
  });
});
