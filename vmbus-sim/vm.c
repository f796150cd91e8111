/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM and the guest ABI: vCPUs, power, the MMIO router (config windows
 * trapped to the VSP, BARs straight to device memory), the IOMMU's view of
 * device messages, and interrupt delivery to the guest's entry point.
 */
#include "tracepoint.h"
#include "trace.h"
#include "vm-internal.h"
#include "vpci-proto.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define IRQ_LATENCY_NS 500

#define MMIO_LOW_BASE  0xf8000000ull
#define MMIO_LOW_SIZE  0x04000000ull
#define MMIO_HIGH_BASE 0x1000000000ull
#define MMIO_HIGH_SIZE 0x1000000000ull

static const uint8_t vpci_class_guid[16] = {0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44,
                                            0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f};

static void device_message(void *ctx, struct pcidev *d, uint64_t address, uint32_t data,
                           unsigned vector);

struct hv_vm *hv_vm_new(struct engine *e, struct faults *f, const struct hv_vm_config *cfg)
{
	struct hv_vm *vm = g_new0(struct hv_vm, 1);

	vm->e = e;
	vm->faults = f;
	vm->nvcpus = CLAMP(cfg->vcpus, 1, HV_VM_MAX_VCPUS);
	vm->max_protocol = cfg->max_protocol ? cfg->max_protocol : PCI_PROTOCOL_VERSION_1_4;
	vm->host = cfg->host;
	vm->last_power_off = UINT64_MAX;
	vm->mmio_gen = 1; /* the (empty) ranges are for generation 0 */
	irte_init(&vm->irte);
	vm->fires = g_array_new(FALSE, TRUE, sizeof(struct fire_slot));
	vm->fires_old = g_array_new(FALSE, TRUE, sizeof(struct fire_slot));
	return vm;
}

void hv_vm_free(struct hv_vm *vm)
{
	if (!vm)
		return;
	for (unsigned i = 0; i < vm->nbuses; i++) {
		vmbus_channel_fini(&vm->bus[i]->ch);
		g_free(vm->bus[i]);
	}
	while (vm->spare_deliveries) {
		struct delivery *d = vm->spare_deliveries;
		vm->spare_deliveries = d->next_spare;
		g_free(d);
	}
	g_array_free(vm->fires, TRUE);
	g_array_free(vm->fires_old, TRUE);
	irte_fini(&vm->irte);
	g_free(vm);
}

int hv_vm_add_device(struct hv_vm *vm, const struct pcidev_config *cfg)
{
	struct hv_bus *b;
	uint8_t *g;

	if (vm->nbuses >= HV_VM_MAX_BUSES)
		return -ENOSPC;
	if (!pcidev_layout_validate(&cfg->layout, NULL))
		return -EINVAL;
	b = g_new0(struct hv_bus, 1);
	b->vm = vm;
	b->index = vm->nbuses;
	g = b->instance_guid;
	/* A fixed instance GUID per bus: 5a1b2c3d-<10+i>7a-4e38-9f00-0000000000<i> */
	g[0] = 0x3d, g[1] = 0x2c, g[2] = 0x1b, g[3] = 0x5a;
	g[4] = (uint8_t)(0x10 + b->index), g[5] = 0x7a, g[6] = 0x38, g[7] = 0x4e;
	g[8] = 0x9f, g[15] = (uint8_t)b->index;
	b->device_id = ((uint64_t)g[5] << 24) | ((uint64_t)g[4] << 16) | ((uint64_t)g[7] << 8) |
	               (g[6] & 0xf8) | 0 /* function 0 */;
	pcidev_init(&b->dev, cfg, device_message, b);
	b->dev.decode_gen = &vm->mmio_gen;
	hv_vm_mmio_changed(vm);
	vmbus_channel_init(&b->ch, vm->e, vm->faults, b->index, vsp_receive, vsp_channel_closed, b);
	vsp_init(b);
	for (unsigned i = 0; i < PCIDEV_MAX_VECTORS; i++)
		b->pending_fire[i] = -1; /* once: later walks stop at hv_bus_nvec() */
	b->current_fire = -1;
	b->released_at = UINT64_MAX;
	vm->bus[vm->nbuses++] = b;
	return (int)b->index;
}

