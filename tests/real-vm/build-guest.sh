#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the real-VM test guest from Debian packages: the kernel of the
# package linux-image-amd64 depends on (downloaded, only its vmlinuz and the
# virtio modules extracted; never installed), and an initramfs of
# busybox-static, those modules and qemu-guest-agent with its libraries.
#
#   build-guest.sh CACHE WORK
#
# CACHE keeps the extracted kernel between runs; WORK receives vmlinuz,
# initramfs.cpio.gz and the two disk images swap.raw and data.raw.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=$1
work=$2
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk
virtio_console"

# The kernel ABI name changes with point releases: ask the meta-package.
pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$pkg" ] || { echo "build-guest: cannot tell which kernel linux-image-amd64 depends on" >&2; exit 1; }
abi=${pkg#linux-image-}
kdir=$cache/$abi
if [ ! -f "$kdir/vmlinuz" ]; then
	echo "build-guest: fetching $pkg"
	rm -rf "$kdir.tmp"
	mkdir -p "$kdir.tmp"
	(cd "$kdir.tmp" && apt-get download -o APT::Sandbox::User=root -qq "$pkg")
	mkdir -p "$kdir.tmp/x"
	dpkg-deb --fsys-tarfile "$kdir.tmp"/*.deb | tar -x -C "$kdir.tmp/x" \
		"./boot/vmlinuz-$abi" "./lib/modules/$abi/kernel/drivers/virtio" \
		"./lib/modules/$abi/kernel/drivers/block/virtio_blk.ko" \
		"./lib/modules/$abi/kernel/drivers/char/virtio_console.ko"
	mkdir -p "$kdir.tmp/k"
	cp "$kdir.tmp/x/boot/vmlinuz-$abi" "$kdir.tmp/k/vmlinuz"
	for m in $modules; do
		f=$(find "$kdir.tmp/x/lib/modules" -name "$m.ko*" | head -n1)
		[ -n "$f" ] || { echo "build-guest: $pkg has no $m module" >&2; exit 1; }
		case $f in
		*.xz) xz -dc "$f" >"$kdir.tmp/k/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$kdir.tmp/k/$m.ko" ;;
		*) cp "$f" "$kdir.tmp/k/$m.ko" ;;
		esac
	done
	rm -rf "$kdir"
	mv "$kdir.tmp/k" "$kdir"
	rm -rf "$kdir.tmp"
fi

mkdir -p "$work"
# libvirt relabels what the domain uses: give it copies, not the cache.
cp "$kdir/vmlinuz" "$work/vmlinuz"

root=$work/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/lib/modules" "$root/proc" "$root/sys" "$root/dev" \
	"$root/run" "$root/tmp" "$root/lib64" "$root/lib/x86_64-linux-gnu"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh" # the init installs the other applets
for m in $modules; do cp "$kdir/$m.ko" "$root/lib/modules/"; done
cp /usr/sbin/qemu-ga "$root/sbin/qemu-ga"
# qemu-ga's shared libraries, where its ELF interpreter looks for them.
ldd /usr/sbin/qemu-ga | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' |
	while read -r lib; do
		case $lib in
		/lib64/*) cp -L "$lib" "$root/lib64/" ;;
		*) cp -L "$lib" "$root/lib/x86_64-linux-gnu/" ;;
		esac
	done
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) >"$work/initramfs.cpio"
gzip -1 -f "$work/initramfs.cpio"
rm -rf "$root"

# Sparse disks: vda is the guest's swap (the hibernation image goes there),
# vdb a data disk that the backend reads to make it interrupt.
rm -f "$work/swap.raw" "$work/data.raw"
truncate -s 512M "$work/swap.raw"
truncate -s 64M "$work/data.raw"
echo "build-guest: $abi, initramfs $(du -k "$work/initramfs.cpio.gz" | cut -f1) KiB"
