// A parent's "Devoirs": for each of their children, the homework the teachers gave
// and where it stands, in plain words ("Rendu le mardi 3 décembre à 17 h 42",
// "À rendre pour demain à 18 h", "En retard", "Corrigé : 15/20"), Paris time. Read only, and
// without files: the API gives a parent none (the work is the pupil's). Laid out
// for a phone first: one column of cards, big text, the late ones on top.

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { formatNumber, t } from "./i18n.js";
import { newView, session } from "./state.js";
import { showQuota } from "./quota.js";
import { when } from "./assign-time.js";

/** The page: one section per child, each read from the API at once. */
export async function showParentList(main) {
  const current = newView();
  showQuota(null);
  const children = session.me.children;
  const title = children.length === 1 ? t("parent.title.one", { name: children[0].display_name }) : t("parent.title");
  document.title = `${title} — ${t("app.title")}`;
  const status = h("p", { class: "list-status", role: "status" }, t("folder.loading"));
  fill(main, h("div", { class: "parent-homework" }, h("h1", {}, title), status));
  const answers = await Promise.allSettled(children.map((c) => api("/children/" + encodeURIComponent(c.id) + "/assignments")));
  if (!current()) return;
  const now = Date.now();
  fill(main, h("div", { class: "parent-homework" },
    h("h1", {}, title),
    children.length > 1 ? jumps(children) : null,
    children.map((child, i) => childSection(child, answers[i], children.length > 1, now))));
}

// Big buttons to a child's section, for a family with several children. Buttons,
// not "#" links: a new hash would make the app route (and draw) the page again.
function jumps(children) {
  const to = (c) => () => {
    const section = document.getElementById(sectionId(c));
    section.scrollIntoView({ block: "start" });
    section.focus({ preventScroll: true });
  };
  return h("nav", { class: "child-jumps", "aria-label": t("parent.children") },
    children.map((c) => h("button", { type: "button", onclick: to(c) }, c.display_name)));
}

const sectionId = (child) => "enfant-" + child.id.replace(/[^A-Za-z0-9_-]/g, "-");

// The order a parent reads: what is late, then what is to do (soonest first), then
// what is done (latest first).
const sectionOrder = ["late", "to_do", "done"];

function childSection(child, answer, titled, now) {
  const id = sectionId(child);
  const body = [];
  if (answer.status === "rejected") {
    body.push(h("p", { class: "notice error", role: "alert" }, answer.reason?.title || t("error.generic")));
  } else if (answer.value.items.length === 0) {
    body.push(h("div", { class: "empty" }, icon("task", "icon big"), h("p", { class: "empty-title" }, t("parent.none"))));
  } else {
    for (const section of sectionOrder) {
      let items = answer.value.items.filter((a) => a.section === section);
      if (section === "done") items = items.reverse();
      if (items.length === 0) continue;
      // Headings go one level down under a child's name (several children).
      body.push(h(titled ? "h3" : "h2", { class: "homework-heading " + section }, t("parent.section." + section, { n: items.length })),
        h("ul", { class: "homework" }, items.map((a) => h("li", {}, card(a, now, titled ? "h4" : "h3")))));
    }
  }
  return h("section", { id, class: "child", "aria-labelledby": titled ? id + "-name" : null, tabindex: "-1" },
    titled ? h("h2", { id: id + "-name" }, child.display_name) : null, body);
}

// One assignment: its title and class, its state in words, the teacher's word, the
// instructions behind a big "Lire la consigne".
function card(a, now, heading) {
  const state = stateOf(a, now);
  return h("article", { class: "homework-card " + state.tone, dataset: { id: a.id, status: a.status } },
    h("p", { class: "homework-class" }, a.class_name),
    h(heading, { class: "homework-title" }, a.title),
    h("p", { class: "homework-state" }, icon(state.icon), h("span", {}, state.text)),
    state.more ? h("p", { class: "homework-more" }, state.more) : null,
    a.feedback ? h("div", { class: "homework-feedback" },
      h("p", { class: "homework-feedback-title" }, t("parent.feedback")), h("p", { class: "homework-feedback-text" }, a.feedback)) : null,
    a.instructions ? h("details", { class: "homework-instructions" },
      h("summary", {}, icon("chevron", "icon chevron"), h("span", {}, t("parent.instructions"))), h("p", {}, a.instructions)) : null);
}

/** What a parent reads of the work's status: a tone, an icon, a line and maybe a second. */
function stateOf(a, now = Date.now()) {
  const due = when(a.due_at, { now });
  switch (a.status) {
    case "returned":
      return { tone: "done", icon: "check", text: a.points != null ? t("parent.marked", { points: points(a) }) : t("parent.returned"),
        more: a.handed_in_at ? t("parent.handedIn", { when: when(a.handed_in_at, { on: true, now }) }) : null };
    case "handed_in":
      return { tone: "done", icon: "check", text: t("parent.handedIn", { when: when(a.handed_in_at, { on: true, now }) }) };
    case "handed_in_late":
      return { tone: "done", icon: "check", text: t("parent.handedInLate", { when: when(a.handed_in_at, { on: true, now }) }) };
    case "excused":
      return { tone: "done", icon: "check", text: t("parent.excused") };
    case "missing": {
      const open = !a.accepts_until || Date.parse(a.accepts_until) > now;
      return { tone: "late", icon: "warning", text: t("parent.late"),
        more: t("parent.lateWas", { when: due }) + " " + (!a.accepts_until ? t("parent.stillOpen") :
          open ? t("parent.openUntil", { when: when(a.accepts_until, { now }) }) : t("parent.closed")) };
    }
    default:
      return { tone: "to-do", icon: "task", text: t("parent.due", { when: due }),
        more: a.status === "not_opened" ? t("parent.notOpened") : t("parent.started") };
  }
}

function points(a) {
  const n = formatNumber(a.points, 2);
  return a.max_points != null ? n + "/" + formatNumber(a.max_points, 2) : t("parent.points", { n });
}