void hv_vm_power_on(struct hv_vm *vm)
{
	vm->powered = true;
	memset(vm->vcpu_online, 0, sizeof(vm->vcpu_online));
	vm->vcpu_online[0] = true;
	/* The boot's contact is not modelled: the connection starts made. */
	vm->connected = true;
	vm->vmbus_version = GABI_VMBUS_VERSION_WIN10_V5_3;
	vm->next_relid = vm->nbuses;
	vm->conn_gen++;
	for (unsigned i = 0; i < vm->nbuses; i++) {
		struct hv_bus *b = vm->bus[i];
		vmbus_reset(&b->ch);
		vsp_reset(b);
		pcidev_reset(&b->dev);
		for (unsigned v = 0; v < hv_bus_nvec(b); v++)
			b->pending_fire[v] = -1;
		b->released_at = UINT64_MAX;
		b->ch.id = b->index; /* the first offer's relation id */
		vmbus_offer(&b->ch);
	}
	TRACE(vm->e, "vm", "power-on", "\"vcpus\":%u,\"buses\":%u", vm->nvcpus, vm->nbuses);
}

bool hv_vm_powered(const struct hv_vm *vm)
{
	return vm->powered;
}

uint64_t hv_vm_last_power_off(const struct hv_vm *vm)
{
	return vm->last_power_off;
}

/* ---- fire records and delivery ---- */

static unsigned next_fire_id(const struct hv_vm *vm)
{
	return vm->fires_base + vm->fires->len;
}

static struct fire_slot *slot(const struct hv_vm *vm, unsigned id)
{
	const GArray *old = vm->fires_old;
	unsigned lo = 0, hi = old->len;

