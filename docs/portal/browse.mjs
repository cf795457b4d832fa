// node browse.mjs [space] [page size]: the caller's spaces, then the root folder of
// one of them (the first, the personal space, by default), a page at a time.
import { api, signIn } from "./cartable.mjs";

const [spaceName, pageSize = "100"] = process.argv.slice(2);
const token = await signIn();

const { spaces } = await api("/api/v1/spaces", { token });
for (const space of spaces) console.log(`${space.kind.padEnd(9)} ${space.name}`);

// children yields a folder's items a page at a time: each page's next_cursor asks
// for the next one, and the last page has none.
async function* children(folderId) {
  let cursor;
  do {
    const query = new URLSearchParams({ limit: pageSize, ...(cursor && { cursor }) });
    const page = await api(`/api/v1/items/${folderId}/children?${query}`, { token });
    yield page.items;
    cursor = page.next_cursor;
  } while (cursor);
}

const space = spaceName ? spaces.find((s) => s.name === spaceName) : spaces[0];
if (!space) throw new Error(`no space named ${spaceName}`);
console.log(`${space.name}, ${pageSize} items a page:`);
let items = 0;
let pages = 0;
for await (const page of children(space.root_id)) {
  pages++;
  for (const item of page) {
    items++;
    // The can_* flags say what the caller may do with this very item: offer those
    // actions and grey out the others, rather than let a click end in a 403.
    const can = ["add", "edit", "move", "trash", "share"].filter((action) => item[`can_${action}`]);
    // A folder's effective_mode says what pupils may do inside it.
    const mode = item.effective_mode ?? "";
    console.log(`  ${item.kind.padEnd(6)} ${item.name.padEnd(14)} ${mode.padEnd(14)} can: ${can.join(" ") || "-"}`);
  }
}
console.log(`${items} items in ${pages} pages`);
