// Choosing a file of the class space for an assignment: the class's folders with
// breadcrumbs, a file chosen in one click (the folder picker's look, move.js).

import { api } from "./api.js";
import { h, fill, icon, itemIcon } from "./dom.js";
import { formatSize, t } from "./i18n.js";
import { dialog } from "./ui.js";

/** Asks for a file of the space (a class space); answers it, or null. */
export async function pickClassFile(space, title) {
  let trail = [{ id: space.root_id, name: space.name }];
  const seen = new Map();
  const crumbs = h("nav", { class: "crumbs picker-crumbs", "aria-label": t("picker.where") });
  const list = h("ul", { class: "picker-list" });
  const note = h("p", { class: "picker-note", role: "status" });

  const go = async (next) => {
    trail = next;
    fill(crumbs, h("ol", {}, trail.map((f, i) => h("li", {}, i === trail.length - 1
      ? h("span", { "aria-current": "location" }, f.name)
      : h("button", { type: "button", class: "link", onclick: () => go(trail.slice(0, i + 1)) }, f.name)))));
    fill(note, t("folder.loading"));
    let items;
    try {
      items = (await api(`/items/${trail[trail.length - 1].id}/children`, { query: { sort: "name", order: "asc", limit: 200 } })).items;
    } catch (err) {
      fill(note, err.title || t("error.generic"));
      return;
    }
    if (next !== trail) return;
    items.forEach((i) => seen.set(i.id, i));
    fill(list, items.length ? items.map((f) => h("li", {}, f.kind === "folder"
      ? h("button", { type: "button", class: "picker-folder", onclick: () => go([...trail, f]) },
        icon("folder"), h("span", {}, f.name), icon("chevron", "icon chevron"))
      : h("button", { type: "submit", class: "picker-folder picker-file", value: f.id },
        icon(itemIcon(f)), h("span", {}, f.name), h("span", { class: "hint" }, formatSize(f.size)))))
      : h("li", { class: "picker-none" }, t("at.pickNone")));
    fill(note, t("at.pickHint"));
    list.querySelector("button")?.focus();
  };
  const shown = dialog({
    title, className: "picker",
    body: [crumbs, note, list],
    buttons: [{ label: t("action.cancel"), value: null }],
  });
  go(trail);
  const id = await shown;
  return (id && seen.get(id)) || null;
}
