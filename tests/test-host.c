/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the host side (vmbus-sim's VM, vPCI service provider and
 * hypercall decoder), driven the way a guest drives it: only through
 * guest-abi.h. The test opens the vPCI channel with a receive callback that
 * records every packet the host sends back, sends each request the protocol
 * has, in and out of order, whole and truncated, and checks the completions,
 * the BUS_RELATIONS content and the interrupt remapping table. The retarget
 * hypercall is called with the reference input layout (vp_mask and VP-set
 * forms), and each of its failure cases is checked. Power-off must drop every
 * remapping entry; a fault rule on vsp.create-interrupt must reach the guest
 * as CREATE_INTERRUPT's completion status. For functions with other layouts
 * QUERY_RESOURCE_REQUIREMENTS must report the BARs a guest would probe, and
 * the MMIO router must reach the MSI-X table in whichever BAR holds it.
 */
#include "vmbus-sim/engine.h"
#include "vmbus-sim/fault.h"
#include "vmbus-sim/guest-abi.h"
#include "vmbus-sim/hv-abi.h"
#include "vmbus-sim/irte.h"
#include "vmbus-sim/pcidev.h"
#include "vmbus-sim/vm.h"
#include "vmbus-sim/vpci-proto.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define TEST_VENDOR 0x15b3
#define TEST_DEVICE 0x101e
#define TEST_SERIAL 0x2a

static const uint32_t all_versions[] = {PCI_PROTOCOL_VERSION_1_1, PCI_PROTOCOL_VERSION_1_2,
                                        PCI_PROTOCOL_VERSION_1_3, PCI_PROTOCOL_VERSION_1_4};

struct host {
	struct engine *e;
	struct faults *f;
	struct hv_vm *vm;
	unsigned ch;
	GPtrArray *pkts; /* of GBytes: every packet the host sent, in order */
	uint64_t next_tid;
	uint32_t version; /* negotiated by host_setup(), 0 if none */
	uint64_t mmio_base;
};

/* The guest's channel callback: keeps a copy of every packet. */
static void on_packet(void *ctx, const void *pkt, size_t len)
{
	struct host *h = ctx;

	g_assert_cmpuint(len, >=, sizeof(struct vmbus_pkt_hdr));
	g_ptr_array_add(h->pkts, g_bytes_new(pkt, len));
}

static const struct pcidev_config test_dev = {
    .name = "nic0",
    .vendor_id = TEST_VENDOR,
    .device_id = TEST_DEVICE,
    .class_code = {0x00, 0x00, 0x02}, /* prog-if, subclass, base class: Ethernet */
    .msix_vectors = 8,
    .serial = TEST_SERIAL,
};

/* The host assumptions the next host_init*() uses (then back to the
 * strictest, all zero). */
static struct host_assumptions next_assumptions;

/* A powered-on VM with `ndev` copies of dev and channel 0 open. */
static void host_init_dev(struct host *h, unsigned vcpus, uint32_t max_protocol, unsigned ndev,
                          const struct pcidev_config *dev)
{
	struct hv_vm_config vc = {
	    .vcpus = vcpus, .max_protocol = max_protocol, .host = next_assumptions};
	struct gabi_offer offer;
	uint64_t low_base, low_size, high_base, high_size;

	memset(h, 0, sizeof(*h));
	h->e = engine_new(42);
	h->f = faults_new(h->e);
	h->vm = hv_vm_new(h->e, h->f, &vc);
	memset(&next_assumptions, 0, sizeof(next_assumptions));
	for (unsigned i = 0; i < ndev; i++)
		g_assert_cmpint(hv_vm_add_device(h->vm, dev), ==, (int)i);
	hv_vm_power_on(h->vm);
	h->pkts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	h->next_tid = 1;

	g_assert_cmpuint(gabi_vmbus_offer_count(h->vm), ==, ndev);
	g_assert_cmpint(gabi_vmbus_offer(h->vm, 0, &offer), ==, 0);
	h->ch = offer.channel;
	g_assert_cmpint(gabi_vmbus_open(h->vm, h->ch, on_packet, h), ==, 0);

	gabi_mmio_ranges(h->vm, &low_base, &low_size, &high_base, &high_size);
	g_assert_cmpuint(low_size, >=, PCI_CONFIG_MMIO_LENGTH);
	h->mmio_base = low_base; /* the 8 KiB config window */
	g_assert_cmpuint(h->mmio_base & 0xfff, ==, 0);
	g_assert_cmpuint(h->mmio_base, !=, 0);
}

static void host_init_n(struct host *h, unsigned vcpus, uint32_t max_protocol, unsigned ndev)
{
	host_init_dev(h, vcpus, max_protocol, ndev, &test_dev);
}

static void host_init(struct host *h, unsigned vcpus, uint32_t max_protocol)
{
	host_init_n(h, vcpus, max_protocol, 1);
}

static void host_fini(struct host *h)
{
	g_ptr_array_free(h->pkts, TRUE);
	hv_vm_free(h->vm);
	faults_free(h->f);
	engine_free(h->e);
}

/* Sends a request; with want, asks for a completion under a fresh id.
 * Runs the world until it is quiet. Returns the id used (0 without want). */
static uint64_t host_send(struct host *h, const void *msg, size_t len, bool want)
{
	uint64_t tid = want ? h->next_tid++ : 0;

	g_assert_cmpint(gabi_vmbus_send(h->vm, h->ch, msg, len, tid,
	                                want ? VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED : 0),
	                ==, 0);
	engine_run(h->e);
	return tid;
}

static const struct vmbus_pkt_hdr *pkt_hdr(struct host *h, unsigned i, size_t *len)
{
	GBytes *b = g_ptr_array_index(h->pkts, i);

	return g_bytes_get_data(b, len);
}

/* The completion for tid: exactly one must have arrived. */
static const void *completion(struct host *h, uint64_t tid, size_t *len)
{
	const void *found = NULL;

	g_assert_cmpuint(tid, !=, 0);
	for (unsigned i = 0; i < h->pkts->len; i++) {
		size_t l;
		const struct vmbus_pkt_hdr *hdr = pkt_hdr(h, i, &l);
		if (hdr->type == VM_PKT_COMP && hdr->trans_id == tid) {
			g_assert_null(found);
			found = hdr;
			*len = l;
		}
	}
	g_assert_nonnull(found);
	return found;
}

static unsigned count_completions(struct host *h, uint64_t tid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < h->pkts->len; i++) {
		size_t l;
		const struct vmbus_pkt_hdr *hdr = pkt_hdr(h, i, &l);
		n += hdr->type == VM_PKT_COMP && hdr->trans_id == tid;
	}
	return n;
}

/* Sends a request that wants a completion; returns the completion status. */
static uint32_t host_request(struct host *h, const void *msg, size_t len)
{
	uint64_t tid = host_send(h, msg, len, true);
	const struct pci_response *r;
	size_t rlen;

	r = completion(h, tid, &rlen);
	g_assert_cmpuint(rlen, >=, sizeof(*r));
	g_assert_cmpuint(r->hdr.offset8, ==, 2);
	g_assert_cmpuint((size_t)r->hdr.len8 * 8, ==, rlen);
	return (uint32_t)r->status;
}

static uint32_t negotiate(struct host *h, uint32_t version)
{
	struct pci_version_request m = {.message_type.type = PCI_QUERY_PROTOCOL_VERSION,
	                                .protocol_version = version};
	uint32_t st = host_request(h, &m, sizeof(m));

	if (st == STATUS_SUCCESS)
		h->version = version;
	return st;
}

static uint32_t d0_entry(struct host *h, uint64_t base)
{
	struct pci_bus_d0_entry m = {.message_type.type = PCI_BUS_D0ENTRY, .mmio_base = base};

	return host_request(h, &m, sizeof(m));
}

static uint32_t d0_exit(struct host *h)
{
	struct pci_message m = {.type = PCI_BUS_D0EXIT};

	return host_request(h, &m, sizeof(m));
}

static uint32_t resources_assigned_as(struct host *h, uint32_t type, uint32_t slot)
{
	if (type == PCI_RESOURCES_ASSIGNED) {
		struct pci_resources_assigned m = {.message_type.type = type, .wslot.slot = slot};
		return host_request(h, &m, sizeof(m));
	} else {
		struct pci_resources_assigned2 m = {.message_type.type = type, .wslot.slot = slot};
		return host_request(h, &m, sizeof(m));
	}
}

static uint32_t resources_type(uint32_t version)
{
	return version == PCI_PROTOCOL_VERSION_1_1 ? PCI_RESOURCES_ASSIGNED
	                                           : PCI_RESOURCES_ASSIGNED2;
}

static uint32_t resources_assigned(struct host *h)
{
	return resources_assigned_as(h, resources_type(h->version), 0);
}

static void resources_released_slot(struct host *h, uint32_t slot)
{
	struct pci_child_message m = {.message_type.type = PCI_RESOURCES_RELEASED,
	                              .wslot.slot = slot};
	size_t before = h->pkts->len;

	host_send(h, &m, sizeof(m), false);
	g_assert_cmpuint(h->pkts->len, ==, before);
}

static void resources_released(struct host *h)
{
	struct pci_child_message m = {.message_type.type = PCI_RESOURCES_RELEASED};
	size_t before = h->pkts->len;

	host_send(h, &m, sizeof(m), false);
	g_assert_cmpuint(h->pkts->len, ==, before);
}

static uint32_t create_type(uint32_t version)
{
	switch (version) {
	case PCI_PROTOCOL_VERSION_1_1:
		return PCI_CREATE_INTERRUPT_MESSAGE;
	case PCI_PROTOCOL_VERSION_1_2:
	case PCI_PROTOCOL_VERSION_1_3:
		return PCI_CREATE_INTERRUPT_MESSAGE2;
	default:
		return PCI_CREATE_INTERRUPT_MESSAGE3;
	}
}

struct create_args {
	uint32_t vector;
	uint8_t delivery_mode;
	uint16_t vector_count;
	uint64_t cpu_mask;        /* CREATE_INTERRUPT */
	uint16_t processor_count; /* CREATE_INTERRUPT2/3 */
	uint16_t processor0;
};

/* Sends CREATE_INTERRUPT in the form `type`; returns the completion. */
static struct pci_create_int_response create_as(struct host *h, uint32_t type,
                                                const struct create_args *a)
{
	struct pci_create_int_response resp;
	const void *c;
	uint64_t tid;
	size_t len;

	if (type == PCI_CREATE_INTERRUPT_MESSAGE) {
		struct pci_create_interrupt m = {0};
		m.message_type.type = type;
		m.int_desc.vector = (uint8_t)a->vector;
		m.int_desc.delivery_mode = a->delivery_mode;
		m.int_desc.vector_count = a->vector_count;
		m.int_desc.cpu_mask = a->cpu_mask;
		tid = host_send(h, &m, sizeof(m), true);
	} else if (type == PCI_CREATE_INTERRUPT_MESSAGE2) {
		struct pci_create_interrupt2 m = {0};
		m.message_type.type = type;
		m.int_desc.vector = (uint8_t)a->vector;
		m.int_desc.delivery_mode = a->delivery_mode;
		m.int_desc.vector_count = a->vector_count;
		m.int_desc.processor_count = a->processor_count;
		m.int_desc.processor_array[0] = a->processor0;
		tid = host_send(h, &m, sizeof(m), true);
	} else {
		struct pci_create_interrupt3 m = {0};
		m.message_type.type = type;
		m.int_desc.vector = a->vector;
		m.int_desc.delivery_mode = a->delivery_mode;
		m.int_desc.vector_count = a->vector_count;
		m.int_desc.processor_count = a->processor_count;
		m.int_desc.processor_array[0] = a->processor0;
		tid = host_send(h, &m, sizeof(m), true);
	}
	c = completion(h, tid, &len);
	if (len < sizeof(resp)) {
		/* an error completion may be a bare pci_response */
		g_assert_cmpuint(len, >=, sizeof(struct pci_response));
		memset(&resp, 0, sizeof(resp));
		memcpy(&resp, c, sizeof(struct pci_response));
		g_assert_cmpuint((uint32_t)resp.response.status, !=, STATUS_SUCCESS);
	} else {
		memcpy(&resp, c, sizeof(resp));
	}
	return resp;
}

/* One vector aimed at vCPU `vcpu`, in the form the negotiated version uses. */
static struct pci_create_int_response create_simple(struct host *h, unsigned vcpu, uint32_t vector,
                                                    uint16_t count)
{
	struct create_args a = {.vector = vector,
	                        .vector_count = count,
	                        .cpu_mask = 1ull << vcpu,
	                        .processor_count = 1,
	                        .processor0 = (uint16_t)vcpu};

	return create_as(h, create_type(h->version), &a);
}

static void delete_interrupt(struct host *h, const struct tran_int_desc *d)
{
	struct pci_delete_interrupt m = {.message_type.type = PCI_DELETE_INTERRUPT_MESSAGE,
	                                 .int_desc = *d};
	size_t before = h->pkts->len;

	host_send(h, &m, sizeof(m), false);
	g_assert_cmpuint(h->pkts->len, ==, before); /* no completion */
}

static struct irte *irte_of(struct host *h, unsigned dev, uint64_t address, uint32_t data)
{
	return irte_lookup(hv_vm_irte(h->vm), hv_vm_device_logical_id(h->vm, dev), address, data);
}

static unsigned irtes(struct host *h)
{
	return irte_count(hv_vm_irte(h->vm));
}

/* Negotiates `version` and brings the bus to where interrupts can be
 * created: relations queried, D0 entered, resources assigned. */
static void host_setup_dev(struct host *h, unsigned vcpus, uint32_t version,
                           const struct pcidev_config *dev)
{
	struct pci_message q = {.type = PCI_QUERY_BUS_RELATIONS};

	host_init_dev(h, vcpus, PCI_PROTOCOL_VERSION_1_4, 1, dev);
	g_assert_cmphex(negotiate(h, version), ==, STATUS_SUCCESS);
	host_send(h, &q, sizeof(q), false);
	g_assert_cmphex(d0_entry(h, h->mmio_base), ==, STATUS_SUCCESS);
	g_assert_cmphex(resources_assigned(h), ==, STATUS_SUCCESS);
}

static void host_setup(struct host *h, unsigned vcpus, uint32_t version)
{
	host_setup_dev(h, vcpus, version, &test_dev);
}

/* ---- channel ---- */

static void test_offer(void)
{
	static const uint8_t vpci_guid[16] = {0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44,
	                                      0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f};
	struct gabi_offer o;
	struct host h;

	host_init_n(&h, 2, 0, 2);
	for (unsigned i = 0; i < 2; i++) {
		g_assert_cmpint(gabi_vmbus_offer(h.vm, i, &o), ==, 0);
		/* 44C4F61D-4444-4400-9D52-802E27EDE19F in GUID byte order */
		g_assert_cmpmem(o.class_guid, 16, vpci_guid, 16);
		g_assert_cmpuint(o.channel, ==, i);
		g_assert_false(gabi_vmbus_rescinded(h.vm, o.channel));
	}
	g_assert_cmpint(gabi_vmbus_offer(h.vm, 2, &o), ==, -ENOENT);
	g_assert_cmpuint(hv_vm_device_logical_id(h.vm, 0), !=, hv_vm_device_logical_id(h.vm, 1));
	/* already open */
	g_assert_cmpint(gabi_vmbus_open(h.vm, h.ch, on_packet, &h), ==, -EBUSY);
	g_assert_cmpint(gabi_vmbus_open(h.vm, 7, on_packet, &h), ==, -ENODEV);
	g_assert_cmpint(gabi_vmbus_send(h.vm, 1, "x", 1, 0, 0), ==, -ENODEV); /* not open */
	g_assert_true(hv_vm_powered(h.vm));
	g_assert_cmpuint(hv_vm_last_power_off(h.vm), ==, UINT64_MAX);
	host_fini(&h);
}

