// Uploads: resumable (tus, through the vendored tus-js-client, loaded on first
// use), three files at a time, whole folders included (their tree is made first,
// then each file goes into its folder). Each file can be paused and resumed (the
// upload goes on from what the server has), and so can the whole batch.
//
// A lost connection is waited out: when the browser says it is offline, the
// uploads stop and start again by themselves once it is back; a request that
// fails anyway (a closed laptop lid, a server restarting) is tried again, then
// again later and later, for as long as the page is open.
//
// A reload loses the files themselves, but not where their uploads stand: tus
// fingerprints (file name, size, date, target folder) are kept in this tab's
// sessionStorage, under the signed-in person's id, while they are signed in,
// so that picking the same file again into the same folder goes on from where
// it stopped. Signing out clears sessionStorage (auth.js signOut); nothing goes
// to localStorage or IndexedDB.

import { authHeaders, api, signedIn } from "./api.js";
import { h, loadScript } from "./dom.js";
import { formatSize, t } from "./i18n.js";
import { dialog, toast } from "./ui.js";
import { remember, session } from "./state.js";
import { showQuota } from "./quota.js";
import { fromFiles, makeFolders } from "./tree.js";
import { drawJob, drawOffline, drawPreparing, drawProgress, ensurePanel, offerRow, panelOpen } from "./uploadpanel.js";

const parallel = 3;
const onePart = 16 << 20; // the server's part size: a smaller file goes in one request
const tusScript = "/assets/vendor/tus.min.js";
const finished = new Set(["done", "skipped", "failed"]);

/** Lets the person pick files (or, with folder, one folder and all it holds), then hands them to done. */
export function pickFiles(done, folder = false) {
  const input = h("input", { type: "file", multiple: true, webkitdirectory: folder, class: "visually-hidden", tabindex: "-1", "aria-hidden": "true" });
  input.addEventListener("change", () => { done([...input.files]); input.remove(); });
  input.addEventListener("cancel", () => input.remove());
  document.body.append(input);
  input.click();
}

/** Uploads files (picked: a folder's carry their webkitRelativePath) into folder. */
export function uploadFiles(files, folder, ctx) {
  return uploadTree(fromFiles(files), folder, ctx);
}

/**
 * Uploads file as the next version of item, which keeps its name (a pupil's
 * "Rédaction - Léa Dupont.odt" replaced by the "Rédaction.odt" of their computer).
 */
export function uploadVersion(file, item, ctx) {
  return uploadTree({ files: [{ file, dirs: [] }], dirs: [], item: item.id }, { id: item.parent_id, space_id: item.space_id }, ctx);
}

// Every file of the batches of this page, in the order they were given.
let jobs = [];
let running = 0;
let offline = false;
let asking = Promise.resolve();

const actions = { pause, resume, cancel, retry, pauseAll, resumeAll };

/**
 * Uploads a tree (tree.js) into folder: its folders first, then its files;
 * ctx.list shows what lands in the folder shown.
 */
export async function uploadTree(tree, folder, ctx) {
  if (!tree.files.length && !tree.dirs.length) return;
  loadScript(tusScript).catch(() => toast(t("error.network"), { error: true }));
  if (!panelOpen()) jobs = jobs.filter((j) => !finished.has(j.state));
  ensurePanel(jobs, actions);
  noteNetwork();
  const batch = { choice: null, folderChoice: null, made: [], tops: tree.dirs.filter((d) => d.length === 1).length };
  let where = new Map([["", folder.id]]);
  if (tree.dirs.length) {
    try {
      where = await makeFolders(tree, folder, (name) => queued(() => folderClash(name, batch)), (item) => shown(ctx, item, batch), drawPreparing);
    } catch (err) {
      toast(err.title || t("error.generic"), { error: true });
      return;
    } finally {
      drawPreparing(null);
    }
  }
  for (const { file, dirs } of tree.files) {
    const target = where.get(dirs.join("/"));
    if (!target) continue; // in a folder the person chose not to send
    const job = { file, label: [...dirs, file.name].join("/"), target, item: tree.item, space: folder.space_id, ctx, batch, state: "waiting", sent: 0, conflict: null };
    jobs.push(job);
    offerRow(job);
    drawJob(job);
  }
  pump();
}

