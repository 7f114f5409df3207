// The governance and monitoring pages: model card (+ enrichment card), ML Test Score and drift.
// Their endpoints may be missing on an older API or before a first run: a 404 (or any error)
// becomes a clear "not available" message, never a broken page.
import { fetchDocument, safeHttpUrl } from "../api.js";
import { definitions, el, externalLink } from "../dom.js";
import { formatShare, formatTimestamp } from "../format.js";

const CARD_ORDER = [
  "name", "version", "intended_use", "out_of_scope", "training_data", "genres", "metrics",
  "slices", "baselines", "limitations", "explanations", "gate", "reproduce",
];
const MAX_DEPTH = 4;

function humanize(key) {
  const text = String(key).replace(/[_-]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatNumber(value) {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 ? value.toFixed(0) : String(Number(value.toPrecision(4)));
}

function isScalar(value) {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function scalarText(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return formatNumber(value);
  return String(value);
}

/** Any JSON value as text-only DOM: objects as definition lists, record arrays as tables. */
function renderValue(value, depth = 0) {
  if (isScalar(value) || value === undefined) return el("span", { class: "value", text: scalarText(value) });
  if (depth >= MAX_DEPTH) return el("code", { class: "json", text: JSON.stringify(value) });
  if (Array.isArray(value)) {
    if (!value.length) return el("span", { class: "muted", text: "none" });
    if (value.every(isScalar)) return el("span", { class: "value", text: value.map(scalarText).join(", ") });
    if (value.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
      const columns = [...new Set(value.flatMap((v) => Object.keys(v)))];
      if (columns.length <= 8) return table(columns, value, depth);
    }
    return el("ol", { class: "json-list" }, value.map((v) => el("li", {}, renderValue(v, depth + 1))));
  }
  if (!Object.keys(value).length) return el("span", { class: "muted", text: "none" });
  const list = el("dl", { class: "json-object" });
  for (const [key, v] of Object.entries(value)) {
    list.append(el("dt", { text: humanize(key) }), el("dd", {}, renderValue(v, depth + 1)));
  }
  return list;
}

function table(columns, rows, depth) {
  return el("div", { class: "table-scroll" }, el("table", { class: "records" },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { attrs: { scope: "col" }, text: humanize(c) })))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((c) => el("td", {}, renderValue(row[c], depth + 1))))))));
}

function unavailable(what, result) {
  const reason = result.status === 404 ? "not available" : "could not be loaded";
  return el("div", { class: "unavailable", attrs: { role: "status", "data-status": result.status } },
    el("p", { class: "notice", text: `${what} is ${reason} (HTTP ${result.status || "error"}): ${result.detail}` }),
    el("p", { class: "muted", text: result.status === 404 ? "It appears here once the pipeline has produced it." : "Try again later." }));
}

function loading(container, text) {
  container.replaceChildren(el("p", { class: "muted", attrs: { role: "status" }, text }));
}

function cardSections(card) {
  const keys = [...CARD_ORDER.filter((k) => k in card), ...Object.keys(card).filter((k) => !CARD_ORDER.includes(k))];
  return keys.map((key) => el("section", { class: "card-section", attrs: { "data-key": key } },
    el("h4", { text: humanize(key) }), renderValue(card[key], 1)));
}

function decision(value) {
  if (!value || typeof value !== "object") return null;
  const verdict = String(value.decision ?? "unknown");
  const checks = Array.isArray(value.checks) ? value.checks : [];
  return el("section", { class: "decision", attrs: { "data-decision": verdict } },
    el("h3", { text: "Promotion gate" }),
    el("p", {}, "Decision: ", el("strong", { class: `verdict verdict-${verdict === "promote" ? "ok" : "bad"}`, text: verdict }),
      ` · ${checks.filter((c) => c && c.passed).length} of ${checks.length} checks passed`),
    checks.length ? table(["name", "passed", "value", "threshold", "evidence"], checks, 1) : null);
}

function markdownSource(markdown) {
  if (typeof markdown !== "string" || !markdown) return null;
  return el("details", { class: "markdown" }, el("summary", { text: "The card as Markdown" }),
    el("pre", { text: markdown }));
}

