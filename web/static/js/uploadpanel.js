// The uploads' panel: a bar for the whole batch (in bytes, so that one big file
// weighs what it weighs), a row per file with its own bar, and buttons to pause,
// resume, cancel or try again. A folder of 500 files must not freeze the page:
// rows are made for the first files and then as files start, the oldest rows of
// sent files go once there are many (the count says they were sent), and the
// summary is redrawn at most a few times a second.

import { h, fill, icon } from "./dom.js";
import { formatSize, t } from "./i18n.js";

const maxRows = 60;
let panel = null;

/** The panel, made on first use; actions are {pause, resume, cancel, retry, pauseAll, resumeAll}. */
export function ensurePanel(jobs, actions) {
  if (panel && panel.isConnected) return panel;
  const list = h("ul", { class: "upload-list" });
  const total = h("progress", { max: 1, value: 0, "aria-labelledby": "uploads-title" });
  const text = h("span", { class: "summary", role: "status" });
  const notice = h("p", { class: "uploads-notice", role: "status" });
  const more = h("p", { class: "uploads-more" });
  const all = h("button", { type: "button", class: "small", hidden: true, onclick: () => (all.dataset.resume ? actions.resumeAll() : actions.pauseAll()) });
  const close = h("button", { type: "button", class: "icon-button", "aria-label": t("action.close"), onclick: () => { panel.remove(); panel = null; } }, icon("close"));
  panel = h("section", { class: "uploads", "aria-labelledby": "uploads-title" },
    h("div", { class: "uploads-head" }, h("h2", { id: "uploads-title" }, t("upload.title")), text, close),
    total, h("div", { class: "uploads-tools" }, notice, all), list, more);
  Object.assign(panel, { list, total, text, notice, more, all, close, jobs, actions });
  document.body.append(panel);
  return panel;
}

/** Whether the panel shows (a closed one is made again by the next batch). */
export const panelOpen = () => !!panel?.isConnected;

/** Makes a waiting job's row while the panel has few rows (a small batch shows all its files at once). */
export function offerRow(job) {
  if (panel && panel.list.childElementCount < maxRows) rowOf(job);
}

function rowOf(job) {
  if (job.row?.li.isConnected) return job.row;
  const a = panel.actions;
  const name = h("span", { class: "visually-hidden" }, ` « ${job.label} »`);
  const bar = h("progress", { max: 1, value: 0, "aria-label": job.label });
  const status = h("span", { class: "upload-status" });
  const pause = h("button", { type: "button", class: "small", onclick: () => (job.state === "paused" ? a.resume(job) : a.pause(job)) });
  const retry = h("button", { type: "button", class: "small", onclick: () => a.retry(job) }, t("upload.retry"));
  const cancel = h("button", { type: "button", class: "icon-button", "aria-label": t("upload.cancel", { name: job.label }), onclick: () => a.cancel(job) }, icon("close"));
  const li = h("li", { dataset: { file: job.label } }, h("span", { class: "upload-name" }, job.label, h("span", { class: "upload-size" }, " · " + formatSize(job.file.size))),
    bar, h("div", { class: "upload-line" }, status, pause, retry, cancel));
  // Files under way stay above the files sent: they are the ones to act on.
  panel.list.insertBefore(li, panel.list.querySelector(':scope > li[data-state="done"], :scope > li[data-state="skipped"]'));
  job.row = { li, bar, status, pause, retry, cancel, name };
  trimRows();
  return job.row;
}

// The oldest rows of files sent (not failed: their message must stay) go first.
function trimRows() {
  let extra = panel.list.childElementCount - maxRows;
  for (const job of panel.jobs) {
    if (extra <= 0) return;
    if (job.row?.li.isConnected && (job.state === "done" || job.state === "skipped")) {
      job.row.li.remove();
      extra--;
    }
  }
}

