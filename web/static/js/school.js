// The school's storage, for its local admins: how full the establishment's pool
// is, the default size of each profile's "Mes documents", what is used by profile
// and by kind of space, and the largest spaces, from
// GET /api/v1/admin/quota/structures/{id}; the whole list as a spreadsheet (CSV).

import { api, saveWithToken } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { formatNumber, formatSize, t } from "./i18n.js";
import { newView, session } from "./state.js";
import { showQuota } from "./quota.js";
import { toast } from "./ui.js";
import { yearSections } from "./schoolyear.js";

/** The path of a structure's storage page. */
export const schoolPath = (structureId) => "/etablissement/" + encodeURIComponent(structureId);

/** The name of a structure the caller belongs to (its staff room's name), else its id. */
export function structureName(structureId) {
  return session.spaces.find((s) => s.kind === "structure" && s.structure_id === structureId)?.name || structureId;
}

/** Shows the storage page of a structure the caller administers. */
export async function showSchool(main, structureId) {
  const current = newView();
  const name = structureName(structureId);
  document.title = `${t("school.title")} — ${name}`;
  showQuota(null);
  const status = h("p", { class: "list-status", role: "status" }, t("app.loading"));
  fill(main, h("div", { class: "folder-view school" }, h("div", { class: "folder-head" }, h("h1", {}, t("school.title"))), status));
  let report;
  try {
    report = await api("/admin/quota/structures/" + encodeURIComponent(structureId));
  } catch (err) {
    if (current()) fill(status, err.title);
    return;
  }
  if (!current()) return;
  fill(main, h("div", { class: "folder-view school" },
    h("div", { class: "folder-head" }, h("h1", {}, t("school.title")),
      h("a", { class: "button", href: schoolPath(structureId) + "/journal" }, icon("history"), t("journal.title")),
      h("button", { type: "button", onclick: () => downloadCSV(structureId) }, icon("download"), t("school.csv"))),
    h("p", { class: "intro" }, t("school.intro", { name })),
    poolSection(report.pool),
    totalsTable("school-profiles", t("school.byProfile"), report.by_profile, (key) => t("profile." + key)),
    totalsTable("school-kinds", t("school.byKind"), report.by_kind, (key) => t("school.kind." + key)),
    defaultsTable(report.defaults),
    topTable(report.top_spaces),
    yearSections(structureId)));
}

function poolSection(pool) {
  const percent = pool.limit_bytes ? Math.floor(pool.percent) : null;
  const level = percent >= 100 ? "full" : percent >= 80 ? "high" : "";
  return h("section", { class: "school-pool", "aria-labelledby": "school-pool" },
    h("h2", { id: "school-pool" }, t("school.pool")),
    pool.limit_bytes === null
      ? h("p", {}, t("school.poolUnlimited", { used: formatSize(pool.used_bytes) }))
      : [h("meter", { min: 0, max: pool.limit_bytes, value: pool.used_bytes, low: pool.limit_bytes * 0.8, high: pool.limit_bytes * 0.9,
        optimum: 0, "aria-labelledby": "school-pool", class: level }),
      h("p", { class: "quota-text " + level },
        t(pool.used_bytes > 0 && percent < 1 ? "school.poolTiny" : "school.poolUsed",
          { used: formatSize(pool.used_bytes), limit: formatSize(pool.limit_bytes), percent: formatNumber(percent) }),
        level ? h("strong", {}, " — ", t(level === "full" ? "school.poolFull" : "school.poolHigh")) : null)]);
}

// table(id, caption, headings, rows) makes a table whose first column names its row.
function table(id, caption, headings, rows) {
  return h("section", { "aria-labelledby": id },
    h("h2", { id }, caption),
    rows.length === 0 ? h("p", { class: "hint" }, t("school.none")) :
      h("table", { class: "report", "aria-labelledby": id },
        h("thead", {}, h("tr", {}, headings.map((x, i) => h("th", { scope: "col", class: i ? "num" : "" }, x)))),
        h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((x, i) => (i ? h("td", { class: "num" }, x) : h("th", { scope: "row" }, x))))))));
}

function totalsTable(id, caption, totals, label) {
  return table(id, caption, [t("school.who"), t("school.spaces"), t("school.used")],
    totals.map((x) => [label(x.key), formatNumber(x.spaces), formatSize(x.used_bytes)]));
}

// The defaults say how large each profile's "Mes documents" and each class space is.
function defaultsTable(defaults) {
  const subjects = ["Teacher", "Personnel", "Student", "Relative", "Guest", "group_space"].filter((s) => s in defaults);
  return table("school-defaults", t("school.defaults"), [t("school.who"), t("school.size")],
    subjects.map((s) => [s === "group_space" ? t("school.kind.group") : t("profile." + s), formatSize(defaults[s])]));
}

function topTable(spaces) {
  const label = (s) => s.kind === "personal" ? t("school.personalOf", { owner: s.owner_name || s.owner }) : s.kind === "structure" ? t("nav.staff") : s.name;
  return table("school-top", t("school.top"), [t("school.space"), t("school.used"), t("school.limit")],
    spaces.map((s) => [label(s), formatSize(s.used_bytes), s.limit_bytes === null ? "—" : formatSize(s.limit_bytes)]));
}

// The CSV needs the token: it is fetched, then handed to the browser as a file.
async function downloadCSV(structureId) {
  try {
    await saveWithToken(`/admin/quota/structures/${encodeURIComponent(structureId)}/usage.csv`, `stockage-${structureId}.csv`);
  } catch {
    toast(t("error.network"), { error: true });
  }
}
