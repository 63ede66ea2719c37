#!/usr/bin/env python3
"""Writes signed Momento webhook events for bench/webhook.lua, one a line: signature TAB body.

usage: make_webhook_requests.py SECRET PLAYERS OUT.tsv
Each event carries a distinct player's heartbeat, published now (the service accepts events up
to 60 s old, so generate right before the run).
"""
import hashlib, hmac, json, sys, time

secret, players, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
now = int(time.time() * 1000)
oses = [("Windows", "Google Chrome", "Desktop"), ("macOS", "Safari", "Desktop"),
        ("Android", "Google Chrome", "Mobile"), ("iOS", "Safari", "Mobile")]
with open(out, "w") as f:
    for i in range(players):
        os_, browser, device = oses[i % len(oses)]
        hb = {"playerId": f"bench-{i}", "bitrate": [800, 1500, 2800, 5000][i % 4],
              "playTime": i % 600, "agent": {"os": os_, "browser": browser, "device": device}}
        event = {"cache": "video", "topic": "stream", "event_timestamp": now,
                 "publish_timestamp": now, "topic_sequence_number": i + 1, "token_id": "",
                 "text": json.dumps(hb, separators=(",", ":"))}
        body = json.dumps(event, separators=(",", ":"))
        sig = hmac.new(secret.encode(), body.encode(), hashlib.sha3_256).hexdigest()
        f.write("%s\t%s\n" % (sig, body))
