// A teacher's assignment editor, for a new assignment and a draft: the class, the
// title and instructions, when it is due (Paris time), who gets it (the whole
// class or chosen pupils), the documents (to read, or templates each pupil gets a
// copy of), and when it is published (now, or on a day). A document can be picked
// in the class space or sent from the computer into it; either needs the draft
// saved first, which the editor does by itself.

import { api } from "./api.js";
import { h, fill, icon, itemIcon } from "./dom.js";
import { formatSize, t } from "./i18n.js";
import { classesITeach, newView, session } from "./state.js";
import { field, toast } from "./ui.js";
import { pickFiles, uploadFiles } from "./upload.js";
import { deleteAssignment } from "./assign-teacher-board.js";
import { dayAndHour, fromParis, parisDayIn, parisParts } from "./assign-time.js";
import { pickClassFile } from "./assign-teacher-pick.js";

const defaultHour = "18:00";


// A Paris day and hour, side by side.
function when(id, label, iso, fallbackDay, hint) {
  const parts = iso ? parisParts(iso) : { date: fallbackDay || "", time: fallbackDay ? defaultHour : "" };
  const date = h("input", { type: "date", id: id + "-date", value: parts.date });
  const time = h("input", { type: "time", id: id + "-time", value: parts.time, step: 300 });
  const box = h("fieldset", { class: "when", id }, h("legend", {}, label), hint ? h("p", { class: "hint" }, hint) : null,
    h("div", { class: "when-row" },
      h("label", { for: date.id }, t("at.day")), date,
      h("label", { for: time.id }, t("at.hour")), time));
  box.value = () => fromParis(date.value, time.value || defaultHour);
  box.empty = () => !date.value;
  box.focusFirst = () => date.focus();
  return box;
}

