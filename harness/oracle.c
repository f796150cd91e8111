/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oracle.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>

void oracle_init(struct oracle *o, struct engine *e, struct hv_vm *vm, struct gk *g)
{
	memset(o, 0, sizeof(*o));
	o->e = e;
	o->vm = vm;
	o->g = g;
	o->watch = g_array_new(FALSE, FALSE, sizeof(unsigned));
}

void oracle_fini(struct oracle *o)
{
	g_array_free(o->watch, TRUE);
}

void oracle_rebaseline(struct oracle *o)
{
	for (unsigned d = 0; d < GK_MAX_BUSES; d++)
		for (unsigned v = 0; v < GK_MAX_VECS; v++)
			o->handled[d][v] = o->g->k.dev[d].handled[v];
}

static const char *dev_name(struct oracle *o, unsigned dev)
{
	const char *n = o->g->drv[dev].name;
	return n[0] ? n : "device";
}

/* The guest's irq for (dev, vector), or NULL if the guest has none. */
static struct gk_irq *guest_irq(struct oracle *o, unsigned dev, unsigned vector)
{
	struct gk_pci_dev *d = &o->g->k.dev[dev];

	if (!d->present || !d->msix_enabled || vector >= d->nvec || !d->desc[vector].in_use)
		return NULL;
	return &o->g->k.irq[d->desc[vector].irq];
}

static bool wants_interrupts(const struct gk_irq *i)
{
	return i && i->requested && !i->disable_depth;
}

/* Judges one record; returns true if it must be looked at again later. */
static bool judge(struct oracle *o, const struct fire_record *r, unsigned *delivered)
{
	char subject[64], t[32];
	struct gk_irq *want = guest_irq(o, r->dev, r->vector);

	snprintf(subject, sizeof(subject), "%s/%u", dev_name(o, r->dev), r->vector);
	switch (r->outcome) {
	case FIRE_OUT_LOST:
	case FIRE_OUT_IN_FLIGHT: {
		char msg[64] = "";
		if (r->address || r->data)
			snprintf(msg, sizeof(msg), " as address %#" PRIx64 " data %#x", r->address,
			         r->data);
		engine_violation(o->e, "delivery", "lost", subject,
		                 "vector %u of %s fired at t=%s%s: %s; interrupt lost", r->vector,
		                 dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)), msg,
		                 r->reason[0] ? r->reason : "it never arrived");
		return false;
	}
	case FIRE_OUT_PENDING:
		if (!wants_interrupts(want))
			return true; /* masked because nobody wants it now: legitimate */
		engine_violation(
		    o->e, "delivery", "stuck-pending", subject,
		    "vector %u of %s fired at t=%s and stays pending in the device (%s) "
		    "although the guest has irq %u requested and enabled; it will "
		    "never be delivered",
		    r->vector, dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)),
		    r->reason, (unsigned)(want - o->g->k.irq));
		return false;
	case FIRE_OUT_DELIVERED: {
		uint16_t slot =
		    r->vcpu < GK_MAX_CPUS ? o->g->k.vector_irq[r->vcpu][r->guest_vector] : 0;
		if (!want || !slot || &o->g->k.irq[slot - 1] != want) {
			const struct gk_irq *got = slot ? &o->g->k.irq[slot - 1] : NULL;
			char to[64] = "nothing (spurious)";
			if (got)
				snprintf(to, sizeof(to), "vector %u of %s", got->msi_index,
				         dev_name(o, got->dev));
			engine_violation(
			    o->e, "delivery", "misrouted", subject,
			    "vector %u of %s fired at t=%s reached CPU %u vector %#x, which "
			    "the guest maps to %s%s",
			    r->vector, dev_name(o, r->dev), engine_fmt_time(r->time, t, sizeof(t)),
			    r->vcpu, r->guest_vector, to,
			    want ? "" : "; the guest has no irq for it");
			return false;
		}
		delivered[r->dev * GK_MAX_VECS + r->vector]++;
		return false;
	}
	}
	return false;
}