/* ---- QUERY_PROTOCOL_VERSION ---- */

static void test_version_each(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct host h;

		host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
		g_assert_cmphex(negotiate(&h, all_versions[i]), ==, STATUS_SUCCESS);
		g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 0);
		host_fini(&h);

		/* A VM whose maximum is this version accepts it too. */
		host_init(&h, 1, all_versions[i]);
		g_assert_cmphex(negotiate(&h, all_versions[i]), ==, STATUS_SUCCESS);
		host_fini(&h);
	}
}

static void test_version_unsupported(void)
{
	static const uint32_t bad[] = {
	    0x00010000 /* WIN8 */, 0x00010005, 0x00010006, 0x00020001, 0, 0xffffffffu};
	struct host h;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmphex(negotiate(&h, bad[i]), ==, 0xC0000059);
	/* a mismatch leaves the host waiting for a version */
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_2), ==, STATUS_SUCCESS);
	host_fini(&h);

	/* Above the VM's maximum: the same status. */
	for (unsigned m = 0; m + 1 < G_N_ELEMENTS(all_versions); m++) {
		host_init(&h, 1, all_versions[m]);
		for (unsigned v = m + 1; v < G_N_ELEMENTS(all_versions); v++)
			g_assert_cmphex(negotiate(&h, all_versions[v]), ==,
			                STATUS_REVISION_MISMATCH);
		host_fini(&h);
	}
}

/* What Linux does: 1.4, 1.3, 1.2, 1.1 until one is accepted. */
static void test_version_highest_first(void)
{
	for (unsigned m = 0; m < G_N_ELEMENTS(all_versions); m++) {
		struct pci_message q = {.type = PCI_QUERY_BUS_RELATIONS};
		uint32_t accepted = 0;
		const struct pci_incoming_message *in;
		struct host h;
		size_t len;

		host_init(&h, 1, all_versions[m]);
		for (int v = G_N_ELEMENTS(all_versions) - 1; v >= 0; v--) {
			uint32_t st = negotiate(&h, all_versions[v]);
			if (st == STATUS_SUCCESS) {
				accepted = all_versions[v];
				break;
			}
			g_assert_cmphex(st, ==, STATUS_REVISION_MISMATCH);
		}
		g_assert_cmphex(accepted, ==, all_versions[m]);
		/* the negotiated version shows in the relations message's form */
		host_send(&h, &q, sizeof(q), false);
		g_assert_cmpuint(h.pkts->len, >=, 1);
		in = (const void *)pkt_hdr(&h, h.pkts->len - 1, &len);
		g_assert_cmphex(in->message_type.type, ==,
		                accepted >= PCI_PROTOCOL_VERSION_1_3 ? PCI_BUS_RELATIONS2
		                                                     : PCI_BUS_RELATIONS);
		host_fini(&h);
	}
}

static void test_version_renegotiate(void)
{
	struct host h;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_3), ==, STATUS_SUCCESS);
	/* a second negotiation on the open channel is refused */
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_BAD_DATA);
	g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 1);
	/* closing the channel forgets the version (resume reopens and renegotiates) */
	gabi_vmbus_close(h.vm, h.ch);
	g_assert_cmpint(gabi_vmbus_open(h.vm, h.ch, on_packet, &h), ==, 0);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_1), ==, STATUS_SUCCESS);
	host_fini(&h);
}

/* ---- QUERY_BUS_RELATIONS ---- */

static void check_func(const struct pci_function_description *f)
{
	g_assert_cmphex(f->v_id, ==, TEST_VENDOR);
	g_assert_cmphex(f->d_id, ==, TEST_DEVICE);
	g_assert_cmphex(f->prog_intf, ==, test_dev.class_code[0]);
	g_assert_cmphex(f->subclass, ==, test_dev.class_code[1]);
	g_assert_cmphex(f->base_class, ==, test_dev.class_code[2]);
	g_assert_cmphex(f->win_slot.slot, ==, 0);
	g_assert_cmphex(f->ser, ==, TEST_SERIAL);
}

static void test_bus_relations(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_message q = {.type = PCI_QUERY_BUS_RELATIONS};
		const struct vmbus_pkt_hdr *hdr;
		struct host h;
		size_t len;

		host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
		g_assert_cmphex(negotiate(&h, all_versions[i]), ==, STATUS_SUCCESS);
		g_ptr_array_set_size(h.pkts, 0);
		/* Linux sends it without asking for a completion */
		host_send(&h, &q, sizeof(q), false);
		g_assert_cmpuint(h.pkts->len, ==, 1);
		hdr = pkt_hdr(&h, 0, &len);
		g_assert_cmpuint(hdr->type, ==, VM_PKT_DATA_INBAND);
		g_assert_cmpuint(hdr->trans_id, ==, 0);
		g_assert_cmpuint(hdr->offset8, ==, 2);
		g_assert_cmpuint((size_t)hdr->len8 * 8, ==, len);
		if (all_versions[i] >= PCI_PROTOCOL_VERSION_1_3) {
			const struct pci_bus_relations2 *r = (const void *)hdr;
			g_assert_cmpuint(len, >=, 24 + 28);
			g_assert_cmphex(r->incoming.message_type.type, ==, PCI_BUS_RELATIONS2);
			g_assert_cmpuint(r->device_count, ==, 1);
			check_func((const struct pci_function_description *)&r->func[0]);
			g_assert_cmphex(r->func[0].flags & ~HV_PCI_DEVICE_FLAG_NUMA_AFFINITY, ==,
			                0);
		} else {
			const struct pci_bus_relations *r = (const void *)hdr;
			g_assert_cmpuint(len, >=, 24 + 20);
			g_assert_cmphex(r->incoming.message_type.type, ==, PCI_BUS_RELATIONS);
			g_assert_cmpuint(r->device_count, ==, 1);
			check_func(&r->func[0]);
		}
		/* nothing about it is refused */
		g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 0);
		host_fini(&h);
	}
}

/* The function's config space through the window D0 entry maps. */
static void test_config_window(void)
{
	struct host h;

	host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	gabi_mmio_write(h.vm, h.mmio_base, 0, 4); /* select wslot 0 */
	g_assert_cmphex(gabi_mmio_read(h.vm, h.mmio_base + CFG_PAGE_OFFSET + PCI_VENDOR_ID, 2), ==,
	                TEST_VENDOR);
	g_assert_cmphex(gabi_mmio_read(h.vm, h.mmio_base + CFG_PAGE_OFFSET + PCI_DEVICE_ID, 2), ==,
	                TEST_DEVICE);
	g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
	/* out of D0 the window is no longer claimed: all ones */
	g_assert_cmphex(gabi_mmio_read(h.vm, h.mmio_base + CFG_PAGE_OFFSET, 4), ==, 0xffffffffu);
	host_fini(&h);
}

/* ---- QUERY_RESOURCE_REQUIREMENTS ---- */

static void test_resource_requirements(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_child_message m = {.message_type.type = PCI_QUERY_RESOURCE_REQUIREMENTS};
		const struct pci_q_res_req_response *r;
		struct host h;
		uint64_t tid;
		size_t len;

		host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
		g_assert_cmphex(negotiate(&h, all_versions[i]), ==, STATUS_SUCCESS);
		tid = host_send(&h, &m, sizeof(m), true);
		r = completion(&h, tid, &len);
		g_assert_cmpuint(len, >=, 44);
		g_assert_cmphex((uint32_t)r->status, ==, STATUS_SUCCESS);
		/* BAR0: 64-bit memory, PCIDEV_BAR0_SIZE bytes */
		g_assert_cmphex(r->probed_bar[0], ==, 0xffffc000u | PCI_BASE_ADDRESS_MEM_TYPE_64);
		g_assert_cmphex(r->probed_bar[1], ==, 0xffffffffu);
		for (unsigned b = 2; b < 6; b++)
			g_assert_cmphex(r->probed_bar[b], ==, 0);

		/* a slot that holds no function */
		m.wslot.slot = 1;
		g_assert_cmphex(host_request(&h, &m, sizeof(m)), ==, STATUS_BAD_DATA);
		host_fini(&h);
	}
}

/* ---- BUS_D0ENTRY / BUS_D0EXIT ---- */

static void test_d0_entry(void)
{
	struct host h;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	g_assert_cmphex(d0_entry(&h, 0), ==, STATUS_BAD_DATA);
	g_assert_cmphex(d0_entry(&h, h.mmio_base + 0x10), ==, STATUS_BAD_DATA);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
	/* the kdump case: the bus never left D0 */
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, 0xC0000184);
	/* the retry Linux makes after a bus exit */
	g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
	host_fini(&h);
}

static void test_d0_exit(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_create_int_response c;
		struct pci_message m = {.type = PCI_BUS_D0EXIT};
		struct host h;
		size_t before;

		host_setup(&h, 1, all_versions[i]);
		g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
		/* out of D0: no interrupts can be created */
		c = create_simple(&h, 0, 0x30, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_INVALID_DEVICE_STATE);
		g_assert_cmpuint(irtes(&h), ==, 0);
		/* nor resources assigned */
		g_assert_cmphex(resources_assigned(&h), ==, STATUS_INVALID_DEVICE_STATE);
		/* D0 exit without a completion request is answered by nothing */
		before = h.pkts->len;
		host_send(&h, &m, sizeof(m), false);
		g_assert_cmpuint(h.pkts->len, ==, before);
		/* back to D0: resources must be assigned again before creating */
		g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
		c = create_simple(&h, 0, 0x30, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_INVALID_DEVICE_STATE);
		g_assert_cmphex(resources_assigned(&h), ==, STATUS_SUCCESS);
		c = create_simple(&h, 0, 0x30, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_SUCCESS);
		host_fini(&h);
	}
}

/* ---- RESOURCES_ASSIGNED / RESOURCES_ASSIGNED2 / RESOURCES_RELEASED ---- */

static void test_resources_assigned(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		uint32_t v = all_versions[i];
		uint32_t good = resources_type(v);
		uint32_t other = good == PCI_RESOURCES_ASSIGNED ? PCI_RESOURCES_ASSIGNED2
		                                                : PCI_RESOURCES_ASSIGNED;
		struct host h;

		host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
		g_assert_cmphex(negotiate(&h, v), ==, STATUS_SUCCESS);
		/* before D0 entry */
		g_assert_cmphex(resources_assigned_as(&h, good, 0), ==,
		                STATUS_INVALID_DEVICE_STATE);
		g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
		/* the form of the other versions */
		g_assert_cmphex(resources_assigned_as(&h, other, 0), ==, STATUS_BAD_DATA);
		/* a slot without a function */
		g_assert_cmphex(resources_assigned_as(&h, good, 5), ==, STATUS_BAD_DATA);
		g_assert_cmphex(resources_assigned_as(&h, good, 0), ==, STATUS_SUCCESS);
		host_fini(&h);
	}
}

static void test_resources_released(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_create_int_response c;
		struct host h;

		host_setup(&h, 1, all_versions[i]);
		c = create_simple(&h, 0, 0x40, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_SUCCESS);
		resources_released(&h);
		c = create_simple(&h, 0, 0x41, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_INVALID_DEVICE_STATE);
		/* the reference host released the function's entry */
		g_assert_cmpuint(irtes(&h), ==, 0);
		/* then D0 exit, the order of hv_pci_bus_exit() */
		g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
		g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 0);
		host_fini(&h);
	}
}

/* ---- CREATE_INTERRUPT{,2,3} / DELETE_INTERRUPT ---- */

static void check_created(struct host *h, const struct pci_create_int_response *c, unsigned vcpu,
                          uint32_t vector, uint16_t count)
{
	struct irte *e;

	g_assert_cmphex((uint32_t)c->response.status, ==, STATUS_SUCCESS);
	g_assert_cmpuint(c->int_desc.vector_count, ==, count);
	g_assert_cmpuint(c->int_desc.address, !=, 0);
	/* an x86 MSI address: 0xfeeXXXXX */
	g_assert_cmphex(c->int_desc.address & 0xfff00000ull, ==, 0xfee00000ull);
	e = irte_of(h, 0, c->int_desc.address, c->int_desc.data);
	g_assert_nonnull(e);
	g_assert_true(e->in_use);
	g_assert_cmpuint(e->device_id, ==, hv_vm_device_logical_id(h->vm, 0));
	g_assert_cmpuint(e->vcpu, ==, vcpu);
	g_assert_cmphex(e->vector, ==, vector);
	g_assert_cmpuint(e->block, ==, count);
	/* every message of a multi-MSI block has an entry, vector + its number */
	g_assert_nonnull(irte_of(h, 0, c->int_desc.address, c->int_desc.data + count - 1));
	g_assert_cmphex(irte_of(h, 0, c->int_desc.address, c->int_desc.data + count - 1)->vector,
	                ==, vector + count - 1);
	g_assert_null(irte_of(h, 0, c->int_desc.address, c->int_desc.data + count));
}

static void test_create_interrupt_forms(void)
{
	static const uint32_t forms[] = {PCI_CREATE_INTERRUPT_MESSAGE,
	                                 PCI_CREATE_INTERRUPT_MESSAGE2,
	                                 PCI_CREATE_INTERRUPT_MESSAGE3};

	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		uint32_t v = all_versions[i];
		struct host h;
		unsigned created = 0;

		host_setup(&h, 4, v);
		for (unsigned f = 0; f < G_N_ELEMENTS(forms); f++) {
			struct create_args a = {.vector = 0x50 + f,
			                        .vector_count = 1,
			                        .cpu_mask = 1ull << 2,
			                        .processor_count = 1,
			                        .processor0 = 2};
			struct pci_create_int_response c = create_as(&h, forms[f], &a);
			if (forms[f] == create_type(v)) {
				check_created(&h, &c, 2, 0x50 + f, 1);
				created++;
			} else {
				/* a form the negotiated version does not have */
				g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_BAD_DATA);
			}
			g_assert_cmpuint(irtes(&h), ==, created);
		}
		g_assert_cmpuint(created, ==, 1);
		host_fini(&h);
	}
}

static void test_create_interrupt_v1_1(void)
{
	struct pci_create_int_response c1, c2;
	struct create_args a = {.vector = 0x31, .vector_count = 1, .cpu_mask = ~0ull};
	struct host h;

	host_setup(&h, 4, PCI_PROTOCOL_VERSION_1_1);
	/* CPU_AFFINITY_ALL, as Linux sends it: the first VP */
	c1 = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE, &a);
	check_created(&h, &c1, 0, 0x31, 1);
	/* a mask naming VP 3 only */
	a.cpu_mask = 1ull << 3;
	a.vector = 0x32;
	c2 = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE, &a);
	check_created(&h, &c2, 3, 0x32, 1);
	g_assert_true(c1.int_desc.data != c2.int_desc.data ||
	              c1.int_desc.address != c2.int_desc.address);
	/* multi-MSI: dummy vector 32, four vectors */
	a.vector = 32;
	a.vector_count = 4;
	c2 = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE, &a);
	check_created(&h, &c2, 3, 32, 4);
	g_assert_cmpuint(irtes(&h), ==, 6); /* one entry per message */
	/* no VP the VM has: mask beyond vcpus, empty mask */
	a.vector_count = 1;
	a.cpu_mask = 1ull << 10;
	g_assert_cmphex((uint32_t)create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE, &a).response.status,
	                ==, STATUS_BAD_DATA);
	a.cpu_mask = 0;
	g_assert_cmphex((uint32_t)create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE, &a).response.status,
	                ==, STATUS_BAD_DATA);
	g_assert_cmpuint(irtes(&h), ==, 6);
	host_fini(&h);
}

