// Sharing an item: find a class, a group narrowed to a profile or a person by
// name (GET /api/v1/directory/search), choose what they may do in plain words
// (Consulter / Contribuer / Gérer), and see, change or remove who has access:
// the members of the space, the grants inherited from the folders above (changed
// there), and the item's own. For who may make them, the "Lien" and "Boîte de
// dépôt" tabs make links (see sharelinks.js).

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { t } from "./i18n.js";
import { dialog, toast } from "./ui.js";
import { session, spaceOf } from "./state.js";
import { linkTabs } from "./sharelinks.js";

const roles = ["viewer", "contributor", "manager"];

/** Opens the share dialog of an item. */
export function shareDialog(item) {
  let chosen = null;
  let timer = null;
  let asked = 0;
  const search = h("input", { type: "search", id: "share-q", autocomplete: "off", placeholder: t("share.placeholder"),
    "aria-describedby": "share-q-hint", "aria-controls": "share-results" });
  const results = h("ul", { id: "share-results", class: "results", "aria-label": t("share.results") });
  const found = h("p", { class: "hint", role: "status" });
  const picked = h("div", { class: "picked", hidden: true });
  const roleChoice = roles.map((r) => h("label", { class: "choice inline" },
    h("input", { type: "radio", name: "share-role", value: r, checked: r === "viewer" }),
    h("span", {}, h("strong", {}, t("role." + r)), h("span", { class: "hint" }, t("role." + r + "Hint")))));
  const access = h("ul", { class: "access", "aria-labelledby": "share-access" });

  const pick = (candidate) => {
    chosen = candidate;
    fill(picked, icon("check"), h("span", {}, t("share.chosen", { label: candidate.label })),
      h("button", { type: "button", class: "small", onclick: () => { chosen = null; picked.hidden = true; search.hidden = false; results.hidden = false; search.focus(); } }, t("share.change")));
    picked.hidden = false;
    search.hidden = true;
    results.hidden = true;
    fill(found);
    roleChoice[0].querySelector("input").focus();
  };

  const lookup = async () => {
    const q = search.value.trim();
    const mine = ++asked;
    if (!q) { fill(results); fill(found); return; }
    try {
      const got = await api("/directory/search", { query: { q, limit: 12 } });
      if (mine !== asked) return;
      fill(results, got.items.map((c) => h("li", {}, h("button", { type: "button", class: "candidate", onclick: () => pick(c) },
        icon(c.grantee.kind === "user" ? "people" : "school"), h("span", {}, h("strong", {}, c.label), h("span", { class: "hint" }, c.detail))))));
      fill(found, got.items.length ? "" : t("share.noResult", { q }));
    } catch (err) {
      if (mine === asked) fill(found, err.title);
    }
  };
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 200); });
  search.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); results.querySelector("button")?.focus(); }
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); lookup(); }
  });
  results.addEventListener("keydown", (e) => {
    const buttons = [...results.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (e.key === "ArrowDown") { e.preventDefault(); buttons[Math.min(at + 1, buttons.length - 1)]?.focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (at <= 0 ? search : buttons[at - 1]).focus(); }
  });

  const refresh = () => listAccess(item, access);
  refresh();
  const people = [
    h("div", { class: "field" }, h("label", { for: "share-q" }, t("share.who")), h("p", { class: "hint", id: "share-q-hint" }, t("share.whoHint")), search, picked, found, results),
    h("fieldset", { class: "choices roles" }, h("legend", {}, t("share.role")), roleChoice),
    h("div", { class: "buttons start" }, h("button", { type: "submit", class: "primary", value: "share" }, icon("share"), t("share.submit"))),
    h("h3", { id: "share-access" }, t("share.access")), access,
  ];
  // Links only for who may make them (teachers and staff): a pupil sees no tab.
  const tabs = session.me?.can_create_links ? linkTabs(item, people) : null;
  return dialog({
    title: t("share.title", { name: item.name }),
    className: "share",
    body: tabs ? tabs.body : people,
    buttons: [{ label: t("action.close"), value: null }],
    onSubmit: async (value, say) => {
      // Enter in a field submits the form: the tab shown says what it asks for.
      if (tabs && tabs.current() !== "people") return tabs.submit(say);
      if (!chosen) { say(t("share.pickFirst")); search.hidden = false; search.focus(); return false; }
      const role = roleChoice.map((l) => l.querySelector("input")).find((i) => i.checked).value;
      await api(`/items/${item.id}/permissions`, { method: "POST", body: { grantee: chosen.grantee, role } });
      toast(t("share.done", { label: chosen.label }));
      chosen = null;
      picked.hidden = true;
      search.hidden = false;
      results.hidden = false;
      search.value = "";
      fill(results);
      await refresh();
      search.focus();
      return false;
    },
  });
}

