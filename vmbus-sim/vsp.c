/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vPCI service provider: the host end of one vPCI bus's channel. It
 * answers the guest's requests in protocol order, creates and deletes
 * interrupt remapping entries, and emulates the bus's config window.
 */
#include "tracepoint.h"
#include "trace.h"
#include "vm-internal.h"
#include "vpci-proto.h"

#include <glib.h>
#include <string.h>

#define VSP_TRACE(b, ev, fmt, ...)                                                                 \
	TRACE((b)->vm->e, "vsp", ev, "\"bus\":%u," fmt, (b)->index, ##__VA_ARGS__)

void vsp_init(struct hv_bus *b)
{
	memset(&b->vsp, 0, sizeof(b->vsp));
	hv_vm_mmio_changed(b->vm);
}

void vsp_reset(struct hv_bus *b)
{
	uint64_t rejected = b->vsp.rejected;

	vsp_init(b);
	b->vsp.rejected = rejected;
}

void vsp_release_function(struct hv_bus *b, const char *why)
{
	struct pcidev *d = &b->dev;
	bool had = false;
	unsigned n;

	if (b->vm->host.irte_lifetime == HOST_IRTE_LIFETIME_POWER_OFF)
		return; /* the older, kinder host: nothing goes before power-off */
	b->vsp.resources_assigned = false;
	n = irte_release_device(&b->vm->irte, b->device_id);
	had = n || (pcidev_command(d) & PCI_COMMAND_MEMORY);
	for (unsigned i = 0; i < PCIDEV_NUM_BARS && !had; i++)
		had = pcidev_cfg_read(d, PCI_BASE_ADDRESS_0 + 4 * i, 4) & PCI_BASE_ADDRESS_MEM_MASK;
	if (!had)
		return; /* nothing held: no event */
	pcidev_release_resources(d);
	b->released_at = engine_now(b->vm->e);
	b->released_by = why;
	VSP_TRACE(b, "release", "\"why\":\"%s\",\"irtes\":%u", why, n);
}

void vsp_channel_closed(void *bus)
{
	/* A closed channel forgets the negotiated version; the bus's D0 state
	 * was left by D0EXIT (or stays, if the guest never sent it). The
	 * reference host releases the function as for RESOURCES_RELEASED. */
	struct hv_bus *b = bus;

	b->vsp.version = 0;
	b->vsp.relations_queried = false;
	vsp_release_function(b, "channel-close");
}

/* A completion goes only to a request that asked for one: tid is 0 when it
 * did not (no COMPLETION_REQUESTED flag, or transaction id 0). */
static void send_completion(struct hv_bus *b, uint64_t tid, void *body, size_t len)
{
	if (tid)
		vmbus_host_send(&b->ch, VM_PKT_COMP, tid, body, len);
}

static void complete_status(struct hv_bus *b, uint64_t tid, uint32_t status)
{
	struct pci_response r = {.status = (int32_t)status};

	send_completion(b, tid, &r, sizeof(r));
}

static void reject(struct hv_bus *b, uint64_t tid, uint32_t type, const char *why)
{
	const char *name = vpci_message_name(type);

	b->vsp.rejected++;
	VSP_TRACE(b, "reject", "\"type\":\"%s\",\"why\":\"%s\"", name ? name : "?", why);
	complete_status(b, tid, STATUS_BAD_DATA);
}

static void fill_func(const struct hv_bus *b, struct pci_function_description *f)
{
	const struct pcidev_config *c = &b->dev.cfg;

	memset(f, 0, sizeof(*f));
	f->v_id = c->vendor_id;
	f->d_id = c->device_id;
	f->rev = 1;
	f->prog_intf = c->class_code[0];
	f->subclass = c->class_code[1];
	f->base_class = c->class_code[2];
	f->subsystem_id = ((uint32_t)c->device_id << 16) | c->vendor_id;
	f->win_slot.slot = 0;
	f->ser = c->serial;
}

static void send_relations(struct hv_bus *b)
{
	if (b->vsp.version >= PCI_PROTOCOL_VERSION_1_3) {
		size_t len =
		    sizeof(struct pci_bus_relations2) + sizeof(struct pci_function_description2);
		g_autofree struct pci_bus_relations2 *r = g_malloc0(len);
		struct pci_function_description f;

		fill_func(b, &f);
		memcpy(&r->func[0], &f, sizeof(f));
		r->func[0].flags = 0;
		r->func[0].virtual_numa_node = 0;
		r->incoming.message_type.type = PCI_BUS_RELATIONS2;
		r->device_count = 1;
		vmbus_host_send(&b->ch, VM_PKT_DATA_INBAND, 0, r, len);
	} else {
		size_t len =
		    sizeof(struct pci_bus_relations) + sizeof(struct pci_function_description);
		g_autofree struct pci_bus_relations *r = g_malloc0(len);

		fill_func(b, &r->func[0]);
		r->incoming.message_type.type = PCI_BUS_RELATIONS;
		r->device_count = 1;
		vmbus_host_send(&b->ch, VM_PKT_DATA_INBAND, 0, r, len);
	}
	VSP_TRACE(b, "bus-relations", "\"devices\":1");
}

static void on_query_version(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	const struct pci_version_request *req = p;
	uint32_t v = req->protocol_version;
	bool ok = v >= PCI_PROTOCOL_VERSION_1_1 && v <= b->vm->max_protocol;

	(void)type;
	VSP_TRACE(b, "query-version", "\"version\":\"%#x\",\"ok\":%s", v, ok ? "true" : "false");
	if (ok)
		b->vsp.version = v;
	complete_status(b, tid, ok ? STATUS_SUCCESS : STATUS_REVISION_MISMATCH);
}

static void on_query_resources(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	const struct pci_child_message *m = p;
	struct pci_q_res_req_response r = {0};
	char bars[PCIDEV_NUM_BARS * 24] = "";
	size_t n = 0;

	(void)type;
	if (m->wslot.slot != 0) {
		complete_status(b, tid, STATUS_BAD_DATA);
		return;
	}
	r.status = STATUS_SUCCESS;
	/* What the guest would read back after writing all ones to each BAR. */
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++)
		r.probed_bar[i] = pcidev_bar_probe(&b->dev, i);
	/* One "barN" per implemented BAR (its lower dword for a 64-bit one). */
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++)
		if (pcidev_bar_size(&b->dev, i))
			n += (size_t)g_snprintf(bars + n, sizeof(bars) - n, "%s\"bar%u\":\"%#x\"",
			                        n ? "," : "", i, r.probed_bar[i]);
	VSP_TRACE(b, "resource-requirements", "%s", bars);
	send_completion(b, tid, &r, sizeof(r));
}

