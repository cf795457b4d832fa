// How full the space shown is: a bar under the side bar, from GET /api/v1/quota
// (the spaces the caller writes to, with warnings at 80, 90 and 100 %).

import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { formatSize, t } from "./i18n.js";

let box = null;
let asked = 0;

/** The element the bar goes in (the side bar adds it). */
export function quotaBox() {
  box = h("div", { class: "quota", "aria-live": "polite" });
  return box;
}

/**
 * Shows the usage of the space (nothing for a space the caller cannot write to,
 * nor, with no space, for the views that are no space's: shared, trash).
 */
export async function showQuota(spaceId) {
  if (!box) return;
  const mine = ++asked;
  if (!spaceId) { fill(box); return; }
  let got;
  try {
    got = await api("/quota");
  } catch {
    return;
  }
  if (mine !== asked) return;
  const entry = got.spaces.find((s) => s.space_id === spaceId);
  const usage = entry?.usage;
  if (!usage || usage.limit_bytes === null) { fill(box); return; }
  const level = usage.warning >= 100 ? "full" : usage.warning >= 80 ? "high" : "";
  fill(box,
    h("p", { class: "quota-title", id: "quota-title" }, t(entry.kind === "personal" ? "quota.mine" : "quota.space")),
    h("meter", { min: 0, max: usage.limit_bytes, value: usage.used_bytes, low: usage.limit_bytes * 0.8, high: usage.limit_bytes * 0.9,
      optimum: 0, "aria-labelledby": "quota-title", class: level }),
    h("p", { class: "quota-text " + level }, t("quota.used", { used: formatSize(usage.used_bytes), limit: formatSize(usage.limit_bytes) }),
      level ? h("strong", {}, " — ", t(level === "full" ? "quota.full" : "quota.high")) : null));
}
