/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tracepoint.h"
#include "vmbus.h"
#include "trace.h"
#include "vpci-proto.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* Packets up to this size (header included) come from the channel's spares;
 * every vPCI message is smaller. */
#define SPARE_BYTES 256
#define SPARE_MAX   64

struct in_flight {
	struct vmbus_channel *ch;
	struct in_flight *next_spare;
	uint64_t epoch;
	bool to_host;
	size_t len;
	uint8_t bytes[];
};

void vmbus_channel_init(struct vmbus_channel *ch, struct engine *e, struct faults *f, unsigned id,
                        vmbus_host_recv_fn host_recv, void (*on_close)(void *), void *host_ctx)
{
	memset(ch, 0, sizeof(*ch));
	ch->e = e;
	ch->faults = f;
	ch->id = id;
	ch->host_recv = host_recv;
	ch->on_close = on_close;
	ch->host_ctx = host_ctx;
}

void vmbus_channel_fini(struct vmbus_channel *ch)
{
	while (ch->spare) {
		struct in_flight *p = ch->spare;
		ch->spare = p->next_spare;
		g_free(p);
	}
	ch->nspare = 0;
}

void vmbus_offer(struct vmbus_channel *ch)
{
	ch->offered = true;
	ch->rescinded = false;
	TRACE(ch->e, "vmbus", "offer", "\"channel\":%u", ch->id);
}

void vmbus_reset(struct vmbus_channel *ch)
{
	ch->offered = false;
	ch->open = false;
	ch->epoch++;
	ch->guest_recv = NULL;
	ch->guest_ctx = NULL;
}

int vmbus_guest_open(struct vmbus_channel *ch, gabi_recv_fn recv, void *ctx)
{
	if (!ch->offered || ch->rescinded)
		return -ENODEV;
	if (ch->open)
		return -EBUSY;
	ch->open = true;
	ch->epoch++;
	ch->guest_recv = recv;
	ch->guest_ctx = ctx;
	TRACE(ch->e, "vmbus", "open", "\"channel\":%u", ch->id);
	return 0;
}

void vmbus_guest_close(struct vmbus_channel *ch)
{
	if (!ch->open)
		return;
	ch->open = false;
	ch->epoch++;
	ch->guest_recv = NULL;
	ch->guest_ctx = NULL;
	TRACE(ch->e, "vmbus", "close", "\"channel\":%u", ch->id);
	if (ch->on_close)
		ch->on_close(ch->host_ctx);
}

void vmbus_unload(struct vmbus_channel *ch)
{
	bool was_open = ch->open;

	if (!ch->offered && !was_open)
		return;
	ch->open = false;
	ch->offered = false;
	ch->epoch++;
	ch->guest_recv = NULL;
	ch->guest_ctx = NULL;
	TRACE(ch->e, "vmbus", "unload-channel", "\"channel\":%u,\"was_open\":%s", ch->id,
	      was_open ? "true" : "false");
	if (was_open && ch->on_close)
		ch->on_close(ch->host_ctx);
}

static void packet_free(struct in_flight *p)
{
	struct vmbus_channel *ch = p->ch;

	if (p->len <= SPARE_BYTES && ch->nspare < SPARE_MAX) {
		p->next_spare = ch->spare;
		ch->spare = p;
		ch->nspare++;
	} else {
		g_free(p);
	}
}

static void deliver(struct engine *e, void *arg)
{
	struct in_flight *p = arg;
	struct vmbus_channel *ch = p->ch;

	if (ch->epoch != p->epoch || !ch->open) {
		TRACE(e, "vmbus", "drop-closed", "\"channel\":%u,\"to\":\"%s\"", ch->id,
		      p->to_host ? "host" : "guest");
	} else if (p->to_host) {
		ch->packets_to_host++;
		ch->host_recv(ch->host_ctx, p->bytes, p->len);
	} else {
		ch->packets_to_guest++;
		ch->guest_recv(ch->guest_ctx, p->bytes, p->len);
	}
	packet_free(p);
}

static struct in_flight *packet_new(struct vmbus_channel *ch, size_t len, bool to_host)
{
	size_t padded = (len + 7) & ~(size_t)7;
	struct in_flight *p;

	if (padded <= SPARE_BYTES && ch->spare) {
		p = ch->spare;
		ch->spare = p->next_spare;
		ch->nspare--;
		/* the padding after the message reads as zeros, as before */
		memset(p->bytes + len, 0, padded - len);
	} else {
		p = g_malloc0(sizeof(*p) + (padded <= SPARE_BYTES ? SPARE_BYTES : padded));
	}
	p->ch = ch;
	p->epoch = ch->epoch;
	p->to_host = to_host;
	p->len = padded;
	return p;
}

int vmbus_guest_send(struct vmbus_channel *ch, const void *data, size_t len, uint64_t trans_id,
                     uint16_t flags)
{
	struct vmbus_pkt_hdr hdr = {0};
	struct in_flight *p;
	uint64_t status;

	if (!ch->open)
		return -ENODEV;
	if (len > 0xffff * 8 - sizeof(hdr))
		return -EMSGSIZE;
	p = packet_new(ch, sizeof(hdr) + len, true);
	hdr.type = VM_PKT_DATA_INBAND;
	hdr.offset8 = sizeof(hdr) / 8;
	hdr.len8 = (uint16_t)(p->len / 8);
	hdr.flags = flags;
	hdr.trans_id = trans_id;
	memcpy(p->bytes, &hdr, sizeof(hdr));
	memcpy(p->bytes + sizeof(hdr), data, len);
	TRACE(ch->e, "vmbus", "send",
	      "\"channel\":%u,\"dir\":\"g2h\",\"len\":%zu,\"tid\":%" G_GUINT64_FORMAT, ch->id, len,
	      trans_id);
	if (fault_check(ch->faults, FP_VMBUS_SEND, &status)) {
		tp_hit(ch->e, TP_PACKET_DROPPED, NULL);
		packet_free(p);
		return 0; /* the guest believes it was sent */
	}
	engine_schedule(ch->e, VMBUS_LATENCY_NS, deliver, p);
	return 0;
}

int vmbus_host_send(struct vmbus_channel *ch, uint16_t type, uint64_t trans_id, void *pkt,
                    size_t len)
{
	struct vmbus_pkt_hdr *hdr = pkt;
	struct in_flight *p;

	if (!ch->open)
		return -ENODEV;
	p = packet_new(ch, len, false);
	hdr->type = type;
	hdr->offset8 = sizeof(*hdr) / 8;
	hdr->len8 = (uint16_t)(p->len / 8);
	hdr->flags = 0;
	hdr->trans_id = trans_id;
	memcpy(p->bytes, pkt, len);
	TRACE(ch->e, "vmbus", "send",
	      "\"channel\":%u,\"dir\":\"h2g\",\"type\":%u,\"len\":%zu,\"tid\":%" G_GUINT64_FORMAT,
	      ch->id, type, len, trans_id);
	engine_schedule(ch->e, VMBUS_LATENCY_NS, deliver, p);
	return 0;
}