/** Shows the editor of a draft a, or (a null) of a new assignment, in spaceId when given. */
export async function showEditor(main, a, spaceId) {
  newView();
  let draft = a;
  const classes = classesITeach();
  const space = () => session.spaces.find((s) => s.id === (draft ? draft.space_id : classPick.value));
  document.title = `${draft ? draft.title : t("at.new")} — ${t("app.title")}`;

  const classPick = h("select", {}, classes.map((s) => h("option", { value: s.id, selected: s.id === (spaceId || a?.space_id) }, s.name)));
  const title = h("input", { type: "text", maxlength: 200, required: true, autocomplete: "off", value: a?.title || "" });
  const instructions = h("textarea", { rows: 6, maxlength: 20000 });
  instructions.value = a?.instructions || "";
  const due = when("at-due", t("at.dueLabel"), a?.due_at, parisDayIn(7), t("at.dueHint"));
  const late = h("input", { type: "checkbox", id: "at-late", checked: !!a?.late_allowed });
  const close = when("at-close", t("at.closeLabel"), a?.close_at, null, t("at.closeHint"));
  close.hidden = !late.checked;
  late.addEventListener("change", () => { close.hidden = !late.checked; });
  const points = h("input", { type: "number", min: "0.5", max: "9999", step: "0.5", inputmode: "decimal", value: a?.max_points ?? "" });

  // Who gets it.
  const whole = h("input", { type: "radio", name: "at-audience", value: "whole", checked: !a || a.whole_class });
  const some = h("input", { type: "radio", name: "at-audience", value: "some", checked: !!a && !a.whole_class });
  const pupilBox = h("div", { class: "pupil-picks", role: "group", "aria-label": t("at.pupilsLabel") });
  const chosen = new Set(a?.pupil_ids || []);
  const loadPupils = async () => {
    pupilBox.hidden = !some.checked;
    if (!some.checked) return;
    fill(pupilBox, h("p", { class: "hint" }, t("app.loading")));
    try {
      const got = await api(`/spaces/${space().id}/pupils`);
      fill(pupilBox, got.items.length ? got.items.map((p) => {
        const box = h("input", { type: "checkbox", value: p.id, checked: chosen.has(p.id) });
        box.addEventListener("change", () => (box.checked ? chosen.add(p.id) : chosen.delete(p.id)));
        return h("label", { class: "check pupil" }, box, h("span", {}, p.display_name));
      }) : h("p", { class: "hint" }, t("at.noPupils")));
    } catch (err) {
      fill(pupilBox, h("p", { class: "error" }, err.title || t("error.generic")));
    }
  };
  whole.addEventListener("change", loadPupils);
  some.addEventListener("change", loadPupils);
  classPick.addEventListener("change", () => { chosen.clear(); loadPupils(); });

  // When it is published.
  const now = h("input", { type: "radio", name: "at-publish", value: "now", checked: !a?.publish_at });
  const later = h("input", { type: "radio", name: "at-publish", value: "later", checked: !!a?.publish_at });
  const publishAt = when("at-publish-at", t("at.publishAtLabel"), a?.publish_at, parisDayIn(1));
  const publishButton = h("button", { type: "submit", class: "primary big", value: "publish" });
  const syncPublish = () => {
    publishAt.hidden = !later.checked;
    fill(publishButton, icon(later.checked ? "history" : "check"), t(later.checked ? "at.schedule" : "at.publish"));
  };
  now.addEventListener("change", syncPublish);
  later.addEventListener("change", syncPublish);
  syncPublish();

  const error = h("p", { class: "error", role: "alert" });
  const materials = h("ul", { class: "attached", "aria-labelledby": "at-materials" });
  const templates = h("ul", { class: "attached", "aria-labelledby": "at-templates" });

  /** The body the API takes, or null after saying what is missing. */
  const body = () => {
    fill(error);
    const say = (message, el) => { fill(error, message); el?.focus(); return null; };
    if (!title.value.trim()) return say(t("at.needTitle"), title);
    const dueAt = due.value();
    if (!dueAt) return say(t("at.needDue"), due.querySelector("input"));
    const closeAt = late.checked && !close.empty() ? close.value() : null;
    if (closeAt && closeAt <= dueAt) return say(t("at.closeBeforeDue"), close.querySelector("input"));
    const pub = later.checked ? publishAt.value() : null;
    if (later.checked && !pub) return say(t("at.needPublishAt"), publishAt.querySelector("input"));
    if (pub && pub > dueAt) return say(t("at.publishAfterDue"), publishAt.querySelector("input"));
    if (some.checked && chosen.size === 0) return say(t("at.needPupils"), pupilBox.querySelector("input") || some);
    const max = points.value === "" ? null : Number(points.value);
    if (max !== null && !(max > 0 && max <= 9999)) return say(t("at.badPoints"), points);
    return { title: title.value.trim(), instructions: instructions.value, whole_class: whole.checked, pupil_ids: whole.checked ? null : [...chosen],
      due_at: dueAt, close_at: closeAt, late_allowed: late.checked, max_points: max, publish_at: pub };
  };
  /** Creates or updates the draft; answers it, or null when something is missing or refused. */
  const save = async (publishing = false) => {
    const b = body();
    if (!b) return null;
    if (!publishing) b.publish_at = null;
    try {
      if (draft) draft = await api("/assignments/" + draft.id, { method: "PUT", body: b });
      else {
        draft = await api("/assignments", { method: "POST", body: { ...b, space_id: classPick.value } });
        history.replaceState(null, "", "/devoirs/" + draft.id);
        fixClass();
      }
    } catch (err) {
      fill(error, err.title || t("error.generic"));
      return null;
    }
    return draft;
  };

  // Documents: picked in the class space, or sent from the computer into it.
  const showFiles = () => {
    const row = (f, kind) => h("li", {}, icon(itemIcon(f), "icon"), h("span", { class: "name" }, f.name),
      h("span", { class: "hint" }, formatSize(f.size)),
      h("button", { type: "button", class: "small", "aria-label": t("at.detach", { name: f.name }), onclick: () => detach(f, kind) }, icon("close"), t("at.remove")));
    fill(materials, (draft?.materials || []).map((f) => row(f, "material")));
    fill(templates, (draft?.templates || []).map((f) => row(f, "template")));
  };
  const attach = async (item, kind) => {
    try {
      draft = await api(`/assignments/${draft.id}/attachments`, { method: "POST", body: { item_id: item.id, kind } });
      showFiles();
      toast(t(kind === "template" ? "at.attachedTemplate" : "at.attachedMaterial", { name: item.name }));
    } catch (err) {
      toast(err.title || t("error.generic"), { error: true });
    }
  };
  const detach = async (f, kind) => {
    try {
      await api(`/assignments/${draft.id}/attachments/${f.item_id}`, { method: "DELETE" });
      draft[kind === "template" ? "templates" : "materials"] = draft[kind === "template" ? "templates" : "materials"].filter((x) => x.item_id !== f.item_id);
      showFiles();
      (kind === "template" ? templates : materials).closest("section").querySelector("button")?.focus();
    } catch (err) {
      toast(err.title || t("error.generic"), { error: true });
    }
  };
  const fromClass = async (kind) => {
    if (!draft && !(await save())) return;
    const item = await pickClassFile(space(), t(kind === "template" ? "at.pickTemplate" : "at.pickMaterial"));
    if (item) await attach(item, kind);
  };
  const fromComputer = async (kind) => {
    if (!draft && !(await save())) return;
    const sp = space();
    // The upload panel shows the progress; each file landed is attached.
    const landing = { isConnected: true, querySelector: () => null, prepend_: (item) => attach(item, kind), replace: (item) => attach(item, kind) };
    pickFiles((files) => uploadFiles(files, { id: sp.root_id, space_id: sp.id }, { folder: { id: sp.root_id }, list: landing }));
  };
  const docSection = (kind, id, list) => h("section", { class: "attach-kind", "aria-labelledby": id },
    h("h3", { id }, icon(kind === "template" ? "copy" : "doc"), t(kind === "template" ? "at.templates" : "at.materials")),
    h("p", { class: "hint" }, t(kind === "template" ? "at.templatesHint" : "at.materialsHint")),
    list,
    h("div", { class: "attach-actions" },
      h("button", { type: "button", onclick: () => fromClass(kind) }, icon("folder"), t(kind === "template" ? "at.pickTemplateButton" : "at.pickMaterialButton")),
      h("button", { type: "button", onclick: () => fromComputer(kind) }, icon("upload"), t("at.uploadButton"))));

  const classField = h("div", { class: "field" });
  const fixClass = () => {
    const sp = space();
    fill(classField, h("span", { class: "label" }, t("at.class")), " ", h("span", { class: "badge class" }, icon("people"), sp ? sp.name : draft.space_name));
  };
  if (draft) fixClass();
  else fill(classField, h("label", { for: "at-class" }, t("at.class")), classPick);
  classPick.id = "at-class";

  const form = h("form", { class: "assign-editor", novalidate: true },
    h("section", { class: "editor-part", "aria-labelledby": "at-what" },
      h("h2", { id: "at-what" }, t("at.what")),
      classField,
      field("at-title", t("at.titleLabel"), title, t("at.titleHint")),
      field("at-instructions", t("at.instructionsLabel"), instructions, t("at.instructionsHint")),
      due,
      h("label", { class: "check" }, late, h("span", {}, t("at.lateLabel"))),
      close,
      field("at-points", t("at.pointsLabel"), points, t("at.pointsHint"))),
    h("section", { class: "editor-part", "aria-labelledby": "at-who" },
      h("h2", { id: "at-who" }, t("at.who")),
      h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, t("at.who")),
        h("label", { class: "choice" }, whole, h("span", {}, h("strong", {}, t("at.wholeClass")))),
        h("label", { class: "choice" }, some, h("span", {}, h("strong", {}, t("at.somePupils")), h("span", { class: "hint" }, t("at.somePupilsHint"))))),
      pupilBox),
    h("section", { class: "editor-part", "aria-labelledby": "at-docs" },
      h("h2", { id: "at-docs" }, t("at.documents")),
      docSection("material", "at-materials", materials),
      docSection("template", "at-templates", templates)),
    h("section", { class: "editor-part", "aria-labelledby": "at-when" },
      h("h2", { id: "at-when" }, t("at.publishing")),
      h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, t("at.publishing")),
        h("label", { class: "choice" }, now, h("span", {}, h("strong", {}, t("at.publishNow")), h("span", { class: "hint" }, t("at.publishNowHint")))),
        h("label", { class: "choice" }, later, h("span", {}, h("strong", {}, t("at.publishLater")), h("span", { class: "hint" }, t("at.publishLaterHint"))))),
      publishAt),
    error,
    h("div", { class: "editor-buttons" },
      publishButton,
      h("button", { type: "submit", value: "draft" }, icon("check"), t("at.saveDraft")),
      draft ? h("button", { type: "button", class: "danger", onclick: () => deleteAssignment(draft) }, icon("trash"), t("at.delete")) : null));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const buttons = form.querySelectorAll(".editor-buttons button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await submit(e.submitter?.value || "publish");
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  const submit = async (what) => {
    if (what === "draft") {
      if (await save()) toast(t("at.savedDraft"));
      return;
    }
    if (later.checked) {
      const saved = await save(true);
      if (!saved) return;
      toast(t("at.scheduledDone", { when: dayAndHour(saved.publish_at) }));
      session.go("/devoirs");
      return;
    }
    if (!(await save())) return;
    try {
      await api(`/assignments/${draft.id}/publish`, { method: "POST" });
    } catch (err) {
      fill(error, err.title || t("error.generic"));
      return;
    }
    toast(t("at.published", { name: draft.space_name }));
    session.go("/devoirs/" + draft.id);
  };

  fill(main, h("div", { class: "folder-view assign-edit" },
    h("nav", { class: "crumbs", "aria-label": t("crumbs") }, h("ol", {},
      h("li", {}, h("a", { href: "/devoirs" }, t("nav.assignments"))),
      h("li", {}, h("span", { "aria-current": "page" }, draft ? t("at.draft") : t("at.new"))))),
    h("div", { class: "folder-head" }, h("h1", {}, draft ? draft.title : t("at.new")),
      draft ? h("span", { class: "chip draft" }, draft.publish_at ? t("at.scheduled", { when: dayAndHour(draft.publish_at) }) : t("at.draft")) : null),
    classes.length || draft ? form : h("p", { class: "notice" }, icon("warning"), t("at.noClass"))));
  showFiles();
  loadPupils();
}
