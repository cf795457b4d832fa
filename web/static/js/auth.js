// Signing in and out. Dev mode offers the demo users (GET /dev/users, then a token
// from GET /dev/token). Otherwise: OpenID Connect's authorization code flow with
// PKCE (S256) against the ENT's issuer, as a public client. The tokens stay in
// memory: a reload signs in again (silently while the ENT's session lasts). Only
// the PKCE verifier, state and nonce cross the redirect, in sessionStorage, and
// they are removed as soon as the ENT sends the browser back. Framed by the
// portal, the app asks silently, then through a popup if the ENT needs the person
// (its sign-in page usually refuses frames).

import { setToken } from "./api.js";
import { h, fill } from "./dom.js";
import { t } from "./i18n.js";

const config = document.documentElement.dataset;
const pending = "cartable.signin";
export const callbackPath = "/auth/callback";

let session = null; // { idToken, refreshToken, discovery, timer }

/** Whether the app runs in dev mode (demo users, no SSO). */
export const devMode = config.dev === "true";

const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = (n = 32) => b64url(crypto.getRandomValues(new Uint8Array(n)));

let discovered = null;
async function discovery() {
  if (!discovered) {
    const res = await fetch(config.issuer + "/.well-known/openid-configuration", { credentials: "omit" });
    if (!res.ok) throw new Error("discovery " + res.status);
    discovered = await res.json();
  }
  return discovered;
}

// An authorization request: the URL to send the browser to, and what the callback
// needs to check the answer and redeem the code. A popup's state starts with "p"
// so that the callback knows to hand the answer to the window that opened it.
async function authorizationRequest(back, { silent = false, popup = false } = {}) {
  const d = await discovery();
  const verifier = random(48);
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const state = (popup ? "p" : "") + random(16);
  const nonce = random(16);
  const url = new URL(d.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code", client_id: config.clientId, redirect_uri: location.origin + callbackPath,
    scope: "openid profile", state, nonce, code_challenge: challenge, code_challenge_method: "S256",
    ...(silent ? { prompt: "none" } : {}),
  }).toString();
  return { url, saved: { verifier, state, nonce, back, silent } };
}

/** Whether the app is framed (by the ENT portal). */
export const framed = window.top !== window.self;

/**
 * Sends the browser to the ENT's sign-in page; back is where to return after.
 * Framed, the ENT's sign-in page may refuse to show in a frame: the app asks
 * silently first (prompt=none: the ENT's session answers at once through
 * redirects, which frames do not block), and only if the ENT needs the person
 * does it offer a popup (popupSignIn).
 */
export async function startSignIn(back) {
  const { url, saved } = await authorizationRequest(back, { silent: framed });
  sessionStorage.setItem(pending, JSON.stringify(saved));
  location.assign(url);
}

/**
 * Ends the flow on /auth/callback: exchanges the code; answers where to go back
 * to. In a sign-in popup it hands the answer to the app that opened it and closes.
 * A framed silent attempt the ENT could not answer without the person throws
 * NeedsPerson.
 */
export async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  if (params.get("state")?.startsWith("p") && window.opener) {
    window.opener.postMessage({ type: popupMessage, search: location.search }, location.origin);
    window.close();
    return new Promise(() => {}); // the popup is closing
  }
  const saved = JSON.parse(sessionStorage.getItem(pending) || "null");
  sessionStorage.removeItem(pending);
  if (saved?.silent && params.get("state") === saved.state && params.has("error")) throw new NeedsPerson(saved.back);
  return exchange(params, saved);
}

/** A framed silent sign-in the ENT cannot answer without the person. */
export class NeedsPerson extends Error {
  constructor(back) { super("the ENT needs the person"); this.back = back || "/"; }
}

const popupMessage = "cartable.signin";

/**
 * Signs in through a popup (framed apps): opens it at once (a popup opened after
 * an await is blocked), sends it to the ENT, waits for its callback's answer, and
 * redeems the code here, where the verifier stayed in memory. Resolves to where
 * to go back to; rejects when the popup is blocked or closed.
 */
export async function popupSignIn(back) {
  const win = window.open("about:blank", "cartable-signin", "popup,width=520,height=680");
  if (!win) throw new Error("popup blocked");
  const { url, saved } = await authorizationRequest(back, { popup: true });
  win.location.assign(url);
  return new Promise((resolve, reject) => {
    let over = false;
    let answered = false;
    const closed = setInterval(() => {
      if (!win.closed) return;
      clearInterval(closed);
      // The popup closes as soon as it has posted its answer, which may still be on
      // its way here (a busy machine delivers it after the window is gone).
      setTimeout(() => { if (!answered) done(new Error("popup closed")); }, 3000);
    }, 500);
    const done = (err, value) => {
      if (over) return;
      over = true;
      clearInterval(closed);
      window.removeEventListener("message", onMessage);
      if (err) reject(err); else resolve(value);
    };
    const onMessage = (e) => {
      if (e.origin !== location.origin || e.source !== win || e.data?.type !== popupMessage) return;
      answered = true;
      exchange(new URLSearchParams(e.data.search), saved).then((to) => done(null, to), done);
    };
    window.addEventListener("message", onMessage);
  });
}

