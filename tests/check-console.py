#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hvpci-sim shell driven from a script (standard input not a terminal):
every command and its help; bad input answered with an error and the
session going on (exit status 2 at the end); the exit status of the
verdict otherwise; and `record` replayed with `hvpci-sim run --trace`
giving the byte-identical trace, for typed sessions, sessions stopped in
the middle of steps (step, until, break, a fault armed mid-step), a shipped
scenario played with continue (also identical to running the original
file), and a changed seed. TAP output; every run is bounded in time."""
import json
import os
import re
import subprocess
import sys
import tempfile

root, binary = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="hvpci-console-")
results = []


def shell(script, *args, timeout=120):
    p = subprocess.run([binary, "shell", "--color", "never", *args], input=script,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, quiet(p.stderr)


def quiet(err):
    """stderr less AddressSanitizer's note about swapcontext (sanitized builds)."""
    return "".join(l for l in err.splitlines(True)
                   if "ASan doesn't fully support makecontext" not in l)


def run(*args, timeout=120):
    p = subprocess.run([binary, "run", "--color", "never", *args], capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def path(name):
    return os.path.join(tmp, name)


def replay(name, script, *args, extra=None):
    """Runs the session with a trace from the start, records it, and runs
    the recording: both traces must be the same bytes."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in name)
    t1, t2, rec = path(slug + ".shell.jsonl"), path(slug + ".run.jsonl"), path(slug + ".json")
    code, out, err = shell("trace on %s\n%s\nrecord %s\nquit\n" % (t1, script, rec), *args)
    ok = os.path.exists(rec) and os.path.exists(t1)
    detail = "shell exit %d: %s" % (code, err.strip()[-400:])
    if ok:
        rcode, rout, rerr = run("--trace", t2, rec)
        a, b = open(t1, "rb").read(), open(t2, "rb").read()
        ok = a == b and len(a) > 0 and rcode == 0
        detail = "run exit %d, %d vs %d bytes of trace%s" % (
            rcode, len(a), len(b), "" if a == b else ": traces differ")
    check("record replays byte-identically: " + name, ok, detail)
    if extra:
        extra(out, err, t1)
    return out, err


# ---- help and every command -------------------------------------------------

code, out, err = shell("help\n")
commands = ["help", "step", "next", "continue", "until", "break", "show", "fault", "check",
            "seed", "trace", "record", "quit"]
ops = ["boot", "fire", "hibernate", "resume", "cpu-offline", "cpu-online", "advance"]
check("help lists every command and step op",
      code == 0 and all(("  " + c) in out for c in commands + ops), out[-300:])
code, out, err = shell("".join("help %s\n" % c for c in commands + ops + ["fault"]))
check("help COMMAND explains each", code == 0 and not err and out.count("\n  ") >= 20, err)

# ---- bad input never ends the session ---------------------------------------

bad = [
    "bogus", 'fire "gpu0', "hibernate", "boot extra", "fire gpu0", "show nothing",
]
script = "\n".join([
    "bogus",                        # unknown command
    "hibernate",                    # before boot
    "boot",
    'fire "gpu0',                   # bad quoting
    "fire gpu0 cpu=1",              # a field of another op
    "fire gpu0 vectors=9",          # no such vector
    "fire gpu9",                    # no such device
    "cpu-offline 0",                # the boot CPU
    "resume",                       # not hibernated
    "show nothing",                 # unknown subject
    "fault add point=nowhere",      # unknown fault point
    "fault add point=vmbus.send status=0x5",  # no status for vmbus.send
    "fault remove 9",               # no such rule
    "break nowhere",                # unknown event
    "break delete 4",               # no such breakpoint
    "seed 7",                       # too late
    "step 0",                       # bad count
    "trace on /nonexistent-dir/x",  # cannot write
    "trace off",                    # not on
    "record /nonexistent-dir/x",    # cannot write
    "break retarget-failed",
    "hibernate",
    "fire gpu0",                    # a step is under way
    "check",                        # the oracles wait for a quiet world
    "continue",
    "fire gpu0",                    # the VM is off
    "check",                        # the VM is off
    "resume",
    "fire gpu0 vectors=0,3",
    "show status",
])
code, out, err = shell(script + "\n")
nerr = len([l for l in err.splitlines() if l.startswith("hvpci-sim shell: <stdin>:")])
check("bad input: an error each, the session goes on, exit status 2",
      code == 2 and nerr == 23 and "fire done" in out and "4 step(s) run" in out,
      "exit %d, %d errors: %s" % (code, nerr, err))
check("errors name the line and say what is wrong",
      "<stdin>:1: unknown command \"bogus\"" in err
      and "cpu: CPU 0 is the boot CPU" in err
      and "vector 9 does not exist" in err
      and "no device named \"gpu9\"" in err
      and "unknown fault point \"nowhere\"" in err
      and "the VM is off" in err, err)

# ---- exit status as for run ---------------------------------------------------

cycle = "boot\nfire gpu0\nfire nvme0\nhibernate\nresume\nfire gpu0\nfire nvme0\n"
code, out, err = shell(cycle)
check("a clean session on the default VM exits 0", code == 0 and "OK   shell" in out,
      "exit %d %s" % (code, err))
code, out, err = shell(cycle, "--set", "guest.profile=linux-5.9")
check("a session that finds a violation exits 1",
      code == 1 and "remap.no-entry" in out, "exit %d %s" % (code, err))
code, out, err = shell("", "/nonexistent.json")
check("a scenario that cannot be read exits 2", code == 2 and "cannot read" in err, err)

# ---- show: every subject ------------------------------------------------------

subjects = ["status", "bus", "channels", "irqs", "vectors", "remap", "remapping", "msix",
            "msix gpu0", "tasks", "faults", "fires", "violations", "breakpoints"]
code, out, err = shell("boot\nfire gpu0\nfault add point=hypercall.retarget mode=nth n=3\n"
                       "break power-off\n" + "".join("show %s\n" % s for s in subjects))
check("show: every subject answers with an aligned table",
      code == 0 and not err and re.search(r"irq +cpu +apic", out) and "entry  address" in out
      and "hypercall.retarget" in out and "power-off" in out, err + out[-500:])

# ---- record and replay ----------------------------------------------------------

replay("typed", cycle + "cpu-offline 2\nfire gpu0\ncpu-online 2\nadvance 5000\ncheck\n"
       "fault add once point=hypercall.retarget mode=once\ncpu-offline 3\nfault remove 0\n"
       "cpu-offline 1\nfire gpu0\n")

replay("stopped mid-step",
       "boot\nstep 5\nnext\nbreak retarget-failed\nhibernate\nstep 3\nshow tasks\nshow remap\n"
       "fault add late point=vsp.create-interrupt mode=once phase=resume\n"
       "until phase.exit\nbreak delete 1\ncontinue\nresume\nfire gpu0\nfire nvme0\n")

replay("until and step across steps",
       "boot\nuntil interrupt-delivered\nfire gpu0 0\nbreak vmbus.send\nhibernate\n"
       "step\nstep 10\nnext\nbreak list\nbreak delete 1\nresume\nstep 2\n")


def notes_mid_step(out, err, trace):
    check("a rule armed mid-step and hit before it ended is noted by record",
          "note: fault rule early was armed in the middle of step 1" in out, out[-600:])


t1 = path("hit.shell.jsonl")
code, out, err = shell("boot\nbreak retarget-failed\nhibernate\n"
                       "fault add early point=hypercall.retarget\nbreak delete 1\ncontinue\nrecord %s\n"
                       % path("hit.json"))
notes_mid_step(out, err, t1)

# A shipped scenario played with continue: the recording replays it, and the
# trace is also that of running the original file.
scn = os.path.join(root, "scenarios", "hibernate", "mixed-drivers.json")
orig = path("mixed.orig.jsonl")
run("--trace", orig, scn)


def same_as_original(out, err, trace):
    check("a shipped scenario played with continue traces as `run` of the file",
          open(trace, "rb").read() == open(orig, "rb").read(), err)


replay("shipped scenario", "continue\n", scn, extra=same_as_original)
replay("shipped scenario with typed steps between its own",
       "next\nnext\nfire gpu0 vectors=1\nbreak migrate-irq\ncontinue\nshow irqs\ncontinue\n",
       scn)
bug = os.path.join(root, "scenarios", "bugs", "unmask-skipped.json")
replay("a bug scenario, seed changed first", "seed 7\ncontinue\n", bug)
replay("the default VM with --set", "boot\nhibernate\nresume\nfire gpu0\n",
       "--set", "vm.vcpus=2", "--set", "devices.0.vectors=3")

# trace on later says where it starts
code, out, err = shell("boot\ntrace on %s\nfire gpu0\ntrace off\n" % path("late.jsonl"))
check("trace on after the first step says it traces from there",
      "from step 1 on" in out and open(path("late.jsonl")).read().count("\n") > 0, out)

# a recording is a scenario file that loads, with its expectation
rec = json.load(open(path("typed.json")))
check("the recording is a scenario with the session's steps and rules",
      rec["steps"][0] == {"op": "boot"} and rec["faults"][0]["name"] == "once"
      and rec["expect"]["verdict"] in ("pass", "fail"), json.dumps(rec)[:300])

print("1..%d" % len(results))
failed = 0
for i, (name, ok, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        failed += 1
        for line in str(detail).splitlines():
            print("# " + line)
sys.exit(1 if failed else 0)
