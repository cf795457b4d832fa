// A file's versions: each upload of a file of the same name ("Remplacer") keeps
// the one before. Every version can be downloaded; whoever may change the file
// can make an old one current again (the API adds it as a new version, so that
// nothing is lost).

import { api, ApiError } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { formatDate, formatSize, fullDate, t } from "./i18n.js";
import { save } from "./items.js";
import { dialog, toast } from "./ui.js";
import { remember } from "./state.js";

/** Opens the versions of a file; a restore shows in the folder's row too. */
export async function versionsDialog(item, ctx) {
  let file = item;
  let cursor;
  const list = h("ul", { class: "versions", "aria-label": t("versions.list"), tabindex: "-1" });
  const more = h("button", { type: "button", class: "load-more", hidden: true }, t("versions.more"));
  const status = h("p", { class: "list-status", role: "status" });

  const load = async (fresh) => {
    if (fresh) cursor = undefined;
    fill(status, t("folder.loading"));
    try {
      const got = await api(`/items/${item.id}/versions`, { query: { limit: 50, cursor } });
      if (fresh) list.replaceChildren();
      list.append(...got.items.map((v) => row(v, file.can_edit, restore)));
      cursor = got.next_cursor;
      more.hidden = !cursor;
      fill(status);
    } catch (err) {
      fill(status, err.title || t("error.generic"));
    }
  };
  const restore = async (v) => {
    try {
      file = remember(await api(`/items/${item.id}/versions/${v.id}/restore`, { method: "POST", etag: file.etag }));
    } catch (err) {
      fill(status, err.title || t("error.generic"));
      return;
    }
    ctx.list?.replace(file);
    await load(true);
    const now = t("versions.restored", { n: v.number, m: list.querySelector("li.current")?.dataset.number || "" });
    fill(status, now);
    toast(now);
    list.focus();
  };
  more.addEventListener("click", () => load(false));

  const shown = dialog({
    title: t("versions.title", { name: item.name }),
    className: "versions-dialog",
    body: [h("p", { class: "hint" }, t("versions.hint")), list, more, status],
    buttons: [{ label: t("action.close"), value: null }],
  });
  await load(true);
  await shown;
  // The row was drawn again after a restore: its menu button takes the focus back.
  if (document.activeElement === document.body) ctx.list?.querySelector(`li[data-id="${item.id}"] .more`)?.focus();
}

/** Who made a version: a purged leaver's marker (former:pupil, former:17) is shown translated. */
function authorName(v) {
  const by = v.created_by || "";
  if (!by.startsWith("former:")) return v.created_by_name;
  const kind = by === "former:staff" ? "staff" : by === "former:user" ? "user" : "pupil";
  return t("former." + kind);
}

/** One version: its number, when, by whom, its size, and what can be done with it. */
function row(v, canEdit, restore) {
  const which = h("span", { class: "visually-hidden" }, " " + t("versions.which", { n: v.number }));
  const meta = [h("time", { datetime: v.created_at, title: fullDate(v.created_at) }, formatDate(v.created_at))];
  const author = authorName(v);
  if (author) meta.push(" · " + author);
  meta.push(" · " + formatSize(v.size));
  return h("li", { class: "version" + (v.current ? " current" : ""), dataset: { number: v.number } },
    h("div", { class: "version-info" },
      h("strong", {}, t("versions.number", { n: v.number })),
      v.current ? h("span", { class: "badge" }, t("versions.current")) : null,
      h("div", { class: "meta" }, meta)),
    h("div", { class: "version-actions" },
      v.download_url ? h("button", { type: "button", onclick: () => save(v.download_url) }, icon("download"), t("action.download"), which) : null,
      canEdit && !v.current ? h("button", { type: "button", onclick: () => restore(v) }, icon("restore"), t("versions.restore"), which.cloneNode(true)) : null));
}

/**
 * The signed URL of one version of a file (what a hand-in pinned): read from the
 * file's versions, which carry them. A version gone (its file purged) is said so.
 */
export async function versionURL(itemId, versionId) {
  let cursor;
  do {
    const got = await api(`/items/${itemId}/versions`, { query: { limit: 100, cursor } });
    const v = got.items.find((x) => x.id === versionId);
    if (v) return v.download_url;
    cursor = got.next_cursor;
  } while (cursor);
  throw new ApiError(404, { code: "not_found", title: t("versions.gone") });
}
