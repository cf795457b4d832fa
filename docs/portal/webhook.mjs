// CARTABLE_WEBHOOK_SECRET=… PORT=8090 node webhook.mjs: a receiver of Cartable's
// events (CARTABLE_WEBHOOK_URL). It checks each event's signature, prints the event
// and answers 204.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.env.CARTABLE_WEBHOOK_SECRET;
if (!secret) throw new Error("CARTABLE_WEBHOOK_SECRET is not set");
const handled = new Set(); // a real receiver keeps the ids in its database

// signed checks Cartable-Signature against the HMAC of the raw body, in constant
// time, so that answer times tell a forger nothing about the right signature.
function signed(body, signature = "") {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const got = Buffer.from(signature);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks); // the bytes as sent: JSON encoded again would differ
  if (req.method !== "POST" || !signed(body, req.headers["cartable-signature"])) {
    res.writeHead(401).end();
    return;
  }
  const event = JSON.parse(body);
  // Delivery is at least once: an event may come twice.
  if (!handled.has(event.id)) {
    handled.add(event.id);
    console.log(body.toString()); // a portal would queue a notification here
  }
  // Any 2xx within 10 seconds; anything else is sent again later.
  res.writeHead(204).end();
});
server.listen(Number(process.env.PORT ?? 8090), () => {
  console.log(`listening on port ${server.address().port}`);
});
