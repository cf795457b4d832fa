// A published assignment's dashboard: the class at a glance (each pupil's status
// in words and colour, when they handed in, the files, the hand-ins before), and
// what the teacher does from there: return with feedback and points (one pupil,
// or every copy at once), return for revision ("À revoir"), excuse, download
// every hand-in as one zip, move the due date.

import { api } from "./api.js";
import { h, fill, icon, itemIcon } from "./dom.js";
import { formatDate, formatNumber, formatSize, fullDate, t } from "./i18n.js";
import { newView, session } from "./state.js";
import { dialog, field, menu, toast } from "./ui.js";
import { dayAndHour, fromParis, parisParts, passed } from "./assign-time.js";
import { uploadFiles } from "./upload.js";
import { follow, save } from "./items.js";
import { versionURL } from "./versions.js";

const filters = ["all", "toCorrect", "notHanded", "done"];
const inFilter = {
  all: () => true,
  toCorrect: (w) => w.status === "handed_in" || w.status === "handed_in_late",
  notHanded: (w) => ["not_opened", "in_progress", "missing"].includes(w.status),
  done: (w) => w.status === "returned" || w.status === "excused",
};

/** Shows the dashboard of the published assignment a. */
export async function showBoard(main, a) {
  const current = newView();
  document.title = `${a.title} — ${t("app.title")}`;
  if (a.state === "deleted") return showDeleted(main, a);
  const status = h("p", { class: "list-status", role: "status" }, t("app.loading"));
  fill(main, h("div", { class: "folder-view assign-board" }, head(a), status));
  let board;
  try {
    board = await api(`/assignments/${a.id}/dashboard`);
  } catch (err) {
    if (current()) fill(status, err.title || t("error.generic"));
    return;
  }
  if (!current()) return;
  draw(main, board, "all");
}

function head(a) {
  return [
    h("nav", { class: "crumbs", "aria-label": t("crumbs") }, h("ol", {},
      h("li", {}, h("a", { href: "/devoirs" }, t("nav.assignments"))),
      h("li", {}, h("span", { "aria-current": "page" }, a.title)))),
    h("div", { class: "folder-head" }, h("h1", {}, a.title)),
    h("p", { class: "assign-meta" },
      h("span", { class: "badge class" }, icon("people"), a.space_name),
      h("span", {}, t(passed(a.due_at) ? "at.wasDue" : "at.due", { when: dayAndHour(a.due_at) })),
      a.late_allowed ? h("span", {}, a.close_at ? t("at.lateUntil", { when: dayAndHour(a.close_at) }) : t("at.lateOpen")) : null,
      a.max_points ? h("span", {}, t("at.outOf", { n: formatNumber(a.max_points, 2) })) : null),
  ];
}

/** Draws the dashboard (again, after each change), with the pupils of the filter. */
function draw(main, board, filter) {
  const a = board.assignment;
  const pupils = board.pupils;
  const redraw = (next, f = filter, focus) => {
    draw(main, next, f);
    if (focus) main.querySelector(focus)?.focus();
  };
  const count = (f) => pupils.filter(inFilter[f]).length;
  const toCorrect = count("toCorrect");
  const handed = pupils.filter((w) => w.handed_in_at).length;
  const expected = pupils.filter((w) => w.status !== "excused").length;
  const ul = h("ul", { class: "pupils", "aria-label": t("at.pupilsList") },
    pupils.filter(inFilter[filter]).map((w) => pupilRow(a, w, (next) => redraw(next, filter, `li[data-pupil="${CSS.escape(w.pupil_id)}"] .pupil-name`))));
  const tabs = h("div", { class: "segmented filters", role: "group", "aria-label": t("at.filter") },
    filters.map((f) => h("button", { type: "button", "aria-pressed": String(f === filter), onclick: () => redraw(board, f, `.filters button[data-f="${f}"]`), dataset: { f } },
      t("at.filter." + f), " ", h("span", { class: "count" }, "(" + formatNumber(f === "all" ? pupils.length : count(f)) + ")"))));
  fill(main, h("div", { class: "folder-view assign-board" }, head(a),
    h("p", { class: "board-summary" }, h("strong", {}, t(handed === 1 ? "at.handedOne" : "at.handedMany", { n: formatNumber(handed), total: formatNumber(expected) })),
      toCorrect ? [" · ", t(toCorrect === 1 ? "at.toCorrectOne" : "at.toCorrectMany", { n: formatNumber(toCorrect) })] : null),
    h("div", { class: "toolbar" }, h("div", { class: "actions" },
      toCorrect ? h("button", { type: "button", class: "primary", onclick: () => returnAll(a, toCorrect, (next) => redraw(next)) }, icon("check"), t("at.returnAll")) : null,
      h("button", { type: "button", onclick: () => collect(a) }, icon("download"), t("at.collect")),
      h("button", { type: "button", onclick: () => changeDue(a, (next) => showBoard(main, next)) }, icon("history"), t("at.changeDue")),
      h("button", { type: "button", class: "danger", onclick: () => deleteAssignment(a) }, icon("trash"), t("at.delete")))),
    about(a),
    tabs,
    ul.childElementCount ? ul : h("p", { class: "hint" }, t("at.nobodyHere"))));
}

