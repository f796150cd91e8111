/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario loading in three passes, all before anything runs:
 *   1. json-c in strict mode accepts or rejects the text (syntax);
 *   2. jsonpos indexes where every value sits and rejects duplicate keys;
 *   3. --set overrides are applied to the tree, then every field is
 *      validated and copied into struct scenario.
 * Every error names the file, the line:col of the offending value (or the
 * --set that put it there) and the field's path.
 */
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmbus-sim/vpci-proto.h"
#include "catalog.h"
#include "jsonpos.h"
#include "loader.h"
#include "steps.h"
#include "violations.h"

GQuark scenario_error_quark(void)
{
	return g_quark_from_static_string("hvpci-scenario-error-quark");
}

const char *scn_op_name(enum scn_op op)
{
	const struct step_desc *d = step_desc(op);

	return d ? d->name : "?";
}

/* Keys are GBytes of the list; a key's data is the interned copy. Lookups
 * only: the table is never iterated. */
static GHashTable *interned_vectors;
G_LOCK_DEFINE_STATIC(interned_vectors);

const unsigned *scn_intern_vectors(const unsigned *v, unsigned n)
{
	g_autoptr(GBytes) key = g_bytes_new(v, n * sizeof(*v));
	GBytes *have;

	G_LOCK(interned_vectors);
	if (!interned_vectors)
		interned_vectors = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
		                                         (GDestroyNotify)g_bytes_unref, NULL);
	have = g_hash_table_lookup(interned_vectors, key);
	if (!have) {
		have = g_bytes_ref(key);
		g_hash_table_add(interned_vectors, have);
	}
	G_UNLOCK(interned_vectors);
	return g_bytes_get_data(have, NULL);
}

bool scenario_parse_seed(const char *text, uint64_t *seed)
{
	uint64_t u;

	if (!*text || text[strspn(text, "0123456789")])
		return false;
	errno = 0;
	u = g_ascii_strtoull(text, NULL, 10);
	if (errno)
		return false;
	*seed = u;
	return true;
}

/* ---- the loader's state and its error reporting ---------------------- */

struct set_origin {
	char *path; /* canonical: "devices[0].vectors" */
	char *arg;  /* as given: "devices.0.vectors=4" */
};

struct loader {
	const char *file;
	const char *text;
	size_t len;
	struct jpos_index *pos;
	GPtrArray *sets; /* struct set_origin, in the order applied */
	GError **error;
	bool failed;
};

static void set_origin_free(gpointer p)
{
	struct set_origin *o = p;
	g_free(o->path);
	g_free(o->arg);
	g_free(o);
}

static const struct set_origin *set_origin_of(const struct loader *ld, const char *path)
{
	for (guint i = ld->sets ? ld->sets->len : 0; i-- > 0;) {
		const struct set_origin *o = g_ptr_array_index(ld->sets, i);
		size_t n = strlen(o->path);
		size_t m = strlen(path);
		if (strncmp(o->path, path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '.' || path[n] == '['))
			return o;
		/* an object or array the --set created on its way */
		if (m < n && strncmp(o->path, path, m) == 0 &&
		    (o->path[m] == '.' || o->path[m] == '[' || !m) && ld->pos &&
		    !jpos_exact(ld->pos, path))
			return o;
	}
	return NULL;
}

/* Reports the first error only; later calls return false and do nothing. */
static bool G_GNUC_PRINTF(4, 5)
    err_at(struct loader *ld, const char *path, bool at_key, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	const struct set_origin *o;
	struct jpos p;
	va_list ap;

	if (ld->failed)
		return false;
	ld->failed = true;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	o = set_origin_of(ld, path);
	if (o) {
		g_set_error(ld->error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA,
		            "%s: %s: %s (set by --set %s)", ld->file, path, msg, o->arg);
	} else if (ld->pos && jpos_lookup(ld->pos, path, &p)) {
		unsigned line = at_key && jpos_exact(ld->pos, path) ? p.key_line : p.line;
		unsigned col = at_key && jpos_exact(ld->pos, path) ? p.key_col : p.col;
		g_set_error(ld->error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA, "%s:%u:%u: %s%s%s",
		            ld->file, line, col, path, *path ? ": " : "", msg);
	} else {
		g_set_error(ld->error, SCENARIO_ERROR, SCENARIO_ERROR_SCHEMA, "%s: %s%s%s",
		            ld->file, path, *path ? ": " : "", msg);
	}
	return false;
}

static char *child_path(const char *parent, const char *key)
{
	return *parent ? g_strdup_printf("%s.%s", parent, key) : g_strdup(key);
}

/* The number at path as written (in the file, or in the --set that gave
 * exactly this path), or NULL. json-c saturates integers beyond 64 bits,
 * so only the text tells 18446744073709551616 from 2^64-1. */
static char *raw_number(const struct loader *ld, const char *path)
{
	const struct set_origin *o = set_origin_of(ld, path);
	const char *p, *end;
	struct jpos pos;
	size_t n = 0;

	if (o) {
		if (strcmp(o->path, path) != 0)
			return NULL;
		p = strchr(o->arg, '=') + 1;
		end = p + strlen(p);
	} else if (ld->pos && jpos_exact(ld->pos, path) && jpos_lookup(ld->pos, path, &pos) &&
	           pos.off < ld->len) {
		p = ld->text + pos.off;
		end = ld->text + ld->len;
	} else {
		return NULL;
	}
	while (p < end && *p && strchr(" \t\r\n", *p))
		p++;
	while (p + n < end && p[n] && strchr("+-.eE0123456789", p[n]))
		n++;
	return n ? g_strndup(p, n) : NULL;
}

static bool want_type(struct loader *ld, const char *path, json_object *v, enum json_type t,
                      const char *noun)
{
	if (json_object_is_type(v, t))
		return true;
	return err_at(ld, path, false, "expected %s, got %s", noun, jpos_type_noun(v));
}

/* Rejects members not in allowed (NULL-terminated), naming the ones allowed. */
static bool only_fields(struct loader *ld, const char *path, json_object *obj,
                        const char *const *allowed)
{
	const char *key = jpos_unknown_member(obj, allowed);

	if (key) {
		g_autofree char *p = child_path(path, key);
		g_autofree char *list = g_strjoinv(", ", (char **)allowed);
		return err_at(ld, p, true, "unknown field \"%s\" (expected one of: %s)", key, list);
	}
	return true;
}