	if (id >= vm->fires_base)
		return id < next_fire_id(vm)
		           ? &g_array_index(vm->fires, struct fire_slot, id - vm->fires_base)
		           : NULL;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		struct fire_slot *s = &g_array_index(old, struct fire_slot, mid);
		if (s->r.id == id)
			return s;
		if (s->r.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The host's own access: released records too, as long as they exist. */
static struct fire_record *record(struct hv_vm *vm, int id)
{
	struct fire_slot *s = id < 0 ? NULL : slot(vm, (unsigned)id);

	return s ? &s->r : NULL;
}

/* A new record, with the next id. */
static struct fire_record *record_new(struct hv_vm *vm, unsigned dev, unsigned vector,
                                      enum fire_outcome outcome)
{
	struct fire_slot s = {.r = {.id = next_fire_id(vm),
	                            .dev = dev,
	                            .vector = vector,
	                            .time = engine_now(vm->e),
	                            .outcome = outcome}};

	g_array_append_val(vm->fires, s);
	return &g_array_index(vm->fires, struct fire_slot, vm->fires->len - 1).r;
}

static void lose(struct hv_vm *vm, struct fire_record *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void lose(struct hv_vm *vm, struct fire_record *r, const char *fmt, ...)
{
	va_list ap;

	r->outcome = FIRE_OUT_LOST;
	r->done_time = engine_now(vm->e);
	va_start(ap, fmt);
	g_vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	tp_hit(vm->e, TP_INTERRUPT_LOST, NULL);
	TRACE(vm->e, "iommu", "lost", "\"fire\":%u,\"dev\":%u,\"vector\":%u", r->id, r->dev,
	      r->vector);
}

static void deliver_interrupt(struct engine *e, void *arg)
{
	struct delivery *d = arg;
	struct hv_vm *vm = d->vm;
	struct fire_record *r = record(vm, (int)d->fire);

	(void)e;
	if (r && r->outcome == FIRE_OUT_IN_FLIGHT) {
		if (!vm->powered || d->generation != vm->irte.generation) {
			lose(vm, r, "the VM powered off before the interrupt arrived");
		} else if (!vm->vcpu_online[d->vcpu]) {
			lose(vm, r, "vCPU %u went offline before vector %#x arrived", d->vcpu,
			     d->vector);
		} else {
			r->outcome = FIRE_OUT_DELIVERED;
			r->done_time = engine_now(vm->e);
			tp_hit(vm->e, TP_INTERRUPT_DELIVERED, NULL);
			TRACE(vm->e, "apic", "deliver",
			      "\"fire\":%u,\"vcpu\":%u,\"vector\":\"%#x\"", r->id, d->vcpu,
			      d->vector);
			if (vm->intr)
				vm->intr(vm->intr_ctx, d->vcpu, (uint8_t)d->vector);
		}
	}
	d->next_spare = vm->spare_deliveries;
	vm->spare_deliveries = d;
}

/* x86: a device write to 0xFEExxxxx is an interrupt request; any other
 * address is memory. */
#define MSI_WINDOW_BASE UINT64_C(0xfee00000)
#define MSI_WINDOW_LAST UINT64_C(0xfeefffff)

/* The device wrote (address, data): the IOMMU remaps it or drops it, or
 * it is no interrupt at all but a write to memory. */
static void device_message(void *ctx, struct pcidev *dev, uint64_t address, uint32_t data,
                           unsigned vector)
{
	struct hv_bus *b = ctx;
	struct hv_vm *vm = b->vm;
	struct fire_record *r;
	struct irte *e;
	int id = b->current_fire >= 0 ? b->current_fire : b->pending_fire[vector];

	(void)dev;
	b->pending_fire[vector] = -1;
	/* A message nobody fired through hv_vm_fire: keep a record anyway. */
	r = id < 0 ? record_new(vm, b->index, vector, FIRE_OUT_PENDING) : record(vm, id);
	r->address = address;
	r->data = data;
	TRACE(vm->e, "iommu", "msi-write",
	      "\"fire\":%u,\"dev\":%u,\"vector\":%u,\"address\":\"%#" G_GINT64_MODIFIER
	      "x\",\"data\":\"%#x\"",
	      r->id, b->index, vector, address, data);
	if (address < MSI_WINDOW_BASE || address > MSI_WINDOW_LAST) {
		/* Outside the interrupt window a posted write is a DMA write:
		 * the data lands in guest memory and no interrupt is raised. */
		r->outcome = FIRE_OUT_DMA_WRITE;
		r->done_time = engine_now(vm->e);
		g_snprintf(r->reason, sizeof(r->reason),
		           "the device wrote %#x to guest physical address %#" G_GINT64_MODIFIER
		           "x: a DMA write into guest memory, not an interrupt",
		           data, address);
		tp_hit(vm->e, TP_DMA_WRITE, NULL);
		TRACE(vm->e, "iommu", "dma-write",
		      "\"fire\":%u,\"dev\":%u,\"vector\":%u,\"address\":\"%#" G_GINT64_MODIFIER
		      "x\",\"data\":\"%#x\"",
		      r->id, b->index, vector, address, data);
		return;
	}
	e = irte_lookup(&vm->irte, b->device_id, address, data);
	if (!e) {
		char t[32];
		if (b->released_at != UINT64_MAX)
			lose(vm, r,
			     "no remapping entry exists for address %#" G_GINT64_MODIFIER
			     "x data %#x (the host released every entry of the function at %s "
			     "at t=%s and none was created for this message since)",
			     address, data, b->released_by,
			     engine_fmt_time(b->released_at, t, sizeof(t)));
		else if (vm->irte.cleared_at != UINT64_MAX)
			lose(vm, r,
			     "no remapping entry exists for address %#" G_GINT64_MODIFIER
			     "x data %#x (every entry was dropped at power-off at t=%s and none "
			     "was created for this message since)",
			     address, data, engine_fmt_time(vm->irte.cleared_at, t, sizeof(t)));
		else
			lose(vm, r,
			     "no remapping entry exists for address %#" G_GINT64_MODIFIER
			     "x data %#x",
			     address, data);
		return;
	}
	if (!vm->vcpu_online[e->vcpu]) {
		lose(vm, r, "the remapping entry targets vCPU %u, which is offline", e->vcpu);
		return;
	}
	r->outcome = FIRE_OUT_IN_FLIGHT;
	r->vcpu = e->vcpu;
	r->guest_vector = e->vector + (data - e->data);
	struct delivery *d = vm->spare_deliveries;
	if (d)
		vm->spare_deliveries = d->next_spare;
	else
		d = g_new(struct delivery, 1);
	*d = (struct delivery){vm, r->id, e->vcpu, r->guest_vector, vm->irte.generation, NULL};
	engine_schedule(vm->e, IRQ_LATENCY_NS, deliver_interrupt, d);
}

unsigned hv_vm_fire(struct hv_vm *vm, unsigned dev, unsigned vector)
{
	struct hv_bus *b = vm->bus[dev];
	unsigned id = record_new(vm, dev, vector, FIRE_OUT_LOST)->id;
	enum pcidev_fire_result res;
	const char *why;

	TRACE(vm->e, "device", "fire", "\"fire\":%u,\"dev\":%u,\"vector\":%u", id, dev, vector);
	if (!vm->powered) {
		lose(vm, record(vm, (int)id), "the VM is powered off");
		return id;
	}
	b->current_fire = (int)id;
	res = pcidev_fire(&b->dev, vector, &why);
	b->current_fire = -1;
	if (res == FIRE_PENDING) {
		struct fire_record *r = record(vm, (int)id);
		/* A second fire while pending merges into the first (one PBA bit). */
		if (b->pending_fire[vector] >= 0) {
			lose(vm, r,
			     "vector %u was already pending: the device keeps one pending bit",
			     vector);
		} else {
			r->outcome = FIRE_OUT_PENDING;
			g_strlcpy(r->reason, why, sizeof(r->reason));
			b->pending_fire[vector] = (int)id;
			tp_hit(vm->e, TP_FIRED_WHILE_MASKED, NULL);
		}
	} else if (res == FIRE_DROPPED) {
		lose(vm, record(vm, (int)id), "%s", why);
	}
	return id;
}

unsigned hv_vm_fire_count(const struct hv_vm *vm)
{
	return next_fire_id(vm);
}

const struct fire_record *hv_vm_fire_record(const struct hv_vm *vm, unsigned id)
{
	const struct fire_slot *s = slot(vm, id);

	return s && !s->released ? &s->r : NULL;
}

/* The host still has a use for the record: it is in flight, or its vector's
 * pending bit stands for it. */
static bool host_holds(const struct hv_vm *vm, const struct fire_record *r)
{
	return r->outcome == FIRE_OUT_IN_FLIGHT ||
	       (r->outcome == FIRE_OUT_PENDING && r->dev < vm->nbuses &&
	        r->vector < PCIDEV_MAX_VECTORS &&
	        vm->bus[r->dev]->pending_fire[r->vector] == (int)r->id);
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static bool is_kept(const unsigned *keep, unsigned nkeep, unsigned id)
{
	return nkeep && bsearch(&id, keep, nkeep, sizeof(*keep), cmp_unsigned);
}

void hv_vm_fire_records_release(struct hv_vm *vm, unsigned below, const unsigned *keep_in,
                                unsigned nkeep)
{
	unsigned kbuf[64], *keep = nkeep <= G_N_ELEMENTS(kbuf) ? kbuf : g_new(unsigned, nkeep);
	GArray *old = vm->fires_old;
	unsigned n = 0, done;

	if (nkeep)
		memcpy(keep, keep_in, nkeep * sizeof(*keep));
	qsort(keep, nkeep, sizeof(*keep), cmp_unsigned);
	below = MIN(below, next_fire_id(vm));
	/* Records kept so far: release those no longer kept, drop those
	 * nobody needs any more. */
	for (unsigned i = 0; i < old->len; i++) {
		struct fire_slot *s = &g_array_index(old, struct fire_slot, i);
		if (s->r.id < below && !is_kept(keep, nkeep, s->r.id))
			s->released = true;
		if (s->released && !host_holds(vm, &s->r))
			continue;
		if (n != i)
			g_array_index(old, struct fire_slot, n) = *s;
		n++;
	}
	g_array_set_size(old, n);
	/* The window below `below` leaves it: what is still needed moves to
	 * the old records, in id order (all above the ones there). */
	done = below > vm->fires_base ? below - vm->fires_base : 0;
	for (unsigned i = 0; i < done; i++) {
		struct fire_slot *s = &g_array_index(vm->fires, struct fire_slot, i);
		if (!is_kept(keep, nkeep, s->r.id))
			s->released = true;
		if (!s->released || host_holds(vm, &s->r))
			g_array_append_vals(old, s, 1);
	}
	if (done) {
		g_array_remove_range(vm->fires, 0, done);
		vm->fires_base += done;
	}
	if (keep != kbuf)
		g_free(keep);
}

void hv_vm_fire_records_clear(struct hv_vm *vm)
{
	vm->fires_base = next_fire_id(vm);
	g_array_set_size(vm->fires, 0);
	g_array_set_size(vm->fires_old, 0);
	for (unsigned i = 0; i < vm->nbuses; i++)
		for (unsigned v = 0; v < hv_bus_nvec(vm->bus[i]); v++)
			vm->bus[i]->pending_fire[v] = -1;
}

/* ---- inspection ---- */

unsigned hv_vm_vcpu_count(const struct hv_vm *vm)
{
	return vm->nvcpus;
}

bool hv_vm_vcpu_online(const struct hv_vm *vm, unsigned vcpu)
{
	return vcpu < vm->nvcpus && vm->vcpu_online[vcpu];
}

unsigned hv_vm_device_count(const struct hv_vm *vm)
{
	return vm->nbuses;
}

struct pcidev *hv_vm_device(struct hv_vm *vm, unsigned i)
{
	return i < vm->nbuses ? &vm->bus[i]->dev : NULL;
}

uint64_t hv_vm_device_logical_id(const struct hv_vm *vm, unsigned i)
{
	return vm->bus[i]->device_id;
}

uint64_t hv_vm_bus_rejected(const struct hv_vm *vm, unsigned i)
{
	return vm->bus[i]->vsp.rejected;
}

const struct vmbus_channel *hv_vm_channel(const struct hv_vm *vm, unsigned i)
{
	return &vm->bus[i]->ch;
}

struct irte_table *hv_vm_irte(struct hv_vm *vm)
{
	return &vm->irte;
}

struct engine *hv_vm_engine(struct hv_vm *vm)
{
	return vm->e;
}

/* ---- the guest ABI ---- */

unsigned gabi_vcpu_count(struct hv_vm *vm)
{
	return vm->nvcpus;
}

void gabi_mmio_ranges(struct hv_vm *vm, uint64_t *low_base, uint64_t *low_size, uint64_t *high_base,
                      uint64_t *high_size)
{
	(void)vm;
	*low_base = MMIO_LOW_BASE;
	*low_size = MMIO_LOW_SIZE;
	*high_base = MMIO_HIGH_BASE;
	*high_size = MMIO_HIGH_SIZE;
}

unsigned gabi_vmbus_offer_count(struct hv_vm *vm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vm->nbuses; i++)
		n += vm->bus[i]->ch.offered;
	return n;
}

int gabi_vmbus_offer(struct hv_vm *vm, unsigned i, struct gabi_offer *out)
{
	for (unsigned k = 0; k < vm->nbuses; k++) {
		struct hv_bus *b = vm->bus[k];
		if (!b->ch.offered)
			continue;
		if (i-- == 0) {
			memcpy(out->class_guid, vpci_class_guid, 16);
			memcpy(out->instance_guid, b->instance_guid, 16);
			out->channel = b->ch.id;
			return 0;
		}
	}
	return -ENOENT;
}

/* The channel with relation id `id` (offered or not: a stale id finds
 * nothing once the channel was offered again under another). */
static struct vmbus_channel *channel(struct hv_vm *vm, unsigned id)
{
	if (id < vm->nbuses && vm->bus[id]->ch.id == id)
		return &vm->bus[id]->ch; /* the first offer's ids */
	for (unsigned i = 0; i < vm->nbuses; i++)
		if (vm->bus[i]->ch.id == id)
			return &vm->bus[i]->ch;
	return NULL;
}

/* ---- the VMBus connection ---- */

struct conn_msg {
	struct hv_vm *vm;
	uint64_t gen;
	bool to_host;
	struct gabi_vmbus_msg m;
};

static const char *channelmsg_name(uint32_t type)
{
	switch (type) {
	case GABI_CHANNELMSG_OFFERCHANNEL:
		return "offer-channel";
	case GABI_CHANNELMSG_REQUESTOFFERS:
		return "request-offers";
	case GABI_CHANNELMSG_ALLOFFERS_DELIVERED:
		return "all-offers-delivered";
	case GABI_CHANNELMSG_INITIATE_CONTACT:
		return "initiate-contact";
	case GABI_CHANNELMSG_VERSION_RESPONSE:
		return "version-response";
	case GABI_CHANNELMSG_UNLOAD:
		return "unload";
	case GABI_CHANNELMSG_UNLOAD_RESPONSE:
		return "unload-response";
	}
	return "?";
}

static void conn_handle(struct hv_vm *vm, const struct gabi_vmbus_msg *m);

static void conn_deliver(struct engine *e, void *arg)
{
	struct conn_msg *c = arg;
	struct hv_vm *vm = c->vm;

	(void)e;
	if (c->gen != vm->conn_gen)
		TRACE(vm->e, "vmbus", "drop-message", "\"type\":\"%s\",\"to\":\"%s\"",
		      channelmsg_name(c->m.type), c->to_host ? "host" : "guest");
	else if (c->to_host)
		conn_handle(vm, &c->m);
	else if (vm->on_message)
		vm->on_message(vm->on_message_ctx, &c->m);
	g_free(c);
}

static void conn_send(struct hv_vm *vm, const struct gabi_vmbus_msg *m, bool to_host)
{
	struct conn_msg *c = g_new(struct conn_msg, 1);

	*c = (struct conn_msg){vm, vm->conn_gen, to_host, *m};
	if (m->type == GABI_CHANNELMSG_OFFERCHANNEL)
		TRACE(vm->e, "vmbus", "message", "\"dir\":\"h2g\",\"type\":\"%s\",\"channel\":%u",
		      channelmsg_name(m->type), m->offer.channel);
	else
		TRACE(vm->e, "vmbus", "message", "\"dir\":\"%s\",\"type\":\"%s\"",
		      to_host ? "g2h" : "h2g", channelmsg_name(m->type));
	engine_schedule(vm->e, VMBUS_LATENCY_NS, conn_deliver, c);
}

static void conn_handle(struct hv_vm *vm, const struct gabi_vmbus_msg *m)
{
	struct gabi_vmbus_msg r = {0};

	switch (m->type) {
	case GABI_CHANNELMSG_UNLOAD:
		/* Whatever the guest left open is closed, every offer taken back. */
		for (unsigned i = 0; i < vm->nbuses; i++)
			vmbus_unload(&vm->bus[i]->ch);
		vm->connected = false;
		tp_hit(vm->e, TP_VMBUS_UNLOADED, NULL);
		r.type = GABI_CHANNELMSG_UNLOAD_RESPONSE;
		conn_send(vm, &r, false);
		break;
	case GABI_CHANNELMSG_INITIATE_CONTACT:
		r.type = GABI_CHANNELMSG_VERSION_RESPONSE;
		r.version = m->version;
		r.version_supported = m->version <= GABI_VMBUS_VERSION_WIN10_V5_3;
		if (r.version_supported) {
			vm->connected = true;
			vm->vmbus_version = m->version;
		}
		conn_send(vm, &r, false);
		break;
	case GABI_CHANNELMSG_REQUESTOFFERS:
		if (!vm->connected) {
			TRACE(vm->e, "vmbus", "ignore", "\"type\":\"%s\",\"why\":\"not connected\"",
			      channelmsg_name(m->type));
			break;
		}
		for (unsigned i = 0; i < vm->nbuses; i++) {
			struct hv_bus *b = vm->bus[i];
			/* A channel offered anew may get a relation id it never had
			 * (a host assumption); a live offer keeps its id. */
			if (!b->ch.offered) {
				if (vm->host.reoffer_relids == HOST_REOFFER_RELIDS_CHANGED)
					b->ch.id = vm->next_relid++;
				vmbus_offer(&b->ch);
			}
			r = (struct gabi_vmbus_msg){.type = GABI_CHANNELMSG_OFFERCHANNEL};
			memcpy(r.offer.class_guid, vpci_class_guid, 16);
			memcpy(r.offer.instance_guid, b->instance_guid, 16);
			r.offer.channel = b->ch.id;
			conn_send(vm, &r, false);
		}
		r = (struct gabi_vmbus_msg){.type = GABI_CHANNELMSG_ALLOFFERS_DELIVERED};
		conn_send(vm, &r, false);
		break;
	}
}

void gabi_vmbus_set_message_handler(struct hv_vm *vm, gabi_vmbus_msg_fn fn, void *ctx)
{
	vm->on_message = fn;
	vm->on_message_ctx = ctx;
}

int gabi_vmbus_post_message(struct hv_vm *vm, const struct gabi_vmbus_msg *m)
{
	if (m->type != GABI_CHANNELMSG_UNLOAD && m->type != GABI_CHANNELMSG_INITIATE_CONTACT &&
	    m->type != GABI_CHANNELMSG_REQUESTOFFERS)
		return -EINVAL;
	if (!vm->powered)
		return -ENODEV;
	conn_send(vm, m, true);
	return 0;
}

int gabi_vmbus_open(struct hv_vm *vm, unsigned ch, gabi_recv_fn recv, void *ctx)
{
	struct vmbus_channel *c = channel(vm, ch);

	return c ? vmbus_guest_open(c, recv, ctx) : -ENODEV;
}

void gabi_vmbus_close(struct hv_vm *vm, unsigned ch)
{
	struct vmbus_channel *c = channel(vm, ch);

	if (c)
		vmbus_guest_close(c);
}

bool gabi_vmbus_rescinded(struct hv_vm *vm, unsigned ch)
{
	struct vmbus_channel *c = channel(vm, ch);

	return !c || c->rescinded;
}

int gabi_vmbus_send(struct hv_vm *vm, unsigned ch, const void *data, size_t len, uint64_t trans_id,
                    uint16_t flags)
{
	struct vmbus_channel *c = channel(vm, ch);

	return c ? vmbus_guest_send(c, data, len, trans_id, flags) : -ENODEV;
}

uint64_t gabi_hypercall(struct hv_vm *vm, uint64_t control, const void *in, size_t in_len,
                        void *out, size_t out_len)
{
	return hv_do_hypercall(vm, control, in, in_len, out, out_len);
}

/* ---- the MMIO router ---- */

static void mmio_rebuild(struct hv_vm *vm)
{
	unsigned n = 0;

	vm->mmio_slow = false;
	for (unsigned i = 0; i < vm->nbuses; i++) {
		struct hv_bus *b = vm->bus[i];
		unsigned bar = b->dev.at.msix_bar;
		uint64_t base = pcidev_bar_base(&b->dev, bar);
		struct mmio_range r[2];
		unsigned k = 0;

		if (b->vsp.d0)
			r[k++] = (struct mmio_range){
			    b->vsp.mmio_base, b->vsp.mmio_base + PCI_CONFIG_MMIO_LENGTH, b, -1};
		if (base)
			r[k++] = (struct mmio_range){base, base + pcidev_bar_size(&b->dev, bar), b,
			                             (int)bar};
		for (unsigned m = 0; m < k; m++) {
			unsigned at = n++;
			if (r[m].hi <= r[m].lo)
				vm->mmio_slow = true; /* wraps around */
			while (at > 0 && vm->ranges[at - 1].lo > r[m].lo) {
				vm->ranges[at] = vm->ranges[at - 1];
				at--;
			}
			vm->ranges[at] = r[m];
		}
	}
	for (unsigned i = 1; i < n; i++)
		if (vm->ranges[i].lo < vm->ranges[i - 1].hi)
			vm->mmio_slow = true;
	vm->nranges = n;
	vm->mmio_last = NULL;
	vm->mmio_built = vm->mmio_gen;
}

static const struct mmio_range *mmio_search(struct hv_vm *vm, uint64_t gpa, unsigned size,
                                            bool *slow);

/* The range that claims [gpa, gpa + size), or NULL. *slow when the ranges
 * cannot answer (they overlap, or the access wraps): then the caller asks
 * bus by bus in order, window first, as the router always did. */
static inline const struct mmio_range *mmio_decode(struct hv_vm *vm, uint64_t gpa, unsigned size,
                                                   bool *slow)
{
	const struct mmio_range *last = vm->mmio_last;

	/* Accesses come in runs to one function (select the slot, then read):
	 * the range that answered last is the first to ask. It is only set
	 * while the ranges are current and do not overlap. */
	*slow = false;
	if (G_LIKELY(last && vm->mmio_built == vm->mmio_gen && gpa >= last->lo &&
	             gpa + size >= gpa && gpa + size <= last->hi))
		return last;
	return mmio_search(vm, gpa, size, slow);
}

static const struct mmio_range *mmio_search(struct hv_vm *vm, uint64_t gpa, unsigned size,
                                            bool *slow)
{
	unsigned lo = 0, hi;

	if (vm->mmio_built != vm->mmio_gen)
		mmio_rebuild(vm);
	*slow = vm->mmio_slow || gpa + size < gpa;
	if (*slow)
		return NULL;
	/* the last range starting at or below gpa */
	hi = vm->nranges;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (vm->ranges[mid].lo <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || gpa + size > vm->ranges[lo - 1].hi)
		return NULL;
	vm->mmio_last = &vm->ranges[lo - 1];
	return vm->mmio_last;
}

static uint32_t unclaimed(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

uint32_t gabi_mmio_read(struct hv_vm *vm, uint64_t gpa, unsigned size)
{
	bool slow;
	const struct mmio_range *r = mmio_decode(vm, gpa, size, &slow);
	uint32_t val;

	if (r && r->bar >= 0)
		return pcidev_bar_read(&r->b->dev, (unsigned)r->bar, (unsigned)(gpa - r->lo), size);
	if (r && vsp_mmio_read(r->b, gpa, size, &val))
		return val;
	if (!slow)
		return unclaimed(size);
	for (unsigned i = 0; i < vm->nbuses; i++) {
		struct hv_bus *b = vm->bus[i];
		unsigned bar, off;
		if (vsp_mmio_read(b, gpa, size, &val))
			return val;
		if (pcidev_bar_claims(&b->dev, gpa, size, &bar, &off))
			return pcidev_bar_read(&b->dev, bar, off, size);
	}
	return unclaimed(size);
}

void gabi_mmio_write(struct hv_vm *vm, uint64_t gpa, uint32_t value, unsigned size)
{
	bool slow;
	const struct mmio_range *r = mmio_decode(vm, gpa, size, &slow);

	if (r && r->bar >= 0) {
		/* Untrapped: the device sees the write, the hypervisor does not. */
		pcidev_bar_write(&r->b->dev, (unsigned)r->bar, (unsigned)(gpa - r->lo), value,
		                 size);
		return;
	}
	if (r && vsp_mmio_write(r->b, gpa, value, size))
		return;
	if (!slow)
		return;
	for (unsigned i = 0; i < vm->nbuses; i++) {
		struct hv_bus *b = vm->bus[i];
		unsigned bar, off;
		if (vsp_mmio_write(b, gpa, value, size))
			return;
		if (pcidev_bar_claims(&b->dev, gpa, size, &bar, &off)) {
			/* Untrapped: the device sees the write, the hypervisor does not. */
			pcidev_bar_write(&b->dev, bar, off, value, size);
			return;
		}
	}
}

void gabi_vcpu_set_online(struct hv_vm *vm, unsigned vcpu, bool online)
{
	if (vcpu >= vm->nvcpus)
		return;
	vm->vcpu_online[vcpu] = online;
	TRACE(vm->e, "vm", online ? "vcpu-online" : "vcpu-offline", "\"vcpu\":%u", vcpu);
}

void gabi_set_interrupt_entry(struct hv_vm *vm, gabi_intr_fn fn, void *ctx)
{
	vm->intr = fn;
	vm->intr_ctx = ctx;
}

void gabi_power_off(struct hv_vm *vm)
{
	uint64_t now = engine_now(vm->e);

	vm->powered = false;
	vm->last_power_off = now;
	vm->connected = false;
	vm->conn_gen++;
	vm->on_message = NULL;
	vm->on_message_ctx = NULL;
	irte_clear(&vm->irte, now);
	memset(vm->vcpu_online, 0, sizeof(vm->vcpu_online));
	for (unsigned i = 0; i < vm->nbuses; i++) {
		struct hv_bus *b = vm->bus[i];
		vmbus_reset(&b->ch);
		vsp_reset(b);
		pcidev_reset(&b->dev);
		for (unsigned v = 0; v < hv_bus_nvec(b); v++) {
			struct fire_record *r = record(vm, b->pending_fire[v]);
			if (r)
				lose(vm, r, "the VM powered off while vector %u was pending", v);
			b->pending_fire[v] = -1;
		}
	}
	vm->intr = NULL;
	vm->intr_ctx = NULL;
	tp_hit(vm->e, TP_POWER_OFF, NULL);
	TRACE(vm->e, "vm", "power-off", "\"irtes\":0");
}
