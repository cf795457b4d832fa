// What the app knows of the session, in memory only: who is signed in, their
// spaces, and the items seen (for breadcrumbs without asking twice). A sign-out
// reloads the page, which forgets all of it.

export const session = {
  me: null,
  spaces: [],
  /** go(path) navigates inside the app (set by main.js). */
  go: () => {},
  /** Items seen, by id. */
  items: new Map(),
  view: "list",
  sort: "name",
};

/** The space whose root is this folder, if it is one. */
export function spaceOfRoot(id) {
  return session.spaces.find((s) => s.root_id === id);
}

/** The space of an item, when it is one of the caller's. */
export function spaceOf(item) {
  return session.spaces.find((s) => s.id === item.space_id);
}

/** The name to show for a space's root. */
/** Whether the caller teaches in a space: a class or group space they manage, where they give work. */
export const teachesIn = (space) => space.kind === "group" && space.role === "manager";

/** The class and group spaces the caller teaches in. */
export const classesITeach = () => session.spaces.filter(teachesIn);

export function spaceLabel(space, t) {
  if (space.kind === "personal") return t("nav.personal");
  if (space.kind === "structure") return t("nav.staff");
  return space.name;
}

/** The name to show for a folder: its space's, for a space's root. */
export function folderLabel(item, t) {
  const space = spaceOfRoot(item.id);
  return space ? spaceLabel(space, t) : item.name;
}

/** Remembers an item (and answers it). */
export function remember(item) {
  session.items.set(item.id, item);
  return item;
}

let shown = 0;

/**
 * A ticket for the view about to be shown: a view whose answers come after another
 * view was asked for (a click while a folder loads) draws nothing.
 */
export function newView() {
  const ticket = ++shown;
  return () => ticket === shown;
}
