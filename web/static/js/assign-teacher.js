// A teacher's assignment screens. This module draws the list of the classes'
// assignments (drafts, in progress with how many handed in, past) and routes one
// assignment to its editor (a draft: assign-teacher-editor.js) or its dashboard
// (published: assign-teacher-board.js). A new assignment starts from the list's
// "Nouveau devoir" or from a class folder's "Donner un devoir" (giveAssignment).

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { formatNumber, t } from "./i18n.js";
import { classesITeach, newView, session } from "./state.js";
import { showQuota } from "./quota.js";
import { dayAndHour, passed } from "./assign-time.js";
import { showEditor } from "./assign-teacher-editor.js";
import { showBoard } from "./assign-teacher-board.js";

// The class a new assignment is asked for, until the list shows its editor.
let pending = null;


/** Opens a new assignment's editor, for a class space when given (its folder's button). */
export function giveAssignment(spaceId) {
  pending = { spaceId: spaceId || null };
  session.go("/devoirs");
}

/** The assignments of the classes the caller teaches. */
export async function showTeacherList(main) {
  const current = newView();
  showQuota(null);
  if (pending) {
    const { spaceId } = pending;
    pending = null;
    return showEditor(main, null, spaceId);
  }
  document.title = `${t("nav.assignments")} — ${t("app.title")}`;
  const status = h("p", { class: "list-status", role: "status" }, t("app.loading"));
  const head = h("div", { class: "folder-head assign-head" }, h("h1", {}, t("nav.assignments")),
    classesITeach().length ? h("button", { type: "button", class: "primary big", onclick: () => giveAssignment(null) }, icon("plus"), t("at.new")) : null);
  fill(main, h("div", { class: "folder-view assign-list" }, head, status));
  let list;
  try {
    list = (await api("/assignments")).items.filter((a) => a.can_manage);
  } catch (err) {
    if (current()) fill(status, err.title || t("error.generic"));
    return;
  }
  if (!current()) return;
  const drafts = list.filter((a) => a.state === "draft");
  const open = list.filter((a) => a.state === "published" && !passed(a.due_at));
  const past = list.filter((a) => a.state === "published" && passed(a.due_at)).reverse();
  fill(main, h("div", { class: "folder-view assign-list" }, head,
    list.length === 0 ? emptyList() : null,
    section("at-open", t("at.sectionOpen"), open, t("at.noneOpen")),
    drafts.length ? section("at-drafts", t("at.sectionDrafts"), drafts) : null,
    past.length ? section("at-past", t("at.sectionPast"), past) : null));
}

function emptyList() {
  return h("div", { class: "empty" }, icon("task", "icon big"), h("p", { class: "empty-title" }, t("at.empty")), h("p", {}, t("at.emptyHint")));
}

function section(id, title, list, none) {
  if (!list.length && !none) return null;
  return h("section", { class: "assign-section", "aria-labelledby": id },
    h("h2", { id }, title, " ", h("span", { class: "count" }, "(" + formatNumber(list.length) + ")")),
    list.length ? h("ul", { class: "assign-cards" }, list.map(card)) : h("p", { class: "hint" }, none));
}

/** One assignment: its title (the link), class, due date, and how the class stands. */
function card(a) {
  return h("li", { class: "assign-card" + (a.state === "draft" ? " draft" : "") },
    h("div", { class: "assign-card-main" },
      h("a", { class: "assign-title", href: "/devoirs/" + a.id }, a.title),
      h("p", { class: "assign-meta" },
        h("span", { class: "badge class" }, icon("people"), a.space_name),
        h("span", {}, t("at.due", { when: dayAndHour(a.due_at) })))),
    h("div", { class: "assign-card-side" }, a.state === "draft" ? draftState(a) : progress(a)));
}

function draftState(a) {
  if (a.publish_at) return h("span", { class: "chip scheduled" }, t("at.scheduled", { when: dayAndHour(a.publish_at) }));
  return h("span", { class: "chip draft" }, t("at.draft"));
}

/** "12 rendus sur 25", what is left to correct, who is missing. */
function progress(a) {
  const s = a.summary || { total: 0, handed_in: 0, returned: 0, excused: 0, missing: 0 };
  const expected = s.total - s.excused;
  const toCorrect = s.handed_in - s.returned;
  return [
    h("span", { class: "handed" }, t(s.handed_in === 1 ? "at.handedOne" : "at.handedMany", { n: formatNumber(s.handed_in), total: formatNumber(expected) })),
    h("meter", { min: 0, max: Math.max(expected, 1), value: s.handed_in, "aria-hidden": "true" }),
    toCorrect > 0 ? h("span", { class: "chip handed_in" }, t(toCorrect === 1 ? "at.toCorrectOne" : "at.toCorrectMany", { n: formatNumber(toCorrect) })) : null,
    s.missing > 0 ? h("span", { class: "chip missing" }, t(s.missing === 1 ? "at.missingOne" : "at.missingMany", { n: formatNumber(s.missing) })) : null,
  ];
}

/** One assignment: its editor while a draft, its dashboard once published. */
export async function showTeacherAssignment(main, a) {
  showQuota(null);
  return a.state === "draft" ? showEditor(main, a) : showBoard(main, a);
}
