/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a guest sees of the host, and nothing more: VMBus channel operations,
 * the hypercall entry point, guest-physical MMIO (config windows are trapped
 * and emulated; BARs reach device memory directly, untrapped, as on Hyper-V),
 * vCPU operations, the interrupt entry and the power button.
 *
 * All calls are made from guest code running on the engine; packets and
 * interrupts come back through the engine, never as a direct call.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_vm;

/* Platform (what firmware tables tell the guest). */
unsigned gabi_vcpu_count(struct hv_vm *vm);
/* MMIO ranges the guest may allocate from (VMBus MMIO: low below 4 GiB,
 * high above). */
void gabi_mmio_ranges(struct hv_vm *vm, uint64_t *low_base, uint64_t *low_size, uint64_t *high_base,
                      uint64_t *high_size);

/* VMBus. Offers are numbered 0..n-1 in the order the host made them;
 * channel is the offer's relation id. */
struct gabi_offer {
	uint8_t class_guid[16];
	uint8_t instance_guid[16];
	unsigned channel;
};
unsigned gabi_vmbus_offer_count(struct hv_vm *vm);
int gabi_vmbus_offer(struct hv_vm *vm, unsigned i, struct gabi_offer *out);

/* The VMBus connection (channel messages on the message connection, not on
 * a channel): the guest posts one, the host answers through the handler, in
 * event context, one event per message. Numbers are the VMBus protocol's
 * CHANNELMSG_* values. The host makes its first offers at power-on (the
 * boot's contact is not modelled); UNLOAD closes every channel and takes
 * the offers back; INITIATE_CONTACT and REQUESTOFFERS bring them again,
 * with relation ids that may differ from before (match them by instance
 * GUID). */
enum gabi_vmbus_msg_type {
	GABI_CHANNELMSG_OFFERCHANNEL = 1,
	GABI_CHANNELMSG_REQUESTOFFERS = 3,
	GABI_CHANNELMSG_ALLOFFERS_DELIVERED = 4,
	GABI_CHANNELMSG_INITIATE_CONTACT = 14,
	GABI_CHANNELMSG_VERSION_RESPONSE = 15,
	GABI_CHANNELMSG_UNLOAD = 16,
	GABI_CHANNELMSG_UNLOAD_RESPONSE = 17,
};
/* VMBus protocol version of Windows 10 v5.3 (major << 16 | minor). */
#define GABI_VMBUS_VERSION_WIN10_V5_3 0x50003u
struct gabi_vmbus_msg {
	uint32_t type;
	uint32_t version;        /* INITIATE_CONTACT: the version asked for */
	bool version_supported;  /* VERSION_RESPONSE */
	struct gabi_offer offer; /* OFFERCHANNEL */
};
typedef void (*gabi_vmbus_msg_fn)(void *ctx, const struct gabi_vmbus_msg *m);
/* NULL: host messages are dropped. */
void gabi_vmbus_set_message_handler(struct hv_vm *vm, gabi_vmbus_msg_fn fn, void *ctx);
/* Returns 0 or a negative errno (-EINVAL for a type the guest cannot post). */
int gabi_vmbus_post_message(struct hv_vm *vm, const struct gabi_vmbus_msg *m);

/* Receives one whole packet (16-byte header first) in event context. */
typedef void (*gabi_recv_fn)(void *ctx, const void *pkt, size_t len);
int gabi_vmbus_open(struct hv_vm *vm, unsigned channel, gabi_recv_fn recv, void *ctx);
void gabi_vmbus_close(struct hv_vm *vm, unsigned channel);
bool gabi_vmbus_rescinded(struct hv_vm *vm, unsigned channel);
/* Sends an inband packet; trans_id is the guest requestor's id (0 when no
 * completion is requested). Returns 0 or a negative errno. */
int gabi_vmbus_send(struct hv_vm *vm, unsigned channel, const void *data, size_t len,
                    uint64_t trans_id, uint16_t flags);

/* Hypercalls: control word, input page, output page -> HV status. */
uint64_t gabi_hypercall(struct hv_vm *vm, uint64_t control, const void *in, size_t in_len,
                        void *out, size_t out_len);

/* Guest-physical MMIO of 1, 2 or 4 bytes. Unclaimed reads return all ones. */
uint32_t gabi_mmio_read(struct hv_vm *vm, uint64_t gpa, unsigned size);
void gabi_mmio_write(struct hv_vm *vm, uint64_t gpa, uint32_t value, unsigned size);

/* vCPUs: the guest tells the hypervisor a vCPU went offline or came back. */
void gabi_vcpu_set_online(struct hv_vm *vm, unsigned vcpu, bool online);

/* The guest's interrupt entry: called in event context for each interrupt
 * delivered to (vcpu, vector). */
typedef void (*gabi_intr_fn)(void *ctx, unsigned vcpu, uint8_t vector);
void gabi_set_interrupt_entry(struct hv_vm *vm, gabi_intr_fn fn, void *ctx);

/* ACPI S4: the VM powers off; the host keeps nothing of it. */
void gabi_power_off(struct hv_vm *vm);
