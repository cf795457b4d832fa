// What a pupil reads of an assignment, in words: where their work stands ("À
// faire", "Rendu", "À revoir", "Corrigé"), with its colour, and their points. Dates
// are said by assign-time.js.

import { formatNumber, t } from "./i18n.js";

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
