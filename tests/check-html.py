#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The HTML report as a browser shows it: headless Chromium opens the report
of a small matrix with a cell that fails as expected, one that fails and one
that passes unexpectedly, runs its script, and the rendered DOM is checked
(grid cells and their classes, the violations of the failing cell, the
message sequence chart's arrows and violation row); a screenshot is taken
and must be a real picture. Nothing in the page may reach the network.
Skipped (TAP SKIP) where Chromium is not installed (Debian: chromium)."""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

root, binary = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
browser = next((b for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)
if not browser:
    print("1..0 # SKIP chromium is not installed (apt-get install chromium)")
    sys.exit(0)

results = []


def check(what, ok, detail=""):
    results.append((what, bool(ok), detail))


tmp = tempfile.mkdtemp(prefix="hvpci-html-")
scn = lambda rel: json.dumps(os.path.join(root, "scenarios", rel))
matrix = os.path.join(tmp, "m.json")
with open(matrix, "w") as f:
    f.write("""{
  "name": "chart-check",
  "description": "A cell for every colour <b>escaped</b> & all.",
  "scenarios": [%s, %s],
  "set": {"reach": []},
  "axes": [
    {"path": "guest.profile", "values": ["linux-5.10", "linux-5.9"]},
    {"name": "proto", "path": "vm.protocol", "values": ["1.2", "1.4"]}
  ],
  "exclude": [{"scenario": "recreate-driver", "proto": "1.2"}],
  "expect": [
    {"when": {"scenario": "persistent-driver", "profile": "linux-5.9", "proto": "1.2"},
     "verdict": "fail", "violations": ["remap.no-entry"], "because": "no re-compose"},
    {"when": {"scenario": "recreate-driver", "profile": "linux-5.10"}, "verdict": "fail",
     "because": "pretend it was broken"}
  ]
}
""" % (scn("hibernate/persistent-driver.json"), scn("hibernate/recreate-driver.json")))
page = os.path.join(tmp, "report.html")
r = subprocess.run([binary, "matrix", "--jobs", "2", "--html", page, matrix], cwd=root,
                   capture_output=True, text=True)
check("the matrix runs (exit 1: one cell fails, one passes unexpectedly)", r.returncode == 1,
      r.stdout + r.stderr)
text = open(page, encoding="utf-8").read()
urls = [u for u in re.findall(r"""(?:src|href|action)\s*=\s*["']?([^"' >]+)|url\(([^)]*)\)""",
                              text) for u in u if u]
external = [u for u in urls if re.match(r"^[a-z]+:", u) or u.startswith("//")]
check("the page loads nothing from outside (no external URL)", not external, external[:5])
check("the page is self-contained (inline style and script)",
      "<style>" in text and "<script>" in text and "<link" not in text and "src=" not in text)

# The cell that fails and is not expected to: its detail is opened by the
# script when the URL names it.
fail_id = re.search(r'<td class="cell fail"[^>]*data-detail="([^"]+)"', text)
check("the grid has a failing cell linking to its details", fail_id)
fail_id = fail_id.group(1) if fail_id else "none"

common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
          "--user-data-dir=" + os.path.join(tmp, "profile"), "--window-size=1300,1800",
          "--virtual-time-budget=3000"]
url = "file://" + page + "#" + fail_id
try:
    dom = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True,
                         timeout=90).stdout
except subprocess.TimeoutExpired:
    dom = ""
check("chromium renders the page", "<table" in dom, dom[:200])


class Dom(html.parser.HTMLParser):
    """Elements with their attributes, and the text inside each <details>."""

    void = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.elements = []
        self.stack = []
        self.details_text = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag not in self.void:
            self.stack.append((tag, a.get("id")))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        for t, i in self.stack:
            if t == "details" and i:
                self.details_text[i] = self.details_text.get(i, "") + data

    def find(self, tag, cls=None, **attrs):
        out = []
        for t, a in self.elements:
            if t != tag:
                continue
            if cls and cls not in (a.get("class") or "").split():
                continue
            if all(a.get(k) == v for k, v in attrs.items()):
                out.append(a)
        return out


d = Dom()
d.feed(dom)
cells = d.find("td", "cell")
classes = {c for a in cells for c in a["class"].split()} - {"cell"}
check("the grid shows every cell (6) and the excluded ones (2)",
      len(cells) == 8 and len(d.find("td", "excluded")) == 2, len(cells))
check("grid cells are coloured by verdict: pass, xfail, fail, xpass",
      {"pass", "xfail", "fail", "xpass"} <= classes, classes)
opened = d.find("details", id=fail_id)
check("the script opened the failing cell's details",
      opened and "open" in opened[0], opened)
check("... and marked its grid cell", d.find("td", "selected", **{"data-detail": fail_id}))
body = d.details_text.get(fail_id, "")
check("the failing cell shows its violations in words",
      "remap.no-entry" in body and "no interrupt remapping entry exists" in body, body[:300])
check("... and the command that runs it alone", "hvpci-sim run --set" in body)
xpass = d.find("details", "xpass")
check("the unexpected pass has details that say why it was expected to fail",
      xpass and "pretend it was broken" in d.details_text.get(xpass[0].get("id"), ""))
svgs = d.find("svg", "msc")
arrows = d.find("line", "arrow")
check("a message sequence chart is drawn for each cell with violations (2)", len(svgs) == 2,
      len(svgs))
check("the chart has lanes, packet/hypercall/MMIO arrows and the first violation marked",
      len(d.find("g", "lane")) >= 6 and len(arrows) >= 10 and d.find("rect", "first"),
      (len(d.find("g", "lane")), len(arrows)))
lanes = re.findall(r'class="lane-name"[^>]*>([^<]+)<', dom)
check("the chart's lanes are guest, host, hypervisor, device, IOMMU, vCPU",
      lanes[:6] == ["guest kernel", "host: vPCI (VMBus)", "hypervisor", "device (MSI-X)",
                    "IOMMU remap", "vCPU / APIC"], lanes)
check("the matrix description is escaped, not markup", "<b>escaped</b>" not in dom and
      "&lt;b&gt;escaped" in dom)

shot = os.path.join(tmp, "shot.png")
try:
    subprocess.run(common + ["--screenshot=" + shot, "file://" + page], capture_output=True,
                   timeout=90)
except subprocess.TimeoutExpired:
    pass
ok = os.path.exists(shot)
if ok:
    png = open(shot, "rb").read()
    ok = png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24]) if ok else (0, 0)
    check("the screenshot is a 1300-pixel-wide PNG of some substance",
          ok and w == 1300 and h > 500 and len(png) > 20000, (w, h, len(png)))
else:
    check("chromium takes a screenshot", False)

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
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