function pump() {
  while (running < parallel && !offline) {
    const job = jobs.find((j) => j.state === "waiting");
    if (!job) break;
    running++;
    job.state = "sending"; // taken now: send() waits for the tus script first
    send(job).finally(() => {
      running--;
      pump();
      if (!running && !jobs.some((j) => j.state === "waiting")) showQuota(job.space);
    });
  }
}

/**
 * Sends one file until it is done, refused, paused or held back; the promise
 * settles then (job.settle), which frees its place for the next file.
 */
async function send(job) {
  try {
    await loadScript(tusScript);
  } catch {
    hold(job, "upload.offline");
    return;
  }
  return new Promise((resolve) => {
    job.settle = resolve;
    drawJob(job);
    if (job.creating) return; // its request still runs: its answer settles
    if (job.upload) begin(job, job.upload);
    else startNew(job);
  });
}

// A file of one request is created with its bytes, and only the answer says
// where the upload lives: cut short, the server may have kept the file without
// the page knowing, and sending it again would find its own name taken. So a
// pause lets that request end (job.creating) instead of cutting it.
function begin(job, upload) {
  job.creating = !upload.url && job.file.size <= onePart;
  upload.start();
}

function settle(job) {
  const done = job.settle;
  job.settle = null;
  done?.();
}

async function startNew(job) {
  const upload = newUpload(job);
  job.upload = upload;
  // The same file into the same folder, earlier in this tab: go on from there.
  const previous = await upload.findPreviousUploads().catch(() => []);
  if (job.upload !== upload || job.state !== "sending") return;
  if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
  begin(job, upload);
}

function newUpload(job) {
  const { file } = job;
  // A new version goes to its file (tree.item), a new file to its folder.
  const metadata = job.item ? { filename: file.name, item: job.item } : { filename: file.name, parent: job.target };
  if (job.conflict) metadata.conflict = job.conflict;
  return new window.tus.Upload(file, {
    endpoint: "/api/v1/uploads",
    metadata,
    uploadDataDuringCreation: file.size <= onePart,
    chunkSize: file.size > onePart ? onePart : Infinity,
    retryDelays: [0, 1000, 3000, 5000, 10000],
    urlStorage,
    fingerprint: async () => [session.me?.id, job.item || job.target, job.conflict, file.name, file.size, file.lastModified].join("/"),
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onBeforeRequest: (req) => {
      for (const [k, v] of Object.entries(authHeaders())) req.setHeader(k, v);
    },
    onShouldRetry: (err) => {
      const retry = transient(err) && job.state === "sending";
      if (retry && job.state === "sending") drawJob(job, t(status(err) ? "upload.serverDown" : "upload.offline"));
      return retry;
    },
    onProgress: (sent) => {
      if (job.state !== "sending") return;
      job.sent = sent;
      drawProgress(job);
    },
    onSuccess: ({ lastResponse }) => {
      job.creating = false;
      job.state = "done";
      job.sent = file.size;
      drawJob(job);
      const id = lastResponse?.getHeader("Cartable-Item-Id");
      if (id) show(job, id);
      settle(job);
      refreshMade(job);
    },
    onError: (err) => {
      job.creating = false;
      failed(job, err);
    },
  });
}

const status = (err) => (err.originalResponse ? err.originalResponse.getStatus() : 0);

// Worth trying again: no answer, a server failing or busy (423: the upload is
// still locked by a request the network cut), or an offset to ask again (409 conflict).
function transient(err) {
  const s = status(err);
  return s === 0 || s >= 500 || s === 423 || (s === 409 && problemOf(err).code === "conflict");
}

