/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the wire formats: sizeof() and the key offsetof() values of
 * every packed struct in vmbus-sim/vpci-proto.h and of the retarget
 * hypercall input in vmbus-sim/hv-abi.h, the vPCI message numbers, protocol
 * versions, NTSTATUS and HV status values, and the names
 * vpci_message_name() and hv_status_name() give them.
 *
 * Every expected number is a literal copied from the reference
 * (shared/reference/pci-hyperv.md, sections 1.1-1.4 and 2.3-2.4), never
 * computed from the headers under test.
 */
#include "vmbus-sim/hv-abi.h"
#include "vmbus-sim/vpci-proto.h"

#include <glib.h>
#include <stddef.h>
#include <string.h>

#define ASSERT_SIZE(type, n)         g_assert_cmpuint(sizeof(type), ==, (n))
#define ASSERT_OFF(type, field, n)   g_assert_cmpuint(offsetof(type, field), ==, (n))
#define ASSERT_FSIZE(type, field, n) g_assert_cmpuint(sizeof(((type *)0)->field), ==, (n))

/* ---- VMBus framing (reference 1.1) ---- */

static void test_vmbus_pkt_hdr(void)
{
	ASSERT_SIZE(struct vmbus_pkt_hdr, 16);
	ASSERT_OFF(struct vmbus_pkt_hdr, type, 0);
	ASSERT_OFF(struct vmbus_pkt_hdr, offset8, 2);
	ASSERT_OFF(struct vmbus_pkt_hdr, len8, 4);
	ASSERT_OFF(struct vmbus_pkt_hdr, flags, 6);
	ASSERT_OFF(struct vmbus_pkt_hdr, trans_id, 8);

	g_assert_cmpuint(VM_PKT_DATA_INBAND, ==, 0x6);
	g_assert_cmpuint(VM_PKT_COMP, ==, 0xb);
	g_assert_cmpuint(VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED, ==, 1);
}

static void test_pci_message(void)
{
	ASSERT_SIZE(struct pci_message, 4);
	ASSERT_OFF(struct pci_message, type, 0);
}

static void test_pci_child_message(void)
{
	ASSERT_SIZE(struct pci_child_message, 8);
	ASSERT_OFF(struct pci_child_message, message_type, 0);
	ASSERT_OFF(struct pci_child_message, wslot, 4);
}

static void test_pci_incoming_message(void)
{
	ASSERT_SIZE(struct pci_incoming_message, 20);
	ASSERT_OFF(struct pci_incoming_message, hdr, 0);
	ASSERT_OFF(struct pci_incoming_message, message_type, 16);
}

static void test_pci_response(void)
{
	ASSERT_SIZE(struct pci_response, 20);
	ASSERT_OFF(struct pci_response, hdr, 0);
	ASSERT_OFF(struct pci_response, status, 16);
	ASSERT_FSIZE(struct pci_response, status, 4);
}

/* ---- descriptors (reference 1.4) ---- */

static void test_win_slot_encoding(void)
{
	union win_slot_encoding w;

	ASSERT_SIZE(union win_slot_encoding, 4);
	/* dev:5, func:3: devfn 0x0b = dev 1 func 3 -> dev in bits 0-4, func in 5-7 */
	memset(&w, 0, sizeof(w));
	w.bits.dev = 1;
	w.bits.func = 3;
	g_assert_cmpuint(w.slot, ==, 0x61);
	w.slot = 0xffffffffu;
	g_assert_cmpuint(w.bits.dev, ==, 31);
	g_assert_cmpuint(w.bits.func, ==, 7);
	g_assert_cmpuint(w.bits.reserved, ==, 0xffffff);
}

static void test_pci_function_description(void)
{
	ASSERT_SIZE(struct pci_function_description, 20);
	ASSERT_OFF(struct pci_function_description, v_id, 0);
	ASSERT_OFF(struct pci_function_description, d_id, 2);
	ASSERT_OFF(struct pci_function_description, rev, 4);
	ASSERT_OFF(struct pci_function_description, prog_intf, 5);
	ASSERT_OFF(struct pci_function_description, subclass, 6);
	ASSERT_OFF(struct pci_function_description, base_class, 7);
	ASSERT_OFF(struct pci_function_description, subsystem_id, 8);
	ASSERT_OFF(struct pci_function_description, win_slot, 12);
	ASSERT_OFF(struct pci_function_description, ser, 16);
}

