// What every example shares: where Cartable is, the caller's token, and api(), which
// turns Cartable's errors into exceptions and waits out its 503s.
import { CartableError } from "./problem.mjs";

export const base = process.env.CARTABLE_URL ?? "http://localhost:8080";

// api calls Cartable and returns its JSON answer (null for a 204). A 503 means that
// PostgreSQL or the object store did not answer for a moment, not that the call is
// wrong: a call that may safely be repeated (GET, HEAD, PUT, DELETE) is sent again
// after the Retry-After seconds, three times at most. A POST is not: had its
// transaction committed as the database went away, a second one would create a
// second folder or share; the caller decides (look, then try again).
export async function api(path, { token, method = "GET", json, headers = {} } = {}) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(token && { Authorization: `Bearer ${token}` }),
        ...(json && { "Content-Type": "application/json" }),
        ...headers,
      },
      body: json && JSON.stringify(json),
    });
    if (res.status === 503 && attempt <= 3 && method !== "POST" && method !== "PATCH") {
      const seconds = Number(res.headers.get("Retry-After")) || 5;
      console.error(`Cartable is unavailable, retrying in ${seconds} s`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      continue;
    }
    if (res.headers.get("Content-Type") === "application/problem+json") {
      throw new CartableError(await res.json());
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    return res.status === 204 ? null : res.json();
  }
}

// signIn returns the token every call sends. A portal already has one: the access
// token the ENT's identity provider issued to the signed-in user for Cartable
// (CARTABLE_TOKEN here). In dev, Cartable mints one for any demo user.
export async function signIn(user = process.env.CARTABLE_USER ?? "prof.martin") {
  if (process.env.CARTABLE_TOKEN) return process.env.CARTABLE_TOKEN;
  const { token } = await api(`/dev/token?user=${encodeURIComponent(user)}`);
  return token;
}
