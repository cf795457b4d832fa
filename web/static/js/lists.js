// The two lists that are not folders: what others shared with the caller, and the
// trash. Both page with next_cursor like every list of the API.

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { formatDate, formatSize, fullDate, t } from "./i18n.js";
import { itemList, download, downloadZip } from "./items.js";
import { purge, restore } from "./actions.js";
import { shareDialog } from "./share.js";
import { toast } from "./ui.js";
import { newView, session } from "./state.js";
import { showQuota } from "./quota.js";
import { openViewer, viewable } from "./viewer.js";
import { starEntry } from "./recent.js";

/** "Partagés avec moi": the top-most items shared with the caller, newest first. */
export function showShared(main) {
  document.title = `${t("shared.title")} — ${t("app.title")}`;
  const list = itemList({
    label: t("shared.title"), view: session.view,
    // Images and PDFs shared with the caller open in the viewer, as in a folder.
    open: (item) => viewable(item) && (openViewer(list, item), true),
    meta: (item) => [item.kind === "file" ? formatSize(item.size) + " · " : "",
      item.shared_by_name ? t("meta.sharedBy", { name: item.shared_by_name }) + " · " : "",
      h("time", { datetime: item.shared_at, title: fullDate(item.shared_at) }, formatDate(item.shared_at))],
    entries: (item) => {
      const entries = [];
      if (item.kind === "file") entries.push({ label: t("action.download"), icon: "download", run: () => download(item) });
      else entries.push({ label: t("action.downloadZip"), icon: "download", run: () => downloadZip([item]).catch((err) => toast(err.title, { error: true })) });
      entries.push(starEntry(item, list));
      if (item.can_share) entries.push({ label: t("action.share"), icon: "share", run: () => shareDialog(item) });
      return entries;
    },
  });
  return pagedView(main, { title: t("shared.title"), path: "/shared", empty: t("shared.empty"), emptyIcon: "share", list });
}

/** The trash: what the caller trashed, and what was trashed in the spaces they manage. */
export function showTrash(main) {
  document.title = `${t("trash.title")} — ${t("app.title")}`;
  let list;
  list = itemList({
    label: t("trash.title"), view: "list", links: false,
    meta: (item) => [item.kind === "file" ? formatSize(item.size) + " · " : "",
      h("time", { datetime: item.trashed_at, title: fullDate(item.trashed_at) }, t("meta.trashed", { date: formatDate(item.trashed_at) }))],
    entries: (item) => {
      const entries = [{ label: t("action.restore"), icon: "restore", run: () => restore(item, list).then(() => list.changed()) }];
      if (item.role === "manager") entries.push({ label: t("action.purge"), icon: "trash", danger: true, run: () => purge(item, list).then(() => list.changed()) });
      return entries;
    },
  });
  return pagedView(main, { title: t("trash.title"), hint: t("trash.hint"), path: "/trash", empty: t("trash.empty"), emptyIcon: "trash", list, restoreButtons: true });
}

/** Search results: the items whose names hold the words, where each one lies. */
export function showSearch(main, q) {
  document.title = `${t("search.title", { q })} — ${t("app.title")}`;
  const list = itemList({
    label: t("search.title", { q }), view: "list",
    open: (item) => viewable(item) && (openViewer(list, item), true),
    meta: (item) => [item.kind === "file" ? formatSize(item.size) + " · " : "", placeOf(item), " · ",
      h("time", { datetime: item.modified_at, title: fullDate(item.modified_at) }, formatDate(item.modified_at))],
    entries: (item) => item.kind === "file" ? [{ label: t("action.download"), icon: "download", run: () => download(item) }]
      : [{ label: t("action.downloadZip"), icon: "download", run: () => downloadZip([item]).catch((err) => toast(err.title, { error: true })) }],
  });
  return pagedView(main, { title: t("search.title", { q }), hint: t("search.hint"), path: "/search", query: { q }, empty: t("search.empty"), emptyIcon: "search", list });
}

// Where a result lies: "6A › Séquence 1", a link to its folder when the caller may open it.
function placeOf(item) {
  const place = [item.space_name || t("search.shared"), ...item.path].join(" › ");
  const label = t("search.in", { place });
  return item.path.length || item.space_name ? h("a", { class: "place", href: "/dossiers/" + item.parent_id }, label) : label;
}

// A titled list read page by page, with its empty state.
export async function pagedView(main, { title, hint, path, query, empty, emptyIcon, list, restoreButtons }) {
  const current = newView();
  showQuota(null);
  const status = h("p", { class: "list-status", role: "status" });
  const more = h("button", { type: "button", class: "load-more", hidden: true }, t("folder.more"));
  const none = h("div", { class: "empty", hidden: true }, icon(emptyIcon, "icon big"), h("p", { class: "empty-title" }, empty));
  list.changed = () => { none.hidden = !(list.count() === 0 && more.hidden); };
  fill(main, h("div", { class: "folder-view" }, h("div", { class: "folder-head" }, h("h1", {}, title)),
    hint ? h("p", { class: "notice" }, hint) : null, none, list, more, status));
  if (restoreButtons) {
    // A visible "Restaurer" on each row: the one thing people come to the trash for.
    const add = list.add;
    list.add = (items) => {
      add(items);
      for (const item of items) {
        const li = list.querySelector(`li[data-id="${item.id}"]`);
        const b = h("button", { type: "button", class: "restore", tabindex: "-1", onclick: () => restore(item, list).then(() => list.changed()) },
          icon("restore"), t("action.restore"), h("span", { class: "visually-hidden" }, " « " + item.name + " »"));
        li.querySelector(".more").before(b);
        b.tabIndex = li.querySelector(".more").tabIndex;
      }
    };
  }
  let cursor;
  const load = async () => {
    more.disabled = true;
    status.textContent = t("folder.loading");
    try {
      const got = await api(path, { query: { ...query, limit: 100, cursor } });
      if (!current()) return;
      list.add(got.items);
      list.touch();
      cursor = got.next_cursor;
      more.hidden = !cursor;
      status.textContent = "";
      list.changed();
    } catch (err) {
      status.textContent = err.title || t("error.generic");
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", load);
  await load();
}
