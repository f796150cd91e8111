#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Seed corpus and dictionary for fuzz-scenario, from the shipped scenarios.

make-corpus.py SOURCE_ROOT OUTDIR writes
  OUTDIR/corpus-seed/  each scenarios/**/*.json as it is, and again followed
                       by NUL-separated --set strings (the fuzz input format)
  OUTDIR/corpus-work/  empty: where the fuzzer keeps what it finds
  OUTDIR/scenario.dict every field name and enum value of scenarios/schema.json
"""
import glob
import json
import os
import sys

root, out = sys.argv[1], sys.argv[2]
seed = os.path.join(out, "corpus-seed")
os.makedirs(seed, exist_ok=True)
os.makedirs(os.path.join(out, "corpus-work"), exist_ok=True)

SETS = [
    [b"vm.vcpus=2", b"guest.profile=linux-5.9"],
    [b"steps[1]={\"op\":\"check\"}", b"devices.0.vectors=3"],
    [b"guest.behaviours.restore-msi-on-resume=false", b"seed=7", b"vm.protocol=1.3"],
    [b"faults=[{\"name\":\"f\",\"point\":\"vsp.d0-entry\",\"mode\":\"nth\",\"n\":2}]"],
    [b"expect={\"verdict\":\"fail\",\"violations\":[\"delivery.lost\"]}", b"reach=null"],
]

files = sorted(f for f in glob.glob(os.path.join(root, "scenarios", "**", "*.json"),
                                    recursive=True) if not f.endswith("schema.json"))
for i, f in enumerate(files):
    text = open(f, "rb").read()
    name = os.path.splitext(os.path.basename(f))[0]
    open(os.path.join(seed, name), "wb").write(text)
    sets = SETS[i % len(SETS)]
    open(os.path.join(seed, name + "+set"), "wb").write(b"\0".join([text] + sets))

# Every property name and string value in the schema, quoted as JSON.
words = set()


def walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "properties" and isinstance(v, dict):
                words.update('"%s"' % name for name in v)
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
    elif isinstance(node, str) and len(node) < 40 and " " not in node and node[0] not in "#^":
        words.add(json.dumps(node))


walk(json.load(open(os.path.join(root, "scenarios", "schema.json"))))
words.update(['"op"', "null", "true", "false", "18446744073709551616", "-0", "1e3",
              '"0x0"', '"0xC0000001"', "\\u0000", "\\ud83d", "[0]", "..", "="])
with open(os.path.join(out, "scenario.dict"), "w") as d:
    for w in sorted(words):
        d.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))