/** The instructions and documents, folded: the teacher knows them. */
function about(a) {
  const files = [...a.materials, ...a.templates];
  return h("details", { class: "about" }, h("summary", {}, t("at.aboutSummary")),
    a.instructions ? h("p", { class: "instructions" }, a.instructions) : null,
    files.length ? h("ul", { class: "attached" }, files.map((f) => h("li", {}, icon(itemIcon(f)), h("span", { class: "name" }, f.name),
      h("span", { class: "hint" }, a.templates.includes(f) ? t("at.templateShort") : t("at.materialShort"))))) : null);
}

/** One pupil: name, status chip, hand-in time, files, history, actions. */
function pupilRow(a, w, changed) {
  const name = w.pupil_name;
  const canReturn = w.status === "handed_in" || w.status === "handed_in_late";
  const more = h("button", { type: "button", class: "icon-button more", "aria-haspopup": "menu", "aria-expanded": "false",
    "aria-label": t("action.more", { name }) }, icon("more"));
  more.addEventListener("click", () => menu(more, t("action.more", { name }), entries(a, w, changed)));
  return h("li", { class: "pupil status-" + w.status, dataset: { pupil: w.pupil_id } },
    h("div", { class: "pupil-line" },
      h("div", { class: "pupil-head" },
        h("span", { class: "pupil-name", tabindex: "-1" }, name),
        h("span", { class: "chip " + w.status }, t("at.status." + w.status)),
        w.handed_in_at ? h("time", { class: "hint", datetime: w.handed_in_at, title: fullDate(w.handed_in_at) }, t("at.handedAt", { when: formatDate(w.handed_in_at) })) : null),
      h("div", { class: "pupil-actions" },
        canReturn ? h("button", { type: "button", class: "primary small", onclick: () => returnOne(a, w, changed) }, icon("check"), t("at.returnOne"),
          h("span", { class: "visually-hidden" }, " " + t("at.toPupil", { name }))) : null,
        more)),
    w.handed_in_files.length ? h("ul", { class: "handed-files", "aria-label": t("at.filesOf", { name }) }, w.handed_in_files.map((f) => fileRow(f))) : null,
    (w.corrected_files || []).length ? h("ul", { class: "handed-files corrected-files", "aria-label": t("at.correctedOf", { name }) },
      w.corrected_files.map((f) => fileRow(f, "at.correctedShort"))) : null,
    w.feedback || w.points != null ? h("p", { class: "feedback" }, w.points != null ? h("strong", {}, (a.max_points ? t("at.pointsGiven", { n: formatNumber(w.points, 2), max: formatNumber(a.max_points, 2) }) : t("at.pointsGivenFree", { n: formatNumber(w.points, 2) })), " ") : null, w.feedback) : null,
    history(w));
}

