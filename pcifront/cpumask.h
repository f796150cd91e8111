/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CPU set as a fixed bitmap of GK_CPUMASK_BITS bits: a plain value (no
 * heap), so it can live in the hibernation image and be copied into views.
 * It is wider than the CPUs the guest models today so that the count can
 * grow (Hyper-V VMs have up to 240 vCPUs) without changing its users.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define GK_CPUMASK_BITS  256
#define GK_CPUMASK_WORDS (GK_CPUMASK_BITS / 64)
#define GK_NO_CPU        (~0u)

struct gk_cpumask {
	uint64_t bits[GK_CPUMASK_WORDS];
};

static inline void cpumask_clear(struct gk_cpumask *m)
{
	for (unsigned w = 0; w < GK_CPUMASK_WORDS; w++)
		m->bits[w] = 0;
}

static inline void cpumask_set_cpu(unsigned cpu, struct gk_cpumask *m)
{
	if (cpu < GK_CPUMASK_BITS)
		m->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static inline void cpumask_clear_cpu(unsigned cpu, struct gk_cpumask *m)
{
	if (cpu < GK_CPUMASK_BITS)
		m->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

static inline bool cpumask_test_cpu(unsigned cpu, const struct gk_cpumask *m)
{
	return cpu < GK_CPUMASK_BITS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* The first n CPUs. */
static inline void cpumask_setall(struct gk_cpumask *m, unsigned n)
{
	cpumask_clear(m);
	for (unsigned c = 0; c < n && c < GK_CPUMASK_BITS; c++)
		cpumask_set_cpu(c, m);
}

/* dst = a & b; true if the result has a CPU. */
static inline bool cpumask_and(struct gk_cpumask *dst, const struct gk_cpumask *a,
                               const struct gk_cpumask *b)
{
	uint64_t any = 0;

	for (unsigned w = 0; w < GK_CPUMASK_WORDS; w++)
		any |= dst->bits[w] = a->bits[w] & b->bits[w];
	return any != 0;
}

static inline bool cpumask_intersects(const struct gk_cpumask *a, const struct gk_cpumask *b)
{
	for (unsigned w = 0; w < GK_CPUMASK_WORDS; w++)
		if (a->bits[w] & b->bits[w])
			return true;
	return false;
}

static inline bool cpumask_empty(const struct gk_cpumask *m)
{
	for (unsigned w = 0; w < GK_CPUMASK_WORDS; w++)
		if (m->bits[w])
			return false;
	return true;
}

static inline bool cpumask_equal(const struct gk_cpumask *a, const struct gk_cpumask *b)
{
	for (unsigned w = 0; w < GK_CPUMASK_WORDS; w++)
		if (a->bits[w] != b->bits[w])
			return false;
	return true;
}

/* The lowest CPU in m, or GK_NO_CPU. */
static inline unsigned cpumask_first(const struct gk_cpumask *m)
{
	for (unsigned w = 0; w < GK_CPUMASK_WORDS; w++)
		if (m->bits[w])
			return w * 64 + (unsigned)__builtin_ctzll(m->bits[w]);
	return GK_NO_CPU;
}

/* The lowest CPU in m above cpu, or GK_NO_CPU. */
static inline unsigned cpumask_next(unsigned cpu, const struct gk_cpumask *m)
{
	unsigned c = cpu + 1, w = c / 64;
	uint64_t bits;

	if (c >= GK_CPUMASK_BITS)
		return GK_NO_CPU;
	bits = m->bits[w] & (~UINT64_C(0) << (c % 64));
	while (!bits && ++w < GK_CPUMASK_WORDS)
		bits = m->bits[w];
	return bits ? w * 64 + (unsigned)__builtin_ctzll(bits) : GK_NO_CPU;
}

/* The CPU list as /proc/irq/N/effective_affinity_list prints it, "0-2,5". */
/* Room for any mask as a list: 128 lone CPUs of up to 3 digits and commas. */
#define GK_CPULIST_MAX 520

static inline void cpumask_format_list(const struct gk_cpumask *m, char *buf, unsigned size)
{
	unsigned n = 0;

	if (size)
		buf[0] = '\0';
	for (unsigned c = 0; c < GK_CPUMASK_BITS; c++) {
		unsigned end = c;
		int w;

		if (!cpumask_test_cpu(c, m))
			continue;
		while (end + 1 < GK_CPUMASK_BITS && cpumask_test_cpu(end + 1, m))
			end++;
		if (n >= size)
			return;
		w = end == c ? snprintf(buf + n, size - n, "%s%u", n ? "," : "", c)
		             : snprintf(buf + n, size - n, "%s%u-%u", n ? "," : "", c, end);
		if (w < 0)
			return;
		n += (unsigned)w;
		c = end;
	}
}
