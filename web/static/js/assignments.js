// Assignments ("Devoirs"): the work teachers hand out to their classes and pupils
// hand in. This module routes; the teacher's screens (list, editor, dashboard,
// return) are in assign-teacher.js, the pupil's ("à rendre", hand-in) in
// assign-pupil.js. The API tells which side the caller is on for each assignment
// (can_manage). A parent's page, their children's homework, is in assign-parent.js.
// Those modules load when their screen is first shown, not with the app.

import { api, ApiError } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { t } from "./i18n.js";
import { newView, session } from "./state.js";

const teacherScreens = () => import("./assign-teacher.js");
const pupilScreens = () => import("./assign-pupil.js");
const parentScreens = () => import("./assign-parent.js");

export const assignmentsPath = "/devoirs";

/** Whether the caller teaches a class or belongs to one as a pupil, or follows a child's homework. */
export function usesAssignments() {
  return session.me.groups.some((g) => g.profile === "Teacher" || g.profile === "Student") || isParent();
}

function teaches() {
  return session.me.groups.some((g) => g.profile === "Teacher");
}

/** Whether the caller is a parent the directory links to their children. */
function isParent() {
  return session.me.profile === "Relative" && (session.me.children || []).length > 0;
}

/** The list: a teacher's assignments of the classes they teach, or a pupil's. */
export async function showAssignments(main) {
  if (isParent()) return (await parentScreens()).showParentList(main);
  return teaches() ? (await teacherScreens()).showTeacherList(main) : (await pupilScreens()).showPupilList(main);
}

/** One assignment, as its teacher or as one of its pupils sees it. */
export async function showAssignment(main, id) {
  // A parent reads their children's homework on one page: no assignment of theirs.
  if (isParent()) return (await parentScreens()).showParentList(main);
  const current = newView();
  let a;
  try {
    a = await api("/assignments/" + id);
  } catch (err) {
    if (current()) notFound(main, err);
    return;
  }
  return a.can_manage ? (await teacherScreens()).showTeacherAssignment(main, a) : (await pupilScreens()).showPupilAssignment(main, a);
}

// An assignment the caller may not see reads as one that does not exist (the API
// answers 404 alike): say so, and lead back to their list.
function notFound(main, err) {
  const missing = err instanceof ApiError && err.status === 404;
  document.title = `${t("assignment.notFound")} — ${t("app.title")}`;
  fill(main, h("div", { class: "empty" }, icon("warning", "icon big"),
    h("p", { class: "empty-title", role: "alert" }, missing ? t("assignment.notFound") : err.title || t("error.generic")),
    h("a", { href: assignmentsPath, class: "button" }, t("assignment.backToList"))));
}
