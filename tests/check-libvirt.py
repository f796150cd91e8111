#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hvpci-sim import and the libvirt backend's refusals, through libvirt's
test driver (no daemon, no hypervisor): domain XML files libvirt accepts
become scenario skeletons that load and pass in the simulator; one libvirt
rejects is refused with libvirt's own words; the backend refuses what it
cannot do before anything runs. TAP output."""
import json
import os
import subprocess
import sys
import tempfile

root, binary = sys.argv[1], sys.argv[2]
imp = os.path.join(root, "tests", "import")
host = "test://" + os.path.join(imp, "host.xml")
backend_host = "test://" + os.path.join(imp, "backend-host.xml")
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

# 5. The libvirt backend says what it cannot do before anything runs.
lv = ["run", "--color", "never", "--backend", "libvirt", "--connect", backend_host]
real = os.path.join(root, "tests", "real-vm", "hibernate.json")
refused("backend: fault rules", run(*lv, "--domain", "vm-off",
        os.path.join(root, "scenarios", "faults", "lost-d0-entry.json")), 2,
        "unsupported by the libvirt backend", "fault rule")
refused("backend: host assumptions", run(*lv, "--domain", "vm-off", "--set",
        "host.irte-lifetime=power-off", real), 2, "unsupported by the libvirt backend",
        '"host": host assumptions')
refused("backend: an MSI-only function", run(*lv, "--domain", "vm-off", "--set",
        'devices.0.interrupts="msi"', "--set", "devices.0.vectors=4", real), 2,
        "unsupported by the libvirt backend",
        '"interrupts": "msi"')
refused("backend: reach events only the simulator sees", run(*lv, "--domain", "vm-off",
        os.path.join(root, "scenarios", "hibernate", "persistent-driver.json")), 2,
        'reach "retarget-failed"')
refused("backend: cpu-offline", run(*lv, "--domain", "vm-off", "--set", "reach=[]",
        os.path.join(root, "scenarios", "hibernate", "retarget-failure.json")), 2,
        '"cpu-offline" is unsupported by the libvirt backend')
refused("backend: a domain that is running", run(*lv, "--domain", "vm-running", real), 1,
        'domain "vm-running" is not shut off')
refused("backend: a domain that does not exist", run(*lv, "--domain", "vm-absent", real), 1,
        'no domain "vm-absent"')
refused("backend: vCPUs that differ", run(*lv, "--domain", "vm-off", "--set", "vm.vcpus=4",
        real), 1, "the scenario has 4 vCPU(s)", "--set vm.vcpus=2")
refused("backend: a device the domain lacks", run(*lv, "--domain", "vm-off", "--set",
        "devices.0.name=vdz", "--set", "steps.1.device=vdz", "--set", "steps.5.device=vdz",
        real), 1, 'no device "vdz"', "vda, vdb, hostdev0")
refused("backend: firing virtio's config vector", run(*lv, "--domain", "vm-off", "--set",
        "steps.1.vectors=[0]", real), 1, "configuration-change vector")
refused("backend: firing a host device", run(*lv, "--domain", "vm-off", "--set",
        "devices.0.name=hostdev0", "--set", "steps.1.device=hostdev0", "--set",
        "steps.5.device=hostdev0", real), 1, "virtio disks only")
refused("backend: hibernation disabled", run(*lv, "--domain", "vm-no-s4", "--set",
        'devices=[{"name":"vdb","driver":"recreate-vectors","vectors":3}]', "--set",
        'steps=[{"op":"boot"},{"op":"hibernate"},{"op":"resume"}]', "--set", "reach=[]",
        real), 1, "suspend-to-disk enabled='no'")
refused("backend: a driver with no guest agent stops the run at boot",
        run(*lv, "--domain", "vm-off", real), 1, "task boot waits for the guest agent")
refused("backend: --domain is required", run("run", "--backend", "libvirt", real), 2,
        "needs --domain")

print("1..%d" % len(results))
for i, (what, ok, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
    if not ok:
        for line in str(detail).splitlines():
            print("#   " + line)
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
