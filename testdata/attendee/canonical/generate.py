#!/usr/bin/env python3
"""Generate corpus.jsonl for webhookreceiver/internal/canonjson.

Each line is a JSON object {"wire": ..., "canonical": ...} where "wire" is
json.dumps(payload) (what Attendee sends) and "canonical" is
json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
(what Attendee signs, before .encode("utf-8")). The lines themselves are
written with the default ensure_ascii=True, so the file is pure ASCII.

Run from this directory:  python3 generate.py
The seed is fixed, so the output is reproducible for a given Python version.
"""

import json
import os
import random

SEED = 20250715
COUNT = 200

PIECES = [
    "a", "b", "z", "A", "Z", "0", "9", " ", "_", "-", ".", "/", ":",
    "bot", "state", "ended", "transcript", "speaker", "hello world",
    "\"", "\\", "\n", "\r", "\t", "\b", "\f",
    "\x00", "\x01", "\x1f", "\x7f",
    "<", ">", "&", "<script>", "a&b",
    "\u2028", "\u2029", "\u00a0", "\ufeff", "\uffff",
    "\u00e9", "\u00eb", "Zo\u00eb", "\u00fc", "\u00c5", "\u00df", "na\u00efve",
    "\u4e2d\u6587", "\u65e5\u672c", "\ud55c",
    "\U0001F600", "\U0001F44D\U0001F3FD", "\U00010348", "\U0010FFFF",
]

KEYS = [
    "id", "bot_id", "trigger", "data", "event_type", "created_at", "a", "b",
    "B", "_", "0", "10", "9", "", " ", "key with space", "\u00e9t\u00e9", "\u00e9",
    "e", "f", "\u4e2d", "\U0001F600", "\U0001F600x", "\ufb01", "z", "\u007f",
    "\u2028", "<k>", "a\"b", "a\\b", "tab\tkey", "\x01", "Zo\u00eb",
]

FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 2.5, 1e-07, 1.5e-07, 1e16, 1e15, 123.456,
    1.5e300, -1.5e300, 1e-300, 5e-324, 1.7976931348623157e308, 3.141592653589793,
    0.0001, 0.00001, 100.0, 2.0 ** 53, 1e22, 1e21,
]

INTS = [0, 1, -1, 7, 42, 255, 2 ** 31, 2 ** 53 + 1, 2 ** 63, 2 ** 64, 2 ** 70, -(2 ** 65), 10 ** 20]


def rand_str(rng):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 5)))


def rand_key(rng):
    if rng.random() < 0.6:
        return rng.choice(KEYS)
    return rand_str(rng)


def rand_scalar(rng):
    r = rng.random()
    if r < 0.3:
        return rand_str(rng)
    if r < 0.45:
        return rng.choice(FLOATS)
    if r < 0.55:
        return rng.uniform(-1e6, 1e6)
    if r < 0.7:
        return rng.choice(INTS)
    if r < 0.8:
        return rng.randint(-10 ** 6, 10 ** 6)
    if r < 0.9:
        return rng.choice([True, False])
    return None


def rand_value(rng, depth):
    r = rng.random()
    if depth < 4 and r < 0.25:
        return rand_object(rng, depth + 1)
    if depth < 4 and r < 0.4:
        return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return rand_scalar(rng)


def rand_object(rng, depth):
    obj = {}
    for _ in range(rng.randint(0, 6)):
        obj[rand_key(rng)] = rand_value(rng, depth)  # dict keys are unique
    return obj


def attendee_like(rng):
    return {
        "idempotency_key": "%08x-0000-4000-8000-%012x" % (rng.getrandbits(32), rng.getrandbits(48)),
        "bot_id": "bot_" + "".join(rng.choice("abcdefXYZ0123456789") for _ in range(16)),
        "bot_metadata": rng.choice([None, {}, {"customer": rand_str(rng)}]),
        "trigger": rng.choice(["bot.state_change", "transcript.update", "chat_messages.update"]),
        "data": rand_object(rng, 1),
    }


def main():
    rng = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "corpus.jsonl"), "w", encoding="ascii", newline="\n") as f:
        for i in range(COUNT):
            if i % 4 == 0:
                payload = attendee_like(rng)
            elif i % 4 == 1:
                payload = rand_value(rng, 0)  # any top-level value
            else:
                payload = rand_object(rng, 0)
            wire = json.dumps(payload)
            canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            f.write(json.dumps({"wire": wire, "canonical": canonical}) + "\n")


if __name__ == "__main__":
    main()
