/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest object's lifetime, its configuration (behaviours, the driver
 * each bus gets), the error list and the PM phase marks. Every other module
 * of pcifront/ records its errors here; this file calls none of them.
 */
#include "gk.h"
#include "vmbus-sim/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

static void kernel_assign(struct gk_kernel *dst, const struct gk_kernel *src, unsigned min_buses);

/* struct gk holds two kernels (running and image) sized for the largest VM,
 * megabytes of which a small VM never touches. It is mapped anonymously
 * rather than taken from the heap: the pages come zeroed when first
 * touched, so creating a guest costs the pages its VM uses, not a memset
 * of the whole capacity (which calloc() does for reused heap memory).
 * Mapping and unmapping for every guest costs page faults and page-table
 * teardown instead, so the last guest freed is kept, cleared row by row,
 * for the next one: a matrix creates one guest per cell. */
static struct gk *spare_gk;
G_LOCK_DEFINE_STATIC(spare_gk);

static struct gk *gk_map(void)
{
	struct gk *g;
	void *p;

	G_LOCK(spare_gk);
	g = spare_gk;
	spare_gk = NULL;
	G_UNLOCK(spare_gk);
	if (g)
		return g;
	p = mmap(NULL, sizeof(struct gk), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	         0);
	if (p == MAP_FAILED)
		g_error("cannot map %zu bytes for the guest kernel", sizeof(struct gk));
	return p;
}

/* All zero again, touching what a guest can have written: the members
 * before the kernels whole, and of each kernel the rows of every bus a row
 * was written for (gk_note_bus: tests write some before the bus is
 * counted) and the CPUs and entries below its counts. Rows beyond those
 * were never written. */
static void gk_unmap(struct gk *g)
{
	G_LOCK(spare_gk);
	if (!spare_gk) {
		unsigned rows = MAX(g->bus_rows, MAX(g->k.nbuses, g->image.nbuses));

		memset(g, 0, offsetof(struct gk, k));
		kernel_assign(&g->k, NULL, rows);
		kernel_assign(&g->image, NULL, rows);
		memset((char *)g + offsetof(struct gk, have_image), 0,
		       sizeof(*g) - offsetof(struct gk, have_image));
		spare_gk = g;
		g = NULL;
	}
	G_UNLOCK(spare_gk);
	if (g)
		munmap(g, sizeof(*g));
}

struct gk *gk_new(struct engine *e, struct hv_vm *vm, behaviour_set beh)
{
	struct gk *g;

	if (!e || !vm)
		return NULL;
	g = gk_map();
	g->e = e;
	g->vm = vm;
	g->beh = beh;
	g->errors = g_array_new(FALSE, TRUE, sizeof(struct gk_error));
	return g;
}

void gk_free(struct gk *g)
{
	if (!g)
		return;
	g_array_free(g->errors, TRUE);
	gk_unmap(g);
}

int gk_set_driver(struct gk *g, unsigned bus, const char *name, enum driver_model model,
                  unsigned nvec)
{
	if (!g || bus >= GK_MAX_BUSES || !name || (unsigned)model >= DRIVER__COUNT || nvec == 0 ||
	    nvec > GK_MAX_VECS)
		return -EINVAL;
	g_strlcpy(g->drv[bus].name, name, sizeof(g->drv[bus].name));
	g->drv[bus].model = model;
	g->drv[bus].nvec = nvec;
	if (bus >= g->ndrv)
		g->ndrv = bus + 1;
	return 0;
}

bool gk_behaviour(const struct gk *g, enum behaviour b)
{
	return g && (unsigned)b < BEH__COUNT && (g->beh & BEH_BIT(b));
}

void gk_phase(struct gk *g, enum phase p, bool enter)
{
	g->phase_depth[p] += enter ? 1 : -1;
	tp_phase(g->e, p, enter);
}

/* The innermost open phase: CPU offlining nests in hibernation. */
static const char *current_phase(const struct gk *g)
{
	static const enum phase inner_first[] = {PHASE_CPU_OFFLINE, PHASE_BOOT, PHASE_RESUME,
	                                         PHASE_HIBERNATE};

	for (unsigned i = 0; i < G_N_ELEMENTS(inner_first); i++)
		if (g->phase_depth[inner_first[i]] > 0)
			return phase_name(inner_first[i]);
	return "runtime";
}

void gk_fail(struct gk *g, int err, const char *fmt, ...)
{
	struct gk_error rec = {.time = engine_now(g->e), .phase = current_phase(g), .err = err};
	struct task *t = task_current(g->e);
	va_list ap;

	g_strlcpy(rec.task, t ? task_name(t) : "-", sizeof(rec.task));
	va_start(ap, fmt);
	g_vsnprintf(rec.message, sizeof(rec.message), fmt, ap);
	va_end(ap);
	g_array_append_val(g->errors, rec);
	TRACE(g->e, "guest", "error", "\"n\":%u", g->errors->len);
}

static const char *errno_name(int err)
{
	switch (-err) {
	case EINVAL:
		return "EINVAL";
	case ENOSPC:
		return "ENOSPC";
	case EBUSY:
		return "EBUSY";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case ENODEV:
		return "ENODEV";
	case EIO:
		return "EIO";
	case ENOMEM:
		return "ENOMEM";
	case EAGAIN:
		return "EAGAIN";
	default:
		return "errno";
	}
}

