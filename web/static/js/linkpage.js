// The page a link's visitor sees, at /liens/{token}, without signing in. A view
// link shows its file (preview, size, "Télécharger") or its folder (browsed down
// its subfolders, at /liens/{token}/dossiers/{id}); a drop box shows its folder's
// name only, and takes files (picked or dropped), with a bar each and "Fichier
// déposé". A password, when the link has one, is asked first and kept in this
// page's memory (sent as Cartable-Link-Password). The token in the address is
// told to nobody: the shell is served with Referrer-Policy: no-referrer.

import { api } from "./api.js";
import { h, fill, icon, itemIcon } from "./dom.js";
import { formatSize, lang, longDay, t } from "./i18n.js";
import { follow } from "./items.js";
import { pickFiles } from "./upload.js";

/** Shows the link of the page's address in root. */
export function showLinkPage(root) {
  const m = location.pathname.match(/^\/liens\/([A-Za-z0-9_-]+)(?:\/dossiers\/([0-9a-f-]{36}))?\/?$/);
  const main = h("main", { id: "main", class: "visit", tabindex: "-1" });
  fill(root, h("header", { class: "topbar visit-top" }, h("span", { class: "brand" }, icon("inbox"), h("span", {}, t("visit.brand")))), main);
  document.title = `${t("visit.title")} — Cartable`;
  if (!m) {
    gone(main);
    return;
  }
  const visit = { token: m[1], password: "", main };
  visit.call = (path, opts = {}) => api(`/links/${visit.token}${path}`, {
    ...opts, headers: visit.password ? { "Cartable-Link-Password": visit.password } : {},
  });
  window.addEventListener("popstate", () => open(visit));
  open(visit);
}

/** Opens the link (again, after a password): what it gives decides the page. */
async function open(visit) {
  fill(visit.main, h("p", { class: "boot", role: "status" }, t("visit.loading")));
  let info;
  try {
    info = await visit.call("");
  } catch (err) {
    failed(visit, err);
    return;
  }
  visit.shownAt = Date.now();
  const until = h("p", { class: "hint until" }, t("visit.until", { date: longDay(info.expires_at) }));
  if (info.kind === "upload") dropPage(visit, info.folder_name, until);
  else if (info.item.kind === "folder") await folderPage(visit, info.item, until);
  else filePage(visit, info.item, until);
}

/** Says why the link does not open: a password to give, gone, too many tries. */
function failed(visit, err) {
  if (err.status === 401 && err.fields.password_required) {
    passwordForm(visit, visit.password !== "");
  } else if (err.status === 404) {
    gone(visit.main);
  } else {
    const again = h("button", { type: "button", class: "primary", onclick: () => open(visit) }, t("upload.retry"));
    fill(visit.main, h("section", { class: "visit-card" }, icon("warning", "icon big"),
      h("p", { role: "alert", class: "empty-title" }, err.status === 429 ? t("visit.slow") : err.title), again));
  }
}

function gone(main) {
  fill(main, h("section", { class: "visit-card" }, icon("warning", "icon big"),
    h("h1", { role: "alert" }, t("visit.gone")), h("p", {}, t("visit.goneText"))));
}

/** Asks the link's password; wrong says the last one given was not right. */
function passwordForm(visit, wrong) {
  const input = h("input", { type: "password", id: "visit-password", autocomplete: "off", required: true,
    "aria-describedby": "visit-password-text visit-password-error", "aria-invalid": wrong ? "true" : null });
  const form = h("form", { class: "password-form", novalidate: true },
    h("label", { for: "visit-password" }, t("visit.password")), input,
    h("p", { class: "error", id: "visit-password-error", role: "alert" }, wrong ? t("visit.wrongPassword") : ""),
    h("button", { type: "submit", class: "primary" }, icon("lock"), t("visit.open")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!input.value) { input.focus(); return; }
    visit.password = input.value;
    open(visit);
  });
  fill(visit.main, h("section", { class: "visit-card" }, icon("lock", "icon big"),
    h("h1", {}, t("visit.passwordTitle")), h("p", { id: "visit-password-text" }, t("visit.passwordText")), form));
  input.focus();
}

