/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to vmbus-sim/: the host's own structures. */
#pragma once

#include "guest-abi.h"
#include "vm.h"
#include "vmbus.h"

#include <glib.h>

/* The vPCI service provider's state for one bus. */
struct vsp {
	uint32_t version; /* 0 until QUERY_PROTOCOL_VERSION succeeded */
	bool relations_queried;
	bool d0;
	uint64_t mmio_base; /* config window, valid while d0 */
	bool resources_assigned;
	uint32_t selected_slot;
	bool slot_selected;
	uint64_t rejected; /* packets refused as malformed or out of order */
};

struct hv_bus {
	struct hv_vm *vm;
	unsigned index;
	uint8_t instance_guid[16];
	uint64_t device_id; /* logical id the retarget hypercall names */
	struct vmbus_channel ch;
	struct vsp vsp;
	struct pcidev dev;
	int pending_fire[PCIDEV_MAX_VECTORS]; /* record waiting in the PBA, or -1 */
	int current_fire;                     /* record being raised right now, or -1 */
	uint64_t released_at;    /* when the host last released the function, or UINT64_MAX */
	const char *released_by; /* what released it then */
};

/* The vectors a bus's function can raise: its MSI-X entries, and at least
 * the 32 a multi-message MSI capability allows. Per-vector walks stop here,
 * not at PCIDEV_MAX_VECTORS. */
static inline unsigned hv_bus_nvec(const struct hv_bus *b)
{
	return b->dev.msix_n > 32 ? b->dev.msix_n : 32;
}

/* One address range the MMIO router decodes: a bus's config window (while
 * the bus is in D0) or one of its function's BARs (while decoded). */
struct mmio_range {
	uint64_t lo, hi; /* [lo, hi) */
	struct hv_bus *b;
	int bar; /* the BAR, or -1 for the config window */
};

/* An interrupt on its way from the IOMMU to a vCPU. */
struct delivery {
	struct hv_vm *vm;
	unsigned fire;
	unsigned vcpu;
	uint32_t vector;
	uint64_t generation;
	struct delivery *next_spare;
};

struct hv_vm {
	struct engine *e;
	struct faults *faults;
	unsigned nvcpus;
	uint32_t max_protocol;
	struct host_assumptions host;
	bool powered;
	/* VMBus connection: UNLOAD ends it, INITIATE_CONTACT starts it again. */
	bool connected;
	uint32_t vmbus_version;
	unsigned next_relid; /* the next relation id a changed re-offer gives */
	uint64_t conn_gen;   /* bumped at power-on and off: messages in flight die */
	gabi_vmbus_msg_fn on_message;
	void *on_message_ctx;
	uint64_t last_power_off;
	bool vcpu_online[HV_VM_MAX_VCPUS];
	unsigned nbuses;
	struct hv_bus *bus[HV_VM_MAX_BUSES];
	gabi_intr_fn intr;
	void *intr_ctx;
	/* The MMIO decode: ranges sorted by address, rebuilt when mmio_gen has
	 * moved on (a window or BAR appeared, moved or went away). Next to
	 * the fields above, away from the IRTE table: every access reads it. */
	uint64_t mmio_gen;
	uint64_t mmio_built;                /* the mmio_gen the ranges are for */
	const struct mmio_range *mmio_last; /* the one that answered last */
	bool mmio_slow;                     /* ranges overlap or wrap: decode bus by bus */
	unsigned nranges;
	struct mmio_range ranges[2 * HV_VM_MAX_BUSES];
	struct delivery *spare_deliveries; /* delivered ones, for reuse */
	/* Fire records: ids fires_base.. are in `fires` (index id - fires_base);
	 * older ones still needed, by the reader or by the host (pending in
	 * the device, in flight), are in `fires_old`, sorted by id. */
	GArray *fires;     /* of struct fire_slot */
	GArray *fires_old; /* of struct fire_slot */
	unsigned fires_base;
	struct irte_table irte; /* 2 KiB of chunk pointers; the entries grow with use */
};

struct fire_slot {
	struct fire_record r;
	bool released; /* the reader is done with it */
};

/* A config window or BAR appeared, moved or went away. */
static inline void hv_vm_mmio_changed(struct hv_vm *vm)
{
	vm->mmio_gen++;
}

void vsp_init(struct hv_bus *b);
void vsp_reset(struct hv_bus *b);
void vsp_receive(void *bus, const void *pkt, size_t len);
void vsp_channel_closed(void *bus);
/* The reference host's release_all: the function's remapping entries, BARs
 * and memory enable go (unless the irte-lifetime assumption keeps them). */
void vsp_release_function(struct hv_bus *b, const char *why);
/* Config-window MMIO; returns false if gpa is not in this bus's window. */
bool vsp_mmio_read(struct hv_bus *b, uint64_t gpa, unsigned size, uint32_t *val);
bool vsp_mmio_write(struct hv_bus *b, uint64_t gpa, uint32_t val, unsigned size);

uint64_t hv_do_hypercall(struct hv_vm *vm, uint64_t control, const void *in, size_t in_len,
                         void *out, size_t out_len);
struct hv_bus *hv_vm_bus_by_device_id(struct hv_vm *vm, uint64_t device_id);