/** Shows a job as it stands: its state, its words, its bar, its buttons. */
export function drawJob(job, text) {
  if (!panel) return;
  // A file not started yet gets no row of its own: the count says it waits.
  if ((job.state === "waiting" || job.state === "paused") && !job.row?.li.isConnected) { schedule(); return; }
  const row = rowOf(job);
  const sent = (job.state === "done" || job.state === "skipped") && row.li.dataset.state !== job.state;
  row.li.dataset.state = job.state;
  if (sent) panel.list.append(row.li);
  row.status.textContent = text ?? statusText(job);
  row.bar.value = job.state === "failed" ? 0 : fraction(job);
  const finished = ["done", "skipped", "failed"].includes(job.state);
  row.pause.hidden = finished;
  fill(row.pause, t(job.state === "paused" ? "upload.resume" : "upload.pause"), row.name);
  row.retry.hidden = !(job.state === "failed" && job.retryable);
  row.cancel.hidden = finished;
  schedule();
}

/** Redraws the bar of a job being sent (often: no more than the bar and its words). */
export function drawProgress(job) {
  if (!job.row?.li.isConnected) return;
  job.row.bar.value = fraction(job);
  job.row.status.textContent = statusText(job);
  schedule();
}

const pct = (job) => Math.floor(100 * fraction(job));
const fraction = (job) => (job.state === "done" ? 1 : job.file.size ? job.sent / job.file.size : 0);

function statusText(job) {
  switch (job.state) {
    case "waiting": return t("upload.waiting");
    case "sending": return t("upload.sending", { pct: pct(job) });
    case "paused": return t("upload.paused", { pct: pct(job) });
    // The panel's notice says the connection is lost; the row, what the file does.
    case "offline": return t(job.why === "upload.serverDown" ? "upload.serverDown" : "upload.waitNetwork");
    case "done": return t("upload.done");
    case "skipped": return t("upload.skipped");
    default: return job.message || t("upload.failed");
  }
}

/** Says the folders are being made (n of total), or nothing with n null. */
export function drawPreparing(n, total) {
  if (!panel) return;
  panel.preparing = n === null ? null : { n, total };
  schedule();
}

/** Says (or stops saying) that the connection is lost. */
export function drawOffline(offline) {
  if (panel) fill(panel.notice, offline ? t("upload.offline") : "");
}

let timer = null;
function schedule() {
  if (!timer) timer = setTimeout(summary, 150);
}

function summary() {
  timer = null;
  if (!panel) return;
  const jobs = panel.jobs;
  // "Sent" counts the files done with (a failure is not: its row says why).
  let finished = 0, waitingHidden = 0, pausedHidden = 0, bytes = 0, sent = 0, paused = 0, open = 0;
  for (const j of jobs) {
    if (j.state === "done" || j.state === "skipped") finished++;
    else if (j.state !== "failed") {
      open++;
      if (j.state === "paused") paused++;
    }
    if (j.state === "waiting" && !j.row?.li.isConnected) waitingHidden++;
    if (j.state === "paused" && !j.row?.li.isConnected) pausedHidden++;
    if (j.state === "skipped" || j.state === "failed") continue;
    bytes += j.file.size;
    sent += j.state === "done" ? j.file.size : j.sent;
  }
  const p = panel.preparing;
  fill(panel.text, p ? t("upload.preparing", { n: p.n, total: p.total }) : t("upload.summary", { done: finished, total: jobs.length }));
  panel.total.value = bytes ? sent / bytes : jobs.length ? finished / jobs.length : 0;
  fill(panel.more, [waitingHidden ? t("upload.more", { n: waitingHidden }) : "", pausedHidden ? t("upload.morePaused", { n: pausedHidden }) : ""].filter(Boolean).join(" · "));
  panel.all.hidden = open === 0;
  const resume = open > 0 && paused === open;
  fill(panel.all, t(resume ? "upload.resumeAll" : "upload.pauseAll"));
  panel.all.dataset.resume = resume ? "1" : "";
  fold(finished === jobs.length && !p);
}

// A batch that went well folds away after a few seconds; one with a failure
// stays until it is closed, so that its message is read.
function fold(allWell) {
  clearTimeout(panel.fold);
  if (!allWell || !panel.jobs.length) return;
  const folding = panel;
  panel.fold = setTimeout(() => {
    if (folding.contains(document.activeElement)) return;
    folding.remove();
    if (panel === folding) panel = null;
  }, 5000);
}
