#!/usr/bin/env python3
"""Writes the Attendee deliveries of the golden tests, the way Attendee does.

Attendee posts requests.post(url, json=payload): the body is Python's default
json.dumps(payload) (", " and ": " separators, non-ASCII as \\uXXXX, keys in
insertion order), and X-Webhook-Signature is sign_payload(payload, secret):
base64 of HMAC-SHA256(base64decode(secret), json.dumps(payload,
sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).
The signatures are made here, apart from the receiver's own code, and kept in
signatures.json. Run from this folder: python3 generate.py
"""
import base64, hashlib, hmac, json, os, uuid

SECRET = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
signatures = {}


def sign(payload):
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    mac = hmac.new(base64.b64decode(SECRET), canonical.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def key(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "eventhooks/" + name))


def write(path, subject, trigger, data):
    payload = {"idempotency_key": key(path), **subject, "trigger": trigger, "data": data}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(json.dumps(payload))
    signatures[path] = sign(payload)


def bot(bot_id, metadata=None):
    return {"bot_id": bot_id, "bot_metadata": metadata}


def state(new, old, at, event_type, sub_type=None, metadata=None):
    return {"new_state": new, "old_state": old, "created_at": at, "event_type": event_type,
            "event_sub_type": sub_type, "event_metadata": metadata}


def participant_event(event_id, uuid_, name, event_type, ms, host=False):
    return {"id": event_id, "participant_name": name, "participant_uuid": uuid_,
            "participant_user_uuid": None, "participant_is_host": host,
            "event_type": event_type, "event_data": {}, "timestamp_ms": ms}


def utterance(uuid_, name, ms, duration, text, host=False):
    return {"speaker_name": name, "speaker_uuid": uuid_, "speaker_user_uuid": None,
            "speaker_is_host": host, "timestamp_ms": ms, "duration_ms": duration,
            "transcription": {"transcript": text} if text is not None else None}


# One delivery of every trigger (and of the severities that matter).
T = "triggers/"
B = bot("bot_weekly_standup_01", {"team": "platform"})
write(T + "bot.state_change.json", B, "bot.state_change",
      state("joined_recording", "joined_not_recording", "2025-07-15T14:01:02.123456+00:00", "recording_permission_granted"))
write(T + "bot.state_change.could_not_join.json", bot("bot_failed_join_01"), "bot.state_change",
      state("fatal_error", "joining", "2025-07-15T15:00:30.000000+00:00", "could_not_join_meeting", "meeting_not_found"))
write(T + "bot.state_change.waiting_room_timeout.json", bot("bot_waiting_room_01"), "bot.state_change",
      state("fatal_error", "waiting_room", "2025-07-15T16:10:00Z", "could_not_join_meeting", "waiting_room_timeout_exceeded"))
write(T + "bot.state_change.recording_permission_denied.json", B, "bot.state_change",
      state("joined_recording_permission_denied", "joined_not_recording", "2025-07-15T14:01:02.5Z",
            "recording_permission_denied", "host_denied_permission"))
write(T + "bot.state_change.fatal_error.json", bot("bot_crashed_01"), "bot.state_change",
      state("fatal_error", "joined_recording", "2025-07-15T17:00:00+00:00", "fatal_error", "heartbeat_timeout"))
write(T + "bot.state_change.metadata.json",
      bot("bot_weekly_standup_01", {"customer": "Zo\u00eb & co <test>", "line": "a\u2028b", "emoji": "\U0001F600",
                                    "ratio": 1.0, "tiny": 1e-07, "big": 2**70, "neg": -2**65, "tab": "x\ty"}),
      "bot.state_change", state("joining", "ready", "2025-07-15T14:00:00.000001+00:00", "join_requested"))
write(T + "transcript.update.json", B, "transcript.update",
      utterance("16778240", "Ana Garc\u00eda", 1752588300000, 4250, "Let's start with the release notes."))
write(T + "transcript.update.no_transcription.json", B, "transcript.update",
      utterance("16778241", "Bo", 1752588310000, 800, None))