static void test_pci_function_description2(void)
{
	ASSERT_SIZE(struct pci_function_description2, 28);
	ASSERT_OFF(struct pci_function_description2, v_id, 0);
	ASSERT_OFF(struct pci_function_description2, d_id, 2);
	ASSERT_OFF(struct pci_function_description2, rev, 4);
	ASSERT_OFF(struct pci_function_description2, base_class, 7);
	ASSERT_OFF(struct pci_function_description2, subsystem_id, 8);
	ASSERT_OFF(struct pci_function_description2, win_slot, 12);
	ASSERT_OFF(struct pci_function_description2, ser, 16);
	ASSERT_OFF(struct pci_function_description2, flags, 20);
	ASSERT_OFF(struct pci_function_description2, virtual_numa_node, 24);
	ASSERT_OFF(struct pci_function_description2, reserved, 26);
	g_assert_cmpuint(HV_PCI_DEVICE_FLAG_NUMA_AFFINITY, ==, 0x1);
}

static void test_hv_msi_desc(void)
{
	ASSERT_SIZE(struct hv_msi_desc, 16);
	ASSERT_OFF(struct hv_msi_desc, vector, 0);
	ASSERT_OFF(struct hv_msi_desc, delivery_mode, 1);
	ASSERT_OFF(struct hv_msi_desc, vector_count, 2);
	ASSERT_OFF(struct hv_msi_desc, reserved, 4);
	ASSERT_OFF(struct hv_msi_desc, cpu_mask, 8);
}

static void test_hv_msi_desc2(void)
{
	ASSERT_SIZE(struct hv_msi_desc2, 70);
	ASSERT_OFF(struct hv_msi_desc2, vector, 0);
	ASSERT_OFF(struct hv_msi_desc2, delivery_mode, 1);
	ASSERT_OFF(struct hv_msi_desc2, vector_count, 2);
	ASSERT_OFF(struct hv_msi_desc2, processor_count, 4);
	ASSERT_OFF(struct hv_msi_desc2, processor_array, 6);
	ASSERT_FSIZE(struct hv_msi_desc2, processor_array, 64);
}

static void test_hv_msi_desc3(void)
{
	ASSERT_SIZE(struct hv_msi_desc3, 74);
	ASSERT_OFF(struct hv_msi_desc3, vector, 0);
	ASSERT_FSIZE(struct hv_msi_desc3, vector, 4);
	ASSERT_OFF(struct hv_msi_desc3, delivery_mode, 4);
	ASSERT_OFF(struct hv_msi_desc3, reserved, 5);
	ASSERT_OFF(struct hv_msi_desc3, vector_count, 6);
	ASSERT_OFF(struct hv_msi_desc3, processor_count, 8);
	ASSERT_OFF(struct hv_msi_desc3, processor_array, 10);
	ASSERT_FSIZE(struct hv_msi_desc3, processor_array, 64);
}

static void test_tran_int_desc(void)
{
	ASSERT_SIZE(struct tran_int_desc, 16);
	ASSERT_OFF(struct tran_int_desc, reserved, 0);
	ASSERT_OFF(struct tran_int_desc, vector_count, 2);
	ASSERT_OFF(struct tran_int_desc, data, 4);
	ASSERT_OFF(struct tran_int_desc, address, 8);
}

/* ---- requests and responses (reference 1.3, 1.4) ---- */

static void test_pci_version_request(void)
{
	ASSERT_SIZE(struct pci_version_request, 8);
	ASSERT_OFF(struct pci_version_request, message_type, 0);
	ASSERT_OFF(struct pci_version_request, protocol_version, 4);
}

static void test_pci_bus_d0_entry(void)
{
	ASSERT_SIZE(struct pci_bus_d0_entry, 16);
	ASSERT_OFF(struct pci_bus_d0_entry, message_type, 0);
	ASSERT_OFF(struct pci_bus_d0_entry, reserved, 4);
	ASSERT_OFF(struct pci_bus_d0_entry, mmio_base, 8);
}

static void test_pci_bus_relations(void)
{
	/* 24 + 20 * N */
	ASSERT_SIZE(struct pci_bus_relations, 24);
	ASSERT_OFF(struct pci_bus_relations, incoming, 0);
	ASSERT_OFF(struct pci_bus_relations, device_count, 20);
	ASSERT_OFF(struct pci_bus_relations, func, 24);
	g_assert_cmpuint(sizeof(struct pci_bus_relations) +
	                     3 * sizeof(struct pci_function_description),
	                 ==, 24 + 20 * 3);
}

