// Assignments ("Devoirs"): the work teachers hand out to their classes and pupils
// hand in. This module routes; the teacher's screens (list, editor, dashboard,
// return) are in assign-teacher.js, the pupil's ("à rendre", hand-in) in
// assign-pupil.js. The API tells which side the caller is on for each assignment
// (can_manage). A parent's page, their children's homework, is in assign-parent.js.

import { api } from "./api.js";
import { session } from "./state.js";
import { showTeacherAssignment, showTeacherList } from "./assign-teacher.js";
import { showPupilAssignment, showPupilList } from "./assign-pupil.js";
import { isParent, showParentList } from "./assign-parent.js";

export const assignmentsPath = "/devoirs";

/** Whether the caller teaches a class or belongs to one as a pupil, or follows a child's homework. */
export function usesAssignments() {
  return session.me.groups.some((g) => g.profile === "Teacher" || g.profile === "Student") || isParent();
}

function teaches() {
  return session.me.groups.some((g) => g.profile === "Teacher");
}

/** The list: a teacher's assignments of the classes they teach, or a pupil's. */
export function showAssignments(main) {
  if (isParent()) return showParentList(main);
  return teaches() ? showTeacherList(main) : showPupilList(main);
}

/** One assignment, as its teacher or as one of its pupils sees it. */
export async function showAssignment(main, id) {
  // A parent reads their children's homework on one page: no assignment of theirs.
  if (isParent()) return showParentList(main);
  const a = await api("/assignments/" + id);
  return a.can_manage ? showTeacherAssignment(main, a) : showPupilAssignment(main, a);
}