write(T + "chat_messages.update.json", B, "chat_messages.update",
      {"id": "msg_Xk2pQ9", "to": "everyone", "text": "Slides: https://example.com/deck <v2>",
       "timestamp": 1752588320, "sender_name": "Ana Garc\u00eda", "sender_uuid": "16778240",
       "timestamp_ms": 1752588320123, "additional_data": {}, "sender_user_uuid": None})
write(T + "participant_events.join_leave.json", B, "participant_events.join_leave",
      participant_event("pe_join_01", "16778240", "Ana Garc\u00eda", "join", 1752588125000, host=True))
write(T + "participant_events.speech_start_stop.json", B, "participant_events.speech_start_stop",
      participant_event("pe_speech_01", "16778240", "Ana Garc\u00eda", "speech_start", 1752588300000, host=True))
CAL = {"calendar_id": "cal_8fKd02", "calendar_deduplication_key": "user-42-google", "calendar_metadata": None}
write(T + "calendar.events_update.json", CAL, "calendar.events_update",
      {"state": "connected", "connection_failure_data": None,
       "last_successful_sync_at": "2025-07-15T13:00:00.000000Z", "last_attempted_sync_at": "2025-07-15T13:00:00.000000Z"})
write(T + "calendar.state_change.json", CAL, "calendar.state_change",
      {"state": "disconnected",
       "connection_failure_data": {"error": "Google Authentication error: {'error': 'invalid_grant'}",
                                   "timestamp": "2025-07-15T13:30:45.123456Z"},
       "last_successful_sync_at": "2025-07-15T13:00:00.000000Z", "last_attempted_sync_at": "2025-07-15T13:30:45.123456Z"})
write(T + "zoom_oauth_connection.state_change.json",
      {"zoom_oauth_connection_id": "zoc_2mQ", "zoom_oauth_connection_metadata": None, "user_id": "zu_77", "account_id": "za_9"},
      "zoom_oauth_connection.state_change",
      {"state": "connected", "connection_failure_data": None,
       "last_successful_sync_at": None, "last_attempted_sync_at": "2025-07-15T12:00:00+00:00"})
write(T + "async_transcription.state_change.json", B, "async_transcription.state_change",
      {"state": "failed", "id": "at_5Rt", "failure_data": {"reason": "audio_missing"}})
# bot_logs.update: the two entry types Attendee writes, at the levels it writes
# them (bots/bot_controller/bot_controller.py); "uncategorized" is only a default.
write(T + "bot_logs.update.json", B, "bot_logs.update",
      {"id": "bl_01", "level": "warning", "entry_type": "could_not_enable_closed_captions",
       "message": "Bot could not enable closed captions", "created_at": "2025-07-15T14:02:00.000000+00:00"})
write(T + "bot_logs.update.webinar_panelist_promotion.json", B, "bot_logs.update",
      {"id": "bl_02", "level": "info", "entry_type": "webinar_panelist_promotion",
       "message": "Bot was promoted to panelist in webinar", "created_at": "2025-07-15T14:03:00.000000+00:00"})
# event_metadata as Attendee fills it (bots/models.py, BotEventManager): entering
# ended or fatal_error adds bot_duration_seconds (an int) and, when credits are
# charged, credits_consumed (centicredits / 100, a float: 2.0 stays 2.0);
# a host's removal adds remover_* (bot_controller.get_remover_metadata).
write(T + "bot.state_change.post_processing_completed.json", B, "bot.state_change",
      state("ended", "post_processing", "2025-07-15T14:52:00.000000+00:00", "post_processing_completed",
            metadata={"bot_duration_seconds": 3120, "credits_consumed": 2.0}))
write(T + "bot.state_change.meeting_ended.json", bot("bot_removed_01"), "bot.state_change",
      state("post_processing", "joined_recording", "2025-07-15T14:40:00.000000+00:00", "meeting_ended",
            metadata={"remover_name": "Ana Garc\u00eda", "remover_uuid": "16778240",
                      "remover_user_uuid": None, "remover_is_host": True}))