async function failed(job, err) {
  if (job.state !== "sending") return; // paused or cancelled meanwhile
  const problem = problemOf(err);
  if (problem.code === "name_conflict" && !job.conflict) {
    const choice = await queued(() => fileClash(job));
    if (choice === "skip") {
      finish(job, "skipped");
      return;
    }
    job.conflict = choice;
    job.upload = null;
    startNew(job);
    return;
  }
  if (transient(err)) {
    hold(job, status(err) ? "upload.serverDown" : "upload.offline");
    return;
  }
  // What the bar showed was sent, not kept: the file is not there.
  job.message = refusal(problem, job.file);
  // Trying again helps after an unexpected failure, not after a refusal.
  job.retryable = !(status(err) >= 400 && status(err) < 500);
  finish(job, "failed");
}

function finish(job, state) {
  job.state = state;
  drawJob(job);
  settle(job);
  refreshMade(job);
}

// Held back after a failure that time may mend: tried again later and later
// (up to a minute apart), or as soon as the connection or the page comes back.
function hold(job, why) {
  job.state = "offline";
  job.why = why;
  job.delay = Math.min(60000, (job.delay || 2500) * 2);
  clearTimeout(job.timer);
  job.timer = setTimeout(() => wake(job), job.delay);
  drawJob(job);
  noteNetwork();
  settle(job);
}

// The panel says the connection is lost while the browser says so, or while
// a file waits for the network the browser thinks it has.
function noteNetwork() {
  drawOffline(offline || jobs.some((j) => j.state === "offline" && j.why === "upload.offline"));
}

function wake(job) {
  clearTimeout(job.timer);
  if (job.state !== "offline" || offline) return; // the "online" event will wake it
  job.state = "waiting";
  drawJob(job);
  noteNetwork();
  pump();
}

function pause(job) {
  if (finished.has(job.state) || job.state === "paused") return;
  clearTimeout(job.timer);
  if (job.state === "sending" && !job.creating) job.upload?.abort(false);
  job.state = "paused";
  drawJob(job);
  settle(job);
}

function resume(job) {
  if (job.state !== "paused") return;
  job.state = "waiting";
  job.delay = 0;
  drawJob(job);
  pump();
}

function cancel(job) {
  if (finished.has(job.state)) return;
  clearTimeout(job.timer);
  job.upload?.abort(true).catch(() => {});
  finish(job, "skipped");
}

function retry(job) {
  job.state = "waiting";
  job.upload = null;
  job.sent = 0;
  drawJob(job);
  pump();
}

function pauseAll() { for (const j of jobs) pause(j); }
function resumeAll() { for (const j of jobs) resume(j); }

// The browser says the network is gone: stop sending (each upload keeps its
// place on the server) rather than burn the retries; start again when it is back.
addEventListener("offline", () => {
  offline = true;
  noteNetwork();
  for (const job of jobs) {
    if (job.state !== "sending") continue;
    if (!job.creating) job.upload?.abort(false);
    hold(job, "upload.offline");
  }
});
addEventListener("online", () => {
  offline = false;
  wakeAll();
  noteNetwork();
  pump();
});
// A laptop opened again: its timers may be far behind.
document.addEventListener("visibilitychange", () => { if (!document.hidden && !offline) wakeAll(); });

function wakeAll() {
  for (const job of jobs) if (job.state === "offline") { job.delay = 0; wake(job); }
}

// A committed file appears in the folder shown (replacing its older version).
async function show(job, id) {
  const list = job.ctx?.list;
  if (!list || !list.isConnected || job.target !== job.ctx.folder?.id) return;
  try {
    const item = remember(await api("/items/" + id));
    if (list.querySelector(`li[data-id="${id}"]`)) list.replace(item);
    else list.prepend_(item);
    job.ctx.changed?.();
  } catch { /* the list will show it next time */ }
}

// A folder made in the folder shown appears there (listed empty, until its batch is over).
function shown(ctx, item, batch) {
  const list = ctx?.list;
  if (!list || !list.isConnected || item.parent_id !== ctx.folder?.id) return;
  list.prepend_(item);
  batch.made.push(item);
  ctx.changed?.();
}