static void test_create_interrupt_v1_2_v1_3(void)
{
	uint32_t vs[] = {PCI_PROTOCOL_VERSION_1_2, PCI_PROTOCOL_VERSION_1_3};

	for (unsigned i = 0; i < G_N_ELEMENTS(vs); i++) {
		struct create_args a = {
		    .vector = 0xef, .vector_count = 1, .processor_count = 1, .processor0 = 1};
		struct pci_create_int_response c;
		struct host h;

		host_setup(&h, 2, vs[i]);
		c = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE2, &a);
		check_created(&h, &c, 1, 0xef, 1);
		a.vector = 0x20;
		a.vector_count = 8;
		a.processor0 = 0;
		c = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE2, &a);
		check_created(&h, &c, 0, 0x20, 8);
		/* processor 2 does not exist in a 2-vCPU VM */
		a.vector_count = 1;
		a.processor0 = 2;
		g_assert_cmphex(
		    (uint32_t)create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE2, &a).response.status, ==,
		    STATUS_BAD_DATA);
		/* no processor at all */
		a.processor0 = 0;
		a.processor_count = 0;
		g_assert_cmphex(
		    (uint32_t)create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE2, &a).response.status, ==,
		    STATUS_BAD_DATA);
		/* more processors than the array holds */
		a.processor_count = 33;
		g_assert_cmphex(
		    (uint32_t)create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE2, &a).response.status, ==,
		    STATUS_BAD_DATA);
		g_assert_cmpuint(irtes(&h), ==, 9); /* 1 + one per message of 8 */
		host_fini(&h);
	}
}

static void test_create_interrupt_v1_4(void)
{
	struct create_args a = {
	    .vector = 0x81, .vector_count = 1, .processor_count = 1, .processor0 = 3};
	struct pci_create_int_response c;
	struct host h;

	host_setup(&h, 4, PCI_PROTOCOL_VERSION_1_4);
	c = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE3, &a);
	check_created(&h, &c, 3, 0x81, 1);
	/* the u32 vector: values an x86 vector cannot have are refused */
	a.vector = 0x100;
	g_assert_cmphex((uint32_t)create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE3, &a).response.status,
	                ==, STATUS_BAD_DATA);
	a.vector = 0x10081;
	g_assert_cmphex((uint32_t)create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE3, &a).response.status,
	                ==, STATUS_BAD_DATA);
	g_assert_cmpuint(irtes(&h), ==, 1);
	host_fini(&h);
}

/* Field checks common to every form. */
static void test_create_interrupt_bad_fields(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		uint32_t type = create_type(all_versions[i]);
		struct create_args good = {.vector = 0x40,
		                           .vector_count = 1,
		                           .cpu_mask = 1,
		                           .processor_count = 1,
		                           .processor0 = 0};
		struct pci_create_int_response c;
		struct create_args a;
		struct host h;

		host_setup(&h, 2, all_versions[i]);
		a = good, a.vector = 0x0f; /* exceptions and reserved vectors */
		g_assert_cmphex((uint32_t)create_as(&h, type, &a).response.status, ==,
		                STATUS_BAD_DATA);
		a = good, a.vector = 0;
		g_assert_cmphex((uint32_t)create_as(&h, type, &a).response.status, ==,
		                STATUS_BAD_DATA);
		a = good, a.delivery_mode = 2; /* neither FIXED nor LOWEST_PRIORITY */
		g_assert_cmphex((uint32_t)create_as(&h, type, &a).response.status, ==,
		                STATUS_BAD_DATA);
		a = good, a.vector_count = 0;
		g_assert_cmphex((uint32_t)create_as(&h, type, &a).response.status, ==,
		                STATUS_BAD_DATA);
		a = good, a.vector_count = 33;
		g_assert_cmphex((uint32_t)create_as(&h, type, &a).response.status, ==,
		                STATUS_BAD_DATA);
		g_assert_cmpuint(irtes(&h), ==, 0);
		/* LOWEST_PRIORITY is a valid delivery mode */
		a = good, a.delivery_mode = 1;
		c = create_as(&h, type, &a);
		check_created(&h, &c, 0, 0x40, 1);
		host_fini(&h);
	}
}

/* A full remapping table: CREATE_INTERRUPT fails, the bus keeps working. */
static void test_create_interrupt_table_full(void)
{
	struct pci_create_int_response c, first;
	struct host h;
	guint first_pkts;

	host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	first = create_simple(&h, 0, 0x30, 1);
	check_created(&h, &first, 0, 0x30, 1);
	first_pkts = h.pkts->len;
	for (unsigned i = 1; i < IRTE_MAX; i++) {
		c = create_simple(&h, 0, 0x30 + i % 0x80, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_SUCCESS);
		/* each completion is looked up among the packets kept: keep
		 * only the first create's, or filling 65536 entries is quadratic */
		g_ptr_array_set_size(h.pkts, MIN(h.pkts->len, first_pkts));
	}
	g_assert_cmpuint(irtes(&h), ==, IRTE_MAX);
	c = create_simple(&h, 0, 0x30, 1);
	g_assert_cmpint(c.response.status, <, 0);
	g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_UNSUCCESSFUL);
	g_assert_cmpuint(irtes(&h), ==, IRTE_MAX);
	delete_interrupt(&h, &first.int_desc);
	c = create_simple(&h, 0, 0x31, 1);
	check_created(&h, &c, 0, 0x31, 1);
	host_fini(&h);
}

static void test_delete_interrupt(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_create_int_response c1, c2;
		struct tran_int_desc d;
		struct host h;

		host_setup(&h, 2, all_versions[i]);
		c1 = create_simple(&h, 0, 0x30, 1);
		c2 = create_simple(&h, 1, 0x31, 1);
		check_created(&h, &c1, 0, 0x30, 1);
		check_created(&h, &c2, 1, 0x31, 1);
		g_assert_cmpuint(irtes(&h), ==, 2);

		/* a descriptor the host never returned changes nothing */
		d = c1.int_desc;
		d.data += 0x100;
		delete_interrupt(&h, &d);
		d = c1.int_desc;
		d.address ^= 0x1000;
		delete_interrupt(&h, &d);
		g_assert_cmpuint(irtes(&h), ==, 2);

		/* the exact descriptor removes exactly that entry */
		delete_interrupt(&h, &c1.int_desc);
		g_assert_cmpuint(irtes(&h), ==, 1);
		g_assert_null(irte_of(&h, 0, c1.int_desc.address, c1.int_desc.data));
		g_assert_nonnull(irte_of(&h, 0, c2.int_desc.address, c2.int_desc.data));
		/* deleting it again is harmless */
		delete_interrupt(&h, &c1.int_desc);
		g_assert_cmpuint(irtes(&h), ==, 1);
		delete_interrupt(&h, &c2.int_desc);
		g_assert_cmpuint(irtes(&h), ==, 0);
		g_assert_cmpuint(tp_count(h.e, TP_DELETE_INTERRUPT), >=, 2);
		host_fini(&h);
	}
}

/* Recomposing: delete then create gives a new, distinct handle. */
static void test_recreate_new_handle(void)
{
	struct pci_create_int_response c1, c2;
	struct host h;

	host_setup(&h, 2, PCI_PROTOCOL_VERSION_1_3);
	c1 = create_simple(&h, 1, 0x44, 1);
	check_created(&h, &c1, 1, 0x44, 1);
	delete_interrupt(&h, &c1.int_desc);
	c2 = create_simple(&h, 1, 0x44, 1);
	check_created(&h, &c2, 1, 0x44, 1);
	g_assert_cmpuint(c2.int_desc.data, !=, c1.int_desc.data);
	g_assert_null(irte_of(&h, 0, c1.int_desc.address, c1.int_desc.data));
	host_fini(&h);
}

/* ---- rejections ---- */

struct short_case {
	uint32_t type;
	uint32_t version; /* the version in which the type is valid */
	size_t send;      /* bytes sent; the ring pads to 8 */
};

static void test_reject_short(void)
{
	/* each request, truncated below its size even after padding */
	static const struct short_case cases[] = {
	    {PCI_BUS_D0ENTRY, PCI_PROTOCOL_VERSION_1_4, 8},
	    {PCI_BUS_D0ENTRY, PCI_PROTOCOL_VERSION_1_4, 4},
	    {PCI_RESOURCES_ASSIGNED, PCI_PROTOCOL_VERSION_1_1, 140},
	    {PCI_RESOURCES_ASSIGNED, PCI_PROTOCOL_VERSION_1_1, 8},
	    {PCI_RESOURCES_ASSIGNED2, PCI_PROTOCOL_VERSION_1_2, 192},
	    {PCI_RESOURCES_ASSIGNED2, PCI_PROTOCOL_VERSION_1_2, 148},
	    {PCI_CREATE_INTERRUPT_MESSAGE, PCI_PROTOCOL_VERSION_1_1, 16},
	    {PCI_CREATE_INTERRUPT_MESSAGE2, PCI_PROTOCOL_VERSION_1_2, 72},
	    {PCI_CREATE_INTERRUPT_MESSAGE2, PCI_PROTOCOL_VERSION_1_3, 24},
	    {PCI_CREATE_INTERRUPT_MESSAGE3, PCI_PROTOCOL_VERSION_1_4, 80},
	    {PCI_CREATE_INTERRUPT_MESSAGE3, PCI_PROTOCOL_VERSION_1_4, 78},
	    {PCI_DELETE_INTERRUPT_MESSAGE, PCI_PROTOCOL_VERSION_1_1, 16},
	    {PCI_DELETE_INTERRUPT_MESSAGE, PCI_PROTOCOL_VERSION_1_4, 8},
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct short_case *sc = &cases[i];
		/* a full-size, well-formed message, of which only a prefix is sent */
		uint8_t buf[256] = {0};
		struct host h;
		uint64_t rejected;

		g_test_message("short %s: %zu bytes", vpci_message_name(sc->type), sc->send);
		host_setup(&h, 2, sc->version);
		if (sc->type == PCI_DELETE_INTERRUPT_MESSAGE) {
			struct pci_create_int_response c = create_simple(&h, 0, 0x30, 1);
			struct pci_delete_interrupt *d = (void *)buf;
			g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_SUCCESS);
			d->int_desc = c.int_desc;
		} else if (sc->type == PCI_BUS_D0ENTRY) {
			struct pci_bus_d0_entry *d = (void *)buf;
			g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
			d->mmio_base = h.mmio_base;
		} else if (sc->type == PCI_CREATE_INTERRUPT_MESSAGE) {
			struct pci_create_interrupt *m = (void *)buf;
			m->int_desc.vector = 0x30;
			m->int_desc.vector_count = 1;
			m->int_desc.cpu_mask = 1;
		} else if (sc->type == PCI_CREATE_INTERRUPT_MESSAGE2) {
			struct pci_create_interrupt2 *m = (void *)buf;
			m->int_desc.vector = 0x30;
			m->int_desc.vector_count = 1;
			m->int_desc.processor_count = 1;
		} else if (sc->type == PCI_CREATE_INTERRUPT_MESSAGE3) {
			struct pci_create_interrupt3 *m = (void *)buf;
			m->int_desc.vector = 0x30;
			m->int_desc.vector_count = 1;
			m->int_desc.processor_count = 1;
		}
		memcpy(buf, &sc->type, sizeof(sc->type));
		rejected = hv_vm_bus_rejected(h.vm, 0);
		{
			unsigned before_irtes = irtes(&h);
			g_assert_cmphex(host_request(&h, buf, sc->send), ==, STATUS_BAD_DATA);
			g_assert_cmpuint(irtes(&h), ==, before_irtes);
		}
		g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, rejected + 1);
		/* the bus still works: the whole message is accepted */
		if (sc->type == PCI_BUS_D0ENTRY) {
			g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
		} else {
			struct pci_create_int_response c = create_simple(&h, 1, 0x60, 1);
			check_created(&h, &c, 1, 0x60, 1);
		}
		host_fini(&h);
	}
}

/* Less than a message type, or nothing at all after the header. */
static void test_reject_no_type(void)
{
	struct host h;
	uint8_t zero[8] = {0};

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	g_assert_cmphex(host_request(&h, zero, 0), ==, STATUS_BAD_DATA);
	g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 1);
	/* padding makes 2 bytes a zero type: not a vPCI request */
	g_assert_cmphex(host_request(&h, zero, 2), ==, STATUS_NOT_SUPPORTED);
	/* version negotiation still works */
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	host_fini(&h);
}

/* A version request that only holds the type: padding zeroes the version. */
static void test_reject_short_version(void)
{
	uint32_t type = PCI_QUERY_PROTOCOL_VERSION;
	struct host h;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	g_assert_cmphex(host_request(&h, &type, sizeof(type)), ==, STATUS_REVISION_MISMATCH);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	host_fini(&h);
}

static void test_reject_before_version(void)
{
	struct pci_message q = {.type = PCI_QUERY_BUS_RELATIONS};
	struct pci_child_message rr = {.message_type.type = PCI_QUERY_RESOURCE_REQUIREMENTS};
	struct create_args a = {.vector = 0x30, .vector_count = 1, .cpu_mask = 1};
	struct host h;
	size_t before;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	/* "unexpected packet order": every first packet but the version */
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_BAD_DATA);
	g_assert_cmphex(host_request(&h, &rr, sizeof(rr)), ==, STATUS_BAD_DATA);
	g_assert_cmphex(d0_exit(&h), ==, STATUS_BAD_DATA);
	for (unsigned f = 0; f < 3; f++) {
		static const uint32_t forms[] = {PCI_CREATE_INTERRUPT_MESSAGE,
		                                 PCI_CREATE_INTERRUPT_MESSAGE2,
		                                 PCI_CREATE_INTERRUPT_MESSAGE3};
		a.processor_count = 1;
		g_assert_cmphex((uint32_t)create_as(&h, forms[f], &a).response.status, ==,
		                STATUS_BAD_DATA);
	}
	g_assert_cmphex(resources_assigned_as(&h, PCI_RESOURCES_ASSIGNED2, 0), ==, STATUS_BAD_DATA);
	/* without a completion request the host stays silent */
	before = h.pkts->len;
	host_send(&h, &q, sizeof(q), false);
	g_assert_cmpuint(h.pkts->len, ==, before);
	g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 8);
	g_assert_cmpuint(irtes(&h), ==, 0);
	/* and then accepts the version */
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	host_fini(&h);
}

static void test_reject_create_before_d0(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_create_int_response c;
		struct host h;

		host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
		g_assert_cmphex(negotiate(&h, all_versions[i]), ==, STATUS_SUCCESS);
		/* version negotiated, no D0 entry */
		c = create_simple(&h, 0, 0x30, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_INVALID_DEVICE_STATE);
		/* D0, resources not assigned */
		g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
		c = create_simple(&h, 0, 0x30, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_INVALID_DEVICE_STATE);
		g_assert_cmpuint(irtes(&h), ==, 0);
		g_assert_cmpuint(tp_count(h.e, TP_CREATE_INTERRUPT_FAILED), ==, 2);
		g_assert_cmpuint(tp_count(h.e, TP_CREATE_INTERRUPT), ==, 0);
		host_fini(&h);
	}
}

