/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Hyper-V hypercall ABI used by the vPCI path: the hypercall control
 * word, HVCALL_RETARGET_INTERRUPT and its input layout, and the TLFS status
 * codes (hv_result = status & 0xffff).
 */
#pragma once

#include <stdint.h>

#define HVCALL_MAP_DEVICE_INTERRUPT   0x007c
#define HVCALL_UNMAP_DEVICE_INTERRUPT 0x007d
#define HVCALL_RETARGET_INTERRUPT     0x007e
#define HVCALL_MMIO_READ              0x0106
#define HVCALL_MMIO_WRITE             0x0107

#define HV_HYPERCALL_FAST_BIT         (1ULL << 16)
#define HV_HYPERCALL_VARHEAD_OFFSET   17
#define HV_HYPERCALL_REP_COMP_OFFSET  32
#define HV_HYPERCALL_REP_START_OFFSET 48

#define HV_STATUS_SUCCESS                         0x0
#define HV_STATUS_INVALID_HYPERCALL_CODE          0x2
#define HV_STATUS_INVALID_HYPERCALL_INPUT         0x3
#define HV_STATUS_INVALID_ALIGNMENT               0x4
#define HV_STATUS_INVALID_PARAMETER               0x5
#define HV_STATUS_ACCESS_DENIED                   0x6
#define HV_STATUS_INVALID_PARTITION_STATE         0x7
#define HV_STATUS_OPERATION_DENIED                0x8
#define HV_STATUS_INSUFFICIENT_MEMORY             0xB
#define HV_STATUS_INVALID_PARTITION_ID            0xD
#define HV_STATUS_INVALID_VP_INDEX                0xE
#define HV_STATUS_NOT_FOUND                       0x10
#define HV_STATUS_INVALID_VP_STATE                0x15
#define HV_STATUS_NO_RESOURCES                    0x1D
#define HV_STATUS_OPERATION_FAILED                0x71
#define HV_STATUS_TIME_OUT                        0x78
#define HV_STATUS_UNKNOWN_PROPERTY                0x9
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE     0xA
#define HV_STATUS_INVALID_PORT_ID                 0x11
#define HV_STATUS_INVALID_CONNECTION_ID           0x12
#define HV_STATUS_INSUFFICIENT_BUFFERS            0x13
#define HV_STATUS_NOT_ACKNOWLEDGED                0x14
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED 0x20
#define HV_STATUS_INVALID_LP_INDEX                0x41
#define HV_STATUS_INVALID_REGISTER_VALUE          0x50
#define HV_STATUS_CALL_PENDING                    0x79
#define HV_STATUS_VTL_ALREADY_ENABLED             0x86

#define hv_result(status) ((status)&0xffffULL)

#define HV_PARTITION_ID_SELF                     ((uint64_t)-1)
#define HV_INTERRUPT_SOURCE_MSI                  1
#define HV_INTERRUPT_SOURCE_IOAPIC               2
#define HV_DEVICE_INTERRUPT_TARGET_MULTICAST     1
#define HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET 2
#define HV_GENERIC_SET_SPARSE_4K                 0
#define HV_GENERIC_SET_ALL                       1

struct hv_msi_entry {
	uint32_t address;
	uint32_t data;
} __attribute__((packed));

struct hv_interrupt_entry {
	uint32_t source;
	uint32_t reserved1;
	struct hv_msi_entry msi_entry;
} __attribute__((packed));

struct hv_vpset {
	uint64_t format;
	uint64_t valid_bank_mask;
	uint64_t bank_contents[];
} __attribute__((packed));

struct hv_device_interrupt_target {
	uint32_t vector;
	uint32_t flags;
	union {
		uint64_t vp_mask;
		struct hv_vpset vp_set;
	};
} __attribute__((packed));

/* HV_INPUT_RETARGET_DEVICE_INTERRUPT: 64 bytes of fixed part, then the VP
 * set's banks (variable header, counted in 8-byte units by the control word). */
struct hv_retarget_device_interrupt {
	uint64_t partition_id;
	uint64_t device_id;
	struct hv_interrupt_entry int_entry;
	uint64_t reserved2;
	struct hv_device_interrupt_target int_target;
} __attribute__((packed, aligned(8)));

#define HV_MAX_VP_BANKS        64
#define HV_RETARGET_FIXED_SIZE 64

const char *hv_status_name(uint64_t status);
