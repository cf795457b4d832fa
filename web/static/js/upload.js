// Uploads: resumable (tus, through the vendored tus-js-client, loaded on first
// use), three files at a time, a progress bar per file and one for the batch.
// A dropped connection is retried by itself; a name already taken asks whether to
// replace, keep both or skip; a full space or a file too large is said plainly.
// tus-js-client remembers unfinished uploads in this module's memory, never in
// localStorage, so that nothing of them stays on a shared computer.

import { authHeaders, api } from "./api.js";
import { h, fill, icon, loadScript } from "./dom.js";
import { formatSize, t } from "./i18n.js";
import { dialog, toast } from "./ui.js";
import { remember } from "./state.js";
import { showQuota } from "./quota.js";

const parallel = 3;
const onePart = 16 << 20; // the server's part size: a smaller file goes in one request

/** Lets the person pick files, then hands them to done. */
export function pickFiles(done) {
  const input = h("input", { type: "file", multiple: true, class: "visually-hidden", tabindex: "-1", "aria-hidden": "true" });
  input.addEventListener("change", () => { done([...input.files]); input.remove(); });
  input.addEventListener("cancel", () => input.remove());
  document.body.append(input);
  input.click();
}

// Unfinished uploads by fingerprint, for tus-js-client to resume within the session.
const memory = new Map();
const urlStorage = {
  findAllUploads: async () => [...memory.values()].flat(),
  findUploadsByFingerprint: async (fp) => memory.get(fp) || [],
  removeUpload: async (key) => { for (const [fp, list] of memory) memory.set(fp, list.filter((u) => u.urlStorageKey !== key)); },
  addUpload: async (fp, upload) => {
    const key = fp + "#" + Math.random().toString(36).slice(2);
    memory.set(fp, [...(memory.get(fp) || []), { ...upload, urlStorageKey: key }]);
    return key;
  },
};

let panel = null;
const queue = [];
let running = 0;

/** Uploads files into folder; ctx.list shows each file once it is committed. */
export async function uploadFiles(files, folder, ctx, dataItems) {
  const folders = [...(dataItems || [])].filter((i) => i.webkitGetAsEntry?.()?.isDirectory).map((i) => i.webkitGetAsEntry().name);
  if (folders.length) toast(t("upload.folderSkipped"), { error: true });
  const batch = { choice: null };
  for (const file of files) {
    if (folders.includes(file.name) && file.size % 4096 === 0 && !file.type) continue;
    const job = { file, folder, ctx, batch, conflict: null, row: null };
    job.row = addRow(job);
    queue.push(job);
  }
  pump();
  try {
    await loadScript("/assets/vendor/tus.min.js");
  } catch {
    toast(t("error.network"), { error: true });
  }
}

function pump() {
  while (running < parallel && queue.length) {
    const job = queue.shift();
    running++;
    send(job).finally(() => {
      running--;
      summary();
      pump();
      if (!running && !queue.length) showQuota(job.folder.space_id);
    });
  }
  summary();
}

async function send(job) {
  await loadScript("/assets/vendor/tus.min.js");
  return new Promise((resolve) => {
    const { file, folder } = job;
    const metadata = { filename: file.name, parent: folder.id };
    if (job.conflict) metadata.conflict = job.conflict;
    const upload = new window.tus.Upload(file, {
      endpoint: "/api/v1/uploads",
      metadata,
      uploadDataDuringCreation: file.size <= onePart,
      chunkSize: file.size > onePart ? onePart : Infinity,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 60000],
      urlStorage,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (req) => {
        for (const [k, v] of Object.entries(authHeaders())) req.setHeader(k, v);
      },
      onShouldRetry: (err) => {
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        const retry = status === 0 || status >= 500 || status === 423 || (status === 409 && problemOf(err).code === "conflict");
        if (retry) setStatus(job, t("upload.offline"));
        return retry;
      },
      onProgress: (sent, total) => {
        job.row.bar.value = total ? sent / total : 1;
        setStatus(job, t("upload.sending", { pct: total ? Math.floor((100 * sent) / total) : 100 }));
        summary();
      },
      onSuccess: async ({ lastResponse }) => {
        job.done = true;
        job.row.bar.value = 1;
        setStatus(job, t("upload.done"), "done");
        job.row.cancel.hidden = true;
        const id = lastResponse?.getHeader("Cartable-Item-Id");
        if (id) show(job, id);
        resolve();
      },
      onError: async (err) => {
        const problem = problemOf(err);
        if (problem.code === "name_conflict" && !job.conflict) {
          const choice = await clash(job);
          if (choice === "skip") {
            job.done = true;
            setStatus(job, t("upload.skipped"), "skipped");
            job.row.cancel.hidden = true;
            resolve();
            return;
          }
          job.conflict = choice;
          resolve(send(job));
          return;
        }
        // What the bar showed was sent, not kept: the file is not there.
        job.failed = true;
        job.row.bar.value = 0;
        setStatus(job, refusal(problem, file), "failed");
        job.row.cancel.hidden = true;
        // Trying again helps after a network or server failure, not after a refusal.
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        job.row.retry.hidden = status >= 400 && status < 500;
        resolve();
      },
    });
    job.upload = upload;
    job.row.cancel.onclick = () => {
      upload.abort(true);
      job.done = true;
      setStatus(job, t("upload.skipped"), "skipped");
      job.row.cancel.hidden = true;
      resolve();
    };
    setStatus(job, t("upload.sending", { pct: 0 }));
    upload.start();
  });
}

