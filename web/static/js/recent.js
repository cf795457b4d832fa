// The caller's recent files and favourites, across spaces, and the menu entry that
// stars or unstars an item. Both lists page with next_cursor like every list.

import { api } from "./api.js";
import { h } from "./dom.js";
import { formatDate, formatSize, fullDate, t } from "./i18n.js";
import { itemList, download, downloadZip } from "./items.js";
import { pagedView } from "./lists.js";
import { shareDialog } from "./share.js";
import { toast } from "./ui.js";
import { openViewer, viewable } from "./viewer.js";

/** The menu entry that stars the item, or unstars it; list shows the change. */
export function starEntry(item, list, onUnstar) {
  const on = !item.favorite;
  return {
    label: t(on ? "action.star" : "action.unstar"), icon: "star",
    run: async () => {
      try {
        await api(`/items/${item.id}/favorite`, { method: on ? "PUT" : "DELETE" });
      } catch (err) {
        toast(err.title || t("error.generic"), { error: true });
        return;
      }
      item.favorite = on;
      if (!on && onUnstar) onUnstar(item);
      else list?.replace?.(item);
      toast(t(on ? "toast.starred" : "toast.unstarred", { name: item.name }));
    },
  };
}

/** "Récents": the files the caller last opened or changed, newest first. */
export function showRecent(main) {
  document.title = `${t("recent.title")} — ${t("app.title")}`;
  const list = crossList(t("recent.title"), (item) => [
    h("time", { datetime: item.at, title: fullDate(item.at) },
      t(item.action === "changed" ? "meta.changed" : "meta.opened", { date: formatDate(item.at) })),
    " · ", t("meta.in", { space: item.space_name })]);
  return pagedView(main, { title: t("recent.title"), hint: t("recent.hint"), path: "/recent", empty: t("recent.empty"), emptyIcon: "history", list });
}

/** "Favoris": the items the caller starred, newest star first. */
export function showFavorites(main) {
  document.title = `${t("favorites.title")} — ${t("app.title")}`;
  const list = crossList(t("favorites.title"), (item) => [
    item.kind === "file" ? formatSize(item.size) + " · " : "", t("meta.in", { space: item.space_name })],
  (item) => { list.remove_(item.id); list.changed(); });
  return pagedView(main, { title: t("favorites.title"), path: "/favorites", empty: t("favorites.empty"), emptyIcon: "star", list });
}

// A list of items from any space: images and PDFs open in the viewer, as in a
// folder; the menu downloads, stars or unstars, and shares what the caller manages.
function crossList(label, meta, onUnstar) {
  const list = itemList({
    label, view: "list", meta,
    open: (item) => viewable(item) && (openViewer(list, item), true),
    entries: (item) => {
      const entries = [];
      if (item.kind === "file") entries.push({ label: t("action.download"), icon: "download", run: () => download(item) });
      else entries.push({ label: t("action.downloadZip"), icon: "download", run: () => downloadZip([item]).catch((err) => toast(err.title, { error: true })) });
      entries.push(starEntry(item, list, onUnstar));
      if (item.can_share) entries.push({ label: t("action.share"), icon: "share", run: () => shareDialog(item) });
      return entries;
    },
  });
  return list;
}
