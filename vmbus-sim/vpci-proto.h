/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Hyper-V virtual PCI protocol as it crosses VMBus: message numbers,
 * protocol versions, packet layouts (all packed, little endian) and NTSTATUS
 * values. Sizes are those of the public protocol; tests/test-proto.c checks
 * every one of them.
 */
#pragma once

#include <stdint.h>

/* VMBus packet header (struct vmpacket_descriptor). offset8 and len8 count
 * 8-byte units; len8 covers header and payload, padded to 8 bytes. */
struct vmbus_pkt_hdr {
	uint16_t type;
	uint16_t offset8;
	uint16_t len8;
	uint16_t flags;
	uint64_t trans_id;
} __attribute__((packed));

#define VM_PKT_DATA_INBAND                          0x6
#define VM_PKT_COMP                                 0xb
#define VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED 1

#define PCI_MAKE_VERSION(major, minor) ((uint32_t)(((major) << 16) | (minor)))
#define PCI_PROTOCOL_VERSION_1_1       PCI_MAKE_VERSION(1, 1)
#define PCI_PROTOCOL_VERSION_1_2       PCI_MAKE_VERSION(1, 2)
#define PCI_PROTOCOL_VERSION_1_3       PCI_MAKE_VERSION(1, 3)
#define PCI_PROTOCOL_VERSION_1_4       PCI_MAKE_VERSION(1, 4)

#define PCI_MESSAGE_BASE 0x42490000u
enum pci_message_type {
	PCI_BUS_RELATIONS = PCI_MESSAGE_BASE + 0x00,
	PCI_QUERY_BUS_RELATIONS = PCI_MESSAGE_BASE + 0x01,
	PCI_POWER_STATE_CHANGE = PCI_MESSAGE_BASE + 0x04,
	PCI_QUERY_RESOURCE_REQUIREMENTS = PCI_MESSAGE_BASE + 0x05,
	PCI_QUERY_RESOURCE_RESOURCES = PCI_MESSAGE_BASE + 0x06,
	PCI_BUS_D0ENTRY = PCI_MESSAGE_BASE + 0x07,
	PCI_BUS_D0EXIT = PCI_MESSAGE_BASE + 0x08,
	PCI_READ_BLOCK = PCI_MESSAGE_BASE + 0x09,
	PCI_WRITE_BLOCK = PCI_MESSAGE_BASE + 0x0A,
	PCI_EJECT = PCI_MESSAGE_BASE + 0x0B,
	PCI_QUERY_STOP = PCI_MESSAGE_BASE + 0x0C,
	PCI_REENABLE = PCI_MESSAGE_BASE + 0x0D,
	PCI_QUERY_STOP_FAILED = PCI_MESSAGE_BASE + 0x0E,
	PCI_EJECTION_COMPLETE = PCI_MESSAGE_BASE + 0x0F,
	PCI_RESOURCES_ASSIGNED = PCI_MESSAGE_BASE + 0x10,
	PCI_RESOURCES_RELEASED = PCI_MESSAGE_BASE + 0x11,
	PCI_INVALIDATE_BLOCK = PCI_MESSAGE_BASE + 0x12,
	PCI_QUERY_PROTOCOL_VERSION = PCI_MESSAGE_BASE + 0x13,
	PCI_CREATE_INTERRUPT_MESSAGE = PCI_MESSAGE_BASE + 0x14,
	PCI_DELETE_INTERRUPT_MESSAGE = PCI_MESSAGE_BASE + 0x15,
	PCI_RESOURCES_ASSIGNED2 = PCI_MESSAGE_BASE + 0x16,
	PCI_CREATE_INTERRUPT_MESSAGE2 = PCI_MESSAGE_BASE + 0x17,
	PCI_DELETE_INTERRUPT_MESSAGE2 = PCI_MESSAGE_BASE + 0x18,
	PCI_BUS_RELATIONS2 = PCI_MESSAGE_BASE + 0x19,
	PCI_RESOURCES_ASSIGNED3 = PCI_MESSAGE_BASE + 0x1A,
	PCI_CREATE_INTERRUPT_MESSAGE3 = PCI_MESSAGE_BASE + 0x1B,
};

/* NTSTATUS values seen on this protocol. */
#define STATUS_SUCCESS              0x00000000u
#define STATUS_UNSUCCESSFUL         0xC0000001u
#define STATUS_REVISION_MISMATCH    0xC0000059u
#define STATUS_NOT_SUPPORTED        0xC00000BBu
#define STATUS_INVALID_DEVICE_STATE 0xC0000184u
#define STATUS_BAD_DATA             0xC000090Bu

#define PCI_CONFIG_MMIO_LENGTH           0x2000
#define CFG_PAGE_OFFSET                  0x1000
#define PCI_STD_NUM_BARS                 6
#define HV_PCI_DEVICE_FLAG_NUMA_AFFINITY 0x1

union win_slot_encoding {
	struct {
		uint32_t dev : 5;
		uint32_t func : 3;
		uint32_t reserved : 24;
	} bits;
	uint32_t slot;
} __attribute__((packed));