static void test_reject_unsupported(void)
{
	static const uint32_t types[] = {
	    PCI_POWER_STATE_CHANGE,
	    PCI_QUERY_RESOURCE_RESOURCES,
	    PCI_READ_BLOCK,
	    PCI_WRITE_BLOCK,
	    PCI_EJECTION_COMPLETE,
	    PCI_DELETE_INTERRUPT_MESSAGE2,
	    PCI_RESOURCES_ASSIGNED3,
	    PCI_BUS_RELATIONS,
	    PCI_BUS_RELATIONS2,
	    0x4249001C /* RESET_DEVICE */,
	    0x12345678,
	};
	struct host h;

	host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	for (unsigned i = 0; i < G_N_ELEMENTS(types); i++) {
		uint8_t buf[208] = {0};
		memcpy(buf, &types[i], 4);
		g_assert_cmphex(host_request(&h, buf, sizeof(buf)), ==, STATUS_NOT_SUPPORTED);
	}
	g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, G_N_ELEMENTS(types));
	host_fini(&h);
}

/* Sends raw; returns how many completions came back for it. */
static unsigned send_raw(struct host *h, const void *m, size_t len, uint64_t tid, uint16_t flags)
{
	unsigned before = h->pkts->len, n = 0;

	g_assert_cmpint(gabi_vmbus_send(h->vm, h->ch, m, len, tid, flags), ==, 0);
	engine_run(h->e);
	for (unsigned i = before; i < h->pkts->len; i++) {
		size_t l;
		n += pkt_hdr(h, i, &l)->type == VM_PKT_COMP;
	}
	return n;
}

/* Every request that takes a completion, sent with (tid, flags): the
 * requests must still be processed; returns the completions that came
 * back. */
static unsigned requests_with(struct host *h, uint64_t tid, uint16_t flags)
{
	struct pci_version_request ver = {.message_type.type = PCI_QUERY_PROTOCOL_VERSION,
	                                  .protocol_version = PCI_PROTOCOL_VERSION_1_4};
	struct pci_child_message rr = {.message_type.type = PCI_QUERY_RESOURCE_REQUIREMENTS};
	struct pci_bus_d0_entry d0 = {.message_type.type = PCI_BUS_D0ENTRY,
	                              .mmio_base = h->mmio_base};
	struct pci_resources_assigned2 ra = {.message_type.type = PCI_RESOURCES_ASSIGNED2};
	struct pci_create_interrupt3 ci = {.message_type.type = PCI_CREATE_INTERRUPT_MESSAGE3};
	struct pci_message d0x = {.type = PCI_BUS_D0EXIT};
	unsigned n = 0, k;

	ci.int_desc.vector = 0x30;
	ci.int_desc.vector_count = 1;
	ci.int_desc.processor_count = 1;
	k = send_raw(h, &ver, sizeof(ver), tid, flags);
	g_test_message("QUERY_PROTOCOL_VERSION: %u completion(s)", k);
	n += k;
	h->version = PCI_PROTOCOL_VERSION_1_4;
	k = send_raw(h, &rr, sizeof(rr), tid, flags);
	g_test_message("QUERY_RESOURCE_REQUIREMENTS: %u completion(s)", k);
	n += k;
	k = send_raw(h, &d0, sizeof(d0), tid, flags);
	g_test_message("BUS_D0ENTRY: %u completion(s)", k);
	n += k;
	k = send_raw(h, &ra, sizeof(ra), tid, flags);
	g_test_message("RESOURCES_ASSIGNED2: %u completion(s)", k);
	n += k;
	k = send_raw(h, &ci, sizeof(ci), tid, flags);
	g_test_message("CREATE_INTERRUPT_MESSAGE3: %u completion(s)", k);
	n += k;
	/* all of them took effect */
	g_assert_cmpuint(irtes(h), ==, 1);
	g_assert_cmpuint(hv_vm_bus_rejected(h->vm, 0), ==, 0);
	k = send_raw(h, &d0x, sizeof(d0x), tid, flags);
	g_test_message("BUS_D0EXIT: %u completion(s)", k);
	n += k;
	g_assert_cmphex(d0_entry(h, h->mmio_base), ==, STATUS_SUCCESS); /* it left D0 */
	return n;
}

/* COMPLETION_REQUESTED with transaction id 0 is not answered ("Hyper-V
 * does not answer COMPLETION_REQUESTED packets with trans_id 0"). */
static void test_tid_zero(void)
{
	struct host h;
	unsigned n;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	n = requests_with(&h, 0, VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	/* the version was negotiated: a second negotiation is refused */
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_BAD_DATA);
	/* Hyper-V does not answer a completion request with id 0. */
	g_assert_cmpuint(n, ==, 0);
	host_fini(&h);
}

/* A request without COMPLETION_REQUESTED gets no completion. */
static void test_no_completion_requested(void)
{
	struct host h;
	unsigned n;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	n = requests_with(&h, 1000, 0);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_BAD_DATA);
	g_assert_cmpuint(n, ==, 0);
	host_fini(&h);
}

/* A packet still in flight when the channel closes is dropped. */
static void test_close_drops_in_flight(void)
{
	struct pci_version_request m = {.message_type.type = PCI_QUERY_PROTOCOL_VERSION,
	                                .protocol_version = PCI_PROTOCOL_VERSION_1_4};
	struct host h;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	g_assert_cmpint(gabi_vmbus_send(h.vm, h.ch, &m, sizeof(m), 77,
	                                VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED),
	                ==, 0);
	gabi_vmbus_close(h.vm, h.ch);
	engine_run(h.e);
	g_assert_cmpuint(count_completions(&h, 77), ==, 0);
	g_assert_cmpint(gabi_vmbus_open(h.vm, h.ch, on_packet, &h), ==, 0);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	host_fini(&h);
}

/* ---- HVCALL_RETARGET_INTERRUPT ---- */

#define RETARGET_CONTROL(var_size)                                                                 \
	((uint64_t)HVCALL_RETARGET_INTERRUPT |                                                     \
	 ((uint64_t)(var_size) << HV_HYPERCALL_VARHEAD_OFFSET))

/* The input page: the 64-byte fixed part, then room for the VP set's banks
 * (bank_contents[] runs into words[8..]). */
union retarget_page {
	struct hv_retarget_device_interrupt r;
	uint64_t words[16];
};

static void retarget_fill(struct host *h, union retarget_page *p, unsigned dev,
                          const struct tran_int_desc *d, uint32_t vector)
{
	memset(p, 0, sizeof(*p));
	p->r.partition_id = HV_PARTITION_ID_SELF;
	p->r.device_id = hv_vm_device_logical_id(h->vm, dev);
	p->r.int_entry.source = HV_INTERRUPT_SOURCE_MSI;
	p->r.int_entry.msi_entry.address = (uint32_t)d->address;
	p->r.int_entry.msi_entry.data = d->data;
	p->r.int_target.vector = vector;
}

/* Protocol 1.1 form: flags 0, a VP mask; no variable header. */
static uint64_t retarget_mask(struct host *h, const struct tran_int_desc *d, uint32_t vector,
                              uint64_t vp_mask)
{
	union retarget_page p;

	retarget_fill(h, &p, 0, d, vector);
	p.r.int_target.vp_mask = vp_mask;
	return gabi_hypercall(h->vm, RETARGET_CONTROL(0), &p, sizeof(p), NULL, 0);
}

/* Protocol >= 1.2 form: a sparse VP set with bank 0 only. */
static uint64_t retarget_set(struct host *h, const struct tran_int_desc *d, uint32_t vector,
                             uint64_t bank0)
{
	union retarget_page p;

	retarget_fill(h, &p, 0, d, vector);
	p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
	p.r.int_target.vp_set.format = HV_GENERIC_SET_SPARSE_4K;
	p.r.int_target.vp_set.valid_bank_mask = 1;
	p.r.int_target.vp_set.bank_contents[0] = bank0;
	return gabi_hypercall(h->vm, RETARGET_CONTROL(2), &p, sizeof(p), NULL, 0);
}

static uint64_t retarget_for(struct host *h, const struct tran_int_desc *d, uint32_t vector,
                             unsigned vcpu)
{
	if (h->version == PCI_PROTOCOL_VERSION_1_1)
		return retarget_mask(h, d, vector, 1ull << vcpu);
	return retarget_set(h, d, vector, 1ull << vcpu);
}

static void check_irte(struct host *h, const struct tran_int_desc *d, unsigned vcpu,
                       uint32_t vector)
{
	struct irte *e = irte_of(h, 0, d->address, d->data);

	g_assert_nonnull(e);
	g_assert_cmpuint(e->vcpu, ==, vcpu);
	g_assert_cmphex(e->vector, ==, vector);
}

static void test_retarget_vp_mask(void)
{
	struct pci_create_int_response c;
	struct host h;

	host_setup(&h, 4, PCI_PROTOCOL_VERSION_1_1);
	gabi_vcpu_set_online(h.vm, 2, true);
	gabi_vcpu_set_online(h.vm, 3, true);
	c = create_simple(&h, 0, 0x30, 1);
	check_created(&h, &c, 0, 0x30, 1);
	g_assert_cmphex(retarget_mask(&h, &c.int_desc, 0x45, 1ull << 2), ==, HV_STATUS_SUCCESS);
	check_irte(&h, &c.int_desc, 2, 0x45);
	/* several VPs: the first one */
	g_assert_cmphex(retarget_mask(&h, &c.int_desc, 0x46, (1ull << 3) | (1ull << 2)), ==,
	                HV_STATUS_SUCCESS);
	check_irte(&h, &c.int_desc, 2, 0x46);
	g_assert_cmphex(retarget_mask(&h, &c.int_desc, 0xff, 1ull << 3), ==, HV_STATUS_SUCCESS);
	check_irte(&h, &c.int_desc, 3, 0xff);
	/* the address the host returned is unchanged: the guest keeps using it */
	g_assert_cmpuint(irtes(&h), ==, 1);
	g_assert_cmpuint(tp_count(h.e, TP_RETARGET_OK), ==, 3);
	host_fini(&h);
}

static void test_retarget_vp_set(void)
{
	for (unsigned i = 1; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_create_int_response c, multi;
		union retarget_page p;
		struct host h;

		host_setup(&h, 8, all_versions[i]);
		for (unsigned v = 1; v < 8; v++)
			gabi_vcpu_set_online(h.vm, v, true);
		c = create_simple(&h, 0, 0x30, 1);
		check_created(&h, &c, 0, 0x30, 1);
		g_assert_cmphex(retarget_set(&h, &c.int_desc, 0x52, 1ull << 5), ==,
		                HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 5, 0x52);
		g_assert_cmphex(retarget_set(&h, &c.int_desc, 0x53, 0xc0), ==, HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 6, 0x53);

		/* HV_GENERIC_SET_ALL: VP 0 */
		retarget_fill(&h, &p, 0, &c.int_desc, 0x54);
		p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
		p.r.int_target.vp_set.format = HV_GENERIC_SET_ALL;
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(1), &p, 64, NULL, 0), ==,
		                HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 0, 0x54);

		/* the exact input size: 64 bytes + one bank */
		retarget_fill(&h, &p, 0, &c.int_desc, 0x55);
		p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
		p.r.int_target.vp_set.valid_bank_mask = 1;
		p.r.int_target.vp_set.bank_contents[0] = 1ull << 7;
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(2), &p, 72, NULL, 0), ==,
		                HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 7, 0x55);

		/* each message of a multi-MSI block is retargeted on its own */
		multi = create_simple(&h, 0, 0x60, 4);
		check_created(&h, &multi, 0, 0x60, 4);
		{
			struct tran_int_desc d = multi.int_desc;
			d.data += 2;
			g_assert_cmphex(retarget_set(&h, &d, 0x70, 1ull << 1), ==,
			                HV_STATUS_SUCCESS);
			check_irte(&h, &d, 1, 0x70);
			check_irte(&h, &multi.int_desc, 0, 0x60);
			d.data = multi.int_desc.data + 1;
			check_irte(&h, &d, 0, 0x61);
		}
		host_fini(&h);
	}
}

/* Banks are read in valid_bank_mask order, one word each: bank 0's VPs
 * count, VPs of higher banks (64 and up) do not exist in this VM. */
static void test_retarget_vp_set_banks(void)
{
	struct pci_create_int_response c;
	union retarget_page p;
	struct host h;

	host_setup(&h, 8, PCI_PROTOCOL_VERSION_1_4);
	for (unsigned v = 1; v < 8; v++)
		gabi_vcpu_set_online(h.vm, v, true);
	c = create_simple(&h, 0, 0x30, 1);
	/* banks 0 and 1: the first VP of bank 0 */
	retarget_fill(&h, &p, 0, &c.int_desc, 0x41);
	p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
	p.r.int_target.vp_set.format = HV_GENERIC_SET_SPARSE_4K;
	p.r.int_target.vp_set.valid_bank_mask = 0x3;
	p.r.int_target.vp_set.bank_contents[0] = (1ull << 4) | (1ull << 6);
	p.r.int_target.vp_set.bank_contents[1] = 1;
	g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(3), &p, sizeof(p), NULL, 0), ==,
	                HV_STATUS_SUCCESS);
	check_irte(&h, &c.int_desc, 4, 0x41);
	/* banks 1 and 3 only: VPs 64 and 192 are beyond the VM's 8 */
	retarget_fill(&h, &p, 0, &c.int_desc, 0x42);
	p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
	p.r.int_target.vp_set.format = HV_GENERIC_SET_SPARSE_4K;
	p.r.int_target.vp_set.valid_bank_mask = 0xa;
	p.r.int_target.vp_set.bank_contents[0] = ~0ull;
	p.r.int_target.vp_set.bank_contents[1] = ~0ull;
	g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(3), &p, sizeof(p), NULL, 0), ==,
	                HV_STATUS_INVALID_PARAMETER);
	check_irte(&h, &c.int_desc, 4, 0x41);
	/* bank 0 with its top VP and bank 2: VP 63 is not in the VM either */
	retarget_fill(&h, &p, 0, &c.int_desc, 0x43);
	p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
	p.r.int_target.vp_set.format = HV_GENERIC_SET_SPARSE_4K;
	p.r.int_target.vp_set.valid_bank_mask = 0x5;
	p.r.int_target.vp_set.bank_contents[0] = (1ull << 63) | (1ull << 7);
	p.r.int_target.vp_set.bank_contents[1] = 1;
	g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(3), &p, sizeof(p), NULL, 0), ==,
	                HV_STATUS_SUCCESS);
	check_irte(&h, &c.int_desc, 7, 0x43);
	host_fini(&h);
}

/* A 240-vCPU VM: CREATE_INTERRUPT2/3 name VPs past 63 in their processor
 * array, and a VP set names them in banks 1 to 3; protocol 1.1's 64-bit
 * mask cannot name them at all (bit n is VP n). */