/* Whether obj has the member at all. json-c gives a member whose value is
 * null as a NULL pointer, so only this tells "null" from "absent"; a null
 * is a value of the wrong type (jpos_type_noun(NULL) is "null"), never absent. */
static bool has(json_object *obj, const char *key)
{
	return json_object_object_get_ex(obj, key, NULL);
}

/* The member's value: NULL when it is absent or null (see has()). */
static json_object *member(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* Finds obj.key: false after reporting a missing required field; otherwise
 * true with *v its value (NULL for null: the caller's type check rejects it). */
static bool present(struct loader *ld, const char *path, json_object *obj, const char *key,
                    bool required, json_object **v)
{
	*v = member(obj, key);
	if (!has(obj, key) && required)
		return err_at(ld, path, false, "missing required field \"%s\"", key);
	return true;
}

static bool get_string(struct loader *ld, const char *path, json_object *obj, const char *key,
                       bool required, const char **out)
{
	g_autofree char *p = child_path(path, key);
	json_object *v;

	if (!present(ld, path, obj, key, required, &v))
		return false;
	if (!has(obj, key))
		return true;
	if (!want_type(ld, p, v, json_type_string, "a string"))
		return false;
	if (required && !json_object_get_string_len(v))
		return err_at(ld, p, false, "must not be empty");
	*out = json_object_get_string(v);
	return true;
}

static bool get_uint(struct loader *ld, const char *path, json_object *obj, const char *key,
                     bool required, uint64_t min, uint64_t max, uint64_t *out)
{
	g_autofree char *p = child_path(path, key);
	json_object *v;
	uint64_t u;

	if (!present(ld, path, obj, key, required, &v))
		return false;
	if (!has(obj, key))
		return true;
	if (!want_type(ld, p, v, json_type_int, "an integer"))
		return false;
	u = json_object_get_int64(v) < 0 ? 0 : json_object_get_uint64(v);
	if (json_object_get_int64(v) < 0 || u < min || u > max) {
		/* as written: json-c shows 1e30 as 18446744073709551615 */
		g_autofree char *raw = raw_number(ld, p);
		return err_at(
		    ld, p, false,
		    "must be between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT ", got %s", min,
		    max, raw ? raw : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
	*out = u;
	return true;
}

/* "seed" follows scenario_parse_seed(), like --seed, applied to the number
 * as written. */
static bool get_seed(struct loader *ld, json_object *root, uint64_t *out)
{
	g_autofree char *raw = NULL;
	json_object *v;

	if (!present(ld, "", root, "seed", false, &v))
		return false;
	if (!has(root, "seed"))
		return true;
	if (!want_type(ld, "seed", v, json_type_int, "an integer"))
		return false;
	raw = raw_number(ld, "seed");
	if (!raw)
		raw = g_strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	if (!scenario_parse_seed(raw, out))
		return err_at(ld, "seed", false, "must be %s, got %s", SCN_SEED_RULE, raw);
	return true;
}

static bool get_bool(struct loader *ld, const char *path, json_object *obj, const char *key,
                     bool required, bool *out)
{
	g_autofree char *p = child_path(path, key);
	json_object *v;

	if (!present(ld, path, obj, key, required, &v))
		return false;
	if (!has(obj, key))
		return true;
	if (!want_type(ld, p, v, json_type_boolean, "true or false"))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* A register value: "0x1414" (hex string) or a plain integer. */
static bool get_hex(struct loader *ld, const char *path, json_object *obj, const char *key,
                    uint64_t max, uint64_t *out)
{
	g_autofree char *p = child_path(path, key);
	json_object *v = member(obj, key);
	const char *s;
	char *end;
	uint64_t u;

	if (!has(obj, key))
		return true;
	if (json_object_is_type(v, json_type_int))
		return get_uint(ld, path, obj, key, false, 0, max, out);
	if (!json_object_is_type(v, json_type_string))
		return err_at(ld, p, false,
		              "expected a hex string like \"0x%" G_GINT64_MODIFIER
		              "X\" or an integer, got %s",
		              max, jpos_type_noun(v));
	s = json_object_get_string(v);
	errno = 0;
	u = g_ascii_strtoull(s, &end, 16);
	if (g_ascii_strncasecmp(s, "0x", 2) || !g_ascii_isxdigit(s[2]) || *end || errno)
		return err_at(ld, p, false,
		              "\"%s\" is not a hex number like \"0x%" G_GINT64_MODIFIER "X\"", s,
		              max);
	if (u > max)
		return err_at(ld, p, false, "%s is larger than 0x%" G_GINT64_MODIFIER "X", s, max);
	*out = u;
	return true;
}

/* Looks a string field up in a catalogue: its index, -2 if the optional
 * field is absent, -1 after an error. */
static int get_named(struct loader *ld, const char *path, json_object *obj, const char *key,
                     bool required, enum catalog_id cat)
{
	g_autofree char *p = child_path(path, key);
	const char *s = NULL;
	int r;

	if (!get_string(ld, path, obj, key, required, &s))
		return -1;
	if (!s)
		return -2;
	r = catalog_lookup(cat, s);
	if (r < 0) {
		g_autofree char *list = catalog_names(cat);
		err_at(ld, p, false, "unknown %s \"%s\" (one of: %s)", catalog_get(cat)->noun, s,
		       list);
	}
	return r;
}

/* ---- sections -------------------------------------------------------- */

static bool load_vm(struct loader *ld, json_object *vm, struct scenario *s)
{
	static const char *const fields[] = {"vcpus", "protocol", NULL};
	static const char *const versions[] = {"1.1", "1.2", "1.3", "1.4"};
	uint64_t vcpus = 4;
	json_object *proto;

	if (!want_type(ld, "vm", vm, json_type_object, "an object") ||
	    !only_fields(ld, "vm", vm, fields) ||
	    !get_uint(ld, "vm", vm, "vcpus", false, 1, SCN_MAX_VCPUS, &vcpus))
		return false;
	s->vcpus = (unsigned)vcpus;
	proto = member(vm, "protocol");
	if (!has(vm, "protocol"))
		return true;
	/* A bare number is accepted from --set vm.protocol=1.3 only, and as
	 * written (json-c keeps a parsed number's text): 1.30 is no version. */
	if (!json_object_is_type(proto, json_type_string) &&
	    !(json_object_is_type(proto, json_type_double) && set_origin_of(ld, "vm.protocol")))
		return err_at(ld, "vm.protocol", false, "expected a string like \"1.4\", got %s",
		              jpos_type_noun(proto));
	for (unsigned i = 0; i < G_N_ELEMENTS(versions); i++) {
		if (strcmp(json_object_is_type(proto, json_type_string)
		               ? json_object_get_string(proto)
		               : json_object_to_json_string_ext(proto, JSON_C_TO_STRING_PLAIN),
		           versions[i]) == 0) {
			s->protocol = PCI_MAKE_VERSION(1, i + 1);
			return true;
		}
	}
	return err_at(
	    ld, "vm.protocol", false,
	    "unknown vPCI protocol version %s (one of: \"1.1\", \"1.2\", \"1.3\", \"1.4\")",
	    json_object_to_json_string_ext(proto, JSON_C_TO_STRING_PLAIN));
}

/* "host": each field a host assumption, each value one of its names. */
static bool load_host(struct loader *ld, json_object *host, struct scenario *s)
{
	const char *fields[HOST_A__COUNT + 1];

	for (unsigned a = 0; a < HOST_A__COUNT; a++)
		fields[a] = host_assumption_name(a);
	fields[HOST_A__COUNT] = NULL;
	if (!want_type(ld, "host", host, json_type_object, "an object") ||
	    !only_fields(ld, "host", host, fields))
		return false;
	for (unsigned a = 0; a < HOST_A__COUNT; a++) {
		g_autofree char *p = child_path("host", fields[a]);
		const char *v = NULL;
		int k;

		if (!get_string(ld, "host", host, fields[a], false, &v))
			return false;
		if (!v)
			continue;
		k = host_assumption_value_lookup(a, v);
		if (k < 0) {
			GString *list = g_string_new(NULL);
			for (unsigned i = 0; i < host_assumption_value_count(a); i++)
				g_string_append_printf(list, "%s\"%s\"", i ? ", " : "",
				                       host_assumption_value_name(a, i));
			err_at(ld, p, false, "unknown value \"%s\" (one of: %s)", v, list->str);
			g_string_free(list, TRUE);
			return false;
		}
		host_assumption_set(&s->host, a, (unsigned)k);
	}
	return true;
}

static bool load_guest(struct loader *ld, json_object *guest, struct scenario *s)
{
	static const char *const fields[] = {"profile", "behaviours", NULL};
	json_object *beh;
	int pi;

	if (!want_type(ld, "guest", guest, json_type_object, "an object") ||
	    !only_fields(ld, "guest", guest, fields))
		return false;
	pi = get_named(ld, "guest", guest, "profile", false, CAT_PROFILES);
	if (pi == -1)
		return false;
	if (pi >= 0) {
		s->profile = profile_get((unsigned)pi);
		s->behaviours = s->profile->behaviours;
	}
	beh = member(guest, "behaviours");
	if (!has(guest, "behaviours"))
		return true;
	if (!want_type(ld, "guest.behaviours", beh, json_type_object, "an object"))
		return false;
	json_object_object_foreach(beh, key, val)
	{
		g_autofree char *p = child_path("guest.behaviours", key);
		int b = catalog_lookup(CAT_BEHAVIOURS, key);
		if (b < 0) {
			g_autofree char *list = catalog_names(CAT_BEHAVIOURS);
			return err_at(ld, p, true, "unknown behaviour \"%s\" (one of: %s)", key,
			              list);
		}
		if (!want_type(ld, p, val, json_type_boolean, "true or false"))
			return false;
		if (json_object_get_boolean(val))
			s->behaviours |= BEH_BIT(b);
		else
			s->behaviours &= ~BEH_BIT(b);
	}
	return true;
}

/* name must differ from the names of the n elements before it; each element
 * of base (stride bytes apart) starts with its char *name. */
static bool unique_name(struct loader *ld, const char *path, const char *name, const char *what,
                        const char *array, const void *base, size_t stride, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		const char *other = *(char *const *)(const void *)((const char *)base + j * stride);
		if (strcmp(other, name) == 0) {
			g_autofree char *np = child_path(path, "name");
			return err_at(ld, np, false, "%s \"%s\" is already defined as %s[%zu]",
			              what, name, array, j);
		}
	}
	return true;
}

/* devices[i].layout: the capability order, the MSI-X table's BAR and
 * offset. The rules are pcidev's; each field is checked here so that an
 * error can name it. */
static bool load_layout(struct loader *ld, const char *dev_path, json_object *d, bool msi,
                        struct pcidev_layout *l)
{
	static const char *const fields[] = {"capabilities", "msix-bar", "msix-table-offset", NULL};
	g_autofree char *p = child_path(dev_path, "layout");
	g_autofree char *cp = child_path(p, "capabilities");
	g_autofree char *op = child_path(p, "msix-table-offset");
	g_autofree char *why = NULL;
	json_object *lo = member(d, "layout"), *caps;
	uint64_t bar = 0, offset = 0;
	int listed[PCIDEV_CAP__END];

	memset(l, 0, sizeof(*l));
	if (msi) {
		/* No MSI-X capability: the list is pm and msi. */
		l->caps[0] = PCIDEV_CAP_PM;
		l->caps[1] = PCIDEV_CAP_MSI;
	}
	if (!lo)
		return true;
	if (!want_type(ld, p, lo, json_type_object, "an object") || !only_fields(ld, p, lo, fields))
		return false;
	caps = member(lo, "capabilities");
	if (caps) {
		size_t n;
		if (!want_type(ld, cp, caps, json_type_array, "an array of capability names"))
			return false;
		n = json_object_array_length(caps);
		for (unsigned c = 0; c < PCIDEV_CAP__END; c++)
			listed[c] = -1;
		for (size_t i = 0; i < n; i++) {
			g_autofree char *ep = g_strdup_printf("%s[%zu]", cp, i);
			json_object *e = json_object_array_get_idx(caps, i);
			int c;
			if (!want_type(ld, ep, e, json_type_string, "a capability name"))
				return false;
			c = catalog_lookup(CAT_CAPABILITIES, json_object_get_string(e));
			if (c < 0) {
				g_autofree char *list = catalog_names(CAT_CAPABILITIES);
				return err_at(ld, ep, false,
				              "unknown capability \"%s\" (one of: %s)",
				              json_object_get_string(e), list);
			}
			c += PCIDEV_CAP_NONE + 1;
			if (msi && c == PCIDEV_CAP_MSIX)
				return err_at(ld, ep, false,
				              "a device with interrupts \"msi\" has no MSI-X "
				              "capability: list pm and msi");
			if (listed[c] >= 0)
				return err_at(ld, ep, false,
				              "capability \"%s\" is already listed as "
				              "capabilities[%d]",
				              json_object_get_string(e), listed[c]);
			listed[c] = (int)i;
			l->caps[i] = (enum pcidev_cap)c;
		}
		for (unsigned c = PCIDEV_CAP_NONE + 1; c < PCIDEV_CAP__END; c++)
			if (listed[c] < 0 && !(msi && c == PCIDEV_CAP_MSIX))
				return err_at(ld, cp, false,
				              "must list each of %s once; \"%s\" is missing",
				              msi ? "pm and msi" : "pm, msi and msix",
				              pcidev_cap_name((enum pcidev_cap)c));
	}
	if (msi && (has(lo, "msix-bar") || has(lo, "msix-table-offset"))) {
		g_autofree char *fp =
		    child_path(p, has(lo, "msix-bar") ? "msix-bar" : "msix-table-offset");
		return err_at(ld, fp, false,
		              "a device with interrupts \"msi\" has no MSI-X table to place");
	}
	if (!get_uint(ld, p, lo, "msix-bar", false, 0, PCIDEV_NUM_BARS - 1, &bar) ||
	    !get_hex(ld, p, lo, "msix-table-offset", UINT32_MAX, &offset))
		return false;
	if (offset >= PCIDEV_MAX_TABLE_OFFSET)
		return err_at(ld, op, false,
		              "%#" G_GINT64_MODIFIER "x is too far: the MSI-X table must start "
		              "below 1 MiB (0x%x)",
		              offset, PCIDEV_MAX_TABLE_OFFSET);
	if (offset % 8)
		return err_at(ld, op, false,
		              "%#" G_GINT64_MODIFIER "x is not a multiple of 8 (the low 3 bits of "
		              "Table Offset/BIR hold the BAR index)",
		              offset);
	l->msix_bar = (unsigned)bar;
	l->msix_table_offset = (uint32_t)offset;
	/* Nothing above leaves an invalid layout; pcidev has the last word. */
	if (!pcidev_layout_validate(l, &why))
		return err_at(ld, p, false, "%s", why);
	return true;
}

static bool load_devices(struct loader *ld, json_object *arr, struct scenario *s)
{
	static const char *const fields[] = {"name",       "driver",      "vectors",
	                                     "vendor",     "device",      "layout",
	                                     "interrupts", "msi-masking", NULL};
	size_t n;

	if (!arr)
		return err_at(ld, "", false, "missing required field \"devices\"");
	if (!want_type(ld, "devices", arr, json_type_array, "an array"))
		return false;
	n = json_object_array_length(arr);
	if (n < 1 || n > SCN_MAX_DEVICES)
		return err_at(ld, "devices", false, "must hold 1 to %d devices, has %zu",
		              SCN_MAX_DEVICES, n);
	s->devices = g_new0(struct scn_device, n);
	s->ndevices = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("devices[%zu]", i);
		json_object *d = json_object_array_get_idx(arr, i);
		struct scn_device *dev = &s->devices[i];
		const char *name = NULL;
		uint64_t vectors = 8, vendor = 0x1414, device = 0x0001 + i;
		const char *irqs = NULL;
		bool masking = true;
		int drv;

		if (!want_type(ld, p, d, json_type_object, "an object") ||
		    !only_fields(ld, p, d, fields) || !get_string(ld, p, d, "name", true, &name))
			return false;
		if (!unique_name(ld, p, name, "device", "devices", s->devices, sizeof(*s->devices),
		                 i))
			return false;
		dev->name = g_strdup(name);
		drv = get_named(ld, p, d, "driver", true, CAT_DRIVERS);
		if (drv < 0)
			return false;
		if (!get_string(ld, p, d, "interrupts", false, &irqs))
			return false;
		if (irqs && strcmp(irqs, "msix") && strcmp(irqs, "msi")) {
			g_autofree char *ip = child_path(p, "interrupts");
			return err_at(ld, ip, false,
			              "unknown interrupts \"%s\" (one of: msix, msi)", irqs);
		}
		dev->msi = irqs && !strcmp(irqs, "msi");
		if (!get_uint(ld, p, d, "vectors", false, 1, dev->msi ? 32 : SCN_MAX_VECTORS,
		              &vectors))
			return false;
		if (dev->msi && (vectors & (vectors - 1))) {
			g_autofree char *vp = child_path(p, "vectors");
			return err_at(ld, vp, false,
			              "MSI gives a function a power of two of vectors (1, 2, 4, 8, "
			              "16 or 32), got %" G_GUINT64_FORMAT,
			              vectors);
		}
		if (has(d, "msi-masking") && !dev->msi) {
			g_autofree char *mp = child_path(p, "msi-masking");
			return err_at(ld, mp, false,
			              "only a device with interrupts \"msi\" has MSI mask bits to "
			              "choose");
		}
		if (!get_bool(ld, p, d, "msi-masking", false, &masking) ||
		    !get_hex(ld, p, d, "vendor", 0xFFFF, &vendor) ||
		    !get_hex(ld, p, d, "device", 0xFFFF, &device) ||
		    !load_layout(ld, p, d, dev->msi, &dev->layout))
			return false;
		dev->msi_no_maskbits = !masking;
		dev->driver = (enum driver_model)drv;
		dev->vectors = (unsigned)vectors;
		dev->vendor_id = (uint16_t)vendor;
		dev->device_id = (uint16_t)device;
	}
	return true;
}

static bool load_faults(struct loader *ld, json_object *arr, struct scenario *s)
{
	static const char *const fields[] = {"name",  "point",  "mode",    "n", "probability",
	                                     "phase", "status", "enabled", NULL};
	size_t n;

	if (!arr)
		return true;
	if (!want_type(ld, "faults", arr, json_type_array, "an array"))
		return false;
	n = json_object_array_length(arr);
	s->faults = g_new0(struct scn_fault, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("faults[%zu]", i);
		json_object *f = json_object_array_get_idx(arr, i);
		struct scn_fault *sf = &s->faults[i];
		struct fault_rule *r = &sf->rule;
		const char *name = NULL;
		uint64_t nth = 0, status = 0;
		json_object *prob;
		int point, mode, phase;

		if (!want_type(ld, p, f, json_type_object, "an object") ||
		    !only_fields(ld, p, f, fields) || !get_string(ld, p, f, "name", true, &name))
			return false;
		if (!unique_name(ld, p, name, "fault", "faults", s->faults, sizeof(*s->faults), i))
			return false;
		sf->name = g_strdup(name);
		s->nfaults = (unsigned)i + 1;
		r->name = sf->name;
		r->enabled = true;
		r->phase = -1;
		point = get_named(ld, p, f, "point", true, CAT_FAULT_POINTS);
		if (point < 0)
			return false;
		r->point = (enum fault_point)point;
		mode = get_named(ld, p, f, "mode", false, CAT_FAULT_MODES);
		if (mode == -1)
			return false;
		r->mode = mode == -2 ? FAULT_EVERY : (enum fault_mode)mode;
		if (r->mode == FAULT_NTH) {
			if (!get_uint(ld, p, f, "n", true, 1, UINT32_MAX, &nth))
				return false;
			r->n = (unsigned)nth;
		} else if (has(f, "n")) {
			g_autofree char *np = child_path(p, "n");
			return err_at(ld, np, true, "\"n\" applies only to mode \"nth\"");
		}
		prob = member(f, "probability");
		if (r->mode == FAULT_PROBABILITY) {
			g_autofree char *pp = child_path(p, "probability");
			if (!has(f, "probability"))
				return err_at(
				    ld, p, false,
				    "mode \"probability\" needs a \"probability\" between 0 and 1");
			if (!json_object_is_type(prob, json_type_double) &&
			    !json_object_is_type(prob, json_type_int))
				return err_at(ld, pp, false, "expected a number, got %s",
				              jpos_type_noun(prob));
			r->probability = json_object_get_double(prob);
			if (!(r->probability >= 0.0 && r->probability <= 1.0))
				return err_at(ld, pp, false, "must be between 0 and 1, got %g",
				              r->probability);
		} else if (has(f, "probability")) {
			g_autofree char *pp = child_path(p, "probability");
			return err_at(ld, pp, true,
			              "\"probability\" applies only to mode \"probability\"");
		}
		phase = get_named(ld, p, f, "phase", false, CAT_PHASES);
		if (phase == -1)
			return false;
		r->phase = phase == -2 ? -1 : phase;
		if (has(f, "status")) {
			uint64_t max = r->point == FP_HYPERCALL_RETARGET ? 0xFFFF : 0xFFFFFFFF;
			g_autofree char *sp = child_path(p, "status");
			if (r->point == FP_VMBUS_SEND)
				return err_at(
				    ld, sp, true,
				    "vmbus.send drops the packet; it has no status to set");
			if (!get_hex(ld, p, f, "status", max, &status))
				return false;
			if (status == 0)
				return err_at(ld, sp, false,
				              "a fault must fail: status 0 is success");
			/* the guest, like Linux, fails a request only on an NTSTATUS
			 * with the top bit set (NT_SUCCESS is status >= 0) */
			if (r->point != FP_HYPERCALL_RETARGET && status < 0x80000000)
				return err_at(
				    ld, sp, false,
				    "a fault must fail: 0x%" G_GINT64_MODIFIER
				    "X is a success NTSTATUS (a failure is 0x80000000 or above)",
				    status);
			r->status_set = true;
			r->status = status;
		}
		if (!get_bool(ld, p, f, "enabled", false, &r->enabled))
			return false;
	}
	return true;
}

int scenario_device_index(const struct scenario *s, const char *name)
{
	for (unsigned i = 0; i < s->ndevices; i++)
		if (strcmp(s->devices[i].name, name) == 0)
			return (int)i;
	return -1;
}

int scenario_fault_index(const struct scenario *s, const char *name)
{
	for (unsigned i = 0; i < s->nfaults; i++)
		if (strcmp(s->faults[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The loader's helpers for the step table's per-op loaders (loader.h). */
bool loader_error(struct loader *ld, const char *path, bool at_key, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return err_at(ld, path, at_key, "%s", msg);
}

char *loader_child_path(const char *parent, const char *key)
{
	return child_path(parent, key);
}

bool loader_has(json_object *obj, const char *key)
{
	return has(obj, key);
}

json_object *loader_member(json_object *obj, const char *key)
{
	return member(obj, key);
}

bool loader_want_type(struct loader *ld, const char *path, json_object *v, enum json_type t,
                      const char *noun)
{
	return want_type(ld, path, v, t, noun);
}

bool loader_string(struct loader *ld, const char *path, json_object *obj, const char *key,
                   bool required, const char **out)
{
	return get_string(ld, path, obj, key, required, out);
}

bool loader_uint(struct loader *ld, const char *path, json_object *obj, const char *key,
                 bool required, uint64_t min, uint64_t max, uint64_t *out)
{
	return get_uint(ld, path, obj, key, required, min, max, out);
}

bool loader_bool(struct loader *ld, const char *path, json_object *obj, const char *key,
                 bool required, bool *out)
{
	return get_bool(ld, path, obj, key, required, out);
}

static bool step_fields(struct loader *ld, const char *path, json_object *st, enum scn_op op)
{
	const char *const *mine = step_desc(op)->fields;

	if (!only_fields(ld, path, st, step_all_fields()))
		return false;
	json_object_object_foreach(st, key, val)
	{
		bool ok = strcmp(key, "op") == 0;
		(void)val;
		for (const char *const *m = mine; *m && !ok; m++)
			ok = strcmp(*m, key) == 0;
		if (!ok) {
			g_autofree char *p = child_path(path, key);
			return err_at(ld, p, true, "field \"%s\" does not apply to op \"%s\"", key,
			              scn_op_name(op));
		}
	}
	return true;
}

static bool load_steps(struct loader *ld, json_object *arr, struct scenario *s)
{
	struct step_state state = {.running = false};
	size_t n;

	if (!arr)
		return err_at(ld, "", false, "missing required field \"steps\"");
	if (!want_type(ld, "steps", arr, json_type_array, "an array"))
		return false;
	n = json_object_array_length(arr);
	if (n < 1)
		return err_at(ld, "steps", false, "must hold at least one step (\"boot\")");
	for (unsigned c = 0; c < SCN_MAX_VCPUS; c++)
		state.online[c] = true;
	s->steps = g_new0(struct scn_step, n);
	s->nsteps = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("steps[%zu]", i);
		json_object *st = json_object_array_get_idx(arr, i);
		struct scn_step *step = &s->steps[i];
		struct jpos pos;
		int op;

		if (!want_type(ld, p, st, json_type_object, "an object"))
			return false;
		if (jpos_exact(ld->pos, p) && jpos_lookup(ld->pos, p, &pos)) {
			step->line = pos.line;
			step->col = pos.col;
		}
		op = get_named(ld, p, st, "op", true, CAT_OPS);
		if (op < 0 || !step_fields(ld, p, st, (enum scn_op)op))
			return false;
		step->op = (enum scn_op)op;
		if (i == 0 && op != OP_BOOT)
			return err_at(ld, p, false, "the first step must be \"boot\", not \"%s\"",
			              scn_op_name(op));
		state.index = (unsigned)i;
		if (!step_desc(step->op)->load(ld, p, st, s, step, &state))
			return false;
	}
	return true;
}

static bool load_reach(struct loader *ld, json_object *arr, struct scenario *s)
{
	if (!arr)
		return true;
	if (!want_type(ld, "reach", arr, json_type_array, "an array of event names"))
		return false;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		g_autofree char *p = g_strdup_printf("reach[%zu]", i);
		json_object *v = json_object_array_get_idx(arr, i);
		int r;

		if (!want_type(ld, p, v, json_type_string, "a string"))
			return false;
		r = tracepoint_lookup(json_object_get_string(v));
		if (r < 0 || !tracepoint_is_reach_event(r)) {
			g_autofree char *list = catalog_names(CAT_REACH);
			return err_at(ld, p, false, "unknown event \"%s\" (one of: %s)",
			              json_object_get_string(v), list);
		}
		if (s->reach[r])
			return err_at(ld, p, false, "event \"%s\" is listed twice",
			              tracepoint_name(r));
		s->reach[r] = true;
	}
	return true;
}

static bool load_expect(struct loader *ld, json_object *ex, struct scenario *s)
{
	static const char *const fields[] = {"verdict", "violations", NULL};
	const char *verdict = NULL;
	json_object *vs;
	GPtrArray *names;
	size_t n;

	if (!ex)
		return err_at(ld, "", false, "missing required field \"expect\"");
	if (!want_type(ld, "expect", ex, json_type_object, "an object") ||
	    !only_fields(ld, "expect", ex, fields) ||
	    !get_string(ld, "expect", ex, "verdict", true, &verdict))
		return false;
	if (strcmp(verdict, "pass") && strcmp(verdict, "fail"))
		return err_at(ld, "expect.verdict", false,
		              "must be \"pass\" or \"fail\", got \"%s\"", verdict);
	s->expect_pass = strcmp(verdict, "pass") == 0;
	vs = member(ex, "violations");
	if (!has(ex, "violations")) {
		s->expect_violations = g_new0(char *, 1);
		return true;
	}
	if (s->expect_pass)
		return err_at(ld, "expect.violations", true,
		              "a scenario expected to pass cannot list violations");
	if (!want_type(ld, "expect.violations", vs, json_type_array, "an array of violation names"))
		return false;
	n = json_object_array_length(vs);
	if (!n)
		return err_at(ld, "expect.violations", false,
		              "list at least one violation, or leave the field out");
	names = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = g_strdup_printf("expect.violations[%zu]", i);
		json_object *v = json_object_array_get_idx(vs, i);

		if (!want_type(ld, p, v, json_type_string, "a string") ||
		    (!violation_kind_known(json_object_get_string(v)) &&
		     !err_at(ld, p, false,
		             "unknown violation \"%s\" (see 'hvpci-sim list violations')",
		             json_object_get_string(v)))) {
			g_ptr_array_free(names, TRUE);
			return false;
		}
		g_ptr_array_add(names, g_strdup(json_object_get_string(v)));
	}
	g_ptr_array_add(names, NULL);
	s->expect_violations = (char **)g_ptr_array_free(names, FALSE);
	return true;
}

static bool load_root(struct loader *ld, json_object *root, struct scenario *s)
{
	static const char *const fields[] = {"$schema", "name",   "description", "seed",   "vm",
	                                     "host",    "guest",  "devices",     "faults", "steps",
	                                     "reach",   "expect", NULL};
	/* The sections' loaders take an absent section from a NULL; a null
	 * section is rejected here, as the type its loader expects. */
	static const struct {
		const char *key, *noun;
	} sections[] = {{"devices", "an array"},
	                {"faults", "an array"},
	                {"steps", "an array"},
	                {"reach", "an array of event names"},
	                {"expect", "an object"}};
	const char *name = NULL, *desc = NULL, *schema = NULL;

	if (!json_object_is_type(root, json_type_object))
		return err_at(ld, "", false, "a scenario is a JSON object, not %s",
		              jpos_type_noun(root));
	if (!only_fields(ld, "", root, fields) ||
	    !get_string(ld, "", root, "$schema", false, &schema) ||
	    !get_string(ld, "", root, "name", false, &name) ||
	    !get_string(ld, "", root, "description", false, &desc) || !get_seed(ld, root, &s->seed))
		return false;
	if (name && !*name)
		return err_at(ld, "name", false, "must not be empty");
	if (name) {
		s->name = g_strdup(name);
	} else {
		g_autofree char *base = g_path_get_basename(ld->file);
		size_t n = strlen(base);
		/* the doc: the file name without ".json" (and only that) */
		if (n > strlen(".json") && g_str_has_suffix(base, ".json"))
			base[n - strlen(".json")] = '\0';
		s->name = g_strdup(base);
	}
	s->description = g_strdup(desc ? desc : "");
	if (has(root, "vm") && !load_vm(ld, member(root, "vm"), s))
		return false;
	if (has(root, "host") && !load_host(ld, member(root, "host"), s))
		return false;
	if (has(root, "guest") && !load_guest(ld, member(root, "guest"), s))
		return false;
	for (unsigned i = 0; i < G_N_ELEMENTS(sections); i++)
		if (has(root, sections[i].key) && !member(root, sections[i].key))
			return err_at(ld, sections[i].key, false, "expected %s, got null",
			              sections[i].noun);
	return load_devices(ld, member(root, "devices"), s) &&
	       load_faults(ld, member(root, "faults"), s) &&
	       load_steps(ld, member(root, "steps"), s) &&
	       load_reach(ld, member(root, "reach"), s) &&
	       load_expect(ld, member(root, "expect"), s);
}

/* ---- --set ----------------------------------------------------------- */

struct seg {
	bool is_index;
	char *key;
	size_t index;
};

static void seg_clear(gpointer p)
{
	g_free(((struct seg *)p)->key);
}

/* "devices[0].vectors" or "devices.0.vectors" -> segments and a canonical path. */
static GArray *parse_set_path(const char *path, GString *canon)
{
	GArray *segs = g_array_new(FALSE, TRUE, sizeof(struct seg));
	const char *p = path;

	g_array_set_clear_func(segs, seg_clear);
	while (*p) {
		struct seg sg = {0};
		if (*p == '[') {
			char *end;
			if (!g_ascii_isdigit(p[1]))
				goto bad;
			sg.is_index = true;
			sg.index = g_ascii_strtoull(p + 1, &end, 10);
			if (*end != ']')
				goto bad;
			p = end + 1;
			if (*p == '.' && p[1] && p[1] != '[')
				p++;
			else if (*p && *p != '[')
				goto bad;
		} else {
			size_t n = strcspn(p, ".[");
			if (!n)
				goto bad;
			sg.key = g_strndup(p, n);
			p += n;
			if (*p == '.') {
				p++;
				if (!*p) { /* "vm." */
					g_free(sg.key);
					goto bad;
				}
			}
			if (g_ascii_isdigit(*sg.key) && strspn(sg.key, "0123456789") == n) {
				sg.is_index = true;
				sg.index = g_ascii_strtoull(sg.key, NULL, 10);
				g_clear_pointer(&sg.key, g_free);
			}
		}
		if (sg.is_index)
			g_string_append_printf(canon, "[%zu]", sg.index);
		else
			g_string_append_printf(canon, "%s%s", canon->len ? "." : "", sg.key);
		g_array_append_val(segs, sg);
	}
	if (segs->len)
		return segs;
bad:
	g_array_unref(segs);
	return NULL;
}

/* VALUE as JSON, or as a string if it is not JSON. NULL for "null", which
 * is JSON: validation then rejects it like a null in the file. */
static json_object *parse_set_value(const char *value)
{
	json_tokener *tok = json_tokener_new();
	json_object *v;
	size_t len = strlen(value);

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	v = json_tokener_parse_ex(tok, value, (int)len + 1);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		json_object_put(v);
		v = json_object_new_string(value); /* a bare word is a string */
	}
	json_tokener_free(tok);
	return v;
}

static bool apply_set(struct loader *ld, json_object *root, const char *arg)
{
	const char *eq = strchr(arg, '=');
	g_autofree char *path = eq ? g_strndup(arg, (gsize)(eq - arg)) : NULL;
	g_autoptr(GString) canon = g_string_new(NULL);
	g_autoptr(GString) prefix = g_string_new(NULL);
	g_autoptr(GArray) segs = path ? parse_set_path(path, canon) : NULL;
	json_object *cur = root;
	struct set_origin *o;

	if (!eq || !segs) {
		g_set_error(ld->error, SCENARIO_ERROR, SCENARIO_ERROR_SET,
		            "%s: --set %s: expected PATH=VALUE with PATH like vm.vcpus or "
		            "devices[0].vectors",
		            ld->file, arg);
		return false;
	}
	for (guint i = 0; i < segs->len; i++) {
		const struct seg *sg = &g_array_index(segs, struct seg, i);
		bool last = i + 1 == segs->len;
		bool next_index = !last && g_array_index(segs, struct seg, i + 1).is_index;
		json_object *child = NULL;

		if (!json_object_is_type(cur, sg->is_index ? json_type_array : json_type_object)) {
			g_set_error(ld->error, SCENARIO_ERROR, SCENARIO_ERROR_SET,
			            "%s: --set %s: %s is %s, not %s", ld->file, arg,
			            i ? prefix->str : "the scenario", jpos_type_noun(cur),
			            sg->is_index ? "an array" : "an object");
			return false;
		}
		if (sg->is_index) {
			size_t len = json_object_array_length(cur);
			if (sg->index > len) {
				g_set_error(
				    ld->error, SCENARIO_ERROR, SCENARIO_ERROR_SET,
				    "%s: --set %s: %s has %zu element%s; index %zu is past its "
				    "end (index %zu appends)",
				    ld->file, arg, prefix->str, len, len == 1 ? "" : "s", sg->index,
				    len);
				return false;
			}
			if (last) {
				json_object_array_put_idx(cur, sg->index, parse_set_value(eq + 1));
				break;
			}
			/* a null element stays: the next segment reports it */
			child = sg->index < len ? json_object_array_get_idx(cur, sg->index) : NULL;
			if (sg->index == len) {
				child =
				    next_index ? json_object_new_array() : json_object_new_object();
				json_object_array_put_idx(cur, sg->index, child);
			}
			g_string_append_printf(prefix, "[%zu]", sg->index);
		} else {
			if (last) {
				json_object_object_add(cur, sg->key, parse_set_value(eq + 1));
				break;
			}
			/* only a missing member is created; a null one stays, and
			 * the next segment reports it */
			if (!json_object_object_get_ex(cur, sg->key, &child)) {
				child =
				    next_index ? json_object_new_array() : json_object_new_object();
				json_object_object_add(cur, sg->key, child);
			}
			g_string_append_printf(prefix, "%s%s", prefix->len ? "." : "", sg->key);
		}
		cur = child;
	}
	o = g_new(struct set_origin, 1);
	o->path = g_strdup(canon->str);
	o->arg = g_strdup(arg);
	g_ptr_array_add(ld->sets, o);
	return true;
}

/* ---- entry points ---------------------------------------------------- */

static bool not_regular(const char *path, mode_t mode, GError **error)
{
	const char *kind = S_ISDIR(mode)    ? "a directory"
	                   : S_ISFIFO(mode) ? "a FIFO"
	                   : S_ISCHR(mode)  ? "a character device"
	                   : S_ISBLK(mode)  ? "a block device"
	                   : S_ISSOCK(mode) ? "a socket"
	                                    : "not a file";

	g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_IO,
	            "%s: not a regular file (%s); a scenario must be a regular file", path, kind);
	return false;
}

/* size < 0: the file grew past the limit while it was read. */
static bool too_large(const char *path, intmax_t size, GError **error)
{
	g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_IO,
	            "%s: too large: %s%jd bytes, over the 16 MiB (%d bytes) a scenario may hold",
	            path, size < 0 ? "more than " : "",
	            size < 0 ? (intmax_t)SCN_MAX_FILE_SIZE : size, SCN_MAX_FILE_SIZE);
	return false;
}

static bool cannot_read(const char *path, int err, GError **error)
{
	g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_IO, "%s: cannot read: %s", path,
	            g_strerror(err));
	return false;
}

