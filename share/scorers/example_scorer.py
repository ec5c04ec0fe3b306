#!/usr/bin/env python3
"""An example reward process for ric's cmd: rewards (standard library only).

    ric relabel --dataset d --objective words="cmd:python3 /usr/share/ric/scorers/example_scorer.py"

The protocol (man ric, REWARD PROTOCOL): ric starts the command once and keeps
it running. It writes one JSON object per line on the scorer's stdin and
waits for exactly one JSON line on stdout per request, in order:

    {"prompt": "...", "response": "..."}           ->  {"reward": 3.0}
    {"batch": [{"prompt": ..., "response": ...}]}  ->  {"rewards": [3.0, ...]}

(ric sends single requests when its batch size is 1, batch requests
otherwise). A reply {"error": "message"} makes ric stop with that message.
Rewards must be finite numbers, one per row. When ric closes stdin the
scorer should exit. Log to stderr, never to stdout.

This scorer's reward is the number of words of the response, or, with
--per-char, its length in characters; replace score() with your model.
--die-after N exits with status 1 after answering N requests (for testing
what ric does when a scorer dies).
"""
import json
import sys


def score(prompt, response, per_char):
    return float(len(response)) if per_char else float(len(response.split()))


def main():
    per_char = "--per-char" in sys.argv
    die_after = None
    if "--die-after" in sys.argv:
        die_after = int(sys.argv[sys.argv.index("--die-after") + 1])
    answered = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if "batch" in req:
                reply = {"rewards": [score(r["prompt"], r["response"], per_char)
                                     for r in req["batch"]]}
            else:
                reply = {"reward": score(req["prompt"], req["response"], per_char)}
        except (ValueError, KeyError, TypeError) as e:
            reply = {"error": "bad request: %s" % e}
        if die_after is not None and answered >= die_after:
            print("example_scorer: dying as asked after %d requests" % answered, file=sys.stderr)
            sys.exit(1)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        answered += 1


if __name__ == "__main__":
    main()