write(T + "bot.state_change.request_to_join_denied.json", bot("bot_denied_01"), "bot.state_change",
      state("fatal_error", "joining", "2025-07-15T15:05:00.000000+00:00", "could_not_join_meeting",
            "request_to_join_denied",
            {"remover_name": "Bo", "remover_uuid": "16778241", "remover_user_uuid": None, "remover_is_host": None,
             "bot_duration_seconds": 30, "credits_consumed": 0.07}))
# participant_events: "update" is defined but Attendee never sends it (the bot
# controller returns before a webhook); were it sent, it is a record only.
write(T + "participant_events.update.json", B, "participant_events.join_leave",
      dict(participant_event("pe_update_01", "16778240", "Ana Garc\u00eda", "update", 1752588130000, host=True),
           event_data={"isHost": {"before": False, "after": True}}))
write(T + "app_session.state_change.json", {"app_session_id": "app_sess_01", "app_session_metadata": None},
      "bot.state_change", state("connected", "connecting", "2025-07-15T18:00:01Z", "app_session_connected"))
write(T + "unknown.trigger.json", B, "recording.ready", {"recording_id": "rec_1"})

# A bot's whole life, in the order Attendee sends it.
L = "bot_life/"
LB = bot("bot_3hfP0PXEsNinIZmh", {"meeting": "Weekly \u00e9quipe"})
ANA, BO = "16778240", "16778241"
life = [
    ("bot.state_change", state("joining", "ready", "2025-07-15T14:00:00.000000+00:00", "join_requested")),
    ("bot.state_change", state("waiting_room", "joining", "2025-07-15T14:00:05.000000+00:00", "put_in_waiting_room")),
    ("bot.state_change", state("joined_not_recording", "waiting_room", "2025-07-15T14:01:00.000000+00:00", "joined_meeting")),
    ("bot.state_change", state("joined_recording", "joined_not_recording", "2025-07-15T14:01:02.000000+00:00", "recording_permission_granted")),
    ("participant_events.join_leave", participant_event("pe_1", ANA, "Ana", "join", 1752588065000, host=True)),
    ("participant_events.join_leave", participant_event("pe_2", BO, "Bo", "join", 1752588070000)),
    ("participant_events.speech_start_stop", participant_event("pe_3", ANA, "Ana", "speech_start", 1752588300000, host=True)),
    ("transcript.update", utterance(ANA, "Ana", 1752588300000, 4250, "Let's start.", host=True)),
    ("participant_events.speech_start_stop", participant_event("pe_4", ANA, "Ana", "speech_stop", 1752588304250, host=True)),
    ("bot.state_change", state("joined_recording_paused", "joined_recording", "2025-07-15T14:20:00.000000+00:00", "recording_paused")),
    ("bot.state_change", state("joined_recording", "joined_recording_paused", "2025-07-15T14:25:00.000000+00:00", "recording_resumed")),
    ("participant_events.join_leave", participant_event("pe_5", BO, "Bo", "leave", 1752590400000)),
    ("bot.state_change", state("leaving", "joined_recording", "2025-07-15T14:50:00.000000+00:00", "leave_requested", "auto_leave_silence")),
    ("bot.state_change", state("post_processing", "leaving", "2025-07-15T14:50:03.000000+00:00", "bot_left_meeting")),
    ("async_transcription.state_change", {"state": "in_progress", "id": "at_1", "failure_data": None}),
    ("async_transcription.state_change", {"state": "complete", "id": "at_1", "failure_data": None}),
    ("bot.state_change", state("ended", "post_processing", "2025-07-15T14:52:00.000000+00:00", "post_processing_completed")),
]
for i, (trigger, data) in enumerate(life, 1):
    write(L + "%02d-%s.json" % (i, trigger), LB, trigger, data)

# A bot that never got in.
F = "failed_join/"
FB = bot("bot_failed_join_01")
write(F + "01-bot.state_change.json", FB, "bot.state_change", state("joining", "ready", "2025-07-15T15:00:00+00:00", "join_requested"))
write(F + "02-bot.state_change.json", FB, "bot.state_change",
      state("fatal_error", "joining", "2025-07-15T15:00:30+00:00", "could_not_join_meeting", "meeting_not_found"))

with open("signatures.json", "w") as f:
    json.dump(dict(sorted(signatures.items())), f, indent=1)
    f.write("\n")
