#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small client of hvpci-sim's control socket (doc/control-socket.md).

As a program:
    tools/hvpci_control.py SOCKET 'boot' 'fire gpu0' 'show remap'
runs each command in turn and prints its output (or its error, then exits
1); with --json it prints each reply as it came; with --events it
subscribes first and also prints the events ("stopped", "violation") that
arrive.

As a module:
    with Client(path) as c:
        reply = c.run("show irqs")      # the reply object; reply["data"]
        c.subscribe()
        events = c.events               # events received so far
"""
import argparse
import json
import socket
import sys


class Error(Exception):
    """A command the console refused; .reply is the whole reply."""

    def __init__(self, reply):
        super().__init__(reply.get("error", "error"))
        self.reply = reply


class Client:
    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 1
        self.events = []

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_line(self, data):
        """Sends raw bytes as one line (tests send malformed ones)."""
        self.sock.sendall(data + b"\n")

    def read_message(self):
        """The next JSON line the server sends, or None at end of stream."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def read_reply(self, want_id=None):
        """The next reply (an object with "ok"); events on the way are kept."""
        while True:
            msg = self.read_message()
            if msg is None:
                raise EOFError("the server closed the connection")
            if "event" in msg:
                self.events.append(msg)
                continue
            if want_id is None or msg.get("id") == want_id:
                return msg

    def request(self, **fields):
        rid = self.next_id
        self.next_id += 1
        fields["id"] = rid
        self.send_line(json.dumps(fields).encode())
        return self.read_reply(rid)

    def run(self, cmd, check=True):
        reply = self.request(cmd=cmd)
        if check and not reply["ok"]:
            raise Error(reply)
        return reply

    def subscribe(self, on=True):
        return self.request(subscribe=on)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("socket")
    ap.add_argument("commands", nargs="*", help="console command lines, run in order")
    ap.add_argument("--json", action="store_true", help="print each reply as JSON")
    ap.add_argument("--events", action="store_true", help="subscribe and print events too")
    args = ap.parse_args()
    with Client(args.socket) as c:
        if args.events:
            c.subscribe()
        for cmd in args.commands:
            reply = c.run(cmd, check=False)
            for ev in c.events:
                print(json.dumps(ev) if args.json else "event: %s" % json.dumps(ev))
            c.events.clear()
            if args.json:
                print(json.dumps(reply))
            else:
                sys.stdout.write(reply.get("output", ""))
            if not reply["ok"]:
                if not args.json:
                    print("error: %s" % reply.get("error"), file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