/** A file: its preview, its size and "Télécharger". */
function filePage(visit, item, until) {
  const preview = item.thumbnails?.medium || item.thumbnails?.small;
  document.title = `${item.name} — Cartable`;
  fill(visit.main, h("section", { class: "visit-card file" },
    preview ? h("img", { class: "preview", src: preview.url, alt: "", width: preview.width, height: preview.height }) : icon(itemIcon(item), "icon big"),
    h("h1", {}, item.name),
    h("p", { class: "meta" }, formatSize(item.size)),
    downloadLink(visit, item, true), until));
}

// Signed URLs live 10 minutes by default: a page shown longer ago is read again
// before a download, which then follows the fresh URL.
const staleAfter = 8 * 60 * 1000;

/** The download of a file: its signed URL, made for this link's visitors. */
function downloadLink(visit, item, big) {
  const a = h("a", { class: "button" + (big ? " primary big" : " small"), href: item.download_url + "&download=1", download: "",
    dataset: { item: item.id }, "aria-label": big ? null : t("visit.downloadName", { name: item.name }) }, icon("download"), t("visit.download"));
  a.addEventListener("click", async (e) => {
    if (Date.now() - visit.shownAt < staleAfter) return;
    e.preventDefault();
    await open(visit);
    visit.main.querySelector(`a[data-item="${item.id}"]`)?.click();
  });
  return a;
}

/** A folder of a view link, or one of its subfolders (the trail kept in history). */
async function folderPage(visit, top, until) {
  // The trail lives in history: an address of a subfolder without it (typed, or
  // opened in another tab) shows the link's own folder.
  const trail = history.state?.trail || [{ id: top.id, name: top.name }];
  if (!history.state?.trail) history.replaceState(null, "", `/liens/${visit.token}`);
  const here = trail[trail.length - 1];
  document.title = `${here.name} — Cartable`;
  const list = h("ul", { class: "items list", "aria-label": t("visit.folder") });
  const more = h("button", { type: "button", class: "load-more", hidden: true }, t("folder.more"));
  const status = h("p", { class: "list-status", role: "status" });
  fill(visit.main, h("div", { class: "folder-view" }, crumbs(visit, trail), h("h1", {}, here.name), until,
    zipButton(visit, here), list, more, status));
  let cursor;
  const load = async () => {
    more.disabled = true;
    try {
      const got = await visit.call(`/items/${here.id}/children`, { query: { limit: 200, cursor } });
      list.append(...got.items.map((it) => row(visit, it, trail)));
      cursor = got.next_cursor;
      more.hidden = !cursor;
      status.textContent = list.children.length ? "" : t("visit.empty");
    } catch (err) {
      failed(visit, err);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", load);
  await load();
}

/** "Tout télécharger (.zip)": the folder shown, everything in it, as one zip. */
function zipButton(visit, folder) {
  const status = h("p", { class: "list-status", role: "status" });
  const button = h("button", { type: "button", class: "primary" }, icon("download"), t("visit.downloadAll"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = t("visit.zipping");
    try {
      const got = await visit.call("/zips", { method: "POST", body: { item_ids: [folder.id] } });
      follow(got.download_url);
      status.textContent = t("visit.zipStarted");
    } catch (err) {
      status.textContent = err.title || t("visit.zipFailed");
    } finally {
      button.disabled = false;
    }
  });
  return h("div", { class: "visit-actions" }, button, status);
}

/** The folders from the link's own down to this one; each but the last leads there. */
function crumbs(visit, trail) {
  if (trail.length < 2) return null;
  return h("nav", { class: "crumbs", "aria-label": t("crumbs") }, h("ol", {}, trail.map((f, i) => h("li", {},
    i === trail.length - 1 ? h("span", { "aria-current": "page" }, f.name) : folderLink(visit, trail.slice(0, i + 1), f.name)))));
}

/** A link to a folder of the link, followed in the page. */
function folderLink(visit, trail, label, cls) {
  const at = trail[trail.length - 1];
  const href = trail.length === 1 ? `/liens/${visit.token}` : `/liens/${visit.token}/dossiers/${at.id}`;
  return h("a", { href, class: cls, onclick: (e) => {
    e.preventDefault();
    history.pushState({ trail }, "", href);
    open(visit);
  } }, label);
}

function row(visit, item, trail) {
  const small = item.thumbnails?.small;
  const thumb = h("div", { class: "thumb" + (small ? " loaded" : ""), "aria-hidden": "true" }, icon(itemIcon(item), "icon type"),
    small ? h("img", { src: small.url, alt: "", loading: "lazy", width: 128, height: 128 }) : null);
  const folder = item.kind === "folder";
  const name = folder ? folderLink(visit, [...trail, { id: item.id, name: item.name }], item.name, "name") : h("span", { class: "name" }, item.name);
  return h("li", { class: "item " + item.kind }, thumb,
    h("div", { class: "info" }, name, h("div", { class: "meta" }, folder ? t("meta.folder") : formatSize(item.size))),
    folder ? null : downloadLink(visit, item, false));
}

/** A drop box: the folder's name, and files picked or dropped, sent one by one. */
function dropPage(visit, folderName, until) {
  document.title = `${t("drop.title", { name: folderName })} — Cartable`;
  const list = h("ul", { class: "drops", "aria-label": t("drop.list"), hidden: true });
  const said = h("p", { class: "visually-hidden", role: "status" });
  const queue = [];
  let busy = false;
  const pump = async () => {
    if (busy) return;
    busy = true;
    while (queue.length) await send(visit, queue.shift(), said);
    busy = false;
  };
  const add = (files) => {
    // The newest first, brought into view: what happens to it is right there.
    for (const file of files) {
      const job = dropRow(file);
      list.prepend(job.li);
      queue.push(job);
    }
    list.hidden = !list.children.length;
    list.firstElementChild?.scrollIntoView({ block: "nearest" });
    pump();
  };
  const pick = h("button", { type: "button", class: "primary big", onclick: () => pickFiles(add) }, icon("upload"), t("drop.pick"));
  const zone = h("div", { class: "dropzone" }, icon("upload", "icon big"), pick, h("p", { class: "drag" }, t("drop.or")));
  fill(visit.main, h("section", { class: "visit-card drop" }, h("h1", {}, t("drop.title", { name: folderName })),
    h("p", {}, t("drop.text")), h("p", { class: "notice" }, icon("warning"), h("span", {}, t("drop.name"))), zone, list, until, said));
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes("Files");
  zone.addEventListener("dragover", (e) => { if (hasFiles(e)) { e.preventDefault(); zone.classList.add("over"); } });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    zone.classList.remove("over");
    add([...e.dataTransfer.files]);
  });
}

