// The school year, on a local admin's school page: the folder template new class
// spaces start with (GET|PUT /api/v1/admin/structures/{id}/folder-template), and
// "Passer à la nouvelle année" (POST …/rollover), which archives the classes:
// read-only, kept a while, then trashed. Also the words an archived space shows.

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { formatNumber, longDay, t } from "./i18n.js";
import { dialog, field, toast } from "./ui.js";

/** Whether a space is last year's class, kept read-only. */
export const isArchived = (space) => Boolean(space && space.archived_at);

/** The notice a folder of an archived space shows instead of its write buttons. */
export function archivedNotice(space) {
  return h("p", { class: "notice archived-notice" }, icon("lock"),
    t("year.archivedNotice", { year: space.archived_label || "", date: space.purge_after ? longDay(space.purge_after) : "" }));
}

/** The badge of an archived space (side bar, folder heading). */
export function archivedBadge() {
  return h("span", { class: "badge archived" }, icon("lock"), t("year.badge"));
}

/** The two sections of the school page: the template, and the rollover. */
export function yearSections(structureId) {
  const base = "/admin/structures/" + encodeURIComponent(structureId);
  const templateBox = h("section", { class: "school-template", "aria-labelledby": "school-template" },
    h("h2", { id: "school-template" }, t("year.template")), h("p", {}, t("app.loading")));
  const rolloverBox = h("section", { class: "school-rollover", "aria-labelledby": "school-rollover" },
    h("h2", { id: "school-rollover" }, t("year.rollover")));
  api(base + "/folder-template").then((tpl) => {
    templateEditor(templateBox, base, tpl);
    rolloverSection(rolloverBox, base, tpl.archive_retention_days || 365);
  }, (err) => fill(templateBox, h("h2", { id: "school-template" }, t("year.template")), h("p", { class: "error" }, err.title || t("error.generic"))));
  return [templateBox, rolloverBox];
}

// templateEditor lists the folders, each with "Monter", "Descendre" and "Retirer",
// and a field to add one ("Cours/Chapitre 1" makes a folder inside "Cours").
function templateEditor(box, base, tpl) {
  let folders = [...tpl.folders];
  const list = h("ol", { class: "template-list", "aria-label": t("year.templateList") });
  const status = h("p", { class: "hint", role: "status" });
  const input = h("input", { type: "text", maxlength: 255, autocomplete: "off", placeholder: t("year.placeholder") });
  const save = h("button", { type: "button", class: "primary" }, t("year.save"));
  const draw = () => {
    fill(list, folders.length === 0 ? h("li", { class: "hint" }, t("year.templateEmpty")) : folders.map((path, i) => {
      const depth = path.split("/").length - 1;
      return h("li", { class: "template-row" + (depth ? " depth-" + Math.min(depth, 2) : "") },
        icon("folder"), h("span", { class: "template-name" }, path.split("/").join(" › ")),
        h("span", { class: "template-actions" },
          h("button", { type: "button", class: "icon-button", disabled: i === 0, title: t("year.up"), "aria-label": t("year.upNamed", { name: path }), onclick: () => move(i, -1) }, icon("up")),
          h("button", { type: "button", class: "icon-button", disabled: i === folders.length - 1, title: t("year.down"), "aria-label": t("year.downNamed", { name: path }), onclick: () => move(i, 1) }, icon("down")),
          h("button", { type: "button", class: "icon-button", title: t("year.remove"), "aria-label": t("year.removeNamed", { name: path }), onclick: () => { folders.splice(i, 1); changed(); } }, icon("close"))));
    }));
  };
  const changed = () => { draw(); status.textContent = t("year.unsaved"); };
  const move = (i, by) => {
    const [x] = folders.splice(i, 1);
    folders.splice(i + by, 0, x);
    changed();
    list.querySelectorAll(".template-row")[i + by]?.querySelector(by < 0 ? "button" : "button + button")?.focus();
  };
  const add = h("form", { class: "template-add", onsubmit: (e) => {
    e.preventDefault();
    const path = input.value.split("/").map((s) => s.trim()).filter(Boolean).join("/");
    if (!path) return;
    if (folders.some((f) => f.toLowerCase() === path.toLowerCase())) { status.textContent = t("year.twice"); return; }
    folders.push(path);
    input.value = "";
    changed();
    input.focus();
  } }, field("template-new", t("year.add"), input, t("year.addHint")), h("button", { type: "submit" }, icon("plus"), t("year.addButton")));
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const saved = await api(base + "/folder-template", { method: "PUT", body: { folders } });
      folders = [...saved.folders];
      draw();
      status.textContent = t("year.saved");
    } catch (err) {
      status.textContent = err.title || t("error.generic");
    } finally {
      save.disabled = false;
    }
  });
  draw();
  fill(box, h("h2", { id: "school-template" }, t("year.template")),
    h("p", {}, t(tpl.region_default ? "year.templateIntroDefault" : "year.templateIntro")),
    list, add, h("div", { class: "buttons" }, save), status);
}

// rolloverSection says what the rollover does, and asks before doing it.
function rolloverSection(box, base, days) {
  const year = schoolYearEnding(new Date());
  const result = h("p", { role: "status" });
  fill(box, h("h2", { id: "school-rollover" }, t("year.rollover")),
    h("p", {}, t("year.rolloverIntro", { days: formatNumber(days) })),
    h("button", { type: "button", class: "danger", onclick: () => confirmRollover(base, days, year, result) }, icon("calendar"), t("year.rolloverButton")),
    result);
}

async function confirmRollover(base, days, year, result) {
  const label = h("input", { type: "text", value: year, maxlength: 40, required: true });
  const answer = await dialog({
    title: t("year.confirmTitle"),
    body: [
      h("p", {}, t("year.confirmWhat")),
      h("ul", {},
        h("li", {}, t("year.confirmReadOnly")),
        h("li", {}, t("year.confirmKept", { days: formatNumber(days) })),
        h("li", {}, t("year.confirmNew"))),
      field("rollover-year", t("year.label"), label),
    ],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("year.confirmButton"), value: "go", danger: true, primary: true }],
    onSubmit: async () => {
      const r = await api(base + "/rollover", { method: "POST", body: { year_label: label.value.trim() } });
      result.textContent = r.already_done
        ? t("year.alreadyDone", { year: r.year_label, count: formatNumber(r.archived) })
        : t("year.done", { year: r.year_label, count: formatNumber(r.archived), date: longDay(r.purge_after) });
    },
  });
  if (answer) toast(result.textContent);
}

// The school year that ends this summer, as the rollover names it: "2025-2026".
function schoolYearEnding(now) {
  const y = now.getFullYear();
  return now.getMonth() >= 8 ? `${y}-${y + 1}` : `${y - 1}-${y}`;
}