static void test_pci_bus_relations2(void)
{
	/* 24 + 28 * N */
	ASSERT_SIZE(struct pci_bus_relations2, 24);
	ASSERT_OFF(struct pci_bus_relations2, incoming, 0);
	ASSERT_OFF(struct pci_bus_relations2, device_count, 20);
	ASSERT_OFF(struct pci_bus_relations2, func, 24);
	g_assert_cmpuint(sizeof(struct pci_bus_relations2) +
	                     3 * sizeof(struct pci_function_description2),
	                 ==, 24 + 28 * 3);
}

static void test_pci_q_res_req_response(void)
{
	ASSERT_SIZE(struct pci_q_res_req_response, 44);
	ASSERT_OFF(struct pci_q_res_req_response, hdr, 0);
	ASSERT_OFF(struct pci_q_res_req_response, status, 16);
	ASSERT_OFF(struct pci_q_res_req_response, probed_bar, 20);
	ASSERT_FSIZE(struct pci_q_res_req_response, probed_bar, 24);
	g_assert_cmpuint(PCI_STD_NUM_BARS, ==, 6);
}

static void test_pci_set_power(void)
{
	ASSERT_SIZE(struct pci_set_power, 16);
	ASSERT_OFF(struct pci_set_power, message_type, 0);
	ASSERT_OFF(struct pci_set_power, wslot, 4);
	ASSERT_OFF(struct pci_set_power, power_state, 8);
	ASSERT_OFF(struct pci_set_power, reserved, 12);
}

static void test_pci_set_power_response(void)
{
	ASSERT_SIZE(struct pci_set_power_response, 32);
	ASSERT_OFF(struct pci_set_power_response, hdr, 0);
	ASSERT_OFF(struct pci_set_power_response, status, 16);
	ASSERT_OFF(struct pci_set_power_response, wslot, 20);
	ASSERT_OFF(struct pci_set_power_response, resultant_state, 24);
	ASSERT_OFF(struct pci_set_power_response, reserved, 28);
}

static void test_pci_resources_assigned(void)
{
	ASSERT_SIZE(struct pci_resources_assigned, 148);
	ASSERT_OFF(struct pci_resources_assigned, message_type, 0);
	ASSERT_OFF(struct pci_resources_assigned, wslot, 4);
	ASSERT_OFF(struct pci_resources_assigned, memory_range, 8);
	ASSERT_FSIZE(struct pci_resources_assigned, memory_range, 120);
	ASSERT_OFF(struct pci_resources_assigned, msi_descriptors, 128);
	ASSERT_OFF(struct pci_resources_assigned, reserved, 132);
}

static void test_pci_resources_assigned2(void)
{
	ASSERT_SIZE(struct pci_resources_assigned2, 202);
	ASSERT_OFF(struct pci_resources_assigned2, message_type, 0);
	ASSERT_OFF(struct pci_resources_assigned2, wslot, 4);
	ASSERT_OFF(struct pci_resources_assigned2, memory_range, 8);
	ASSERT_OFF(struct pci_resources_assigned2, msi_descriptor_count, 128);
	ASSERT_OFF(struct pci_resources_assigned2, reserved, 132);
	ASSERT_FSIZE(struct pci_resources_assigned2, reserved, 70);
}

static void test_pci_create_interrupt(void)
{
	ASSERT_SIZE(struct pci_create_interrupt, 24);
	ASSERT_OFF(struct pci_create_interrupt, message_type, 0);
	ASSERT_OFF(struct pci_create_interrupt, wslot, 4);
	ASSERT_OFF(struct pci_create_interrupt, int_desc, 8);
	ASSERT_OFF(struct pci_create_interrupt, int_desc.cpu_mask, 16);
}

static void test_pci_create_interrupt2(void)
{
	ASSERT_SIZE(struct pci_create_interrupt2, 78);
	ASSERT_OFF(struct pci_create_interrupt2, wslot, 4);
	ASSERT_OFF(struct pci_create_interrupt2, int_desc, 8);
	ASSERT_OFF(struct pci_create_interrupt2, int_desc.processor_count, 12);
	ASSERT_OFF(struct pci_create_interrupt2, int_desc.processor_array, 14);
}

static void test_pci_create_interrupt3(void)
{
	ASSERT_SIZE(struct pci_create_interrupt3, 82);
	ASSERT_OFF(struct pci_create_interrupt3, wslot, 4);
	ASSERT_OFF(struct pci_create_interrupt3, int_desc, 8);
	ASSERT_OFF(struct pci_create_interrupt3, int_desc.processor_count, 16);
	ASSERT_OFF(struct pci_create_interrupt3, int_desc.processor_array, 18);
}

