#!/usr/bin/env python3
"""Writes the Airmeet deliveries of the golden tests, one per trigger.

Airmeet posts a flat JSON object of trigger-specific fields to the URL
registered for the trigger, {path}/{triggerMetaInfoId}?token=...; the
post-event triggers send several people at once. Field names follow those
seen in Airmeet's payloads (airmeetName, firstName, registrationTime, user_id,
airmeet_id, start_time, hostUser, sessions, recordings, polls); Airmeet's
samples for every trigger are not public, so the rest are plausible shapes.
Run from this folder: python3 generate.py
"""
import json

AIRMEET = "5a1c0e62-7f3b-4d2a-9c1e-3b4d5e6f7a80"
SESSION = "b2c3d4e5-0000-4a1b-8c2d-3e4f5a6b7c8d"
COMMUNITY = "c0ffee00-1111-2222-3333-444455556666"
HOST = {"uid": "host-77", "name": "Rita Host", "email": "rita@example.com"}


def person(n, **kw):
    p = {"airmeetId": AIRMEET, "airmeetName": "Platform Summit 2025", "firstName": "Ana%d" % n, "lastName": "Garc\u00eda",
         "name": "Ana%d Garc\u00eda" % n, "email": "ana%d@example.com" % n, "city": "Lisbon", "country": "PT",
         "designation": "SRE", "organization": "Example Co", "user_id": "u-%d" % n}
    p.update(kw)
    return p


event = {"airmeet_id": AIRMEET, "name": "Platform Summit 2025", "status": "CREATED", "community_id": COMMUNITY,
         "community_name": "Example Community", "start_time": "2025-03-01T09:00:00.000Z", "end_time": "2025-03-01T17:00:00.000Z",
         "timezone": "Europe/Lisbon", "hostUser": HOST,
         "sessions": [{"sessionId": SESSION, "name": "Keynote", "start_time": "2025-03-01T09:30:00.000Z", "end_time": "2025-03-01T10:30:00.000Z"}]}

triggers = {
    "trigger.airmeet.created": event,
    "trigger.airmeet.started": dict(event, status="ONGOING"),
    "trigger.airmeet.finished": dict(event, status="FINISHED"),
    "trigger.airmeet.reminder": dict(event, remaining_time=14400),
    "trigger.airmeet.recording.available": {"airmeet_id": AIRMEET, "recordings": [{"link": "https://example.com/rec/keynote.mp4", "sessionId": SESSION}]},
    "trigger.airmeet.attendee.added": person(1, registrationTime="2025-02-10T08:15:00.000Z", entryLink="https://example.com/e/abc"),
    "trigger.airmeet.registrant.added": person(2, registrationTime="2025-02-11T08:15:00.000Z"),
    "trigger.airmeet.attendee.joined": {"airmeetId": AIRMEET, "attendees": [person(1, joinedAt="2025-03-01T09:01:00.000Z"), person(2, joinedAt="2025-03-01T09:05:00.000Z")]},
    "trigger.session.attendee.joined": {"airmeetId": AIRMEET, "sessionId": SESSION, "attendees": [person(1, joinedAt="2025-03-01T09:31:00.000Z")]},
    "trigger.airmeet.polls": {"airmeetId": AIRMEET, "polls": [{"question": "Favourite backend?", "answer": "VictoriaLogs"}], "user_id": "u-1", "email": "ana1@example.com"},
    "trigger.airmeet.questions": {"airmeetId": AIRMEET, "sessionId": SESSION, "question": "Is it open source?", "user_id": "u-2", "time": "2025-03-01T09:45:00.000Z"},
    "trigger.attendee.booth.joined": [person(1, boothId="booth-7", joinedAt="2025-03-01T11:00:00.000Z"), person(3, boothId="booth-7", joinedAt="2025-03-01T11:02:00.000Z")],
    "trigger.airmeet.attendee.utms": person(1, utm_source="newsletter", utm_medium="email", utm_campaign="spring"),
    "trigger.attendee.clicked_cta": person(1, ctaName="Download deck", sessionId=SESSION, timestamp=1740821400000),
    "trigger.attendee.entered_airmeet": person(1, timestamp=1740819660000),
    "trigger.attendee.engagement_score": person(1, engagementScore=87.5),
    "trigger.leaderboard.scoreboard": {"airmeetId": AIRMEET, "users": [{"user_id": "u-1", "points": 120, "rank": 1}, {"user_id": "u-2", "points": 95, "rank": 2}]},
    "trigger.attendee.joined_stage": person(2, sessionId=SESSION, joinedAt="2025-03-01T09:40:00.000Z"),
    "trigger.attendee.opened_resource": person(1, resourceName="Slides.pdf", boothId="booth-7", timestamp=1740826800000),
    "trigger.attendee.joined_booth": person(3, boothId="booth-7", joinedAt="2025-03-01T11:02:00.000Z"),
    "trigger.attendee.joined_table": person(1, tableId="table-3", joinedAt="2025-03-01T12:10:00.000Z"),
    "trigger.attendee.ondemand_session_attendance": person(1, sessionId=SESSION, percentage=0, timestamp=1741000000000),
    "trigger.attendee.joined_session": person(1, sessionId=SESSION, joinedAt="2025-03-01T09:31:00.000Z"),
}
assert len(triggers) == 23
for trigger, body in triggers.items():
    with open(trigger + ".json", "w") as f:
        f.write(json.dumps(body))
