// The one way the app talks to Cartable: /api/v1 with the Bearer token, which
// lives in this module's memory only (never in localStorage, sessionStorage or
// IndexedDB: school computers are shared).

import { lang, t } from "./i18n.js";

let token = null;
let onExpired = () => {};

/** Sets (or, with null, forgets) the session's access token. */
export function setToken(value) { token = value; }

/** Whether someone is signed in. */
export function signedIn() { return token !== null; }

/** The headers an upload request needs (tus sets them on each request). */
export function authHeaders() {
  return token ? { Authorization: "Bearer " + token, "Accept-Language": lang() } : { "Accept-Language": lang() };
}

/** Called when the API says the token is no longer good (401). */
export function whenExpired(fn) { onExpired = fn; }

/** An answer that is not a success: the problem+json's code and French (or English) title. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title || problem.detail || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "unknown";
    this.title = problem.title || t("error.generic");
    this.fields = problem.fields || {};
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * api("/items/ID", {method, body, etag, query}) calls /api/v1 and answers its JSON
 * (null for 204). A read answered 503 (the database or the object store does not
 * answer) is tried again after its Retry-After, twice.
 */
export async function api(path, { method = "GET", body, etag, query, headers = {} } = {}) {
  const url = new URL("/api/v1" + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const h = { ...authHeaders(), ...headers };
  if (etag) h["If-Match"] = etag;
  let payload;
  if (body !== undefined) {
    h["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(url, { method, headers: h, body: payload, cache: "no-store", credentials: "omit" });
    } catch {
      throw new ApiError(0, { code: "network", title: t("error.network") });
    }
    if (res.status === 503 && method === "GET" && attempt < 2) {
      await sleep(1000 * Math.min(10, Number(res.headers.get("Retry-After")) || 2));
      continue;
    }
    if (res.status === 204) return null;
    const type = res.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await res.json() : null;
    if (res.ok) return data;
    const err = new ApiError(res.status, data || {});
    if (res.status === 401 && token) onExpired(err);
    throw err;
  }
}

/** Every page of a list is not needed at once: page() reads one, from a cursor. */
export function page(path, query, cursor) {
  return api(path, { query: { ...query, cursor } });
}

/**
 * Downloads an API file that needs the token (a CSV export) and hands it to the
 * browser under a name: a plain link could not send the Authorization header.
 * It throws when the answer is not a success.
 */
export async function saveWithToken(path, filename) {
  const res = await fetch("/api/v1" + path, { headers: authHeaders(), cache: "no-store", credentials: "omit" });
  if (!res.ok) throw new ApiError(res.status, {});
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
