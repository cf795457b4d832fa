// The server tells when files' thumbnails or antivirus verdicts come: one stream
// of server-sent events (GET /api/v1/items/watch) follows the files a list waits
// for. It is read with fetch, not an EventSource, which cannot send the Bearer
// token (kept in memory only, see api.js).

import { authHeaders, signedIn } from "./api.js";

/** Whether this page can follow a stream: streaming fetch, and someone signed in. */
export function canStream() {
  return signedIn() && typeof ReadableStream === "function" && typeof TextDecoderStream === "function" &&
    typeof AbortController === "function";
}

/**
 * readWatch(ids, onItem, signal) follows the items until the stream ends, calling
 * onItem(item) for each "item" event. It answers {done: true} when the server says
 * nothing is waiting any more, {done: false, retry} when the stream just ended (the
 * caller reconnects after retry ms), and throws on an error (err.status: the HTTP
 * status, 0 for the network).
 */
export async function readWatch(ids, onItem, signal) {
  const url = new URL("/api/v1/items/watch", location.origin);
  url.searchParams.set("ids", ids.join(","));
  let res;
  try {
    res = await fetch(url, { headers: { ...authHeaders(), Accept: "text/event-stream" }, cache: "no-store", credentials: "omit", signal });
  } catch (e) {
    throw Object.assign(new Error("watch: " + e), { status: 0 });
  }
  if (!res.ok || !(res.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
    res.body?.cancel();
    throw Object.assign(new Error("watch: HTTP " + res.status), { status: res.status });
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const state = { buffer: "", event: "", data: "", retry: null, done: false };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { done: state.done, retry: state.retry };
      state.buffer += value;
      readLines(state, onItem);
    }
  } catch (e) {
    if (signal?.aborted) throw e;
    return { done: state.done, retry: state.retry }; // cut: reconnect
  }
}

// readLines dispatches the complete lines of the buffer (the server ends lines with \n).
function readLines(state, onItem) {
  let nl;
  while ((nl = state.buffer.indexOf("\n")) >= 0) {
    const line = state.buffer.slice(0, nl).replace(/\r$/, "");
    state.buffer = state.buffer.slice(nl + 1);
    if (line === "") {
      dispatch(state, onItem);
      continue;
    }
    if (line.startsWith(":")) continue; // a heartbeat
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") state.event = value;
    else if (field === "data") state.data += (state.data ? "\n" : "") + value;
    else if (field === "retry" && /^\d+$/.test(value)) state.retry = Number(value);
  }
}

function dispatch(state, onItem) {
  const { event, data } = state;
  state.event = "";
  state.data = "";
  if (event === "done") state.done = true;
  else if (event === "item" && data) {
    try { onItem(JSON.parse(data)); } catch { /* one bad event does not end the stream */ }
  }
}