void gk_hibernation_aborted(struct gk *g, int err, unsigned first_error)
{
	struct gk_error *rec;

	for (unsigned i = first_error; i < g->errors->len; i++)
		g_array_index(g->errors, struct gk_error, i).in_aborted_hibernation = true;
	gk_fail(g, err, "PM: hibernation aborted with error %d (%s); the VM keeps running", err,
	        errno_name(err));
	rec = &g_array_index(g->errors, struct gk_error, g->errors->len - 1);
	rec->hibernation_aborted = true;
	tp_hit(g->e, TP_HIBERNATION_ABORTED, NULL);
}

unsigned gk_error_count(const struct gk *g)
{
	return g ? g->errors->len : 0;
}

const struct gk_error *gk_error_get(const struct gk *g, unsigned i)
{
	return g && i < g->errors->len ? &g_array_index(g->errors, struct gk_error, i) : NULL;
}

/* One byte range of the struct: copied, or cleared when src is NULL. */
static void span(struct gk_kernel *dst, const struct gk_kernel *src, size_t from, size_t to)
{
	if (src)
		memcpy((char *)dst + from, (const char *)src + from, to - from);
	else
		memset((char *)dst + from, 0, to - from);
}

#define OFF(field)     offsetof(struct gk_kernel, field)
#define ROWS(field, n) span(dst, src, OFF(field), OFF(field) + (n) * sizeof(dst->field[0]))
#define BETWEEN(a, b)  span(dst, src, OFF(a), OFF(b))

void gk_kernel_assign(struct gk_kernel *dst, const struct gk_kernel *src)
{
	kernel_assign(dst, src, 0);
}

static void kernel_assign(struct gk_kernel *dst, const struct gk_kernel *src, unsigned min_buses)
{
	unsigned cpus = MAX(dst->ncpus, src ? src->ncpus : 0);
	unsigned buses = MAX(MAX(dst->nbuses, src ? src->nbuses : 0), min_buses);
	uint16_t hi[GK_MAX_BUSES];

	g_assert(cpus <= GK_MAX_CPUS && buses <= GK_MAX_BUSES);
	for (unsigned b = 0; b < buses; b++) {
		hi[b] = MAX(dst->vec_hi[b], src ? src->vec_hi[b] : 0);
		g_assert(hi[b] <= GK_MAX_VECS);
	}
	/* Every member in declaration order: the small ones whole, the big
	 * per-CPU and per-bus arrays for the rows in use, and of each bus's
	 * per-entry rows those below either side's high-water mark. */
	BETWEEN(ncpus, vector_irq);
	/* of each CPU's vector table, the entries either side's bitmap marks:
	 * every other entry is zero on both */
	for (unsigned c = 0; c < cpus; c++) {
		for (unsigned w = 0; w < G_N_ELEMENTS(dst->vector_map[c]); w++) {
			uint64_t bits = dst->vector_map[c][w] | (src ? src->vector_map[c][w] : 0);
			while (bits) {
				unsigned v = w * 64 + (unsigned)__builtin_ctzll(bits);
				dst->vector_irq[c][v] = src ? src->vector_irq[c][v] : 0;
				bits &= bits - 1;
			}
		}
	}
	ROWS(vector_map, cpus);
	for (unsigned b = 0; b < buses; b++)
		span(dst, src, OFF(irq) + gk_irq_nr(b, 0) * sizeof(struct gk_irq),
		     OFF(irq) + gk_irq_nr(b, hi[b]) * sizeof(struct gk_irq));
	ROWS(domain, buses);
	BETWEEN(nbuses, hv_dev);
	ROWS(hv_dev, buses);
	for (unsigned b = 0; b < buses; b++) {
		/* a bridge, and of its request slots those below either side's
		 * high-water mark */
		size_t hbus = OFF(hbus) + b * sizeof(struct gk_hbus);
		unsigned rq = MAX(dst->hbus[b].rqstor_hi, src ? src->hbus[b].rqstor_hi : 0);
		size_t rq_off = hbus + offsetof(struct gk_hbus, rqstor);
		size_t rq_end = hbus + offsetof(struct gk_hbus, rqstor) + sizeof(dst->hbus[b].rqstor);

		span(dst, src, hbus, rq_off);
		span(dst, src, rq_off, rq_off + rq * sizeof(struct gk_request));
		span(dst, src, rq_end, hbus + sizeof(struct gk_hbus));
	}
	ROWS(pbus, buses);
	for (unsigned b = 0; b < buses; b++) {
		size_t dev = OFF(dev) + b * sizeof(struct gk_pci_dev);

		span(dst, src, dev, dev + offsetof(struct gk_pci_dev, desc));
		dev += offsetof(struct gk_pci_dev, desc);
		span(dst, src, dev, dev + hi[b] * sizeof(struct gk_msi_desc));
		dev += offsetof(struct gk_pci_dev, handled) - offsetof(struct gk_pci_dev, desc);
		span(dst, src, dev, dev + hi[b] * sizeof(uint64_t));
	}
	span(dst, src, OFF(mmio_low_used), sizeof(*dst));
}