// A committed file appears in the folder shown (replacing its older version).
async function show(job, id) {
  const list = job.ctx?.list;
  if (!list || !list.isConnected) return;
  try {
    const item = remember(await api("/items/" + id));
    if (list.querySelector(`li[data-id="${id}"]`)) list.replace(item);
    else list.prepend_(item);
    job.ctx.changed?.();
  } catch { /* the list will show it next time */ }
}

function problemOf(err) {
  try {
    return JSON.parse(err.originalResponse?.getBody() || "{}") || {};
  } catch {
    return {};
  }
}

/**
 * What to tell about a refused upload (or move, or copy: anything with a size), in
 * words a pupil understands; problem is the problem+json or the api's ApiError.
 */
export function refusal(problem, file) {
  const f = problem.fields || {};
  if (problem.code === "too_large" && f.max_bytes) return t("upload.tooLarge", { size: formatSize(file.size), max: formatSize(f.max_bytes) });
  if (problem.code === "quota_exceeded") {
    if (f.larger_than_limit && f.limit_bytes !== undefined) return t("upload.quotaBigger", { limit: formatSize(f.limit_bytes) });
    if (f.needed_bytes !== undefined && f.available_bytes !== undefined) {
      return t("upload.quota", { needed: formatSize(f.needed_bytes), available: formatSize(f.available_bytes) });
    }
  }
  return problem.title || t("error.network");
}

/** The name "keep both" gives: "consignes (2).txt". */
export function secondName(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)} (2)${name.slice(dot)}` : `${name} (2)`;
}

/** Asks what to do with a name already taken; "do the same" answers for the batch. */
async function clash(job) {
  if (job.batch.choice) return job.batch.choice;
  const name = job.file.name;
  const example = secondName(name);
  const others = queue.filter((j) => j.batch === job.batch).length > 0;
  const all = h("input", { type: "checkbox", id: "clash-all" });
  const choice = await dialog({
    title: t("clash.title", { name }),
    className: "clash",
    body: [h("p", {}, t("clash.text")),
      h("ul", { class: "clash-hints" }, h("li", {}, h("strong", {}, t("clash.replace")), " : ", t("clash.replaceHint")),
        h("li", {}, h("strong", {}, t("clash.keep")), " : ", t("clash.keepHint", { example }))),
      others ? h("div", { class: "check" }, all, h("label", { for: "clash-all" }, t("clash.all"))) : null],
    buttons: [{ label: t("clash.skip"), value: "skip" }, { label: t("clash.keep"), value: "rename" }, { label: t("clash.replace"), value: "replace", primary: true }],
  });
  const answer = choice || "skip";
  if (all.checked) job.batch.choice = answer;
  return answer;
}

function ensurePanel() {
  if (panel && panel.isConnected) return panel;
  const list = h("ul", { class: "upload-list" });
  const total = h("progress", { max: 1, value: 0, "aria-labelledby": "uploads-title" });
  const text = h("span", { class: "summary", role: "status" });
  const close = h("button", { type: "button", class: "icon-button", "aria-label": t("action.close"), onclick: () => { panel.remove(); panel = null; } }, icon("close"));
  panel = h("section", { class: "uploads", "aria-labelledby": "uploads-title" },
    h("div", { class: "uploads-head" }, h("h2", { id: "uploads-title" }, t("upload.title")), text, close), total, list);
  panel.list = list;
  panel.total = total;
  panel.text = text;
  panel.jobs = [];
  document.body.append(panel);
  return panel;
}

function addRow(job) {
  const p = ensurePanel();
  const bar = h("progress", { max: 1, value: 0, "aria-label": job.file.name });
  const status = h("span", { class: "upload-status" }, t("upload.waiting"));
  const retry = h("button", { type: "button", class: "small", hidden: true }, t("upload.retry"));
  const cancel = h("button", { type: "button", class: "icon-button", "aria-label": t("upload.cancel", { name: job.file.name }) }, icon("close"));
  retry.addEventListener("click", () => {
    retry.hidden = true;
    cancel.hidden = false;
    job.failed = false;
    queue.push(job);
    pump();
  });
  const li = h("li", {}, h("span", { class: "upload-name" }, job.file.name, h("span", { class: "upload-size" }, " · " + formatSize(job.file.size))),
    bar, h("div", { class: "upload-line" }, status, retry, cancel));
  p.list.append(li);
  p.jobs.push(job);
  return { li, bar, status, retry, cancel };
}

function setStatus(job, text, state) {
  job.row.status.textContent = text;
  if (state) job.row.li.dataset.state = state;
}

function summary() {
  if (!panel) return;
  const jobs = panel.jobs;
  const done = jobs.filter((j) => j.done).length;
  fill(panel.text, t("upload.summary", { done, total: jobs.length }));
  panel.total.value = jobs.length ? jobs.reduce((sum, j) => sum + (j.done ? 1 : j.failed ? 0 : j.row.bar.value), 0) / jobs.length : 0;
  // A batch that went well folds away after a few seconds; one with a failure
  // stays until it is closed, so that its message is read.
  clearTimeout(panel.fold);
  if (done === jobs.length && !jobs.some((j) => j.failed)) {
    const folding = panel;
    panel.fold = setTimeout(() => {
      if (folding.contains(document.activeElement)) return;
      folding.remove();
      if (panel === folding) panel = null;
    }, 5000);
  }
}
