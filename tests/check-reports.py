#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The reports of `hvpci-sim matrix` and `run`: the same for any --jobs, byte
for byte; the shards of a matrix together are the whole; JUnit is
well-formed XML with the usual structure; the JSON report follows its
schema; cells expected to fail are reported as such, and a cell that
unexpectedly passes fails the run; a report or stdout that cannot be written
is an error. TAP output."""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

root, binary = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
hibernate = os.path.join(root, "matrices", "hibernate.json")
results = []


def check(what, ok, detail=""):
    results.append((what, bool(ok), detail))


def hv(*args, **kw):
    return subprocess.run([binary, *args], capture_output=True, text=True, cwd=root, **kw)


tmp = tempfile.mkdtemp(prefix="hvpci-reports-")


def path(name):
    return os.path.join(tmp, name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


# ---- --jobs gives the same bytes ------------------------------------------
outs = {}
for jobs in ("1", "3"):
    r = hv("matrix", "--jobs", jobs, "--no-progress", "--format", "tap",
           "--tap", path(f"j{jobs}.tap"), "--json", path(f"j{jobs}.json"),
           "--junit", path(f"j{jobs}.xml"), "--html", path(f"j{jobs}.html"), hibernate)
    check(f"matrix --jobs {jobs} exits 0", r.returncode == 0, r.stderr)
    outs[jobs] = r.stdout
check("--jobs 1 and --jobs 3 print the same TAP", outs["1"] == outs["3"])
for ext in ("tap", "json", "xml", "html"):
    check(f"--jobs 1 and --jobs 3 write the same {ext} report",
          read(f"j1.{ext}") == read(f"j3.{ext}"))
check("the streamed TAP is the TAP report", outs["1"].encode() == read("j1.tap"))
r1 = hv("run", "--jobs", "1", "--format", "json", "scenarios")
r2 = hv("run", "--jobs", "2", "--format", "json", "scenarios")
check("run --jobs 1 and --jobs 2 print the same JSON", r1.stdout == r2.stdout and r1.stdout)

# ---- the JSON report -------------------------------------------------------
whole = json.loads(read("j1.json"))
cells = whole["scenarios"]
check("the matrix has cells in order", [c["cell"] for c in cells] == list(range(len(cells))))
check("hibernate.json: every cell as expected",
      whole["summary"]["not_as_expected"] == 0 and whole["summary"]["total"] == len(cells))
check("hibernate.json: some cells fail as expected",
      whole["summary"]["failed_as_expected"] > 0 and
      all(c["status"] == "xfail" for c in cells if c["verdict"] == "fail"))
try:
    import jsonschema
    schema = json.load(open(os.path.join(root, "matrices", "report-schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    errs = [e.message for e in v.iter_errors(whole)]
    errs += [e.message for e in v.iter_errors(json.loads(r1.stdout))]
    check("the JSON reports of matrix and run follow matrices/report-schema.json", not errs,
          "; ".join(errs[:3]))
except ImportError:
    check("(jsonschema not installed: JSON report schema not checked)", True)

# ---- shards ----------------------------------------------------------------
parts = []
for k in (1, 2, 3):
    r = hv("matrix", "--shard", f"{k}/3", "--jobs", "2", "--json", path(f"s{k}.json"),
           "--junit", path(f"s{k}.xml"), hibernate)
    check(f"shard {k}/3 exits 0", r.returncode == 0, r.stderr)
    shard = json.loads(read(f"s{k}.json"))
    check(f"shard {k}/3 says so", shard["shard"] == f"{k}/3")
    check(f"shard {k}/3 holds its cells only",
          all(c["cell"] % 3 == k - 1 for c in shard["scenarios"]))
    parts += shard["scenarios"]
parts.sort(key=lambda c: c["cell"])
check("the shards' union is the whole matrix, cell for cell", parts == cells)
tests = sum(int(ET.parse(path(f"s{k}.xml")).getroot().get("tests")) for k in (1, 2, 3))
check("the shards' JUnit reports count every cell once", tests == len(cells))

# ---- JUnit -----------------------------------------------------------------
def junit_problems(data):
    problems = []
    try:
        top = ET.fromstring(data)  # expat: strict, well-formedness errors raise
    except ET.ParseError as e:
        return [f"not well-formed: {e}"]
    if top.tag != "testsuites":
        problems.append(f"root is <{top.tag}>")
    for attr in ("tests", "failures", "errors", "time"):
        if attr not in top.attrib:
            problems.append(f"<testsuites> lacks {attr}")
    total = fails = 0
    for suite in top:
        if suite.tag != "testsuite":
            problems.append(f"<{suite.tag}> under <testsuites>")
            continue
        for attr in ("name", "tests", "failures", "errors", "skipped", "time"):
            if attr not in suite.attrib:
                problems.append(f"<testsuite> lacks {attr}")
        cases = suite.findall("testcase")
        failures = [c for c in cases if c.find("failure") is not None]
        if int(suite.get("tests", -1)) != len(cases):
            problems.append("testsuite tests= is not its number of testcases")
        if int(suite.get("failures", -1)) != len(failures):
            problems.append("testsuite failures= is not its number of failures")
        for c in cases:
            for attr in ("name", "classname", "time"):
                if attr not in c.attrib:
                    problems.append(f"<testcase> lacks {attr}")
            float(c.get("time", "0"))
            for child in c:
                if child.tag not in ("failure", "error", "skipped", "system-out", "system-err"):
                    problems.append(f"<{child.tag}> in a testcase")
            f = c.find("failure")
            if f is not None and ("message" not in f.attrib or "type" not in f.attrib):
                problems.append("<failure> lacks message or type")
        total += len(cases)
        fails += len(failures)
    if int(top.get("tests", -1)) != total or int(top.get("failures", -1)) != fails:
        problems.append("testsuites counts do not add up")
    return problems


junit = read("j1.xml")
p = junit_problems(junit)
check("JUnit: well-formed, testsuites/testsuite/testcase with their attributes", not p,
      "; ".join(p[:5]))
top = ET.fromstring(junit)
check("JUnit: one testcase per cell", len(top.findall("./testsuite/testcase")) == len(cells))
try:
    subprocess.run(["xmllint", "--noout", path("j1.xml")], check=True, capture_output=True)
    check("JUnit: xmllint accepts it", True)
except FileNotFoundError:
    check("JUnit: (xmllint not installed, expat only)", True)
except subprocess.CalledProcessError as e:
    check("JUnit: xmllint accepts it", False, e.stderr.decode())

# ---- expected failures, and one that stops failing ------------------------
scn = lambda rel: json.dumps(os.path.join(root, "scenarios", rel))
with open(path("x.json"), "w") as f:
    f.write("""{
  "name": "expectations",
  "scenarios": [%s, %s],
  "axes": [{"path": "guest.profile", "values": ["linux-5.10", "linux-5.9"]}],
  "exclude": [{"scenario": "recreate-driver", "profile": "linux-5.10"}],
  "expect": [
    {"when": {"scenario": "persistent-driver", "profile": "linux-5.9"}, "verdict": "fail",
     "violations": ["remap.no-entry"], "because": "the old kernel"},
    {"when": {"scenario": "persistent-driver", "profile": "linux-5.10"}, "verdict": "fail",
     "because": "a bug that has been fixed since"}
  ]
}
""" % (scn("hibernate/persistent-driver.json"), scn("hibernate/recreate-driver.json")))
r = hv("matrix", "--json", path("x.out.json"), "--junit", path("x.xml"), "--tap", path("x.tap"),
       "--color", "never", path("x.json"))
check("a cell that passes unexpectedly fails the matrix (exit 1)", r.returncode == 1,
      r.stdout + r.stderr)
xs = {c["label"]: c for c in json.loads(read("x.out.json"))["scenarios"]}
status = {k: c["status"] for k, c in xs.items()}
check("exclusions: the excluded cell is not there", len(xs) == 3, status)
check("an expected failure is xfail",
      status.get("persistent-driver[profile=linux-5.9]") == "xfail", status)
check("the unexpected pass is xpass",
      status.get("persistent-driver[profile=linux-5.10]") == "xpass", status)
check("recreate-driver passes on linux-5.9 as expected",
      status.get("recreate-driver[profile=linux-5.9]") == "pass", status)
check("the human output names the unexpected pass and its reason",
      "persistent-driver[profile=linux-5.10]" in r.stdout and
      "a bug that has been fixed since" in r.stdout and
      "persistent-driver[profile=linux-5.9]" not in r.stdout, r.stdout)
xj = ET.fromstring(read("x.xml"))
fl = xj.findall(".//testcase/failure")
check("JUnit: the unexpected pass is a failure of type unexpected-pass",
      len(fl) == 1 and fl[0].get("type") == "unexpected-pass", [f.attrib for f in fl])
check("JUnit: the expected failure carries its violations in system-out",
      any("remap.no-entry" in (so.text or "") for so in xj.iter("system-out")))
check("TAP: the unexpected pass is not ok", "not ok 1 - persistent-driver[profile=linux-5.10]"
      in read("x.tap").decode())
check("no temporary report file is left behind",
      not [n for n in os.listdir(tmp) if n.startswith(".")], os.listdir(tmp))

# ---- write errors ----------------------------------------------------------
with open("/dev/full", "w") as full:
    r = subprocess.run([binary, "run", "scenarios/hibernate/persistent-driver.json"],
                       stdout=full, stderr=subprocess.PIPE, text=True, cwd=root)
check("run >/dev/full exits 2 and says why", r.returncode == 2 and "standard output" in r.stderr,
      r.stderr)
with open("/dev/full", "w") as full:
    r = subprocess.run([binary, "matrix", "--format", "junit", hibernate], stdout=full,
                       stderr=subprocess.PIPE, text=True, cwd=root)
check("matrix --format junit >/dev/full exits 2", r.returncode == 2, r.stderr)
os.mkdir(path("adir"))
r = hv("run", "--json", path("adir"), "scenarios/hibernate/persistent-driver.json")
check("a report that cannot be renamed into place exits 2", r.returncode == 2, r.stderr)
check("... and leaves no temporary file", os.listdir(tmp).count("adir") == 1 and
      not [n for n in os.listdir(tmp) if n.startswith(".")], os.listdir(tmp))
r = hv("run", "--junit", "/nonexistent-dir/r.xml", "scenarios/hibernate/persistent-driver.json")
check("a report in a missing directory exits 2", r.returncode == 2 and "r.xml" in r.stderr,
      r.stderr)

print("1..%d" % len(results))
failed = 0
for i, (what, ok, detail) in enumerate(results, 1):
    if not ok:
        failed += 1
        print("not ok %d - %s" % (i, what))
        for line in str(detail).splitlines()[:20]:
            print("# " + line)
    else:
        print("ok %d - %s" % (i, what))
subprocess.run(["rm", "-rf", tmp])
sys.exit(1 if failed else 0)
