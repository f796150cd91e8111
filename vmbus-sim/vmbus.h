/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VMBus channels: offer, open, close, rescind, and inband packets with the
 * 16-byte packet header in both directions. Every packet travels through the
 * engine (a fixed latency per direction keeps each ring in order); a packet
 * still in flight when its channel closes is dropped, as a reset ring is.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "fault.h"
#include "guest-abi.h"

#define VMBUS_LATENCY_NS 1000

typedef void (*vmbus_host_recv_fn)(void *ctx, const void *pkt, size_t len);

struct vmbus_channel {
	struct engine *e;
	struct faults *faults;
	unsigned id;
	bool offered;
	bool open;
	bool rescinded;
	uint64_t epoch; /* bumped at every open and close */
	gabi_recv_fn guest_recv;
	void *guest_ctx;
	vmbus_host_recv_fn host_recv;
	void *host_ctx;
	void (*on_close)(void *host_ctx);
	uint64_t packets_to_host;
	uint64_t packets_to_guest;
	struct in_flight *spare; /* delivered packets kept for reuse */
	unsigned nspare;
};

void vmbus_channel_init(struct vmbus_channel *ch, struct engine *e, struct faults *f, unsigned id,
                        vmbus_host_recv_fn host_recv, void (*on_close)(void *), void *host_ctx);
/* Frees what the channel holds; packets still in flight are not its own. */
void vmbus_channel_fini(struct vmbus_channel *ch);
void vmbus_offer(struct vmbus_channel *ch);
/* UNLOAD: the host closes the channel if it is open (as a guest close
 * would, with the same consequences for the host) and takes its offer
 * back; packets in flight are dropped. */
void vmbus_unload(struct vmbus_channel *ch);
/* Power-off: the channel and everything in flight are gone. */
void vmbus_reset(struct vmbus_channel *ch);

int vmbus_guest_open(struct vmbus_channel *ch, gabi_recv_fn recv, void *ctx);
void vmbus_guest_close(struct vmbus_channel *ch);
int vmbus_guest_send(struct vmbus_channel *ch, const void *data, size_t len, uint64_t trans_id,
                     uint16_t flags);

/* pkt has room for the header at its start; the header is filled in here.
 * type is VM_PKT_DATA_INBAND or VM_PKT_COMP. */
int vmbus_host_send(struct vmbus_channel *ch, uint16_t type, uint64_t trans_id, void *pkt,
                    size_t len);