static void test_pci_create_int_response(void)
{
	ASSERT_SIZE(struct pci_create_int_response, 40);
	ASSERT_OFF(struct pci_create_int_response, response, 0);
	ASSERT_OFF(struct pci_create_int_response, response.status, 16);
	ASSERT_OFF(struct pci_create_int_response, reserved, 20);
	ASSERT_OFF(struct pci_create_int_response, int_desc, 24);
	ASSERT_OFF(struct pci_create_int_response, int_desc.data, 28);
	ASSERT_OFF(struct pci_create_int_response, int_desc.address, 32);
}

static void test_pci_delete_interrupt(void)
{
	ASSERT_SIZE(struct pci_delete_interrupt, 24);
	ASSERT_OFF(struct pci_delete_interrupt, message_type, 0);
	ASSERT_OFF(struct pci_delete_interrupt, wslot, 4);
	ASSERT_OFF(struct pci_delete_interrupt, int_desc, 8);
}

static void test_pci_read_block(void)
{
	ASSERT_SIZE(struct pci_read_block, 16);
	ASSERT_OFF(struct pci_read_block, message_type, 0);
	ASSERT_OFF(struct pci_read_block, block_id, 4);
	ASSERT_OFF(struct pci_read_block, wslot, 8);
	ASSERT_OFF(struct pci_read_block, bytes_requested, 12);
}

static void test_pci_read_block_response(void)
{
	ASSERT_SIZE(struct pci_read_block_response, 148);
	ASSERT_OFF(struct pci_read_block_response, hdr, 0);
	ASSERT_OFF(struct pci_read_block_response, status, 16);
	ASSERT_OFF(struct pci_read_block_response, bytes, 20);
	ASSERT_FSIZE(struct pci_read_block_response, bytes, 128);
}

static void test_pci_write_block(void)
{
	ASSERT_SIZE(struct pci_write_block, 144);
	ASSERT_OFF(struct pci_write_block, message_type, 0);
	ASSERT_OFF(struct pci_write_block, block_id, 4);
	ASSERT_OFF(struct pci_write_block, wslot, 8);
	ASSERT_OFF(struct pci_write_block, byte_count, 12);
	ASSERT_OFF(struct pci_write_block, bytes, 16);
}

static void test_pci_dev_inval_block(void)
{
	ASSERT_SIZE(struct pci_dev_inval_block, 32);
	ASSERT_OFF(struct pci_dev_inval_block, incoming, 0);
	ASSERT_OFF(struct pci_dev_inval_block, wslot, 20);
	ASSERT_OFF(struct pci_dev_inval_block, block_mask, 24);
}

static void test_pci_dev_incoming(void)
{
	ASSERT_SIZE(struct pci_dev_incoming, 24);
	ASSERT_OFF(struct pci_dev_incoming, incoming, 0);
	ASSERT_OFF(struct pci_dev_incoming, wslot, 20);
}

static void test_pci_eject_response(void)
{
	ASSERT_SIZE(struct pci_eject_response, 12);
	ASSERT_OFF(struct pci_eject_response, message_type, 0);
	ASSERT_OFF(struct pci_eject_response, wslot, 4);
	ASSERT_OFF(struct pci_eject_response, status, 8);
}

/* ---- HV_INPUT_RETARGET_DEVICE_INTERRUPT (reference 2.3) ---- */

