#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every shipped scenario is valid against scenarios/schema.json, every
shipped matrix against matrices/schema.json, and a few files the loaders
reject are rejected by the schemas too. Skips (77) when the
jsonschema module is not installed (Debian: python3-jsonschema)."""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("1..0 # SKIP python3-jsonschema is not installed")
    sys.exit(0)

root = sys.argv[1]
schema = json.load(open(os.path.join(root, "scenarios", "schema.json")))
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)

files = sorted(f for f in glob.glob(os.path.join(root, "scenarios", "**", "*.json"), recursive=True)
               if not f.endswith("schema.json"))
bad = [
    ("unknown field", {"devices": [{"name": "a", "driver": "keep-vectors"}], "steps": [{"op": "boot"}],
                       "expect": {"verdict": "pass"}, "stpes": []}),
    ("first step not boot", {"devices": [{"name": "a", "driver": "keep-vectors"}],
                             "steps": [{"op": "resume"}], "expect": {"verdict": "pass"}}),
    ("field for another op", {"devices": [{"name": "a", "driver": "keep-vectors"}],
                              "steps": [{"op": "boot"}, {"op": "hibernate", "cpu": 1}],
                              "expect": {"verdict": "pass"}}),
    ("nth without n", {"devices": [{"name": "a", "driver": "keep-vectors"}],
                       "faults": [{"name": "f", "point": "vmbus.send", "mode": "nth"}],
                       "steps": [{"op": "boot"}], "expect": {"verdict": "pass"}}),
    ("fault status 0", {"devices": [{"name": "a", "driver": "keep-vectors"}],
                        "faults": [{"name": "f", "point": "hypercall.retarget", "status": 0}],
                        "steps": [{"op": "boot"}], "expect": {"verdict": "pass"}}),
    ("fault status 0x0", {"devices": [{"name": "a", "driver": "keep-vectors"}],
                          "faults": [{"name": "f", "point": "hypercall.retarget", "status": "0x0"}],
                          "steps": [{"op": "boot"}], "expect": {"verdict": "pass"}}),
    ("success NTSTATUS", {"devices": [{"name": "a", "driver": "keep-vectors"}],
                          "faults": [{"name": "f", "point": "vsp.d0-entry", "status": "0x103"}],
                          "steps": [{"op": "boot"}], "expect": {"verdict": "pass"}}),
    ("violations with pass", {"devices": [{"name": "a", "driver": "keep-vectors"}],
                              "steps": [{"op": "boot"}],
                              "expect": {"verdict": "pass", "violations": ["delivery.lost"]}}),
]
good = [
    ("every layout field", {"devices": [{"name": "a", "driver": "keep-vectors",
                                         "layout": {"capabilities": ["msix", "pm", "msi"],
                                                    "msix-bar": 5, "msix-table-offset": "0xFFFF8"}},
                                        {"name": "b", "driver": "keep-vectors",
                                         "layout": {"msix-bar": 2, "msix-table-offset": 2048}}],
                            "steps": [{"op": "boot"}], "expect": {"verdict": "pass"}}),
]
def with_layout(layout):
    return {"devices": [{"name": "a", "driver": "keep-vectors", "layout": layout}],
            "steps": [{"op": "boot"}], "expect": {"verdict": "pass"}}
bad += [
    ("capability twice", with_layout({"capabilities": ["pm", "pm", "msix"]})),
    ("capability missing", with_layout({"capabilities": ["pm", "msix"]})),
    ("msix-bar 6", with_layout({"msix-bar": 6})),
    ("offset not 8-aligned", with_layout({"msix-table-offset": 2052})),
    ("hex offset not 8-aligned", with_layout({"msix-table-offset": "0x7ff"})),
    ("offset at 1 MiB", with_layout({"msix-table-offset": "0x100000"})),
]
def with_msi(extra, layout=None):
    d = dict(with_layout(layout or {}))
    d["devices"] = [dict(dict(d["devices"][0], interrupts="msi"), **extra)]
    if layout is None:
        del d["devices"][0]["layout"]
    return d
good_msi = [
    ("msi 8 vectors", with_msi({"vectors": 8})),
    ("msi without mask bits", with_msi({"vectors": 1, "msi-masking": False})),
    ("msi layout", with_msi({"vectors": 32}, {"capabilities": ["msi", "pm"]})),
]
for what, doc in good_msi:
    errors = list(validator.iter_errors(doc))
    if errors:
        sys.exit("schema rejects %s: %s" % (what, errors[0].message))
bad += [
    ("msi vectors not a power of two", with_msi({"vectors": 6})),
    ("msi vectors above 32", with_msi({"vectors": 64})),
    ("msi with msix listed", with_msi({}, {"capabilities": ["pm", "msi", "msix"]})),
    ("msi with msix-bar", with_msi({}, {"msix-bar": 2})),
    ("msi-masking without msi", with_layout({})),
    ("unknown interrupts", with_msi({"interrupts": "intx"})),
]
bad[-2] = ("msi-masking without msi",
           dict(with_layout({}), devices=[dict(with_layout({})["devices"][0], **{"msi-masking": True})]))
matrix_schema = json.load(open(os.path.join(root, "matrices", "schema.json")))
# The two schemas name the same violations: the matrix's expect rules and
# the scenarios' expect take the same list.
scenario_violations = schema["properties"]["expect"]["properties"]["violations"]["items"]["enum"]
matrix_violations = (matrix_schema["properties"]["expect"]["items"]["properties"]["violations"]
                     ["items"]["enum"])
jsonschema.Draft202012Validator.check_schema(matrix_schema)
matrix_validator = jsonschema.Draft202012Validator(matrix_schema)
matrices = sorted(glob.glob(os.path.join(root, "matrices", "*.json")) +
                  glob.glob(os.path.join(root, "bench", "matrix-*.json")))
matrices = [f for f in matrices if not f.endswith("schema.json")]
bad_matrices = [
    ("no scenarios", {"axes": []}),
    ("axis with values and range", {"scenarios": ["x"], "axes": [
        {"path": "seed", "values": [1], "range": {"from": 1, "to": 2}}]}),
    ("axis named scenario", {"scenarios": ["x"], "axes": [
        {"name": "scenario", "path": "seed", "values": [1]}]}),
    ("bad --set path", {"scenarios": ["x"], "axes": [{"path": "vm..vcpus", "values": [1]}]}),
    ("rule expecting pass with violations", {"scenarios": ["x"], "expect": [
        {"when": {}, "verdict": "pass", "violations": ["delivery.lost"]}]}),
]
print("1..%d" % (len(files) + len(good) + len(bad) + len(matrices) + len(bad_matrices) + 1))
n = 0
failed = 0
for f in files:
    n += 1
    errors = list(validator.iter_errors(json.load(open(f))))
    rel = os.path.relpath(f, root)
    if errors:
        failed += 1
        print("not ok %d - %s" % (n, rel))
        for e in errors:
            print("# %s: %s" % ("/".join(map(str, e.path)), e.message))
    else:
        print("ok %d - %s is valid" % (n, rel))
for what, doc in good:
    n += 1
    errors = list(validator.iter_errors(doc))
    if errors:
        failed += 1
        print("not ok %d - schema rejects: %s" % (n, what))
        for e in errors:
            print("# %s: %s" % ("/".join(map(str, e.path)), e.message))
    else:
        print("ok %d - schema accepts: %s" % (n, what))
for what, doc in bad:
    n += 1
    if validator.is_valid(doc):
        failed += 1
        print("not ok %d - schema accepts: %s" % (n, what))
    else:
        print("ok %d - schema rejects: %s" % (n, what))
for f in matrices:
    n += 1
    errors = list(matrix_validator.iter_errors(json.load(open(f))))
    rel = os.path.relpath(f, root)
    if errors:
        failed += 1
        print("not ok %d - %s" % (n, rel))
        for e in errors:
            print("# %s: %s" % ("/".join(map(str, e.path)), e.message))
    else:
        print("ok %d - %s is a valid matrix" % (n, rel))
for what, doc in bad_matrices:
    n += 1
    if matrix_validator.is_valid(doc):
        failed += 1
        print("not ok %d - matrix schema accepts: %s" % (n, what))
    else:
        print("ok %d - matrix schema rejects: %s" % (n, what))
n += 1
if sorted(scenario_violations) != sorted(matrix_violations):
    failed += 1
    print("not ok %d - matrices/schema.json names the violations scenarios/schema.json does: %s"
          % (n, sorted(set(scenario_violations) ^ set(matrix_violations))))
else:
    print("ok %d - matrices/schema.json names the violations scenarios/schema.json does" % n)
sys.exit(1 if failed else 0)
