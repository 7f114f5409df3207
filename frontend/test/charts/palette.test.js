// Bubble colours (node:test; d3's scales, no browser).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { schemeTableau10 } from "d3";

import { colourBy } from "../../src/charts/palette.js";

describe("colourBy", () => {
  const movies = ["Drama", "Horror", "Horror", null, "Action", "Horror", "Drama"].map((g, id) => ({ id, g }));
  const colour = colourBy(movies, (m) => m.g);
  it("gives the most common keys the first colours, one colour per key", () => {
    assert.equal(colour(movies[1]), schemeTableau10[0]); // Horror: 3
    assert.equal(colour(movies[0]), schemeTableau10[1]); // Drama: 2
    assert.equal(colour(movies[4]), schemeTableau10[2]); // Action: 1
    assert.equal(colour(movies[6]), colour(movies[0]));
  });
  it("colours items without a key grey", () => {
    assert.equal(colour(movies[3]), "#8a8f98");
    assert.equal(colourBy(movies, (m) => m.g, { unknown: "#000" })(movies[3]), "#000");
  });
});
