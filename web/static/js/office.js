// Office editing: a file opens in the ENT's office editor (Collabora Online or
// OnlyOffice, through WOPI) in a frame over the whole window. The editor's page is
// loaded by the form POST WOPI asks for, so the access token never sits in a URL.
// Offered only when the service has an office server (data-office on the shell).

import { api } from "./api.js";
import { h, icon } from "./dom.js";
import { t } from "./i18n.js";
import { dialog, field, toast } from "./ui.js";
import { remember } from "./state.js";

/** Whether the service has an office editor. */
export const officeOn = document.documentElement.dataset.office === "true";

const editable = new Set(["odt", "ods", "odp", "odg", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "rtf", "csv", "txt"]);
const types = ["odt", "ods", "odp", "docx", "xlsx", "pptx"];

/** Whether the item is a file the office editor opens. */
export function opensInOffice(item) {
  const dot = item.name.lastIndexOf(".");
  return officeOn && item.kind === "file" && dot > 0 && editable.has(item.name.slice(dot + 1).toLowerCase());
}

/** Opens a file in the editor: in edit mode when the caller may change it. */
export async function openInEditor(item, ctx) {
  let editor;
  try {
    editor = await api(`/items/${item.id}/office`, { method: "POST" });
  } catch (err) {
    toast(err.title, { error: true });
    return;
  }
  show(editor, ctx);
}

/** Asks for a name and a type, creates the blank document in the folder, opens it. */
export function newDocument(folder, ctx) {
  const input = h("input", { type: "text", value: t("office.defaultName"), required: true, maxlength: 240, autocomplete: "off", dataset: { selectBase: "1" } });
  const select = h("select", {}, types.map((k) => h("option", { value: k }, t("office.type." + k))));
  return dialog({
    title: t("office.newTitle"),
    body: [field("office-name", t("office.name"), input), field("office-type", t("office.type"), select)],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("action.create"), value: "create", primary: true }],
    onSubmit: async () => {
      const name = input.value.trim();
      if (!name) { input.focus(); return false; }
      const editor = await api(`/items/${folder.id}/office/new`, { method: "POST", body: { name, type: select.value } });
      ctx.list.prepend_(remember(editor.item));
      ctx.changed?.();
      setTimeout(() => show(editor, ctx));
    },
  });
}

/** Shows the editor in a frame over the window, and loads it by a form POST. */
function show(editor, ctx) {
  const target = "office-" + editor.item_id;
  const frame = h("iframe", { name: target, class: "office-frame", title: t("office.frame", { name: editor.item.name }),
    allow: "clipboard-read; clipboard-write; fullscreen" });
  const form = h("form", { method: "post", action: editor.action_url, target, class: "office-form" },
    h("input", { type: "hidden", name: "access_token", value: editor.access_token }),
    h("input", { type: "hidden", name: "access_token_ttl", value: String(editor.access_token_ttl) }));
  // A plain "Fermer" with its word: the way back to the folder must be obvious.
  const close = h("button", { type: "button", "aria-label": t("office.close") }, icon("close"), t("office.closeShort"));
  const head = h("header", { class: "office-head" },
    h("h2", { id: "office-title" }, editor.item.name),
    editor.mode === "view" ? h("span", { class: "badge read_only" }, icon("lock"), t("office.readOnly")) : null,
    close);
  const dlg = h("dialog", { class: "office-editor", "aria-labelledby": "office-title" }, head, frame, form);
  const done = async () => {
    dlg.close();
    dlg.remove();
    // The editor saved new versions meanwhile: show the file as it is now.
    try { ctx?.list?.replace(remember(await api("/items/" + editor.item_id))); } catch { /* gone meanwhile */ }
  };
  close.addEventListener("click", done);
  dlg.addEventListener("cancel", (e) => { e.preventDefault(); done(); });
  document.body.append(dlg);
  dlg.showModal();
  form.submit();
  close.focus();
}
