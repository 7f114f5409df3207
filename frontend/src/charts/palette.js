// Categorical colours for the bubbles: d3 scales only, no DOM.
import { scaleOrdinal, schemeDark2, schemeTableau10 } from "d3";

const PALETTE = [...schemeTableau10, ...schemeDark2, "#1f78b4", "#b15928", "#6a3d9a"];
const UNKNOWN_COLOUR = "#8a8f98";

/**
 * A colour for each item: one palette colour per `key(item)`, the most common keys first (ties by
 * name) so the biggest groups get the clearest colours; grey for items without a key.
 */
export function colourBy(items, key, { unknown = UNKNOWN_COLOUR } = {}) {
  const counts = new Map();
  for (const item of items) {
    const k = key(item);
    if (k) counts.set(k, (counts.get(k) || 0) + 1);
  }
  const palette = scaleOrdinal()
    .domain([...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || a.localeCompare(b)))
    .range(PALETTE);
  return (item) => {
    const k = key(item);
    return k ? palette(k) : unknown;
  };
}