/**
 * Fills the list of who has access: the space's members, then the grants (links
 * aside, they have their own tab), those inherited from a folder above being
 * shown as such, with the way to that folder, where they are changed.
 */
async function listAccess(item, ul) {
  let got;
  try {
    got = await api(`/items/${item.id}/permissions`, { query: { limit: 200 } });
  } catch (err) {
    fill(ul, h("li", {}, err.title));
    return;
  }
  const grants = got.items.filter((p) => p.grantee.kind !== "link");
  const members = spaceMembers(item);
  if (!grants.length && !members) { fill(ul, h("li", { class: "hint" }, t("share.nobody"))); return; }
  fill(ul, members, grants.map((p) => (p.inherited_from ? inheritedRow(p) : grantRow(item, ul, p))));
}

/** Who has access by the space itself: a class's members, an establishment's staff. */
function spaceMembers(item) {
  const space = spaceOf(item);
  if (!space || space.kind === "personal") return null;
  // A class's space, or a teaching group's: the caller's groups say which.
  const group = session.me?.groups?.find((g) => g.id === space.group_id);
  const key = space.kind !== "group" ? "share.staffMembers" : group && group.kind !== "class" ? "share.teamMembers" : "share.groupMembers";
  const text = t(key, { name: space.name });
  return h("li", { class: "implicit" }, icon(space.kind === "group" ? "people" : "school"), h("span", { class: "who" }, text));
}

/** A grant given on a folder above: shown, not changed here. */
function inheritedRow(p) {
  const from = p.inherited_from;
  const close = (e) => e.currentTarget.closest("dialog")?.querySelector(".dialog-close")?.click();
  return h("li", { class: "inherited" }, icon(p.grantee.kind === "user" ? "people" : "school"),
    h("span", { class: "who" }, p.label || p.grantee.id,
      h("span", { class: "hint" }, t("share.inheritedFrom"), " ", h("a", { href: "/dossiers/" + from.id, onclick: close }, "« " + from.name + " »"))),
    h("span", { class: "role" }, t("role." + p.role)));
}

/** A grant of this item: its role changed, or removed. */
function grantRow(item, ul, p) {
  const label = p.label || p.grantee.id;
  const select = h("select", { "aria-label": t("share.roleOf", { label }) },
    roles.map((r) => h("option", { value: r, selected: r === p.role }, t("role." + r))));
  select.addEventListener("change", async () => {
    try {
      await api(`/items/${item.id}/permissions/${p.id}`, { method: "PATCH", body: { role: select.value } });
    } catch (err) {
      toast(err.title, { error: true });
      select.value = p.role;
    }
  });
  const remove = h("button", { type: "button", class: "icon-button", "aria-label": t("share.remove", { label }), title: t("share.remove", { label }) }, icon("close"));
  remove.addEventListener("click", async () => {
    try {
      await api(`/items/${item.id}/permissions/${p.id}`, { method: "DELETE" });
      toast(t("share.removed", { label }));
      listAccess(item, ul);
    } catch (err) {
      toast(err.title, { error: true });
    }
  });
  return h("li", {}, icon(p.grantee.kind === "user" ? "people" : "school"), h("span", { class: "who" }, label), select, remove);
}