function entries(a, w, changed) {
  const out = [];
  const handed = w.status === "handed_in" || w.status === "handed_in_late";
  if (handed) out.push({ label: t("at.revise"), icon: "restore", run: () => returnOne(a, w, changed, true) });
  if (w.folder_id) out.push({ label: t("at.openFolder"), icon: "folder", run: () => session.go("/dossiers/" + w.folder_id) });
  out.push(w.status === "excused"
    ? { label: t("at.unexcuse"), icon: "restore", run: () => excuse(a, w, false, changed) }
    : { label: t("at.excuse"), icon: "close", run: () => excuse(a, w, true, changed) });
  return out;
}

/** A handed-in file: open it (the version handed in) or download it. */
function fileRow(f, tag) {
  return h("li", {}, icon(itemIcon(f)),
    h("button", { type: "button", class: "link", onclick: () => openVersion(f, false) }, f.name),
    tag ? h("span", { class: "chip returned" }, t(tag)) : null,
    h("span", { class: "hint" }, formatSize(f.size)),
    h("button", { type: "button", class: "icon-button", "aria-label": t("at.download", { name: f.name }), title: t("at.download", { name: f.name }),
      onclick: () => openVersion(f, true) }, icon("download")));
}

// Opens (or downloads) the version handed in: the pupil may have changed the file since.
async function openVersion(f, download) {
  // A tab opened after an answer is a blocked pop-up: opened now, sent there after.
  const win = download ? null : window.open("", "_blank");
  try {
    const url = f.version_id ? await versionURL(f.item_id, f.version_id) : (await api("/items/" + f.item_id)).download_url;
    if (win) { win.opener = null; win.location = url; } else save(url);
  } catch (err) {
    win?.close();
    toast(err.title, { error: true });
  }
}

function history(w) {
  const past = w.hand_ins.filter((x) => x.taken_back_at);
  if (!past.length) return null;
  return h("details", { class: "handins" }, h("summary", {}, t(w.hand_ins.length === 1 ? "at.historyOne" : "at.historyMany", { n: w.hand_ins.length })),
    h("ol", {}, w.hand_ins.map((x) => h("li", {}, t("at.handedAt", { when: formatDate(x.handed_in_at) }),
      x.late ? " (" + t("at.late") + ")" : "",
      x.taken_back_at ? " — " + t("at.takenBack", { when: formatDate(x.taken_back_at) }) : " — " + t("at.current")))));
}

/** Returns one pupil's hand-in with feedback and points, or for revision. */
async function returnOne(a, w, changed, revision = false) {
  const feedback = h("textarea", { rows: 5, maxlength: 20000 });
  feedback.value = w.feedback || "";
  const points = h("input", { type: "number", min: "0", step: "0.25", inputmode: "decimal", max: a.max_points ?? undefined });
  const corrected = revision ? null : correctedPart(w);
  let next = null;
  const done = await dialog({
    title: t(revision ? "at.reviseTitle" : "at.returnTitle", { name: w.pupil_name }),
    body: [
      revision ? h("p", { class: "hint" }, t("at.reviseHint")) : null,
      field("at-feedback", t("at.feedbackLabel"), feedback, t("at.feedbackHint")),
      revision ? null : field("at-points-given", a.max_points ? t("at.pointsOf", { max: formatNumber(a.max_points, 2) }) : t("at.pointsFree"), points),
      corrected?.element,
    ],
    // From the return itself, "À revoir" is one button away.
    buttons: revision
      ? [{ label: t("action.cancel"), value: null }, { label: t("at.reviseSubmit"), value: "revise", primary: true }]
      // The primary button first among the submit buttons: Enter in a field returns, never sends back to revise.
      : [{ label: t("action.cancel"), value: null }, { label: t("at.returnSubmit"), value: "ok", primary: true }, { label: t("at.reviseSubmit"), value: "revise" }],
    onSubmit: async (value, say) => {
      revision = value === "revise";
      const body = { pupil_ids: [w.pupil_id], feedback: feedback.value, revision };
      if (!revision && points.value !== "") body.points = Number(points.value);
      if (!revision && corrected) {
        if (corrected.sending()) { say(t("at.correctedWait")); return false; }
        if (corrected.ids().length) body.corrected_item_ids = corrected.ids();
      }
      next = await api(`/assignments/${a.id}/returns`, { method: "POST", body });
    },
  });
  if (!done || !next) return;
  toast(t(revision ? "at.revised" : "at.returned", { name: w.pupil_name }));
  changed(next);
}

