// How values are written for people (node:test; no browser).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { formatPlatforms, formatProbability, formatScore, formatShare, formatTimestamp } from "../src/format.js";

describe("formatting", () => {
  it("formats scores and probabilities", () => {
    assert.equal(formatScore(7), "7/10");
    assert.equal(formatScore(null), "not scored");
    assert.equal(formatProbability(0.873), "87%");
    assert.equal(formatProbability(0.001), "<1%");
    assert.equal(formatProbability(0), "0%");
  });
  it("formats platforms, timestamps and shares, with a dash for what is missing", () => {
    assert.equal(formatPlatforms(["Netflix", "Hulu"]), "Netflix, Hulu");
    assert.equal(formatPlatforms([]), "not streaming");
    assert.equal(formatTimestamp("2026-11-26T12:00:30Z"), "2026-11-26 12:00 UTC");
    assert.equal(formatTimestamp("yesterday"), "yesterday");
    assert.equal(formatTimestamp(null), "–");
    assert.equal(formatShare(0.375), "37.5%");
    assert.equal(formatShare("x"), "–");
  });
});
