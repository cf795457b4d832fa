// "Mon travail": the pupil's own files for an assignment (their copies of the
// teacher's templates, and what they add), the hand-in and the take-back.
//
// The files live in the pupil's folder (mine.folder_id), an ordinary folder for
// the item, children and upload routes: a copy gets a new version from the
// pupil's computer ("Remplacer", through tus like any upload), files are added
// and removed. Once handed in, the page shows what the teacher received (the
// pinned versions) and nothing can change until the pupil takes it back: what the
// teacher has is what the pupil sees.

import { api } from "./api.js";
import { h, icon } from "./dom.js";
import { formatSize, t } from "./i18n.js";
import { itemList, download, save } from "./items.js";
import { openViewer, viewable } from "./viewer.js";
import { dialog, toast } from "./ui.js";
import { trash } from "./actions.js";
import { versionURL, versionsDialog } from "./versions.js";
import { pickFiles, uploadFiles, uploadVersion } from "./upload.js";
import { ahead, when } from "./assign-time.js";

/** Where the pupil's work stands, in the few cases the page draws differently. */
export function stateOf(a) {
  const mine = a.mine || {};
  if (mine.status === "returned") return "returned";
  if (mine.status === "handed_in" || mine.status === "handed_in_late") return "handedIn";
  if (mine.status === "excused") return "excused";
  if (!ahead(a.accepts_until)) return "closed";
  return new Date(a.due_at) < new Date() ? "late" : "working";
}

/** The "Mon travail" card. */
export async function workSection(page) {
  const { a } = page;
  const state = stateOf(a);
  const mine = a.mine || {};
  const status = h("div", { class: "work-state", tabindex: "-1" }, stateWords(a, state));
  const parts = [h("h2", { id: "work-title" }, t("pupil.work")), status];
  if (state === "handedIn" || state === "returned") {
    parts.push(h("p", { class: "sent-title" }, t(state === "returned" ? "pupil.sentReturned" : "pupil.sent")),
      mine.handed_in_files.length ? pinnedList(mine.handed_in_files, "pupil.sentList") : h("p", { class: "hint" }, t("pupil.sentNothing")));
    if (state === "handedIn" && ahead(a.accepts_until)) parts.push(takeBackBlock(page));
  } else {
    const working = state === "working" || state === "late";
    if (mine.folder_id) parts.push(await filesBlock(page, working));
    if (working) parts.push(handInBlock(page, state));
  }
  return h("section", { class: "my-work state-" + state, "aria-labelledby": "work-title" }, parts);
}

// The state in words: what is done, what is left, until when.
function stateWords(a, state) {
  const mine = a.mine || {};
  const until = a.accepts_until;
  switch (state) {
    case "handedIn":
    case "returned":
      return [h("p", { class: "state-title" }, icon("check"),
        t(mine.late ? "pupil.state.handedInLate" : "pupil.state.handedIn", { when: when(mine.handed_in_at, { on: true }) }))];
    case "excused":
      return [h("p", { class: "state-title" }, t("pupil.state.excused"))];
    case "closed":
      return [h("p", { class: "state-title" }, icon("lock"), t("pupil.state.closed")),
        h("p", {}, t("pupil.state.closedHint", { when: when(until) }))];
    case "late":
      return [h("p", { class: "state-title" }, icon("warning"), t("pupil.state.late", { when: when(a.due_at) })),
        h("p", {}, until ? t("pupil.state.lateUntil", { when: when(until) }) : t("pupil.state.lateOpen"))];
  }
  return [h("p", { class: "state-title" }, t("pupil.state.working")), h("p", {}, t("pupil.state.workingHint"))];
}

/**
 * The files of the pupil's folder: open, download, versions; while they work,
 * "Remplacer" (a new version from their computer), "Ajouter un fichier", and
 * "Retirer" for a file they added (not their copy of a template).
 */
