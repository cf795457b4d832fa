// The viewer: the images and PDFs of a folder shown in place, full window, one
// after the other in the list's order (buttons, arrow keys, a swipe on a phone).
// What it shows is the preview worker's large rendition, re-encoded by libvips, so
// no byte a user uploaded is shown on the app's origin; for a PDF, its first page.
// The original comes through "Télécharger", and a PDF opens whole in a new tab from
// the download origin, when the service has one.

import { api } from "./api.js";
import { h, fill, icon, itemIcon } from "./dom.js";
import { t } from "./i18n.js";
import { download, openInNewTab } from "./items.js";
import { remember } from "./state.js";
import { dialog, toast } from "./ui.js";

/** Whether the viewer shows this item: an image or a PDF. */
export function viewable(item) {
  const type = item.mime_type || "";
  return item.kind === "file" && (type.startsWith("image/") || type === "application/pdf");
}

const isPdf = (item) => item.mime_type === "application/pdf";

// The API never shows a PDF inline on the app's origin: it opens in the browser
// only when its URL is on another origin (CARTABLE_DOWNLOAD_ORIGIN).
const opensElsewhere = (item) => !!item.download_url && new URL(item.download_url, location.href).origin !== location.origin;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Shows item in the viewer, with previous and next over the viewable files of list
 * (an itemList, in its order). Closing puts the focus on the row of the file shown
 * last.
 */
export async function openViewer(list, item) {
  const files = [...list.querySelectorAll("li.item")].map((li) => li.item).filter(viewable);
  let at = Math.max(0, files.findIndex((f) => f.id === item.id));
  const nav = (name, label) => h("button", { type: "button", class: "icon-button viewer-nav " + name, "aria-label": label, title: label }, icon(name));
  const prev = nav("previous", t("viewer.previous"));
  const next = nav("next", t("viewer.next"));
  if (files.length < 2) prev.hidden = next.hidden = true;
  // The picture takes the focus first, not a button: the Enter that opened the
  // viewer is not over (its keypress comes next) and would press it.
  const figure = h("figure", { class: "viewer-figure", tabindex: "-1", autofocus: true });
  const stage = h("div", { class: "viewer-stage" }, prev, figure, next);
  const position = h("p", { class: "viewer-position", "aria-hidden": "true" });
  const announce = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const openPdf = h("button", { type: "button" }, icon("external"), t("viewer.openPdf"));
  const save = h("button", { type: "button" }, icon("download"), t("action.download"));
  const closed = dialog({
    title: files[at].name, className: "viewer",
    body: [stage, h("div", { class: "viewer-bar" }, position, announce, h("div", { class: "viewer-actions" }, openPdf, save))],
    buttons: [{ label: t("action.close"), value: null }],
  });
  const dlg = stage.closest("dialog");
  const title = dlg.querySelector("#dialog-title");

  // A URL that no longer holds (a listing older than the signed URLs' life) is
  // asked for again, once per file.
  const refreshed = new Set();
  const refresh = async (file) => {
    if (refreshed.has(file.id)) return;
    refreshed.add(file.id);
    try {
      update(remember(await api("/items/" + file.id)));
    } catch { /* gone: the picture stays broken, Télécharger says why */ }
  };
  const render = () => fill(figure, picture(files[at], refresh));
  const update = (fresh) => {
    const i = files.findIndex((f) => f.id === fresh.id);
    if (i < 0) return;
    files[i] = fresh;
    if (i === at && dlg.isConnected) render();
  };
  const show = () => {
    const file = files[at];
    title.textContent = file.name;
    position.textContent = t("viewer.position", { n: at + 1, total: files.length });
    announce.textContent = t("viewer.announce", { name: file.name, n: at + 1, total: files.length });
    prev.disabled = at === 0;
    next.disabled = at === files.length - 1;
    openPdf.hidden = !(isPdf(file) && opensElsewhere(file));
    render();
    // A button that just went out of use gives the focus to the other one.
    if (document.activeElement?.disabled || !dlg.contains(document.activeElement)) figure.focus();
    preload(files[at - 1]);
    preload(files[at + 1]);
    if (file.refresh_after && !file.thumbnails?.large) waitForPreview(file, dlg, update);
  };
  const go = (step) => {
    const to = at + step;
    if (to < 0 || to >= files.length) return;
    at = to;
    show();
  };

  prev.addEventListener("click", () => go(-1));
  next.addEventListener("click", () => go(1));
  openPdf.addEventListener("click", () => openInNewTab(files[at]));
  save.addEventListener("click", () => download(files[at]).catch((err) => toast(err.title || t("error.generic"), { error: true })));
  dlg.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") go(-1);
    else if (e.key === "ArrowRight") go(1);
    else return;
    e.preventDefault();
  });
  swipe(stage, go);
  show();

  await closed;
  const row = list.querySelector(`li[data-id="${files[at].id}"] a.name`);
  if (row) {
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }
}

/**
 * The largest rendition there is (a PDF's first page, with a word on how to read
 * the rest), or a placeholder. A new file's large rendition comes after its
 * smaller ones: the medium one is shown meanwhile, and replaced when it comes.
 */
function picture(file, refresh) {
  const large = file.thumbnails?.large || file.thumbnails?.medium;
  if (large) {
    const img = h("img", { src: large.url, alt: isPdf(file) ? t("viewer.pdfPage", { name: file.name }) : file.name,
      width: large.width, height: large.height, decoding: "async" });
    img.addEventListener("error", () => refresh(file), { once: true });
    return [img, isPdf(file) ? h("figcaption", {}, t(opensElsewhere(file) ? "viewer.pdfOpen" : "viewer.pdfDownload")) : null];
  }
  const pending = file.preview === "pending" || !!file.refresh_after; // the larger sizes are on their way
  return h("div", { class: "viewer-placeholder" }, icon(itemIcon(file), "icon big"), h("p", {}, t(pending ? "viewer.pending" : "viewer.none")));
}

// The large renditions on either side are fetched ahead, so that "next" shows at once.
function preload(file) {
  const large = file?.thumbnails?.large;
  if (large) new Image().src = large.url;
}

// A preview being made, or its large size, is asked for again as the answer says
// (refresh_after, seconds), for two minutes at most, while the viewer is open.
const waiting = new Set();
async function waitForPreview(file, dlg, update) {
  if (waiting.has(file.id)) return;
  waiting.add(file.id);
  try {
    let fresh = file;
    for (const until = Date.now() + 120000; Date.now() < until;) {
      await sleep((fresh.refresh_after || 2) * 1000);
      if (!dlg.isConnected) return;
      const before = fresh;
      fresh = await api("/items/" + file.id);
      if (fresh.thumbnails?.large || !fresh.refresh_after) {
        update(remember(fresh));
        return;
      }
      if (fresh.thumbnails?.medium && !before.thumbnails?.medium) update(remember(fresh));
    }
  } catch { /* gone or no longer visible: the placeholder stays */ } finally {
    waiting.delete(file.id);
  }
}

// A finger swiped sideways across the picture goes to the next or previous file.
function swipe(stage, go) {
  let from = null;
  stage.addEventListener("pointerdown", (e) => { from = e.pointerType === "mouse" ? null : { x: e.clientX, y: e.clientY }; });
  stage.addEventListener("pointerup", (e) => {
    if (!from) return;
    const dx = e.clientX - from.x;
    const dy = e.clientY - from.y;
    from = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > 2 * Math.abs(dy)) go(dx < 0 ? 1 : -1);
  });
  stage.addEventListener("pointercancel", () => { from = null; });
}
