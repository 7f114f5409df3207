// The detail page of one movie: everything GET /api/movies/{id} returns. Every AI-generated field
// (predicted genres, LLM genres, summary, vibe score, tags) carries an "AI-generated" marker
// naming its provider; movies without enrichment or predictions say so instead.
import { fetchMovie, posterUrl, safeHttpUrl } from "../api.js";
import { aiBadge, definitions, el, externalLink } from "../dom.js";
import { formatPlatforms, formatProbability, formatScore, formatTimestamp } from "../format.js";
import { routeHash } from "../routes.js";

/** Who generated a movie's predicted genres: "genre-xgb v3.0.0", or null without a model. */
function modelProvider(lineage) {
  if (!lineage || !lineage.model_name) return null;
  return lineage.model_version ? `${lineage.model_name} ${lineage.model_version}` : lineage.model_name;
}

/** A section with a heading, an optional AI badge beside it, and its content. */
function field(name, title, badgeProvider, ...content) {
  return el(
    "section",
    { class: "field", attrs: { "data-field": name, "aria-labelledby": `field-${name}` } },
    el("h3", { attrs: { id: `field-${name}` } }, title, badgeProvider === undefined ? null : " ", badgeProvider === undefined ? null : aiBadge(badgeProvider)),
    ...content,
  );
}

function chips(values, className = "chip") {
  if (!values || !values.length) return el("p", { class: "muted", text: "none" });
  return el("ul", { class: "chips" }, values.map((v) => el("li", { class: className, text: v })));
}

function notice(text) {
  return el("p", { class: "notice", text });
}

function probabilities(movie) {
  const provider = modelProvider(movie.lineage);
  if (!movie.genre_probabilities || !provider) {
    return field("predicted-genres", "Predicted genres", undefined,
      notice("No genre predictions: no model was published with this dataset."));
  }
  const rows = movie.genre_probabilities.map((g) =>
    el("tr", { class: g.predicted ? "predicted" : "", attrs: { "data-genre": g.genre } },
      el("th", { attrs: { scope: "row" }, text: g.genre }),
      el("td", {}, el("meter", { attrs: { min: 0, max: 1, value: g.probability, "aria-label": `${g.genre} probability` } })),
      el("td", { class: "num", text: formatProbability(g.probability) }),
      el("td", { text: g.predicted ? "predicted" : "" })),
  );
  return field(
    "predicted-genres", "Predicted genres", provider,
    el("p", {}, "Decided by the model's thresholds: ", chips(movie.predicted_genres || [])),
    el("table", { class: "probabilities" },
      el("caption", { text: "Probability of each genre" }),
      el("thead", {}, el("tr", {}, el("th", { attrs: { scope: "col" }, text: "Genre" }),
        el("th", { attrs: { scope: "col" }, text: "" }),
        el("th", { attrs: { scope: "col" }, text: "Probability" }),
        el("th", { attrs: { scope: "col" }, text: "Decision" }))),
      el("tbody", {}, rows)),
  );
}

function enrichment(movie) {
  if (!movie.is_enriched) {
    return [field("enrichment", "AI enrichment", undefined,
      notice("Not enriched yet: this movie has no AI summary, vibe score, vibe tags or LLM genres."))];
  }
  const provider = movie.provider || movie.lineage?.provider;
  return [
    field("summary", "Summary of the reviews", provider, el("p", { class: "summary", text: movie.summary ?? "" })),
    field("vibe-score", "Vibe score", provider, el("p", { class: "score", text: formatScore(movie.vibe_score) })),
    field("vibe-tags", "Vibe tags", provider, chips(movie.vibe_tags, "chip tag")),
    field("llm-genres", "LLM genres", provider, chips(movie.llm_genres)),
  ];
}

function reviews(movie) {
  if (!movie.reviews.length) return field("reviews", "Source reviews", undefined, notice("No reviews were published for this movie."));
  const items = movie.reviews.map((r) => {
    const href = safeHttpUrl(r.url);
    const head = [
      el("span", { class: "review-source", text: r.source }),
      r.rating === null || r.rating === undefined ? null : el("span", { class: "review-rating", text: ` · rated ${r.rating}/10` }),
      " · ",
      href ? externalLink(href, "read the review") : el("span", { class: "muted", text: "no link" }),
    ];
    return el("li", { class: "review", attrs: { "data-review-id": r.id } },
      el("p", { class: "review-head" }, head),
      el("blockquote", { class: "review-excerpt", text: r.excerpt }));
  });
  return field("reviews", `Source reviews (${movie.reviews.length})`, undefined, el("ul", { class: "reviews" }, items));
}

function poster(movie) {
  const url = posterUrl(movie.poster_path);
  if (!movie.poster_path) return el("span", { class: "muted", text: "no poster" });
  return el("span", {}, el("code", { class: "poster-path", text: movie.poster_path }),
    url ? [" (", externalLink(url, "open on TMDb"), ")"] : null);
}

function lineage(movie) {
  const l = movie.lineage;
  return field("lineage", "Lineage", undefined, definitions([
    ["Data version", el("code", { text: l.data_version })],
    ["Model", l.model_name ?? "no model published"],
    ["Model version", l.model_version],
    ["Prompt version", l.prompt_version ?? (movie.is_enriched ? null : "not enriched")],
    ["Enrichment provider", l.provider ?? (movie.is_enriched ? null : "not enriched")],
    ["Published at", formatTimestamp(l.published_at)],
  ]));
}

function backLink() {
  return el("p", {}, el("a", { class: "back", attrs: { href: routeHash("chart") }, text: "← Back to the chart" }));
}

/** The detail page's content for a movie detail document. */
function renderDetail(movie) {
  return el("article", { class: "detail", attrs: { "data-movie-id": movie.id } },
    backLink(),
    el("h2", { class: "detail-title", attrs: { tabindex: -1 }, text: movie.title }),
    definitions([
      ["Poster", poster(movie)],
      ["Primary genre", movie.primary_genre ?? "unknown"],
      ["Genres (TMDb)", movie.genres.length ? movie.genres.join(", ") : "none"],
      ["Streaming on", formatPlatforms(movie.platforms)],
      ["Release date", movie.release_date ?? "unknown"],
      ["Language", movie.original_language],
      ["Trending rank", String(movie.trending_rank)],
      ["Popularity", movie.popularity.toFixed(1)],
      ["TMDb rating", `${movie.vote_average.toFixed(1)} (${movie.vote_count} votes)`],
    ]),
    field("overview", "Overview", undefined, el("p", { class: "overview", text: movie.overview || "No overview." })),
    ...enrichment(movie),
    probabilities(movie),
    reviews(movie),
    lineage(movie),
  );
}

/**
 * Load movie `id` into `container`: its detail page, or why it cannot be shown. Resolves to the
 * movie (null when it could not be loaded); draws nothing once `isCurrent()` turns false.
 */
export async function showMovie(container, id, { isCurrent = () => true } = {}) {
  container.replaceChildren(el("p", { class: "muted", attrs: { role: "status" }, text: "Loading the movie…" }));
  const result = await fetchMovie(id);
  if (!isCurrent()) return null;
  if (!result.ok) {
    container.replaceChildren(
      backLink(),
      el("h2", { attrs: { tabindex: -1 }, text: result.status === 404 ? "Movie not found" : "The movie could not be loaded" }),
      el("p", { class: "notice", text: result.detail }),
    );
    return null;
  }
  container.replaceChildren(renderDetail(result.data));
  return result.data;
}