static void test_hv_retarget_device_interrupt(void)
{
	typedef struct hv_retarget_device_interrupt R;

	/* 64 bytes of fixed part, __packed __aligned(8) */
	ASSERT_SIZE(R, 64);
	g_assert_cmpuint(HV_RETARGET_FIXED_SIZE, ==, 64);
	g_assert_cmpuint(__alignof__(R), ==, 8);
	ASSERT_OFF(R, partition_id, 0);
	ASSERT_OFF(R, device_id, 8);
	ASSERT_OFF(R, int_entry, 16);
	ASSERT_OFF(R, int_entry.source, 16);
	ASSERT_OFF(R, int_entry.reserved1, 20);
	ASSERT_OFF(R, int_entry.msi_entry.address, 24);
	ASSERT_OFF(R, int_entry.msi_entry.data, 28);
	ASSERT_OFF(R, reserved2, 32);
	ASSERT_OFF(R, int_target, 40);
	ASSERT_OFF(R, int_target.vector, 40);
	ASSERT_OFF(R, int_target.flags, 44);
	ASSERT_OFF(R, int_target.vp_mask, 48);
	ASSERT_OFF(R, int_target.vp_set.format, 48);
	ASSERT_OFF(R, int_target.vp_set.valid_bank_mask, 56);
	ASSERT_OFF(R, int_target.vp_set.bank_contents, 64);
	ASSERT_FSIZE(R, int_entry.msi_entry.address, 4);
	ASSERT_FSIZE(R, int_entry.msi_entry.data, 4);
	ASSERT_FSIZE(R, int_target.vector, 4);

	/* the pieces, from the same offsets */
	ASSERT_SIZE(struct hv_msi_entry, 8);
	ASSERT_SIZE(struct hv_interrupt_entry, 16);
	ASSERT_SIZE(struct hv_vpset, 16);
	ASSERT_SIZE(struct hv_device_interrupt_target, 24);

	g_assert_cmpuint(HV_PARTITION_ID_SELF, ==, 0xffffffffffffffffull);
	g_assert_cmpuint(HV_INTERRUPT_SOURCE_MSI, ==, 1);
	g_assert_cmpuint(HV_INTERRUPT_SOURCE_IOAPIC, ==, 2);
	g_assert_cmpuint(HV_DEVICE_INTERRUPT_TARGET_MULTICAST, ==, 1);
	g_assert_cmpuint(HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET, ==, 2);
	g_assert_cmpuint(HV_GENERIC_SET_SPARSE_4K, ==, 0);
}

static void test_hypercall_control(void)
{
	g_assert_cmpuint(HVCALL_MAP_DEVICE_INTERRUPT, ==, 0x7c);
	g_assert_cmpuint(HVCALL_UNMAP_DEVICE_INTERRUPT, ==, 0x7d);
	g_assert_cmpuint(HVCALL_RETARGET_INTERRUPT, ==, 0x7e);
	g_assert_cmpuint(HVCALL_MMIO_READ, ==, 0x106);
	g_assert_cmpuint(HVCALL_MMIO_WRITE, ==, 0x107);
	g_assert_cmpuint(HV_HYPERCALL_FAST_BIT, ==, 1ull << 16);
	g_assert_cmpuint(HV_HYPERCALL_VARHEAD_OFFSET, ==, 17);
	g_assert_cmpuint(HV_HYPERCALL_REP_COMP_OFFSET, ==, 32);
	g_assert_cmpuint(HV_HYPERCALL_REP_START_OFFSET, ==, 48);
	/* hv_result = status & GENMASK_ULL(15, 0) */
	g_assert_cmpuint(hv_result(0x123450005ull), ==, 0x5);
	g_assert_cmpuint(hv_result(0xffffull), ==, 0xffff);
	g_assert_cmpuint(hv_result(0x10000ull), ==, 0);
}

/* ---- numbers (reference 1.1-1.5) ---- */

static void test_protocol_versions(void)
{
	g_assert_cmpuint(PCI_MAKE_VERSION(1, 0), ==, 0x00010000);
	g_assert_cmpuint(PCI_PROTOCOL_VERSION_1_1, ==, 0x00010001);
	g_assert_cmpuint(PCI_PROTOCOL_VERSION_1_2, ==, 0x00010002);
	g_assert_cmpuint(PCI_PROTOCOL_VERSION_1_3, ==, 0x00010003);
	g_assert_cmpuint(PCI_PROTOCOL_VERSION_1_4, ==, 0x00010004);
	g_assert_cmpuint(PCI_CONFIG_MMIO_LENGTH, ==, 0x2000);
	g_assert_cmpuint(CFG_PAGE_OFFSET, ==, 0x1000);
}

