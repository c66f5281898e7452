// Writes the signed deliveries of the standardwebhooks golden tests, signed
// by the official JavaScript library, apart from the receiver's own code:
//
//   npm install --prefix /tmp/swgen standardwebhooks@1.1.1
//   NODE_PATH=/tmp/swgen/node_modules node generate.mjs   (from this folder)
//
// Each <sender>/<name>.json holds the headers and the body exactly as sent;
// the golden test posts them and compares what comes out with
// <name>.logs.yaml. Every delivery is signed at the golden clock
// (2025-09-30T12:00:00Z), so that the test verifies them whatever the day.
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const { Webhook } = require("standardwebhooks");

// The secrets the golden test configures, and one it no longer does.
const SECRETS = {
  meetbot: "whsec_bWVldGJvdCBzaWduaW5nIHNlY3JldCwgMzIgYnl0ZXM=",
  tickets: "whsec_dGlja2V0cyBzaWduaW5nIHNlY3JldCBvZiAzMiBieXQ=",
};
const ROTATED_OUT = "whsec_b2xkIG1lZXRib3Qgc2VjcmV0LCBubyBsb25nZXIgdXNlZA==";
const SIGNED_AT = new Date("2025-09-30T12:00:00Z");

function write(sender, name, id, payload, { svix = false, alsoSignedWith = null } = {}) {
  const body = JSON.stringify(payload);
  let signature = new Webhook(SECRETS[sender]).sign(id, SIGNED_AT, body);
  if (alsoSignedWith) {
    signature = new Webhook(alsoSignedWith).sign(id, SIGNED_AT, body) + " " + signature;
  }
  const prefix = svix ? "svix-" : "webhook-";
  const headers = {
    "content-type": "application/json",
    [prefix + "id"]: id,
    [prefix + "timestamp"]: String(Math.floor(SIGNED_AT.getTime() / 1000)),
    [prefix + "signature"]: signature,
  };
  mkdirSync(sender, { recursive: true });
  writeFileSync(`${sender}/${name}.json`, JSON.stringify({ headers, body }, null, 2) + "\n");
}

// meetbot: a meeting-bot platform with the payload the specification
// recommends, {"type", "timestamp", "data"}: the platform's defaults.
write("meetbot", "bot.joined", "msg_2mB7xq1JoinedK3", {
  type: "bot.joined",
  timestamp: "2025-09-30T11:59:58.250Z",
  data: {
    bot_id: "bot_8Kq2",
    meeting_id: "mtg_41",
    meeting_url: "https://meet.example.com/abc-defg-hij",
    participant: { participant_id: "p_3", name: "Zoë <host> & co" },
  },
});
// Delivered through Svix: only the svix-* headers.
write("meetbot", "bot.done", "msg_2mB7xq1DoneK4", {
  type: "bot.done",
  timestamp: "2025-09-30T12:41:07Z",
  data: { bot_id: "bot_8Kq2", meeting_id: "mtg_41", duration_seconds: 2469.5, status: { code: "done", sub_code: null } },
}, { svix: true });
// During a rotation: signed with the old secret and the new one.
write("meetbot", "recording.ready", "msg_2mB7xq1RecK5", {
  type: "recording.ready",
  timestamp: "2025-09-30T12:43:00Z",
  data: { bot_id: "bot_8Kq2", recording_id: "rec_19", media: [{ media_id: "in an array: no attribute", kind: "video" }] },
}, { alsoSignedWith: ROTATED_OUT });

// tickets: a ticketing platform whose type and time are elsewhere:
// event_type: data.event, event_time: data.created (Unix seconds).
write("tickets", "ticket.sold", "evt_1NwTicketSold", {
  api_version: "2025-01",
  data: { event: "ticket.sold", created: 1759233590, orderId: "ord_77", eventId: "ev_5", buyer: { customerId: "cus_9" }, amount: 4900 },
});
write("tickets", "order.refunded", "evt_1NwOrderRefund", {
  api_version: "2025-01",
  data: { event: "order.refunded", created: 1759233595, orderId: "ord_77", reason: "requested_by_customer" },
});
