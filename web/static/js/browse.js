// A folder: where it is (breadcrumbs), what may be done in it (toolbar), and what
// it holds, page after page (a sentinel at the end of the list loads the next page
// as it scrolls into view; the "show more" button does the same for keyboards).

import { api, ApiError } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { t } from "./i18n.js";
import { itemList } from "./items.js";
import { openViewer, viewable } from "./viewer.js";
import { itemEntries, itemKeys, modeDialog, newFolder } from "./actions.js";
import { newDocument, officeOn } from "./office.js";
import { pickFiles, uploadFiles, uploadTree } from "./upload.js";
import { readDrop } from "./tree.js";
import { shareDialog } from "./share.js";
import { toast } from "./ui.js";
import { showQuota } from "./quota.js";
import { folderLabel, newView, remember, session, spaceOf, spaceOfRoot, teachesIn } from "./state.js";
import { dragToMove } from "./move.js";
import { archivedBadge, archivedNotice, isArchived } from "./schoolyear.js";

const sorts = {
  name: { sort: "name", order: "asc" },
  nameDesc: { sort: "name", order: "desc" },
  recent: { sort: "modified", order: "desc" },
  old: { sort: "modified", order: "asc" },
  size: { sort: "size", order: "desc" },
};
const pageSize = 200;

/** Shows the folder id in main. */
export async function showFolder(main, id, markNav) {
  const current = newView();
  main.setAttribute("aria-busy", "true");
  let folder;
  try {
    folder = remember(await api("/items/" + id));
  } catch (err) {
    if (!current()) return;
    main.removeAttribute("aria-busy");
    notFound(main, err);
    return;
  }
  const trail = await ancestors(folder);
  if (!current()) return;
  const top = trail[0];
  markNav(spaceOfRoot(top.id) ? "/dossiers/" + top.id : "/partages");
  showQuota(folder.space_id);
  document.title = `${name(folder)} — ${t("app.title")}`;

  const ctx = { folder, list: null };
  const list = itemList({
    label: t("folder.items"), view: session.view, draggable: true,
    entries: (item) => itemEntries(item, ctx),
    onKey: (e, item) => itemKeys(e, item, ctx),
    // Images and PDFs open in the viewer; other files as before (a new tab, or a download).
    open: (item) => viewable(item) && (openViewer(list, item), true),
  });
  ctx.list = list;
  const status = h("p", { class: "list-status", role: "status" });
  const more = h("button", { type: "button", class: "load-more", hidden: true }, t("folder.more"));
  const empty = h("div", { class: "empty", hidden: true });
  ctx.changed = () => {
    const none = list.count() === 0 && more.hidden;
    empty.hidden = !none;
  };
  const view = h("div", { class: "folder-view" },
    crumbs(trail),
    header(folder, ctx),
    toolbar(folder, ctx, () => showFolder(main, id, markNav)),
    folder.can_add ? null : readOnlyHint(folder),
    empty, list, more, status);
  fillEmpty(empty, folder, ctx);
  if (folder.can_add) dropZone(view, folder, ctx);
  dragToMove(view, ctx);
  fill(main, view);

  let cursor;
  let loading = false;
  const load = async () => {
    if (loading) return;
    loading = true;
    more.disabled = true;
    status.textContent = t("folder.loading");
    try {
      const pageOf = await api(`/items/${id}/children`, { query: { ...sorts[session.sort], limit: pageSize, cursor } });
      if (!current()) return;
      list.add(pageOf.items);
      list.touch();
      cursor = pageOf.next_cursor;
      more.hidden = !cursor;
      status.textContent = "";
      ctx.changed();
    } catch (err) {
      status.textContent = err.title || t("error.generic");
    } finally {
      loading = false;
      more.disabled = false;
      main.removeAttribute("aria-busy");
    }
    // The observer only speaks when the end crosses into view: when it is still in
    // view after a page (a tall window, a fast scroll), the next page comes now.
    requestAnimationFrame(() => {
      if (current() && !more.hidden && more.getBoundingClientRect().top < innerHeight + 600) load();
    });
  };
  more.addEventListener("click", load);
  new IntersectionObserver((entries, obs) => {
    if (!more.isConnected) obs.disconnect();
    else if (entries.some((e) => e.isIntersecting) && !more.hidden) load();
  }, { rootMargin: "600px" }).observe(more);
  await load();
}

function name(item) {
  return folderLabel(item, t);
}

/** The folders from the top the caller may see down to this one. */
async function ancestors(folder) {
  const trail = [folder];
  let at = folder;
  while (at.parent_id) {
    let parent = session.items.get(at.parent_id);
    if (!parent) {
      try {
        parent = remember(await api("/items/" + at.parent_id));
      } catch {
        break; // above what is shared with the caller
      }
    }
    trail.unshift(parent);
    at = parent;
  }
  return trail;
}

function crumbs(trail) {
  // A space's root needs no trail: its name is the title, and the side bar marks it.
  if (trail.length === 1 && spaceOfRoot(trail[0].id)) return null;
  const items = [];
  if (!spaceOfRoot(trail[0].id)) items.push(h("li", {}, h("a", { href: "/partages" }, t("nav.shared"))));
  trail.forEach((item, i) => {
    const last = i === trail.length - 1;
    items.push(h("li", {}, last
      ? h("span", { "aria-current": "page" }, name(item))
      : h("a", { href: "/dossiers/" + item.id }, name(item))));
  });
  return h("nav", { class: "crumbs", "aria-label": t("crumbs") }, h("ol", {}, items));
}