static void on_d0_entry(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	const struct pci_bus_d0_entry *m = p;
	uint64_t status;

	(void)type;
	if (fault_check(b->vm->faults, FP_VSP_D0_ENTRY, &status)) {
		tp_hit(b->vm->e, TP_D0_ENTRY_FAILED, NULL);
		VSP_TRACE(b, "d0-entry", "\"status\":\"%#x\",\"fault\":true", (uint32_t)status);
		complete_status(b, tid, (uint32_t)status);
		return;
	}
	if (b->vsp.d0) {
		/* What a kdump kernel meets: the bus never left D0. */
		tp_hit(b->vm->e, TP_D0_ENTRY_FAILED, NULL);
		VSP_TRACE(b, "d0-entry", "\"status\":\"%#x\",\"why\":\"already in D0\"",
		          STATUS_INVALID_DEVICE_STATE);
		complete_status(b, tid, STATUS_INVALID_DEVICE_STATE);
		return;
	}
	if (!m->mmio_base || (m->mmio_base & 0xfff)) {
		complete_status(b, tid, STATUS_BAD_DATA);
		return;
	}
	b->vsp.d0 = true;
	b->vsp.mmio_base = m->mmio_base;
	hv_vm_mmio_changed(b->vm);
	VSP_TRACE(b, "d0-entry", "\"mmio_base\":\"%#" G_GINT64_MODIFIER "x\",\"status\":\"0x0\"",
	          m->mmio_base);
	complete_status(b, tid, STATUS_SUCCESS);
}

static void on_d0_exit(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	(void)type, (void)p;
	b->vsp.d0 = false;
	hv_vm_mmio_changed(b->vm);
	b->vsp.resources_assigned = false;
	b->vsp.slot_selected = false;
	VSP_TRACE(b, "d0-exit", "\"irtes\":%u", irte_count(&b->vm->irte));
	complete_status(b, tid, STATUS_SUCCESS);
}