static const struct {
	uint32_t type;
	uint32_t value;
	const char *name;
} messages[] = {
    {PCI_BUS_RELATIONS, 0x42490000, "BUS_RELATIONS"},
    {PCI_QUERY_BUS_RELATIONS, 0x42490001, "QUERY_BUS_RELATIONS"},
    {PCI_POWER_STATE_CHANGE, 0x42490004, "POWER_STATE_CHANGE"},
    {PCI_QUERY_RESOURCE_REQUIREMENTS, 0x42490005, "QUERY_RESOURCE_REQUIREMENTS"},
    {PCI_QUERY_RESOURCE_RESOURCES, 0x42490006, "QUERY_RESOURCE_RESOURCES"},
    {PCI_BUS_D0ENTRY, 0x42490007, "BUS_D0ENTRY"},
    {PCI_BUS_D0EXIT, 0x42490008, "BUS_D0EXIT"},
    {PCI_READ_BLOCK, 0x42490009, "READ_BLOCK"},
    {PCI_WRITE_BLOCK, 0x4249000A, "WRITE_BLOCK"},
    {PCI_EJECT, 0x4249000B, "EJECT"},
    {PCI_QUERY_STOP, 0x4249000C, "QUERY_STOP"},
    {PCI_REENABLE, 0x4249000D, "REENABLE"},
    {PCI_QUERY_STOP_FAILED, 0x4249000E, "QUERY_STOP_FAILED"},
    {PCI_EJECTION_COMPLETE, 0x4249000F, "EJECTION_COMPLETE"},
    {PCI_RESOURCES_ASSIGNED, 0x42490010, "RESOURCES_ASSIGNED"},
    {PCI_RESOURCES_RELEASED, 0x42490011, "RESOURCES_RELEASED"},
    {PCI_INVALIDATE_BLOCK, 0x42490012, "INVALIDATE_BLOCK"},
    {PCI_QUERY_PROTOCOL_VERSION, 0x42490013, "QUERY_PROTOCOL_VERSION"},
    {PCI_CREATE_INTERRUPT_MESSAGE, 0x42490014, "CREATE_INTERRUPT_MESSAGE"},
    {PCI_DELETE_INTERRUPT_MESSAGE, 0x42490015, "DELETE_INTERRUPT_MESSAGE"},
    {PCI_RESOURCES_ASSIGNED2, 0x42490016, "RESOURCES_ASSIGNED2"},
    {PCI_CREATE_INTERRUPT_MESSAGE2, 0x42490017, "CREATE_INTERRUPT_MESSAGE2"},
    {PCI_DELETE_INTERRUPT_MESSAGE2, 0x42490018, "DELETE_INTERRUPT_MESSAGE2"},
    {PCI_BUS_RELATIONS2, 0x42490019, "BUS_RELATIONS2"},
    {PCI_RESOURCES_ASSIGNED3, 0x4249001A, "RESOURCES_ASSIGNED3"},
    {PCI_CREATE_INTERRUPT_MESSAGE3, 0x4249001B, "CREATE_INTERRUPT_MESSAGE3"},
};

static void test_message_numbers(void)
{
	g_assert_cmpuint(PCI_MESSAGE_BASE, ==, 0x42490000);
	for (size_t i = 0; i < G_N_ELEMENTS(messages); i++)
		g_assert_cmphex(messages[i].type, ==, messages[i].value);
}

static void test_message_names(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(messages); i++)
		g_assert_cmpstr(vpci_message_name(messages[i].type), ==, messages[i].name);
	/* numbers without a Linux enum entry: the host's names */
	g_assert_cmpstr(vpci_message_name(0x42490002), ==, "INVALIDATE_DEVICE");
	g_assert_cmpstr(vpci_message_name(0x42490003), ==, "INVALIDATE_BUS");
	g_assert_cmpstr(vpci_message_name(0x4249001C), ==, "RESET_DEVICE");
	g_assert_cmpstr(vpci_message_name(0x4249001D), ==, "VPCI_TDISP_COMMAND");
	/* not vPCI messages */
	g_assert_null(vpci_message_name(0x4249001E));
	g_assert_null(vpci_message_name(0x4248ffff));
	g_assert_null(vpci_message_name(0));
	g_assert_null(vpci_message_name(0xffffffffu));
	g_assert_null(vpci_message_name(0x42500000));
}

static void test_ntstatus(void)
{
	g_assert_cmphex(STATUS_SUCCESS, ==, 0x00000000);
	g_assert_cmphex(STATUS_REVISION_MISMATCH, ==, 0xC0000059);
	g_assert_cmphex(STATUS_NOT_SUPPORTED, ==, 0xC00000BB);
	g_assert_cmphex(STATUS_INVALID_DEVICE_STATE, ==, 0xC0000184);
	g_assert_cmphex(STATUS_BAD_DATA, ==, 0xC000090B);
	/* Not in the reference: the well-known NTSTATUS value (ntstatus.h). */
	g_assert_cmphex(STATUS_UNSUCCESSFUL, ==, 0xC0000001);
	/* "negative values are failures" (pci_response.status is s32) */
	g_assert_cmpint((int32_t)STATUS_REVISION_MISMATCH, <, 0);
	g_assert_cmpint((int32_t)STATUS_BAD_DATA, <, 0);
	g_assert_cmpint((int32_t)STATUS_NOT_SUPPORTED, <, 0);
	g_assert_cmpint((int32_t)STATUS_INVALID_DEVICE_STATE, <, 0);
}

