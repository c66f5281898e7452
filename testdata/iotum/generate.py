#!/usr/bin/env python3
"""Writes the iotum deliveries of the golden tests.

iotum posts {"event": ..., "payload": "<JSON encoded as a string>",
"timestamp": "2022-08-24T20:56:55.000Z"} with the x-signing-token header; IDs
are JSON numbers. Run from this folder: python3 generate.py
"""
import json, os

HOST, COMPANY, CONF = 40217, 9001, 1258835
# An ID beyond 2**53 (and 2**64): every digit must survive.
BIG = 18446744073709551617123


def write(path, event, payload, ts):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    body = {"event": event, "payload": json.dumps(payload, separators=(",", ":")), "timestamp": ts}
    with open(path, "w") as f:
        f.write(json.dumps(body, separators=(",", ":")))


def base(**kw):
    p = {"host_id": HOST, "company_id": COMPANY, "conference_id": CONF}
    p.update(kw)
    return p


E = "events/"
T = "2022-08-24T20:56:55.000Z"
events = {
    "conference_start": base(),
    "conference_end": base(),
    "start_recording": base(),
    "stop_recording": base(),
    "recording_ready": base(recording_id=77001, download_link="https://example.com/rec/77001.mp4"),
    "transcription_ready": base(),
    "start_streaming": base(),
    "stop_streaming": base(),
    "start_broadcasting": base(),
    "stop_broadcasting": base(),
    "enter_livestream": base(participant_id=5101),
    "leave_livestream": base(participant_id=5101, reason_for_leaving="user_exit"),
    "stream_preview_updated": base(video_url="https://example.com/v.m3u8", image_url="https://example.com/p.jpg"),
    "profile_picture_upload_success": {"host_id": HOST, "company_id": COMPANY},
    "profile_picture_upload_failure": {"host_id": HOST, "company_id": COMPANY},
    "enter_conference": base(participant_id=5001, participant_role="moderator", meeting_url="https://example.com/m/abc"),
    "leave_conference": base(participant_id=5001, participant_role="moderator", reason_for_leaving="user_dropped"),
    "dialout_status_change": base(participant_id=5002, phone_number="+15555550100", status="noanswer"),
    "participant_role_changed": {"host_id": HOST, "conference_id": CONF, "participant_id": 5001, "participant_role": "organizer"},
    "drive_file_added": {"host_id": HOST, "company_id": COMPANY, "id": 31, "filename": "agenda.pdf", "size": 48213},
    "drive_file_deleted": {"host_id": HOST, "company_id": COMPANY, "id": 31, "filename": "agenda.pdf"},
    "one_time_access_code_reused": base(original_conference_id=1258001),
}
for name, payload in events.items():
    write(E + name + ".json", name, payload, T)
write(E + "big_ids.json", "conference_start", {"host_id": BIG, "company_id": 2**53 + 1, "conference_id": BIG}, T)
write(E + "unknown_event.json", "webinar_poll_closed", base(poll_id=3), T)
write(E + "missing_fields.json", "conference_end", {}, T)

# A whole conference, in the order iotum sends it: two participants, one
# dropped, a recording, its processing, the end.
C = "conference/"
seq = [
    ("conference_start", base(), "2022-08-24T20:00:00.000Z"),
    ("enter_conference", base(participant_id=5001, participant_role="organizer"), "2022-08-24T20:00:05.000Z"),
    ("enter_conference", base(participant_id=5002, participant_role="participant"), "2022-08-24T20:01:00.000Z"),
    ("start_recording", base(), "2022-08-24T20:02:00.000Z"),
    ("dialout_status_change", base(participant_id=5003, phone_number="+15555550101", status="new"), "2022-08-24T20:03:00.000Z"),
    ("dialout_status_change", base(participant_id=5003, phone_number="+15555550101", status="dialed"), "2022-08-24T20:03:01.000Z"),
    ("dialout_status_change", base(participant_id=5003, phone_number="+15555550101", status="noanswer"), "2022-08-24T20:03:31.000Z"),
    ("leave_conference", base(participant_id=5002, participant_role="participant", reason_for_leaving="user_dropped"), "2022-08-24T20:30:00.000Z"),
    ("stop_recording", base(), "2022-08-24T20:55:00.000Z"),
    ("leave_conference", base(participant_id=5001, participant_role="organizer", reason_for_leaving="user_exit"), "2022-08-24T20:56:00.000Z"),
    ("conference_end", base(), "2022-08-24T20:56:55.000Z"),
    ("recording_ready", base(recording_id=77001, download_link="https://example.com/rec/77001.mp4"), "2022-08-24T21:05:00.000Z"),
    ("transcription_ready", base(), "2022-08-24T21:09:00.000Z"),
]
for i, (event, payload, ts) in enumerate(seq, 1):
    write(C + "%02d-%s.json" % (i, event), event, payload, ts)
