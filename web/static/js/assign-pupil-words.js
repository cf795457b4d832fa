// What a pupil reads of an assignment, in words: dates in Paris time as one says
// them ("demain à 18 h", "vendredi 4 décembre à 18 h"), and where their work
// stands ("À faire", "Rendu", "À revoir", "Corrigé"), with its colour.

import { formatNumber, lang, t } from "./i18n.js";

// "Vendredi 18:00" means Paris time, wherever the browser thinks it is.
const zone = "Europe/Paris";
const dayMs = 24 * 3600 * 1000;

// The Paris calendar day and time of an instant.
function parisParts(date) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23",
  }).formatToParts(date);
  const get = (type) => Number(parts.find((p) => p.type === type)?.value);
  return { y: get("year"), m: get("month"), d: get("day"), h: get("hour"), min: get("minute") };
}

const dayNumber = (p) => Date.UTC(p.y, p.m - 1, p.d) / dayMs;

/** "18 h", "18 h 30" (in English "18:00", "18:30"), Paris time. */
function clock(p) {
  const min = String(p.min).padStart(2, "0");
  if (lang() === "en") return `${p.h}:${min}`;
  return p.min ? `${p.h} h ${min}` : `${p.h} h`;
}

/**
 * when(iso) is a moment as a person says it, Paris time: "aujourd'hui à 18 h",
 * "demain à 18 h", "hier à 9 h 12", "vendredi 4 décembre à 18 h" (with the year
 * when it is not this one). With on, a date gets its article ("le vendredi 4
 * décembre à 18 h"), for "Rendu le …".
 */
export function when(iso, { on = false, now = new Date() } = {}) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const p = parisParts(date);
  const today = parisParts(now);
  const time = clock(p);
  const diff = dayNumber(p) - dayNumber(today);
  if (diff === 0) return t("pupil.when.today", { time });
  if (diff === 1) return t("pupil.when.tomorrow", { time });
  if (diff === -1) return t("pupil.when.yesterday", { time });
  const day = new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "fr-FR", {
    timeZone: zone, weekday: "long", day: "numeric", month: "long", year: p.y === today.y ? undefined : "numeric",
  }).format(date);
  return t(on ? "pupil.when.on" : "pupil.when.day", { day, time });
}

/** Whether the moment is still to come. */
export function ahead(iso, now = new Date()) {
  return !iso || new Date(iso).getTime() > now.getTime();
}

/** "15 / 20", or "15" without a maximum. */
export function points(mine, max) {
  if (mine?.points === undefined || mine?.points === null) return "";
  const got = formatNumber(mine.points, 2);
  return max ? t("pupil.points", { got, max: formatNumber(max, 2) }) : got;
}

/**
 * Where the pupil's work stands, as the list and the page show it: a word and a
 * colour (the CSS class). Work sent back for revision is "À revoir": the teacher
 * wrote something and the hand-in was taken back for the pupil.
 */
export function standing(a) {
  const mine = a.mine || {};
  const status = mine.status || "not_opened";
  if (status === "returned") return { key: "returned", tone: "good" };
  if (status === "excused") return { key: "excused", tone: "quiet" };
  if (status === "handed_in") return { key: "handed_in", tone: "good" };
  if (status === "handed_in_late") return { key: "handed_in_late", tone: "good" };
  if (inRevision(mine)) return { key: "revision", tone: "warn" };
  if (status === "missing") return { key: "missing", tone: "bad" };
  if (status === "in_progress") return { key: "in_progress", tone: "todo" };
  return { key: "not_opened", tone: "new" };
}

/** Returned for revision: feedback or points given, and nothing handed in now. */
export function inRevision(mine) {
  if (!mine || ["returned", "excused", "handed_in", "handed_in_late"].includes(mine.status)) return false;
  return !!mine.feedback || (mine.points !== undefined && mine.points !== null);
}

/** The list's section: to do, late, handed in, or corrected. */
export function section(a) {
  const status = a.mine?.status;
  if (status === "returned") return "corrected";
  if (a.mine?.section === "done") return "handed";
  if (a.mine?.section === "late") return "late";
  return "todo";
}

/** A status badge (words and colour). */
export function statusWords(a) {
  return t("pupil.status." + standing(a).key);
}