static void test_retarget_vp_240(void)
{
	static const uint32_t versions[] = {PCI_PROTOCOL_VERSION_1_2, PCI_PROTOCOL_VERSION_1_4};

	for (unsigned k = 0; k < G_N_ELEMENTS(versions); k++) {
		struct create_args a = {.vector = 0x30, .vector_count = 1, .processor_count = 1,
		                        .processor0 = 200};
		struct pci_create_int_response c;
		union retarget_page p;
		struct host h;

		host_setup(&h, HV_VM_MAX_VCPUS, versions[k]);
		for (unsigned v = 1; v < HV_VM_MAX_VCPUS; v++)
			gabi_vcpu_set_online(h.vm, v, true);
		c = create_as(&h, create_type(versions[k]), &a);
		check_created(&h, &c, 200, 0x30, 1);
		/* banks 0 to 3, the way the guest builds them: VP 239 only */
		retarget_fill(&h, &p, 0, &c.int_desc, 0x41);
		p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
		p.r.int_target.vp_set.format = HV_GENERIC_SET_SPARSE_4K;
		p.r.int_target.vp_set.valid_bank_mask = 0xf;
		p.r.int_target.vp_set.bank_contents[0] = 0;
		p.r.int_target.vp_set.bank_contents[1] = 0;
		p.r.int_target.vp_set.bank_contents[2] = 0;
		p.r.int_target.vp_set.bank_contents[3] = 1ull << (239 - 192);
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(5), &p, sizeof(p), NULL, 0),
		                ==, HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 239, 0x41);
		/* the same set with a var_size that disagrees with its banks */
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(4), &p, sizeof(p), NULL, 0),
		                ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(6), &p, sizeof(p), NULL, 0),
		                ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
		check_irte(&h, &c.int_desc, 239, 0x41);
		/* sparse: bank 2 alone, VP 130 */
		p.r.int_target.vp_set.valid_bank_mask = 0x4;
		p.r.int_target.vp_set.bank_contents[0] = 1ull << (130 - 128);
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(2), &p, sizeof(p), NULL, 0),
		                ==, HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 130, 0x41);
		host_fini(&h);
	}
	{
		struct pci_create_int_response c;
		struct host h;

		host_setup(&h, HV_VM_MAX_VCPUS, PCI_PROTOCOL_VERSION_1_1);
		gabi_vcpu_set_online(h.vm, 64, true);
		c = create_simple(&h, 0, 0x30, 1);
		/* bit 0 is VP 0, whatever VP the guest meant */
		g_assert_cmphex(retarget_mask(&h, &c.int_desc, 0x45, 1), ==, HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 0, 0x45);
		host_fini(&h);
	}
}

static void test_retarget_invalid_parameter(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		struct pci_create_int_response c;
		union retarget_page p;
		struct tran_int_desc d;
		struct host h;

		host_setup(&h, 4, all_versions[i]);
		gabi_vcpu_set_online(h.vm, 1, true);
		gabi_vcpu_set_online(h.vm, 2, true);
		c = create_simple(&h, 0, 0x30, 1);
		check_created(&h, &c, 0, 0x30, 1);

		/* unknown device id */
		retarget_fill(&h, &p, 0, &c.int_desc, 0x40);
		p.r.device_id ^= 0x5a5a0000;
		if (h.version != PCI_PROTOCOL_VERSION_1_1) {
			p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
			p.r.int_target.vp_set.valid_bank_mask = 1;
			p.r.int_target.vp_set.bank_contents[0] = 2;
		} else {
			p.r.int_target.vp_mask = 2;
		}
		g_assert_cmphex(
		    gabi_hypercall(h.vm,
		                   RETARGET_CONTROL(h.version == PCI_PROTOCOL_VERSION_1_1 ? 0 : 2),
		                   &p, sizeof(p), NULL, 0),
		    ==, HV_STATUS_INVALID_PARAMETER);
		/* bad vector */
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x0f, 1), ==,
		                HV_STATUS_INVALID_PARAMETER);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x100, 1), ==,
		                HV_STATUS_INVALID_PARAMETER);
		/* address or data with no entry */
		d = c.int_desc;
		d.address += 0x1000;
		g_assert_cmphex(retarget_for(&h, &d, 0x40, 1), ==, HV_STATUS_INVALID_PARAMETER);
		d = c.int_desc;
		d.data += 1;
		g_assert_cmphex(retarget_for(&h, &d, 0x40, 1), ==, HV_STATUS_INVALID_PARAMETER);
		/* target VP offline (and: a VP the VM does not have, no VP) */
		gabi_vcpu_set_online(h.vm, 2, false);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x40, 2), ==,
		                HV_STATUS_INVALID_PARAMETER);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x40, 3), ==,
		                HV_STATUS_INVALID_PARAMETER); /* never onlined */
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x40, 9), ==,
		                HV_STATUS_INVALID_PARAMETER); /* beyond vcpus */
		if (h.version == PCI_PROTOCOL_VERSION_1_1)
			g_assert_cmphex(retarget_mask(&h, &c.int_desc, 0x40, 0), ==,
			                HV_STATUS_INVALID_PARAMETER);
		else
			g_assert_cmphex(retarget_set(&h, &c.int_desc, 0x40, 0), ==,
			                HV_STATUS_INVALID_PARAMETER);
		/* IOAPIC source */
		retarget_fill(&h, &p, 0, &c.int_desc, 0x40);
		p.r.int_entry.source = HV_INTERRUPT_SOURCE_IOAPIC;
		p.r.int_target.vp_mask = 2;
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, sizeof(p), NULL, 0),
		                ==, HV_STATUS_INVALID_PARAMETER);
		/* a sparse set in an unknown format */
		retarget_fill(&h, &p, 0, &c.int_desc, 0x40);
		p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
		p.r.int_target.vp_set.format = 7;
		p.r.int_target.vp_set.valid_bank_mask = 1;
		p.r.int_target.vp_set.bank_contents[0] = 2;
		g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(2), &p, sizeof(p), NULL, 0),
		                ==, HV_STATUS_INVALID_PARAMETER);
		/* nothing of the above moved the entry */
		check_irte(&h, &c.int_desc, 0, 0x30);

		/* still works, then the device leaves D0 */
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x41, 1), ==, HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 1, 0x41);
		g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x42, 1), ==,
		                HV_STATUS_INVALID_PARAMETER);
		check_irte(&h, &c.int_desc, 1, 0x41);
		g_assert_cmpuint(tp_count(h.e, TP_RETARGET_FAILED), >=, 10);
		host_fini(&h);
	}
}

static void test_retarget_other_device(void)
{
	struct pci_create_int_response c;
	union retarget_page p;
	struct host h;

	/* two buses; the entry belongs to device 0, the call names device 1 */
	host_init_n(&h, 2, PCI_PROTOCOL_VERSION_1_4, 2);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_2), ==, STATUS_SUCCESS);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
	g_assert_cmphex(resources_assigned(&h), ==, STATUS_SUCCESS);
	c = create_simple(&h, 0, 0x30, 1);
	check_created(&h, &c, 0, 0x30, 1);
	retarget_fill(&h, &p, 1, &c.int_desc, 0x40);
	p.r.int_target.vp_mask = 1;
	/* device 1 is not in D0 and owns no such entry */
	g_assert_cmphex(gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, sizeof(p), NULL, 0), ==,
	                HV_STATUS_INVALID_PARAMETER);
	check_irte(&h, &c.int_desc, 0, 0x30);
	host_fini(&h);
}

static void test_retarget_bad_input(void)
{
	struct pci_create_int_response c;
	union retarget_page p;
	struct host h;
	uint64_t st;

	host_setup(&h, 2, PCI_PROTOCOL_VERSION_1_2);
	gabi_vcpu_set_online(h.vm, 1, true);
	c = create_simple(&h, 0, 0x30, 1);
	check_created(&h, &c, 0, 0x30, 1);

	/* input too short for the fixed header */
	retarget_fill(&h, &p, 0, &c.int_desc, 0x40);
	p.r.int_target.vp_mask = 2;
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, 48, NULL, 0);
	g_assert_cmphex(st, !=, HV_STATUS_SUCCESS);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, 0, NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0), NULL, 0, NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* too short for the variable header the control word announces */
	retarget_fill(&h, &p, 0, &c.int_desc, 0x40);
	p.r.int_target.flags = HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET;
	p.r.int_target.vp_set.valid_bank_mask = 1;
	p.r.int_target.vp_set.bank_contents[0] = 2;
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(2), &p, 64, NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* a processor set without a variable header */
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, sizeof(p), NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* bank count disagrees with valid_bank_mask */
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(3), &p, sizeof(p), NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* a VP mask with a variable header */
	retarget_fill(&h, &p, 0, &c.int_desc, 0x40);
	p.r.int_target.vp_mask = 2;
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(1), &p, sizeof(p), NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* fast and rep calls are not how this hypercall is made */
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0) | HV_HYPERCALL_FAST_BIT, &p, sizeof(p), NULL,
	                    0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0) | (1ull << HV_HYPERCALL_REP_COMP_OFFSET), &p,
	                    sizeof(p), NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* not our partition */
	p.r.partition_id = 5;
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, sizeof(p), NULL, 0);
	g_assert_cmphex(st, !=, HV_STATUS_SUCCESS);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_PARTITION_ID);

	check_irte(&h, &c.int_desc, 0, 0x30);
	/* the vp_mask form needs 56 bytes (up to and including the mask) */
	p.r.partition_id = HV_PARTITION_ID_SELF;
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, 55, NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_INVALID_HYPERCALL_INPUT);
	check_irte(&h, &c.int_desc, 0, 0x30);
	/* and the well-formed call still succeeds */
	p.r.partition_id = HV_PARTITION_ID_SELF;
	st = gabi_hypercall(h.vm, RETARGET_CONTROL(0), &p, 56, NULL, 0);
	g_assert_cmphex(st, ==, HV_STATUS_SUCCESS);
	check_irte(&h, &c.int_desc, 1, 0x40);
	host_fini(&h);
}

static void test_hypercall_unknown_code(void)
{
	static const uint16_t codes[] = {0x0000, 0x0001, 0x007c, 0x007d, 0x007f,
	                                 0x0106, 0x0107, 0x1234, 0xffff};
	union retarget_page p = {0};
	struct host h;

	host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	for (unsigned i = 0; i < G_N_ELEMENTS(codes); i++) {
		uint64_t st = gabi_hypercall(h.vm, codes[i], &p, sizeof(p), NULL, 0);
		/* TLFS: HV_STATUS_INVALID_HYPERCALL_CODE */
		g_assert_cmphex(hv_result(st), ==, 0x2);
		g_assert_cmpstr(hv_status_name(st), ==, "HV_STATUS_INVALID_HYPERCALL_CODE");
	}
	host_fini(&h);
}

/* ---- power off ---- */

static void test_power_off_clears_irtes(void)
{
	struct pci_create_int_response c[4];
	struct host h;

	host_setup(&h, 4, PCI_PROTOCOL_VERSION_1_4);
	for (unsigned v = 0; v < 4; v++) {
		c[v] = create_simple(&h, 0, 0x30 + v, v == 3 ? 4 : 1);
		g_assert_cmphex((uint32_t)c[v].response.status, ==, STATUS_SUCCESS);
	}
	g_assert_cmpuint(irtes(&h), ==, 3 + 4); /* one entry per message */
	engine_run_for(h.e, 5 * NSEC_PER_USEC);
	gabi_power_off(h.vm);
	g_assert_cmpuint(irtes(&h), ==, 0);
	for (unsigned v = 0; v < 4; v++)
		g_assert_null(irte_of(&h, 0, c[v].int_desc.address, c[v].int_desc.data));
	g_assert_false(hv_vm_powered(h.vm));
	g_assert_cmpuint(hv_vm_last_power_off(h.vm), ==, engine_now(h.e));
	g_assert_cmpuint(tp_count(h.e, TP_POWER_OFF), ==, 1);
	/* the channel is gone with it */
	g_assert_cmpuint(gabi_vmbus_offer_count(h.vm), ==, 0);
	g_assert_cmpint(gabi_vmbus_send(h.vm, h.ch, "x", 1, 0, 0), ==, -ENODEV);
	/* a retarget of a dropped entry fails */
	g_assert_cmphex(retarget_set(&h, &c[0].int_desc, 0x40, 1), ==, HV_STATUS_INVALID_PARAMETER);

	/* power on again: a fresh bus that wants the whole handshake again */
	hv_vm_power_on(h.vm);
	g_assert_cmpuint(gabi_vmbus_offer_count(h.vm), ==, 1);
	g_assert_cmpint(gabi_vmbus_open(h.vm, h.ch, on_packet, &h), ==, 0);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_BAD_DATA); /* no version */
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
	g_assert_cmphex(resources_assigned(&h), ==, STATUS_SUCCESS);
	c[0] = create_simple(&h, 0, 0x30, 1);
	check_created(&h, &c[0], 0, 0x30, 1);
	/* handles are not reused across power cycles */
	for (unsigned v = 1; v < 4; v++)
		g_assert_cmpuint(c[0].int_desc.data, !=, c[v].int_desc.data);
	g_assert_cmpuint(irtes(&h), ==, 1);
	host_fini(&h);
}

/* Power-off while completions are in flight: they are dropped, and no
 * entry created afterwards survives the power-off. */
static void test_power_off_in_flight(void)
{
	struct pci_create_interrupt3 m = {.message_type.type = PCI_CREATE_INTERRUPT_MESSAGE3};
	struct host h;

	host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	m.int_desc.vector = 0x30;
	m.int_desc.vector_count = 1;
	m.int_desc.processor_count = 1;
	g_assert_cmpint(gabi_vmbus_send(h.vm, h.ch, &m, sizeof(m), 99,
	                                VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED),
	                ==, 0);
	gabi_power_off(h.vm);
	engine_run(h.e);
	g_assert_cmpuint(count_completions(&h, 99), ==, 0);
	g_assert_cmpuint(irtes(&h), ==, 0);
	host_fini(&h);
}

/* ---- the MMIO router ---- */

static void set_bar(struct pcidev *d, uint64_t base, bool decode)
{
	pcidev_cfg_write(d, PCI_COMMAND, 0, 2);
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_0, (uint32_t)base, 4);
	pcidev_cfg_write(d, PCI_BASE_ADDRESS_1, (uint32_t)(base >> 32), 4);
	if (decode)
		pcidev_cfg_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
}

/* BARs are found wherever they are moved; an access must lie wholly inside
 * one; where two ranges overlap the lower bus wins, window before BAR. */
static void test_mmio_router(void)
{
	const uint64_t a = 0x2000000000ull, b = 0x2000100000ull;
	unsigned data0;
	uint64_t bar_size;
	struct pcidev *d0, *d1;
	struct host h;

	host_init_n(&h, 1, PCI_PROTOCOL_VERSION_1_4, 2);
	d0 = hv_vm_device(h.vm, 0);
	d1 = hv_vm_device(h.vm, 1);
	/* both have the default layout: the table in BAR0 */
	g_assert_cmpuint(d0->at.msix_bar, ==, 0);
	g_assert_cmpuint(d1->at.msix_bar, ==, 0);
	data0 = d0->at.table_off + PCI_MSIX_ENTRY_DATA;
	bar_size = pcidev_bar_size(d0, 0);
	g_assert_cmphex(gabi_mmio_read(h.vm, a, 4), ==, 0xffffffff);
	set_bar(d0, a, true);
	set_bar(d1, b, true);
	gabi_mmio_write(h.vm, a + data0, 0x1111, 4);
	gabi_mmio_write(h.vm, b + data0, 0x2222, 4);
	g_assert_cmphex(gabi_mmio_read(h.vm, a + data0, 4), ==, 0x1111);
	g_assert_cmphex(gabi_mmio_read(h.vm, b + data0, 2), ==, 0x2222);
	g_assert_cmphex(gabi_mmio_read(h.vm, b + data0, 1), ==, 0x22);
	/* straddling the end of a BAR, or past it: nobody's */
	g_assert_cmphex(gabi_mmio_read(h.vm, a + bar_size - 2, 4), ==, 0xffffffff);
	g_assert_cmphex(gabi_mmio_read(h.vm, a + bar_size, 2), ==, 0xffff);
	g_assert_cmphex(gabi_mmio_read(h.vm, a - 4, 4), ==, 0xffffffff);
	g_assert_cmphex(gabi_mmio_read(h.vm, UINT64_MAX - 1, 4), ==, 0xffffffff);
	/* swapped: each BAR follows its device */
	set_bar(d0, b, true);
	set_bar(d1, a, true);
	g_assert_cmphex(gabi_mmio_read(h.vm, b + data0, 4), ==, 0x1111);
	g_assert_cmphex(gabi_mmio_read(h.vm, a + data0, 4), ==, 0x2222);
	/* overlapping (BARs align to their size): bus 0 wins, reads and writes */
	set_bar(d1, b, true);
	g_assert_cmphex(pcidev_bar_base(d1, 0), ==, b);
	g_assert_cmphex(gabi_mmio_read(h.vm, b + data0, 4), ==, 0x1111);
	gabi_mmio_write(h.vm, b + data0, 0x3333, 4);
	g_assert_cmphex(gabi_mmio_read(h.vm, b + data0, 4), ==, 0x3333);
	g_assert_cmphex(gabi_mmio_read(h.vm, b + bar_size, 4), ==, 0xffffffff);
	set_bar(d1, a, true);
	g_assert_cmphex(gabi_mmio_read(h.vm, a + data0, 4), ==, 0x2222);
	/* memory decoding off: the BAR claims nothing */
	set_bar(d1, a, false);
	g_assert_cmphex(gabi_mmio_read(h.vm, a + data0, 4), ==, 0xffffffff);
	set_bar(d1, a, true);
	g_assert_cmphex(gabi_mmio_read(h.vm, a + data0, 4), ==, 0x2222);
	/* power cycle: BARs reset, nothing decodes */
	gabi_power_off(h.vm);
	g_assert_cmphex(gabi_mmio_read(h.vm, a + data0, 4), ==, 0xffffffff);
	g_assert_cmphex(gabi_mmio_read(h.vm, b + data0, 4), ==, 0xffffffff);
	host_fini(&h);
}

