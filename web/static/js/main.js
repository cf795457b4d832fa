// The app's entry: sign in, lay out the page (top bar, side bar of spaces, main
// area), and route paths to views. Paths:
//   /                   the caller's personal space ("Mes documents")
//   /dossiers/{id}      a folder
//   /partages           shared with me
//   /recents, /favoris  the caller's recent files and favourites (recent.js)
//   /recherche?q=…      search by name
//   /corbeille          the trash
//   /etablissement/{id} a school's storage (its local admins)
//   /devoirs            assignments: a teacher's, or a pupil's "à rendre" (assignments.js)
//   /devoirs/{id}       one assignment: its editor and dashboard, or the pupil's hand-in
//   /liens/{token}      a link's page, for visitors without an account (linkpage.js)
//   /ordinateur         app passwords for WebDAV clients (devices.js, loaded when shown)
//   /mes-donnees        download all one's data and files as one zip (mydata.js, loaded when shown)

import { api, signedIn, whenExpired } from "./api.js";
import { NeedsPerson, callbackPath, devMode, devSignIn, finishSignIn, framed, signOut, ssoPage, startSignIn } from "./auth.js";
import { h, fill, icon } from "./dom.js";
import { lang, setLang, t } from "./i18n.js";
import { session } from "./state.js";
import { showFolder } from "./browse.js";
import { showSearch, showShared, showTrash } from "./lists.js";
import { showFavorites, showRecent } from "./recent.js";
import { quotaBox } from "./quota.js";
import { schoolPath, showSchool, structureName } from "./school.js";
import { isArchived } from "./schoolyear.js";
import { assignmentsPath, showAssignment, showAssignments, usesAssignments } from "./assignments.js";

const root = document.getElementById("app");

async function boot() {
  // A link's visitor has no account: its page asks for no sign-in.
  if (location.pathname.startsWith("/liens/")) {
    const { showLinkPage } = await import("./linkpage.js");
    showLinkPage(root);
    return;
  }
  if (location.pathname === callbackPath) {
    try {
      history.replaceState(null, "", await finishSignIn());
    } catch (err) {
      if (!(err instanceof NeedsPerson)) {
        ssoPage(root, t("login.failed"));
        return;
      }
      history.replaceState(null, "", err.back);
      history.replaceState(null, "", await ssoPage(root, null, err.back));
    }
  }
  if (!signedIn()) {
    if (devMode) await devSignIn(root);
    else {
      await startSignIn(location.pathname + location.search);
      return;
    }
  }
  // Framed, a new sign-in happens in a popup and the app carries on where it was.
  whenExpired(() => (devMode ? signOut() : ssoPage(root, t("login.expired")).then(() => { layout(); route(); })));
  const [me, spaces] = await Promise.all([api("/me"), api("/spaces")]);
  session.me = me;
  session.spaces = spaces.spaces;
  layout();
  route();
}

let main, nav;

