"""Lease 1's results.jsonl as one JSON by stage (to commit as bench/results/DATE-CARD.json).

    python3 tools/gpu-kit/merge.py RESULTS.jsonl OUT.json CARD

lease1.sh runs it when it ends; run it here on a fetched results.jsonl when a call was cut before
that. The lines between a stage's start and end lines are the stage's; a line cut by a kill is left out.
"""
import json
import sys

src, out, card = sys.argv[1:4]
merged, stage = {"card": card, "stages": {}}, None
for text in open(src):
    try:
        line = json.loads(text)
    except ValueError:
        continue
    if line.get("type") == "stage-start":
        stage = merged["stages"].setdefault(line["stage"], {"lines": []})
    elif line.get("type") == "stage":
        merged["stages"].setdefault(line["stage"], {"lines": []}).update(rc=line["rc"], seconds=line["seconds"], cap=line["cap"])
        stage = None
    else:
        (stage or merged["stages"].setdefault("(outside stages)", {"lines": []}))["lines"].append(line)
with open(out, "w") as f:
    json.dump(merged, f, indent=1)
print(f"wrote {out} ({', '.join(merged['stages'])})")