function header(folder, ctx) {
  const mode = folder.mode && folder.mode !== "standard" ? folder.mode : null;
  return h("div", { class: "folder-head" },
    h("h1", {}, name(folder)),
    isArchived(spaceOf(folder)) ? archivedBadge() : null,
    mode ? h("span", { class: "badge " + mode }, icon(mode === "read_only" ? "lock" : "people"), t("badge." + mode)) : null);
}

function toolbar(folder, ctx, reload) {
  const bar = h("div", { class: "toolbar" });
  const actions = h("div", { class: "actions" });
  if (folder.can_add) {
    actions.append(
      ...uploadButtons(folder, ctx),
      h("button", { type: "button", onclick: () => newFolder(folder, ctx) }, icon("plus"), t("action.newFolder")));
    if (officeOn) actions.append(h("button", { type: "button", onclick: () => newDocument(folder, ctx) }, icon("doc"), t("office.new")));
  }
  const space = spaceOf(folder);
  // A class's teachers give work from its folders.
  if (space && teachesIn(space)) {
    actions.append(h("button", { type: "button", onclick: () => import("./assign-teacher.js").then((m) => m.giveAssignment(space.id)) }, icon("task"), t("at.give")));
  }
  if (folder.can_share && folder.parent_id) {
    actions.append(h("button", { type: "button", onclick: () => shareDialog(folder) }, icon("share"), t("action.share")));
  }
  if (folder.can_share && space && space.kind !== "personal") {
    actions.append(h("button", { type: "button", onclick: () => modeDialog(folder, ctx, reload) }, icon("mode"),
      t(space.kind === "structure" ? "action.modeStaff" : "action.mode")));
  }
  const sort = h("select", { id: "sort" }, Object.keys(sorts).map((k) => h("option", { value: k, selected: k === session.sort }, t("sort." + k))));
  sort.addEventListener("change", () => { session.sort = sort.value; reload(); });
  const viewButton = (v, iconName) => h("button", {
    type: "button", class: "icon-button", "aria-pressed": String(session.view === v), title: t("view." + v),
    onclick: () => { session.view = v; reload(); },
  }, icon(iconName), h("span", { class: "visually-hidden" }, t("view." + v)));
  bar.append(actions, h("div", { class: "view-options" },
    h("label", { for: "sort" }, t("sort.label")), sort,
    h("div", { class: "segmented", role: "group", "aria-label": t("view.label") }, viewButton("list", "list"), viewButton("grid", "grid"))));
  return bar;
}

/** "Ajouter des fichiers" and "Ajouter un dossier" (the whole folder, with what it holds). */
function uploadButtons(folder, ctx) {
  const add = (files) => uploadFiles(files, folder, ctx);
  return [
    h("button", { type: "button", class: "primary", onclick: () => pickFiles(add) }, icon("upload"), t("action.upload")),
    h("button", { type: "button", onclick: () => pickFiles(add, true) }, icon("folder"), t("action.uploadFolder")),
  ];
}

function readOnlyHint(folder) {
  // In last year's class, nothing is writable: say why, and until when it is kept.
  const space = spaceOf(folder);
  if (isArchived(space)) return archivedNotice(space);
  return h("p", { class: "notice" }, icon("lock"), t("folder.readOnly"));
}

function fillEmpty(empty, folder, ctx) {
  if (folder.can_add) {
    fill(empty, icon("upload", "icon big"), h("p", { class: "empty-title" }, t("folder.empty")), h("p", {}, t("folder.emptyDropFolders")),
      h("div", { class: "empty-actions" }, uploadButtons(folder, ctx)));
  } else {
    fill(empty, icon("folder", "icon big"), h("p", { class: "empty-title" }, t("folder.empty")), h("p", {}, t("folder.emptyReadOnly")));
  }
}

/** Files and folders dropped anywhere on the folder's view are uploaded to it. */
function dropZone(view, folder, ctx) {
  const overlay = h("div", { class: "drop-overlay", "aria-hidden": "true" }, icon("upload", "icon big"),
    h("p", {}, t("folder.dropHere", { name: name(folder) })));
  view.append(overlay);
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes("Files");
  view.addEventListener("dragenter", (e) => { if (!hasFiles(e)) return; depth++; view.classList.add("dropping"); });
  view.addEventListener("dragleave", () => { if (--depth <= 0) { depth = 0; view.classList.remove("dropping"); } });
  view.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
  view.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    view.classList.remove("dropping");
    readDrop(e.dataTransfer).then((tree) => uploadTree(tree, folder, ctx), () => toast(t("error.generic"), { error: true }));
  });
}

function notFound(main, err) {
  const message = err instanceof ApiError && (err.status === 404 || err.status === 403) ? t("error.notFound") : err.title || t("error.generic");
  fill(main, h("div", { class: "empty" }, icon("warning", "icon big"), h("p", { class: "empty-title", role: "alert" }, message),
    h("a", { href: "/", class: "button" }, t("error.back"))));
}