/**
 * The return dialog's corrected copies: files sent from the computer into the
 * teacher's own "Mes documents" (never the class space, which every pupil of
 * the class reads), listed and removable until the copy is returned; the pupil
 * then gets a read-only copy of each.
 */
function correctedPart(w) {
  const attached = []; // { name, item } — item is null while the file is on its way
  const list = h("ul", { class: "attached corrected-attached", "aria-label": t("at.correctedListed") });
  const home = session.spaces.find((s) => s.kind === "personal" && s.role === "manager");
  const draw = () => fill(list, attached.map((x) => h("li", {}, icon(x.item ? itemIcon(x.item) : "upload"),
    h("span", { class: "name" }, x.name),
    x.item ? null : h("span", { class: "hint" }, t("at.correctedSending")),
    h("button", { type: "button", class: "icon-button", "aria-label": t("at.correctedRemove", { name: x.name }), title: t("at.correctedRemove", { name: x.name }),
      onclick: () => { attached.splice(attached.indexOf(x), 1); draw(); button.focus(); } }, icon("close")))));
  // The file lands: the line waiting for it (same name, else the oldest waiting) gets it.
  const landed = (item) => {
    const waiting = attached.filter((x) => !x.item);
    const x = waiting.find((y) => y.name === item.name) || waiting[0];
    if (!x) return;
    x.item = item;
    x.name = item.name;
    draw();
  };
  const landing = { isConnected: true, querySelector: () => null, prepend_: landed, replace: landed };
  // The input lives in the dialog: outside it, the page behind a modal is inert.
  const input = h("input", { type: "file", multiple: true, class: "visually-hidden", tabindex: "-1", "aria-hidden": "true" });
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = "";
    if (!files.length || !home) return;
    for (const f of files) attached.push({ name: f.name, item: null });
    draw();
    uploadFiles(files, { id: home.root_id, space_id: home.id }, { folder: { id: home.root_id }, list: landing });
  });
  const button = h("button", { type: "button", onclick: () => input.click() }, icon("upload"), t("at.correctedAttach"));
  const element = h("div", { class: "field corrected-part" },
    h("span", { class: "label", id: "at-corrected-label" }, t("at.correctedLabel")),
    h("p", { class: "hint" }, t("at.correctedHint", { name: w.pupil_name })),
    list, home ? button : null, input);
  return {
    element,
    sending: () => attached.some((x) => !x.item),
    ids: () => attached.map((x) => x.item.id),
  };
}

/** Returns every copy handed in and not returned yet, with the same words. */
async function returnAll(a, n, changed) {
  const feedback = h("textarea", { rows: 4, maxlength: 20000 });
  let next = null;
  const done = await dialog({
    title: t(n === 1 ? "at.returnAllTitleOne" : "at.returnAllTitle", { n: formatNumber(n) }),
    body: [h("p", { class: "hint" }, t("at.returnAllHint")), field("at-feedback-all", t("at.feedbackLabel"), feedback, t("at.feedbackAllHint"))],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t(n === 1 ? "at.returnAllSubmitOne" : "at.returnAllSubmit", { n: formatNumber(n) }), value: "ok", primary: true }],
    onSubmit: async () => { next = await api(`/assignments/${a.id}/returns`, { method: "POST", body: { feedback: feedback.value } }); },
  });
  if (!done || !next) return;
  toast(t(n === 1 ? "at.returnedAllOne" : "at.returnedAll", { n: formatNumber(n) }));
  changed(next);
}

