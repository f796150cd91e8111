/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device-driver models: what a PCI function driver does with its interrupt
 * vectors at probe and across the hibernation callbacks.
 */
#pragma once

enum driver_model {
	/* Frees its vectors in freeze/poweroff and requests them again in
	 * thaw/restore (NVMe, mlx4/mlx5: most drivers). */
	DRIVER_RECREATE_VECTORS,
	/* Keeps its vectors requested across hibernation (nouveau, NVIDIA). */
	DRIVER_KEEP_VECTORS,
	/* Vector 0 (an admin queue) goes anywhere; the others are managed,
	 * spread over the CPUs (NVMe's I/O queues), and all are kept across
	 * hibernation, so they shut down and start with their CPUs. */
	DRIVER_MANAGED_VECTORS,
	DRIVER__COUNT
};

const char *driver_model_name(enum driver_model d);
const char *driver_model_description(enum driver_model d);
int driver_model_lookup(const char *name);