function dropRow(file) {
  const bar = h("progress", { max: 1, value: 0, "aria-label": file.name });
  const status = h("span", { class: "upload-status" }, t("upload.waiting"));
  const li = h("li", {}, h("span", { class: "upload-name" }, file.name, h("span", { class: "upload-size" }, " · " + formatSize(file.size))), bar, status);
  return { file, li, bar, status };
}

/** Sends one file (multipart, with progress) and says how it went. */
function send(visit, job, said) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/links/${visit.token}/upload`);
    xhr.setRequestHeader("Accept-Language", lang());
    if (visit.password) xhr.setRequestHeader("Cartable-Link-Password", visit.password);
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      job.bar.value = e.loaded / e.total;
      job.status.textContent = t("drop.sending", { pct: Math.floor((100 * e.loaded) / e.total) });
    });
    const end = (state, text) => {
      job.li.dataset.state = state;
      job.status.textContent = text;
      said.textContent = `${job.file.name} : ${text}`;
      resolve();
    };
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) {
        job.bar.value = 1;
        end("done", t("drop.done"));
        job.status.prepend(icon("check"));
      } else {
        job.bar.value = 0;
        end("failed", dropRefusal(xhr, job.file));
      }
    });
    xhr.addEventListener("error", () => end("failed", t("error.network")));
    const form = new FormData();
    form.append("file", job.file, job.file.name);
    xhr.send(form);
  });
}

/** Why a drop was refused, in the visitor's words. */
function dropRefusal(xhr, file) {
  let problem = {};
  try { problem = JSON.parse(xhr.responseText) || {}; } catch { /* not JSON: said generally */ }
  const f = problem.fields || {};
  if (problem.code === "quota_exceeded") return t("drop.full");
  if (problem.code === "too_large" && f.max_bytes) return t("drop.tooLarge", { size: formatSize(file.size), max: formatSize(f.max_bytes) });
  if (xhr.status === 404) return t("visit.gone");
  if (xhr.status === 429) return t("visit.slow");
  return problem.title || t("error.generic");
}