/* ---- fire records ---- */

static unsigned delivered_count;

static void count_delivery(void *ctx, unsigned vcpu, uint8_t vector)
{
	(void)ctx;
	(void)vcpu;
	(void)vector;
	delivered_count++;
}

/* Entry v of the function: programmed with (address, data), unmasked or not. */
static void program_entry(struct pcidev *d, unsigned v, uint64_t address, uint32_t data,
                          bool masked)
{
	unsigned bar = d->at.msix_bar, e = d->at.table_off + v * PCI_MSIX_ENTRY_SIZE;

	pcidev_bar_write(d, bar, e + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)address, 4);
	pcidev_bar_write(d, bar, e + PCI_MSIX_ENTRY_UPPER_ADDR, (uint32_t)(address >> 32), 4);
	pcidev_bar_write(d, bar, e + PCI_MSIX_ENTRY_DATA, data, 4);
	pcidev_bar_write(d, bar, e + PCI_MSIX_ENTRY_VECTOR_CTRL,
	                 masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0, 4);
}

/* Records the reader released are gone for it; ids go on; the host still
 * finishes the ones pending in the device or in flight. */
static void test_fire_records_release(void)
{
	struct pci_create_int_response c;
	const struct fire_record *r;
	struct pcidev *d;
	unsigned keep[] = {3};
	struct host h;

	host_setup(&h, 2, PCI_PROTOCOL_VERSION_1_4);
	gabi_set_interrupt_entry(h.vm, count_delivery, NULL);
	delivered_count = 0;
	c = create_simple(&h, 0, 0x30, 1);
	g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_SUCCESS);
	d = hv_vm_device(h.vm, 0);

	/* 0: lost (MSI-X off) */
	g_assert_cmpuint(hv_vm_fire(h.vm, 0, 0), ==, 0);
	pcidev_cfg_write(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	pcidev_cfg_write(d, d->at.cap[PCIDEV_CAP_MSIX] + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	program_entry(d, 0, c.int_desc.address, c.int_desc.data, false);
	/* 1: in flight to vCPU 0; 2, 3: pending (entries 1 and 2 masked) */
	g_assert_cmpuint(hv_vm_fire(h.vm, 0, 0), ==, 1);
	g_assert_cmpuint(hv_vm_fire(h.vm, 0, 1), ==, 2);
	g_assert_cmpuint(hv_vm_fire(h.vm, 0, 2), ==, 3);
	g_assert_cmpint(hv_vm_fire_record(h.vm, 1)->outcome, ==, FIRE_OUT_IN_FLIGHT);
	g_assert_cmpint(hv_vm_fire_record(h.vm, 2)->outcome, ==, FIRE_OUT_PENDING);

	hv_vm_fire_records_release(h.vm, 4, keep, G_N_ELEMENTS(keep));
	for (unsigned id = 0; id < 3; id++)
		g_assert_null(hv_vm_fire_record(h.vm, id));
	g_assert_nonnull(hv_vm_fire_record(h.vm, 3));
	g_assert_null(hv_vm_fire_record(h.vm, 4)); /* not made yet */
	g_assert_cmpuint(hv_vm_fire_count(h.vm), ==, 4);

	/* the released fire in flight still arrives */
	engine_run(h.e);
	g_assert_cmpuint(delivered_count, ==, 1);
	g_assert_cmpuint(tp_count(h.e, TP_INTERRUPT_DELIVERED), ==, 1);
	/* unmasking entry 1 sends the released pending fire 2 (lost: no entry) */
	program_entry(d, 1, c.int_desc.address, c.int_desc.data + 7, false);
	g_assert_cmpuint(tp_count(h.e, TP_INTERRUPT_LOST), ==, 2);
	g_assert_null(hv_vm_fire_record(h.vm, 2));

	/* a new id after the released ones; the kept one stays readable */
	g_assert_cmpuint(hv_vm_fire(h.vm, 0, 0), ==, 4);
	g_assert_cmpint(hv_vm_fire_record(h.vm, 3)->outcome, ==, FIRE_OUT_PENDING);
	g_assert_cmpint(hv_vm_fire_record(h.vm, 4)->outcome, ==, FIRE_OUT_IN_FLIGHT);

	/* power-off loses the kept pending fire, with the reason */
	gabi_power_off(h.vm);
	r = hv_vm_fire_record(h.vm, 3);
	g_assert_cmpint(r->outcome, ==, FIRE_OUT_LOST);
	g_assert_nonnull(strstr(r->reason, "powered off while vector 2 was pending"));
	engine_run(h.e);
	g_assert_cmpint(hv_vm_fire_record(h.vm, 4)->outcome, ==, FIRE_OUT_LOST);
	g_assert_cmpuint(delivered_count, ==, 1);

	/* releasing again, below less than before, or with nothing new: no-ops */
	hv_vm_fire_records_release(h.vm, 2, NULL, 0);
	g_assert_nonnull(hv_vm_fire_record(h.vm, 3));
	hv_vm_fire_records_release(h.vm, 100, NULL, 0);
	for (unsigned id = 0; id < 6; id++)
		g_assert_null(hv_vm_fire_record(h.vm, id));
	g_assert_cmpuint(hv_vm_fire_count(h.vm), ==, 5);

	/* clear forgets everything; ids go on */
	g_assert_cmpuint(hv_vm_fire(h.vm, 0, 0), ==, 5);
	hv_vm_fire_records_clear(h.vm);
	g_assert_null(hv_vm_fire_record(h.vm, 5));
	g_assert_cmpuint(hv_vm_fire(h.vm, 0, 0), ==, 6);
	g_assert_nonnull(hv_vm_fire_record(h.vm, 6));
	host_fini(&h);
}

/* Many releases, each keeping a few ids of different ages: every id reads
 * back exactly while it is kept. */
static void test_fire_records_release_many(void)
{
	struct host h;
	unsigned keep[3] = {0};

	host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	for (unsigned round = 0; round < 200; round++) {
		unsigned first = hv_vm_fire_count(h.vm);
		for (unsigned k = 0; k < 5; k++)
			hv_vm_fire(h.vm, 0, k);
		/* keep the second of this round and whatever the last round
		 * kept, unless the round number says to let it go */
		keep[round % 3] = first + 1;
		hv_vm_fire_records_release(h.vm, hv_vm_fire_count(h.vm), keep, 3);
		for (unsigned id = 0; id < hv_vm_fire_count(h.vm); id++) {
			bool kept = id == keep[0] || id == keep[1] || id == keep[2];
			const struct fire_record *r = hv_vm_fire_record(h.vm, id);
			g_assert_true(kept == (r != NULL));
			if (r)
				g_assert_cmpuint(r->id, ==, id);
		}
	}
	host_fini(&h);
}

/* ---- fault points ---- */

static void test_fault_create_interrupt(void)
{
	struct fault_rule rule = {.name = "ci",
	                          .point = FP_VSP_CREATE_INTERRUPT,
	                          .mode = FAULT_ONCE,
	                          .phase = -1,
	                          .enabled = true,
	                          .status_set = true,
	                          .status = 0xC000009A /* STATUS_INSUFFICIENT_RESOURCES */};
	struct pci_create_int_response c;
	struct host h;

	host_setup(&h, 2, PCI_PROTOCOL_VERSION_1_3);
	g_assert_cmpint(fault_point_lookup("vsp.create-interrupt"), ==, FP_VSP_CREATE_INTERRUPT);
	faults_add(h.f, &rule);
	c = create_simple(&h, 1, 0x30, 1);
	g_assert_cmphex((uint32_t)c.response.status, ==, 0xC000009A);
	g_assert_cmpuint(irtes(&h), ==, 0);
	g_assert_cmpuint(tp_count(h.e, TP_FAULT_INJECTED), ==, 1);
	/* once: the next request succeeds */
	c = create_simple(&h, 1, 0x30, 1);
	check_created(&h, &c, 1, 0x30, 1);
	g_assert_cmpuint(fault_hits(h.f, FP_VSP_CREATE_INTERRUPT), ==, 2);

	/* every hit, with the point's default status */
	rule.name = "ci-every";
	rule.mode = FAULT_EVERY;
	rule.status_set = false;
	faults_add(h.f, &rule);
	for (unsigned k = 0; k < 2; k++) {
		c = create_simple(&h, 0, 0x31, 1);
		g_assert_cmphex((uint32_t)c.response.status, ==,
		                fault_point_default_status(FP_VSP_CREATE_INTERRUPT));
		g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_UNSUCCESSFUL);
	}
	g_assert_true(faults_set_enabled(h.f, "ci-every", false));
	c = create_simple(&h, 0, 0x31, 1);
	check_created(&h, &c, 0, 0x31, 1);

	/* the nth hit */
	rule.name = "ci-nth";
	rule.mode = FAULT_NTH;
	rule.n = 2;
	rule.status_set = true;
	rule.status = STATUS_BAD_DATA;
	faults_add(h.f, &rule);
	c = create_simple(&h, 0, 0x32, 1);
	check_created(&h, &c, 0, 0x32, 1);
	c = create_simple(&h, 0, 0x33, 1);
	g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_BAD_DATA);
	c = create_simple(&h, 0, 0x34, 1);
	check_created(&h, &c, 0, 0x34, 1);
	g_assert_cmpuint(irtes(&h), ==, 4);
	host_fini(&h);
}

/* A rule limited to a phase fires only while the guest marks it open. */
static void test_fault_create_interrupt_phase(void)
{
	struct fault_rule rule = {.name = "ci-resume",
	                          .point = FP_VSP_CREATE_INTERRUPT,
	                          .mode = FAULT_EVERY,
	                          .phase = PHASE_RESUME,
	                          .enabled = true};
	struct pci_create_int_response c;
	struct host h;

	host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_1);
	faults_add(h.f, &rule);
	c = create_simple(&h, 0, 0x30, 1);
	check_created(&h, &c, 0, 0x30, 1);
	tp_phase(hv_vm_engine(h.vm), PHASE_RESUME, true);
	c = create_simple(&h, 0, 0x31, 1);
	g_assert_cmphex((uint32_t)c.response.status, ==, STATUS_UNSUCCESSFUL);
	tp_phase(hv_vm_engine(h.vm), PHASE_RESUME, false);
	c = create_simple(&h, 0, 0x32, 1);
	check_created(&h, &c, 0, 0x32, 1);
	host_fini(&h);
}

static void test_fault_d0_entry(void)
{
	struct fault_rule rule = {.point = FP_VSP_D0_ENTRY,
	                          .mode = FAULT_ONCE,
	                          .phase = -1,
	                          .enabled = true,
	                          .status_set = true,
	                          .status = 0xC0370048};
	struct host h;

	host_init(&h, 1, PCI_PROTOCOL_VERSION_1_4);
	faults_add(h.f, &rule);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, 0xC0370048);
	g_assert_cmpuint(tp_count(h.e, TP_D0_ENTRY_FAILED), ==, 1);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
	host_fini(&h);
}

static void test_fault_retarget(void)
{
	struct fault_rule rule = {.point = FP_HYPERCALL_RETARGET,
	                          .mode = FAULT_ONCE,
	                          .phase = -1,
	                          .enabled = true,
	                          .status_set = true,
	                          .status = HV_STATUS_INVALID_VP_STATE};
	struct pci_create_int_response c;
	struct host h;

	host_setup(&h, 2, PCI_PROTOCOL_VERSION_1_2);
	gabi_vcpu_set_online(h.vm, 1, true);
	c = create_simple(&h, 0, 0x30, 1);
	faults_add(h.f, &rule);
	g_assert_cmphex(retarget_set(&h, &c.int_desc, 0x40, 2), ==, HV_STATUS_INVALID_VP_STATE);
	check_irte(&h, &c.int_desc, 0, 0x30);
	g_assert_cmphex(retarget_set(&h, &c.int_desc, 0x40, 2), ==, HV_STATUS_SUCCESS);
	check_irte(&h, &c.int_desc, 1, 0x40);
	host_fini(&h);
}

static void on_packet_other(void *ctx, const void *pkt, size_t len)
{
	GPtrArray *a = ctx;

	g_ptr_array_add(a, g_bytes_new(pkt, len));
}

/* Two buses: each channel has its own service provider state, and only
 * its own device's entries. */
static void test_buses_independent(void)
{
	g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	struct pci_version_request v = {.message_type.type = PCI_QUERY_PROTOCOL_VERSION,
	                                .protocol_version = PCI_PROTOCOL_VERSION_1_1};
	struct pci_bus_d0_entry d0 = {.message_type.type = PCI_BUS_D0ENTRY};
	struct pci_create_int_response c;
	struct gabi_offer o;
	struct host h;

	host_init_n(&h, 2, PCI_PROTOCOL_VERSION_1_4, 2);
	g_assert_cmpint(gabi_vmbus_offer(h.vm, 1, &o), ==, 0);
	g_assert_cmpint(gabi_vmbus_open(h.vm, o.channel, on_packet_other, other), ==, 0);
	g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
	g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
	g_assert_cmphex(resources_assigned(&h), ==, STATUS_SUCCESS);

	/* bus 1 still wants its version: its D0 entry is out of order */
	d0.mmio_base = h.mmio_base + PCI_CONFIG_MMIO_LENGTH;
	g_assert_cmpint(gabi_vmbus_send(h.vm, o.channel, &d0, sizeof(d0), 5,
	                                VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED),
	                ==, 0);
	engine_run(h.e);
	g_assert_cmpuint(other->len, ==, 1);
	{
		const struct pci_response *r = g_bytes_get_data(other->pdata[0], NULL);
		g_assert_cmpuint(r->hdr.trans_id, ==, 5);
		g_assert_cmphex((uint32_t)r->status, ==, STATUS_BAD_DATA);
	}
	g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 1), ==, 1);
	g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 0);
	/* and negotiates a different version than bus 0 */
	g_assert_cmpint(gabi_vmbus_send(h.vm, o.channel, &v, sizeof(v), 6,
	                                VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED),
	                ==, 0);
	engine_run(h.e);
	g_assert_cmpuint(other->len, ==, 2);
	{
		const struct pci_response *r = g_bytes_get_data(other->pdata[1], NULL);
		g_assert_cmpuint(r->hdr.trans_id, ==, 6);
		g_assert_cmphex((uint32_t)r->status, ==, STATUS_SUCCESS);
	}
	/* nothing of bus 1 reached channel 0's callback and vice versa */
	for (unsigned i = 0; i < h.pkts->len; i++) {
		size_t l;
		g_assert_cmpuint(pkt_hdr(&h, i, &l)->trans_id, <, 5);
	}
	c = create_simple(&h, 1, 0x30, 1);
	check_created(&h, &c, 1, 0x30, 1);
	g_assert_null(irte_lookup(hv_vm_irte(h.vm), hv_vm_device_logical_id(h.vm, 1),
	                          c.int_desc.address, c.int_desc.data));
	gabi_vmbus_close(h.vm, o.channel);
	host_fini(&h);
}

