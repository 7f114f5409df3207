// The clusters of a grouping: which cluster each item is in, in display order, and the cap that
// keeps a grouping with many values (32 vibe tags) to a readable number of clusters.

/** At most this many clusters; the smallest groups beyond it are merged into OTHER_CLUSTER. */
export const MAX_CLUSTERS = 12;
/** The cluster the smallest groups merge into. */
export const OTHER_CLUSTER = "Other";

/**
 * The clusters of `items` under `grouping` ({key(item), missing, order}): [{key, count}] in display
 * order, and the cluster key of each item id (`byId`). Keys listed in `order` keep that order;
 * otherwise groups go largest first (ties by name), with the `missing` group last. Beyond `max`
 * clusters the smallest groups merge into "Other"; the missing group always stays on its own.
 */
export function clusterBy(items, grouping, { id = (d) => d.id, max = MAX_CLUSTERS } = {}) {
  const { key, missing, order } = grouping;
  const raw = items.map((item) => key(item));
  const counts = new Map();
  for (const k of raw) counts.set(k, (counts.get(k) || 0) + 1);
  let keys = [...counts.keys()];
  if (order) {
    keys.sort((a, b) => rank(order, a) - rank(order, b));
  } else {
    keys.sort((a, b) => (a === missing) - (b === missing) || counts.get(b) - counts.get(a) || a.localeCompare(b));
  }
  const merged = new Map();
  if (keys.length > max) {
    const kept = new Set(keys.filter((k) => k !== missing).slice(0, max - 2));
    for (const k of keys) if (!kept.has(k) && k !== missing) merged.set(k, OTHER_CLUSTER);
    keys = [...keys.filter((k) => kept.has(k)), OTHER_CLUSTER, ...(counts.has(missing) ? [missing] : [])];
  }
  const byId = new Map();
  const sizes = new Map(keys.map((k) => [k, 0]));
  items.forEach((item, i) => {
    const cluster = merged.get(raw[i]) ?? raw[i];
    byId.set(id(item), cluster);
    sizes.set(cluster, sizes.get(cluster) + 1);
  });
  return { clusters: keys.map((k) => ({ key: k, count: sizes.get(k) })), byId };
}

function rank(order, key) {
  const index = order.indexOf(key);
  return index === -1 ? order.length : index;
}
