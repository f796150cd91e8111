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

struct gk *gk_new(struct engine *e, struct hv_vm *vm, behaviour_set beh)
{
	struct gk *g;

	if (!e || !vm)
		return NULL;
	g = g_new0(struct gk, 1);
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
	g_free(g);
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

#define ROWS(field, n)                                                                             \
	span(dst, src, offsetof(struct gk_kernel, field),                                          \
	     offsetof(struct gk_kernel, field) + (n) * sizeof(dst->field[0]))
#define BETWEEN(a, b) span(dst, src, offsetof(struct gk_kernel, a), offsetof(struct gk_kernel, b))

void gk_kernel_assign(struct gk_kernel *dst, const struct gk_kernel *src)
{
	unsigned cpus = MAX(dst->ncpus, src ? src->ncpus : 0);
	unsigned buses = MAX(dst->nbuses, src ? src->nbuses : 0);

	g_assert(cpus <= GK_MAX_CPUS && buses <= GK_MAX_BUSES);
	/* Every member in declaration order: the small ones whole, the big
	 * per-CPU and per-bus arrays for the rows in use. */
	BETWEEN(ncpus, vector_irq);
	ROWS(vector_irq, cpus);
	BETWEEN(vectors_used, irq);
	ROWS(irq, buses * GK_MAX_VECS);
	ROWS(domain, buses);
	BETWEEN(nbuses, hv_dev);
	ROWS(hv_dev, buses);
	ROWS(hbus, buses);
	ROWS(pbus, buses);
	ROWS(dev, buses);
	span(dst, src, offsetof(struct gk_kernel, mmio_low_used), sizeof(*dst));
}