async function excuse(a, w, excused, changed) {
  try {
    const next = await api(`/assignments/${a.id}/excuse`, { method: "POST", body: { pupil_ids: [w.pupil_id], excused } });
    toast(t(excused ? "at.excused" : "at.unexcused", { name: w.pupil_name }));
    changed(next);
  } catch (err) {
    toast(err.title || t("error.generic"), { error: true });
  }
}

/** Every hand-in as one zip, streamed by the server. */
async function collect(a) {
  try {
    const got = await api(`/assignments/${a.id}/collect`, { method: "POST" });
    follow(got.download_url);
  } catch (err) {
    toast(err.status === 404 ? t("at.collectMissing") : err.title || t("error.generic"), { error: true });
  }
}

/** Moves the due date (and the close date) of a published assignment. */
async function changeDue(a, changed) {
  const p = parisParts(a.due_at);
  const date = h("input", { type: "date", value: p.date });
  const time = h("input", { type: "time", value: p.time, step: 300 });
  let next = null;
  const done = await dialog({
    title: t("at.changeDueTitle"),
    body: [h("p", { class: "hint" }, t("at.changeDueHint")), field("at-new-due-date", t("at.day"), date), field("at-new-due-time", t("at.hour"), time)],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("action.save"), value: "ok", primary: true }],
    onSubmit: async (_, say) => {
      const due = fromParis(date.value, time.value);
      if (!due) { say(t("at.needDue")); return false; }
      // The close date keeps its distance from the due date.
      const closeAt = a.close_at ? new Date(new Date(a.close_at).getTime() + new Date(due).getTime() - new Date(a.due_at).getTime()).toISOString() : null;
      next = await api("/assignments/" + a.id, { method: "PUT", body: {
        title: a.title, instructions: a.instructions, whole_class: a.whole_class, pupil_ids: a.whole_class ? null : a.pupil_ids,
        due_at: due, close_at: closeAt, late_allowed: a.late_allowed, max_points: a.max_points ?? null, publish_at: null } });
    },
  });
  if (!done || !next) return;
  toast(t("at.dueChanged", { when: dayAndHour(next.due_at) }));
  changed(next);
}

/**
 * Deletes the assignment after a plain warning: the pupils' work goes to the
 * class's trash and comes back with "Restaurer le devoir" (the toast's, or the
 * deleted assignment's page, still at its address for the teacher).
 */
export async function deleteAssignment(a) {
  const draft = a.state === "draft";
  const done = await dialog({
    title: t("at.deleteTitle", { title: a.title }),
    body: [h("p", {}, t(draft ? "at.deleteDraftText" : "at.deleteText")), h("p", { class: "hint" }, t("at.deleteHint"))],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("at.deleteSubmit"), value: "delete", primary: true, danger: true }],
    onSubmit: () => api("/assignments/" + a.id, { method: "DELETE" }),
  });
  if (!done) return;
  session.go("/devoirs");
  toast(t("at.deleted", { title: a.title }), { action: t("at.restore"), run: () => restoreAssignment(a) });
}

async function restoreAssignment(a, main) {
  try {
    const back = await api(`/assignments/${a.id}/restore`, { method: "POST" });
    toast(t("at.restored", { title: back.title }));
    if (!main?.isConnected) session.go("/devoirs/" + a.id);
    else if (back.state === "draft") (await import("./assign-teacher-editor.js")).showEditor(main, back);
    else showBoard(main, back);
  } catch (err) {
    toast(err.title || t("error.generic"), { error: true });
  }
}

/** A deleted assignment, for its teacher: what happened, and the way back. */
function showDeleted(main, a) {
  fill(main, h("div", { class: "folder-view assign-board deleted" }, head(a),
    h("div", { class: "notice deleted-notice" },
      h("p", {}, h("strong", {}, t("at.isDeleted"))),
      h("p", { class: "hint" }, t("at.deleteHint")),
      h("button", { type: "button", class: "primary", onclick: () => restoreAssignment(a, main) }, icon("restore"), t("at.restore")))));
}