async function filesBlock(page, working) {
  const { a } = page;
  const mine = a.mine;
  const folder = { id: mine.folder_id, space_id: a.space_id };
  const copies = new Set(a.templates.map((tp) => copyName(tp.name, mine.pupil_name)));
  const status = h("p", { class: "list-status", role: "status" });
  const empty = h("p", { class: "work-empty", hidden: true }, t("pupil.files.empty"));
  const ctx = { folder, list: null };
  const list = itemList({
    label: t("pupil.files"), view: "list",
    open: (item) => viewable(item) && (openViewer(list, item), true),
    entries: (item) => fileEntries(item, ctx, working && !copies.has(item.name)),
  });
  ctx.list = list;
  ctx.changed = () => { empty.hidden = list.count() > 0; };
  if (working) withReplaceButtons(list, ctx);
  try {
    const got = await api(`/items/${folder.id}/children`, { query: { sort: "name", order: "asc", limit: 200 } });
    list.add(got.items);
    list.touch();
  } catch (err) {
    status.textContent = err.title || t("error.generic");
  }
  ctx.changed();
  const add = working ? h("button", { type: "button", class: "add-file", onclick: () => pickFiles((files) => uploadFiles(files, folder, ctx)) },
    icon("upload"), t("pupil.addFile")) : null;
  return h("div", { class: "work-files" },
    working ? h("p", { class: "hint" }, t("pupil.files.hint")) : null,
    list, empty, status, add);
}

function fileEntries(item, ctx, removable) {
  if (item.kind !== "file") return [];
  const entries = [{ label: t("action.download"), icon: "download", run: () => download(item).catch((err) => toast(err.title, { error: true })) },
    { label: t("action.versions"), icon: "history", run: () => versionsDialog(item, ctx) }];
  if (removable && item.can_trash) entries.push({ label: t("pupil.remove"), icon: "trash", danger: true, run: () => trash(item, ctx) });
  return entries;
}

// A visible "Remplacer" on each file the pupil may change: the one thing they come
// to do with their copy. Rows drawn again (after an upload) get theirs again.
function withReplaceButtons(list, ctx) {
  const decorate = (item) => {
    const li = list.querySelector(`li[data-id="${item.id}"]`);
    if (!li || item.kind !== "file" || !item.can_edit || li.querySelector(".replace")) return;
    const b = h("button", { type: "button", class: "replace small", "aria-label": t("pupil.replaceName", { name: item.name }),
      onclick: () => pickFiles((files) => files[0] && uploadVersion(files[0], li.item, ctx)) }, icon("upload"), t("pupil.replace"));
    const more = li.querySelector(".more");
    if (more) more.before(b);
    else li.append(b);
    b.tabIndex = li.querySelector("a, button").tabIndex;
  };
  for (const name of ["add", "replace", "prepend_"]) {
    const draw = list[name];
    list[name] = (x) => {
      draw(x);
      for (const item of Array.isArray(x) ? x : [x]) decorate(item);
    };
  }
}

// "Rédaction.odt" for Léa Dupont is "Rédaction - Léa Dupont.odt" (assignment.CopyName).
function copyName(template, pupil) {
  const dot = template.lastIndexOf(".");
  const [stem, ext] = dot > 0 && dot < template.length - 1 ? [template.slice(0, dot), template.slice(dot)] : [template, ""];
  return `${stem.trim()} - ${(pupil || "").trim()}${ext}`;
}

// The big button, and what it says beneath.
function handInBlock(page, state) {
  const go = h("button", { type: "button", class: "primary big hand-in", onclick: () => handIn(page, state) },
    icon("check"), t("pupil.handIn"));
  return h("div", { class: "hand-in-block" }, go,
    h("p", { class: "hint" }, t(state === "late" ? "pupil.handInLateHint" : "pupil.handInHint")));
}

/**
 * Asks before handing in, saying what the teacher will receive (the files as they
 * are now, read again), then hands in. A refusal (closed meanwhile) is said in
 * the dialog in the API's words, and the page is drawn again when it closes.
 */
