// node share.mjs <item id> <class>: shares an item, read-only, with the pupils of a
// class found by its name.
import { api, signIn } from "./cartable.mjs";

const [id, className] = process.argv.slice(2);
const token = await signIn();

// The directory search finds whom the caller may share with, best first: "6A" finds
// the class whole, then narrowed to each profile ("6A — élèves", "6A — parents"…).
// A portal shows the labels; each answer's grantee goes as is into the grant.
const query = new URLSearchParams({ q: className });
const found = await api(`/api/v1/directory/search?${query}`, { token });
const pupils = found.items.find(({ grantee }) => grantee.kind === "group" && grantee.profile === "Student");
if (!pupils) throw new Error(`no class ${className} to share with`);

const grant = await api(`/api/v1/items/${id}/permissions`, {
  token,
  method: "POST",
  json: { grantee: pupils.grantee, role: "viewer" },
});
const item = await api(`/api/v1/items/${id}`, { token });
console.log(`shared "${item.name}" with ${pupils.label} (${pupils.detail}) as ${grant.role}`);
