#!/usr/bin/env python3
"""Writes the signed deliveries of the generic hmac platform's golden tests.

Three senders, each configured in the golden test as a user would configure
it, each signing as its documentation says, with Python's hmac (apart from
the receiver's code):

  github: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret, body);
          the event in X-GitHub-Event, the delivery in X-GitHub-Delivery.
  slack:  X-Slack-Signature = "v0=" + hex HMAC-SHA256(secret,
          "v0:" + X-Slack-Request-Timestamp + ":" + body).
  challenges/slack.url_verification.json: Slack's endpoint check.
  zoom:   Zoom's scheme (x-zm-signature, x-zm-request-timestamp), the same
          template as Slack's: the zoom platform's scheme said generically.

The bodies are shortened from the shapes each sender documents; the IDs and
texts are made up. Each <sender>/<name>.json holds the headers and the body
exactly as sent, signed at the golden clock (2025-09-30T12:00:00Z) so that the
test verifies them whatever the day. Run from this folder: python3 generate.py
"""
import hashlib, hmac, json, os

SIGNED_AT = 1759233600  # 2025-09-30T12:00:00Z
SECRETS = {
    "github": "github webhook secret, 32 chars",
    "slack": "8f742231b10e8888abcd99yyyzzz85a5",
    "zoom": "zoom secret token for the hmac test",
}


def sign(secret, content):
    return hmac.new(secret.encode(), content.encode(), hashlib.sha256).hexdigest()


def write(sender, name, headers, payload, folder=None):
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    secret = SECRETS[sender]
    headers = {"content-type": "application/json", **headers}
    if sender == "github":
        headers["x-hub-signature-256"] = "sha256=" + sign(secret, body)
    elif sender == "slack":
        headers["x-slack-request-timestamp"] = str(SIGNED_AT)
        headers["x-slack-signature"] = "v0=" + sign(secret, f"v0:{SIGNED_AT}:{body}")
    else:
        headers["x-zm-request-timestamp"] = str(SIGNED_AT)
        headers["x-zm-signature"] = "v0=" + sign(secret, f"v0:{SIGNED_AT}:{body}")
    folder = folder or sender
    os.makedirs(folder, exist_ok=True)
    with open(f"{folder}/{name}.json", "w") as f:
        f.write(json.dumps({"headers": headers, "body": body}, indent=2, ensure_ascii=False) + "\n")


REPO = {"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "full_name": "octo-org/meeting-notes", "private": True}
OCTOCAT = {"login": "octocat", "id": 583231, "type": "User"}


def github(name, event, delivery, payload):
    write("github", name, {"x-github-event": event, "x-github-delivery": delivery,
                           "x-github-hook-id": "492035617", "user-agent": "GitHub-Hookshot/6b02022"}, payload)


github("issues.opened", "issues", "72d3162e-cc78-11e3-81ab-4c9367dc0958", {
    "action": "opened",
    "issue": {"id": 2911467061, "number": 42, "title": "Bot failed to join the Monday stand-up",
              "state": "open", "created_at": "2025-09-30T11:59:58Z", "user": OCTOCAT},
    "repository": REPO, "sender": OCTOCAT,
})
# push has no action: the record is named after the header alone.
github("push", "push", "8a41c6f0-9dd1-11f0-8e2b-2f1a3c0d9e11", {
    "ref": "refs/heads/main", "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
    "head_commit": {"id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "message": "Retry the join on 503",
                    "timestamp": "2025-09-30T13:59:41+02:00"},
    "repository": REPO, "pusher": {"name": "octocat"}, "sender": OCTOCAT,
})
github("pull_request.closed", "pull_request", "a1b2c3d4-9dd1-11f0-9c1e-51b7e4f2aa07", {
    "action": "closed", "number": 43,
    "pull_request": {"id": 2851190377, "number": 43, "merged": True, "merge_commit_sha": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                     "closed_at": "2025-09-30T11:59:41Z"},
    "repository": REPO, "sender": OCTOCAT,
})

# Slack's Events API: the event inside an event_callback envelope.
def slack(name, event, event_id):
    write("slack", name, {"user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}, {
        "token": "XXYYZZ", "team_id": "T0001AB2C", "api_app_id": "A0KRD7HC3",
        "event": event, "type": "event_callback", "event_id": event_id,
        "event_time": SIGNED_AT - 2, "authed_users": ["U0LAN0Z89"],
    })


slack("app_mention", {"type": "app_mention", "user": "U061F7AUR", "text": "<@U0LAN0Z89> did the bot join?",
                      "ts": "1759233598.000200", "channel": "C0LAN2Q65", "event_ts": "1759233598.000200"}, "Ev08MFMKH6")
slack("member_joined_channel", {"type": "member_joined_channel", "user": "W06GH7XHN", "channel": "C0698JE0H",
                                "channel_type": "C", "team": "T0001AB2C", "event_ts": "1759233598.000300"}, "Ev08MFMKH7")

# Slack's endpoint check when the Request URL is saved, signed like any
# request; answered with its challenge, not recorded.
write("slack", "slack.url_verification", {"user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}, {
    "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    "type": "url_verification"}, folder="challenges")

# Zoom's scheme, configured generically: the same shapes as testdata/zoom.
MEETING = {"id": 85746065432, "uuid": "4444AAAiAAAAAiAiAiiAii==", "host_id": "z8yCxjabcdEFGHfp8uQ",
           "topic": "Weekly stand-up", "type": 2, "timezone": "Europe/Paris", "duration": 30}
write("zoom", "meeting.started", {"user-agent": "Zoom Marketplace/1.0a"}, {
    "event": "meeting.started", "event_ts": 1759233598123,
    "payload": {"account_id": "AAAAAABBBB", "object": {**MEETING, "start_time": "2025-09-30T11:59:58Z"}},
})
write("zoom", "meeting.participant_joined", {"user-agent": "Zoom Marketplace/1.0a"}, {
    "event": "meeting.participant_joined", "event_ts": 1759233599456,
    "payload": {"account_id": "AAAAAABBBB", "object": {**MEETING, "participant": {
        "user_id": "16778240", "user_name": "Ana", "participant_uuid": "55555AAAiAAAAAiAiAiiAii",
        "join_time": "2025-09-30T11:59:59Z"}}},
})