// exchange checks the callback's state and redeems its code with the verifier.
async function exchange(params, saved) {
  if (!saved || params.get("state") !== saved.state || !params.get("code")) throw new Error("state");
  const d = await discovery();
  const res = await fetch(d.token_endpoint, {
    method: "POST", credentials: "omit",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: params.get("code"), redirect_uri: location.origin + callbackPath,
      client_id: config.clientId, code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error("token " + res.status);
  const tokens = await res.json();
  if (tokens.id_token && nonceOf(tokens.id_token) !== saved.nonce) throw new Error("nonce");
  keep(tokens, d);
  return saved.back || "/";
}

// The nonce of an ID token: the token came straight from the token endpoint over
// TLS, so its claims are read, not verified again (OIDC Core 3.1.3.7).
function nonceOf(idToken) {
  try {
    return JSON.parse(atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).nonce;
  } catch {
    return undefined;
  }
}

function keep(tokens, d) {
  setToken(tokens.access_token);
  clearTimeout(session?.timer);
  session = { idToken: tokens.id_token || session?.idToken, refreshToken: tokens.refresh_token, discovery: d };
  if (tokens.refresh_token && tokens.expires_in) {
    session.timer = setTimeout(refresh, Math.max(30, tokens.expires_in * 0.8) * 1000);
  }
}

async function refresh() {
  const d = session.discovery;
  const res = await fetch(d.token_endpoint, {
    method: "POST", credentials: "omit",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: session.refreshToken, client_id: config.clientId }),
  });
  if (res.ok) keep(await res.json(), d);
}

/** Dev mode: the picker of demo users; resolves once a token is in memory. */
export function devSignIn(root) {
  return new Promise((resolve) => {
    const list = h("div", { class: "dev-users" });
    const filter = h("input", { type: "search", id: "dev-filter", autocomplete: "off" });
    const status = h("p", { role: "status", class: "status" });
    const main = h("main", { id: "main", class: "signin" },
      h("h1", {}, t("login.title")),
      h("p", {}, t("login.dev")),
      h("label", { for: "dev-filter" }, t("login.filter")), filter, status, list);
    fill(root, main);
    let users = [];
    const render = () => {
      const q = filter.value.trim().toLowerCase();
      const groups = new Map();
      for (const u of users) {
        if (q && !u.display_name.toLowerCase().includes(q) && !u.id.includes(q)) continue;
        if (!groups.has(u.profile)) groups.set(u.profile, []);
        groups.get(u.profile).push(u);
      }
      fill(list, [...groups].map(([profile, people]) => h("section", {},
        h("h2", {}, t("profile." + profile)),
        h("ul", {}, people.map((u) => h("li", {}, h("button", {
          type: "button", class: "user", dataset: { user: u.id },
          onclick: async () => {
            status.textContent = t("login.signingIn");
            const res = await fetch("/dev/token?user=" + encodeURIComponent(u.id), { credentials: "omit" });
            if (!res.ok) { status.textContent = t("login.failed"); return; }
            setToken((await res.json()).token);
            resolve();
          },
        }, h("span", { class: "user-name" }, u.display_name), h("span", { class: "user-id" }, u.id))))))));
    };
    filter.addEventListener("input", render);
    fetch("/dev/users", { credentials: "omit" }).then((r) => r.json()).then((body) => { users = body.users; render(); filter.focus(); });
  });
}

/**
 * The sign-in page outside dev mode: one big button (and why, after an expiry).
 * Framed, the button opens the ENT's sign-in in a popup and resolves once signed
 * in (to where to go back to); otherwise it leaves for the ENT.
 */
export function ssoPage(root, message, back = location.pathname === callbackPath ? "/" : location.pathname) {
  return new Promise((resolve) => {
    const status = h("p", { role: "status" });
    const newTab = h("a", { href: back, target: "_blank", rel: "noopener", hidden: true }, t("login.newTab"));
    const signIn = async () => {
      if (!framed) return startSignIn(back);
      fill(status, t("login.popup"));
      try {
        resolve(await popupSignIn(back));
      } catch (err) {
        fill(status, t(String(err.message).includes("blocked") ? "login.popupBlocked" : "login.popupClosed"));
        newTab.hidden = false;
      }
    };
    const button = h("button", { type: "button", class: "primary big", onclick: signIn }, t("login.sso"));
    fill(root, h("main", { id: "main", class: "signin" }, h("h1", {}, t("login.title")),
      message ? h("p", { role: "alert" }, message) : null, framed ? h("p", {}, t("login.framed")) : null,
      button, status, newTab));
    button.focus();
  });
}

/**
 * Forgets everything of the session: the token, the redirect's leftovers and the
 * unfinished uploads' fingerprints (both in sessionStorage, cleared whole), then
 * leaves through the ENT's logout when it has one. A full page load follows, so
 * nothing the app kept in memory (listings) survives.
 */
export function signOut() {
  setToken(null);
  clearTimeout(session?.timer);
  sessionStorage.clear();
  const d = session?.discovery;
  const idToken = session?.idToken;
  session = null;
  if (!devMode && d?.end_session_endpoint) {
    const url = new URL(d.end_session_endpoint);
    url.search = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: location.origin + "/",
      ...(idToken ? { id_token_hint: idToken } : {}) }).toString();
    location.replace(url);
    return;
  }
  location.replace("/");
}
