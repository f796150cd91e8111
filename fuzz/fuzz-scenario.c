/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the scenario loader. An input is a scenario's text,
 * then optionally NUL-separated --set strings ("PATH=VALUE"):
 *
 *   {"devices": ...}\0vm.vcpus=2\0steps[1]={"op":"check"}
 *
 * The text is copied to a buffer of exactly its size (so reading past it
 * is an ASan error) and loaded in memory with scenario_load_data(). Besides
 * crashes and leaks, a broken promise of the loader aborts: it returns a
 * scenario or a SCENARIO_ERROR naming the file, never both, never neither.
 */
#include "harness/scenario.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SETS 64
#define LABEL    "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nul = memchr(in, '\0', size);
	size_t len = nul ? (size_t)(nul - in) : size;
	char *text = malloc(len ? len : 1);
	GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
	GError *error = NULL;
	struct scenario *s;

	memcpy(text, in, len);
	/* the --set strings: empty ones are skipped, the last may lack its NUL */
	for (size_t at = len + 1; nul && at < size && sets->len < MAX_SETS;) {
		const char *p = in + at;
		const char *end = memchr(p, '\0', size - at);
		size_t n = end ? (size_t)(end - p) : size - at;

		if (n)
			g_ptr_array_add(sets, g_strndup(p, n));
		at += n + 1;
	}
	g_ptr_array_add(sets, NULL);

	s = scenario_load_data(LABEL, text, len, (const char *const *)sets->pdata, &error);
	if (!s == !error)
		abort(); /* both or neither */
	if (error && (error->domain != SCENARIO_ERROR || !g_str_has_prefix(error->message, LABEL)))
		abort(); /* every error names the file */
	if (s && (!s->name || !s->ndevices || !s->nsteps || s->steps[0].op != OP_BOOT ||
	          !s->expect_violations))
		abort(); /* what the loader guarantees of a scenario */

	scenario_free(s);
	g_clear_error(&error);
	g_ptr_array_free(sets, TRUE);
	free(text);
	return 0;
}
