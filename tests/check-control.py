#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hvpci-sim serve --control: the control socket driven by the client in
tools/hvpci_control.py. Every command answers with output (and data for
show, check, break list, fault list, record); malformed, incomplete and
oversized lines are answered with an error and the connection kept; two
clients are served in order and a subscriber gets "stopped" and
"violation" events; a client that disconnects in the middle of a reply
leaves the server serving; the socket is 0600, its path length checked, a
stale socket replaced and a live one or a plain file left alone; "quit"
ends the session with the verdict's exit status. TAP output; every wait is
bounded."""
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile

root, binary = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tools"))
import hvpci_control  # noqa: E402

tmp = tempfile.mkdtemp(prefix="hvpci-ctl-")
results = []
servers = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def serve(sock, *args):
    p = subprocess.Popen([binary, "serve", "--color", "never", "--control", sock, *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    servers.append(p)
    p.stdout.readline()  # "serving on PATH" once it listens (or "" if it failed)
    return p


def finish(p, timeout=30):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return None, out, err
    return p.returncode, out, err


sock = os.path.join(tmp, "ctl.sock")
srv = serve(sock)
check("the socket is created 0600", os.path.exists(sock)
      and stat.S_IMODE(os.stat(sock).st_mode) == 0o600,
      oct(os.stat(sock).st_mode) if os.path.exists(sock) else "no socket")

a = hvpci_control.Client(sock)
b = hvpci_control.Client(sock)

# ---- every command ----------------------------------------------------------
r = a.run("help")
check("help answers with the command list", r["ok"] and "continue" in r["output"], r)
r = a.run("show bus")
check("show has structured data", r["data"]["subject"] == "bus"
      and [row["device"] for row in r["data"]["rows"]] == ["gpu0", "nvme0"], r)
r = a.run("seed 3")
check("seed before the first step", r["ok"] and "seed 3" in r["output"], r)
r = a.run("trace on %s" % os.path.join(tmp, "ctl.jsonl"))
check("trace on", r["ok"], r)
r = a.run("boot")
check("a step op runs and says so", "boot done" in r["output"], r)
r = b.run("show remap")
rows = r["data"]["rows"]
check("the second client sees the same world (show remap data)",
      rows and all(set(x) >= {"device", "address", "data", "vcpu", "vector"} for x in rows), r)
r = b.subscribe()
check("subscribe is answered", r["ok"], r)
r = a.run("break retarget-failed")
check("break answers with its number", r["data"] == {"breakpoint": 1}, r)
r = a.run("hibernate")
check("a step stops at a breakpoint", "stopped at retarget-failed" in r["output"], r)
r = b.run("show remap")
check("mid-step, after the bridges' suspend, the host holds no entries (show remap)",
      r["ok"] and r["data"]["rows"] == [], r)
check("the subscriber got the stopped event",
      any(e["event"] == "stopped" and e["reason"] == "breakpoint"
          and e["at"] == "retarget-failed" and e["op"] == "hibernate" for e in b.events),
      b.events)
r = a.run("step")
check("step runs one event and prints its trace lines",
      r["ok"] and '"t":' in r["output"], r)
r = a.run("fault add late point=vsp.create-interrupt mode=once phase=resume")
check("fault add (mid-step)", r["data"]["name"] == "late", r)
r = a.run("fault list")
check("fault list has the rule", [x["name"] for x in r["data"]["rows"]] == ["late"], r)
r = a.run("break list")
check("break list", [x["event"] for x in r["data"]["breakpoints"]] == ["retarget-failed"], r)
a.run("break delete 1")
r = a.run("next")
check("next finishes the step", "hibernate done" in r["output"], r)
r = a.run("check", check=False)
check("check refuses while the VM is off", not r["ok"] and "the VM is off" in r["error"], r)
a.run("resume")
r = a.run("check")
check("check answers with the verdict so far",
      r["data"]["verdict"] == "fail" and any(v["name"] == "guest.error"
                                             for v in r["data"]["violations"]), r)
b.run("show status")
check("the subscriber got violation events",
      any(e["event"] == "violation" for e in b.events), [e["event"] for e in b.events])
for subject in ["status", "channels", "irqs", "vectors", "msix", "tasks", "faults", "fires",
                "violations", "breakpoints"]:
    r = b.run("show " + subject)
    if not (r["ok"] and "data" in r):
        break
check("every show subject answers with data", r["ok"] and "data" in r, r)
r = a.run("fire gpu0 vectors=0,1")
r = a.run("until retarget-ok", check=False)
check("until with nothing left to run says so",
      not r["ok"] and "nothing to run" in r["error"], r)
r = a.run("fault remove 0")
check("fault remove", "removed" in r["output"], r)
r = a.run("trace off")
check("trace off", r["ok"], r)
rec = os.path.join(tmp, "ctl-rec.json")
r = a.run("record " + rec)
check("record answers with the file and its steps",
      r["data"]["file"] == rec and r["data"]["steps"] >= 4 and os.path.exists(rec), r)
r = a.run("continue", check=False)
check("continue with nothing to run is an error, not an end",
      not r["ok"] and "nothing to run" in r["error"], r)

# ---- malformed and oversized lines ------------------------------------------
bad_lines = [b"not json", b"[1, 2]", b'{"id": 5}', b'{"id": 6, "cmd": 5}',
             b'{"id": 7, "cmd": "show", "bogus": 1}', b'{"id": 8, "cmd": "bogus"}',
             b'{"id": 9, "subscribe": "yes"}', b'{"id": 10', b"\xff\xfe",
             b'{"id": 11, "cmd": "show"} trailing']
answers = []
for line in bad_lines:
    a.send_line(line)
    answers.append(a.read_reply())
check("each malformed line gets an error reply",
      all(not x["ok"] and x.get("error") for x in answers),
      json.dumps(answers))
check("an error reply keeps the request's id when there is one",
      [x["id"] for x in answers[2:8]] == [5, 6, 7, 8, 9, None], json.dumps(answers))
a.send_line(b'{"id": 12, "cmd": "' + b"x" * 70000 + b'"}')
big = a.read_reply()
r = a.run("show status")
check("an oversized line is answered with an error and the connection kept",
      not big["ok"] and "longer than" in big["error"] and r["ok"], big)
a.sock.sendall(b'{"id": 13, "cmd": "sh')
a.sock.sendall(b'ow status"}\n')
r = a.read_reply(13)
check("a request split across writes is read whole", r["ok"], r)
a.sock.sendall(b'{"id": 14, "cmd": "show status"}\r\n')
r = a.read_reply(14)
check("a line ended by CRLF is read as the same request", r["ok"], r)

# ---- a client that disconnects in the middle of a reply ----------------------
for _ in range(3):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sock)
    c.sendall(b''.join(b'{"id": %d, "cmd": "show irqs"}\n' % i for i in range(200)))
    c.recv(10)
    c.close()
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(sock)
c.sendall(b'{"id": 1, "cmd": "show vectors"}\n')
c.shutdown(socket.SHUT_RDWR)
c.close()
r = b.run("show status")
check("clients that disconnect mid-reply leave the server serving", r["ok"], r)

# ---- the socket file ------------------------------------------------------------
p2 = subprocess.run([binary, "serve", "--control", sock], capture_output=True, text=True,
                    timeout=30)
check("a socket somebody listens on is not replaced",
      p2.returncode == 2 and "another process listens there" in p2.stderr, p2.stderr)
plain = os.path.join(tmp, "plain-file")
open(plain, "w").write("keep me")
p3 = subprocess.run([binary, "serve", "--control", plain], capture_output=True, text=True,
                    timeout=30)
check("a file that is not a socket is left alone",
      p3.returncode == 2 and "not a socket" in p3.stderr
      and open(plain).read() == "keep me", p3.stderr)
longp = os.path.join(tmp, "x" * 120)
p4 = subprocess.run([binary, "serve", "--control", longp], capture_output=True, text=True,
                    timeout=30)
check("a socket path too long is refused", p4.returncode == 2 and "bytes" in p4.stderr,
      p4.stderr)

# ---- quit -----------------------------------------------------------------------
r = a.run("quit")
check("quit is answered", r["ok"], r)
code, out, err = finish(srv)
check("quit ends the session with the verdict's exit status and removes the socket",
      code == 1 and "FAIL shell" in out and not os.path.exists(sock), (code, out, err))
a.close()
b.close()
rcode = subprocess.run([binary, "run", rec], capture_output=True, timeout=60).returncode
check("the session recorded over the socket replays as expected", rcode == 0, rcode)

# A server killed without cleaning up leaves a stale socket file: replaced.
srv = serve(sock)
srv.kill()
srv.wait()
stale = os.path.exists(sock)
srv = serve(sock)
with hvpci_control.Client(sock) as c:
    r = c.run("show status")
    c.run("quit")
code, out, err = finish(srv)
check("a stale socket file is replaced", stale and r["ok"] and code == 0, (stale, code, err))

for p in servers:
    if p.poll() is None:
        p.kill()
        p.wait()

print("1..%d" % len(results))
failed = 0
for i, (name, ok, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        failed += 1
        for line in str(detail)[:2000].splitlines():
            print("# " + line)
sys.exit(1 if failed else 0)