/* The whole probe/suspend/resume sequence of Linux, once per version. */
static void test_linux_sequence(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(all_versions); i++) {
		uint32_t v = all_versions[i];
		struct pci_message q = {.type = PCI_QUERY_BUS_RELATIONS};
		struct pci_child_message rr = {.message_type.type =
		                                   PCI_QUERY_RESOURCE_REQUIREMENTS};
		struct pci_create_int_response c;
		struct host h;

		host_init(&h, 2, v);
		for (int k = G_N_ELEMENTS(all_versions) - 1; k >= 0; k--)
			if (negotiate(&h, all_versions[k]) == STATUS_SUCCESS)
				break;
		g_assert_cmphex(h.version, ==, v);
		host_send(&h, &q, sizeof(q), false);
		g_assert_cmphex(host_request(&h, &rr, sizeof(rr)), ==, STATUS_SUCCESS);
		g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
		g_assert_cmphex(resources_assigned(&h), ==, STATUS_SUCCESS);
		c = create_simple(&h, 0, 0x22, 1);
		check_created(&h, &c, 0, 0x22, 1);
		gabi_vcpu_set_online(h.vm, 1, true);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x23, 1), ==, HV_STATUS_SUCCESS);
		check_irte(&h, &c.int_desc, 1, 0x23);
		/* suspend: released, D0 exit, close */
		resources_released(&h);
		g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
		gabi_vmbus_close(h.vm, h.ch);
		/* resume: reopen, the same version only, relations, D0, resources */
		g_assert_cmpint(gabi_vmbus_open(h.vm, h.ch, on_packet, &h), ==, 0);
		g_assert_cmphex(negotiate(&h, v), ==, STATUS_SUCCESS);
		host_send(&h, &q, sizeof(q), false);
		g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
		g_assert_cmphex(resources_assigned(&h), ==, STATUS_SUCCESS);
		delete_interrupt(&h, &c.int_desc);
		c = create_simple(&h, 1, 0x23, 1);
		check_created(&h, &c, 1, 0x23, 1);
		g_assert_cmpuint(irtes(&h), ==, 1);
		g_assert_cmpuint(hv_vm_bus_rejected(h.vm, 0), ==, 0);
		host_fini(&h);
	}
}

/* ---- function layouts ---- */

/* The function's layout decides the BARs the host reports: the values a
 * guest reads back after writing all ones to each BAR. */
struct res_layout {
	const char *what;
	struct pcidev_layout layout;
	unsigned vectors;
	uint32_t bars[6];
};

static const struct res_layout res_layouts[] = {
    {"default", {{PCIDEV_CAP_NONE}, 0, 0}, 8, {0xffffc004u, 0xffffffffu, 0, 0, 0, 0}},
    {"bar2-offset-0x800", {{PCIDEV_CAP_NONE}, 2, 0x800}, 8, {0, 0, 0xffffc004u, 0xffffffffu, 0, 0}},
    {"bar5-32bit",
     {{PCIDEV_CAP_MSIX, PCIDEV_CAP_MSI, PCIDEV_CAP_PM}, 5, 0x1ff8},
     64,
     {0, 0, 0, 0, 0, 0xffff8000u}},
    {"bar4-2mib", {{PCIDEV_CAP_NONE}, 4, 0xff000}, 8, {0, 0, 0, 0, 0xffe00004u, 0xffffffffu}},
    {"bar1", {{PCIDEV_CAP_NONE}, 1, 0}, 1, {0, 0xffffc004u, 0xffffffffu, 0, 0, 0}},
};

static uint32_t window_read(struct host *h, unsigned off, unsigned size)
{
	gabi_mmio_write(h->vm, h->mmio_base, 0, 4); /* select wslot 0 */
	return gabi_mmio_read(h->vm, h->mmio_base + CFG_PAGE_OFFSET + off, size);
}

static void window_write(struct host *h, unsigned off, uint32_t val, unsigned size)
{
	gabi_mmio_write(h->vm, h->mmio_base, 0, 4);
	gabi_mmio_write(h->vm, h->mmio_base + CFG_PAGE_OFFSET + off, val, size);
}

static void test_resource_requirements_layout(gconstpointer data)
{
	const struct res_layout *rl = data;
	struct pcidev_config dev = test_dev;
	struct pci_child_message m = {.message_type.type = PCI_QUERY_RESOURCE_REQUIREMENTS};
	const struct pci_q_res_req_response *r;
	struct host h;
	uint64_t tid;
	size_t len;

	dev.layout = rl->layout;
	dev.msix_vectors = rl->vectors;
	host_setup_dev(&h, 1, PCI_PROTOCOL_VERSION_1_4, &dev);
	tid = host_send(&h, &m, sizeof(m), true);
	r = completion(&h, tid, &len);
	g_assert_cmpuint(len, >=, 44);
	g_assert_cmphex((uint32_t)r->status, ==, STATUS_SUCCESS);
	for (unsigned b = 0; b < 6; b++) {
		uint32_t reg = PCI_BASE_ADDRESS_0 + 4 * b, saved, probed;

		g_test_message("%s: BAR%u %#x", rl->what, b, r->probed_bar[b]);
		g_assert_cmphex(r->probed_bar[b], ==, rl->bars[b]);
		/* what the guest would read itself through the config window */
		saved = window_read(&h, reg, 4);
		window_write(&h, reg, 0xffffffffu, 4);
		probed = window_read(&h, reg, 4);
		window_write(&h, reg, saved, 4);
		g_assert_cmphex(probed, ==, r->probed_bar[b]);
	}
	host_fini(&h);
}

/* Through the guest ABI alone: with the MSI-X table in BAR 2 at 0x800, the
 * guest sizes the BAR, places it, finds the table through the capability
 * and programs a vector in BAR memory (untrapped); the host's MMIO router
 * sends those writes to the device, and a fire reaches the vCPU. */
static void test_msix_bar_elsewhere(void)
{
	struct pcidev_config dev = test_dev;
	struct pci_create_int_response c;
	const struct fire_record *fr;
	uint64_t low, low_size, high, high_size, bar, table;
	unsigned cap, bir, id;
	uint32_t t;

	struct host h;
	dev.layout =
	    (struct pcidev_layout){{PCIDEV_CAP_MSIX, PCIDEV_CAP_PM, PCIDEV_CAP_MSI}, 2, 0x800};
	host_setup_dev(&h, 2, PCI_PROTOCOL_VERSION_1_4, &dev);
	gabi_mmio_ranges(h.vm, &low, &low_size, &high, &high_size);
	bar = high + 0x8000;

	/* the capability list leads to MSI-X */
	for (cap = window_read(&h, PCI_CAPABILITY_LIST, 1); cap;
	     cap = window_read(&h, cap + PCI_CAP_LIST_NEXT, 1))
		if (window_read(&h, cap, 1) == PCI_CAP_ID_MSIX)
			break;
	g_assert_cmphex(cap, ==, 0x40); /* first in this layout's list */
	t = window_read(&h, cap + PCI_MSIX_TABLE, 4);
	bir = t & PCI_MSIX_TABLE_BIR;
	g_assert_cmpuint(bir, ==, 2);
	table = bar + (t & PCI_MSIX_TABLE_OFFSET);
	g_assert_cmphex(table, ==, bar + 0x800);

	/* place BAR 2 (64-bit: BARs 2 and 3), decode, master, MSI-X masked */
	window_write(&h, PCI_BASE_ADDRESS_0 + 4 * bir, (uint32_t)bar, 4);
	window_write(&h, PCI_BASE_ADDRESS_0 + 4 * bir + 4, (uint32_t)(bar >> 32), 4);
	window_write(&h, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	window_write(&h, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	g_assert_cmphex(pcidev_bar_base(hv_vm_device(h.vm, 0), 2), ==, bar);
	/* BAR 0 is not implemented: writing it decodes nothing */
	window_write(&h, PCI_BASE_ADDRESS_0, (uint32_t)high, 4);
	g_assert_cmphex(window_read(&h, PCI_BASE_ADDRESS_0, 4), ==, 0);
	g_assert_cmphex(gabi_mmio_read(h.vm, high, 4), ==, 0xffffffffu);

	/* vector 3: the message the host composed, unmasked, in BAR memory */
	c = create_simple(&h, 1, 0x41, 1);
	check_created(&h, &c, 1, 0x41, 1);
	gabi_vcpu_set_online(h.vm, 1, true);
	g_assert_cmphex(gabi_mmio_read(h.vm, table + 3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), ==,
	                PCI_MSIX_ENTRY_CTRL_MASKBIT);
	gabi_mmio_write(h.vm, table + 3 * 16 + PCI_MSIX_ENTRY_LOWER_ADDR,
	                (uint32_t)c.int_desc.address, 4);
	gabi_mmio_write(h.vm, table + 3 * 16 + PCI_MSIX_ENTRY_UPPER_ADDR,
	                (uint32_t)(c.int_desc.address >> 32), 4);
	gabi_mmio_write(h.vm, table + 3 * 16 + PCI_MSIX_ENTRY_DATA, c.int_desc.data, 4);
	gabi_mmio_write(h.vm, table + 3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	window_write(&h, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	g_assert_cmphex(gabi_mmio_read(h.vm, table + 3 * 16 + PCI_MSIX_ENTRY_DATA, 4), ==,
	                c.int_desc.data);

	id = hv_vm_fire(h.vm, 0, 3);
	engine_run(h.e);
	fr = hv_vm_fire_record(h.vm, id);
	g_assert_nonnull(fr);
	g_test_message("fire: outcome %d, %s", fr->outcome, fr->reason);
	g_assert_cmpint(fr->outcome, ==, FIRE_OUT_DELIVERED);
	g_assert_cmpuint(fr->vcpu, ==, 1);
	g_assert_cmphex(fr->guest_vector, ==, 0x41);
	g_assert_cmphex(fr->address, ==, c.int_desc.address);
	host_fini(&h);
}

/* A layout no function can have is refused when the device is added. */
static void test_add_device_bad_layout(void)
{
	struct hv_vm_config vc = {.vcpus = 1};
	struct engine *e = engine_new(1);
	struct faults *f = faults_new(e);
	struct hv_vm *vm = hv_vm_new(e, f, &vc);
	struct pcidev_config dev = test_dev;

	dev.layout.msix_table_offset = 0x804;
	g_assert_cmpint(hv_vm_add_device(vm, &dev), ==, -EINVAL);
	dev.layout = (struct pcidev_layout){{PCIDEV_CAP_PM, PCIDEV_CAP_PM, PCIDEV_CAP_MSIX}, 0, 0};
	g_assert_cmpint(hv_vm_add_device(vm, &dev), ==, -EINVAL);
	dev.layout = (struct pcidev_layout){{PCIDEV_CAP_NONE}, 6, 0};
	g_assert_cmpint(hv_vm_add_device(vm, &dev), ==, -EINVAL);
	g_assert_cmpuint(hv_vm_device_count(vm), ==, 0);
	dev.layout.msix_bar = 5;
	g_assert_cmpint(hv_vm_add_device(vm, &dev), ==, 0);
	g_assert_cmpuint(hv_vm_device_count(vm), ==, 1);
	hv_vm_free(vm);
	faults_free(f);
	engine_free(e);
}

/* ---- the reference host's lifetime rules and the host assumptions ---- */

static void cfg_write(struct host *h, unsigned off, uint32_t val, unsigned size)
{
	gabi_mmio_write(h->vm, h->mmio_base, 0, 4); /* select slot 0 */
	gabi_mmio_write(h->vm, h->mmio_base + CFG_PAGE_OFFSET + off, val, size);
}

/* Places the function's BARs and turns memory decoding on, as a guest's
 * prepopulate_bars() and pci_restore_state() do. */
static void program_bars(struct host *h)
{
	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++)
		cfg_write(h, PCI_BASE_ADDRESS_0 + 4 * i, 0xf9000000u, 4);
	cfg_write(h, PCI_BASE_ADDRESS_0 + 4 * 1, 0, 4); /* upper half of the 64-bit BAR */
	cfg_write(h, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	g_assert_cmpuint(pcidev_bar_base(hv_vm_device(h->vm, 0), 0), !=, 0);
}

static bool function_released(struct host *h)
{
	struct pcidev *d = hv_vm_device(h->vm, 0);
	bool bars_zero = true;

	for (unsigned i = 0; i < PCIDEV_NUM_BARS; i++)
		bars_zero &= (pcidev_cfg_read(d, PCI_BASE_ADDRESS_0 + 4 * i, 4) &
		              PCI_BASE_ADDRESS_MEM_MASK) == 0;
	return bars_zero && !(pcidev_command(d) & PCI_COMMAND_MEMORY) && pcidev_bar_base(d, 0) == 0;
}

/* RESOURCES_RELEASED names a slot: the function's releases its entries,
 * BARs and memory enable (bus mastering stays); another slot releases
 * nothing; irte-lifetime=power-off keeps everything. */
static void test_release_on_resources_released(void)
{
	for (int keep = 0; keep <= 1; keep++) {
		struct pci_create_int_response c[2];
		struct host h;

		if (keep)
			next_assumptions.irte_lifetime = HOST_IRTE_LIFETIME_POWER_OFF;
		host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_4);
		program_bars(&h);
		c[0] = create_simple(&h, 0, 0x40, 1);
		c[1] = create_simple(&h, 0, 0x41, 1);
		g_assert_cmpuint(irtes(&h), ==, 2);
		resources_released_slot(&h, 7);
		g_assert_cmpuint(irtes(&h), ==, 2);
		g_assert_false(function_released(&h));
		resources_released_slot(&h, 0);
		g_assert_cmpuint(irtes(&h), ==, keep ? 2 : 0);
		g_assert_cmpint(function_released(&h), ==, !keep);
		g_assert_true(pcidev_command(hv_vm_device(h.vm, 0)) & PCI_COMMAND_MASTER);
		g_assert_cmpint(irte_of(&h, 0, c[1].int_desc.address, c[1].int_desc.data) != NULL,
		                ==, keep);
		host_fini(&h);
	}
}

/* Channel close releases the function as RESOURCES_RELEASED does. */
static void test_release_on_close(void)
{
	for (int keep = 0; keep <= 1; keep++) {
		struct host h;

		if (keep)
			next_assumptions.irte_lifetime = HOST_IRTE_LIFETIME_POWER_OFF;
		host_setup(&h, 1, PCI_PROTOCOL_VERSION_1_2);
		program_bars(&h);
		create_simple(&h, 0, 0x40, 1);
		g_assert_cmpuint(irtes(&h), ==, 1);
		gabi_vmbus_close(h.vm, h.ch);
		g_assert_cmpuint(irtes(&h), ==, keep ? 1 : 0);
		g_assert_cmpint(function_released(&h), ==, !keep);
		host_fini(&h);
	}
}

struct conn_log {
	GArray *msgs; /* of struct gabi_vmbus_msg */
};

static void on_conn(void *ctx, const struct gabi_vmbus_msg *m)
{
	struct conn_log *l = ctx;

	g_array_append_val(l->msgs, *m);
}

static void conn_post(struct host *h, uint32_t type)
{
	struct gabi_vmbus_msg m = {.type = type, .version = GABI_VMBUS_VERSION_WIN10_V5_3};

	g_assert_cmpint(gabi_vmbus_post_message(h->vm, &m), ==, 0);
	engine_run(h->e);
}

/* UNLOAD closes what is open (releasing it), takes the offers back and is
 * answered; contact and REQUESTOFFERS bring every channel back, under new
 * relation ids (reoffer-relids=changed) or the old ones (same). */
static void test_unload_and_reoffer(void)
{
	for (int same = 0; same <= 1; same++) {
		struct conn_log l = {g_array_new(FALSE, TRUE, sizeof(struct gabi_vmbus_msg))};
		struct gabi_offer o[2];
		struct gabi_vmbus_msg bad = {.type = GABI_CHANNELMSG_OFFERCHANNEL};
		struct host h;
		unsigned k;

		if (same)
			next_assumptions.reoffer_relids = HOST_REOFFER_RELIDS_SAME;
		host_init_n(&h, 2, PCI_PROTOCOL_VERSION_1_4, 2);
		g_assert_cmpint(gabi_vmbus_offer(h.vm, 1, &o[1]), ==, 0);
		h.version = PCI_PROTOCOL_VERSION_1_4;
		g_assert_cmphex(negotiate(&h, PCI_PROTOCOL_VERSION_1_4), ==, STATUS_SUCCESS);
		g_assert_cmphex(d0_entry(&h, h.mmio_base), ==, STATUS_SUCCESS);
		g_assert_cmphex(resources_assigned(&h), ==, STATUS_SUCCESS);
		create_simple(&h, 0, 0x40, 1);
		g_assert_cmpint(gabi_vmbus_post_message(h.vm, &bad), ==, -EINVAL);
		gabi_vmbus_set_message_handler(h.vm, on_conn, &l);

		conn_post(&h, GABI_CHANNELMSG_UNLOAD);
		g_assert_cmpuint(l.msgs->len, ==, 1);
		g_assert_cmpuint(g_array_index(l.msgs, struct gabi_vmbus_msg, 0).type, ==,
		                 GABI_CHANNELMSG_UNLOAD_RESPONSE);
		g_assert_cmpuint(tp_count(h.e, TP_VMBUS_UNLOADED), ==, 1);
		g_assert_cmpuint(irtes(&h), ==, 0); /* the open channel was closed */
		g_assert_cmpuint(gabi_vmbus_offer_count(h.vm), ==, 0);
		g_assert_cmpint(gabi_vmbus_open(h.vm, h.ch, on_packet, &h), ==, -ENODEV);
		/* offers only after contact */
		conn_post(&h, GABI_CHANNELMSG_REQUESTOFFERS);
		g_assert_cmpuint(l.msgs->len, ==, 1);
		conn_post(&h, GABI_CHANNELMSG_INITIATE_CONTACT);
		g_assert_cmpuint(l.msgs->len, ==, 2);
		g_assert_cmpuint(g_array_index(l.msgs, struct gabi_vmbus_msg, 1).type, ==,
		                 GABI_CHANNELMSG_VERSION_RESPONSE);
		g_assert_true(g_array_index(l.msgs, struct gabi_vmbus_msg, 1).version_supported);
		conn_post(&h, GABI_CHANNELMSG_REQUESTOFFERS);
		g_assert_cmpuint(l.msgs->len, ==, 5);
		for (k = 0; k < 2; k++) {
			const struct gabi_vmbus_msg *m =
			    &g_array_index(l.msgs, struct gabi_vmbus_msg, 2 + k);
			unsigned old = k == 0 ? h.ch : o[1].channel;
			g_assert_cmpuint(m->type, ==, GABI_CHANNELMSG_OFFERCHANNEL);
			g_assert_cmpuint(m->offer.instance_guid[15], ==, k);
			if (same)
				g_assert_cmpuint(m->offer.channel, ==, old);
			else
				g_assert_cmpuint(m->offer.channel, >=, 2); /* never used before */
			o[k] = m->offer;
		}
		g_assert_cmpuint(o[0].channel, !=, o[1].channel);
		g_assert_cmpuint(g_array_index(l.msgs, struct gabi_vmbus_msg, 4).type, ==,
		                 GABI_CHANNELMSG_ALLOFFERS_DELIVERED);
		g_assert_cmpuint(gabi_vmbus_offer_count(h.vm), ==, 2);
		/* a stale id names nothing; the new one opens */
		if (!same)
			g_assert_cmpint(gabi_vmbus_open(h.vm, h.ch, on_packet, &h), ==, -ENODEV);
		g_assert_cmpint(gabi_vmbus_open(h.vm, o[0].channel, on_packet, &h), ==, 0);
		/* power-off drops messages in flight and the handler */
		{
			struct gabi_vmbus_msg m = {.type = GABI_CHANNELMSG_UNLOAD};
			g_assert_cmpint(gabi_vmbus_post_message(h.vm, &m), ==, 0);
			gabi_power_off(h.vm);
			engine_run(h.e);
			g_assert_cmpuint(l.msgs->len, ==, 5);
			g_assert_cmpint(gabi_vmbus_post_message(h.vm, &m), ==, -ENODEV);
		}
		g_array_free(l.msgs, TRUE);
		host_fini(&h);
	}
}

/* (a) the status of a retarget after D0 exit, for each value. */
static void test_assumption_retarget_after_d0_exit(void)
{
	static const uint64_t want[HOST_RETARGET_INACTIVE__COUNT] = {
	    HV_STATUS_INVALID_PARAMETER, HV_STATUS_OPERATION_DENIED, HV_STATUS_NOT_FOUND,
	    HV_STATUS_SUCCESS};

	for (unsigned v = 0; v < HOST_RETARGET_INACTIVE__COUNT; v++) {
		struct pci_create_int_response c;
		struct host h;

		next_assumptions.retarget_after_d0_exit = v;
		next_assumptions.irte_lifetime = HOST_IRTE_LIFETIME_POWER_OFF;
		host_setup(&h, 2, PCI_PROTOCOL_VERSION_1_4);
		gabi_vcpu_set_online(h.vm, 1, true);
		c = create_simple(&h, 0, 0x40, 1);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x41, 1), ==, HV_STATUS_SUCCESS);
		/* after RESOURCES_RELEASED, in D0 still */
		resources_released(&h);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x42, 0), ==, want[v]);
		g_assert_cmphex(d0_exit(&h), ==, STATUS_SUCCESS);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x42, 0), ==, want[v]);
		/* accepted or not, the entry does not move */
		g_assert_cmpuint(irte_of(&h, 0, c.int_desc.address, c.int_desc.data)->vcpu, ==, 1);
		g_assert_cmpstr(host_assumption_value_name(HOST_A_RETARGET_AFTER_D0_EXIT, v), !=,
		                NULL);
		host_fini(&h);
	}
}

