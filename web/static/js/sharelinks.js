// The share dialog's links, for who may make them (teachers and staff): a view
// link ("Lien": whoever has it sees and downloads, without an account) and, on a
// folder, a drop box ("Boîte de dépôt": whoever has it adds files and sees nothing
// of the folder). Each lives until a chosen day (at most a year ahead) and may ask
// a password. Its address is shown once, when it is made: the server keeps only a
// hash of it. The links made are listed, and removed with "Supprimer le lien".

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { longDay, t } from "./i18n.js";
import { field } from "./ui.js";

/**
 * linkTabs(item, people) lays out the dialog's body as tabs: "Personnes" (people,
 * the elements given), "Lien", and on a folder "Boîte de dépôt". It answers the
 * body, the tab shown (current()) and submit(say), which makes the link of the
 * tab shown.
 */
export function linkTabs(item, people) {
  const panels = [linkPanel(item, "view")];
  if (item.kind === "folder") panels.push(linkPanel(item, "upload"));
  const refresh = async () => {
    try {
      const got = await api(`/items/${item.id}/links`, { query: { limit: 200 } });
      panels.forEach((p) => p.show(got.items));
    } catch (err) {
      panels.forEach((p) => p.failed(err));
    }
  };
  panels.forEach((p) => { p.refresh = refresh; });
  refresh();
  const tabs = tabList([{ id: "people", label: t("share.tabPeople"), body: people },
    ...panels.map((p) => ({ id: p.kind, label: t(p.kind === "view" ? "link.tab" : "drop.tab"), body: p.body }))]);
  return {
    body: [tabs.bar, tabs.panels],
    current: tabs.current,
    submit: (say) => panels.find((p) => p.kind === tabs.current()).create(say),
  };
}

/** Tabs after the ARIA pattern: one tab in the Tab order, the arrows move and show. */
function tabList(entries) {
  let current = entries[0].id;
  const tabs = entries.map((e, i) => h("button", {
    type: "button", role: "tab", id: "tab-" + e.id, "aria-controls": "tabpanel-" + e.id,
    "aria-selected": String(i === 0), tabindex: i === 0 ? "0" : "-1",
  }, e.label));
  const panels = entries.map((e, i) => h("div", { role: "tabpanel", id: "tabpanel-" + e.id, "aria-labelledby": "tab-" + e.id, hidden: i !== 0 }, e.body));
  const show = (at) => {
    current = entries[at].id;
    tabs.forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === at));
      tab.tabIndex = i === at ? 0 : -1;
      panels[i].hidden = i !== at;
    });
    tabs[at].focus();
  };
  tabs.forEach((tab, i) => tab.addEventListener("click", () => show(i)));
  const bar = h("div", { role: "tablist", class: "tabs", "aria-label": t("share.tabs") }, tabs);
  bar.addEventListener("keydown", (e) => {
    const at = tabs.indexOf(document.activeElement);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (at < 0 || next === undefined) return;
    e.preventDefault();
    show((next + tabs.length) % tabs.length);
  });
  return { bar, panels, current: () => current };
}

/** A tab that makes links of one kind ("view" or "upload") and lists them. */
function linkPanel(item, kind) {
  const id = "link-" + kind;
  const until = expiry(id + "-until");
  const password = h("input", { type: "text", autocomplete: "off", spellcheck: "false", minlength: "4", maxlength: "72" });
  const created = h("div", { class: "link-created", hidden: true });
  const said = h("p", { class: "said", role: "status" });
  const createButton = h("button", { type: "submit", class: "primary", value: kind }, icon(kind === "view" ? "share" : "upload"),
    t(kind === "view" ? "link.create" : "drop.create"));
  // After a removal, the focus goes to the next link's button, or to the form.
  const removed = async (err) => {
    if (err) { said.textContent = err.title; return; }
    await panel.refresh();
    said.textContent = t("link.removed");
    (list.querySelector("button") || createButton).focus();
  };
  const list = h("ul", { class: "links", "aria-labelledby": id + "-existing" });
  // Once a link is made, its address takes the form's place, for it to be copied.
  const form = h("div", { class: "link-form" },
    h("p", { class: "link-intro" }, icon(kind === "view" ? "share" : "upload"), h("span", {}, t(kind === "view" ? "link.intro" : "drop.intro", { name: item.name }))),
    until.elements,
    field(id + "-password", t("link.password"), password, t("link.passwordHint")),
    h("div", { class: "buttons start" }, createButton));
  const again = () => { created.hidden = true; form.hidden = false; until.input.focus(); };
  const panel = {
    kind,
    body: [
      form,
      created,
      h("h3", { id: id + "-existing" }, t(kind === "view" ? "link.existing" : "drop.existing")), list, said,
    ],
    async create(say) {
      if (form.hidden) return false; // Enter in the address: nothing to make
      const expires = until.end();
      if (!expires || expires <= new Date() || expires > addDays(new Date(), 366)) { say(t("link.badDate")); until.input.focus(); return false; }
      const pw = password.value;
      if (pw && pw.length < 4) { say(t("link.shortPassword")); password.focus(); return false; }
      const made = await api(`/items/${item.id}/links`, { method: "POST", body: { kind, expires_at: expires.toISOString(), password: pw || undefined } });
      form.hidden = true;
      showCreated(created, made, kind, said, again);
      password.value = "";
      await panel.refresh();
      return false;
    },
    show(links) {
      const mine = links.filter((l) => l.kind === kind);
      fill(list, mine.length ? mine.map((l) => linkRow(item, l, removed)) : h("li", { class: "hint" }, t(kind === "view" ? "link.none" : "drop.none")));
    },
    failed(err) { fill(list, h("li", {}, err.title)); },
  };
  return panel;
}

