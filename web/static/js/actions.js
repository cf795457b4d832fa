// What can be done to an item. Only what its can_* flags allow is offered: the
// API says what this caller may do with this very item.

import { api, ApiError } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { download, downloadZip } from "./items.js";
import { dialog, field, toast } from "./ui.js";
import { shareDialog } from "./share.js";
import { transferEntries } from "./move.js";
import { versionsDialog } from "./versions.js";
import { openInEditor, opensInOffice } from "./office.js";
import { remember, spaceOf } from "./state.js";
import { starEntry } from "./recent.js";
import { embedDialog, offersEmbed } from "./embeds.js";

/** The actions of an item of a folder, for its menu. */
export function itemEntries(item, ctx) {
  const entries = [];
  if (opensInOffice(item)) entries.push({ label: t("office.open"), icon: "doc", run: () => openInEditor(item, ctx) });
  if (item.kind === "file") entries.push({ label: t("action.download"), icon: "download", run: () => download(item) });
  else entries.push({ label: t("action.downloadZip"), icon: "download", run: () => downloadZip([item]).catch((err) => toast(err.title, { error: true })) });
  if (item.can_edit) entries.push({ label: t("action.rename"), icon: "rename", run: () => rename(item, ctx) });
  entries.push(...transferEntries(item, ctx));
  if (item.kind === "file") entries.push({ label: t("action.versions"), icon: "history", run: () => versionsDialog(item, ctx) });
  entries.push(starEntry(item, ctx.list));
  if (item.can_share) entries.push({ label: t("action.share"), icon: "share", run: () => shareDialog(item) });
  if (offersEmbed(item)) entries.push({ label: t("action.embed"), icon: "external", run: () => embedDialog(item) });
  const space = spaceOf(item);
  if (item.kind === "folder" && item.can_share && space && space.kind !== "personal") {
    entries.push({ label: t(space.kind === "structure" ? "action.modeStaff" : "action.mode"), icon: "mode", run: () => modeDialog(item, ctx) });
  }
  if (item.can_trash) entries.push({ label: t("action.trash"), icon: "trash", danger: true, run: () => trash(item, ctx) });
  return entries;
}

/** Keys on a row: Delete trashes, F2 renames. */
export function itemKeys(e, item, ctx) {
  if (e.key === "Delete" && item.can_trash) { trash(item, ctx); return true; }
  if (e.key === "F2" && item.can_edit) { rename(item, ctx); return true; }
  return false;
}

/** Asks for a name and creates the folder. */
export function newFolder(parent, ctx) {
  const input = h("input", { type: "text", required: true, maxlength: 255, autocomplete: "off" });
  return dialog({
    title: t("dialog.newFolder"),
    body: [field("new-folder-name", t("dialog.folderName"), input)],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("action.create"), value: "create", primary: true }],
    onSubmit: async () => {
      const name = input.value.trim();
      if (!name) { input.focus(); return false; }
      const created = remember(await api(`/items/${parent.id}/children`, { method: "POST", body: { name, folder: {} } }));
      ctx.list.prepend_(created);
      ctx.changed?.();
      ctx.list.querySelector(`li[data-id="${created.id}"] a`)?.focus();
      toast(t("toast.created", { name: created.name }));
    },
  });
}

/** Asks for a new name (the extension left out of the selection) and renames. */
export function rename(item, ctx) {
  const input = h("input", { type: "text", value: item.name, required: true, maxlength: 255, autocomplete: "off", dataset: { selectBase: "1" } });
  return dialog({
    title: t("dialog.rename", { name: item.name }),
    body: [field("rename-name", t("dialog.newName"), input)],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("action.save"), value: "save", primary: true }],
    onSubmit: async () => {
      const name = input.value.trim();
      if (!name || name === item.name) return;
      const renamed = remember(await api("/items/" + item.id, { method: "PATCH", body: { name }, etag: item.etag }));
      ctx.list.replace(renamed);
      toast(t("toast.renamed", { name: renamed.name }));
    },
  });
}

