#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real-VM test (meson suite "real-vm", TAP): sets the host up from
# Debian packages (setup-host.sh), builds the guest (build-guest.sh),
# defines a throw-away domain and runs hibernate.json on it through
# `hvpci-sim run --backend libvirt`: one hibernate/resume cycle of a real
# Linux guest under QEMU TCG, with the oracles checking that every fired
# vector delivers before and after; then missing-vector.json, a negative
# control that must fail the way it says.
#
#   run.sh HVPCI_SIM SOURCE_DIR OUT_DIR
#
# Skipped (exit 77) only where QEMU cannot run at all: not x86_64, not root
# (packages, qemu:///system), no apt, or QEMU itself failing to start.
# OUT_DIR receives the trace, the guest's console and libvirtd's log.
set -u
sim=$1
here=$2
out=$3
cache=/var/cache/hvpci-sim/real-vm
name=hvpci-real-vm-$$
uri=qemu:///system
n=0
start=$(date +%s)

ok() { n=$((n + 1)); echo "ok $n - $*"; }
skip() { echo "1..0 # SKIP $*"; exit 77; }
bail() {
	n=$((n + 1))
	echo "not ok $n - $*"
	echo "1..$n"
	exit 1
}
elapsed() { echo $(($(date +%s) - start)); }

[ "$(uname -m)" = x86_64 ] || skip "the guest is built from this machine's amd64 binaries; this is $(uname -m)"
[ "$(id -u)" -eq 0 ] || skip "needs root: it installs packages and starts libvirtd for qemu:///system"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
	skip "builds its guest from Debian packages, and this machine has no apt-get"
mkdir -p "$out" "$cache"

# One real VM at a time on this machine: two would share two cores.
exec 9>/run/lock/hvpci-sim-real-vm.lock
flock -w 1800 9 || bail "another real-VM test holds /run/lock/hvpci-sim-real-vm.lock"

"$here/setup-host.sh" "$out/host" >"$out/setup.log" 2>&1 || {
	sed 's/^/# /' "$out/setup.log"
	bail "host setup (packages, libvirt-qemu user, virtlogd, libvirtd)"
}
sed 's/^/# /' "$out/setup.log"

work=
cleanup() {
	if [ -n "$work" ]; then
		virsh -q -c $uri destroy "$name" >/dev/null 2>&1
		virsh -q -c $uri undefine "$name" >/dev/null 2>&1
		cp "$work/console.log" "$out/console.log" 2>/dev/null
		rm -rf "$work"
	fi
	"$here/setup-host.sh" "$out/host" stop
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Can QEMU run here at all? (TCG: no KVM needed.)
if ! printf '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n' |
	timeout 60 qemu-system-x86_64 -machine q35,accel=tcg -nodefaults -display none -S \
		-qmp stdio >"$out/qemu-check.log" 2>&1; then
	skip "QEMU cannot run on this machine: $(tail -n 1 "$out/qemu-check.log")"
fi
ok "host set up, QEMU runs ($(elapsed) s)"

# libvirt runs QEMU as libvirt-qemu: the guest's files need a directory
# that user can reach.
work=$(mktemp -d /var/tmp/hvpci-real-vm.XXXXXX) && chmod 755 "$work" ||
	bail "cannot make a work directory under /var/tmp"
"$here/build-guest.sh" "$cache" "$work" >"$out/build-guest.log" 2>&1 || {
	sed 's/^/# /' "$out/build-guest.log"
	bail "guest built from Debian packages"
}
sed 's/^/# /' "$out/build-guest.log"
sed -e "s|@WORK@|$work|g" -e "s|@NAME@|$name|g" "$here/domain.xml.in" >"$work/domain.xml"
virsh -q -c $uri define "$work/domain.xml" >"$out/define.log" 2>&1 || {
	sed 's/^/# /' "$out/define.log"
	bail "domain defined"
}
ok "guest built and domain $name defined ($(elapsed) s)"

t0=$(date +%s)
"$sim" run --backend libvirt --connect $uri --domain "$name" --color never \
	--trace "$out/real-vm.trace.jsonl" "$here/hibernate.json" >"$out/run.log" 2>&1
rc=$?
sed 's/^/# /' "$out/run.log"
# What the run did, from its trace: the libvirt backend's own lines.
grep '"comp":"libvirt"' "$out/real-vm.trace.jsonl" 2>/dev/null | grep -v '"ev":"vector"' |
	sed 's/^/# /'
[ $rc -eq 0 ] || {
	echo "# the guest's console (last lines):"
	tail -n 30 "$work/console.log" 2>/dev/null | sed 's/^/#   /'
	bail "one hibernate/resume cycle: every vector delivers before and after (exit $rc)"
}
ok "one hibernate/resume cycle: every vector delivers before and after ($(($(date +%s) - t0)) s)"

# The negative control: the same oracles must see a vector that does not
# deliver (here one the guest never had).
t0=$(date +%s)
"$sim" run --backend libvirt --connect $uri --domain "$name" --color never \
	--trace "$out/missing-vector.trace.jsonl" "$here/missing-vector.json" >"$out/run2.log" 2>&1
rc=$?
sed 's/^/# /' "$out/run2.log"
[ $rc -eq 0 ] || bail "negative control: a vector the guest lacks is reported lost (exit $rc)"
ok "negative control: a vector the guest lacks is reported lost ($(($(date +%s) - t0)) s)"
echo "# total $(elapsed) s"
echo "1..$n"
