// One assignment as its pupil sees it: what to do (the instructions, the documents
// to read), their work (assign-pupil-work.js), and where it stands in plain words:
// to hand in by when, handed in, corrected with the teacher's words and points,
// or to be reworked ("À revoir").

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { t } from "./i18n.js";
import { itemList, download } from "./items.js";
import { openViewer, viewable } from "./viewer.js";
import { toast } from "./ui.js";
import { newView, remember } from "./state.js";
import { showQuota } from "./quota.js";
import { inRevision, points, standing, statusWords } from "./assign-pupil-words.js";
import { when } from "./assign-time.js";
import { pinnedList, workSection } from "./assign-pupil-work.js";

/** One assignment, with the pupil's copies and their hand-in. */
export async function showPupilAssignment(main, a) {
  const current = newView();
  // The class space's storage is no business of a pupil's at work.
  showQuota(null);
  const materials = await readMaterials(a);
  if (!current()) return;
  const page = { main, a, current, reload: () => reload(main, a.id, current) };
  await draw(page, materials);
}

// The assignment read again (after a hand-in, a take-back, or a refusal that says
// the page was behind), and drawn again if nothing else was asked for meanwhile.
async function reload(main, id, current, focus = ".work-state") {
  let a;
  try {
    a = await api("/assignments/" + id);
  } catch (err) {
    toast(err.title || t("error.generic"), { error: true });
    return;
  }
  if (!current()) return;
  const page = { main, a, current, reload: (f) => reload(main, id, current, f) };
  await draw(page, await readMaterials(a));
  main.querySelector(focus)?.focus();
}

async function draw(page, materials) {
  const { a, main } = page;
  document.title = `${a.title} — ${t("app.title")}`;
  const work = await workSection(page);
  if (!page.current()) return;
  fill(main, h("div", { class: "folder-view pupil-assignment" },
    h("nav", { class: "crumbs", "aria-label": t("crumbs") }, h("ol", {},
      h("li", {}, h("a", { href: "/devoirs" }, t("nav.assignments"))),
      h("li", {}, h("span", { "aria-current": "page" }, a.title)))),
    header(a),
    news(a),
    h("div", { class: "assignment-columns" },
      h("div", { class: "assignment-about" }, instructions(a), materialsSection(materials)),
      work),
    history(a)));
}

function header(a) {
  const { tone } = standing(a);
  return h("div", { class: "assignment-head" },
    h("h1", {}, a.title),
    h("p", { class: "assignment-meta" },
      h("span", { class: "class-name" }, a.space_name), " · ",
      h("strong", {}, t("pupil.due", { when: when(a.due_at) })),
      " ", h("span", { class: "badge status tone-" + tone }, statusWords(a))));
}

/**
 * What the teacher answered, first on the page: corrected (points, words,
 * corrected files), to be reworked (their words and what to do next), or excused.
 */
function news(a) {
  const mine = a.mine || {};
  const mark = points(mine, a.max_points);
  const feedback = mine.feedback ? h("div", { class: "feedback" },
    h("h3", {}, t("pupil.feedback")), h("p", { class: "text" }, mine.feedback)) : null;
  const corrected = (mine.corrected_files || []).length ? h("div", { class: "corrected" },
    h("h3", {}, t("pupil.corrected")), pinnedList(mine.corrected_files, "pupil.corrected")) : null;
  if (mine.status === "returned") {
    return h("section", { class: "news tone-good", "aria-labelledby": "news-title" },
      h("h2", { id: "news-title" }, icon("check"), t("pupil.news.returned")),
      mark ? h("p", { class: "mark" }, h("span", { class: "visually-hidden" }, t("pupil.points.label") + " "), mark) : null,
      feedback, corrected);
  }
  if (inRevision(mine)) {
    return h("section", { class: "news tone-warn", "aria-labelledby": "news-title" },
      h("h2", { id: "news-title" }, icon("warning"), t("pupil.news.revision")),
      h("p", { class: "next" }, t("pupil.news.revisionNext")),
      mark ? h("p", { class: "mark" }, h("span", { class: "visually-hidden" }, t("pupil.points.label") + " "), mark) : null,
      feedback, corrected);
  }
  if (mine.status === "excused") {
    return h("section", { class: "news tone-quiet", "aria-labelledby": "news-title" },
      h("h2", { id: "news-title" }, t("pupil.news.excused")), h("p", {}, t("pupil.news.excusedHint")), feedback);
  }
  // Handed in again after a revision: the teacher's words stay in sight.
  if (mine.feedback) {
    return h("section", { class: "news tone-quiet", "aria-labelledby": "news-title" },
      h("h2", { id: "news-title" }, t("pupil.feedback")), h("p", { class: "text" }, mine.feedback));
  }
  return null;
}

// The instructions as the teacher wrote them, line breaks kept (CSS pre-line).
function instructions(a) {
  if (!a.instructions.trim()) return null;
  return h("section", { class: "instructions", "aria-labelledby": "instructions-title" },
    h("h2", { id: "instructions-title" }, t("pupil.instructions")),
    h("p", { class: "text" }, a.instructions));
}

// The materials are files of the class space the pupil may read: asked for as
// items, so that they open in the viewer and download like any file. One the
// teacher took away since is left out.
async function readMaterials(a) {
  const got = await Promise.all(a.materials.map((m) => api("/items/" + m.item_id).then(remember, () => null)));
  return got.filter(Boolean);
}

function materialsSection(materials) {
  if (!materials.length) return null;
  const list = itemList({
    label: t("pupil.materials"), view: "list",
    open: (item) => viewable(item) && (openViewer(list, item), true),
    entries: (item) => [{ label: t("action.download"), icon: "download", run: () => download(item).catch((err) => toast(err.title, { error: true })) }],
  });
  list.add(materials);
  return h("section", { class: "materials", "aria-labelledby": "materials-title" },
    h("h2", { id: "materials-title" }, t("pupil.materials")),
    h("p", { class: "hint" }, t("pupil.materialsHint")), list);
}

// Every hand-in, discreetly: when, late or not, taken back when.
function history(a) {
  const handIns = a.mine?.hand_ins || [];
  if (!handIns.length) return null;
  return h("details", { class: "handin-history" },
    h("summary", {}, t("pupil.history", { n: handIns.length })),
    h("ol", {}, handIns.map((hi) => h("li", {},
      t(hi.late ? "pupil.history.late" : "pupil.history.on", { when: when(hi.handed_in_at, { on: true }) }),
      hi.taken_back_at ? " — " + t("pupil.history.back", { when: when(hi.taken_back_at, { on: true }) }) : ""))));
}
