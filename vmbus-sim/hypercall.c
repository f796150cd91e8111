/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hypercall ABI. Only HVCALL_RETARGET_INTERRUPT is implemented; the
 * input is decoded from its published layout: 56 bytes of fixed header (up
 * to and including the VP set's format), then a variable header of
 * var_size 8-byte words (valid_bank_mask and the banks) when the target
 * flags ask for a processor set.
 */
#include "tracepoint.h"
#include "hv-abi.h"
#include "trace.h"
#include "vm-internal.h"

#include <string.h>

#define RETARGET_HEADER_SIZE 56

/* Every retarget names its device: found without walking the buses. Bus i's
 * instance GUID has byte 4 = 0x10 + i (hv_vm_add_device), which the logical
 * id carries in bits 16..23; the whole id must still match. */
struct hv_bus *hv_vm_bus_by_device_id(struct hv_vm *vm, uint64_t device_id)
{
	unsigned i = (unsigned)((device_id >> 16) & 0xff) - 0x10;

	return i < vm->nbuses && vm->bus[i]->device_id == device_id ? vm->bus[i] : NULL;
}

/* Fills targets[] (one flag per VP); returns an HV status. */
static uint64_t decode_targets(const uint8_t *in, size_t in_len, unsigned var_size, uint32_t flags,
                               bool *targets, unsigned nvp)
{
	uint64_t w;

	if (!(flags & HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET)) {
		if (var_size != 0)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		memcpy(&w, in + 48, 8);
		for (unsigned i = 0; i < nvp && i < 64; i++)
			targets[i] = w & (1ULL << i);
		return HV_STATUS_SUCCESS;
	}
	uint64_t format, valid;
	if (var_size < 1 || RETARGET_HEADER_SIZE + 8 * (size_t)var_size > in_len)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	memcpy(&format, in + 48, 8);
	memcpy(&valid, in + 56, 8);
	if (format == HV_GENERIC_SET_ALL) {
		for (unsigned i = 0; i < nvp; i++)
			targets[i] = true;
		return HV_STATUS_SUCCESS;
	}
	if (format != HV_GENERIC_SET_SPARSE_4K)
		return HV_STATUS_INVALID_PARAMETER;
	if ((unsigned)__builtin_popcountll(valid) != var_size - 1)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* the banks in valid_bank_mask, in order, then the VPs set in each */
	for (unsigned bank_slot = 0; valid; valid &= valid - 1, bank_slot++) {
		unsigned bank = (unsigned)__builtin_ctzll(valid);
		memcpy(&w, in + 64 + 8 * bank_slot, 8);
		for (; w; w &= w - 1) {
			unsigned vp = bank * 64 + (unsigned)__builtin_ctzll(w);
			if (vp < nvp)
				targets[vp] = true;
		}
	}
	return HV_STATUS_SUCCESS;
}

static uint64_t retarget(struct hv_vm *vm, const uint8_t *in, size_t in_len, unsigned var_size)
{
	uint64_t partition_id, device_id, status;
	uint32_t source, address, data, vector, flags;
	bool targets[HV_VM_MAX_VCPUS] = {0};
	struct hv_bus *b;
	struct irte *e;
	int vp = -1;

	if (!in || in_len < RETARGET_HEADER_SIZE ||
	    RETARGET_HEADER_SIZE + 8 * (size_t)var_size > in_len)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	memcpy(&partition_id, in + 0, 8);
	memcpy(&device_id, in + 8, 8);
	memcpy(&source, in + 16, 4);
	memcpy(&address, in + 24, 4);
	memcpy(&data, in + 28, 4);
	memcpy(&vector, in + 40, 4);
	memcpy(&flags, in + 44, 4);

	if (partition_id != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (source != HV_INTERRUPT_SOURCE_MSI)
		return HV_STATUS_INVALID_PARAMETER;
	b = hv_vm_bus_by_device_id(vm, device_id);
	if (!b)
		return HV_STATUS_INVALID_PARAMETER;
	if (fault_check(vm->faults, FP_HYPERCALL_RETARGET, &status))
		return status;
	if (!b->vsp.d0 || !b->vsp.resources_assigned) {
		/* The function left D0 or has no resources: what Hyper-V answers
		 * is not public, a host assumption. */
		switch (vm->host.retarget_after_d0_exit) {
		case HOST_RETARGET_INACTIVE_OPERATION_DENIED:
			return HV_STATUS_OPERATION_DENIED;
		case HOST_RETARGET_INACTIVE_NOT_FOUND:
			return HV_STATUS_NOT_FOUND;
		case HOST_RETARGET_INACTIVE_SUCCESS:
			return HV_STATUS_SUCCESS; /* accepted; nothing moves */
		case HOST_RETARGET_INACTIVE_INVALID_PARAMETER:
		case HOST_RETARGET_INACTIVE__COUNT:
			break;
		}
		return HV_STATUS_INVALID_PARAMETER;
	}
	if (vector < 0x10 || vector > 0xff)
		return HV_STATUS_INVALID_PARAMETER;
	status = decode_targets(in, in_len, var_size, flags, targets, vm->nvcpus);
	if (status != HV_STATUS_SUCCESS)
		return status;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		if (targets[i]) {
			vp = (int)i;
			break;
		}
	}
	if (vp < 0)
		return HV_STATUS_INVALID_PARAMETER;
	/* Hyper-V is told of no guest CPU going offline: whether it refuses
	 * such a VP is a host assumption (the default refuses). */
	if (!vm->vcpu_online[vp] && vm->host.retarget_offline_vp == HOST_RETARGET_OFFLINE_REJECT)
		return HV_STATUS_INVALID_PARAMETER;
	/* The hypercall carries only the low 32 bits of the address. */
	e = irte_lookup(&vm->irte, device_id, (uint64_t)address, data);
	if (!e)
		return HV_STATUS_INVALID_PARAMETER;
	irte_retarget(e, (unsigned)vp, vector);
	return HV_STATUS_SUCCESS;
}

uint64_t hv_do_hypercall(struct hv_vm *vm, uint64_t control, const void *in, size_t in_len,
                         void *out, size_t out_len)
{
	unsigned code = control & 0xffff;
	unsigned var_size = (control >> HV_HYPERCALL_VARHEAD_OFFSET) & 0x3ff;
	unsigned rep_count = (control >> HV_HYPERCALL_REP_COMP_OFFSET) & 0xfff;
	uint64_t status;

	(void)out;
	(void)out_len;
	switch (code) {
	case HVCALL_RETARGET_INTERRUPT:
		if ((control & HV_HYPERCALL_FAST_BIT) || rep_count)
			status = HV_STATUS_INVALID_HYPERCALL_INPUT;
		else
			status = retarget(vm, in, in_len, var_size);
		tp_hit(vm->e, status == HV_STATUS_SUCCESS ? TP_RETARGET_OK : TP_RETARGET_FAILED,
		       NULL);
		break;
	default:
		status = HV_STATUS_INVALID_HYPERCALL_CODE;
		break;
	}
	TRACE(vm->e, "hypercall", "call", "\"code\":\"%#x\",\"var_size\":%u,\"status\":\"%s\"",
	      code, var_size, hv_status_name(status));
	return status;
}