static json_object *parse_strict(struct loader *ld)
{
	g_autofree char *problem = NULL;
	enum jpos_parse_error err;
	unsigned line, col;
	json_object *root =
	    jpos_parse_strict(ld->text, ld->len, "scenario", &err, &problem, &line, &col);

	if (!root)
		g_set_error(ld->error, SCENARIO_ERROR,
		            err == JPOS_PARSE_NULL ? SCENARIO_ERROR_SCHEMA : SCENARIO_ERROR_SYNTAX,
		            "%s:%u:%u: %s", ld->file, line, col, problem);
	return root;
}

/* text[len] must be a NUL: json-c is given len + 1 bytes (see parse_strict). */
static struct scenario *load_text(const char *label, const char *text, size_t len,
                                  const char *const *sets, GError **error)
{
	struct loader ld = {.file = label, .text = text, .len = len, .error = error};
	struct scenario *s = NULL;
	json_object *root;
	char *problem = NULL;
	unsigned line = 0, col = 0;

	root = parse_strict(&ld);
	if (!root)
		return NULL;
	ld.pos = jpos_scan(text, len, &problem, &line, &col);
	if (!ld.pos) {
		g_set_error(error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX, "%s:%u:%u: %s", label,
		            line, col, problem);
		g_free(problem);
		json_object_put(root);
		return NULL;
	}
	ld.sets = g_ptr_array_new_with_free_func(set_origin_free);
	for (const char *const *a = sets; a && *a; a++) {
		if (!json_object_is_type(root, json_type_object)) {
			err_at(&ld, "", false, "a scenario is a JSON object, not %s",
			       jpos_type_noun(root));
			break;
		}
		if (!apply_set(&ld, root, *a)) {
			ld.failed = true;
			break;
		}
	}
	if (!ld.failed) {
		s = g_new0(struct scenario, 1);
		s->file = g_strdup(label);
		s->seed = 1;
		s->vcpus = 4;
		s->protocol = PCI_PROTOCOL_VERSION_1_4;
		s->profile = profile_default();
		s->behaviours = s->profile->behaviours;
		/* ld.failed too: no scenario ever comes back with an error set */
		if (!load_root(&ld, root, s) || ld.failed)
			g_clear_pointer(&s, scenario_free);
	}
	g_ptr_array_free(ld.sets, TRUE);
	jpos_index_free(ld.pos);
	json_object_put(root);
	return s;
}

