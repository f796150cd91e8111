/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device-driver models as PCI drivers: probe enables the device, turns
 * on bus mastering and requests every MSI-X vector; the hibernation
 * callbacks either give the vectors back and ask again or keep them.
 */
#pragma once

#include "gk.h"

extern const struct pci_driver recreate_vectors_driver;
extern const struct pci_driver keep_vectors_driver;
extern const struct pci_driver managed_vectors_driver;
