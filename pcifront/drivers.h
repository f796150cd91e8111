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
	DRIVER__COUNT
};

const char *driver_model_name(enum driver_model d);
const char *driver_model_description(enum driver_model d);
int driver_model_lookup(const char *name);