struct scenario *scenario_load_data(const char *label, const char *data, size_t len,
                                    const char *const *sets, GError **error)
{
	g_autofree char *text = NULL;

	if (len > SCN_MAX_FILE_SIZE) {
		too_large(label, (intmax_t)len, error);
		return NULL;
	}
	/* data need not end in a NUL; load_text() needs one after the text */
	text = g_malloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	return load_text(label, text, len, sets, error);
}

static bool read_all(const char *path, int fd, size_t size, char **out, size_t *len, GError **error)
{
	size_t n = 0, cap = MIN(size, (size_t)SCN_MAX_FILE_SIZE) + 1;
	g_autofree char *buf = g_malloc(cap + 1);

	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cannot_read(path, errno, error);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > SCN_MAX_FILE_SIZE)
			return too_large(path, -1, error);
		if (n == cap) {
			cap = MIN(cap * 2, (size_t)SCN_MAX_FILE_SIZE + 1);
			buf = g_realloc(buf, cap + 1);
		}
	}
	buf[n] = '\0';
	*len = n;
	*out = g_steal_pointer(&buf);
	return true;
}

/* A regular file of at most SCN_MAX_FILE_SIZE, NUL-terminated. The kind
 * and size are checked before it is opened (opening a FIFO blocks,
 * /dev/zero never ends), again on the open file (it may have been
 * replaced), and while reading (it may grow). */
