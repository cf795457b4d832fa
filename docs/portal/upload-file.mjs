// node upload-file.mjs <file> [folder id]: uploads a file from disk into a folder,
// or into the caller's personal space.
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { api, base, signIn } from "./cartable.mjs";
import { upload } from "./upload.mjs";

const [path, parent] = process.argv.slice(2);
const token = await signIn();
const id = await upload(createReadStream(path), {
  base,
  token,
  name: basename(path),
  parent,
  onProgress: (sent, total) => console.error(`${Math.round((100 * sent) / total)} %`),
});
const item = await api(`/api/v1/items/${id}`, { token });
console.log(`uploaded "${item.name}" (${item.mime_type}, ${item.size} bytes): ${item.id}`);
