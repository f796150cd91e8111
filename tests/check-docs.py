#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The docs read the same tables as the code: every name `hvpci-sim list`
prints (ops, fault points and modes, phases, reach events, violations,
profiles, behaviours, drivers, host assumptions) is documented in doc/scenario-format.md; and
no link in README.md or doc/ leaves the repository or points at a file that
is not there. TAP output."""
import glob
import os
import re
import subprocess
import sys

root, binary = sys.argv[1], sys.argv[2]
doc = open(os.path.join(root, "doc", "scenario-format.md")).read()
lists = ["profiles", "behaviours", "drivers", "faults", "modes", "phases", "ops", "reach",
         "violations", "host"]
checks = []
for what in lists:
    out = subprocess.run([binary, "list", what], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in out.splitlines()[1:] if line.strip()]
    missing = [n for n in names if "`%s`" % n not in doc and '`"%s"`' % n not in doc]
    checks.append(("doc/scenario-format.md documents every %s (%d)" % (what, len(names)),
                   missing))

link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
for md in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "doc", "*.md"))):
    text = open(md).read()
    bad = ["mentions ../shared/, which users do not have"] if "../shared/" in text else []
    for target in link.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # an absolute URL
        path = os.path.normpath(os.path.join(os.path.dirname(md), target))
        if os.path.relpath(path, root).startswith("..") or not os.path.exists(path):
            bad.append(target)
    checks.append(("links in %s stay in the repository and exist" % os.path.relpath(md, root),
                   bad))

print("1..%d" % len(checks))
failed = 0
for i, (what, problems) in enumerate(checks, 1):
    if problems:
        failed += 1
        print("not ok %d - %s: %s" % (i, what, ", ".join(problems)))
    else:
        print("ok %d - %s" % (i, what))
sys.exit(1 if failed else 0)
