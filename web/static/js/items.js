// A list of items, in rows or in a grid of thumbnails, that the keyboard walks:
// one row at a time is in the Tab order (its name, then its actions button), and
// the arrows, Home and End move between rows. Thumbnails load lazily from the
// signed URLs; a file whose preview is still being made shows its type's icon
// until the server says its thumbnail is ready (live.js), or, where it cannot, is
// asked for again until it is.

import { api } from "./api.js";
import { canStream, readWatch } from "./live.js";
import { h, icon, itemIcon } from "./dom.js";
import { formatCount, formatDate, formatSize, fullDate, t } from "./i18n.js";
import { remember } from "./state.js";
import { menu, toast } from "./ui.js";

// Signed URLs live 10 minutes by default: a listing older than this asks for fresh
// ones before opening a file.
const staleAfter = 8 * 60 * 1000;

/**
 * itemList({label, view, meta, entries, onKey, open}) makes the list element; add
 * rows with list.add(items). meta(item) says what to show under the name;
 * entries(item) are the actions of its menu (none: no menu button); onKey(event,
 * item) handles Delete and F2; open(item) may show a file in place (answering true)
 * instead of opening it in a new tab; draggable lets the items the caller may move
 * be dragged.
 */
export function itemList({ label, view = "list", meta = defaultMeta, entries, onKey, open, links = true, draggable = false }) {
  const ul = h("ul", { class: "items " + view, "aria-label": label });
  const rows = () => [...ul.children].filter((li) => li.classList.contains("item"));
  let fetchedAt = Date.now();

  // One row in the Tab order: only the row left and the row entered change, so a
  // 2,000-row folder costs the same as a small one.
  let active = null;
  const setTab = (li, value) => li.querySelectorAll("a, button").forEach((el) => { el.tabIndex = value; });
  const activate = (li) => {
    if (active === li) return;
    if (active && active.isConnected) setTab(active, -1);
    active = li || null;
    if (active) setTab(active, 0);
  };
  ul.addEventListener("focusin", (e) => {
    const li = e.target.closest("li.item");
    if (li) activate(li);
  });
  ul.addEventListener("keydown", (e) => {
    const li = e.target.closest("li.item");
    if (!li) return;
    const all = rows();
    const at = all.indexOf(li);
    let next = null;
    const perRow = view === "grid" ? columns(all) : 1;
    switch (e.key) {
      case "ArrowDown": next = at + perRow; break;
      case "ArrowUp": next = at - perRow; break;
      case "ArrowRight": if (view === "grid") next = at + 1; break;
      case "ArrowLeft": if (view === "grid") next = at - 1; break;
      case "Home": next = 0; break;
      case "End": next = all.length - 1; break;
      default:
        if (onKey && onKey(e, li.item)) e.preventDefault();
        return;
    }
    if (next === null) return;
    e.preventDefault();
    next = Math.max(0, Math.min(all.length - 1, next));
    all[next].querySelector("a, button").focus();
    all[next].scrollIntoView({ block: "nearest" });
  });

  const row = (item) => {
    remember(item);
    let name;
    if (!links) name = h("span", { class: "name" }, item.name);
    else if (item.kind === "folder") name = h("a", { class: "name", href: "/dossiers/" + item.id }, item.name);
    else {
      name = h("a", { class: "name", href: item.download_url || "#", target: "_blank", rel: "noopener" }, item.name);
      name.addEventListener("click", (e) => {
        // A blocked file, or one the antivirus is still checking, would open as an
        // error page: say it here instead.
        if (item.scan === "infected" || item.scan === "pending") {
          e.preventDefault();
          toast(t(item.scan === "infected" ? "scan.infectedOpen" : "scan.pendingOpen"), { error: item.scan === "infected" });
          return;
        }
        // A click with a modifier still asks for a new tab, as on any link.
        const plain = !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0);
        if (plain && open && open(item)) e.preventDefault();
        else openFile(e, item, fetchedAt);
      });
    }
    const offered = entries ? entries(item) : [];
    const more = offered.length ? h("button", {
      type: "button", class: "more icon-button", "aria-haspopup": "menu", "aria-expanded": "false",
      "aria-label": t("action.more", { name: item.name }),
    }, icon("more")) : null;
    if (more) more.addEventListener("click", () => menu(more, t("action.more", { name: item.name }), entries(li.item)));
    const li = h("li", { class: "item " + item.kind, dataset: { id: item.id }, draggable: draggable && item.can_move ? "true" : null },
      thumb(item),
      h("div", { class: "info" }, name, h("div", { class: "meta" }, meta(item), preparing(item))),
      badges(item), more);
    li.item = item;
    return li;
  };

  ul.add = (items) => {
    const frag = document.createDocumentFragment();
    for (const item of items) {
      const li = row(item);
      setTab(li, -1);
      frag.append(li);
    }
    ul.append(frag);
    // Past a screenful or two, rows out of sight skip their painting (app.css).
    ul.classList.toggle("long", ul.childElementCount > longList);
    if (!active || !active.isConnected) { active = null; activate(rows()[0]); }
    watchPreviews(items, ul);
  };
  ul.replace = (item) => {
    const old = ul.querySelector(`li[data-id="${item.id}"]`);
    if (!old) return;
    const hadFocus = old.contains(document.activeElement);
    const fresh = row(item);
    setTab(fresh, -1);
    old.replaceWith(fresh);
    if (active === old) { active = null; activate(fresh); }
    if (hadFocus) fresh.querySelector("a, button").focus();
    watchPreviews([item], ul);
  };
  // A preview now ready changes the thumbnail alone: the row and its buttons stay,
  // so a click on them as the thumbnail arrives is not lost on a replaced row.
  ul.previewReady = (item) => {
    const li = ul.querySelector(`li[data-id="${item.id}"]`);
    if (!li) return;
    const before = li.item;
    li.item = remember(item);
    // A larger size, or a stream's first word on a file: the row shows the same
    // thing, and redrawing it would restart the placeholder's shimmer or fade
    // the thumbnail in again.
    if (item.preview === before.preview && rendition(item.thumbnails?.small) === rendition(before.thumbnails?.small)) return;
    li.querySelector(".preparing")?.remove();
    const note = preparing(item);
    if (note) li.querySelector(".meta")?.append(note);
    const shown = li.querySelector(".thumb");
    if (!shown) return;
    const small = item.thumbnails?.small;
    if (!small || !shown.classList.contains("loaded")) {
      shown.replaceWith(thumb(item));
      return;
    }
    // A thumbnail shown (the provisional one) stays until its replacement (the
    // real one) has loaded: the row never flashes back to the type's icon.
    const next = new Image();
    next.src = small.url;
    next.decode().then(() => { if (shown.isConnected) shown.replaceWith(thumb(item)); }, () => {});
  };
  ul.prepend_ = (item) => {
    const li = row(item);
    setTab(li, -1);
    ul.prepend(li);
    if (!active || !active.isConnected) { active = null; activate(li); }
    watchPreviews([item], ul);
  };
  ul.remove_ = (id) => {
    const li = ul.querySelector(`li[data-id="${id}"]`);
    if (!li) return;
    const next = li.nextElementSibling || li.previousElementSibling;
    const hadFocus = li.contains(document.activeElement);
    li.remove();
    if (active === li) { active = null; activate(next); }
    if (next && hadFocus) next.querySelector("a, button").focus();
  };
  ul.count = () => ul.childElementCount;
  ul.touch = () => { fetchedAt = Date.now(); };
  return ul;
}
/** How many tiles fit on a line of the grid. */
function columns(all) {
  const top = all[0]?.offsetTop;
  const n = all.findIndex((li) => li.offsetTop !== top);
  return n > 0 ? n : all.length || 1;
}

