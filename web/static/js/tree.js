// Folders given to upload, dropped (the drop's entries, read down to the last
// file) or picked (an <input webkitdirectory>, whose files carry their
// webkitRelativePath), become one shape: the files, each with the folders it
// sits in, and the folders, parents before children (empty ones too, when the
// browser tells them). What a computer leaves behind by itself (.DS_Store,
// Thumbs.db, a USB key's recycle bin) is left out: nobody meant to send it.

import { api } from "./api.js";
import { remember } from "./state.js";

const junkFiles = new Set([".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".localized"]);
const junkFolders = new Set(["__macosx", ".trashes", ".spotlight-v100", ".fseventsd", "$recycle.bin", "system volume information"]);

/** Whether a file's name is one the system makes (AppleDouble "._x" included). */
export const isJunk = (name) => junkFiles.has(name.toLowerCase()) || name.startsWith("._");

/** A tree of plain files (the file picker's, or a drop without folders). */
export function fromFiles(files) {
  const tree = { files: [], dirs: [] };
  const seen = new Set();
  for (const file of files) {
    const dirs = (file.webkitRelativePath || "").split("/").slice(0, -1);
    if (isJunk(file.name) || dirs.some((d) => junkFolders.has(d.toLowerCase()))) continue;
    for (let i = 1; i <= dirs.length; i++) {
      const key = dirs.slice(0, i).join("/");
      if (!seen.has(key)) { seen.add(key); tree.dirs.push(dirs.slice(0, i)); }
    }
    tree.files.push({ file, dirs });
  }
  return tree;
}

/**
 * The tree of what was dropped. The entries are taken before the first await:
 * a DataTransfer is emptied once its drop event has returned.
 */
export async function readDrop(dataTransfer) {
  const entries = [...(dataTransfer.items || [])].filter((i) => i.kind === "file").map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return fromFiles([...dataTransfer.files]);
  const tree = { files: [], dirs: [] };
  for (const entry of entries) await walk(entry, [], tree);
  return tree;
}

async function walk(entry, dirs, tree) {
  if (entry.isFile) {
    if (!isJunk(entry.name)) tree.files.push({ file: await new Promise((ok, ko) => entry.file(ok, ko)), dirs });
    return;
  }
  if (junkFolders.has(entry.name.toLowerCase())) return;
  const here = [...dirs, entry.name];
  tree.dirs.push(here);
  const reader = entry.createReader();
  // readEntries gives a folder's entries a hundred at a time, until an empty batch.
  for (;;) {
    const batch = await new Promise((ok, ko) => reader.readEntries(ok, ko));
    if (!batch.length) return;
    for (const child of batch) await walk(child, here, tree);
  }
}

/**
 * Makes the tree's folders under parent, parents first, and answers where each
 * goes: a Map from "a/b" to a folder id ("" is parent itself), without the
 * folders the person chose not to send. ask(name) decides for a top-level
 * folder whose name is taken: "merge", "rename" or "skip"; below it, a folder
 * that exists is added into, as the person chose for the top. created(item)
 * tells of each new top-level folder.
 */
export async function makeFolders(tree, parent, ask, created, progress) {
  const ids = new Map([["", parent.id]]);
  let made = 0;
  for (const dirs of tree.dirs) {
    progress?.(made++, tree.dirs.length);
    const up = ids.get(dirs.slice(0, -1).join("/"));
    if (!up) continue; // under a folder not sent
    const top = dirs.length === 1;
    const id = await makeFolder(up, dirs.at(-1), top ? ask : async () => "merge", top ? created : null);
    if (id) ids.set(dirs.join("/"), id);
  }
  return ids;
}

async function makeFolder(parentId, name, ask, created) {
  const create = async (query) => {
    const item = remember(await persist(() => api(`/items/${parentId}/children`, { method: "POST", body: { name, folder: {} }, query })));
    created?.(item);
    return item.id;
  };
  try {
    return await create();
  } catch (err) {
    if (err.code !== "name_conflict") throw err;
  }
  const existing = await findFolder(parentId, name);
  // A file bears the name: nothing to add into, so both are kept.
  const choice = existing ? await ask(name) : "rename";
  if (choice === "skip") return null;
  if (choice === "merge") return existing.id;
  return create({ conflict: "rename" });
}

// The folder of that name (compared as the server does, ignoring case); the
// children come folders first, so the search stops at the first file.
async function findFolder(parentId, name) {
  const key = (s) => s.normalize("NFC").toLowerCase();
  const wanted = key(name);
  let cursor;
  do {
    const page = await persist(() => api(`/items/${parentId}/children`, { query: { sort: "name", limit: 1000, cursor } }));
    for (const item of page.items) {
      if (item.kind !== "folder") return null;
      if (key(item.name) === wanted) return remember(item);
    }
    cursor = page.next_cursor;
  } while (cursor);
  return null;
}

// A lost connection is waited out, as the files' uploads do: tried again when
// the browser is back online, or later and later (a folder made whose answer
// was lost comes back as a taken name: added into below the top, asked about at it).
async function persist(call) {
  for (let wait = 2000; ; wait = Math.min(wait * 2, 60000)) {
    try {
      return await call();
    } catch (err) {
      if (err.status !== 0 && err.status !== 503) throw err;
    }
    await new Promise((resolve) => {
      const again = () => { clearTimeout(timer); removeEventListener("online", again); resolve(); };
      const timer = setTimeout(again, wait);
      addEventListener("online", again);
    });
  }
}