/** The model card page: the production model's card and gate decision, and the enrichment card. */
export async function renderModelCard(container) {
  loading(container, "Loading the model card…");
  const [model, enrichment] = await Promise.all([fetchDocument("model-card"), fetchDocument("enrichment-card")]);
  const parts = [el("h2", { attrs: { tabindex: -1 }, text: "Model card" })];
  if (!model.ok) {
    parts.push(unavailable("The model card", model));
  } else {
    const m = model.data;
    const card = m.card && typeof m.card === "object" ? m.card : {};
    parts.push(definitions([
      ["Model", m.model_name ?? "no model published"],
      ["Version", m.model_version],
      ["Data version", m.data_version ? el("code", { text: m.data_version }) : null],
      ["Published at", formatTimestamp(m.published_at)],
      ["Card source", m.card_source ?? null],
    ]));
    for (const [kind, reason] of Object.entries(m.missing || {})) {
      parts.push(el("p", { class: "notice missing", attrs: { "data-missing": kind }, text: `${humanize(kind)} not published: ${reason}` }));
    }
    parts.push(decision(m.decision));
    parts.push(el("div", { class: "card-body", attrs: { "data-card": "model" } }, cardSections(card)));
    parts.push(markdownSource(m.markdown));
    if (m.card_source && m.card_source !== "summary" && m.summary) {
      parts.push(el("details", { class: "summary-details" }, el("summary", { text: "Training summary (meta.json and test metrics)" }),
        renderValue(m.summary, 1)));
    }
  }
  parts.push(el("h2", { text: "Enrichment card" }));
  parts.push(enrichment.ok
    ? el("div", { class: "card-body", attrs: { "data-card": "enrichment" } }, cardSections(enrichment.data))
    : unavailable("The enrichment card", enrichment));
  container.replaceChildren(...parts.filter(Boolean));
}

/** The ML Test Score page: per-section tests and scores, and the final score. */
export async function renderTestScore(container) {
  loading(container, "Loading the ML Test Score…");
  const result = await fetchDocument("mltestscore");
  const parts = [el("h2", { attrs: { tabindex: -1 }, text: "ML Test Score" })];
  if (!result.ok) {
    container.replaceChildren(...parts, unavailable("The ML Test Score", result));
    return;
  }
  const score = result.data;
  parts.push(el("p", { class: "final-score" }, "Final score: ",
    el("strong", { attrs: { "data-final": score.final }, text: scalarText(score.final ?? null) }),
    score.generated_at ? el("span", { class: "muted", text: ` · generated ${formatTimestamp(score.generated_at)}` }) : null));
  parts.push(el("p", { class: "muted", text: "The final score is the lowest section score (Breck et al., “The ML Test Score”, 2017)." }));
  for (const [name, section] of Object.entries(score.sections || {})) {
    const tests = Array.isArray(section.tests) ? section.tests : [];
    parts.push(el("section", { class: "score-section", attrs: { "data-section": name } },
      el("h3", {}, `${humanize(name)} · score `, el("span", { class: "section-score", text: scalarText(section.score ?? null) })),
      tests.length ? table(["id", "title", "implemented_by", "automated", "score"], tests, 1) : el("p", { class: "muted", text: "no tests listed" })));
  }
  container.replaceChildren(...parts);
}

/** The drift page: latest drift summary and a link to the Evidently dashboard. */
export async function renderDrift(container) {
  loading(container, "Loading the drift summary…");
  const result = await fetchDocument("drift");
  const parts = [el("h2", { attrs: { tabindex: -1 }, text: "Data drift" })];
  if (!result.ok) {
    container.replaceChildren(...parts, unavailable("The drift summary", result));
    return;
  }
  const d = result.data;
  const dashboard = safeHttpUrl(d.dashboard_url);
  parts.push(
    definitions([
      ["Generated at", formatTimestamp(d.generated_at)],
      ["Dataset drift", scalarText(d.dataset_drift ?? null)],
      ["Drift share", el("span", { class: "drift-share", text: formatShare(d.drift_share) })],
      ["Drifted columns", el("span", { class: "drifted-columns", text: (d.drifted_columns || []).join(", ") || "none" })],
      ["Model stale", scalarText(d.stale_model ?? null)],
      ["Retraining triggered", scalarText(d.retrain_triggered ?? null)],
      ["Reasons", (d.reasons || []).join("; ") || "none"],
    ]),
    el("p", {}, dashboard
      ? externalLink(dashboard, "Open the drift dashboard (Evidently)")
      : el("span", { class: "muted", text: "No dashboard link in the summary." })),
  );
  for (const key of ["prediction_drift", "skew", "quality"]) {
    if (d[key] && typeof d[key] === "object") parts.push(el("section", { class: "card-section" }, el("h3", { text: humanize(key) }), renderValue(d[key], 1)));
  }
  container.replaceChildren(...parts);
}