function defaultMeta(item) {
  if (item.kind === "folder") return item.child_count !== undefined ? formatCount(item.child_count) : t("meta.folder");
  return [formatSize(item.size), " · ", h("time", { datetime: item.modified_at, title: fullDate(item.modified_at) }, formatDate(item.modified_at))];
}

function badges(item) {
  const star = item.favorite ? h("span", { class: "badge favorite", title: t("badge.favorite") }, icon("star"),
    h("span", { class: "visually-hidden" }, t("badge.favorite"))) : null;
  return [star, stateBadge(item)];
}

function stateBadge(item) {
  // The antivirus' verdict comes first: a blocked file is the thing to know.
  if (item.scan) return scanBadge(item.scan);
  // A file open in the office editor, or locked by a WebDAV client: uploads over it
  // are refused until it is closed, so say it before anyone tries.
  if (item.lock) {
    const who = item.lock.by_name || t("badge.someone");
    return h("span", { class: "badge locked", title: t("badge.lockedUntil", { when: fullDate(item.lock.expires_at) }) },
      icon("lock"), t(item.lock.with === "wopi" ? "badge.editing" : "badge.locked", { who }));
  }
  const mode = item.kind === "folder" && item.mode && item.mode !== "standard" ? item.mode : null;
  if (!mode) return null;
  return h("span", { class: "badge " + mode }, icon(mode === "read_only" ? "lock" : "people"), t("badge." + mode));
}