async function handIn(page, state) {
  let files;
  try {
    files = (await api("/assignments/" + page.a.id)).mine?.copies || [];
  } catch (err) {
    toast(err.title || t("error.generic"), { error: true });
    return;
  }
  const sending = document.querySelector('.uploads li[data-state="sending"], .uploads li[data-state="waiting"], .uploads li[data-state="offline"]');
  const until = page.a.accepts_until;
  let refused = false;
  const done = await dialog({
    title: t("pupil.handIn.title"),
    className: "hand-in-dialog",
    body: [
      files.length
        ? [h("p", {}, t("pupil.handIn.files", { n: files.length })),
          h("ul", { class: "pinned" }, files.map((f) => h("li", {}, icon("file"), h("span", { class: "name" }, f.name),
            h("span", { class: "size" }, formatSize(f.size)))))]
        : h("p", { class: "notice" }, icon("warning"), t("pupil.handIn.none")),
      sending ? h("p", { class: "notice" }, icon("warning"), t("pupil.handIn.uploading")) : null,
      state === "late" ? h("p", {}, t("pupil.handIn.late")) : null,
      h("p", { class: "hint" }, until ? t("pupil.handIn.takeBack", { when: when(until) }) : t("pupil.handIn.takeBackOpen")),
    ],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("pupil.handIn.confirm"), value: "hand-in", primary: true }],
    onSubmit: async () => {
      try {
        await api(`/assignments/${page.a.id}/hand-in`, { method: "POST" });
      } catch (err) {
        refused = true;
        if (err.code === "assignment_closed") noMoreTries("hand-in-dialog");
        throw err;
      }
    },
  });
  if (done) toast(t("pupil.handIn.done"));
  if (done || refused) await page.reload(".work-state");
}

function takeBackBlock(page) {
  const until = page.a.accepts_until;
  return h("div", { class: "take-back-block" },
    h("p", { class: "hint" }, until ? t("pupil.takeBack.hint", { when: when(until) }) : t("pupil.takeBack.hintOpen")),
    h("button", { type: "button", class: "take-back", onclick: () => takeBack(page) }, icon("restore"), t("pupil.takeBack")));
}

async function takeBack(page) {
  const until = page.a.accepts_until;
  let refused = false;
  const done = await dialog({
    title: t("pupil.takeBack.title"),
    className: "take-back-dialog",
    body: [h("p", {}, t("pupil.takeBack.text")),
      h("p", { class: "notice" }, icon("warning"), until ? t("pupil.takeBack.again", { when: when(until) }) : t("pupil.takeBack.againOpen"))],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("pupil.takeBack.confirm"), value: "take-back", primary: true }],
    onSubmit: async () => {
      try {
        await api(`/assignments/${page.a.id}/take-back`, { method: "POST" });
      } catch (err) {
        refused = true;
        if (err.code === "assignment_closed") noMoreTries("take-back-dialog");
        throw err;
      }
    },
  });
  if (done) toast(t("pupil.takeBack.done"));
  if (done || refused) await page.reload(".work-state");
}

// A closed assignment will refuse again: once the dialog has said why (and put its
// buttons back), its confirm button goes, and so do its hints about later ("you may
// take it back until…"), which the refusal contradicts; "Annuler" takes the focus.
function noMoreTries(dialogClass) {
  setTimeout(() => {
    const dlg = document.querySelector(`dialog.${dialogClass}[open]`);
    if (!dlg) return;
    dlg.querySelector(".buttons .primary")?.remove();
    for (const hint of dlg.querySelectorAll("p.hint")) hint.remove();
    dlg.querySelector(".buttons [data-cancel]")?.focus();
  });
}

/** Files the answer lists (pinned versions, corrected files), each to download. */
export function pinnedList(files, label) {
  return h("ul", { class: "pinned", "aria-label": t(label) }, files.map((f) => h("li", {},
    icon("file"), h("span", { class: "name" }, f.name),
    h("button", { type: "button", class: "small", "aria-label": t("at.download", { name: f.name }),
      onclick: () => downloadPinned(f).catch((err) => toast(err.title, { error: true })) }, icon("download"), t("action.download")))));
}

/** Downloads a file the answer lists: the version a hand-in pinned, or the file as it is. */
async function downloadPinned(ref) {
  if (!ref.version_id) return download({ id: ref.item_id });
  save(await versionURL(ref.item_id, ref.version_id));
}
