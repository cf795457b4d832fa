// "Intégrer dans un blog…": publishes the current version of an image, a video or
// a sound for a blog post or a wiki page that people read without an account (see
// the README's "Embeds"). The dialog makes the embed and shows the HTML to paste,
// with a button that copies it; the address is shown this once (the server keeps a
// hash of it). The embeds made are listed, each with "Retirer".

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { longDay, t } from "./i18n.js";
import { dialog, field } from "./ui.js";
import { session } from "./state.js";

// The image types every browser shows (no SVG: the server refuses it too).
const images = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"];

/** The kind of media a file is, for an embed: "image", "video", "audio" or "". */
function mediaKind(item) {
  const type = (item.mime_type || "").split(";")[0].trim();
  if (item.kind !== "file") return "";
  if (images.includes(type)) return "image";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  return "";
}

/** Whether a file's menu offers embedding: teachers and staff who may change it. */
export function offersEmbed(item) {
  const staff = ["Teacher", "Personnel"].includes(session.me?.profile);
  return staff && item.can_edit && mediaKind(item) !== "";
}

const escape = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The HTML a portal's editor takes: <img alt>, <video controls> or <audio controls>. */
export function snippet(item, url, alt) {
  switch (mediaKind(item)) {
    case "image": return `<img src="${escape(url)}" alt="${escape(alt)}">`;
    case "video": return `<video controls preload="metadata" src="${escape(url)}"></video>`;
    default: return `<audio controls src="${escape(url)}"></audio>`;
  }
}

/** The dialog: make an embed, copy its HTML, list and remove the embeds made. */
export function embedDialog(item) {
  const said = h("p", { class: "said", role: "status" });
  const list = h("ul", { class: "links", "aria-labelledby": "embed-existing" });
  const created = h("div", { class: "link-created", hidden: true });
  const refresh = async () => {
    try {
      const got = await api(`/items/${item.id}/embeds`, { query: { limit: 200 } });
      fill(list, got.items.length ? got.items.map((e) => embedRow(item, e, removed)) : h("li", { class: "hint" }, t("embed.none")));
    } catch (err) {
      fill(list, h("li", {}, err.title));
    }
  };
  // After a removal, the focus goes to the next embed's button, or to the dialog.
  const removed = async (err) => {
    if (err) { said.textContent = err.title; return; }
    await refresh();
    said.textContent = t("embed.removed");
    list.querySelector("button")?.focus();
  };
  refresh();
  return dialog({
    title: t("embed.title", { name: item.name }),
    className: "share embed",
    body: [
      h("p", { class: "link-intro" }, icon(mediaKind(item) || "file"), h("span", {}, t("embed.intro"))),
      h("p", { class: "hint" }, t("embed.version")),
      created,
      h("h3", { id: "embed-existing" }, t("embed.existing")), list, said,
    ],
    buttons: [{ label: t("action.close"), value: null }, { label: t("embed.create"), value: "create", primary: true }],
    onSubmit: async () => {
      const made = await api(`/items/${item.id}/embeds`, { method: "POST" });
      showCreated(created, item, made, said);
      await refresh();
      return false;
    },
  });
}

/** The HTML of an embed just made, shown this once, with its copy button. */
function showCreated(box, item, made, said) {
  const base = item.name.replace(/\.[^.]+$/, "");
  const code = h("textarea", { readonly: true, rows: 3, class: "embed-code link-url", spellcheck: "false" });
  const copied = h("p", { class: "said", role: "status" });
  const alt = h("input", { type: "text", value: base, autocomplete: "off" });
  const write = () => { code.value = snippet(item, made.url, alt.value.trim()); };
  alt.addEventListener("input", write);
  write();
  const copy = h("button", { type: "button", class: "primary" }, icon("check"), t("embed.copy"));
  copy.addEventListener("click", () => copyText(code, copied));
  said.textContent = "";
  const media = mediaKind(item) === "image"
    ? h("img", { src: made.thumbnail_urls?.medium || made.url, alt: "", class: "embed-preview" })
    : null;
  fill(box, h("p", { class: "notice", role: "status" }, icon("warning"), h("span", {}, t("embed.once"))),
    mediaKind(item) === "image" ? field("embed-alt", t("embed.alt"), alt) : null,
    field("embed-code", t("embed.code"), code),
    h("div", { class: "buttons start" }, copy), copied, media);
  // A thumbnail still being made: the image itself stands in.
  media?.addEventListener("error", () => { if (media.src !== made.url) media.src = made.url; }, { once: true });
  box.hidden = false;
  code.focus();
  code.select();
}

/** Copies the code; where the clipboard is refused, selects it for Ctrl+C. */
async function copyText(input, said) {
  try {
    await navigator.clipboard.writeText(input.value);
    said.textContent = t("embed.copied");
  } catch {
    input.focus();
    input.select();
    said.textContent = t("embed.copyByHand");
  }
}

/** An embed in the list: when and by whom it was made, and "Retirer". */
function embedRow(item, e, removed) {
  const day = longDay(e.created_at);
  const remove = h("button", { type: "button", class: "small danger", "aria-label": t("embed.removeOf", { date: day }) }, t("embed.remove"));
  remove.addEventListener("click", async () => {
    try {
      await api(`/items/${item.id}/embeds/${e.id}`, { method: "DELETE" });
    } catch (err) {
      removed(err);
      return;
    }
    removed();
  });
  const who = e.created_by === session.me?.id ? t("embed.byYou") : t("embed.by", { who: e.created_by });
  return h("li", {}, icon(mediaKind(item) || "file"),
    h("span", { class: "when" }, t("embed.made", { date: day }), h("span", { class: "hint" }, who)),
    remove);
}