const scanBadges = {
  pending: ["scanning", "badge.scanning", "badge.scanningHint", "history"],
  infected: ["infected", "badge.infected", "badge.infectedHint", "warning"],
  unscanned: ["unscanned", "badge.unscanned", "badge.unscannedHint", "warning"],
};

function scanBadge(scan) {
  const [cls, label, hint, glyph] = scanBadges[scan] || [];
  if (!cls) return null;
  return h("span", { class: "badge " + cls, title: t(hint) }, icon(glyph), t(label));
}

/**
 * Words beside the placeholder while a file's thumbnail is being made, so that
 * the type's icon is not read as "no picture" (while the antivirus checks the
 * file, its badge says so already).
 */
function preparing(item) {
  if (item.kind !== "file" || item.preview !== "pending" || item.thumbnails?.small || item.scan === "pending") return null;
  return h("span", { class: "preparing" }, " · ", t("item.preparing"));
}

/**
 * rendition names the picture a thumbnail's URL shows: its URL without the
 * signature, which each answer renews ("" for none).
 */
function rendition(thumbnail) {
  if (!thumbnail) return "";
  const url = new URL(thumbnail.url, location.href);
  url.searchParams.delete("sig");
  return url.href;
}

/** The thumbnail, or the type's icon while there is none. */
function thumb(item) {
  const box = h("div", { class: "thumb", "aria-hidden": "true" }, icon(itemIcon(item), "icon type"));
  const small = item.thumbnails?.small;
  if (small) {
    const img = h("img", { src: small.url, alt: "", loading: "lazy", decoding: "async", width: 128, height: 128 });
    img.addEventListener("load", () => box.classList.add("loaded"));
    img.addEventListener("error", () => img.remove());
    box.append(img);
  } else if (item.preview === "pending") {
    box.classList.add("pending");
  }
  return box;
}

// The row count from which a list skips painting the rows out of sight.
const longList = 100;

const waiting = (item) => item.preview === "pending" || item.scan === "pending";

// Files whose preview is being made, or that the antivirus is checking, are
// followed by one stream per list: the server tells each change (a verdict, one
// size of thumbnail after another), and every one is shown. Without streaming, or
// when the stream keeps failing, each file is asked for again instead.
function watchPreviews(items, ul) {
  const pending = items.filter(waiting);
  if (!pending.length) return;
  if (!canStream()) { pollPreviews(pending, ul); return; }
  ul.watcher ||= itemWatcher(ul);
  ul.watcher.follow(pending);
}

// show applies a fresh item to its row: a new antivirus verdict changes the whole
// row (its badge); a thumbnail, the thumbnail alone.
function show(ul, fresh) {
  const li = ul.querySelector(`li[data-id="${fresh.id}"]`);
  if (!li) return false;
  if (fresh.scan !== li.item.scan) ul.replace(fresh);
  else ul.previewReady(fresh);
  return true;
}

// How long a list follows its files over reconnections (a preview stuck pending
// is given up on, as polling did), and how many failed streams in a row make it
// poll instead.
const followFor = 15 * 60 * 1000;
const maxFailures = 3;