static void on_resources_assigned(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	const struct pci_child_message *m = p;

	(void)type;
	if (!b->vsp.d0) {
		complete_status(b, tid, STATUS_INVALID_DEVICE_STATE);
		return;
	}
	if (m->wslot.slot != 0) {
		complete_status(b, tid, STATUS_BAD_DATA);
		return;
	}
	b->vsp.resources_assigned = true;
	VSP_TRACE(b, "resources-assigned", "\"wslot\":%u", m->wslot.slot);
	complete_status(b, tid, STATUS_SUCCESS);
}

struct create_req {
	uint32_t vector;
	uint8_t delivery_mode;
	uint16_t vector_count;
	unsigned vcpu;
	bool target_ok;
};

static void decode_create(struct hv_bus *b, uint32_t type, const void *p, struct create_req *r)
{
	unsigned n = b->vm->nvcpus;

	memset(r, 0, sizeof(*r));
	if (type == PCI_CREATE_INTERRUPT_MESSAGE) {
		const struct pci_create_interrupt *m = p;
		uint64_t mask = m->int_desc.cpu_mask;
		r->vector = m->int_desc.vector;
		r->delivery_mode = m->int_desc.delivery_mode;
		r->vector_count = m->int_desc.vector_count;
		/* Every CPU (what Linux sends): the host's choice, a named host
		 * assumption. The strictest is the highest online VP, which the
		 * guest did not pick; a later retarget moves it. */
		if (mask == UINT64_MAX &&
		    b->vm->host.create_any_cpu_target == HOST_CREATE_ANY_CPU_HIGHEST_ONLINE) {
			for (unsigned i = MIN(n, 64u); i-- > 0;) {
				if (b->vm->vcpu_online[i]) {
					r->vcpu = i;
					r->target_ok = true;
					return;
				}
			}
		}
		/* Otherwise the first VP in the mask. */
		for (unsigned i = 0; i < n && i < 64; i++) {
			if (mask & (1ULL << i)) {
				r->vcpu = i;
				r->target_ok = true;
				break;
			}
		}
		return;
	}
	uint16_t count, proc0;
	if (type == PCI_CREATE_INTERRUPT_MESSAGE2) {
		const struct pci_create_interrupt2 *m = p;
		r->vector = m->int_desc.vector;
		r->delivery_mode = m->int_desc.delivery_mode;
		r->vector_count = m->int_desc.vector_count;
		count = m->int_desc.processor_count;
		proc0 = m->int_desc.processor_array[0];
	} else {
		const struct pci_create_interrupt3 *m = p;
		r->vector = m->int_desc.vector;
		r->delivery_mode = m->int_desc.delivery_mode;
		r->vector_count = m->int_desc.vector_count;
		count = m->int_desc.processor_count;
		proc0 = m->int_desc.processor_array[0];
	}
	if (count >= 1 && count <= 32 && proc0 < n) {
		r->vcpu = proc0;
		r->target_ok = true;
	}
}

static void on_create_interrupt(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	struct pci_create_int_response resp = {0};
	struct create_req r;
	uint64_t status;
	struct irte *e;

	decode_create(b, type, p, &r);
	if (!b->vsp.d0 || !b->vsp.resources_assigned) {
		resp.response.status = (int32_t)STATUS_INVALID_DEVICE_STATE;
	} else if (fault_check(b->vm->faults, FP_VSP_CREATE_INTERRUPT, &status)) {
		resp.response.status = (int32_t)(uint32_t)status;
	} else if (!r.target_ok || r.vector < 0x10 || r.vector > 0xff || r.delivery_mode > 1 ||
	           r.vector_count < 1 || r.vector_count > 32) {
		resp.response.status = (int32_t)STATUS_BAD_DATA;
	} else if (!(e = irte_create(&b->vm->irte, b->device_id, r.vcpu, r.vector, r.vector_count,
	                             engine_now(b->vm->e)))) {
		resp.response.status = (int32_t)STATUS_UNSUCCESSFUL;
	} else {
		resp.response.status = STATUS_SUCCESS;
		resp.int_desc.vector_count = e->block;
		resp.int_desc.data = e->data;
		resp.int_desc.address = e->address;
	}
	if (resp.response.status == STATUS_SUCCESS)
		tp_hit(b->vm->e, TP_CREATE_INTERRUPT, NULL);
	else
		tp_hit(b->vm->e, TP_CREATE_INTERRUPT_FAILED, NULL);
	VSP_TRACE(b, "create-interrupt",
	          "\"form\":\"%s\",\"vector\":\"%#x\",\"vcpu\":%u,\"status\":\"%#x\",\"address\":"
	          "\"%#" G_GINT64_MODIFIER "x\",\"data\":\"%#x\"",
	          vpci_message_name(type), r.vector, r.vcpu, (uint32_t)resp.response.status,
	          resp.int_desc.address, resp.int_desc.data);
	send_completion(b, tid, &resp, sizeof(resp));
}