// Messages of the dialog are said in it (said, a status line): a toast would sit
// behind the modal dialog.

/** The address of a link just made, shown this once, with a button that copies it. */
function showCreated(box, made, kind, said, again) {
  const url = made.page_url || made.url;
  const input = h("input", { type: "text", readonly: true, value: url, class: "link-url", "aria-label": t(kind === "view" ? "link.address" : "drop.address") });
  const copied = h("p", { class: "said", role: "status" });
  const copy = h("button", { type: "button", class: "primary" }, icon("check"), t("link.copy"));
  copy.addEventListener("click", () => copyText(input, copied));
  said.textContent = "";
  fill(box, h("p", { class: "notice", role: "status" }, icon("warning"), h("span", {}, t("link.once"))),
    h("div", { class: "copy-row" }, input, copy), copied,
    made.has_password ? h("p", { class: "hint" }, t("link.givePassword")) : null,
    h("button", { type: "button", class: "small", onclick: again }, icon("plus"), t(kind === "view" ? "link.again" : "drop.again")));
  box.hidden = false;
  input.focus();
  input.select();
}

/** Copies an input's text; where the clipboard is refused, selects it for Ctrl+C. */
async function copyText(input, said) {
  try {
    await navigator.clipboard.writeText(input.value);
    said.textContent = t("link.copied");
  } catch {
    input.focus();
    input.select();
    said.textContent = t("link.copyByHand");
  }
}

/** A link in the list: its kind, its end, its password, and "Supprimer le lien". */
function linkRow(item, l, removed) {
  const until = longDay(l.expires_at);
  const remove = h("button", { type: "button", class: "small danger", "aria-label": t("link.removeOf", { date: until }) }, t("link.remove"));
  remove.addEventListener("click", async () => {
    try {
      await api(`/items/${item.id}/links/${l.id}`, { method: "DELETE" });
    } catch (err) {
      removed(err);
      return;
    }
    removed();
  });
  return h("li", {}, icon(l.has_password ? "lock" : l.kind === "view" ? "share" : "upload"),
    h("span", { class: "who" }, t(l.kind === "view" ? "link.kindView" : "link.kindUpload"),
      h("span", { class: "hint" }, t("link.until.short", { date: until }), " · ", t(l.has_password ? "link.withPassword" : "link.noPassword"))),
    remove);
}

/**
 * The day a link ends: a date input (tomorrow to a year ahead, a month by
 * default), buttons that fill it (presets), and the day in words, since browsers
 * show the input in their own locale's order.
 */
function expiry(id) {
  const input = h("input", { type: "date", min: isoDay(addDays(new Date(), 1)), max: isoDay(addDays(new Date(), 365)), value: isoDay(presets()[1].date), required: true });
  const said = h("p", { class: "until-now", "aria-live": "polite" });
  const end = () => endOfDay(input.value);
  const say = () => { said.textContent = end() ? t("link.untilNow", { date: longDay(end(), true) }) : ""; };
  input.addEventListener("input", say);
  say();
  const elements = [field(id, t("link.until"), input, t("link.untilHint")),
    h("div", { class: "presets", role: "group", "aria-label": t("link.presets") },
      presets().map((p) => h("button", { type: "button", class: "small", onclick: () => { input.value = isoDay(p.date); say(); } }, t(p.label)))),
    said];
  return { input, elements, end };
}

/** The choices of an end: in a week, in a month, at the end of the school year. */
function presets() {
  const now = new Date();
  let summer = new Date(now.getFullYear(), 6, 4); // French school years end in early July
  if (summer <= addDays(now, 1)) summer = new Date(now.getFullYear() + 1, 6, 4);
  const month = new Date(now.getFullYear(), now.getMonth() + 1, now.getDate());
  return [{ label: "link.week", date: addDays(now, 7) }, { label: "link.month", date: month }, { label: "link.schoolYear", date: summer }];
}

function addDays(d, n) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, d.getHours(), d.getMinutes());
}

/** "2026-10-04": a date input's value (local, as people read it). */
function isoDay(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The last minute of a date input's day, local time; null when it is not a date. */
function endOfDay(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59) : null;
}
