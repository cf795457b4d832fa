// Moving and copying: a folder picker (the spaces where the caller may add, then
// their folders, with breadcrumbs), drag and drop onto a folder or a breadcrumb,
// and the API's refusals said plainly: a name already taken (keep both), a full
// space, a folder moved into itself (the API's own French message).

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { t } from "./i18n.js";
import { dialog, toast } from "./ui.js";
import { folderLabel, remember, session, spaceLabel } from "./state.js";
import { refusal, secondName } from "./upload.js";

/** The move and copy entries of an item's menu. */
export function transferEntries(item, ctx) {
  const entries = [];
  if (item.can_move) entries.push({ label: t("action.move"), icon: "move", run: () => pickAndSend("move", item, ctx) });
  entries.push({ label: t("action.copyTo"), icon: "copy", run: () => pickAndSend("copy", item, ctx) });
  if (ctx.folder?.can_add) entries.push({ label: t("action.duplicate"), icon: "copy", run: () => send("copy", item, ctx.folder, ctx, "rename") });
  return entries;
}

/**
 * Lets the folder view take items dragged onto a folder (a row or a thumbnail) or
 * onto a breadcrumb: the target under the pointer is highlighted, and only folders
 * where the caller may add take the drop.
 */
export function dragToMove(view, ctx) {
  let dragged = null;
  let marked = null;
  const mark = (el) => {
    if (marked === el) return;
    marked?.classList.remove("drop-target");
    marked = el;
    marked?.classList.add("drop-target");
  };
  const targetOf = (e) => {
    const el = dragged && e.target.closest?.("li.item.folder, nav.crumbs a[href^='/dossiers/']");
    const folder = el && (el.item || session.items.get(el.getAttribute("href").slice("/dossiers/".length)));
    if (!folder || !folder.can_add || folder.id === dragged.id || folder.id === dragged.parent_id) return null;
    return { el, folder };
  };
  view.addEventListener("dragstart", (e) => {
    const li = e.target.closest?.("li.item");
    if (!li?.item?.can_move) return;
    dragged = li.item;
    e.dataTransfer.setData("application/x-cartable-item", dragged.id);
    e.dataTransfer.effectAllowed = "move";
    li.classList.add("dragging");
  });
  view.addEventListener("dragend", (e) => {
    e.target.closest?.("li.item")?.classList.remove("dragging");
    dragged = null;
    mark(null);
  });
  view.addEventListener("dragover", (e) => {
    const target = targetOf(e);
    mark(target?.el || null);
    if (!target) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
  });
  view.addEventListener("dragleave", (e) => { if (!view.contains(e.relatedTarget)) mark(null); });
  view.addEventListener("drop", (e) => {
    const target = targetOf(e);
    mark(null);
    if (!target) return;
    e.preventDefault();
    const item = dragged;
    dragged = null;
    send("move", item, target.folder, ctx);
  });
}

/** Asks where to move or copy the item, then does it. */
async function pickAndSend(kind, item, ctx) {
  let clashed = null;
  await pickFolder(kind, item, ctx, async (target, setError) => {
    try {
      done(kind, item, await request(kind, item, target), target, ctx);
    } catch (err) {
      if (err.code === "name_conflict") { clashed = target; return true; }
      setError(refusal(err, item));
      return false;
    }
    return true;
  });
  if (clashed && await keepBoth(item, clashed)) await send(kind, item, clashed, ctx, "rename");
  refocus(ctx);
}

/** Moves or copies, asking what to do with a name already taken; says what went wrong. */
async function send(kind, item, target, ctx, conflict) {
  try {
    done(kind, item, await request(kind, item, target, conflict), target, ctx);
  } catch (err) {
    if (err.code === "name_conflict" && !conflict) {
      if (await keepBoth(item, target)) await send(kind, item, target, ctx, "rename");
      return;
    }
    toast(refusal(err, item), { error: true });
  }
}

function request(kind, item, target, conflict) {
  const query = conflict ? { conflict } : undefined;
  if (kind === "move") return api("/items/" + item.id, { method: "PATCH", body: { parent_id: target.id }, etag: item.etag, query });
  return api(`/items/${item.id}/copy`, { method: "POST", body: { parent_id: target.id }, query });
}

// What the folder shown becomes, and what the toast says (a move can be undone).
function done(kind, item, result, target, ctx) {
  remember(result);
  const here = ctx.folder && target.id === ctx.folder.id;
  if (here && !ctx.list.querySelector(`li[data-id="${result.id}"]`)) ctx.list.prepend_(result);
  else if (!here && kind === "move") ctx.list.remove_(item.id);
  ctx.changed?.();
  const folder = folderLabel(target, t);
  if (kind === "copy") {
    toast(t("copy.done", { name: result.name, folder }));
    return;
  }
  const from = session.items.get(item.parent_id);
  toast(t("move.done", { name: result.name, folder }), from && {
    action: t("action.undo"),
    run: () => send("move", result, from, ctx),
  });
}

