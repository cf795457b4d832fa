// A school's activity log, for its local admins: who opened, shared, moved,
// trashed or deleted which of the establishment's documents, when and from where,
// and the files the antivirus blocked, newest first, from
// GET /api/v1/admin/structures/{id}/audit; the same as a spreadsheet (CSV).

import { api, saveWithToken } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { fullDate, t } from "./i18n.js";
import { newView } from "./state.js";
import { showQuota } from "./quota.js";
import { toast } from "./ui.js";
import { structureName } from "./school.js";

/** The path of a structure's activity log. */
export const journalPath = (structureId) => "/etablissement/" + encodeURIComponent(structureId) + "/journal";

// The actions an admin may pick, in the order a person thinks of them.
const actions = ["download", "share", "share_change", "unshare", "link_create", "link_revoke", "move", "rename",
  "trash", "restore", "purge", "version_restore", "quarantine", "export"];

/** Shows the activity log of a structure the caller administers. */
export async function showJournal(main, structureId) {
  const current = newView();
  const name = structureName(structureId);
  document.title = `${t("journal.title")} — ${name}`;
  showQuota(null);
  const select = h("select", { id: "journal-action" },
    h("option", { value: "" }, t("journal.allActions")),
    actions.map((a) => h("option", { value: a }, t("journal.action." + a))));
  const body = h("tbody");
  const status = h("p", { class: "list-status", role: "status" });
  const more = h("button", { type: "button", hidden: true }, t("journal.more"));
  const table = h("table", { class: "report journal", "aria-labelledby": "journal-title" },
    h("thead", {}, h("tr", {}, ["journal.when", "journal.who", "journal.what", "journal.item", "journal.address"]
      .map((k) => h("th", { scope: "col" }, t(k))))),
    body);
  fill(main, h("div", { class: "folder-view school journal-view" },
    h("div", { class: "folder-head" }, h("h1", { id: "journal-title" }, t("journal.title")),
      h("button", { type: "button", onclick: () => downloadCSV(structureId, select.value) }, icon("download"), t("journal.csv"))),
    h("p", { class: "intro" }, t("journal.intro", { name })),
    h("div", { class: "journal-filter" }, h("label", { for: "journal-action" }, t("journal.show")), select),
    table, status, more));

  let cursor = "";
  const load = async (reset) => {
    if (reset) { cursor = ""; body.replaceChildren(); }
    status.textContent = t("app.loading");
    more.hidden = true;
    const query = new URLSearchParams({ limit: "50" });
    if (select.value) query.set("action", select.value);
    if (cursor) query.set("cursor", cursor);
    let page;
    try {
      page = await api(`/admin/structures/${encodeURIComponent(structureId)}/audit?${query}`);
    } catch (err) {
      if (current()) status.textContent = err.title;
      return;
    }
    if (!current()) return;
    body.append(...page.items.map(row));
    status.textContent = body.childElementCount ? "" : t("journal.none");
    cursor = page.next_cursor || "";
    more.hidden = !cursor;
  };
  select.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));
  await load(true);
}

function row(e) {
  const quarantine = e.action === "quarantine";
  return h("tr", { class: quarantine ? "quarantine" : "" },
    h("td", {}, h("time", { datetime: e.at }, fullDate(e.at))),
    h("td", {}, who(e)),
    h("td", {}, quarantine ? [icon("warning"), " "] : null, t("journal.action." + e.action),
      quarantine ? h("span", { class: "hint" }, " (" + [e.details?.signature, e.details?.uploader && t("journal.uploadedBy", { who: e.details.uploader })]
        .filter(Boolean).join(" · ") + ")") : null,
      e.action === "export" && e.details?.subject ? h("span", { class: "hint" }, " (" + t("journal.exportOf", { who: e.details.subject }) + ")") : null),
    h("th", { scope: "row" }, e.item_name),
    h("td", {}, e.address || "—"));
}

// who names the actor: a person by name (their id beside, as the directory knows
// them), a link's visitor, an embed's reader, or Cartable itself.
function who(e) {
  if (e.actor.startsWith("link:")) return t("journal.byLink");
  if (e.actor.startsWith("embed:")) return t("journal.byEmbed");
  if (e.actor === "job:antivirus") return t("journal.byAntivirus");
  if (e.actor.startsWith("job:")) return t("journal.byCartable");
  return e.actor_name ? [e.actor_name, h("span", { class: "hint" }, " · " + e.actor)] : e.actor;
}

// The CSV needs the token: it is fetched, then handed to the browser as a file.
async function downloadCSV(structureId, action) {
  try {
    const query = action ? "?action=" + encodeURIComponent(action) : "";
    await saveWithToken(`/admin/structures/${encodeURIComponent(structureId)}/audit.csv${query}`, `journal-${structureId}.csv`);
  } catch {
    toast(t("error.network"), { error: true });
  }
}
