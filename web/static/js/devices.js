// "Sur mon ordinateur": opening Cartable's folders in a computer's file manager,
// LibreOffice or rclone, through WebDAV. ENT users sign in through SSO and have no
// password a file manager could send, so each device gets its own app password
// (GET/POST/DELETE /api/v1/me/app-passwords): shown once here, with the address and
// the user name to type, and revoked here when the device is lost or given back.

import { api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { fullDate, t } from "./i18n.js";
import { newView } from "./state.js";
import { dialog, field, toast } from "./ui.js";

/** Shows the page: what it is for, a new password, the passwords already made. */
export async function showDevices(main) {
  const current = newView();
  document.title = `${t("devices.title")} — ${t("app.title")}`;
  const list = h("div", { class: "devices-list" }, h("p", { class: "list-status", role: "status" }, t("app.loading")));
  const fresh = h("div", { class: "devices-fresh", tabindex: "-1" });
  const name = h("input", { type: "text", maxlength: "100", required: true, autocomplete: "off", placeholder: t("devices.namePlaceholder") });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "devices-new", novalidate: true },
    field("device-name", t("devices.name"), name, t("devices.nameHint")), error,
    h("button", { type: "submit", class: "primary" }, icon("plus"), t("devices.create")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!name.value.trim()) {
      error.textContent = t("devices.nameMissing");
      name.focus();
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const created = await api("/me/app-passwords", { method: "POST", body: { name: name.value } });
      name.value = "";
      showCreated(fresh, created);
      await refresh(list, current);
    } catch (err) {
      error.textContent = err.title || t("error.generic");
    } finally {
      button.disabled = false;
    }
  });
  fill(main, h("div", { class: "folder-view devices" },
    h("div", { class: "folder-head" }, h("h1", {}, t("devices.title"))),
    h("p", { class: "intro" }, t("devices.intro")),
    h("section", { "aria-labelledby": "devices-new" }, h("h2", { id: "devices-new" }, t("devices.newHeading")), form, fresh),
    h("section", { "aria-labelledby": "devices-made" }, h("h2", { id: "devices-made" }, t("devices.made")), list),
    howTo()));
  await refresh(list, current);
}

async function refresh(list, current) {
  let answer;
  try {
    answer = await api("/me/app-passwords");
  } catch (err) {
    if (current()) fill(list, h("p", { class: "list-status", role: "alert" }, err.title || t("error.generic")));
    return;
  }
  if (!current()) return;
  if (!answer.items.length) {
    fill(list, h("p", { class: "list-status" }, t("devices.none")));
    return;
  }
  fill(list, h("ul", { class: "devices-rows" }, answer.items.map((p) => h("li", {},
    h("div", {}, h("strong", {}, p.name), " ", h("span", { class: "hint" }, t("devices.endsWith", { hint: p.hint })),
      h("p", { class: "hint" }, t("devices.createdOn", { date: fullDate(p.created_at) }), " · ",
        p.last_used_at ? t("devices.usedOn", { date: fullDate(p.last_used_at) }) : t("devices.neverUsed"))),
    h("button", { type: "button", class: "danger", "aria-label": t("devices.revokeNamed", { name: p.name }), onclick: () => revoke(p, list, current) },
      icon("trash"), t("devices.revoke"))))));
}

async function revoke(p, list, current) {
  const sure = await dialog({
    title: t("devices.revokeTitle", { name: p.name }),
    body: [h("p", {}, t("devices.revokeBody"))],
    buttons: [{ label: t("action.cancel"), value: null }, { label: t("devices.revoke"), value: "revoke", primary: true, danger: true }],
    onSubmit: () => api("/me/app-passwords/" + p.id, { method: "DELETE" }),
  });
  if (sure !== "revoke") return;
  toast(t("devices.revoked", { name: p.name }));
  await refresh(list, current);
}

/** The new password, once: what to type where, each with a copy button. */
function showCreated(box, created) {
  const row = (label, value, id) => h("div", { class: "devices-secret" },
    h("dt", { id }, label),
    h("dd", {}, h("code", { "aria-labelledby": id }, value),
      h("button", { type: "button", class: "quiet", "aria-label": t("devices.copyNamed", { what: label }), onclick: () => copy(value, label) },
        icon("copy"), t("devices.copy"))));
  fill(box, h("div", { class: "devices-created", role: "status" },
    h("p", {}, h("strong", {}, t("devices.createdFor", { name: created.name }))),
    h("dl", {},
      row(t("devices.address"), created.dav_url, "devices-address"),
      row(t("devices.username"), created.username, "devices-username"),
      row(t("devices.password"), created.password, "devices-password")),
    h("p", { class: "devices-once" }, icon("warning"), t("devices.once"))));
  box.focus();
}

async function copy(value, label) {
  try {
    await navigator.clipboard.writeText(value);
    toast(t("devices.copied", { what: label }));
  } catch {
    toast(t("devices.copyFailed"), { error: true });
  }
}

/** Short steps for the systems people have; the README has the details. */
function howTo() {
  const step = (key) => h("details", {}, h("summary", {}, t(`devices.how.${key}`)), h("p", {}, t(`devices.how.${key}Steps`)));
  return h("section", { class: "devices-how", "aria-labelledby": "devices-how" },
    h("h2", { id: "devices-how" }, t("devices.howHeading")),
    ["windows", "mac", "linux", "libreoffice"].map(step));
}