/* (b) a protocol-1.1 create with every CPU in its mask. */
static void test_assumption_create_any_cpu(void)
{
	for (unsigned v = 0; v < HOST_CREATE_ANY_CPU__COUNT; v++) {
		struct create_args a = {.vector = 0x40, .vector_count = 1, .cpu_mask = UINT64_MAX};
		struct pci_create_int_response c;
		struct host h;

		next_assumptions.create_any_cpu_target = v;
		host_setup(&h, 4, PCI_PROTOCOL_VERSION_1_1);
		gabi_vcpu_set_online(h.vm, 1, true);
		gabi_vcpu_set_online(h.vm, 2, true); /* vCPU 3 stays offline */
		c = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE, &a);
		check_created(&h, &c, v == HOST_CREATE_ANY_CPU_FIRST ? 0 : 2, 0x40, 1);
		/* a mask that is not all ones: its first VP, either way */
		a.cpu_mask = 0x6;
		c = create_as(&h, PCI_CREATE_INTERRUPT_MESSAGE, &a);
		check_created(&h, &c, 1, 0x40, 1);
		host_fini(&h);
	}
}

/* (c) a retarget to a VP the guest took offline. */
static void test_assumption_retarget_offline(void)
{
	for (unsigned v = 0; v < HOST_RETARGET_OFFLINE__COUNT; v++) {
		struct pci_create_int_response c;
		struct host h;
		struct irte *e;

		next_assumptions.retarget_offline_vp = v;
		host_setup(&h, 4, PCI_PROTOCOL_VERSION_1_4);
		c = create_simple(&h, 0, 0x40, 1);
		g_assert_cmphex(retarget_for(&h, &c.int_desc, 0x41, 3), ==,
		                v == HOST_RETARGET_OFFLINE_ACCEPT ? HV_STATUS_SUCCESS
		                                                  : HV_STATUS_INVALID_PARAMETER);
		e = irte_of(&h, 0, c.int_desc.address, c.int_desc.data);
		g_assert_cmpuint(e->vcpu, ==, v == HOST_RETARGET_OFFLINE_ACCEPT ? 3 : 0);
		host_fini(&h);
	}
}

/* The names the scenario loader takes; value 0 is each one's default. */
static void test_assumption_names(void)
{
	struct host_assumptions a = {0};

	for (unsigned i = 0; i < HOST_A__COUNT; i++) {
		const char *n = host_assumption_name(i);
		g_assert_nonnull(n);
		g_assert_cmpint(host_assumption_lookup(n), ==, (int)i);
		g_assert_cmpuint(host_assumption_value_count(i), >=, 2);
		g_assert_cmpuint(host_assumption_get(&a, i), ==, 0);
		for (unsigned v = 0; v < host_assumption_value_count(i); v++) {
			g_assert_cmpint(
			    host_assumption_value_lookup(i, host_assumption_value_name(i, v)), ==,
			    (int)v);
			host_assumption_set(&a, i, v);
			g_assert_cmpuint(host_assumption_get(&a, i), ==, v);
		}
	}
	g_assert_cmpint(host_assumption_lookup("no-such"), ==, -1);
	g_assert_cmpint(host_assumption_value_lookup(HOST_A_IRTE_LIFETIME, "forever"), ==, -1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/host/offer", test_offer);
	g_test_add_func("/host/version/each", test_version_each);
	g_test_add_func("/host/version/unsupported", test_version_unsupported);
	g_test_add_func("/host/version/highest-first", test_version_highest_first);
	g_test_add_func("/host/version/renegotiate", test_version_renegotiate);
	g_test_add_func("/host/bus-relations", test_bus_relations);
	g_test_add_func("/host/config-window", test_config_window);
	g_test_add_func("/host/resource-requirements", test_resource_requirements);
	for (unsigned i = 0; i < G_N_ELEMENTS(res_layouts); i++) {
		g_autofree char *name =
		    g_strdup_printf("/host/resource-requirements/layout/%s", res_layouts[i].what);
		g_test_add_data_func(name, &res_layouts[i], test_resource_requirements_layout);
	}
	g_test_add_func("/host/layout/msix-bar-elsewhere", test_msix_bar_elsewhere);
	g_test_add_func("/host/layout/add-device-invalid", test_add_device_bad_layout);
	g_test_add_func("/host/d0-entry", test_d0_entry);
	g_test_add_func("/host/d0-exit", test_d0_exit);
	g_test_add_func("/host/resources-assigned", test_resources_assigned);
	g_test_add_func("/host/resources-released", test_resources_released);
	g_test_add_func("/host/create-interrupt/forms", test_create_interrupt_forms);
	g_test_add_func("/host/create-interrupt/v1.1", test_create_interrupt_v1_1);
	g_test_add_func("/host/create-interrupt/v1.2-v1.3", test_create_interrupt_v1_2_v1_3);
	g_test_add_func("/host/create-interrupt/v1.4", test_create_interrupt_v1_4);
	g_test_add_func("/host/create-interrupt/bad-fields", test_create_interrupt_bad_fields);
	g_test_add_func("/host/create-interrupt/table-full", test_create_interrupt_table_full);
	g_test_add_func("/host/delete-interrupt", test_delete_interrupt);
	g_test_add_func("/host/delete-then-create", test_recreate_new_handle);
	g_test_add_func("/host/reject/short", test_reject_short);
	g_test_add_func("/host/reject/no-type", test_reject_no_type);
	g_test_add_func("/host/reject/short-version", test_reject_short_version);
	g_test_add_func("/host/reject/before-version", test_reject_before_version);
	g_test_add_func("/host/reject/create-before-d0", test_reject_create_before_d0);
	g_test_add_func("/host/reject/unsupported", test_reject_unsupported);
	g_test_add_func("/host/reject/tid-zero", test_tid_zero);
	g_test_add_func("/host/reject/no-completion-requested", test_no_completion_requested);
	g_test_add_func("/host/close-drops-in-flight", test_close_drops_in_flight);
	g_test_add_func("/host/retarget/vp-mask", test_retarget_vp_mask);
	g_test_add_func("/host/retarget/vp-set", test_retarget_vp_set);
	g_test_add_func("/host/retarget/vp-set-banks", test_retarget_vp_set_banks);
	g_test_add_func("/host/retarget/vp-240", test_retarget_vp_240);
	g_test_add_func("/host/retarget/invalid-parameter", test_retarget_invalid_parameter);
	g_test_add_func("/host/retarget/other-device", test_retarget_other_device);
	g_test_add_func("/host/retarget/bad-input", test_retarget_bad_input);
	g_test_add_func("/host/hypercall/unknown-code", test_hypercall_unknown_code);
	g_test_add_func("/host/power-off/clears-irtes", test_power_off_clears_irtes);
	g_test_add_func("/host/power-off/in-flight", test_power_off_in_flight);
	g_test_add_func("/host/mmio-router", test_mmio_router);
	g_test_add_func("/host/fire-records/release", test_fire_records_release);
	g_test_add_func("/host/fire-records/release-many", test_fire_records_release_many);
	g_test_add_func("/host/fault/create-interrupt", test_fault_create_interrupt);
	g_test_add_func("/host/fault/create-interrupt-phase", test_fault_create_interrupt_phase);
	g_test_add_func("/host/fault/d0-entry", test_fault_d0_entry);
	g_test_add_func("/host/fault/retarget", test_fault_retarget);
	g_test_add_func("/host/buses-independent", test_buses_independent);
	g_test_add_func("/host/linux-sequence", test_linux_sequence);
	g_test_add_func("/host/release/resources-released", test_release_on_resources_released);
	g_test_add_func("/host/release/close", test_release_on_close);
	g_test_add_func("/host/vmbus/unload-and-reoffer", test_unload_and_reoffer);
	g_test_add_func("/host/assumption/retarget-after-d0-exit",
	                test_assumption_retarget_after_d0_exit);
	g_test_add_func("/host/assumption/create-any-cpu-target", test_assumption_create_any_cpu);
	g_test_add_func("/host/assumption/retarget-offline-vp", test_assumption_retarget_offline);
	g_test_add_func("/host/assumption/names", test_assumption_names);
	return g_test_run();
}
