/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Hyper-V vPCI front driver: protocol negotiation, the probe handshake,
 * the bridge windows and BAR placement, config access for the PCI core,
 * the MSI irq chip (compose = CREATE_INTERRUPT and wait; unmask =
 * HVCALL_RETARGET_INTERRUPT, then the PCI-level unmask), suspend and
 * resume. Packets from the host are checked before they are believed.
 */
#include "hv-bridge.h"
#include "init.h"
#include "irq.h"
#include "pci.h"
#include "vmbus-sim/hv-abi.h"
#include "vmbus-sim/pci-regs.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <string.h>

#define BUS_TRACE(g, hb, ev, fmt, ...)                                                             \
	TRACE((g)->e, "hv_pci", ev, "\"bus\":%u," fmt, bus_nr(g, hb), ##__VA_ARGS__)

#define D0EXIT_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define COMPOSE_POLL_NS   (100 * NSEC_PER_USEC)
#define HV_PAGE_SIZE      UINT64_C(4096)

/* A request's address as an id, in the vmalloc'ed stack area of the task
 * that waits for it: what a kernel without the VMBus requestor sends. */
#define STACK_ID_BASE UINT64_C(0xffffc90000100000)

/* The versions this kernel knows, highest first. */
static unsigned known_versions(const struct gk *g, uint32_t *out)
{
	unsigned n = 0;

	if (gk_behaviour(g, BEH_PROTOCOL_1_4))
		out[n++] = PCI_PROTOCOL_VERSION_1_4;
	if (gk_behaviour(g, BEH_PROTOCOL_1_3))
		out[n++] = PCI_PROTOCOL_VERSION_1_3;
	out[n++] = PCI_PROTOCOL_VERSION_1_2;
	out[n++] = PCI_PROTOCOL_VERSION_1_1;
	return n;
}

static unsigned bus_nr(const struct gk *g, const struct gk_hbus *hb)
{
	return (unsigned)(hb - g->k.hbus);
}

static const char *message_name(const void *msg)
{
	uint32_t type;
	const char *name;

	memcpy(&type, msg, sizeof(type));
	name = vpci_message_name(type);
	return name ? name : "an unknown message";
}

/* ---- the receive path (the channel callback, in event context) ---- */

static void *ctx_for(struct gk *g, unsigned bus)
{
	g->bus_ctx[bus].g = g;
	g->bus_ctx[bus].bus = bus;
	return &g->bus_ctx[bus];
}

static void on_relations(struct gk *g, struct gk_hbus *hb, const uint8_t *pkt, size_t len, bool v2)
{
	size_t fsize =
	    v2 ? sizeof(struct pci_function_description2) : sizeof(struct pci_function_description);
	size_t head = offsetof(struct pci_bus_relations, func);
	uint32_t count;

	/* Without the size checks the handler reads the receive buffer as
	 * far as the count says, whatever the host sent. */
	if (!gk_behaviour(g, BEH_VALIDATE_HOST_VALUES))
		len = GK_RX_BUF;
	if (len < head) {
		hb->invalid_packets++;
		BUS_TRACE(g, hb, "bad-packet", "\"why\":\"bus relations too small\"");
		return;
	}
	memcpy(&count, pkt + offsetof(struct pci_bus_relations, device_count), 4);
	if (!gk_behaviour(g, BEH_VALIDATE_HOST_VALUES) && count > (len - head) / fsize)
		count = (uint32_t)((len - head) / fsize); /* the model stops at its buffer */
	if (count > 256 || len < head + count * fsize) {
		hb->invalid_packets++;
		BUS_TRACE(g, hb, "bad-packet", "\"why\":\"bus relations too small for %u devices\"",
		          count);
		return;
	}
	if (hb->state == HV_PCIBUS_REMOVING) {
		BUS_TRACE(g, hb, "relations-ignored", "\"devices\":%u", count);
		return;
	}
	if (count >= 1) {
		struct pci_function_description f;
		memcpy(&f, pkt + head, sizeof(f));
		if (hb->child_present && (f.v_id != hb->child.v_id || f.d_id != hb->child.d_id ||
		                          f.ser != hb->child.ser))
			hb->child_has_requirements = false; /* a different device now */
		hb->child = f;
		hb->child_present = true;
	} else {
		hb->child_present = false;
	}
	hb->relations_seen = true;
	BUS_TRACE(g, hb, "relations", "\"devices\":%u", count);
	complete(g->e, &hb->survey);
}

/* The request a completion's transaction id names, or NULL. With the
 * requestor an id is checked against the ids handed out; without it the id
 * is the address of the waiting request and the kernel simply uses it. */
static struct gk_request *request_for(struct gk *g, struct gk_hbus *hb, uint64_t id)
{
	if (gk_behaviour(g, BEH_REQUESTOR_IDS)) {
		if (id == 0 || id > HV_PCI_RQSTOR_SIZE || !hb->rqstor[id - 1].in_use) {
			hb->invalid_packets++;
			BUS_TRACE(g, hb, "bad-packet",
			          "\"why\":\"invalid transaction id %" G_GUINT64_FORMAT "\"", id);
			return NULL;
		}
		return &hb->rqstor[id - 1];
	}
	for (unsigned i = 0; i < hb->rqstor_hi; i++)
		if (hb->rqstor[i].trans_id == id && hb->rqstor[i].in_use)
			return &hb->rqstor[i];
	/* The address is dereferenced anyway: a request that gave up (its
	 * stack frame gone) or no request at all. */
	gk_fail(g, -EFAULT,
	        "vPCI bus %u: a completion with transaction id %#" G_GINT64_MODIFIER
	        "x was written through that id as a pointer, but no request waits there",
	        bus_nr(g, hb), id);
	return NULL;
}

void hv_pci_onchannelcallback(void *ctx, const void *data, size_t len)
{
	struct gk_bus_ctx *c = ctx;
	struct gk *g = c->g;
	struct gk_hbus *hb = &g->k.hbus[c->bus];
	const uint8_t *pkt = data;
	struct vmbus_pkt_hdr hdr;
	uint32_t type;

	if (len <= sizeof(struct pci_response)) {
		hb->invalid_packets++;
		return;
	}
	/* The receive buffer is reused from packet to packet: what a short
	 * packet leaves unwritten is the end of an earlier one. */
	if (len <= GK_RX_BUF) {
		memcpy(g->rxbuf[c->bus], pkt, len);
		pkt = g->rxbuf[c->bus];
	}
	memcpy(&hdr, pkt, sizeof(hdr));
	if (hdr.type == VM_PKT_COMP) {
		struct gk_request *r = request_for(g, hb, hdr.trans_id);
		if (!r)
			return;
		/* Without validation the handler reads its whole answer. */
		r->resp_len = gk_behaviour(g, BEH_VALIDATE_HOST_VALUES) || len > GK_RX_BUF
		                  ? MIN(len, r->resp_cap)
		                  : MIN(GK_RX_BUF, r->resp_cap);
		memcpy(r->resp, pkt, r->resp_len);
		r->in_use = false;
		complete(g->e, r->done);
		return;
	}
	if (hdr.type != VM_PKT_DATA_INBAND) {
		hb->invalid_packets++;
		BUS_TRACE(g, hb, "bad-packet", "\"why\":\"unhandled packet type %u\"", hdr.type);
		return;
	}
	memcpy(&type, pkt + sizeof(hdr), 4);
	switch (type) {
	case PCI_BUS_RELATIONS:
		on_relations(g, hb, pkt, len, false);
		break;
	case PCI_BUS_RELATIONS2:
		on_relations(g, hb, pkt, len, true);
		break;
	default:
		BUS_TRACE(g, hb, "unimplemented", "\"type\":\"%#x\"", type);
		break;
	}
}

/* ---- requests ---- */

/* Sends msg with a completion requested and waits for the answer. Every
 * failure of the exchange itself (no id, send, wait, short answer) is
 * recorded here; the status inside the answer is the caller's. */
static int send_request(struct gk *g, struct gk_hbus *hb, const void *msg, size_t len, void *resp,
                        size_t resp_cap, size_t *resp_len, bool poll, uint64_t timeout_ns)
{
	struct completion done;
	int slot = -1, r;

	for (int i = 0; i < HV_PCI_RQSTOR_SIZE; i++) {
		if (!hb->rqstor[i].in_use) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		gk_fail(g, -EAGAIN, "vPCI bus %u: no request id free for %s", bus_nr(g, hb),
		        message_name(msg));
		return -EAGAIN;
	}
	completion_init(&done, vpci_message_name(*(const uint32_t *)msg));
	if ((unsigned)slot >= hb->rqstor_hi)
		hb->rqstor_hi = (unsigned)slot + 1;
	hb->rqstor[slot] = (struct gk_request){
	    .in_use = true,
	    .done = &done,
	    .resp = resp,
	    .resp_cap = resp_cap,
	    .trans_id =
	        gk_behaviour(g, BEH_REQUESTOR_IDS)
	            ? (uint64_t)slot + 1
	            : STACK_ID_BASE + bus_nr(g, hb) * UINT64_C(0x10000) + slot * UINT64_C(0x400)};
	r = gabi_vmbus_send(g->vm, hb->channel, msg, len, hb->rqstor[slot].trans_id,
	                    VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	if (r < 0) {
		hb->rqstor[slot].in_use = false;
		gk_fail(g, r, "vPCI bus %u: cannot send %s (%d)", bus_nr(g, hb), message_name(msg),
		        r);
		return r;
	}
	if (poll)
		r = completion_poll(g->e, &done, COMPOSE_POLL_NS, timeout_ns);
	else
		r = completion_wait(g->e, &done, timeout_ns);
	if (r < 0) {
		/* Give the id back so a late completion finds nothing. */
		hb->rqstor[slot].in_use = false;
		gk_fail(g, r, "vPCI bus %u: no answer to %s (%d)", bus_nr(g, hb), message_name(msg),
		        r);
		return r;
	}
	if (resp_len)
		*resp_len = hb->rqstor[slot].resp_len;
	if (hb->rqstor[slot].resp_len < sizeof(struct pci_response)) {
		gk_fail(g, -EIO, "vPCI bus %u: the answer to %s is too short (%zu bytes)",
		        bus_nr(g, hb), message_name(msg), hb->rqstor[slot].resp_len);
		return -EIO;
	}
	return 0;
}

static int32_t response_status(const void *resp)
{
	int32_t s;

	memcpy(&s, (const uint8_t *)resp + offsetof(struct pci_response, status), 4);
	return s;
}

/* A request whose answer is a plain pci_response: 0 and its status, or
 * -errno when no answer came. */
static int simple_request(struct gk *g, struct gk_hbus *hb, const void *msg, size_t len,
                          uint64_t timeout_ns, int32_t *status)
{
	uint8_t resp[64] = {0};
	int r = send_request(g, hb, msg, len, resp, sizeof(resp), NULL, false, timeout_ns);

	if (r < 0)
		return r;
	*status = response_status(resp);
	return 0;
}

/* A packet that asks for no completion. */
static int send_message(struct gk *g, struct gk_hbus *hb, const void *msg, size_t len)
{
	int r = gabi_vmbus_send(g->vm, hb->channel, msg, len, 0, 0);

	if (r < 0)
		gk_fail(g, r, "vPCI bus %u: cannot send %s (%d)", bus_nr(g, hb), message_name(msg),
		        r);
	return r;
}

static int negotiate(struct gk *g, struct gk_hbus *hb, bool resume)
{
	uint32_t versions[4];
	unsigned n = resume ? 1 : known_versions(g, versions);

	for (unsigned i = 0; i < n; i++) {
		struct pci_version_request req = {.message_type.type = PCI_QUERY_PROTOCOL_VERSION,
		                                  .protocol_version =
		                                      resume ? hb->protocol_version : versions[i]};
		int32_t status;
		int r = simple_request(g, hb, &req, sizeof(req), 0, &status);
		if (r < 0)
			return r;
		if (status >= 0) {
			hb->protocol_version = req.protocol_version;
			BUS_TRACE(g, hb, "version", "\"version\":\"%#x\"", hb->protocol_version);
			return 0;
		}
		if ((uint32_t)status != STATUS_REVISION_MISMATCH) {
			gk_fail(g, -EPROTO,
			        "vPCI bus %u: protocol negotiation failed with status %#x",
			        bus_nr(g, hb), (uint32_t)status);
			return -EPROTO;
		}
	}
	gk_fail(g, -EPROTO, "vPCI bus %u: PCI pass-through VSP failed to find supported version",
	        bus_nr(g, hb));
	return -EPROTO;
}

static int query_relations(struct gk *g, struct gk_hbus *hb)
{
	struct pci_message m = {.type = PCI_QUERY_BUS_RELATIONS};
	int r;

	completion_init(&hb->survey, "BUS_RELATIONS");
	if ((r = send_message(g, hb, &m, sizeof(m))) < 0)
		return r;
	if ((r = completion_wait(g->e, &hb->survey, 0)) < 0) {
		gk_fail(g, r, "vPCI bus %u: no BUS_RELATIONS came (%d)", bus_nr(g, hb), r);
		return r;
	}
	if (hb->child_present && !hb->child_has_requirements) {
		struct pci_child_message q = {.message_type.type = PCI_QUERY_RESOURCE_REQUIREMENTS,
		                              .wslot.slot = hb->child.win_slot.slot};
		struct pci_q_res_req_response resp = {0};
		size_t got = 0;
		r = send_request(g, hb, &q, sizeof(q), &resp, sizeof(resp), &got, false, 0);
		if (r < 0)
			return r;
		if (got < sizeof(resp) && gk_behaviour(g, BEH_VALIDATE_HOST_VALUES)) {
			hb->invalid_packets++;
			resp.status = -1;
		}
		if (resp.status < 0) {
			gk_fail(g, -EPROTO, "vPCI bus %u: resource requirements query failed: %#x",
			        bus_nr(g, hb), (uint32_t)resp.status);
			return -EPROTO;
		}
		memcpy(hb->probed_bar, resp.probed_bar, sizeof(hb->probed_bar));
		hb->child_has_requirements = true;
	}
	return 0;
}

/* hv_pci_bus_exit(): RESOURCES_RELEASED for the child (for every slot from
 * 255 down when `every_slot`: what the D0-entry retry sets up, not knowing
 * what the host holds), then D0EXIT (10 s). */
static int bus_exit(struct gk *g, struct gk_hbus *hb, bool every_slot)
{
	struct pci_message exit_msg = {.type = PCI_BUS_D0EXIT};
	int32_t status = 0;
	int r;

	if (gabi_vmbus_rescinded(g->vm, hb->channel))
		return 0;
	if (every_slot) {
		for (int slot = 255; slot >= 0; slot--) {
			struct pci_child_message rel = {.message_type.type = PCI_RESOURCES_RELEASED,
			                                .wslot.slot = (uint32_t)slot};
			if ((r = send_message(g, hb, &rel, sizeof(rel))) < 0)
				return r;
		}
		hb->child_resourced = false;
	} else if (hb->child_present && hb->child_resourced) {
		struct pci_child_message rel = {.message_type.type = PCI_RESOURCES_RELEASED,
		                                .wslot.slot = hb->child.win_slot.slot};
		if ((r = send_message(g, hb, &rel, sizeof(rel))) < 0)
			return r;
		hb->child_resourced = false;
	}
	/* The status D0EXIT answers with is not looked at, as in pci-hyperv:
	 * an answer is all the bus waits for. */
	return simple_request(g, hb, &exit_msg, sizeof(exit_msg), D0EXIT_TIMEOUT_NS, &status);
}

static int enter_d0(struct gk *g, struct gk_hbus *hb, bool retry)
{
	struct pci_bus_d0_entry m = {.message_type.type = PCI_BUS_D0ENTRY,
	                             .mmio_base = hb->cfg_gpa};
	int32_t status;
	int r = simple_request(g, hb, &m, sizeof(m), 0, &status);

	if (r < 0)
		return r;
	if (status < 0 && retry) {
		/* What a kdump kernel does: leave D0 and try once more. */
		BUS_TRACE(g, hb, "d0-entry-retry", "\"status\":\"%#x\"", (uint32_t)status);
		tp_hit(g->e, TP_D0_ENTRY_RETRIED, NULL);
		if ((r = bus_exit(g, hb, true)) < 0)
			return r;
		return enter_d0(g, hb, false);
	}
	if (status < 0) {
		gk_fail(g, -EPROTO,
		        "vPCI bus %u: PCI Pass-through VSP failed D0 Entry with status %#x",
		        bus_nr(g, hb), (uint32_t)status);
		return -EPROTO;
	}
	return 0;
}

static int send_resources_assigned(struct gk *g, struct gk_hbus *hb)
{
	int32_t status;
	int r;

	if (!hb->child_present)
		return 0;
	if (hb->protocol_version == PCI_PROTOCOL_VERSION_1_1) {
		struct pci_resources_assigned m = {0};
		m.message_type.type = PCI_RESOURCES_ASSIGNED;
		m.wslot.slot = hb->child.win_slot.slot;
		r = simple_request(g, hb, &m, sizeof(m), 0, &status);
	} else {
		struct pci_resources_assigned2 m = {0};
		m.message_type.type = PCI_RESOURCES_ASSIGNED2;
		m.wslot.slot = hb->child.win_slot.slot;
		r = simple_request(g, hb, &m, sizeof(m), 0, &status);
	}
	if (r < 0)
		return r;
	if (status < 0) {
		gk_fail(g, -EPROTO, "vPCI bus %u: resources assigned failed: %#x", bus_nr(g, hb),
		        (uint32_t)status);
		return -EPROTO;
	}
	hb->child_resourced = true;
	return 0;
}

/* ---- config space (struct pci_ops of the bus) ---- */

static unsigned child_devfn(const struct gk_hbus *hb)
{
	return (hb->child.win_slot.bits.dev << 3) | hb->child.win_slot.bits.func;
}

/* The two-page config window: the function's slot selects it in the first
 * page, its config space shows in the second. The config lock is held with
 * interrupts off. */
static uint32_t window_read(struct gk *g, struct gk_hbus *hb, unsigned where, unsigned size)
{
	uint32_t v;

	task_atomic_enter(g->e);
	gabi_mmio_write(g->vm, hb->cfg_gpa, hb->child.win_slot.slot, 4);
	v = gabi_mmio_read(g->vm, hb->cfg_gpa + CFG_PAGE_OFFSET + where, size);
	task_atomic_exit(g->e);
	return v;
}

static void window_write(struct gk *g, struct gk_hbus *hb, unsigned where, uint32_t val,
                         unsigned size)
{
	task_atomic_enter(g->e);
	gabi_mmio_write(g->vm, hb->cfg_gpa, hb->child.win_slot.slot, 4);
	gabi_mmio_write(g->vm, hb->cfg_gpa + CFG_PAGE_OFFSET + where, val, size);
	task_atomic_exit(g->e);
}

static struct gk_hbus *config_target(struct gk *g, unsigned bus, unsigned devfn, unsigned where,
                                     unsigned size, int *err)
{
	struct gk_hbus *hb = bus < GK_MAX_BUSES ? &g->k.hbus[bus] : NULL;

	if (!hb || !hb->child_present || devfn != child_devfn(hb)) {
		gk_fail(g, -ENODEV, "vPCI bus %u: config access to %02x.%u: no such function", bus,
		        devfn >> 3, devfn & 7);
		*err = -ENODEV;
		return NULL;
	}
	if ((size != 1 && size != 2 && size != 4) || (where & (size - 1)) ||
	    where + size > PCI_CONFIG_MMIO_LENGTH - CFG_PAGE_OFFSET) {
		gk_fail(g, -EINVAL, "vPCI bus %u: config access of %u bytes at %#x", bus, size,
		        where);
		*err = -EINVAL;
		return NULL;
	}
	return hb;
}

static int hv_pcifront_read_config(struct gk *g, unsigned bus, unsigned devfn, unsigned where,
                                   unsigned size, uint32_t *val)
{
	int err = 0;
	struct gk_hbus *hb = config_target(g, bus, devfn, where, size, &err);

	*val = hb ? window_read(g, hb, where, size) : ~0u;
	return err;
}

static int hv_pcifront_write_config(struct gk *g, unsigned bus, unsigned devfn, unsigned where,
                                    unsigned size, uint32_t val)
{
	int err = 0;
	struct gk_hbus *hb = config_target(g, bus, devfn, where, size, &err);

	if (hb)
		window_write(g, hb, where, val, size);
	return err;
}

const struct pci_ops hv_pcifront_ops = {
    .read = hv_pcifront_read_config,
    .write = hv_pcifront_write_config,
};

/* ---- MMIO: the bridge windows and the BARs in them ---- */

/* What probed_bar[i] (with [i+1] for a 64-bit BAR) asks for: its size, 0
 * for none. Sets *is64 and returns the registers it took in *regs. */
static uint64_t probed_bar_size(const struct gk_hbus *hb, unsigned i, bool *is64, unsigned *regs)
{
	uint32_t v = hb->probed_bar[i];
	uint64_t mask;

	*is64 = false;
	*regs = 1;
	if (!v || (v & PCI_BASE_ADDRESS_SPACE_IO))
		return 0;
	mask = v & PCI_BASE_ADDRESS_MEM_MASK;
	if ((v & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64 &&
	    i + 1 < PCI_STD_NUM_BARS) {
		mask |= (uint64_t)hb->probed_bar[i + 1] << 32;
		*is64 = true;
		*regs = 2;
	}
	return mask & (~mask + 1);
}

static uint64_t page_round(uint64_t size)
{
	return (size + HV_PAGE_SIZE - 1) & ~(HV_PAGE_SIZE - 1);
}

/* vmbus_allocate_mmio(), simply: aligned blocks handed out upwards from the
 * base of the low or high range, never given back. The low range starts
 * with a config window per bus. */
static int allocate_mmio(struct gk *g, bool high, uint64_t size, uint64_t align, uint64_t *out)
{
	uint64_t low, low_size, high_base, high_size, base, limit, start, *used;

	gabi_mmio_ranges(g->vm, &low, &low_size, &high_base, &high_size);
	base = high ? high_base : low + GK_MAX_BUSES * PCI_CONFIG_MMIO_LENGTH;
	limit = high ? high_base + high_size : low + low_size;
	used = high ? &g->k.mmio_high_used : &g->k.mmio_low_used;
	start = (base + *used + align - 1) & ~(align - 1);
	if (start < base || start > limit || size > limit - start)
		return -ENOSPC;
	*used = start + size - base;
	*out = start;
	return 0;
}

static uint64_t pow2_floor(uint64_t x)
{
	return x ? UINT64_C(1) << (63 - __builtin_clzll(x)) : 0;
}

/* hv_allocate_bridge_windows(): one window for the 32-bit BARs below 4 GiB
 * and one for the 64-bit BARs above, each sized for its BARs and aligned so
 * that the largest sits naturally aligned at its start. Kept for resume. */
static int allocate_bridge_windows(struct gk *g, struct gk_hbus *hb)
{
	uint64_t low = 0, high = 0;
	int r;

	if (hb->windows_allocated || !hb->child_present)
		return 0;
	for (unsigned i = 0, regs; i < PCI_STD_NUM_BARS; i += regs) {
		bool is64;
		uint64_t size = probed_bar_size(hb, i, &is64, &regs);
		if (hb->probed_bar[i] & PCI_BASE_ADDRESS_SPACE_IO)
			BUS_TRACE(g, hb, "dev_err",
			          "\"msg\":\"BAR %u is an I/O BAR: not supported\"", i);
		if (is64)
			high += page_round(size);
		else
			low += page_round(size);
	}
	if (low && (r = allocate_mmio(g, false, low, pow2_floor(low), &hb->low_mmio_base)) < 0) {
		gk_fail(g, r, "vPCI bus %u: need %#" G_GINT64_MODIFIER "x of low MMIO space",
		        bus_nr(g, hb), low);
		return r;
	}
	if (high && (r = allocate_mmio(g, true, high, pow2_floor(high), &hb->high_mmio_base)) < 0) {
		gk_fail(g, r, "vPCI bus %u: need %#" G_GINT64_MODIFIER "x of high MMIO space",
		        bus_nr(g, hb), high);
		return r;
	}
	hb->low_mmio_size = low;
	hb->high_mmio_size = high;
	hb->windows_allocated = true;
	return 0;
}

/* prepopulate_bars(): every BAR the host reported gets an address in its
 * window, largest first, so each is naturally aligned. Memory decoding goes
 * off first (Hyper-V ignores BAR writes while it is on) and stays off. */
static void prepopulate_bars(struct gk *g, struct gk_hbus *hb)
{
	struct {
		unsigned bar;
		bool is64;
		uint64_t size;
	} order[PCI_STD_NUM_BARS];
	unsigned n = 0;
	uint64_t low = hb->low_mmio_base, high = hb->high_mmio_base;
	uint32_t cmd;

	if (!hb->child_present)
		return;
	for (unsigned i = 0, regs; i < PCI_STD_NUM_BARS; i += regs) {
		bool is64;
		uint64_t size = probed_bar_size(hb, i, &is64, &regs);
		unsigned at = n;
		if (!size)
			continue;
		n++;
		while (at > 0 && order[at - 1].size < size) {
			order[at] = order[at - 1];
			at--;
		}
		order[at].bar = i;
		order[at].is64 = is64;
		order[at].size = size;
	}
	cmd = window_read(g, hb, PCI_COMMAND, 2);
	window_write(g, hb, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY, 2);
	for (unsigned k = 0; k < n; k++) {
		uint64_t *next = order[k].is64 ? &high : &low;
		unsigned reg = PCI_BASE_ADDRESS_0 + 4 * order[k].bar;

		window_write(g, hb, reg, (uint32_t)*next, 4);
		if (order[k].is64)
			window_write(g, hb, reg + 4, (uint32_t)(*next >> 32), 4);
		*next += page_round(order[k].size);
	}
}

/* ---- probe, suspend, resume ---- */

static int open_channel(struct gk *g, unsigned bus)
{
	struct gk_hbus *hb = &g->k.hbus[bus];
	int r = gabi_vmbus_open(g->vm, hb->channel, hv_pci_onchannelcallback, ctx_for(g, bus));

	if (r < 0) {
		gk_fail(g, r, "vPCI bus %u: cannot open its VMBus channel (%d)", bus, r);
		return r;
	}
	hb->channel_open = true;
	return 0;
}

static void close_channel(struct gk *g, struct gk_hbus *hb)
{
	gabi_vmbus_close(g->vm, hb->channel);
	hb->channel_open = false;
	for (unsigned i = 0; i < hb->rqstor_hi; i++)
		hb->rqstor[i].in_use = false;
}

/* create_root_hv_pci_bus(): the PCI core's root bus with this bridge's
 * config access and MSI domain, the scan, then driver binding. */
static int create_root_bus(struct gk *g, struct gk_hbus *hb, unsigned bus)
{
	struct gk_pci_dev *d = &g->k.dev[bus];
	int r;

	if ((r = pci_create_root_bus(g, bus, &hv_pcifront_ops, bus)) < 0)
		return r;
	if (!hb->child_present)
		return 0;
	r = pci_scan_device(g, bus, child_devfn(hb), d);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	BUS_TRACE(g, hb, "scan", "\"dev\":\"%s\",\"vendor\":\"%#x\",\"device\":\"%#x\"", d->name,
	          d->vendor_id, d->device_id);
	pci_bus_add_device(g, d);
	return 0;
}

static int hv_pci_probe(struct gk *g, unsigned bus)
{
	struct gk_hbus *hb = &g->k.hbus[bus];
	const struct gk_hv_dev *hdev = &g->k.hv_dev[bus];
	uint64_t low, low_size, high, high_size;
	int r;

	hb->present = true;
	hb->pci_dev = bus;
	hb->channel = hdev->channel;
	memcpy(hb->instance_guid, hdev->instance_guid, sizeof(hb->instance_guid));
	hb->state = HV_PCIBUS_INIT;
	if ((r = open_channel(g, bus)) < 0)
		goto out;
	if ((r = negotiate(g, hb, false)) < 0)
		goto fail;
	gabi_mmio_ranges(g->vm, &low, &low_size, &high, &high_size);
	hb->cfg_gpa = low + (uint64_t)bus * PCI_CONFIG_MMIO_LENGTH;
	if ((r = irq_domain_create(g, bus, &hv_msi_irq_chip)) < 0)
		goto fail;
	if ((r = query_relations(g, hb)) < 0)
		goto fail;
	if ((r = enter_d0(g, hb, gk_behaviour(g, BEH_D0_ENTRY_RETRY_PROBE))) < 0)
		goto fail;
	if ((r = allocate_bridge_windows(g, hb)) < 0)
		goto fail;
	if ((r = send_resources_assigned(g, hb)) < 0)
		goto fail;
	prepopulate_bars(g, hb);
	hb->state = HV_PCIBUS_PROBED;
	if ((r = create_root_bus(g, hb, bus)) < 0)
		goto fail;
	hb->state = HV_PCIBUS_INSTALLED;
	return 0;
fail:
	close_channel(g, hb);
out:
	hb->present = false;
	return r;
}

static int hv_pci_suspend(struct gk *g, unsigned bus)
{
	struct gk_hbus *hb = &g->k.hbus[bus];
	enum hv_pcibus_state old = hb->state;
	int r;

	if (old == HV_PCIBUS_INSTALLED)
		hb->state = HV_PCIBUS_REMOVING;
	if (old != HV_PCIBUS_INSTALLED) {
		gk_fail(g, -EINVAL, "vPCI bus %u: suspend while not installed (state %d)", bus,
		        old);
		return -EINVAL;
	}
	/* A failed bus exit is returned as it is: the channel stays open and
	 * the bus stays removing; the PM core aborts the hibernation. */
	if ((r = bus_exit(g, hb, false)) < 0) {
		BUS_TRACE(g, hb, "suspend-failed", "\"d0exit\":%d", r);
		return r;
	}
	close_channel(g, hb);
	BUS_TRACE(g, hb, "suspended", "\"d0exit\":%d", r);
	return r;
}

static int hv_compose_msi_msg(struct gk *g, unsigned irq, struct msi_msg *msg);

/* hv_pci_restore_msi_state(): the host does not trap MSI-X table writes, so
 * every message is composed again and the host re-creates its entries. */
static void restore_msi_state(struct gk *g, struct gk_pci_dev *d)
{
	if (!d->present || !(d->msix_enabled || d->msi_enabled))
		return;
	/* One descriptor per MSI-X entry; an MSI block has one, its first
	 * irq's. */
	for (unsigned v = 0; v < (d->msi_enabled ? 1 : d->nvec); v++) {
		struct gk_msi_desc *desc = &d->desc[v];
		if (!desc->in_use || !g->k.irq[desc->irq].activated)
			continue;
		/* Composing cannot fail in the kernel; here a failure has been
		 * recorded and the resume goes on with the rest. */
		(void)hv_compose_msi_msg(g, desc->irq, &desc->msg);
	}
	tp_hit(g->e, TP_MSI_RESTORED, NULL);
}

static int hv_pci_resume(struct gk *g, unsigned bus)
{
	struct gk_hbus *hb = &g->k.hbus[bus];
	int r;

	hb->state = HV_PCIBUS_INIT;
	/* The channel as the VMBus bus's resume matched it: its relation id
	 * may differ from the one the bridge opened before. */
	hb->channel = g->k.hv_dev[bus].channel;
	if ((r = open_channel(g, bus)) < 0)
		return r;
	if ((r = negotiate(g, hb, true)) < 0)
		goto fail;
	if ((r = query_relations(g, hb)) < 0)
		goto fail;
	if ((r = enter_d0(g, hb, gk_behaviour(g, BEH_D0_ENTRY_RETRY_RESUME))) < 0)
		goto fail;
	if ((r = send_resources_assigned(g, hb)) < 0)
		goto fail;
	prepopulate_bars(g, hb);
	if (gk_behaviour(g, BEH_RESTORE_MSI_ON_RESUME))
		restore_msi_state(g, &g->k.dev[hb->pci_dev]);
	hb->state = HV_PCIBUS_INSTALLED;
	BUS_TRACE(g, hb, "resumed", "\"version\":\"%#x\"", hb->protocol_version);
	return 0;
fail:
	close_channel(g, hb);
	return r;
}

/* The vPCI device class: 44C4F61D-4444-4400-9D52-802E27EDE19F. */
const struct hv_driver hv_pci_drv = {
    .name = "hv_pci",
    .class_guid = {0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44, 0x9d, 0x52, 0x80, 0x2e, 0x27,
                   0xed, 0xe1, 0x9f},
    .probe = hv_pci_probe,
    .suspend = hv_pci_suspend,
    .resume = hv_pci_resume,
};

/* The same driver before ac82fc832708: no callbacks for hibernation. */
const struct hv_driver hv_pci_drv_no_pm = {
    .name = "hv_pci",
    .class_guid = {0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44, 0x9d, 0x52, 0x80, 0x2e, 0x27,
                   0xed, 0xe1, 0x9f},
    .probe = hv_pci_probe,
};

/* ---- the MSI irq chip ---- */

static struct gk_hbus *irq_hbus(struct gk *g, unsigned irq)
{
	return &g->k.hbus[g->k.dev[g->k.irq[irq].dev].bus];
}

/* Sends DELETE_INTERRUPT for what CREATE_INTERRUPT gave the irq. */
static void send_delete(struct gk *g, struct gk_hbus *hb, struct gk_irq *i)
{
	struct pci_delete_interrupt m = {0};

	if (!i->has_chip_data)
		return;
	i->has_chip_data = false;
	if (i->chip_data.vector_count == 0 || !hb->channel_open)
		return;
	m.message_type.type = PCI_DELETE_INTERRUPT_MESSAGE;
	m.wslot.slot = hb->child.win_slot.slot;
	m.int_desc = i->chip_data;
	/* Nothing waits for it: a failed send has been recorded, and the
	 * chip data is gone either way, as in the kernel. */
	(void)send_message(g, hb, &m, sizeof(m));
}

/* hv_compose_msi_req_get_cpu(): a multi-MSI block is composed once, so
 * the vCPU it names (from which Hyper-V picks the physical CPU, which no
 * retarget changes) goes round the online CPUs, block by block. */
static unsigned multi_msi_cpu(struct gk *g)
{
	for (unsigned k = 1; k <= g->k.ncpus; k++) {
		unsigned c = (g->k.msi_rr_cpu + k) % g->k.ncpus;
		if (g->k.cpu_online[c]) {
			g->k.msi_rr_cpu = c;
			return c;
		}
	}
	return 0;
}

/* The CPU CREATE_INTERRUPT names: the first online one of the effective
 * affinity (the CPU the vector was assigned on), or of the affinity the
 * irq asked for. */
static unsigned compose_cpu(const struct gk *g, const struct gk_irq *i)
{
	struct gk_cpumask m;

	if (gk_behaviour(g, BEH_COMPOSE_EFFECTIVE_AFFINITY))
		return i->cpu;
	return cpumask_and(&m, &i->affinity, &g->k.online) ? cpumask_first(&m) : i->cpu;
}

static int hv_compose_msi_msg(struct gk *g, unsigned irq, struct msi_msg *msg)
{
	struct gk_irq *i = &g->k.irq[irq];
	struct gk_hbus *hb = irq_hbus(g, irq);
	struct pci_create_int_response resp = {0};
	union {
		struct pci_create_interrupt v1;
		struct pci_create_interrupt2 v2;
		struct pci_create_interrupt3 v3;
	} m;
	size_t len, got = 0;
	const struct gk_pci_dev *dev = &g->k.dev[i->dev];
	bool multi_msi = dev->is_msi && dev->nvec > 1;
	unsigned cpu = compose_cpu(g, i);
	uint32_t vector = i->vector;
	uint16_t count = 1;
	int r;

	/* Whatever goes wrong below, the message stays zeroed, and the IRQ
	 * core writes it to the device as it is. */
	memset(msg, 0, sizeof(*msg));
	memset(&m, 0, sizeof(m));
	if (i->has_chip_data && gk_behaviour(g, BEH_IRTE_REUSE) &&
	    (multi_msi || !gk_behaviour(g, BEH_IRTE_REUSE_MULTI_MSI_ONLY))) {
		/* The entry the host already has is used again, unchanged. */
		msg->address_hi = (uint32_t)(i->chip_data.address >> 32);
		msg->address_lo = (uint32_t)i->chip_data.address;
		msg->data = i->chip_data.data;
		BUS_TRACE(g, hb, "compose-reused", "\"irq\":%u,\"data\":\"%#x\"", irq, msg->data);
		return 0;
	}
	/* Single MSI-X: the old entry goes before a new one is made. */
	send_delete(g, hb, i);
	if (multi_msi && i->msi_index != 0) {
		/* Not the block's first vector: its entry was made with the
		 * first's; address as the block's message, data + its index. */
		const struct msi_msg *first = &dev->desc[0].msg;
		memset(&i->chip_data, 0, sizeof(i->chip_data)); /* vector_count 0 */
		i->chip_data.address = ((uint64_t)first->address_hi << 32) | first->address_lo;
		i->chip_data.data = first->data + i->msi_index;
		i->has_chip_data = true;
		msg->address_hi = first->address_hi;
		msg->address_lo = first->address_lo;
		msg->data = i->chip_data.data;
		BUS_TRACE(g, hb, "compose-derived", "\"irq\":%u,\"data\":\"%#x\"", irq, msg->data);
		return 0;
	}
	if (multi_msi) {
		/* One entry for the whole block, with a dummy vector aligned with
		 * the count (and not zero); the retargets place each vector. */
		vector = 32;
		count = (uint16_t)dev->nvec;
		if (gk_behaviour(g, BEH_IRTE_REUSE_MULTI_MSI_ONLY))
			cpu = multi_msi_cpu(g);
	}
	if (!hb->channel_open) {
		BUS_TRACE(g, hb, "compose-skipped", "\"irq\":%u,\"why\":\"channel closed\"", irq);
		return -ENODEV;
	}
	if (hb->protocol_version == PCI_PROTOCOL_VERSION_1_1) {
		m.v1.message_type.type = PCI_CREATE_INTERRUPT_MESSAGE;
		m.v1.wslot.slot = hb->child.win_slot.slot;
		m.v1.int_desc.vector = (uint8_t)vector;
		m.v1.int_desc.vector_count = count;
		m.v1.int_desc.delivery_mode = 0;
		m.v1.int_desc.cpu_mask = ~0ULL; /* overwritten by the retarget */
		len = sizeof(m.v1);
	} else if (hb->protocol_version < PCI_PROTOCOL_VERSION_1_4) {
		m.v2.message_type.type = PCI_CREATE_INTERRUPT_MESSAGE2;
		m.v2.wslot.slot = hb->child.win_slot.slot;
		m.v2.int_desc.vector = (uint8_t)vector;
		m.v2.int_desc.vector_count = count;
		m.v2.int_desc.processor_count = 1;
		m.v2.int_desc.processor_array[0] = (uint16_t)cpu;
		len = sizeof(m.v2);
	} else {
		m.v3.message_type.type = PCI_CREATE_INTERRUPT_MESSAGE3;
		m.v3.wslot.slot = hb->child.win_slot.slot;
		m.v3.int_desc.vector = vector;
		m.v3.int_desc.vector_count = count;
		m.v3.int_desc.processor_count = 1;
		m.v3.int_desc.processor_array[0] = (uint16_t)cpu;
		len = sizeof(m.v3);
	}
	/* Called with the irq descriptor locked: poll, never sleep. */
	r = send_request(g, hb, &m, len, &resp, sizeof(resp), &got, true, 0);
	if (r < 0)
		return r;
	if (got < sizeof(resp) && gk_behaviour(g, BEH_VALIDATE_HOST_VALUES)) {
		hb->invalid_packets++;
		resp.response.status = -1;
	}
	if (resp.response.status < 0) {
		gk_fail(g, -EPROTO, "irq %u: Request for interrupt failed: %#x", irq,
		        (uint32_t)resp.response.status);
		return -EPROTO;
	}
	i->chip_data = resp.int_desc;
	i->has_chip_data = true;
	msg->address_hi = (uint32_t)(resp.int_desc.address >> 32);
	msg->address_lo = (uint32_t)resp.int_desc.address;
	msg->data = resp.int_desc.data;
	BUS_TRACE(g, hb, "composed", "\"irq\":%u,\"cpu\":%u,\"vector\":\"%#x\",\"data\":\"%#x\"",
	          irq, cpu, vector, msg->data);
	return 0;
}

/* hv_msi_prepare(): since the multi-MSI fix the contiguous-vectors flag
 * the PCI/MSI layer sets is cleared; each vector is remapped on its own. */
static unsigned hv_msi_prepare(struct gk *g, unsigned nvec, unsigned flags)
{
	(void)nvec;
	if (gk_behaviour(g, BEH_MULTI_MSI))
		flags &= ~GK_IRQ_ALLOC_CONTIGUOUS;
	return flags;
}

static void hv_msi_free(struct gk *g, unsigned irq)
{
	send_delete(g, irq_hbus(g, irq), &g->k.irq[irq]);
}

static void hv_irq_mask(struct gk *g, unsigned irq)
{
	pci_msi_mask_irq(g, irq);
}

static uint64_t device_id(const struct gk_hbus *hb)
{
	const uint8_t *b = hb->instance_guid;

	return ((uint64_t)b[5] << 24) | ((uint64_t)b[4] << 16) | ((uint64_t)b[7] << 8) |
	       (b[6] & 0xf8) | hb->child.win_slot.bits.func;
}

unsigned hv_cpumask_to_vpset(const struct gk_cpumask *m, uint64_t *valid_bank_mask, uint64_t *banks)
{
	unsigned nr_bank = 1;

	/* VP number = CPU number. Banks 0 up to the highest one holding a VP
	 * are all valid (an empty one is a zero word), so bank b is word b. */
	for (unsigned c = cpumask_first(m); c != GK_NO_CPU; c = cpumask_next(c, m))
		nr_bank = c / 64 + 1;
	for (unsigned b = 0; b < nr_bank; b++)
		banks[b] = m->bits[b];
	*valid_bank_mask = nr_bank == 64 ? ~UINT64_C(0) : (UINT64_C(1) << nr_bank) - 1;
	return nr_bank;
}

/* hv_arch_irq_unmask(): HVCALL_RETARGET_INTERRUPT for the irq's CPU and
 * vector. 0 when the host took it, -EIO when it failed or was skipped,
 * -EFAULT when the kernel would have oopsed here (nothing after runs). */
static int hv_arch_irq_unmask(struct gk *g, unsigned irq)
{
	struct gk_irq *i = &g->k.irq[irq];
	struct gk_hbus *hb = irq_hbus(g, irq);
	/* The hypercall input page: its fixed part is cleared for each call
	 * and the banks written are those the set uses; the host reads no
	 * further than the control word says. */
	uint64_t *page = g->hypercall_page;
	struct hv_retarget_device_interrupt *p = (void *)page;
	struct gk_cpumask dest;
	unsigned var_size = 0;
	uint32_t address, data;
	uint64_t res;

	if (gk_behaviour(g, BEH_RETARGET_FROM_CHIP_DATA)) {
		if (!i->has_chip_data && gk_behaviour(g, BEH_NULL_CHIP_DATA_CHECK)) {
			BUS_TRACE(g, hb, "dev_warn", "\"msg\":\"can not unmask irq %u\"", irq);
			return -EIO;
		}
		if (!i->has_chip_data) {
			/* The descriptor is read through a NULL chip_data. */
			gk_fail(g, -EFAULT,
			        "BUG: kernel NULL pointer dereference in hv_arch_irq_unmask(): irq "
			        "%u has no chip data (no host descriptor)",
			        irq);
			return -EFAULT;
		}
		address = (uint32_t)i->chip_data.address;
		data = i->chip_data.data;
	} else {
		/* The message cached in the MSI descriptor: an MSI block has one,
		 * holding its first vector's message. */
		const struct gk_pci_dev *dev = &g->k.dev[i->dev];
		const struct gk_msi_desc *desc = &dev->desc[dev->is_msi ? 0 : i->msi_index];
		address = desc->msg.address_lo;
		data = desc->msg.data;
	}
	task_atomic_enter(g->e); /* local_irq_save */
	memset(p, 0, sizeof(*p));
	p->partition_id = HV_PARTITION_ID_SELF;
	p->device_id = device_id(hb);
	p->int_entry.source = HV_INTERRUPT_SOURCE_MSI;
	p->int_entry.msi_entry.address = address;
	p->int_entry.msi_entry.data = data;
	p->int_target.vector = i->vector;
	/* the effective affinity (one CPU on x86) and the online CPUs */
	cpumask_clear(&dest);
	cpumask_set_cpu(i->cpu, &dest);
	cpumask_and(&dest, &dest, &g->k.online);
	if (hb->protocol_version >= PCI_PROTOCOL_VERSION_1_2) {
		p->int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
		p->int_target.vp_set.format = HV_GENERIC_SET_SPARSE_4K;
		uint64_t valid;
		var_size =
		    1 + hv_cpumask_to_vpset(&dest, &valid, &page[HV_RETARGET_FIXED_SIZE / 8]);
		p->int_target.vp_set.valid_bank_mask = valid;
	} else {
		/* Protocol 1.1's target is a 64-bit mask with a bit per VP. The
		 * kernel shifts 1 left by the VP number with no bound; x86
		 * takes a 64-bit shift count modulo 64, so VP 64 + n sets the
		 * bit of VP n. */
		for (unsigned c = cpumask_first(&dest); c != GK_NO_CPU; c = cpumask_next(c, &dest))
			p->int_target.vp_mask |= UINT64_C(1) << (c % 64);
	}
	res = gabi_hypercall(
	    g->vm, HVCALL_RETARGET_INTERRUPT | ((uint64_t)var_size << HV_HYPERCALL_VARHEAD_OFFSET),
	    page, sizeof(g->hypercall_page), NULL, 0);
	task_atomic_exit(g->e);

	if (hv_result(res) == HV_STATUS_SUCCESS)
		return 0;
	/* Before 915cff7f38c5 every failure was logged. */
	if (hb->state != HV_PCIBUS_REMOVING ||
	    !gk_behaviour(g, BEH_UNMASK_DESPITE_RETARGET_FAILURE))
		BUS_TRACE(g, hb, "dev_err",
		          "\"msg\":\"hv_irq_unmask() failed: %#" G_GINT64_MODIFIER "x\"", res);
	else
		BUS_TRACE(g, hb, "retarget-failed",
		          "\"irq\":%u,\"status\":\"%#" G_GINT64_MODIFIER "x\"", irq, res);
	return -EIO;
}

static void hv_irq_unmask(struct gk *g, unsigned irq)
{
	int r = hv_arch_irq_unmask(g, irq);

	if (r == -EFAULT)
		return; /* the oops ends the caller here */
	if (r < 0 && !gk_behaviour(g, BEH_UNMASK_DESPITE_RETARGET_FAILURE))
		return; /* the pre-5.10 early return: the PCI-level unmask is skipped */
	pci_msi_unmask_irq(g, irq);
}

const struct irq_chip hv_msi_irq_chip = {
    .name = "HV-PCI-MSI",
    .irq_compose_msi_msg = hv_compose_msi_msg,
    .irq_write_msi_msg = pci_msi_domain_write_msg,
    .irq_mask = hv_irq_mask,
    .irq_unmask = hv_irq_unmask,
    .irq_free = hv_msi_free,
    .msi_prepare = hv_msi_prepare,
};
