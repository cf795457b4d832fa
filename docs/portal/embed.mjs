// node embed.mjs <item id>...: the HTML that shows files in a page. Their URLs are
// signed: they need no Authorization header (an <img> cannot send one) and live a
// few minutes, so a page asks for the items again rather than keep them.
import { api, signIn } from "./cartable.mjs";

// The name is a user's text and the URLs hold "&": both are escaped.
const escape = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function html(item) {
  const name = escape(item.name);
  const { small, large } = item.thumbnails ?? {}; // absent until the preview is ready
  if (item.mime_type?.startsWith("video/")) {
    // To seek, the browser sends Range requests to the same URL and gets 206s.
    const poster = large ? ` poster="${escape(large.url)}"` : "";
    return `<video controls preload="metadata" src="${escape(item.download_url)}"${poster}></video>`;
  }
  if (small) {
    // small is a 128 px square; WebP or JPEG, as the browser's Accept header asks.
    return `<img src="${escape(small.url)}" width="${small.width}" height="${small.height}" alt="${name}" loading="lazy">`;
  }
  // No thumbnail: its preview is pending or failed, or the type has none.
  return `<a href="${escape(item.download_url + "&download=1")}">${name}</a>`;
}

const token = await signIn();
for (const id of process.argv.slice(2)) {
  console.log(html(await api(`/api/v1/items/${id}`, { token })));
}