static bool read_file(const char *path, char **out, size_t *len, GError **error)
{
	struct stat st;
	bool ok;
	int fd;

	if (stat(path, &st) < 0)
		return cannot_read(path, errno, error);
	if (!S_ISREG(st.st_mode))
		return not_regular(path, st.st_mode, error);
	if (st.st_size > SCN_MAX_FILE_SIZE)
		return too_large(path, (intmax_t)st.st_size, error);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cannot_read(path, errno, error);
	if (fstat(fd, &st) < 0)
		ok = cannot_read(path, errno, error);
	else if (!S_ISREG(st.st_mode))
		ok = not_regular(path, st.st_mode, error);
	else
		ok = read_all(path, fd, (size_t)st.st_size, out, len, error);
	close(fd);
	return ok;
}

struct scenario *scenario_load(const char *path, const char *const *sets, GError **error)
{
	g_autofree char *data = NULL;
	size_t len = 0;

	if (!read_file(path, &data, &len, error))
		return NULL;
	return load_text(path, data, len, sets, error);
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	g_free(s->file);
	g_free(s->name);
	g_free(s->description);
	for (unsigned i = 0; i < s->ndevices; i++)
		g_free(s->devices[i].name);
	g_free(s->devices);
	for (unsigned i = 0; i < s->nfaults; i++)
		g_free(s->faults[i].name);
	g_free(s->faults);
	g_free(s->steps);
	g_strfreev(s->expect_violations);
	g_free(s);
}