static void on_delete_interrupt(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	const struct pci_delete_interrupt *m = p;
	bool found = irte_delete(&b->vm->irte, b->device_id, m->int_desc.address, m->int_desc.data);

	(void)type, (void)tid; /* DELETE_INTERRUPT is never completed */
	tp_hit(b->vm->e, TP_DELETE_INTERRUPT, NULL);
	VSP_TRACE(b, "delete-interrupt",
	          "\"address\":\"%#" G_GINT64_MODIFIER "x\",\"data\":\"%#x\",\"found\":%s",
	          m->int_desc.address, m->int_desc.data, found ? "true" : "false");
}

static void on_query_relations(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	(void)type, (void)p, (void)tid; /* answered by a BUS_RELATIONS packet */
	b->vsp.relations_queried = true;
	send_relations(b);
}

static void on_resources_released(struct hv_bus *b, uint32_t type, const void *p, uint64_t tid)
{
	const struct pci_child_message *m = p;

	(void)type, (void)tid; /* never completed */
	VSP_TRACE(b, "resources-released", "\"wslot\":%u", m->wslot.slot);
	/* The bus has one function, in slot 0: another slot names nothing. */
	if (m->wslot.slot == 0) {
		b->vsp.resources_assigned = false;
		vsp_release_function(b, "resources-released");
	}
}

#define ANY_VERSION 0, UINT32_MAX

/* Every request the host accepts, one descriptor each: the smallest
 * payload it may have, the negotiated versions that may send it
 * (inclusive; QUERY_PROTOCOL_VERSION comes before there is one), and its
 * handler. Indexed by type - PCI_MESSAGE_BASE; an empty slot is a type the
 * host does not support. Names come from vpci_message_name(). */
struct vsp_request {
	size_t min_len;
	uint32_t min_version, max_version;
	void (*handle)(struct hv_bus *b, uint32_t type, const void *payload, uint64_t tid);
};

#define REQ(type) [(type)-PCI_MESSAGE_BASE]

static const struct vsp_request requests[] = {
    REQ(PCI_QUERY_PROTOCOL_VERSION) = {sizeof(struct pci_version_request), ANY_VERSION,
                                       on_query_version},
    REQ(PCI_QUERY_BUS_RELATIONS) = {sizeof(struct pci_message), ANY_VERSION, on_query_relations},
    REQ(PCI_QUERY_RESOURCE_REQUIREMENTS) = {sizeof(struct pci_child_message), ANY_VERSION,
                                            on_query_resources},
    REQ(PCI_BUS_D0ENTRY) = {sizeof(struct pci_bus_d0_entry), ANY_VERSION, on_d0_entry},
    REQ(PCI_BUS_D0EXIT) = {sizeof(struct pci_message), ANY_VERSION, on_d0_exit},
    REQ(PCI_RESOURCES_ASSIGNED) = {sizeof(struct pci_resources_assigned), PCI_PROTOCOL_VERSION_1_1,
                                   PCI_PROTOCOL_VERSION_1_1, on_resources_assigned},
    REQ(PCI_RESOURCES_ASSIGNED2) = {sizeof(struct pci_resources_assigned2),
                                    PCI_PROTOCOL_VERSION_1_2, UINT32_MAX, on_resources_assigned},
    REQ(PCI_RESOURCES_RELEASED) = {sizeof(struct pci_child_message), ANY_VERSION,
                                   on_resources_released},
    REQ(PCI_CREATE_INTERRUPT_MESSAGE) = {sizeof(struct pci_create_interrupt),
                                         PCI_PROTOCOL_VERSION_1_1, PCI_PROTOCOL_VERSION_1_1,
                                         on_create_interrupt},
    REQ(PCI_CREATE_INTERRUPT_MESSAGE2) = {sizeof(struct pci_create_interrupt2),
                                          PCI_PROTOCOL_VERSION_1_2, PCI_PROTOCOL_VERSION_1_3,
                                          on_create_interrupt},
    REQ(PCI_CREATE_INTERRUPT_MESSAGE3) = {sizeof(struct pci_create_interrupt3),
                                          PCI_PROTOCOL_VERSION_1_4, UINT32_MAX,
                                          on_create_interrupt},
    REQ(PCI_DELETE_INTERRUPT_MESSAGE) = {sizeof(struct pci_delete_interrupt), ANY_VERSION,
                                         on_delete_interrupt},
};

