#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of the real-VM test guest (busybox, no udev, no systemd). A cold
# boot makes vda its swap and starts the QEMU guest agent; a boot that finds
# a hibernation image on vda hands over to it, and the image kernel carries
# on where it stopped (its agent included).
PATH=/bin:/sbin
export PATH
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run /tmp /dev/virtio-ports
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
	virtio_console; do
	insmod /lib/modules/$m.ko || echo "init: cannot load $m"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done

# A swap header ends with its signature at byte 4086 of the first page;
# hibernation replaces SWAPSPACE2 with S1SUSPEND.
if [ "$(dd if=/dev/vda bs=1 skip=4086 count=9 2>/dev/null)" = S1SUSPEND ]; then
	echo "init: hibernation image found on vda, resuming"
	cat /sys/block/vda/dev >/sys/power/resume
	echo "init: resume failed, booting afresh"
fi
mkswap /dev/vda >/dev/null && swapon /dev/vda || echo "init: no swap, hibernation will fail"

# No udev: the agent's port gets its by-name link by hand.
for p in /sys/class/virtio-ports/*; do
	[ -r "$p/name" ] && ln -sf "../${p##*/}" "/dev/virtio-ports/$(cat "$p/name")"
done
qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 -t /run \
	-f /run/qemu-ga.pid &
echo "init: guest agent started"
while :; do sleep 3600; done
