/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host: a VM with vCPUs and a power state, one vPCI bus (VMBus channel,
 * service provider, PCI function) per passed-through device, the interrupt
 * remapping table, and the record of every interrupt a device raised.
 * This is the harness's view; the guest sees only guest-abi.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "fault.h"
#include "host-assumptions.h"
#include "irte.h"
#include "pcidev.h"

/* Hyper-V's largest VMs: 240 virtual processors, and here up to 32 vPCI
 * buses (one passed-through function each). */
#define HV_VM_MAX_VCPUS 240
#define HV_VM_MAX_BUSES 32

struct hv_vm;

struct hv_vm_config {
	unsigned vcpus;
	uint32_t max_protocol;        /* the highest vPCI version the host accepts */
	struct host_assumptions host; /* zero: the strictest host */
};

struct hv_vm *hv_vm_new(struct engine *e, struct faults *f, const struct hv_vm_config *cfg);
void hv_vm_free(struct hv_vm *vm);
/* Adds a vPCI bus holding one function; returns its index, -ENOSPC when
 * every bus is taken, -EINVAL for an invalid layout. */
int hv_vm_add_device(struct hv_vm *vm, const struct pcidev_config *cfg);

/* Power on: devices reset, channels offered, the boot vCPU online. */
void hv_vm_power_on(struct hv_vm *vm);
bool hv_vm_powered(const struct hv_vm *vm);
uint64_t hv_vm_last_power_off(const struct hv_vm *vm); /* UINT64_MAX if never */

enum fire_outcome {
	FIRE_OUT_PENDING,   /* masked in the device: the pending bit is set */
	FIRE_OUT_IN_FLIGHT, /* remapped, on its way to the vCPU */
	FIRE_OUT_DELIVERED, /* the guest's interrupt entry ran for it */
	FIRE_OUT_LOST,      /* dropped; reason says where and why */
	FIRE_OUT_DMA_WRITE, /* the message was a memory write into guest RAM, not an interrupt */
};

struct fire_record {
	unsigned id;
	unsigned dev;
	unsigned vector; /* the device's MSI-X entry */
	uint64_t time;
	enum fire_outcome outcome;
	uint64_t address;
	uint32_t data;
	unsigned vcpu;
	uint32_t guest_vector;
	uint64_t done_time;
	char reason[200];
};

/* The device raises MSI-X entry `vector`; returns the record's id. Ids are
 * 0, 1, 2, ... in the order records were made, never reused. */
unsigned hv_vm_fire(struct hv_vm *vm, unsigned dev, unsigned vector);
/* One past the highest id made so far. */
unsigned hv_vm_fire_count(const struct hv_vm *vm);
/* NULL for an id not made yet or released. */
const struct fire_record *hv_vm_fire_record(const struct hv_vm *vm, unsigned id);
/* The reader is done with every record below id `below` except the nkeep
 * ids in keep[] (any order): hv_vm_fire_record() returns NULL for them from
 * now on, and the host frees each as soon as it no longer needs it itself
 * (a fire still pending in the device or in flight lives on until it is
 * delivered or lost). Memory stays bounded by the records kept and those
 * made since the last release. */
void hv_vm_fire_records_release(struct hv_vm *vm, unsigned below, const unsigned *keep,
                                unsigned nkeep);
/* Forgets all records, pending and in flight ones too (ids go on). */
void hv_vm_fire_records_clear(struct hv_vm *vm);

/* Inspection. */
unsigned hv_vm_vcpu_count(const struct hv_vm *vm);
bool hv_vm_vcpu_online(const struct hv_vm *vm, unsigned vcpu);
unsigned hv_vm_device_count(const struct hv_vm *vm);
struct pcidev *hv_vm_device(struct hv_vm *vm, unsigned i);
uint64_t hv_vm_device_logical_id(const struct hv_vm *vm, unsigned i);
struct irte_table *hv_vm_irte(struct hv_vm *vm);
/* Packets the bus's service provider refused as malformed or out of order. */
uint64_t hv_vm_bus_rejected(const struct hv_vm *vm, unsigned i);
/* The bus's VMBus channel, read-only. */
struct vmbus_channel;
const struct vmbus_channel *hv_vm_channel(const struct hv_vm *vm, unsigned i);
struct engine *hv_vm_engine(struct hv_vm *vm);