void oracle_check_delivery(struct oracle *o)
{
	unsigned n = hv_vm_fire_count(o->vm);
	g_autofree unsigned *delivered = g_new0(unsigned, GK_MAX_BUSES *GK_MAX_VECS);
	g_autoptr(GArray) still = g_array_new(FALSE, FALSE, sizeof(unsigned));

	for (guint k = 0; k < o->watch->len; k++) {
		unsigned id = g_array_index(o->watch, unsigned, k);
		const struct fire_record *r = hv_vm_fire_record(o->vm, id);
		if (r->outcome == FIRE_OUT_LOST && hv_vm_last_power_off(o->vm) != UINT64_MAX &&
		    r->done_time == hv_vm_last_power_off(o->vm))
			continue; /* a legitimately pending vector dies with the VM */
		if (judge(o, r, delivered))
			g_array_append_val(still, id);
	}
	for (unsigned id = o->next_record; id < n; id++)
		if (judge(o, hv_vm_fire_record(o->vm, id), delivered))
			g_array_append_val(still, id);
	o->next_record = n;
	g_array_set_size(o->watch, 0);
	g_array_append_vals(o->watch, still->data, still->len);
	/* judged for good, apart from those still watched: the host may free them */
	hv_vm_fire_records_release(o->vm, n, (const unsigned *)(void *)o->watch->data,
	                           o->watch->len);

	for (unsigned d = 0; d < o->g->k.nbuses; d++) {
		for (unsigned v = 0; v < GK_MAX_VECS; v++) {
			uint64_t now = o->g->k.dev[d].handled[v];
			uint64_t delta = now - o->handled[d][v];
			if (now >= o->handled[d][v] && delta > delivered[d * GK_MAX_VECS + v]) {
				char subject[64];
				snprintf(subject, sizeof(subject), "%s/%u", dev_name(o, d), v);
				engine_violation(o->e, "delivery", "duplicate", subject,
				                 "the handler of vector %u of %s ran %" PRIu64
				                 " times for %u delivered interrupts",
				                 v, dev_name(o, d), delta,
				                 delivered[d * GK_MAX_VECS + v]);
			}
			o->handled[d][v] = now;
		}
	}
}

/* The dedup key of a per-vector violation; formatted only when one is
 * reported, since the checks run after every step. */
static const char *vector_subject(struct oracle *o, unsigned dev, unsigned v, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u", dev_name(o, dev), v);
	return buf;
}

static void check_vector(struct oracle *o, unsigned dev, unsigned v)
{
	struct gk_pci_dev *d = &o->g->k.dev[dev];
	struct pcidev *hw = hv_vm_device(o->vm, dev);
	struct gk_msi_desc *desc = &d->desc[v];
	struct gk_irq *i = &o->g->k.irq[desc->irq];
	bool hw_masked, cache_masked = desc->msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT;
	uint64_t address;
	uint32_t data;
	char subject[64], t[32];

	pcidev_msix_entry(hw, v, &address, &data, &hw_masked);
	if (hw_masked != cache_masked)
		engine_violation(o->e, "mask", "cache-mismatch",
		                 vector_subject(o, dev, v, subject, sizeof(subject)),
		                 "vector %u of %s: the guest's cached Vector Control says %s, the "
		                 "device says %s",
		                 v, dev_name(o, dev), cache_masked ? "masked" : "unmasked",
		                 hw_masked ? "masked" : "unmasked");
	if (!wants_interrupts(i) || i->masked)
		return;
	if (hw_masked || cache_masked || pcidev_msix_function_masked(hw) ||
	    !pcidev_msix_enabled(hw)) {
		engine_violation(
		    o->e, "mask", "stuck-masked",
		    vector_subject(o, dev, v, subject, sizeof(subject)),
		    "vector %u of %s (irq %u) is requested and enabled and the IRQ core believes "
		    "it unmasked, but %s; its interrupts will stay pending forever",
		    v, dev_name(o, dev), desc->irq,
		    !pcidev_msix_enabled(hw)          ? "MSI-X is disabled in the device"
		    : pcidev_msix_function_masked(hw) ? "MSI-X Function Mask is set in the device"
		    : hw_masked ? "Vector Control MASKBIT is set in the device"
		                : "the guest's cached Vector Control has MASKBIT set");
		return;
	}
	struct irte *e =
	    irte_lookup(hv_vm_irte(o->vm), hv_vm_device_logical_id(o->vm, dev), address, data);
	if (!e) {
		uint64_t off = hv_vm_last_power_off(o->vm);
		char why[96] = "";
		if (off != UINT64_MAX)
			snprintf(why, sizeof(why),
			         " (all entries were dropped at power-off at t=%s)",
			         engine_fmt_time(off, t, sizeof(t)));
		engine_violation(o->e, "remap", "no-entry",
		                 vector_subject(o, dev, v, subject, sizeof(subject)),
		                 "vector %u of %s is unmasked and programmed with address %#" PRIx64
		                 " data %#x, but no interrupt remapping entry exists for it%s; "
		                 "its interrupts will be lost",
		                 v, dev_name(o, dev), address, data, why);
		return;
	}
	if (!hv_vm_vcpu_online(o->vm, e->vcpu)) {
		engine_violation(o->e, "remap", "offline-target",
		                 vector_subject(o, dev, v, subject, sizeof(subject)),
		                 "vector %u of %s is remapped to vCPU %u, which is offline", v,
		                 dev_name(o, dev), e->vcpu);
		return;
	}
	uint32_t gv = e->vector + (data - e->data);
	if (gv > 0xff || o->g->k.vector_irq[e->vcpu][gv] != desc->irq + 1)
		engine_violation(o->e, "remap", "wrong-vector",
		                 vector_subject(o, dev, v, subject, sizeof(subject)),
		                 "vector %u of %s is remapped to CPU %u vector %#x, but the guest "
		                 "handles irq %u on CPU %u vector %#x",
		                 v, dev_name(o, dev), e->vcpu, gv, desc->irq, i->cpu, i->vector);
}

