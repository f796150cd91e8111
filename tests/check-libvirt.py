#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hvpci-sim import, through libvirt's test driver (no daemon, no
hypervisor): domain XML files libvirt accepts become scenario skeletons that
load and pass in the simulator; one libvirt rejects is refused with
libvirt's own words. TAP output."""
import json
import os
import subprocess
import sys
import tempfile

root, binary = sys.argv[1], sys.argv[2]
imp = os.path.join(root, "tests", "import")
host = "test://" + os.path.join(imp, "host.xml")
results = []


def run(*args):
    return subprocess.run([binary, *args], capture_output=True, text=True, cwd=root)


def check(what, cond, detail=""):
    results.append((what, bool(cond), detail))


def imported(label, *args):
    """Imports, then runs the skeleton in the simulator; the parsed JSON."""
    r = run("import", *args)
    check("%s: import exits 0" % label, r.returncode == 0, r.stderr.strip())
    if r.returncode != 0:
        return None
    s = json.loads(r.stdout)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(r.stdout)
    try:
        sim = run("run", "--color", "never", f.name)
    finally:
        os.unlink(f.name)
    check("%s: the skeleton runs in the simulator and passes" % label, sim.returncode == 0,
          sim.stdout.strip())
    return s


def refused(label, r, code, *needles):
    text = r.stdout + r.stderr
    check("%s: exit %d" % (label, code), r.returncode == code,
          "exit %d: %s" % (r.returncode, text.strip()))
    for n in needles:
        check("%s: says %r" % (label, n), n in text, text.strip())


# 1. A Hyper-V-enlightened domain with two passed-through functions.
s = imported("gpu-hyperv.xml", os.path.join(imp, "gpu-hyperv.xml"))
if s:
    d = s["description"]
    check("gpu-hyperv.xml: vCPUs online at boot", s["vm"] == {"vcpus": 4}, s["vm"])
    check("gpu-hyperv.xml: each <hostdev> is a device, named as libvirt names it",
          [x["name"] for x in s["devices"]] == ["hostdev0", "nvme0"], s["devices"])
    check("gpu-hyperv.xml: unknown host functions keep the default IDs",
          all("vendor" not in x for x in s["devices"]), s["devices"])
    check("gpu-hyperv.xml: Hyper-V enlightenments in the description",
          "Hyper-V enlightenments (mode custom): relaxed, vapic, spinlocks (retries 8191), "
          "vpindex, synic, stimer." in d, d)
    check("gpu-hyperv.xml: <pm> in the description",
          "suspend-to-disk enabled, suspend-to-mem disabled" in d, d)
    check("gpu-hyperv.xml: boot, fire, hibernate, resume, fire",
          [x["op"] for x in s["steps"]] ==
          ["boot", "fire", "fire", "hibernate", "resume", "fire", "fire"], s["steps"])

# 2. The least that can be imported.
s = imported("minimal.xml", os.path.join(imp, "minimal.xml"))
if s:
    check("minimal.xml: one vCPU, one device",
          s["vm"] == {"vcpus": 1} and len(s["devices"]) == 1, s)
    check("minimal.xml: no enlightenments, no <pm>",
          "No Hyper-V enlightenments" in s["description"] and
          "suspend-to-disk not set" in s["description"], s["description"])

# 3. Through a connection whose host knows the functions (node devices).
s = imported("host.xml --connect", "--connect", host, "--domain", "gpu-hyperv")
if s:
    gpu, nvme = s["devices"]
    check("host.xml: the GPU's IDs and a driver that keeps its vectors",
          (gpu["vendor"], gpu["device"], gpu["driver"]) == ("0x10de", "0x1db6", "keep-vectors"),
          gpu)
    check("host.xml: the NVMe controller's IDs and a driver that re-requests them",
          (nvme["vendor"], nvme["device"], nvme["driver"]) ==
          ("0x144d", "0xa808", "recreate-vectors"), nvme)

# 4. XML that libvirt rejects, and what cannot be imported.
refused("rejected-hyperv.xml", run("import", os.path.join(imp, "rejected-hyperv.xml")), 2,
        "libvirt rejects this domain",
        "unsupported HyperV Enlightenment feature: bogus")
refused("no-hostdev.xml", run("import", os.path.join(imp, "no-hostdev.xml")), 2,
        "has no PCI <hostdev>")
refused("a missing file", run("import", os.path.join(imp, "absent.xml")), 2,
        "cannot read it")
refused("a domain the connection lacks", run("import", "--connect", host, "--domain", "nope"),
        2, 'no domain "nope"')
refused("both a file and --domain",
        run("import", "--domain", "x", os.path.join(imp, "minimal.xml")), 2, "give either")

print("1..%d" % len(results))
for i, (what, ok, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
    if not ok:
        for line in str(detail).splitlines():
            print("#   " + line)
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