static const struct {
	uint64_t code;
	uint64_t value;
	const char *name;
} hv_statuses[] = {
    {HV_STATUS_SUCCESS, 0x0, "HV_STATUS_SUCCESS"},
    {HV_STATUS_INVALID_HYPERCALL_CODE, 0x2, "HV_STATUS_INVALID_HYPERCALL_CODE"},
    {HV_STATUS_INVALID_HYPERCALL_INPUT, 0x3, "HV_STATUS_INVALID_HYPERCALL_INPUT"},
    {HV_STATUS_INVALID_ALIGNMENT, 0x4, "HV_STATUS_INVALID_ALIGNMENT"},
    {HV_STATUS_INVALID_PARAMETER, 0x5, "HV_STATUS_INVALID_PARAMETER"},
    {HV_STATUS_ACCESS_DENIED, 0x6, "HV_STATUS_ACCESS_DENIED"},
    {HV_STATUS_INVALID_PARTITION_STATE, 0x7, "HV_STATUS_INVALID_PARTITION_STATE"},
    {HV_STATUS_OPERATION_DENIED, 0x8, "HV_STATUS_OPERATION_DENIED"},
    {HV_STATUS_INSUFFICIENT_MEMORY, 0xB, "HV_STATUS_INSUFFICIENT_MEMORY"},
    {HV_STATUS_INVALID_PARTITION_ID, 0xD, "HV_STATUS_INVALID_PARTITION_ID"},
    {HV_STATUS_INVALID_VP_INDEX, 0xE, "HV_STATUS_INVALID_VP_INDEX"},
    {HV_STATUS_NOT_FOUND, 0x10, "HV_STATUS_NOT_FOUND"},
    {HV_STATUS_INVALID_VP_STATE, 0x15, "HV_STATUS_INVALID_VP_STATE"},
    {HV_STATUS_NO_RESOURCES, 0x1D, "HV_STATUS_NO_RESOURCES"},
    {HV_STATUS_OPERATION_FAILED, 0x71, "HV_STATUS_OPERATION_FAILED"},
    {HV_STATUS_TIME_OUT, 0x78, "HV_STATUS_TIME_OUT"},
};

static void test_hv_status_codes(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(hv_statuses); i++)
		g_assert_cmphex(hv_statuses[i].code, ==, hv_statuses[i].value);
}

static void test_hv_status_names(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(hv_statuses); i++) {
		g_assert_cmpstr(hv_status_name(hv_statuses[i].value), ==, hv_statuses[i].name);
		/* the name is that of hv_result(status): upper bits (the
		 * rep-complete count) do not change it */
		g_assert_cmpstr(hv_status_name(hv_statuses[i].value | (3ull << 32)), ==,
		                hv_statuses[i].name);
	}
	/* A code hv-abi.h does not define still gets a (non-NULL) name. */
	g_assert_nonnull(hv_status_name(0x9999));
	g_assert_cmpstr(hv_status_name(0x9999), !=, "HV_STATUS_SUCCESS");
}

/* Every code of the reference table (2.4), including those hv-abi.h does
 * not define: hv_status_name() should give each its TLFS name. */
