// A pupil's assignment screens. This file: "Devoirs", their assignments across
// their classes in plain sections (À faire, soonest first; En retard; Rendus;
// Corrigés). The assignment's own page (instructions, materials, their work, the
// hand-in) is in assign-pupil-page.js; dates and statuses in words in
// assign-pupil-words.js.

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { t } from "./i18n.js";
import { newView } from "./state.js";
import { showQuota } from "./quota.js";
import { points, section, standing, statusWords } from "./assign-pupil-words.js";
import { when } from "./assign-time.js";

export { showPupilAssignment } from "./assign-pupil-page.js";

const sections = ["todo", "late", "handed", "corrected"];

/** The pupil's assignments across their classes. */
export async function showPupilList(main) {
  const current = newView();
  document.title = `${t("nav.assignments")} — ${t("app.title")}`;
  showQuota(null);
  main.setAttribute("aria-busy", "true");
  let list;
  try {
    list = (await api("/assignments")).items.filter((a) => !a.can_manage);
  } catch (err) {
    if (!current()) return;
    main.removeAttribute("aria-busy");
    fill(main, h("div", { class: "folder-view" }, h("div", { class: "folder-head" }, h("h1", {}, t("nav.assignments"))),
      h("p", { class: "notice", role: "alert" }, icon("warning"), err.title || t("error.generic"))));
    return;
  }
  if (!current()) return;
  main.removeAttribute("aria-busy");
  const head = h("div", { class: "folder-head" }, h("h1", {}, t("nav.assignments")));
  if (!list.length) {
    fill(main, h("div", { class: "folder-view pupil-list" }, head,
      h("div", { class: "empty" }, icon("task", "icon big"), h("p", { class: "empty-title" }, t("pupil.list.none")),
        h("p", {}, t("pupil.list.noneHint")))));
    return;
  }
  const by = Object.fromEntries(sections.map((s) => [s, []]));
  for (const a of list) by[section(a)].push(a);
  // What is done is read newest first; what is to do, soonest first (the API's order).
  by.handed.reverse();
  by.corrected.reverse();
  fill(main, h("div", { class: "folder-view pupil-list" }, head,
    sections.map((s) => group(s, by[s], by.late.length > 0))));
}

// One section: its heading and its assignments; an empty "À faire" says so kindly
// (and says all is handed in only when nothing is late either).
function group(name, items, somethingLate) {
  if (!items.length && name !== "todo") return null;
  const id = "pupil-section-" + name;
  return h("section", { class: "pupil-section " + name, "aria-labelledby": id },
    h("h2", { id }, t("pupil.section." + name), items.length ? h("span", { class: "count" }, String(items.length)) : null),
    items.length
      ? h("ul", { class: "assignment-cards" }, items.map(card))
      : h("p", { class: "all-done" }, icon("check"), t(somethingLate ? "pupil.list.nothingNew" : "pupil.list.nothingToDo")));
}

// One assignment: its title (the link, which the whole card answers to), its
// class, when it is due or was handed in, and its status in words and colour.
function card(a) {
  const { key, tone } = standing(a);
  const mark = points(a.mine, a.max_points);
  return h("li", { class: "assignment-card tone-" + tone },
    h("div", { class: "card-main" },
      h("a", { class: "card-title", href: "/devoirs/" + a.id }, a.title),
      h("p", { class: "card-meta" }, h("span", { class: "class-name" }, a.space_name), " · ", dateLine(a, key))),
    h("span", { class: "badge status tone-" + tone }, statusIcon(tone), statusWords(a)),
    mark ? h("span", { class: "badge points" }, mark) : null);
}

function statusIcon(tone) {
  if (tone === "good") return icon("check");
  if (tone === "bad" || tone === "warn") return icon("warning");
  return null;
}

// The date a pupil needs: when it is due, or when they handed it in.
function dateLine(a, key) {
  const mine = a.mine || {};
  if ((key === "handed_in" || key === "handed_in_late" || key === "returned") && mine.handed_in_at) {
    return t("pupil.handedInWhen", { when: when(mine.handed_in_at, { on: true }) });
  }
  if (key === "missing") return t("pupil.wasDue", { when: when(a.due_at) });
  return t("pupil.due", { when: when(a.due_at) });
}
