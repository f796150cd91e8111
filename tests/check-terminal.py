#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hvpci-sim shell on a real terminal, driven through tmux (send-keys,
capture-pane): tab completion of commands, show subjects and device names;
Ctrl-C at the prompt drops the line; history recalled with Up, also in the
next session (kept under $XDG_STATE_HOME/hvpci-sim/history); Ctrl-C during
a long continue stops it at an event boundary and gives the prompt back.
Skipped (with the reason) without tmux or without libedit. TAP output;
every wait is bounded."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

root, binary = sys.argv[1], sys.argv[2]
if not shutil.which("tmux"):
    print("1..0 # SKIP tmux is not installed (apt-get install tmux)")
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix="hvpci-tty-")
server = "hvpci-test-%d" % os.getpid()
state = os.path.join(tmp, "state")
results = []


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", server, *args], capture_output=True, text=True,
                          timeout=30, check=check).stdout


def screen(session):
    return tmux("capture-pane", "-p", "-t", session, check=False)


def wait_for(session, text, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = screen(session)
        if text in s:
            return s
        time.sleep(0.05)
    return screen(session)


def start(session, *args):
    cmd = " ".join(["env", "XDG_STATE_HOME=" + state, binary, "shell", "--color", "never",
                    *args])
    tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", cmd + "; sleep 30")
    return wait_for(session, "(hvpci)")


def keys(session, *k):
    tmux("send-keys", "-t", session, *k)


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def last_prompt_line(s):
    lines = [l for l in s.splitlines() if l.startswith("(hvpci)")]
    return lines[-1] if lines else ""


try:
    s = start("a")
    if "(hvpci)" not in s:
        print("1..0 # SKIP the shell did not start on a terminal: %r" % s[-200:])
        sys.exit(0)
    keys("a", "sh", "Tab")
    s = wait_for("a", "(hvpci) show")
    keys("a", "ir", "Tab")
    s = wait_for("a", "(hvpci) show irqs")
    check("Tab completes a command and a show subject", "(hvpci) show irqs" in s, s)
    if "(hvpci) show irqs" not in s:
        print("1..0 # SKIP no completion on this terminal (libedit missing?)")
        sys.exit(0)
    keys("a", "Enter")
    s = wait_for("a", "irqs (the guest's view")
    check("the completed command runs", "device  vec  irq" in s, s)
    keys("a", "boot", "Enter")
    wait_for("a", "boot done")
    keys("a", "fire g", "Tab")
    s = wait_for("a", "(hvpci) fire gpu0")
    check("Tab completes a device name", "(hvpci) fire gpu0" in s, s)
    keys("a", "Enter")
    wait_for("a", "fire done")
    keys("a", "break ret", "Tab")
    s = wait_for("a", "(hvpci) break retarget-")
    check("Tab completes an event name", "(hvpci) break retarget-" in s, s)
    keys("a", "C-u")
    keys("a", "garbage")
    wait_for("a", "garbage")
    keys("a", "C-c")
    time.sleep(0.3)
    keys("a", "show status", "Enter")
    s = wait_for("a", "step(s) run")
    check("Ctrl-C at the prompt drops the line and the session goes on",
          "garbage^C" in s and "unknown command" not in s and "2 step(s) run" in s, s)
    keys("a", "Up")
    time.sleep(0.3)
    s = screen("a")
    check("Up recalls the last command", last_prompt_line(s) == "(hvpci) show status", s)
    keys("a", "C-u", "quit", "Enter")
    s = wait_for("a", "as expected")
    check("quit prints the verdict", "OK   shell" in s, s)
    hist = os.path.join(state, "hvpci-sim", "history")
    check("the history is kept in the state directory",
          os.path.exists(hist) and "quit" in open(hist).read(),
          os.listdir(state) if os.path.exists(state) else "no state dir")

    start("b")
    keys("b", "Up")
    time.sleep(0.3)
    s = screen("b")
    check("a new session recalls the last one's history", last_prompt_line(s) == "(hvpci) quit",
          s)
    keys("b", "C-u", "quit", "Enter")
    wait_for("b", "as expected")

    # A long continue: a scenario of many hibernate/resume cycles.
    big = os.path.join(tmp, "many-cycles.json")
    steps = [{"op": "boot"}] + [{"op": op} for _ in range(20000) for op in ("hibernate",
                                                                             "resume")]
    json.dump({"devices": [{"name": "gpu0", "driver": "keep-vectors"}], "steps": steps,
               "expect": {"verdict": "pass"}}, open(big, "w"))
    start("c", big)
    keys("c", "continue", "Enter")
    wait_for("c", "resume done", timeout=60)
    keys("c", "C-c")
    s = wait_for("c", "interrupted at", timeout=60)
    check("Ctrl-C stops a running continue at an event boundary", "interrupted at t=" in s, s)
    keys("c", "show status", "Enter")
    s = wait_for("c", "the scenario's next step", timeout=60)
    check("... and the prompt is back, the scenario not finished",
          "the scenario's next step" in s and "40001" in s, s)
    keys("c", "quit", "Enter")
    s = wait_for("c", "as expected", timeout=120)
    check("quit after an interrupted continue ends cleanly", "OK   many-cycles" in s, s)
finally:
    tmux("kill-server", check=False)

print("1..%d" % len(results))
failed = 0
for i, (name, ok, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        failed += 1
        for line in str(detail)[-3000:].splitlines():
            print("# " + line)
sys.exit(1 if failed else 0)