static const struct vsp_request *request_of(uint32_t type)
{
	uint32_t n = type - PCI_MESSAGE_BASE;

	if (type < PCI_MESSAGE_BASE || n >= G_N_ELEMENTS(requests) || !requests[n].handle)
		return NULL;
	return &requests[n];
}

void vsp_receive(void *bus, const void *pkt, size_t len)
{
	struct hv_bus *b = bus;
	const struct vmbus_pkt_hdr *hdr = pkt;
	const struct vsp_request *req;
	const uint8_t *payload;
	size_t off, plen;
	uint64_t tid;
	uint32_t type;

	if (len < sizeof(*hdr))
		return;
	off = (size_t)hdr->offset8 * 8;
	if (off < sizeof(*hdr) || off > len || (size_t)hdr->len8 * 8 > len) {
		reject(b, 0, 0, "bad packet header");
		return;
	}
	payload = (const uint8_t *)pkt + off;
	plen = (size_t)hdr->len8 * 8 - off;
	/* tid 0 below means "send no completion" */
	tid = hdr->flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED ? hdr->trans_id : 0;
	if (!tid && (hdr->flags & VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED))
		/* Hyper-V does not answer a completion request with id 0. */
		VSP_TRACE(b, "ignore", "\"why\":\"completion requested with transaction id 0\"");
	if (plen < sizeof(uint32_t)) {
		reject(b, tid, 0, "packet too short for a message type");
		return;
	}
	memcpy(&type, payload, sizeof(type));
	if (!(req = request_of(type))) {
		b->vsp.rejected++;
		VSP_TRACE(b, "unsupported", "\"type\":\"%#x\"", type);
		complete_status(b, tid, STATUS_NOT_SUPPORTED);
		return;
	}
	if (plen < req->min_len) {
		reject(b, tid, type, "packet shorter than its message");
		return;
	}
	if (!b->vsp.version && type != PCI_QUERY_PROTOCOL_VERSION) {
		reject(b, tid, type, "unexpected packet order: no protocol version yet");
		return;
	}
	if (b->vsp.version && type == PCI_QUERY_PROTOCOL_VERSION) {
		reject(b, tid, type, "protocol version already negotiated");
		return;
	}
	if (b->vsp.version < req->min_version || b->vsp.version > req->max_version) {
		reject(b, tid, type, "message not valid in the negotiated version");
		return;
	}
	req->handle(b, type, payload, tid);
}

static bool in_window(struct hv_bus *b, uint64_t gpa, unsigned size, unsigned *off)
{
	if (!b->vsp.d0 || gpa < b->vsp.mmio_base ||
	    gpa + size > b->vsp.mmio_base + PCI_CONFIG_MMIO_LENGTH)
		return false;
	*off = (unsigned)(gpa - b->vsp.mmio_base);
	return true;
}

bool vsp_mmio_read(struct hv_bus *b, uint64_t gpa, unsigned size, uint32_t *val)
{
	unsigned off;

	if (!in_window(b, gpa, size, &off))
		return false;
	if (off < CFG_PAGE_OFFSET)
		*val = b->vsp.selected_slot;
	else if (b->vsp.slot_selected && b->vsp.selected_slot == 0)
		*val = pcidev_cfg_read(&b->dev, off - CFG_PAGE_OFFSET, size);
	else
		*val = 0xffffffffu;
	return true;
}

bool vsp_mmio_write(struct hv_bus *b, uint64_t gpa, uint32_t val, unsigned size)
{
	unsigned off;

	if (!in_window(b, gpa, size, &off))
		return false;
	if (off < CFG_PAGE_OFFSET) {
		b->vsp.selected_slot = val;
		b->vsp.slot_selected = true;
	} else if (b->vsp.slot_selected && b->vsp.selected_slot == 0) {
		pcidev_cfg_write(&b->dev, off - CFG_PAGE_OFFSET, val, size);
	}
	return true;
}
