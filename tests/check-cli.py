#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The command line a newcomer expects: `help COMMAND` and `COMMAND --help`
show that command's help; colour follows NO_COLOR (only when not empty) and
TERM=dumb; a progress line on a terminal and none elsewhere; Ctrl-C keeps
what ran, says so and exits 130; bash completion completes commands, options
and names; the man page documents every command and option. TAP output."""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

root, binary = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
results = []


def check(what, ok, detail=""):
    results.append((what, bool(ok), detail))


def hv(*args, env=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, cwd=root, env=env)


def on_tty(args, env_extra, stderr_tty=True):
    """Runs hvpci-sim with stdout (and stderr) on a pseudo-terminal; returns
    what the terminal got and, when stderr is not the terminal, stderr."""
    env = dict(os.environ)
    env.update(env_extra)
    for k, v in env_extra.items():
        if v is None:
            env.pop(k, None)
    master, slave = pty.openpty()
    p = subprocess.Popen([binary, *args], cwd=root, env=env, stdin=subprocess.DEVNULL,
                         stdout=slave, stderr=slave if stderr_tty else subprocess.PIPE)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 30)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    err = p.stderr.read() if p.stderr else b""
    p.wait()
    os.close(master)
    return out.decode(errors="replace"), err.decode(errors="replace"), p.returncode


# ---- help -----------------------------------------------------------------
top = hv("--help").stdout
for cmd, word in (("run", "--seed"), ("matrix", "--shard"), ("list", "profiles")):
    a, b = hv("help", cmd), hv(cmd, "--help")
    check(f"'help {cmd}' shows {cmd}'s help", a.returncode == 0 and word in a.stdout and
          a.stdout != top, a.stdout[:200])
    check(f"'help {cmd}' and '{cmd} --help' are the same", a.stdout == b.stdout)
check("the top-level help lists matrix and help", "matrix" in top and "help [COMMAND]" in top)
r = hv("help", "frobnicate")
check("'help' of an unknown command is an error", r.returncode == 2 and "frobnicate" in r.stderr)

# ---- colour ---------------------------------------------------------------
scn = "scenarios/bugs/no-msi-restore.json"
ESC = "\x1b["
out, _, rc = on_tty(["run", "--no-progress", scn], {"NO_COLOR": None, "TERM": "xterm"})
check("a terminal gets colour", ESC in out and rc == 0, repr(out[:200]))
out, _, _ = on_tty(["run", "--no-progress", scn], {"NO_COLOR": "", "TERM": "xterm"})
check("an empty NO_COLOR does not turn colour off", ESC in out)
out, _, _ = on_tty(["run", "--no-progress", scn], {"NO_COLOR": "1", "TERM": "xterm"})
check("NO_COLOR=1 turns colour off", ESC not in out, repr(out[:200]))
out, _, _ = on_tty(["run", "--no-progress", scn], {"NO_COLOR": None, "TERM": "dumb"})
check("TERM=dumb gets no colour", ESC not in out, repr(out[:200]))
r = hv("run", "--color", "always", scn)
check("--color always colours a pipe", ESC in r.stdout)
r = hv("run", scn)
# (stderr may hold AddressSanitizer's warning about swapcontext, nothing else)
check("a pipe gets no colour and no progress line",
      ESC not in r.stdout and "scenarios/s" not in r.stderr and "\r" not in r.stderr, r.stderr)

# ---- what success looks like -----------------------------------------------
r = hv("run", "--color", "never", "scenarios")
check("the first run says what success looks like",
      r.returncode == 0 and "Success" in r.stdout and
      re.search(r"\d+ of them\s+reproduce a bug or a fault", r.stdout) and
      "expected to fail" in r.stdout, r.stdout[-600:])

# ---- progress -------------------------------------------------------------
out, _, rc = on_tty(["matrix", "--color", "never", "matrices/hibernate.json"], {"TERM": "xterm"})
check("matrix on a terminal draws a progress line",
      re.search(r"\d+/\d+ cells, \d+ not as expected, \d+ cells/s", out) and rc == 0,
      repr(out[-400:]))
check("... and a summary with cells/s", re.search(r"\d+ cell\(s\) in [0-9.]+ s: \d+ cells/s",
                                                   out), repr(out[-300:]))
out, err, _ = on_tty(["matrix", "--no-progress", "matrices/hibernate.json"], {"TERM": "xterm"})
check("--no-progress draws none", "cells/s, ETA" not in out and " not as expected, " not in
      out.split("\n")[0], repr(out[:200]))

# ---- Ctrl-C ---------------------------------------------------------------
tmp = tempfile.mkdtemp(prefix="hvpci-cli-")
report = os.path.join(tmp, "r.json")
seeds = os.path.join(tmp, "seeds.json")
with open(seeds, "w") as f:  # long enough to interrupt, quick to load under ASan
    json.dump({"scenarios": [os.path.join(root, "bench", "canonical.json")],
               "axes": [{"path": "seed", "range": {"from": 1, "to": 3000}}]}, f)
p = subprocess.Popen([binary, "matrix", "--jobs", "2", "--format", "tap", "--json", report,
                      seeds], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
first = ""
deadline = time.time() + 60
while time.time() < deadline:
    line = p.stdout.readline()
    if not line or line.startswith("ok "):
        first = line
        break
p.send_signal(signal.SIGINT)
rest, err = p.communicate(timeout=120)
check("Ctrl-C: the matrix was running", first.startswith("ok 1 "), first)
check("Ctrl-C: exit status 130", p.returncode == 130, f"{p.returncode} {err}")
check("Ctrl-C: it says so", "interrupted" in err and "# interrupted:" in rest, err)
try:
    rep = json.load(open(report))
    ran = [c for c in rep["scenarios"] if c["status"] != "not-run"]
    check("Ctrl-C: the report keeps what ran and marks the rest",
          rep["interrupted"] and 0 < len(ran) < 3000 and
          rep["summary"]["not_run"] == 3000 - len(ran) and
          all(c["status"] == "pass" for c in ran), rep["summary"])
except (OSError, ValueError) as e:
    check("Ctrl-C: the report keeps what ran and marks the rest", False, str(e))

# ---- a worker that dies -----------------------------------------------------
def children(pid):
    out = []
    for d in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        if d.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(d))
    return out


report = os.path.join(tmp, "k.json")
p = subprocess.Popen([binary, "matrix", "--jobs", "2", "--format", "tap", "--json", report,
                      seeds], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
while True:
    line = p.stdout.readline()
    if not line or line.startswith("ok "):
        break
workers = children(p.pid)
if workers:
    os.kill(workers[0], signal.SIGKILL)
rest, err = p.communicate(timeout=300)
try:
    rep = json.load(open(report))
    bad = [c for c in rep["scenarios"] if c["status"] != "pass"]
    check("a worker killed: the cell it ran fails and says why, the others all run",
          len(workers) == 2 and p.returncode == 1 and len(bad) >= 1 and
          all("was killed by signal 9" in c.get("mismatch", "") for c in bad) and
          rep["summary"]["not_run"] == 0,
          (workers, p.returncode, [(c["cell"], c.get("mismatch")) for c in bad],
           rep["summary"]))
except (OSError, ValueError) as e:
    check("a worker killed: the cell it ran fails and says why, the others all run", False,
          str(e))
subprocess.run(["rm", "-rf", tmp])

# ---- workers that cannot be started --------------------------------------
# As another user limited to two processes, the second worker's fork fails:
# the worker already started is stopped and reaped, every cell runs in the
# parent, and nothing is freed twice (it was, once). Needs root to switch
# user; RLIMIT_NPROC does not bind root itself.
if os.geteuid() == 0:
    import resource

    def as_nobody():
        resource.setrlimit(resource.RLIMIT_NPROC, (2, 2))
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)

    p = subprocess.run([binary, "matrix", "--jobs", "4", "--format", "json",
                        "matrices/hibernate.json"],
                       capture_output=True, text=True, cwd=root, preexec_fn=as_nobody)
    try:
        rep = json.loads(p.stdout)
        check("workers that cannot be forked: every cell runs in the parent",
              p.returncode == 0 and rep["summary"]["not_run"] == 0 and
              rep["summary"]["total"] == 864 and "double free" not in p.stderr,
              (p.returncode, rep["summary"], p.stderr[-300:]))
    except ValueError as e:
        check("workers that cannot be forked: every cell runs in the parent", False,
              (p.returncode, str(e), p.stderr[-300:]))
else:
    print("# skipped: workers that cannot be forked (needs root to switch user)")

# ---- bash completion ------------------------------------------------------
def complete(*words):
    script = (f"source {root}/completions/hvpci-sim.bash\n"
              "COMP_WORDBREAKS=' '\n"
              "COMP_WORDS=(" + " ".join(f"'{w}'" for w in (binary,) + words) + ")\n"
              "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
              "_hvpci_sim; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                          cwd=root).stdout.split()


check("completion: commands", complete("ma") == ["matrix"], complete("ma"))
check("completion: matrix options", "--shard" in complete("matrix", "--sh"))
check("completion: list names", set(complete("list", "p")) == {"profiles", "phases"})
check("completion: profiles for --set guest.profile=",
      "guest.profile=linux-5.9" in complete("run", "--set", "guest.profile="))
check("completion: matrix files", "matrices/hibernate.json" in complete("matrix", "matrices/h"))

# ---- the man page ---------------------------------------------------------
man = open(os.path.join(root, "doc", "hvpci-sim.1")).read().replace("\\-", "-")
missing = []
for cmd in ("run", "matrix", "shell", "serve", "import"):
    for opt in re.findall(r"^\s+(?:-\w, )?(--[a-z-]+)", hv(cmd, "--help").stdout, re.M):
        if opt not in ("--help",) and opt not in man:
            missing.append(f"{cmd} {opt}")
for cmd in ("run", "matrix", "list", "shell", "serve", "import", "help"):
    if f'"{cmd} ' not in man and f"B {cmd}" not in man:
        missing.append(cmd)
check("the man page documents every command and option", not missing, ", ".join(missing))
try:
    r = subprocess.run(["groff", "-man", "-ww", "-z", os.path.join(root, "doc", "hvpci-sim.1")],
                       capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    check("groff reads the man page without a warning", r.returncode == 0 and not r.stderr,
          r.stderr)
except FileNotFoundError:
    check("(groff not installed: man page not formatted)", True)

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
sys.exit(1 if failed else 0)