static void test_hv_status_names_reference(void)
{
	static const struct {
		uint64_t code;
		const char *name;
	} ref[] = {
	    {0x0, "HV_STATUS_SUCCESS"},
	    {0x2, "HV_STATUS_INVALID_HYPERCALL_CODE"},
	    {0x3, "HV_STATUS_INVALID_HYPERCALL_INPUT"},
	    {0x4, "HV_STATUS_INVALID_ALIGNMENT"},
	    {0x5, "HV_STATUS_INVALID_PARAMETER"},
	    {0x6, "HV_STATUS_ACCESS_DENIED"},
	    {0x7, "HV_STATUS_INVALID_PARTITION_STATE"},
	    {0x8, "HV_STATUS_OPERATION_DENIED"},
	    {0x9, "HV_STATUS_UNKNOWN_PROPERTY"},
	    {0xA, "HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE"},
	    {0xB, "HV_STATUS_INSUFFICIENT_MEMORY"},
	    {0xD, "HV_STATUS_INVALID_PARTITION_ID"},
	    {0xE, "HV_STATUS_INVALID_VP_INDEX"},
	    {0x10, "HV_STATUS_NOT_FOUND"},
	    {0x11, "HV_STATUS_INVALID_PORT_ID"},
	    {0x12, "HV_STATUS_INVALID_CONNECTION_ID"},
	    {0x13, "HV_STATUS_INSUFFICIENT_BUFFERS"},
	    {0x14, "HV_STATUS_NOT_ACKNOWLEDGED"},
	    {0x15, "HV_STATUS_INVALID_VP_STATE"},
	    {0x1D, "HV_STATUS_NO_RESOURCES"},
	    {0x20, "HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED"},
	    {0x41, "HV_STATUS_INVALID_LP_INDEX"},
	    {0x50, "HV_STATUS_INVALID_REGISTER_VALUE"},
	    {0x71, "HV_STATUS_OPERATION_FAILED"},
	    {0x78, "HV_STATUS_TIME_OUT"},
	    {0x79, "HV_STATUS_CALL_PENDING"},
	    {0x86, "HV_STATUS_VTL_ALREADY_ENABLED"},
	};
	unsigned missing = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(ref); i++) {
		const char *name = hv_status_name(ref[i].code);
		g_assert_nonnull(name);
		if (strcmp(name, ref[i].name) != 0) {
			g_test_message("hv_status_name(%#" G_GINT64_MODIFIER "x) = %s, want %s",
			               ref[i].code, name, ref[i].name);
			missing++;
		}
	}
	g_assert_cmpuint(missing, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/proto/vmbus-pkt-hdr", test_vmbus_pkt_hdr);
	g_test_add_func("/proto/pci-message", test_pci_message);
	g_test_add_func("/proto/pci-child-message", test_pci_child_message);
	g_test_add_func("/proto/pci-incoming-message", test_pci_incoming_message);
	g_test_add_func("/proto/pci-response", test_pci_response);
	g_test_add_func("/proto/win-slot-encoding", test_win_slot_encoding);
	g_test_add_func("/proto/pci-function-description", test_pci_function_description);
	g_test_add_func("/proto/pci-function-description2", test_pci_function_description2);
	g_test_add_func("/proto/hv-msi-desc", test_hv_msi_desc);
	g_test_add_func("/proto/hv-msi-desc2", test_hv_msi_desc2);
	g_test_add_func("/proto/hv-msi-desc3", test_hv_msi_desc3);
	g_test_add_func("/proto/tran-int-desc", test_tran_int_desc);
	g_test_add_func("/proto/pci-version-request", test_pci_version_request);
	g_test_add_func("/proto/pci-bus-d0-entry", test_pci_bus_d0_entry);
	g_test_add_func("/proto/pci-bus-relations", test_pci_bus_relations);
	g_test_add_func("/proto/pci-bus-relations2", test_pci_bus_relations2);
	g_test_add_func("/proto/pci-q-res-req-response", test_pci_q_res_req_response);
	g_test_add_func("/proto/pci-set-power", test_pci_set_power);
	g_test_add_func("/proto/pci-set-power-response", test_pci_set_power_response);
	g_test_add_func("/proto/pci-resources-assigned", test_pci_resources_assigned);
	g_test_add_func("/proto/pci-resources-assigned2", test_pci_resources_assigned2);
	g_test_add_func("/proto/pci-create-interrupt", test_pci_create_interrupt);
	g_test_add_func("/proto/pci-create-interrupt2", test_pci_create_interrupt2);
	g_test_add_func("/proto/pci-create-interrupt3", test_pci_create_interrupt3);
	g_test_add_func("/proto/pci-create-int-response", test_pci_create_int_response);
	g_test_add_func("/proto/pci-delete-interrupt", test_pci_delete_interrupt);
	g_test_add_func("/proto/pci-read-block", test_pci_read_block);
	g_test_add_func("/proto/pci-read-block-response", test_pci_read_block_response);
	g_test_add_func("/proto/pci-write-block", test_pci_write_block);
	g_test_add_func("/proto/pci-dev-inval-block", test_pci_dev_inval_block);
	g_test_add_func("/proto/pci-dev-incoming", test_pci_dev_incoming);
	g_test_add_func("/proto/pci-eject-response", test_pci_eject_response);
	g_test_add_func("/proto/hv-retarget-device-interrupt", test_hv_retarget_device_interrupt);
	g_test_add_func("/proto/hypercall-control", test_hypercall_control);
	g_test_add_func("/proto/protocol-versions", test_protocol_versions);
	g_test_add_func("/proto/message-numbers", test_message_numbers);
	g_test_add_func("/proto/message-names", test_message_names);
	g_test_add_func("/proto/ntstatus", test_ntstatus);
	g_test_add_func("/proto/hv-status-codes", test_hv_status_codes);
	g_test_add_func("/proto/hv-status-names", test_hv_status_names);
	g_test_add_func("/proto/hv-status-names-reference", test_hv_status_names_reference);
	return g_test_run();
}
