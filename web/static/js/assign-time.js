// Times of assignments, for the teacher's, the pupil's and the parent's screens:
// "due Friday 18:00" means Paris time, wherever the browser is (a school trip
// abroad, a computer on UTC). The API speaks UTC; people read and write Paris days
// and hours.

import { lang, t } from "./i18n.js";

const zone = "Europe/Paris";
const locale = () => (lang() === "en" ? "en-GB" : "fr-FR");

/** The Paris calendar day ("2026-12-04") and hour ("18:00") of an instant. */
export function parisParts(iso) {
  const f = new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

// How far Paris is ahead of UTC at an instant, in milliseconds.
function offsetAt(ms) {
  const { date, time } = parisParts(ms);
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  return Date.UTC(y, m - 1, d, hh, mm) - Math.floor(ms / 60000) * 60000;
}

/** The instant (ISO, UTC) of a Paris day ("2026-12-04") and hour ("18:00"); null if either is missing. */
export function fromParis(date, time) {
  if (!date || !time) return null;
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  if ([y, m, d, hh, mm].some((n) => Number.isNaN(n))) return null;
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // The offset of the guess, then of the result: right on both sides of a change of hour.
  let at = wall - offsetAt(wall);
  at = wall - offsetAt(at);
  return new Date(at).toISOString();
}

/** The Paris day a number of days from now ("2026-12-09"). */
export function parisDayIn(days) {
  return parisParts(Date.now() + days * 86400000).date;
}

/** "18 h", "18 h 30" in French; "18:00" in English. */
export function hourText(time) {
  if (lang() === "en") return time;
  const [hh, mm] = time.split(":");
  return mm === "00" ? `${Number(hh)}\u00a0h` : `${Number(hh)}\u00a0h\u00a0${mm}`;
}

/** "vendredi 4 décembre, 18 h" (the year when it is not this one), in Paris time. */
export function dayAndHour(iso) {
  const d = new Date(iso);
  const sameYear = parisParts(d).date.slice(0, 4) === parisParts(Date.now()).date.slice(0, 4);
  const day = new Intl.DateTimeFormat(locale(), { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: sameYear ? undefined : "numeric" }).format(d);
  return `${day}, ${hourText(parisParts(d).time)}`;
}

/** Whether an instant has passed. */
export const passed = (iso) => new Date(iso).getTime() <= Date.now();

/** Whether a moment is still to come (none: no end). */
export const ahead = (iso) => !iso || !passed(iso);

// The Paris calendar day of an instant, as a count of days.
const dayNumber = (ms) => Date.parse(parisParts(ms).date + "T00:00:00Z") / 86400000;

/**
 * when(iso) is a moment as a person says it, Paris time: "aujourd'hui à 18 h",
 * "demain à 18 h", "hier à 9 h 12", "vendredi 4 décembre à 18 h" (with the year
 * when it is not this one; in French "1er" on the first of the month). With on, a
 * date gets its article ("le vendredi 4 décembre à 18 h"), for "Rendu le …".
 */
export function when(iso, { on = false, now = Date.now() } = {}) {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return "";
  const time = hourText(parisParts(at).time);
  const diff = dayNumber(at) - dayNumber(now);
  if (diff === 0) return t("when.today", { time });
  if (diff === 1) return t("when.tomorrow", { time });
  if (diff === -1) return t("when.yesterday", { time });
  const sameYear = parisParts(at).date.slice(0, 4) === parisParts(now).date.slice(0, 4);
  const parts = new Intl.DateTimeFormat(locale(), { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: sameYear ? undefined : "numeric" })
    .formatToParts(at);
  const day = parts.map((p) => (p.type === "day" && p.value === "1" && lang() !== "en" ? "1er" : p.value)).join("");
  return t(on ? "when.on" : "when.day", { day, time });
}
