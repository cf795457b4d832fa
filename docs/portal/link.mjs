// node link.mjs <item id> <password>: makes a view link to an item, for a week and
// with a password, then opens it as a visitor would, without an account.
import { api, signIn } from "./cartable.mjs";
import { CartableError } from "./problem.mjs";

const [id, password] = process.argv.slice(2);
const token = await signIn();
const week = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
const link = await api(`/api/v1/items/${id}/links`, {
  token,
  method: "POST",
  json: { kind: "view", expires_at: week, password },
});
// The token is shown this once: the portal puts it in a page of its own
// (https://ent.example.fr/partage/<token>) that calls the routes below.
console.log(`link ${link.url}`);

// A visitor sends no Authorization header: the link's token is in the path, its
// password in a header.
const open = (password) =>
  api(`/api/v1/links/${link.token}`, { headers: password ? { "Cartable-Link-Password": password } : {} });
try {
  await open();
} catch (err) {
  if (!(err instanceof CartableError && err.fields.password_required)) throw err;
  console.log("the link asks for a password"); // the portal shows a password field
}
const { item, expires_at } = await open(password);
// A file's download_url needs neither header nor password: the password was checked
// when the link was opened. A folder's items are at /api/v1/links/<token>/items/<id>/children.
console.log(`it opens "${item.name}" (${item.kind}) until ${expires_at}; download: ${item.download_url}`);
