// The hover card of the chart: a movie's title, genre, vibe score and platforms beside its bubble,
// shown on hover and on keyboard focus. Text only (el() sets textContent): titles are untrusted.
import { el } from "../dom.js";
import { formatPlatforms, formatScore } from "../format.js";

/**
 * A hidden card, {node, id, show(movie, bubble), hide()}: `show` fills it and places it beside the
 * bubble ({x, y, r, width, height} in px of a drawing whose top left is the card's offset parent).
 */
export function createHoverCard({ id = "hovercard" } = {}) {
  const node = el("div", { class: "hovercard", attrs: { role: "tooltip", id, hidden: true } });

  function show(movie, bubble) {
    node.replaceChildren(
      el("strong", { class: "hovercard-title", text: movie.title }),
      el("span", { class: "hovercard-row", text: `Genre: ${movie.primary_genre || "unknown"}` }),
      el("span", { class: "hovercard-row", text: `Vibe score: ${formatScore(movie.vibe_score)}` }),
      el("span", { class: "hovercard-row", text: `Platform: ${formatPlatforms(movie.platforms)}` }),
    );
    node.hidden = false;
    const { x, y, r, width, height } = bubble;
    const cardWidth = node.offsetWidth;
    const left = x + r + 10 + cardWidth > width ? Math.max(4, x - r - 10 - cardWidth) : x + r + 10;
    // CSSOM, not a style="" attribute: the CSP allows the former only.
    node.style.left = `${Math.round(left)}px`;
    node.style.top = `${Math.round(Math.max(4, Math.min(height - node.offsetHeight - 4, y - 20)))}px`;
  }

  function hide() {
    node.hidden = true;
  }

  return { node, id, show, hide };
}
