/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "drivers.h"

#include <string.h>

static const struct {
	const char *name;
	const char *description;
} models[DRIVER__COUNT] = {
    [DRIVER_RECREATE_VECTORS] = {"recreate-vectors",
                                 "frees its vectors in freeze/poweroff and requests them again "
                                 "in thaw/restore (NVMe, mlx5)"},
    [DRIVER_KEEP_VECTORS] = {"keep-vectors",
                             "keeps its vectors requested across hibernation (nouveau, NVIDIA)"},
    [DRIVER_MANAGED_VECTORS] = {"managed-vectors",
                                "vector 0 anywhere, the others managed and spread over the CPUs "
                                "(NVMe-style), kept across hibernation: each shuts down with its "
                                "CPUs and starts when one comes back"},
};

const char *driver_model_name(enum driver_model d)
{
	return models[d].name;
}

const char *driver_model_description(enum driver_model d)
{
	return models[d].description;
}

int driver_model_lookup(const char *name)
{
	for (int i = 0; i < DRIVER__COUNT; i++)
		if (strcmp(models[i].name, name) == 0)
			return i;
	return -1;
}