/** Asks whether to keep both when the folder already has an item of this name. */
async function keepBoth(item, target) {
  const answer = await dialog({
    title: t("move.clash", { name: item.name, folder: folderLabel(target, t) }),
    body: [h("p", {}, t("move.clashText", { example: secondName(item.name) }))],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("clash.keep"), value: "rename", primary: true }],
  });
  return answer === "rename";
}

// A row moved away took the focus with it: the list's current row gets it back.
function refocus(ctx) {
  if (document.activeElement && document.activeElement !== document.body) return;
  ctx.list?.querySelector("a[tabindex='0'], button[tabindex='0']")?.focus();
}

/**
 * The folder picker: "Mes espaces" first (the spaces where the caller may add),
 * then the folders of the one chosen, with breadcrumbs. It opens on the folder
 * shown. act(target, setError) moves or copies, and answers whether to close.
 */
function pickFolder(kind, item, ctx, act) {
  let trail = trailTo(ctx.folder);
  const crumbs = h("nav", { class: "crumbs picker-crumbs", "aria-label": t("picker.where") });
  const list = h("ul", { class: "picker-list" });
  const note = h("p", { class: "picker-note", role: "status" });
  let primary;
  const at = () => trail[trail.length - 1] || null;
  const fit = (folder) => folder && folder.can_add && !(kind === "move" && folder.id === item.parent_id);

  const go = async (next, focus = true) => {
    trail = next;
    list.setAttribute("aria-busy", "true");
    fill(crumbs, h("ol", {}, crumbItems(trail, (i) => go(trail.slice(0, i)))));
    fill(note, t("folder.loading"));
    let entries;
    try {
      entries = at() ? await subfolders(at(), item) : await spaces();
    } catch (err) {
      fill(note, err.title || t("error.generic"));
      return;
    }
    if (next !== trail) return; // another folder was asked for meanwhile
    fill(list, entries.length ? entries.map((f) => h("li", {}, h("button", {
      type: "button", class: "picker-folder", onclick: () => enter(f),
    }, icon(f.icon || "folder"), h("span", {}, f.label || f.name), icon("chevron", "icon chevron"))))
      : h("li", { class: "picker-none" }, t("picker.none")));
    list.removeAttribute("aria-busy");
    fill(note, noteFor(kind, item, at(), fit));
    primary.disabled = !fit(at());
    if (focus) (list.querySelector("button") || primary).focus();
  };
  const enter = async (f) => {
    if (!f.space) return go([...trail, f]);
    try {
      go([remember(session.items.get(f.space.root_id) || await api("/items/" + f.space.root_id))]);
    } catch (err) {
      fill(note, err.title || t("error.generic"));
    }
  };

  const shown = dialog({
    title: t(kind + ".title", { name: item.name }),
    className: "picker",
    body: [crumbs, note, list],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t(kind + ".here"), value: kind, primary: true }],
    onSubmit: (_, setError) => (fit(at()) ? act(at(), setError) : false),
  });
  primary = list.closest("dialog").querySelector(".buttons .primary");
  go(trail);
  return shown;
}

// The folders from the top of the caller's reach down to this one (all seen
// already: the folder view asked for them for its own breadcrumbs).
function trailTo(folder) {
  const trail = [];
  for (let at = folder; at; at = at.parent_id ? session.items.get(at.parent_id) : null) trail.unshift(at);
  return trail;
}

function crumbItems(trail, go) {
  const all = [{ label: t("picker.spaces") }, ...trail.map((f) => ({ label: folderLabel(f, t) }))];
  return all.map((c, i) => h("li", {}, i === all.length - 1
    ? h("span", { "aria-current": "location" }, c.label)
    : h("button", { type: "button", class: "link", onclick: () => go(i) }, c.label)));
}

/** The spaces where the caller may add (not those they only look at). */
function spaces() {
  const icons = { personal: "home", group: "people", structure: "school" };
  return session.spaces.filter((s) => s.role !== "viewer").map((s) => ({ space: s, label: spaceLabel(s, t), icon: icons[s.kind] }));
}

/** A folder's subfolders (they come first in a listing), without the item moved. */
async function subfolders(folder, item) {
  const out = [];
  let cursor;
  do {
    const got = await api(`/items/${folder.id}/children`, { query: { sort: "name", order: "asc", limit: 200, cursor } });
    const folders = got.items.filter((i) => i.kind === "folder");
    out.push(...folders.filter((f) => f.id !== item.id).map(remember));
    cursor = folders.length === got.items.length ? got.next_cursor : null;
  } while (cursor);
  return out;
}

function noteFor(kind, item, folder, fit) {
  if (!folder) return t("picker.chooseSpace");
  if (!folder.can_add) return t("picker.readOnly");
  if (!fit(folder)) return t("picker.already", { name: item.name });
  return t(kind + ".into", { name: item.name, folder: folderLabel(folder, t) });
}
