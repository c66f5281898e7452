#!/usr/bin/env python3
"""Writes the signed deliveries of the zoom platform's golden tests.

Zoom posts {"event", "event_ts" (Unix milliseconds), "payload": {"account_id",
"object": {...}}} and signs it as its webhook documentation says:
x-zm-signature = "v0=" + hex HMAC-SHA256(secret token,
"v0:" + x-zm-request-timestamp + ":" + body). This script signs with Python's
hmac, apart from the receiver's code, at the golden clock
(2025-09-30T12:00:00Z), so that the test verifies them whatever the day.

Each <story>/<NN>.<event>.json holds the headers and the body exactly as
sent, in the order the golden test sends them:

  meeting/  a meeting with two participants and a cloud recording, and the
            events around it that move no lifecycle
  webinar/  a webinar with one attendee, and a registration
  url_validation.json  Zoom's endpoint check; url_validation.answer.json is
            the answer Zoom expects, computed here with Python's hmac.

The shapes follow the sample payloads of Zoom's webhook reference (see the
receiver's reference for which are samples and which are inferred); the IDs,
names and times are made up. Run from this folder: python3 generate.py
"""
import hashlib, hmac, json, os

SIGNED_AT = 1759233600  # 2025-09-30T12:00:00Z
SECRET = "zoom secret token for the golden test"
ACCOUNT = "lAAAAAAAAAAAAAAAAAAAAA"
HOST = "z8yCxjabcdEFGHfp8uQ"


def sign(content):
    return hmac.new(SECRET.encode(), content.encode(), hashlib.sha256).hexdigest()


def write(path, payload):
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    headers = {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Zoom Marketplace/1.0a",
        "x-zm-request-timestamp": str(SIGNED_AT),
        "x-zm-signature": "v0=" + sign(f"v0:{SIGNED_AT}:{body}"),
    }
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(json.dumps({"headers": headers, "body": body}, indent=2, ensure_ascii=False) + "\n")


def event(name, ts, obj, **payload):
    return {"event": name, "event_ts": ts, "payload": {"account_id": ACCOUNT, "object": obj, **payload}}


# Milliseconds of 2025-09-30 at h:m:s UTC.
def ms(h, m, s=0):
    return (SIGNED_AT - 12 * 3600 + h * 3600 + m * 60 + s) * 1000


def iso(h, m, s=0):
    return f"2025-09-30T{h:02d}:{m:02d}:{s:02d}Z"


# endpoint.url_validation: answered, not recorded.
PLAIN = "qgg8vlvZRS6UYooatFL8Aw"
write("url_validation.json", {"payload": {"plainToken": PLAIN}, "event_ts": ms(9, 0), "event": "endpoint.url_validation"})
with open("url_validation.answer.json", "w") as f:
    answer = {"plainToken": PLAIN, "encryptedToken": hmac.new(SECRET.encode(), PLAIN.encode(), hashlib.sha256).hexdigest()}
    f.write(json.dumps(answer, indent=2) + "\n")

# A meeting: its instance uuid keys the trace; its number is the one in the
# join URL (zoom.us/j/85746065432).
MEETING = {"id": 85746065432, "uuid": "4444AAAiAAAAAiAiAiiAii==", "host_id": HOST, "topic": "Weekly stand-up",
           "type": 2, "start_time": iso(10, 0), "timezone": "Europe/Paris", "duration": 30}
M = "meeting/"
write(M + "01.meeting.created.json", event("meeting.created", ms(9, 30), {**MEETING, "start_time": iso(10, 0),
      "join_url": "https://us05web.zoom.us/j/85746065432?pwd=example"}, operator="ana@example.com", operator_id=HOST))
write(M + "02.meeting.started.json", event("meeting.started", ms(10, 0, 2), {**MEETING, "start_time": iso(10, 0, 1)}))
ANA = {"user_id": "16778240", "user_name": "Ana Host", "id": HOST, "participant_uuid": "AnaUUID0AAAAAiAiAiiAii",
       "email": "ana@example.com", "participant_user_id": HOST}
# A guest who is not signed in: no id, and her participant_uuid.
BEN = {"user_id": "16779264", "user_name": "Ben Guest", "id": "", "participant_uuid": "BenUUID0AAAAAiAiAiiAii", "email": ""}
write(M + "03.meeting.participant_joined.json", event("meeting.participant_joined", ms(10, 0, 3),
      {**MEETING, "participant": {**ANA, "join_time": iso(10, 0, 3)}}))
write(M + "04.meeting.participant_joined.json", event("meeting.participant_joined", ms(10, 1, 10),
      {**MEETING, "participant": {**BEN, "join_time": iso(10, 1, 9)}}))
write(M + "05.recording.started.json", event("recording.started", ms(10, 2), {**MEETING,
      "recording_file": {"recording_start": iso(10, 2), "recording_end": ""}}))