void oracle_check_quiescent(struct oracle *o)
{
	if (!hv_vm_powered(o->vm))
		return;
	for (unsigned dev = 0; dev < o->g->k.nbuses; dev++) {
		struct gk_pci_dev *d = &o->g->k.dev[dev];
		if (!d->present || !d->msix_enabled || d->current_state != PCI_D0)
			continue;
		if (o->g->k.hbus[d->bus].state != HV_PCIBUS_INSTALLED)
			continue;
		for (unsigned v = 0; v < d->nvec; v++)
			if (d->desc[v].in_use)
				check_vector(o, dev, v);
	}
}

static void blocked(struct task *t, const char *waiting_on, void *arg)
{
	struct oracle *o = arg;

	engine_violation(o->e, "tasks", "blocked-forever", task_name(t),
	                 "task %s waits for %s and nothing left in the simulation can wake it",
	                 task_name(t), waiting_on);
}

void oracle_check_progress(struct oracle *o)
{
	unsigned n = gk_error_count(o->g);

	if (n > o->guest_errors) {
		char subject[32];
		snprintf(subject, sizeof(subject), "%u", n);
		engine_violation(o->e, "guest", "error", subject, "%s", gk_error(o->g));
		o->guest_errors = n;
	}
	engine_for_each_blocked(o->e, blocked, o);
}

void oracle_check_end(struct oracle *o)
{
	for (unsigned r = 0; r < REACH__COUNT; r++)
		if (o->required[r] && !engine_reached(o->e, r))
			engine_violation(
			    o->e, "reach", "missed", reach_name(r),
			    "the run never reached \"%s\", which this scenario exists to "
			    "reach",
			    reach_name(r));
	for (unsigned b = 0; b < hv_vm_device_count(o->vm); b++) {
		uint64_t rej = hv_vm_bus_rejected(o->vm, b);
		uint64_t bad = b < GK_MAX_BUSES ? o->g->k.hbus[b].invalid_packets : 0;
		if (rej || bad) {
			char subject[16];
			snprintf(subject, sizeof(subject), "bus%u", b);
			engine_violation(o->e, "protocol", "bad-packet", subject,
			                 "bus %u: the host refused %" PRIu64
			                 " guest packet(s) and the guest refused %" PRIu64
			                 " host packet(s) as malformed or out of order",
			                 b, rej, bad);
		}
	}
}