// itemWatcher is a list's one stream. Files added while it runs (an upload)
// reopen it, a quarter of a second later, with them all: a batch of uploads opens
// one stream, not one each.
function itemWatcher(ul) {
  const followed = new Set();
  let current = null; // the AbortController of the open stream
  let reopen = null;
  let failures = 0;
  let polling = false;
  const since = Date.now();
  const gone = setInterval(() => { if (!ul.isConnected) { clearInterval(gone); current?.abort(); } }, 2000);

  const fallBack = () => {
    polling = true;
    const rows = [...followed].map((id) => ul.querySelector(`li[data-id="${id}"]`)?.item).filter(Boolean);
    followed.clear();
    pollPreviews(rows, ul);
  };
  const schedule = (delay) => {
    clearTimeout(reopen);
    reopen = setTimeout(open, delay);
  };
  const open = async () => {
    current?.abort();
    if (!ul.isConnected || !followed.size) return;
    if (Date.now() - since > followFor) { followed.clear(); return; }
    const ctl = new AbortController();
    current = ctl;
    const ids = [...followed].slice(0, 200); // the server's limit
    let outcome;
    try {
      outcome = await readWatch(ids, (fresh) => {
        if (!waiting(fresh)) followed.delete(fresh.id);
        if (!show(ul, fresh)) followed.delete(fresh.id);
      }, ctl.signal);
      failures = 0;
    } catch (err) {
      if (ctl.signal.aborted) return; // replaced by a newer stream, or the list is gone
      failures++;
      if (err.status === 429 || failures >= maxFailures) { fallBack(); return; }
      outcome = { done: false, retry: 2000 * failures };
    }
    if (current !== ctl) return;
    current = null;
    if (outcome.done) {
      // Nothing of these is waiting; files added meanwhile have their own reopening.
      for (const id of ids) followed.delete(id);
      if (followed.size && ids.length === 200) schedule(0);
      return;
    }
    schedule(outcome.retry ?? 3000); // the stream's lifetime is over: again
  };
  return {
    follow(items) {
      if (polling) { pollPreviews(items.filter((i) => !followed.has(i.id)), ul); return; }
      const fresh = items.filter((i) => !followed.has(i.id));
      if (!fresh.length) return;
      for (const i of fresh) followed.add(i.id);
      schedule(250);
    },
  };
}

// The fallback: each file is asked for again after 2, 4, 8… seconds (at most a
// minute apart, ten times) until its thumbnail is ready or failed; a file the
// antivirus is checking the same way, its row changing (its badge goes) once the
// verdict is in.
function pollPreviews(items, ul) {
  for (const item of items) {
    if (!waiting(item)) continue;
    let delay = 2000;
    const again = async (tries) => {
      if (!ul.isConnected || tries > 10) return;
      try {
        const fresh = await api("/items/" + item.id);
        if (fresh.scan !== item.scan) {
          ul.replace(fresh); // watches again if its preview is still on its way
          return;
        }
        if (waiting(fresh)) {
          delay = Math.min(60000, delay * 2);
          setTimeout(() => again(tries + 1), delay);
          return;
        }
        ul.previewReady(fresh);
      } catch { /* gone or no longer visible: nothing to show */ }
    };
    setTimeout(() => again(0), delay);
  }
}

// A file opens in a new tab from its signed URL; an old listing's URL may have
// expired, so a fresh one is asked for first.
function openFile(e, item, fetchedAt) {
  if (Date.now() - fetchedAt < staleAfter && item.download_url) return;
  e.preventDefault();
  openInNewTab(item);
}

/**
 * Opens a file's fresh signed URL in a new tab. The tab is opened at once, in the
 * click (a tab opened after an answer is a blocked pop-up), then sent to the URL.
 */
export async function openInNewTab(item) {
  const win = window.open("", "_blank");
  try {
    const fresh = await api("/items/" + item.id);
    if (win) { win.opener = null; win.location = fresh.download_url; } else location.assign(fresh.download_url + "&download=1");
  } catch {
    win?.close();
  }
}

/** Downloads a file (as an attachment, whatever its type), with a fresh URL. */
export async function download(item) {
  const fresh = await api("/items/" + item.id);
  save(fresh.download_url);
}

/** Downloads a signed URL's file as an attachment, whatever its type. */
export function save(url) {
  follow(url + "&download=1");
}

/** Downloads items (a folder with all it holds) as one zip, streamed by the server. */
export async function downloadZip(items) {
  const got = await api("/zips", { method: "POST", body: { item_ids: items.map((i) => i.id) } });
  follow(got.download_url);
}

/** Starts a download from a signed URL that answers an attachment (the page stays). */
export function follow(url) {
  const a = h("a", { href: url, download: "" });
  document.body.append(a);
  a.click();
  a.remove();
}