write(M + "06.meeting.participant_left.json", event("meeting.participant_left", ms(10, 20, 1),
      {**MEETING, "participant": {**BEN, "leave_time": iso(10, 20), "leave_reason": "Ben Guest left the meeting.<br>Reason : left the meeting"}}))
write(M + "07.recording.stopped.json", event("recording.stopped", ms(10, 25), {**MEETING,
      "recording_file": {"recording_start": iso(10, 2), "recording_end": iso(10, 25)}}))
write(M + "08.meeting.participant_left.json", event("meeting.participant_left", ms(10, 28, 1),
      {**MEETING, "participant": {**ANA, "leave_time": iso(10, 28), "leave_reason": "Ana Host left the meeting.<br>Reason : Host ended the meeting"}}))
write(M + "09.meeting.ended.json", event("meeting.ended", ms(10, 28, 2), {**MEETING, "end_time": iso(10, 28)}))
write(M + "10.recording.completed.json", event("recording.completed", ms(10, 40), {
    **MEETING, "account_id": ACCOUNT, "host_email": "ana@example.com", "total_size": 38419876, "recording_count": 2,
    "share_url": "https://us05web.zoom.us/rec/share/example",
    "recording_files": [
        {"id": "a1b2c3d4-rec-mp4", "meeting_id": MEETING["uuid"], "recording_start": iso(10, 2), "recording_end": iso(10, 25),
         "file_type": "MP4", "file_extension": "MP4", "file_size": 38117376, "play_url": "https://us05web.zoom.us/rec/play/example",
         "download_url": "https://us05web.zoom.us/rec/download/example", "status": "completed", "recording_type": "shared_screen_with_speaker_view"},
        {"id": "a1b2c3d4-rec-m4a", "meeting_id": MEETING["uuid"], "recording_start": iso(10, 2), "recording_end": iso(10, 25),
         "file_type": "M4A", "file_extension": "M4A", "file_size": 302500, "download_url": "https://us05web.zoom.us/rec/download/example-audio",
         "status": "completed", "recording_type": "audio_only"},
    ]}, download_token="abJhbGciOiJIUzUxMiJ9.example"))
write(M + "11.recording.transcript_completed.json", event("recording.transcript_completed", ms(10, 52), {
    **MEETING, "recording_files": [{"id": "a1b2c3d4-rec-vtt", "meeting_id": MEETING["uuid"], "recording_start": iso(10, 2),
    "recording_end": iso(10, 25), "file_type": "TRANSCRIPT", "file_extension": "VTT", "file_size": 4096, "status": "completed",
    "recording_type": "audio_transcript"}]}))

# A webinar: type 5; an attendee's stay under it.
WEBINAR = {"id": 92718843011, "uuid": "Wb1nAAAiAAAAAiAiAiiAii==", "host_id": HOST, "topic": "Product launch",
           "type": 5, "start_time": iso(14, 0), "timezone": "Europe/Paris", "duration": 60}
W = "webinar/"
write(W + "01.webinar.registration_created.json", event("webinar.registration_created", ms(11, 15), {
    "id": WEBINAR["id"], "uuid": WEBINAR["uuid"], "host_id": HOST, "topic": WEBINAR["topic"], "type": 5,
    "start_time": iso(14, 0), "timezone": "Europe/Paris", "duration": 60,
    "registrant": {"id": "reg_Cg3xk2", "first_name": "Chloé", "last_name": "Martin", "email": "chloe@example.com",
                   "status": "approved", "join_url": "https://us05web.zoom.us/w/92718843011?tk=example"}}))
write(W + "02.webinar.started.json", event("webinar.started", ms(14, 0, 1), WEBINAR))
write(W + "03.webinar.participant_joined.json", event("webinar.participant_joined", ms(14, 2), {**WEBINAR, "participant": {
    "user_id": "33554432", "user_name": "Chloé Martin", "id": "", "participant_uuid": "ChloeUUIDAAAAiAiAiiAii",
    "registrant_id": "reg_Cg3xk2", "email": "chloe@example.com", "join_time": iso(14, 1, 58)}}))
write(W + "04.webinar.participant_left.json", event("webinar.participant_left", ms(14, 45), {**WEBINAR, "participant": {
    "user_id": "33554432", "user_name": "Chloé Martin", "id": "", "participant_uuid": "ChloeUUIDAAAAiAiAiiAii",
    "registrant_id": "reg_Cg3xk2", "email": "chloe@example.com", "leave_time": iso(14, 44, 59),
    "leave_reason": "Chloé Martin left the webinar.<br>Reason : left the meeting"}}))
write(W + "05.webinar.ended.json", event("webinar.ended", ms(15, 0, 2), {**WEBINAR, "end_time": iso(15, 0)}))
