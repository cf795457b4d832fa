// A portal developer's view of Cartable, written against the types openapi-typescript
// generates from api/openapi.yaml (generated/cartable.ts, not kept in git). `make test`
// type-checks it: a spec that loses a field, an enum value, a parameter or a response
// a client relies on breaks the build. Nothing here runs.
import type { components, operations, webhooks } from "./generated/cartable";

type Item = components["schemas"]["Item"];
type Page = operations["listChildren"]["responses"][200]["content"]["application/json"];
type ListQuery = NonNullable<operations["listChildren"]["parameters"]["query"]>;
type ShareBody = operations["share"]["requestBody"]["content"]["application/json"];
type Permission = operations["share"]["responses"][201]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];
type TusHeaders = operations["tusCreate"]["parameters"]["header"];
type WebhookEvent = NonNullable<webhooks["event"]["post"]["requestBody"]>["content"]["application/json"];
type WebhookHeaders = operations["receiveEvent"]["parameters"]["header"];

const api = "/api/v1";

async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(api + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Accept-Language": "fr" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    const problem = (await res.json()) as Problem;
    // invalid_request names the offending input in fields.field.
    const field = problem.code === "invalid_request" ? problem.fields?.field : undefined;
    throw new Error(`${problem.status} ${problem.code}${field ? ` (${field})` : ""}: ${problem.title}`);
  }
  return (await res.json()) as T;
}

/** Lists a whole folder, page after page, folders first, newest first. */
export async function listFolder(token: string, folderId: Item["id"]): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  do {
    const query: ListQuery = { sort: "modified", order: "desc", limit: 200, cursor };
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    const page = await call<Page>(token, "GET", `/items/${folderId}/children?${params}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** What the web app offers on an item: only what the caller may do. */
export function actions(it: Item): string[] {
  const out: string[] = [];
  if (it.kind === "folder" && it.can_add && it.effective_mode !== "read_only") out.push("add");
  if (it.can_edit) out.push("rename");
  if (it.can_move) out.push("move");
  if (it.can_trash) out.push("trash");
  if (it.can_share) out.push("share");
  if (it.role === "author" && it.mode === undefined) out.push("follows its parent's mode");
  if (it.preview === "ready" && it.thumbnails?.small) out.push(`thumbnail ${it.thumbnails.small.url}`);
  return out;
}

/** The headers of a tus creation (tus-js-client's `metadata`), for a file in a folder. */
export function uploadHeaders(file: { name: string; size: number }, parentId: Item["id"]): TusHeaders {
  const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  return {
    "Tus-Resumable": "1.0.0",
    "Upload-Length": file.size,
    "Upload-Metadata": `filename ${b64(file.name)},parent ${b64(parentId)},conflict ${b64("rename")}`,
  };
}

/** Shares a folder with the parents of a class, read-only, until the end of the year. */
export function shareWithParents(token: string, folderId: Item["id"], groupId: string): Promise<Permission> {
  const body: ShareBody = {
    grantee: { kind: "group", id: groupId, profile: "Relative" },
    role: "viewer",
    expires_at: "2027-07-05T00:00:00Z",
  };
  return call<Permission>(token, "POST", `/items/${folderId}/permissions`, body);
}

/** A link's grant shows among an item's permissions, with its own grantee kind. */
export function isLink(p: Permission): boolean {
  return p.grantee.kind === "link";
}

/** The portal's webhook: what a notification says, from a body whose signature was checked. */
export function notification(headers: WebhookHeaders, e: WebhookEvent): string {
  const whom = e.recipient ? `${e.recipient.kind} ${e.recipient.id}${e.recipient.profile ? ` (${e.recipient.profile})` : ""}` : "";
  const what = e.kind === "drop" ? `a file was dropped: ${e.item_name}` : `${e.actor} ${e.kind}s ${e.item_name} with ${whom} as ${e.role ?? ""}`;
  return `#${headers["Cartable-Event-Id"]} ${what}`;
}
