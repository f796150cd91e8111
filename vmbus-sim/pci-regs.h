/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI and PCI Express configuration-space registers, capability IDs and the
 * MSI/MSI-X structures, as the PCI Local Bus and PCIe Base specifications
 * define them. Pure facts of the specification, shared by the host's device
 * model and the guest; no device's layout lives here.
 */
#pragma once

#define PCI_CFG_SPACE_SIZE 4096

#define PCI_VENDOR_ID                0x00
#define PCI_DEVICE_ID                0x02
#define PCI_COMMAND                  0x04
#define PCI_COMMAND_MEMORY           0x0002
#define PCI_COMMAND_MASTER           0x0004
#define PCI_COMMAND_INTX_DISABLE     0x0400
#define PCI_STATUS                   0x06
#define PCI_STATUS_INTERRUPT         0x0008
#define PCI_STATUS_CAP_LIST          0x0010
#define PCI_CLASS_REVISION           0x08
#define PCI_HEADER_TYPE              0x0e
#define PCI_BASE_ADDRESS_0           0x10
#define PCI_BASE_ADDRESS_1           0x14
#define PCI_BASE_ADDRESS_2           0x18
#define PCI_BASE_ADDRESS_3           0x1c
#define PCI_BASE_ADDRESS_4           0x20
#define PCI_BASE_ADDRESS_5           0x24
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_SUBSYSTEM_VENDOR_ID      0x2c
#define PCI_SUBSYSTEM_ID             0x2e
#define PCI_CAPABILITY_LIST          0x34
#define PCI_INTERRUPT_LINE           0x3c
#define PCI_INTERRUPT_PIN            0x3d

#define PCI_CAP_ID_PM   0x01
#define PCI_CAP_ID_MSI  0x05
#define PCI_CAP_ID_MSIX 0x11

#define PCI_PM_CTRL                    4
#define PCI_PM_CTRL_STATE_MASK         0x0003
#define PCI_MSI_FLAGS                  2
#define PCI_MSI_FLAGS_ENABLE           0x0001
#define PCI_MSI_FLAGS_QMASK            0x000e
#define PCI_MSI_FLAGS_QSIZE            0x0070
#define PCI_MSI_FLAGS_64BIT            0x0080
#define PCI_MSI_FLAGS_MASKBIT          0x0100
#define PCI_MSI_ADDRESS_LO             4
#define PCI_MSI_ADDRESS_HI             8
#define PCI_MSI_DATA_64                12
#define PCI_MSI_MASK_64                16
#define PCI_MSI_PENDING_64             20
#define PCI_MSIX_FLAGS                 2
#define PCI_MSIX_FLAGS_QSIZE           0x07ff
#define PCI_MSIX_FLAGS_MASKALL         0x4000
#define PCI_MSIX_FLAGS_ENABLE          0x8000
#define PCI_MSIX_TABLE                 4
#define PCI_MSIX_PBA                   8
#define PCI_MSIX_ENTRY_SIZE            16
#define PCI_MSIX_ENTRY_LOWER_ADDR      0x0
#define PCI_MSIX_ENTRY_UPPER_ADDR      0x4
#define PCI_MSIX_ENTRY_DATA            0x8
#define PCI_MSIX_ENTRY_VECTOR_CTRL     0xc
#define PCI_MSIX_ENTRY_CTRL_MASKBIT    0x1
#define PCI_BASE_ADDRESS_SPACE_IO      0x01
#define PCI_BASE_ADDRESS_MEM_MASK      (~0x0fu)
#define PCI_BASE_ADDRESS_MEM_TYPE_MASK 0x06
#define PCI_CAP_LIST_ID                0
#define PCI_CAP_LIST_NEXT              1
#define PCI_MSIX_TABLE_BIR             0x00000007
#define PCI_MSIX_TABLE_OFFSET          0xfffffff8
#define PCI_MSIX_PBA_BIR               0x00000007
#define PCI_MSIX_PBA_OFFSET            0xfffffff8
