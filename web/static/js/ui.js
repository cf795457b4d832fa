// Dialogs, menus and short messages, on the browser's own <dialog> (focus kept
// inside, Escape closes, focus goes back where it was).

import { h, icon } from "./dom.js";
import { t } from "./i18n.js";

/**
 * dialog(title, body, buttons) opens a modal dialog; buttons are
 * {label, value, primary, danger}. Resolves with the value of the button pressed,
 * or null when closed. onSubmit(value) may return false to keep it open.
 */
export function dialog({ title, body = [], buttons = [], onSubmit, className = "" }) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const heading = h("h2", { id: "dialog-title" }, title);
    const error = h("p", { class: "error", role: "alert" });
    const form = h("form", { class: "dialog-body", novalidate: true }, body, error,
      h("div", { class: "buttons" }, buttons.map((b) => h("button", {
        type: b.value === null ? "button" : "submit",
        class: [b.primary ? "primary" : "", b.danger ? "danger" : ""].join(" ").trim() || null,
        value: b.value ?? "", dataset: { cancel: b.value === null ? "1" : undefined },
      }, b.label))));
    const close = h("button", { type: "button", class: "icon-button dialog-close", "aria-label": t("action.close") }, icon("close"));
    const dlg = h("dialog", { class: "dialog " + className, "aria-labelledby": "dialog-title" }, close, heading, form);
    let settled = false;
    const done = (value) => {
      if (settled) return;
      settled = true;
      dlg.close();
      dlg.remove();
      if (back && back.isConnected) back.focus();
      resolve(value);
    };
    close.addEventListener("click", () => done(null));
    form.addEventListener("click", (e) => { if (e.target.closest("[data-cancel]")) done(null); });
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = e.submitter?.value ?? buttons.find((b) => b.primary)?.value ?? "";
      error.textContent = "";
      if (onSubmit) {
        const busy = form.querySelectorAll("button");
        busy.forEach((b) => { b.disabled = true; });
        try {
          const keep = await onSubmit(value, (msg) => { error.textContent = msg; });
          if (keep === false) return;
        } catch (err) {
          error.textContent = err.title || err.message || t("error.generic");
          return;
        } finally {
          busy.forEach((b) => { b.disabled = false; });
        }
      }
      done(value);
    });
    document.body.append(dlg);
    dlg.showModal();
    const first = dlg.querySelector("input, select, textarea, [autofocus]") || dlg.querySelector(".buttons .primary") || close;
    first.focus();
    if (first.select && first.dataset.selectBase) {
      const dot = first.value.lastIndexOf(".");
      first.setSelectionRange(0, dot > 0 ? dot : first.value.length);
    }
  });
}

/** A field with its label, for dialogs. */
export function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute("aria-describedby", id + "-hint");
  return h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("p", { class: "hint", id: id + "-hint" }, hint) : null, input);
}

/**
 * menu(anchor, entries) opens a small menu of actions under a button; entries are
 * {label, icon, run, danger}. Arrows move, Escape closes.
 */
export function menu(anchor, label, entries) {
  const items = entries.map((e) => h("button", { type: "button", role: "menuitem", class: e.danger ? "danger" : null, tabindex: "-1" },
    icon(e.icon), e.label));
  const list = h("div", { role: "menu", "aria-label": label }, items);
  const dlg = h("dialog", { class: "menu" }, list);
  const close = () => {
    dlg.close();
    dlg.remove();
    anchor.setAttribute("aria-expanded", "false");
  };
  items.forEach((b, i) => b.addEventListener("click", () => { close(); anchor.focus(); entries[i].run(); }));
  dlg.addEventListener("click", (e) => { if (e.target === dlg) { close(); anchor.focus(); } });
  dlg.addEventListener("cancel", (e) => { e.preventDefault(); close(); anchor.focus(); });
  dlg.addEventListener("keydown", (e) => {
    const at = items.indexOf(document.activeElement);
    let next = null;
    if (e.key === "ArrowDown") next = (at + 1) % items.length;
    else if (e.key === "ArrowUp") next = (at - 1 + items.length) % items.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = items.length - 1;
    else if (e.key === "Tab") { e.preventDefault(); close(); anchor.focus(); return; }
    if (next !== null) { e.preventDefault(); items[next].focus(); }
  });
  document.body.append(dlg);
  dlg.showModal();
  // Placed under the button, kept inside the window (the CSSOM, not a style attribute).
  const r = anchor.getBoundingClientRect();
  const w = dlg.offsetWidth;
  const hgt = dlg.offsetHeight;
  dlg.style.left = Math.max(8, Math.min(r.right - w, innerWidth - w - 8)) + "px";
  dlg.style.top = (r.bottom + hgt + 8 > innerHeight ? Math.max(8, r.top - hgt - 4) : r.bottom + 4) + "px";
  anchor.setAttribute("aria-expanded", "true");
  items[0]?.focus();
}

let toastArea = null;

/** A short message that says what just happened, with an optional undo. */
export function toast(message, { action, run, error = false } = {}) {
  if (!toastArea || !toastArea.isConnected) {
    toastArea = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastArea);
  }
  const note = h("div", { class: "toast" + (error ? " error" : "") }, h("span", {}, message));
  if (action) {
    note.append(h("button", { type: "button", onclick: () => { note.remove(); run(); } }, action));
  }
  note.append(h("button", { type: "button", class: "icon-button", "aria-label": t("action.close"), onclick: () => note.remove() }, icon("close")));
  toastArea.append(note);
  // Two at most: the older ones said what is already done.
  while (toastArea.children.length > 2) toastArea.firstElementChild.remove();
  setTimeout(() => note.remove(), action ? 10000 : 6000);
}