struct pci_function_description {
	uint16_t v_id;
	uint16_t d_id;
	uint8_t rev;
	uint8_t prog_intf;
	uint8_t subclass;
	uint8_t base_class;
	uint32_t subsystem_id;
	union win_slot_encoding win_slot;
	uint32_t ser;
} __attribute__((packed));

struct pci_function_description2 {
	uint16_t v_id;
	uint16_t d_id;
	uint8_t rev;
	uint8_t prog_intf;
	uint8_t subclass;
	uint8_t base_class;
	uint32_t subsystem_id;
	union win_slot_encoding win_slot;
	uint32_t ser;
	uint32_t flags;
	uint16_t virtual_numa_node;
	uint16_t reserved;
} __attribute__((packed));

struct hv_msi_desc {
	uint8_t vector;
	uint8_t delivery_mode;
	uint16_t vector_count;
	uint32_t reserved;
	uint64_t cpu_mask;
} __attribute__((packed));

struct hv_msi_desc2 {
	uint8_t vector;
	uint8_t delivery_mode;
	uint16_t vector_count;
	uint16_t processor_count;
	uint16_t processor_array[32];
} __attribute__((packed));

struct hv_msi_desc3 {
	uint32_t vector;
	uint8_t delivery_mode;
	uint8_t reserved;
	uint16_t vector_count;
	uint16_t processor_count;
	uint16_t processor_array[32];
} __attribute__((packed));

struct tran_int_desc {
	uint16_t reserved;
	uint16_t vector_count;
	uint32_t data;
	uint64_t address;
} __attribute__((packed));

struct pci_message {
	uint32_t type;
} __attribute__((packed));

struct pci_child_message {
	struct pci_message message_type;
	union win_slot_encoding wslot;
} __attribute__((packed));

struct pci_incoming_message {
	struct vmbus_pkt_hdr hdr;
	struct pci_message message_type;
} __attribute__((packed));

struct pci_response {
	struct vmbus_pkt_hdr hdr;
	int32_t status;
} __attribute__((packed));

struct pci_version_request {
	struct pci_message message_type;
	uint32_t protocol_version;
} __attribute__((packed));

struct pci_bus_d0_entry {
	struct pci_message message_type;
	uint32_t reserved;
	uint64_t mmio_base;
} __attribute__((packed));

struct pci_bus_relations {
	struct pci_incoming_message incoming;
	uint32_t device_count;
	struct pci_function_description func[];
} __attribute__((packed));

struct pci_bus_relations2 {
	struct pci_incoming_message incoming;
	uint32_t device_count;
	struct pci_function_description2 func[];
} __attribute__((packed));

struct pci_q_res_req_response {
	struct vmbus_pkt_hdr hdr;
	int32_t status;
	uint32_t probed_bar[PCI_STD_NUM_BARS];
} __attribute__((packed));

struct pci_set_power {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	uint32_t power_state;
	uint32_t reserved;
} __attribute__((packed));

struct pci_set_power_response {
	struct vmbus_pkt_hdr hdr;
	int32_t status;
	union win_slot_encoding wslot;
	uint32_t resultant_state;
	uint32_t reserved;
} __attribute__((packed));

struct pci_resources_assigned {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	uint8_t memory_range[0x14][6];
	uint32_t msi_descriptors;
	uint32_t reserved[4];
} __attribute__((packed));

struct pci_resources_assigned2 {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	uint8_t memory_range[0x14][6];
	uint32_t msi_descriptor_count;
	uint8_t reserved[70];
} __attribute__((packed));

struct pci_create_interrupt {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	struct hv_msi_desc int_desc;
} __attribute__((packed));

struct pci_create_int_response {
	struct pci_response response;
	uint32_t reserved;
	struct tran_int_desc int_desc;
} __attribute__((packed));

struct pci_create_interrupt2 {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	struct hv_msi_desc2 int_desc;
} __attribute__((packed));

struct pci_create_interrupt3 {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	struct hv_msi_desc3 int_desc;
} __attribute__((packed));

struct pci_delete_interrupt {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	struct tran_int_desc int_desc;
} __attribute__((packed));

struct pci_read_block {
	struct pci_message message_type;
	uint32_t block_id;
	union win_slot_encoding wslot;
	uint32_t bytes_requested;
} __attribute__((packed));

struct pci_read_block_response {
	struct vmbus_pkt_hdr hdr;
	uint32_t status;
	uint8_t bytes[128];
} __attribute__((packed));

struct pci_write_block {
	struct pci_message message_type;
	uint32_t block_id;
	union win_slot_encoding wslot;
	uint32_t byte_count;
	uint8_t bytes[128];
} __attribute__((packed));

struct pci_dev_inval_block {
	struct pci_incoming_message incoming;
	union win_slot_encoding wslot;
	uint64_t block_mask;
} __attribute__((packed));

struct pci_dev_incoming {
	struct pci_incoming_message incoming;
	union win_slot_encoding wslot;
} __attribute__((packed));

struct pci_eject_response {
	struct pci_message message_type;
	union win_slot_encoding wslot;
	uint32_t status;
} __attribute__((packed));

/* Name of a message type for traces and errors ("QUERY_BUS_RELATIONS"), or
 * NULL if the number is not a vPCI message. */
const char *vpci_message_name(uint32_t type);