// Once every file of a batch is through, its new folders' lines say what they hold.
async function refreshMade(job) {
  const { batch, ctx } = job;
  if (!batch.made.length || jobs.some((j) => j.batch === batch && !finished.has(j.state))) return;
  for (const made of batch.made.splice(0)) {
    if (!ctx.list?.isConnected) return;
    try {
      ctx.list.replace(remember(await api("/items/" + made.id)));
    } catch { /* the list will show it next time */ }
  }
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

// One question at a time: three files sent together may clash together, and
// "do the same" answers those after the first.
function queued(question) {
  const answer = asking.then(question);
  asking = answer.catch(() => {});
  return answer;
}

/** Asks what to do with a file whose name is taken; "do the same" answers for the batch. */
async function fileClash(job) {
  if (job.batch.choice) return job.batch.choice;
  const example = secondName(job.file.name);
  const others = jobs.some((j) => j.batch === job.batch && j !== job && !finished.has(j.state));
  const { choice, all } = await ask({
    title: t("clash.title", { name: job.label }),
    text: t("clash.text"),
    hints: [[t("clash.replace"), t("clash.replaceHint")], [t("clash.keep"), t("clash.keepHint", { example })]],
    all: others ? t("clash.all") : null,
    buttons: [{ label: t("clash.skip"), value: "skip" }, { label: t("clash.keep"), value: "rename" }, { label: t("clash.replace"), value: "replace", primary: true }],
  });
  if (all) job.batch.choice = choice;
  return choice;
}

/**
 * Asks what to do with a folder whose name is taken. Adding into it comes first:
 * it is what a computer's file manager does ("merge"), it loses nothing (a file
 * already there is asked about on its own), and Cartable never replaces a folder.
 */
async function folderClash(name, batch) {
  if (batch.folderChoice) return batch.folderChoice;
  const { choice, all } = await ask({
    title: t("folderClash.title", { name }),
    text: t("folderClash.text"),
    hints: [[t("folderClash.merge"), t("folderClash.mergeHint")], [t("clash.keep"), t("folderClash.keepHint", { example: `${name} (2)` })]],
    all: batch.tops > 1 ? t("folderClash.all") : null,
    buttons: [{ label: t("clash.skip"), value: "skip" }, { label: t("clash.keep"), value: "rename" }, { label: t("folderClash.merge"), value: "merge", primary: true }],
  });
  if (all) batch.folderChoice = choice;
  return choice;
}

async function ask({ title, text, hints, all, buttons }) {
  const check = all ? h("input", { type: "checkbox", id: "clash-all" }) : null;
  const choice = await dialog({
    title,
    className: "clash",
    body: [h("p", {}, text),
      h("ul", { class: "clash-hints" }, hints.map(([what, hint]) => h("li", {}, h("strong", {}, what), " : ", hint))),
      check ? h("div", { class: "check" }, check, h("label", { for: "clash-all" }, all)) : null],
    buttons,
  });
  return { choice: choice || "skip", all: !!check?.checked };
}

// tus-js-client's memory of unfinished uploads: this tab's sessionStorage, one
// list per person, and nothing at all when nobody is signed in.
const storeKey = () => "cartable.uploads." + (session.me?.id || "");
function readStore() {
  if (!signedIn()) return [];
  try {
    return JSON.parse(sessionStorage.getItem(storeKey()) || "[]");
  } catch {
    return [];
  }
}
function writeStore(list) {
  if (!signedIn()) return;
  if (list.length) sessionStorage.setItem(storeKey(), JSON.stringify(list));
  else sessionStorage.removeItem(storeKey());
}
const urlStorage = {
  findAllUploads: async () => readStore(),
  findUploadsByFingerprint: async (fp) => readStore().filter((u) => u.fingerprint === fp),
  removeUpload: async (key) => writeStore(readStore().filter((u) => u.urlStorageKey !== key)),
  addUpload: async (fp, upload) => {
    const key = fp + "#" + Math.random().toString(36).slice(2);
    writeStore([...readStore(), { ...upload, fingerprint: fp, urlStorageKey: key }]);
    return key;
  },
};