/**
 * A 404 to a deletion means the item is gone already: deleted from another tab or
 * by someone else, or by this very request, cut and sent again by a load balancer.
 */
const alreadyGone = (err) => err instanceof ApiError && err.status === 404;

/** Puts the item in the trash at once, with an undo (the trash keeps it 30 days). */
export async function trash(item, ctx) {
  let gone = false;
  try {
    await api("/items/" + item.id, { method: "DELETE", etag: item.etag });
  } catch (err) {
    if (!alreadyGone(err)) {
      toast(err.title, { error: true });
      return;
    }
    gone = true;
  }
  ctx.list.remove_(item.id);
  ctx.changed?.();
  if (gone) {
    toast(t("toast.alreadyGone", { name: item.name })); // no undo: whether it is in the trash is not known
    return;
  }
  toast(t("toast.trashed", { name: item.name }), {
    action: t("action.undo"),
    run: async () => {
      const back = remember(await api(`/items/${item.id}/restore`, { method: "POST" }));
      if (ctx.list.isConnected) { ctx.list.prepend_(back); ctx.changed?.(); }
      toast(t("toast.restored", { name: back.name }));
    },
  });
}

/**
 * What the members of a class (or the staff room) may do in a folder, in plain
 * words: add files (standard), work as a group (collaborative), only look
 * (read_only), or as the folder above (inherit).
 */
export function modeDialog(folder, ctx, reload) {
  const staff = spaceOf(folder)?.kind === "structure";
  const current = folder.mode || "inherit";
  // What "as the folder above" means here: the mode the folder has when it sets none.
  const inherited = folder.mode ? null : folder.effective_mode;
  const options = ["standard", "collaborative", "read_only", "inherit"].map((m) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "mode", value: m, checked: m === current }),
    h("span", {}, h("strong", {}, t("mode." + m)), h("span", { class: "hint" },
      m === "inherit" && inherited ? t("mode.inheritNow", { mode: t("mode." + inherited) }) : t("mode." + m + "Hint")))));
  return dialog({
    title: t(staff ? "mode.titleStaff" : "mode.title", { name: folder.name }),
    body: [h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, t(staff ? "action.modeStaff" : "action.mode")), options)],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("action.save"), value: "save", primary: true }],
    onSubmit: async () => {
      const mode = options.map((o) => o.querySelector("input")).find((i) => i.checked)?.value;
      if (!mode || mode === current) return;
      const changed = remember(await api("/items/" + folder.id, { method: "PATCH", body: { mode }, etag: folder.etag }));
      toast(t("toast.modeSet", { name: changed.name }));
      if (reload) reload();
      else ctx.list.replace(changed);
    },
  });
}

/** Takes an item out of the trash, back where it was. */
export async function restore(item, list) {
  try {
    const back = remember(await api(`/items/${item.id}/restore`, { method: "POST" }));
    list.remove_(item.id);
    toast(t("toast.restored", { name: back.name }));
    return true;
  } catch (err) {
    toast(err.title, { error: true });
    return false;
  }
}

/** Deletes a trashed item for good, after saying so. */
export async function purge(item, list) {
  let gone = false;
  const ok = await dialog({
    title: t("action.purge"),
    body: [h("p", {}, t("dialog.purge", { name: item.name }))],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("action.purge"), value: "purge", primary: true, danger: true }],
    onSubmit: async () => {
      try {
        await api("/trash/" + item.id, { method: "DELETE" });
      } catch (err) {
        if (!alreadyGone(err)) throw err;
        gone = true; // restored or deleted from elsewhere: it is not in the trash any more
      }
    },
  });
  if (ok) {
    list.remove_(item.id);
    toast(t(gone ? "toast.notInTrash" : "toast.purged", { name: item.name }));
  }
}
