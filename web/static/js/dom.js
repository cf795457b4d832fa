// DOM helpers. Every element is built with createElement and text nodes, never
// from HTML strings: names come from users, and the CSP forbids inline styles.

/** h("button", {class: "x", onclick: f}, "text", child) builds an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) el.dataset[k] = v;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

// 24×24 outline icons (paths in the style of Material Symbols).
const paths = {
  search: "M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19l-4.99-5zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14z",
  folder: "M3 6.5A1.5 1.5 0 0 1 4.5 5h4.6l2 2h8.4A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z",
  file: "M6 3h8l5 5v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zm8 0v5h5",
  image: "M4 5h16v14H4zM4 16l5-5 4 4 2-2 5 5M15.5 9.5a1.5 1.5 0 1 0 0-.01",
  video: "M4 6h11v12H4zM15 10l5-3v10l-5-3",
  audio: "M9 18V6l10-2v12M9 18a3 3 0 1 1-3-3 3 3 0 0 1 3 3zm10-2a3 3 0 1 1-3-3 3 3 0 0 1 3 3z",
  pdf: "M6 3h8l5 5v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zm8 0v5h5M8 13h8M8 17h5",
  doc: "M6 3h8l5 5v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zm8 0v5h5M8 12h8M8 15h8M8 18h6",
  plus: "M12 5v14M5 12h14",
  upload: "M12 16V4M7 9l5-5 5 5M4 15v4a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-4",
  meter: "M12 3a9 9 0 1 0 9 9h-9zM15 2.5a7 7 0 0 1 6.5 6.5H15z",
  download: "M12 4v12M7 11l5 5 5-5M4 20h16",
  share: "M16 8a3 3 0 1 0-3-3 3 3 0 0 0 3 3zM6 15a3 3 0 1 0-3-3 3 3 0 0 0 3 3zM16 22a3 3 0 1 0-3-3 3 3 0 0 0 3 3zM8.6 10.6l4.8-2.8M8.6 13.4l4.8 2.8",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6",
  restore: "M4 12a8 8 0 1 0 2.4-5.7M4 4v5h5",
  more: "M5 12h.01M12 12h.01M19 12h.01",
  grid: "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z",
  list: "M4 6h16M4 12h16M4 18h16",
  rename: "M4 20h4L19 9l-4-4L4 16zM14 6l4 4",
  close: "M6 6l12 12M18 6 6 18",
  home: "M4 11l8-7 8 7v9h-5v-6H9v6H4z",
  people: "M9 11a4 4 0 1 0-4-4 4 4 0 0 0 4 4zM2 21v-1a7 7 0 0 1 14 0v1M17 11a3 3 0 1 0-1-5.8M22 21v-1a6 6 0 0 0-4-5.6",
  school: "M2 9l10-5 10 5-10 5zM6 11v5c3 2 9 2 12 0v-5M22 9v6",
  inbox: "M4 13l3-8h10l3 8v6H4zM4 13h5l1 2h4l1-2h5",
  task: "M9 4h6v3H9zM7 5H5v16h14V5h-2M8 13l3 3 5-6",
  lock: "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4",
  menu: "M4 6h16M4 12h16M4 18h16",
  logout: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  check: "M5 12l5 5 9-10",
  warning: "M12 3l10 18H2zM12 10v5M12 18h.01",
  mode: "M12 3a9 9 0 1 0 9 9M12 8v4l3 2M17 3l4 4-4 4",
  // Move, copy, versions.
  move: "M3 6.5A1.5 1.5 0 0 1 4.5 5h4.6l2 2h8.4A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5zM9 13h7M13 10l3 3-3 3",
  copy: "M9 9h11v11H9zM5 15H4V4h11v1",
  chevron: "M9 6l6 6-6 6",
  history: "M4 12a8 8 0 1 0 2.4-5.7M4 4v5h5M12 8v4l3 2",
  previous: "M15 5l-7 7 7 7",
  next: "M9 5l7 7-7 7",
  computer: "M3 5h18v11H3zM8 20h8M12 16v4",
  external: "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5",
  star: "M12 3.5l2.6 5.4 5.9.8-4.3 4.1 1 5.9L12 16.9l-5.2 2.8 1-5.9-4.3-4.1 5.9-.8z",
  // The school year (schoolyear.js)
  up: "M12 19V5M6 11l6-6 6 6",
  down: "M12 5v14M6 13l6 6 6-6",
  calendar: "M4 6h16v14H4zM4 10h16M8 3v4M16 3v4",
  archive: "M3 4h18v4H3zM5 8v12h14V8M10 12h4",
};

/** An icon, hidden from assistive technologies (its button or link has a name). */
export function icon(name, cls = "icon") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", paths[name] || paths.file);
  svg.append(path);
  return svg;
}

/** The icon of an item by its kind and type. */
export function itemIcon(item) {
  if (item.kind === "folder") return "folder";
  const t = item.mime_type || "";
  if (t.startsWith("image/")) return "image";
  if (t.startsWith("video/")) return "video";
  if (t.startsWith("audio/")) return "audio";
  if (t === "application/pdf") return "pdf";
  if (/word|document|text|spreadsheet|presentation|excel|powerpoint|opendocument/.test(t)) return "doc";
  return "file";
}

/** Loads a classic script of the app once (the vendored tus client, on first upload). */
const loaded = new Map();
export function loadScript(src) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((resolve, reject) => {
      const s = h("script", { src });
      s.addEventListener("load", resolve);
      s.addEventListener("error", () => { loaded.delete(src); reject(new Error("script " + src)); });
      document.head.append(s);
    }));
  }
  return loaded.get(src);
}
