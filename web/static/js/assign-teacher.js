// A teacher's assignment screens: the list, the editor, the dashboard and the return.

/** The assignments of the classes the caller teaches. */
export async function showTeacherList(main) {
  main.textContent = "";
}

/** One assignment: its editor (draft) or dashboard (published). */
export async function showTeacherAssignment(main, a) {
  main.textContent = a.title;
}