function layout() {
  const menuButton = h("button", { type: "button", class: "menu-toggle", "aria-expanded": "false", "aria-controls": "nav" },
    icon("menu"), t("app.menu"));
  nav = h("nav", { id: "nav", class: "sidebar", "aria-label": t("app.menu") });
  main = h("main", { id: "main", tabindex: "-1" });
  menuButton.addEventListener("click", () => {
    const open = menuButton.getAttribute("aria-expanded") !== "true";
    menuButton.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
  nav.addEventListener("click", (e) => {
    if (e.target.closest("a")) { menuButton.setAttribute("aria-expanded", "false"); nav.classList.remove("open"); }
  });
  fill(root,
    h("a", { class: "skip", href: "#main" }, t("app.skip")),
    h("header", { class: "topbar" },
      menuButton,
      h("a", { class: "brand", href: "/" }, icon("inbox"), h("span", {}, t("app.title"))),
      searchForm(),
      h("span", { class: "who" }, session.me.display_name),
      h("button", { type: "button", class: "quiet lang", lang: t("app.switchLang"), "aria-label": t("app.switch"), onclick: switchLanguage },
        h("span", { class: "long", "aria-hidden": "true" }, t("app.switch")), h("span", { class: "short", "aria-hidden": "true" }, t("app.switchLang").toUpperCase())),
      // Framed, the portal's own log-out ends the ENT's session and takes the frame
      // away; a log-out of the frame alone would be signed in again at once.
      framed ? null : h("button", { type: "button", class: "quiet", onclick: signOut }, icon("logout"), t("app.logout"))),
    h("div", { class: "layout" }, nav, main));
  renderNav();
}

// "Rechercher dans mes documents": the top bar's search field, which shows its
// results at /recherche?q=….
function searchForm() {
  const input = h("input", { type: "search", name: "q", required: true, minlength: "2", maxlength: "200",
    placeholder: t("search.label"), "aria-label": t("search.label"), value: new URLSearchParams(location.search).get("q") || "" });
  return h("form", { class: "search", role: "search", onsubmit: (e) => {
    e.preventDefault();
    go("/recherche?" + new URLSearchParams({ q: input.value.trim() }));
  } }, input, h("button", { type: "submit", class: "quiet", "aria-label": t("search.go") }, icon("search")));
}

function switchLanguage() {
  setLang(lang() === "en" ? "fr" : "en");
  layout();
  route();
}

/** The side bar: personal space, classes and groups, staff room, shared, trash. */
function renderNav() {
  const link = (href, iconName, label, extra) => h("li", {}, h("a", { href, dataset: { nav: href } }, icon(iconName), h("span", {}, label), extra));
  const personal = session.spaces.filter((s) => s.kind === "personal");
  const groups = session.spaces.filter((s) => s.kind === "group" && !isArchived(s));
  const archived = session.spaces.filter(isArchived);
  const staff = session.spaces.filter((s) => s.kind === "structure");
  fill(nav, h("ul", {},
    personal.map((s) => link("/dossiers/" + s.root_id, "home", t("nav.personal"))),
    groups.length ? h("li", { class: "nav-heading", "aria-hidden": "true" }, t("nav.classes")) : null,
    groups.map((s) => link("/dossiers/" + s.root_id, "people", s.name)),
    staff.map((s) => link("/dossiers/" + s.root_id, "school", t("nav.staff"),
      staff.length > 1 ? h("span", { class: "sub" }, s.name) : null)),
    // Last year's classes, read-only until the retention job trashes them.
    archived.length ? h("li", { class: "nav-heading", "aria-hidden": "true" }, t("year.previous")) : null,
    archived.map((s) => link("/dossiers/" + s.root_id, "archive", s.name,
      h("span", { class: "sub archived" }, [s.archived_label, t("year.badge")].filter(Boolean).join(" · ")))),
    // What spans the spaces: the caller's recent files, favourites, and what was shared with them.
    h("li", { class: "nav-gap", "aria-hidden": "true" }),
    link("/recents", "history", t("nav.recent")),
    link("/favoris", "star", t("nav.favorites")),
    link("/partages", "share", t("nav.shared")),
    h("li", { class: "nav-gap", "aria-hidden": "true" }),
    usesAssignments() ? link(assignmentsPath, "task", t("nav.assignments")) : null,
    link("/corbeille", "trash", t("nav.trash")),
    usesComputers() ? link(devicesPath, "computer", t("nav.devices")) : null,
    link(myDataPath, "download", t("nav.myData")),
    session.me.administers.map((id) => link(schoolPath(id), "meter", t("nav.school"),
      session.me.administers.length > 1 ? h("span", { class: "sub" }, structureName(id)) : null))), quotaBox());
}

// "Mes données" is for everyone: a pupil, a parent, a teacher (mydata.js).
const myDataPath = "/mes-donnees";

// "Sur mon ordinateur" is for staff and pupils; parents reach their children's work
// in the browser only.
const devicesPath = "/ordinateur";
function usesComputers() {
  return session.me.profile !== "Relative" && session.me.profile !== "Guest";
}

function markNav(href) {
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.nav === href) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

/** Shows the view of the current path. */
export async function route() {
  const path = location.pathname;
  // A folder still loading when another view is asked for never finishes drawing:
  // its "busy" must not outlive it (screen readers would wait on it).
  main.removeAttribute("aria-busy");
  const personal = session.spaces.find((s) => s.kind === "personal");
  let m;
  if (path === "/recherche" && new URLSearchParams(location.search).get("q")) {
    markNav(path);
    await showSearch(main, new URLSearchParams(location.search).get("q"));
  } else if (path === "/partages") {
    markNav(path);
    await showShared(main);
  } else if (path === "/recents") {
    markNav(path);
    await showRecent(main);
  } else if (path === "/favoris") {
    markNav(path);
    await showFavorites(main);
  } else if (path === "/corbeille") {
    markNav(path);
    await showTrash(main);
  } else if ((m = path.match(/^\/etablissement\/([^/]+)$/)) && session.me.administers.includes(decodeURIComponent(m[1]))) {
    markNav(path);
    await showSchool(main, decodeURIComponent(m[1]));
  } else if ((m = path.match(/^\/etablissement\/([^/]+)\/journal$/)) && session.me.administers.includes(decodeURIComponent(m[1]))) {
    markNav(schoolPath(decodeURIComponent(m[1])));
    await (await import("./journal.js")).showJournal(main, decodeURIComponent(m[1]));
  } else if (path === assignmentsPath && usesAssignments()) {
    markNav(path);
    await showAssignments(main);
  } else if ((m = path.match(/^\/devoirs\/([0-9a-f-]{36})$/)) && usesAssignments()) {
    markNav(assignmentsPath);
    await showAssignment(main, m[1]);
  } else if (path === devicesPath && usesComputers()) {
    markNav(path);
    await (await import("./devices.js")).showDevices(main);
  } else if (path === myDataPath) {
    markNav(path);
    (await import("./mydata.js")).showMyData(main);
  } else if ((m = path.match(/^\/dossiers\/([0-9a-f-]{36})$/))) {
    await showFolder(main, m[1], markNav);
  } else if (personal) {
    history.replaceState(null, "", "/dossiers/" + personal.root_id);
    await showFolder(main, personal.root_id, markNav);
  }
}

/** Goes to an app path without reloading. */
export function go(path) {
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  // A new page starts at its top, with the focus on it for screen readers (a
  // scrolling focus would tuck the title under the sticky top bar).
  route().then(() => { main.focus({ preventScroll: true }); window.scrollTo(0, 0); });
}

// Links of the app are followed in place; others (downloads, new tabs) as usual.
document.addEventListener("click", (e) => {
  const a = e.target.closest("a[href]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.hash) return;
  e.preventDefault();
  go(url.pathname);
});
window.addEventListener("popstate", () => route());

session.go = go;
boot().catch((err) => {
  console.error(err);
  fill(root, h("main", { id: "main", class: "signin" }, h("p", { role: "alert" }, t("error.generic"))));
});
