#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Host side of the real-VM test, as root on Debian 12 without systemd:
# installs what is missing, creates what libvirt-daemon-system would have
# created, and starts virtlogd and libvirtd by hand unless a libvirtd
# already answers on qemu:///system.
#
#   setup-host.sh STATE      start
#   setup-host.sh STATE stop stop only the daemons "start" started
#
# STATE is a directory for the pid files of the daemons started here and
# their logs.
set -eu
state=$1
what=${2:-start}
mkdir -p "$state"

if [ "$what" = stop ]; then
	for d in libvirtd virtlogd; do
		[ -f "$state/$d.started" ] || continue
		pid=$(cat "$state/$d.started")
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
		rm -f "$state/$d.started"
	done
	exit 0
fi

# The packages (--no-install-recommends keeps out systemd, iptables, dnsmasq).
pkgs="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
qemu-guest-agent busybox-static"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup-host: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi

# What libvirt-daemon-system's postinst and packaging would provide.
mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent group kvm >/dev/null || groupadd --system kvm
id libvirt-qemu >/dev/null 2>&1 ||
	useradd --system -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu

if virsh -q -c qemu:///system version >/dev/null 2>&1; then
	echo "setup-host: libvirtd already runs; using it"
	exit 0
fi
if ! pidof virtlogd >/dev/null; then
	virtlogd -d
	i=0
	until pidof virtlogd >/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	pidof -s virtlogd >"$state/virtlogd.started"
fi
libvirtd >"$state/libvirtd.log" 2>&1 &
echo $! >"$state/libvirtd.started"
i=0
until virsh -q -c qemu:///system version >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 150 ] || ! kill -0 "$(cat "$state/libvirtd.started")" 2>/dev/null; then
		echo "setup-host: libvirtd does not answer; its log:" >&2
		tail -n 20 "$state/libvirtd.log" >&2
		exit 1
	fi
	sleep 0.2
done
echo "setup-host: libvirtd started (pid $(cat "$state/libvirtd.started"))"
