/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real domain as a backend, through libvirt and the QEMU guest agent.
 *
 *   boot       virDomainCreate, then wait until the guest agent answers
 *   hibernate  virDomainPMSuspendForDuration(DISK): the agent asks the guest
 *              to hibernate; done when libvirt reports PMSUSPENDED_DISK and
 *              then the domain stopped (the call itself returning 0 proves
 *              nothing: a guest that cannot hibernate just keeps running)
 *   resume     virDomainCreate: the guest's boot finds its image and hands
 *              over to it; done when the agent answers, and the guest's
 *              boot_id must be the one it had before hibernating
 *   fire D v   reads with O_DIRECT from the guest's block device on D,
 *              pinned to a CPU vector v is affine to, so that the request
 *              queue behind v completes and the device raises v
 *   advance    real time passes
 *
 * Evidence comes from inside the guest, through the agent's guest-exec:
 * /proc/interrupts (per-vector counts; each line's hwirq names the PCI
 * function and the MSI-X table index, which survive a resume although IRQ
 * numbers are reshuffled and counts restart), each function's config space
 * (command register, PM state, MSI and MSI-X control), msi_irqs, the bound
 * driver, IRQ affinities, online CPUs, boot_id. What the guest cannot show
 * (MSI-X table entries, interrupt remapping, the route of one interrupt,
 * handler runs one for one) is reported as missing, and the oracles judge
 * what they can: a fire was delivered if the guest's count of that vector
 * rose (OBS_FIRE_COUNTED).
 *
 * Steps this backend cannot do are refused before anything runs: fault
 * rules (they act on the simulated host), CPU offlining (a real guest shuts
 * down the managed interrupts of a CPU's queues instead of migrating them,
 * which this backend cannot judge yet), and reach events only the
 * simulator's host can see.
 */
#include "backend.h"

#include "libvirt-util.h"
#include "../vmbus-sim/engine.h"
#include "../vmbus-sim/trace.h"
#include "../vmbus-sim/tracepoint.h"

#include <errno.h>
#include <json-c/json.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#define AGENT_TIMEOUT_S     300 /* from start to the agent's first answer */
#define POWER_OFF_TIMEOUT_S 300 /* from the suspend call to the domain stopped */
#define EXEC_TIMEOUT_S      120 /* one guest-exec */
#define AGENT_CALL_S        10  /* one agent command */
#define FIRE_READS          32  /* 4 KiB reads per fired vector */

/* ---- the event loop: libvirt delivers domain events only while one runs ---- */

static gpointer event_loop(gpointer data)
{
	(void)data;
	for (;;)
		virEventRunDefaultImpl();
	return NULL;
}

/* Registered before the first connection, and left running: libvirt's
 * default loop cannot be unregistered. */
static void event_loop_start(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		virEventRegisterDefaultImpl();
		g_thread_unref(g_thread_new("libvirt-events", event_loop, NULL));
		g_once_init_leave(&once, 1);
	}
}

/* What the event callback sees; shared with libvirt, which drops its
 * reference when the callback is gone. */
struct lv_events {
	GMutex lock;
	GCond cond;
	bool pmsuspended_disk;
	bool stopped;
	int stopped_detail;
};

static void events_clear(gpointer p)
{
	struct lv_events *ev = p;

	g_mutex_clear(&ev->lock);
	g_cond_clear(&ev->cond);
}

static void events_release(void *p)
{
	g_atomic_rc_box_release_full(p, events_clear);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
	struct lv_events *ev = opaque;

	(void)c;
	(void)d;
	g_mutex_lock(&ev->lock);
	if (event == VIR_DOMAIN_EVENT_PMSUSPENDED && detail == VIR_DOMAIN_EVENT_PMSUSPENDED_DISK)
		ev->pmsuspended_disk = true;
	if (event == VIR_DOMAIN_EVENT_STOPPED) {
		ev->stopped = true;
		ev->stopped_detail = detail;
	}
	g_cond_broadcast(&ev->cond);
	g_mutex_unlock(&ev->lock);
	return 0;
}

/* ---- the backend ---- */

/* One vector as the guest last showed it. */
struct lv_vec {
	bool present; /* a line in /proc/interrupts */
	unsigned irq;
	uint64_t count;
	int cpu;       /* effective affinity, -1 unknown */
	int first_cpu; /* first CPU of its affinity list, -1 unknown */
	char name[64]; /* the action: "virtio2-req.1" */
};

struct lv_device {
	const struct lv_dev *def; /* in lv->def */
	const char *name;         /* the scenario's */
	unsigned vectors;         /* the scenario's */
	char *guest_addr;         /* in the guest's numbering, once found */
	bool present, bound;
	char blk[32]; /* the guest's block device on it */
	bool have_cfg;
	uint8_t cfg[256];
	unsigned nmsi; /* entries in msi_irqs */
	struct lv_vec vec[SCN_MAX_VECTORS];
};

struct lv_fire {
	struct obs_fire r;
	char *reason;
	bool released;
};

struct lv_pending_fire {
	unsigned dev, vector;
	uint64_t time;
};

struct lv_guest_error {
	uint64_t time;
	const char *phase;
	const char *task;
	int err;
	char *message;
};

struct lv {
	const struct scenario *s;
	struct engine *e;
	gint64 t0;
	virConnectPtr conn;
	virDomainPtr dom;
	struct lv_domain_def *def;
	struct lv_events *ev;
	int callback;
	struct lv_device *devs;
	unsigned ndevs;
	bool powered;
	uint64_t last_power_off;
	bool have_online;
	bool online[SCN_MAX_VCPUS];
	char boot_id[64];
	double uptime;
	GArray *fires;   /* of struct lv_fire */
	GArray *pending; /* of struct lv_pending_fire */
	GPtrArray *errors;
	char *blocked_task, *blocked_on;
	struct observation obs;
};

static const struct observation_ops lv_observation;

static char *jq(const char *s)
{
	json_object *o = json_object_new_string(s ? s : "");
	char *r = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                         JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return r;
}

static void noop(struct engine *e, void *arg)
{
	(void)e;
	(void)arg;
}

/* The engine's clock follows real time since the backend was created. */
static void sync_clock(struct lv *lv)
{
	uint64_t now = (uint64_t)(g_get_monotonic_time() - lv->t0) * NSEC_PER_USEC;

	if (now > engine_now(lv->e)) {
		engine_schedule(lv->e, now - engine_now(lv->e), noop, NULL);
		engine_run(lv->e);
	}
}

static void guest_error(struct lv *lv, const char *phase, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void guest_error(struct lv *lv, const char *phase, int err, const char *fmt, ...)
{
	struct lv_guest_error *g = g_new0(struct lv_guest_error, 1);
	g_autofree char *q = NULL;
	va_list ap;

	sync_clock(lv);
	va_start(ap, fmt);
	g->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g->time = engine_now(lv->e);
	g->phase = phase;
	g->task = phase;
	g->err = err;
	g_ptr_array_add(lv->errors, g);
	q = jq(g->message);
	TRACE(lv->e, "libvirt", "guest-error", "\"phase\":\"%s\",\"err\":%d,\"message\":%s", phase,
	      err, q);
}

static void guest_error_free(gpointer p)
{
	struct lv_guest_error *g = p;

	g_free(g->message);
	g_free(g);
}

static void fire_clear(gpointer p)
{
	g_free(((struct lv_fire *)p)->reason);
}

/* ---- the guest agent ---- */

static json_object *agent_call(struct lv *lv, json_object *cmd, int timeout_s, GError **error)
{
	const char *text = json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN);
	char *reply = virDomainQemuAgentCommand(lv->dom, text, timeout_s, 0);
	json_object *r, *ret = NULL;

	json_object_put(cmd);
	if (!reply) {
		g_set_error(error, LV_ERROR, LV_ERROR_GUEST, "the guest agent: %s",
		            lv_last_error());
		return NULL;
	}
	r = json_tokener_parse(reply);
	free(reply);
	if (!r || !json_object_object_get_ex(r, "return", &ret)) {
		g_set_error(error, LV_ERROR, LV_ERROR_GUEST,
		            "the guest agent gave a reply without \"return\"");
		json_object_put(r);
		return NULL;
	}
	json_object_get(ret);
	json_object_put(r);
	return ret;
}

static json_object *agent_cmd(const char *execute, json_object *args)
{
	json_object *cmd = json_object_new_object();

	json_object_object_add(cmd, "execute", json_object_new_string(execute));
	if (args)
		json_object_object_add(cmd, "arguments", args);
	return cmd;
}

/* Runs a shell script in the guest; its standard output, or NULL. */
static char *agent_exec(struct lv *lv, const char *script, int *exitcode, GError **error)
{
	json_object *args = json_object_new_object(), *argv = json_object_new_array(), *r, *v;
	gint64 deadline = g_get_monotonic_time() + EXEC_TIMEOUT_S * G_USEC_PER_SEC;
	int64_t pid;
	char *out = NULL;

	json_object_array_add(argv, json_object_new_string("-c"));
	json_object_array_add(argv, json_object_new_string(script));
	json_object_object_add(args, "path", json_object_new_string("/bin/sh"));
	json_object_object_add(args, "arg", argv);
	json_object_object_add(args, "capture-output", json_object_new_boolean(1));
	r = agent_call(lv, agent_cmd("guest-exec", args), AGENT_CALL_S, error);
	if (!r)
		return NULL;
	if (!json_object_object_get_ex(r, "pid", &v)) {
		json_object_put(r);
		g_set_error(error, LV_ERROR, LV_ERROR_GUEST, "guest-exec gave no pid");
		return NULL;
	}
	pid = json_object_get_int64(v);
	json_object_put(r);
	for (;;) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "pid", json_object_new_int64(pid));
		r = agent_call(lv, agent_cmd("guest-exec-status", a), AGENT_CALL_S, error);
		if (!r)
			return NULL;
		if (json_object_object_get_ex(r, "exited", &v) && json_object_get_boolean(v))
			break;
		json_object_put(r);
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error, LV_ERROR, LV_ERROR_TIMEOUT,
			            "a command in the guest did not finish within %d s",
			            EXEC_TIMEOUT_S);
			return NULL;
		}
		g_usleep(50 * 1000);
	}
	*exitcode = json_object_object_get_ex(r, "exitcode", &v) ? json_object_get_int(v) : -1;
	if (json_object_object_get_ex(r, "out-truncated", &v) && json_object_get_boolean(v)) {
		g_set_error(error, LV_ERROR, LV_ERROR_GUEST, "the guest's output was truncated");
	} else if (json_object_object_get_ex(r, "out-data", &v)) {
		gsize len;
		guchar *raw = g_base64_decode(json_object_get_string(v), &len);
		out = g_realloc(raw, len + 1);
		out[len] = '\0';
	} else {
		out = g_strdup("");
	}
	json_object_put(r);
	return out;
}

/* Waits until the agent answers a ping. */
static bool wait_agent(struct lv *lv, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + AGENT_TIMEOUT_S * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(GError) e = NULL;
		json_object *r = agent_call(lv, agent_cmd("guest-ping", NULL), 5, &e);

		if (r) {
			json_object_put(r);
			return true;
		}
		if (virGetLastErrorCode() == VIR_ERR_NO_SUPPORT) {
			g_set_error(error, LV_ERROR, LV_ERROR_SETUP,
			            "this connection's driver cannot talk to a guest agent (%s)",
			            e->message);
			return false;
		}
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error, LV_ERROR, LV_ERROR_TIMEOUT,
			            "the guest agent has not answered for %d s (last: %s)",
			            AGENT_TIMEOUT_S, e->message);
			return false;
		}
		g_usleep(250 * 1000);
	}
}

/* ---- evidence from the guest ---- */

/* Everything read with shell built-ins but cat and od, as a fork costs
 * much under TCG. */
static const char evidence_script[] =
    "echo @interrupts; cat /proc/interrupts\n"
    "for d in /sys/bus/pci/devices/*; do\n"
    "  a=${d##*/}; read c < $d/class\n"
    "  [ -e $d/driver ] && k=1 || k=0\n"
    "  echo \"@pci $a $c $k\"\n"
    "  for x in $d/pci_bus/*; do [ -e \"$x\" ] && echo \"@bus $a ${x##*/}\"; done\n"
    "  m=; for x in $d/msi_irqs/*; do [ -e \"$x\" ] && m=\"$m ${x##*/}\"; done\n"
    "  [ -n \"$m\" ] && echo \"@msi $a$m\"\n"
    "  for x in $d/*/block/*; do [ -e \"$x\" ] && echo \"@blk $a ${x##*/}\"; done\n"
    "  case $c in 0x0604*) ;; *) [ -n \"$m\" ] && { echo \"@cfg $a\"; od -An -v -tx1 -N256 "
    "$d/config; } ;; esac\n"
    "  for i in $m; do p=; e=; read p < /proc/irq/$i/smp_affinity_list; read e < "
    "/proc/irq/$i/effective_affinity_list; echo \"@aff $i $p $e\"; done\n"
    "done\n"
    "read o < /sys/devices/system/cpu/online; echo \"@online $o\"\n"
    "read o < /proc/sys/kernel/random/boot_id; echo \"@bootid $o\"\n"
    "read o < /proc/uptime; echo \"@uptime $o\"\n";

/* One line of /proc/interrupts for an MSI or MSI-X vector of a PCI function. */
struct irq_line {
	char addr[16];  /* the function, "0000:03:00.0" */
	unsigned index; /* its MSI-X table index (MSI: vector number) */
	unsigned irq;
	uint64_t count;
	char name[64];
};

static bool parse_u64(const char **p, uint64_t *out)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	if (!g_ascii_isdigit(**p))
		return false;
	*out = g_ascii_strtoull(*p, &end, 10);
	*p = end;
	return true;
}

static const char *token(const char **p, char *buf, size_t len)
{
	size_t n = 0;

	while (**p == ' ')
		(*p)++;
	while (**p && **p != ' ') {
		if (n + 1 < len)
			buf[n++] = **p;
		(*p)++;
	}
	buf[n] = '\0';
	return n ? buf : NULL;
}

/* Reads the MSI lines of /proc/interrupts. The hwirq column names the
 * function and table index: "PCI-MSI <(domain << 27) | (bus << 19) |
 * (devfn << 11) | index>" (Linux up to 6.1), or "PCI-MSIX-<function>
 * <index>" (per-device MSI domains, later kernels). */
static void parse_interrupts(const char *const *lines, unsigned n, GArray *out)
{
	unsigned ncpu = 0;

	for (unsigned i = 0; i < n; i++) {
		const char *p = lines[i];
		char chip[64], hw[64];
		struct irq_line l = {0};
		uint64_t v, hwirq;

		if (i == 0 && strstr(p, "CPU")) {
			for (const char *q = p; (q = strstr(q, "CPU")); q += 3)
				ncpu++;
			continue;
		}
		if (!parse_u64(&p, &v) || *p != ':')
			continue;
		l.irq = (unsigned)v;
		p++;
		for (unsigned c = 0; c < ncpu; c++) {
			if (!parse_u64(&p, &v))
				break;
			l.count += v;
		}
		if (!token(&p, chip, sizeof(chip)) || !token(&p, hw, sizeof(hw)))
			continue;
		while (*p == ' ')
			p++;
		g_strlcpy(l.name, p, sizeof(l.name));
		g_strchomp(l.name);
		hwirq = g_ascii_strtoull(hw, NULL, 10);
		const char *c = g_str_has_prefix(chip, "IR-") ? chip + 3 : chip;
		if (g_str_has_prefix(c, "PCI-MSIX-") || g_str_has_prefix(c, "PCI-MSI-")) {
			g_strlcpy(l.addr, strchr(c + 4, '-') + 1, sizeof(l.addr));
			l.index = (unsigned)hwirq;
		} else if (strcmp(c, "PCI-MSI") == 0) {
			snprintf(l.addr, sizeof(l.addr), "%04x:%02x:%02x.%x",
			         (unsigned)(hwirq >> 27) & 0xffff, (unsigned)(hwirq >> 19) & 0xff,
			         (unsigned)(hwirq >> 14) & 0x1f, (unsigned)(hwirq >> 11) & 0x7);
			l.index = (unsigned)(hwirq & 0x7ff);
		} else {
			continue;
		}
		g_array_append_val(out, l);
	}
}

/* The guest's address of a function libvirt places at a (its numbering
 * of buses is its controllers' indices): bus 0 is the root; any other bus
 * is the secondary bus of the bridge that controller is in the guest. */
static char *guest_address(const struct lv_domain_def *def, GHashTable *secondary,
                           const struct lv_pci_addr *a, unsigned depth)
{
	char *up;
	const unsigned *bus;

	if (a->bus == 0)
		return g_strdup_printf("%04x:00:%02x.%x", a->domain, a->slot, a->function);
	if (depth > 8)
		return NULL;
	for (guint i = 0; i < def->controllers->len; i++) {
		const struct lv_controller *c =
		    &g_array_index(def->controllers, struct lv_controller, i);
		if (c->index != a->bus || !c->addr.set)
			continue;
		up = guest_address(def, secondary, &c->addr, depth + 1);
		bus = up ? g_hash_table_lookup(secondary, up) : NULL;
		g_free(up);
		if (!bus)
			return NULL;
		return g_strdup_printf("%04x:%02x:%02x.%x", a->domain, *bus, a->slot, a->function);
	}
	return NULL;
}

static void parse_cpus(const char *list, bool *online, unsigned n)
{
	g_auto(GStrv) parts = g_strsplit(list, ",", -1);

	memset(online, 0, n * sizeof(*online));
	for (char **p = parts; *p; p++) {
		unsigned lo, hi;
		if (sscanf(*p, "%u-%u", &lo, &hi) == 2 || (sscanf(*p, "%u", &lo) == 1 && (hi = lo)))
			for (unsigned c = lo; c <= hi && c < n; c++)
				online[c] = true;
	}
}

/* Reads the evidence into the devices; false (and a guest error) when the
 * guest could not be asked. */
static bool read_evidence(struct lv *lv, const char *phase)
{
	g_autoptr(GError) error = NULL;
	int status = 0;
	g_autofree char *out = agent_exec(lv, evidence_script, &status, &error);
	g_auto(GStrv) lines = NULL;
	g_autoptr(GHashTable) secondary =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GArray) irqs = g_array_new(FALSE, TRUE, sizeof(struct irq_line));
	g_autoptr(GPtrArray) intr = g_ptr_array_new();
	const char *section = "";

	sync_clock(lv);
	if (!out) {
		guest_error(lv, phase, -EIO, "cannot read the guest's state: %s", error->message);
		return false;
	}
	for (unsigned d = 0; d < lv->ndevs; d++) {
		struct lv_device *dev = &lv->devs[d];
		dev->present = dev->bound = dev->have_cfg = false;
		dev->blk[0] = '\0';
		dev->nmsi = 0;
		memset(dev->vec, 0, sizeof(dev->vec));
	}
	lines = g_strsplit(out, "\n", -1);
	/* First the topology, to find each device in the guest. */
	for (char **l = lines; *l; l++) {
		char a[32], b[32];
		if (sscanf(*l, "@bus %31s %31s", a, b) == 2 && strchr(b, ':')) {
			unsigned *bus = g_new(unsigned, 1);
			*bus = (unsigned)strtoul(strchr(b, ':') + 1, NULL, 16);
			g_hash_table_replace(secondary, g_strdup(a), bus);
		}
	}
	for (unsigned d = 0; d < lv->ndevs; d++)
		if (!lv->devs[d].guest_addr)
			lv->devs[d].guest_addr =
			    guest_address(lv->def, secondary, &lv->devs[d].def->guest, 0);

	struct lv_device *cfg_dev = NULL;
	unsigned cfg_len = 0;
	for (char **l = lines; *l; l++) {
		const char *line = *l;
		char a[32], c[32], word[64];
		int k;

		if (line[0] == '@') {
			section = line;
			cfg_dev = NULL;
		}
		if (g_str_has_prefix(section, "@interrupts")) {
			if (line[0] != '@')
				g_ptr_array_add(intr, (gpointer)line);
			continue;
		}
		if (sscanf(line, "@pci %31s %31s %d", a, c, &k) == 3) {
			for (unsigned d = 0; d < lv->ndevs; d++) {
				struct lv_device *dev = &lv->devs[d];
				if (dev->guest_addr && strcmp(dev->guest_addr, a) == 0) {
					dev->present = true;
					dev->bound = k == 1;
				}
			}
		} else if (sscanf(line, "@msi %31s", a) == 1) {
			for (unsigned d = 0; d < lv->ndevs; d++) {
				struct lv_device *dev = &lv->devs[d];
				if (dev->guest_addr && strcmp(dev->guest_addr, a) == 0) {
					g_auto(GStrv) w = g_strsplit(line, " ", -1);
					dev->nmsi = g_strv_length(w) - 2;
				}
			}
		} else if (sscanf(line, "@blk %31s %63s", a, word) == 2) {
			for (unsigned d = 0; d < lv->ndevs; d++) {
				struct lv_device *dev = &lv->devs[d];
				if (dev->guest_addr && strcmp(dev->guest_addr, a) == 0 &&
				    !dev->blk[0])
					g_strlcpy(dev->blk, word, sizeof(dev->blk));
			}
		} else if (sscanf(line, "@cfg %31s", a) == 1) {
			for (unsigned d = 0; d < lv->ndevs; d++)
				if (lv->devs[d].guest_addr &&
				    strcmp(lv->devs[d].guest_addr, a) == 0)
					cfg_dev = &lv->devs[d];
			cfg_len = 0;
		} else if (cfg_dev && line[0] != '@') {
			g_auto(GStrv) w = g_strsplit_set(g_strstrip(*l), " ", -1);
			for (char **x = w; *x; x++)
				if (**x && cfg_len < sizeof(cfg_dev->cfg))
					cfg_dev->cfg[cfg_len++] = (uint8_t)strtoul(*x, NULL, 16);
			cfg_dev->have_cfg = cfg_len >= 64;
		} else if (g_str_has_prefix(line, "@online ")) {
			parse_cpus(line + 8, lv->online, SCN_MAX_VCPUS);
			lv->have_online = true;
		} else if (g_str_has_prefix(line, "@bootid ")) {
			g_strlcpy(lv->boot_id, line + 8, sizeof(lv->boot_id));
		} else if (g_str_has_prefix(line, "@uptime ")) {
			lv->uptime = g_ascii_strtod(line + 8, NULL);
		}
	}
	parse_interrupts((const char *const *)intr->pdata, intr->len, irqs);
	for (guint i = 0; i < irqs->len; i++) {
		const struct irq_line *il = &g_array_index(irqs, struct irq_line, i);
		for (unsigned d = 0; d < lv->ndevs; d++) {
			struct lv_device *dev = &lv->devs[d];
			if (!dev->guest_addr || strcmp(dev->guest_addr, il->addr) != 0 ||
			    il->index >= SCN_MAX_VECTORS)
				continue;
			struct lv_vec *v = &dev->vec[il->index];
			v->present = true;
			v->irq = il->irq;
			v->count = il->count;
			v->cpu = v->first_cpu = -1;
			g_strlcpy(v->name, il->name, sizeof(v->name));
		}
	}
	/* Affinities, by IRQ number (valid for this read only). */
	for (char **l = lines; *l; l++) {
		unsigned irq;
		char aff[64] = "", eff[64] = "";
		if (sscanf(*l, "@aff %u %63s %63s", &irq, aff, eff) < 2)
			continue;
		for (unsigned d = 0; d < lv->ndevs; d++)
			for (unsigned i = 0; i < SCN_MAX_VECTORS; i++) {
				struct lv_vec *v = &lv->devs[d].vec[i];
				if (!v->present || v->irq != irq)
					continue;
				v->first_cpu = g_ascii_isdigit(aff[0]) ? atoi(aff) : -1;
				v->cpu = g_ascii_isdigit(eff[0]) ? atoi(eff) : -1;
			}
	}
	if (status != 0)
		guest_error(lv, phase, -EIO, "reading the guest's state ended with status %d",
		            status);
	{
		g_autofree char *b = jq(lv->boot_id);
		TRACE(lv->e, "libvirt", "evidence",
		      "\"phase\":\"%s\",\"boot_id\":%s,\"uptime\":%.2f,\"interrupt_lines\":%u",
		      phase, b, lv->uptime, irqs->len);
	}
	for (unsigned d = 0; d < lv->ndevs; d++) {
		struct lv_device *dev = &lv->devs[d];
		for (unsigned i = 0; i < SCN_MAX_VECTORS; i++) {
			struct lv_vec *v = &dev->vec[i];
			g_autofree char *n = NULL;
			if (!v->present)
				continue;
			n = jq(v->name);
			TRACE(lv->e, "libvirt", "vector",
			      "\"device\":\"%s\",\"vector\":%u,\"irq\":%u,\"name\":%s,\"count\":"
			      "%" PRIu64 ",\"cpu\":%d",
			      dev->name, i, v->irq, n, v->count, v->cpu);
		}
	}
	return status == 0;
}

/* ---- config space ---- */

struct cfg_facts {
	uint16_t command;
	unsigned pm_state;
	bool msi_enabled, msix_enabled, msix_masked;
	unsigned msix_size;
};

static void cfg_decode(const uint8_t *c, struct cfg_facts *f)
{
	unsigned p;

	memset(f, 0, sizeof(*f));
	f->command = (uint16_t)(c[4] | c[5] << 8);
	if (!(c[6] & 0x10)) /* no capability list */
		return;
	p = c[0x34] & 0xfc;
	for (unsigned n = 0; p >= 0x40 && p <= 0xf8 && n < 48; n++) {
		uint16_t ctl = (uint16_t)(c[p + 2] | c[p + 3] << 8);
		switch (c[p]) {
		case 0x01: /* power management: PMCSR at +4 */
			f->pm_state = c[p + 4] & 3;
			break;
		case 0x05: /* MSI */
			f->msi_enabled = ctl & 1;
			break;
		case 0x11: /* MSI-X */
			f->msix_size = (ctl & 0x7ff) + 1u;
			f->msix_enabled = ctl & 0x8000;
			f->msix_masked = ctl & 0x4000;
			break;
		}
		p = c[p + 1] & 0xfc;
	}
}

/* ---- creation ---- */

static void lv_destroy(void *b)
{
	struct lv *lv = b;

	if (!lv)
		return;
	if (lv->dom) {
		/* Leave the domain off, as the next scenario's boot needs it. */
		if (virDomainIsActive(lv->dom) == 1)
			virDomainDestroy(lv->dom);
		if (lv->callback >= 0)
			virConnectDomainEventDeregisterAny(lv->conn, lv->callback);
		virDomainFree(lv->dom);
	}
	if (lv->conn)
		virConnectClose(lv->conn);
	if (lv->ev)
		events_release(lv->ev);
	lv_domain_def_free(lv->def);
	for (unsigned d = 0; d < lv->ndevs; d++)
		g_free(lv->devs[d].guest_addr);
	g_free(lv->devs);
	if (lv->fires)
		g_array_free(lv->fires, TRUE);
	if (lv->pending)
		g_array_free(lv->pending, TRUE);
	if (lv->errors)
		g_ptr_array_free(lv->errors, TRUE);
	g_free(lv->blocked_task);
	g_free(lv->blocked_on);
	engine_free(lv->e);
	g_free(lv);
}

static bool has_op(const struct scenario *s, enum scn_op op)
{
	for (unsigned i = 0; i < s->nsteps; i++)
		if (s->steps[i].op == op)
			return true;
	return false;
}

/* What the domain must offer for s; false and *error if it does not. */
static bool check_domain(struct lv *lv, const struct scenario *s, const char *name, GError **error)
{
	const struct lv_domain_def *def = lv->def;
	int state = 0, reason = 0;

	if (virDomainGetState(lv->dom, &state, &reason, 0) < 0) {
		g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN, "domain \"%s\": %s", name,
		            lv_last_error());
		return false;
	}
	if (state != VIR_DOMAIN_SHUTOFF) {
		g_set_error(error, LV_ERROR, LV_ERROR_SETUP,
		            "domain \"%s\" is not shut off: the scenario's boot step starts it "
		            "(virsh destroy %s)",
		            name, name);
		return false;
	}
	if (def->vcpus != s->vcpus) {
		g_set_error(error, LV_ERROR, LV_ERROR_SETUP,
		            "the scenario has %u vCPU(s), domain \"%s\" boots with %u (--set "
		            "vm.vcpus=%u)",
		            s->vcpus, name, def->vcpus, def->vcpus);
		return false;
	}
	if (!def->agent_channel) {
		g_set_error(
		    error, LV_ERROR, LV_ERROR_SETUP,
		    "domain \"%s\" has no guest agent channel (<channel type='unix'><target "
		    "type='virtio' name='org.qemu.guest_agent.0'/></channel>); the backend "
		    "reads all its evidence through the agent",
		    name);
		return false;
	}
	if (has_op(s, OP_HIBERNATE) && def->suspend_to_disk == LV_NO) {
		g_set_error(
		    error, LV_ERROR, LV_ERROR_SETUP,
		    "domain \"%s\" has <pm><suspend-to-disk enabled='no'/>: libvirt refuses "
		    "to hibernate it",
		    name);
		return false;
	}
	for (unsigned i = 0; i < s->ndevices; i++) {
		const struct lv_dev *dev = lv_domain_def_find(def, s->devices[i].name);
		GString *have;

		if (dev && dev->guest.set)
			continue;
		if (dev) {
			g_set_error(
			    error, LV_ERROR, LV_ERROR_SETUP,
			    "device %s of domain \"%s\" has no PCI address in its definition",
			    s->devices[i].name, name);
			return false;
		}
		have = g_string_new(NULL);
		for (guint k = 0; k < def->devs->len; k++) {
			const struct lv_dev *d = &g_array_index(def->devs, struct lv_dev, k);
			if (d->guest.set)
				g_string_append_printf(have, "%s%s", have->len ? ", " : "",
				                       d->name);
		}
		g_set_error(error, LV_ERROR, LV_ERROR_SETUP,
		            "domain \"%s\" has no device \"%s\" (devices on PCI: %s); name a "
		            "device by its disk target (vdb), hostdevN or user alias",
		            name, s->devices[i].name, have->len ? have->str : "none");
		g_string_free(have, TRUE);
		return false;
	}
	for (unsigned i = 0; i < s->nsteps; i++) {
		const struct scn_step *st = &s->steps[i];
		const struct lv_dev *dev;
		const char *dn;

		if (st->op != OP_FIRE)
			continue;
		dn = s->devices[st->device].name;
		dev = lv_domain_def_find(def, dn);
		if (dev->kind != LV_DEV_DISK || !dev->bus || strcmp(dev->bus, "virtio") != 0) {
			g_set_error(error, LV_ERROR, LV_ERROR_SETUP,
			            "%s:%u: steps[%u]: this backend makes a device fire by reading "
			            "from it, which it can do for virtio disks only; %s is %s",
			            s->file, st->line, i, dn,
			            dev->kind == LV_DEV_HOSTDEV ? "a PCI host device" : "not one");
			return false;
		}
		bool zero = st->all_vectors;
		for (unsigned k = 0; k < st->nvectors; k++)
			zero = zero || st->vectors[k] == 0;
		if (zero) {
			g_set_error(
			    error, LV_ERROR, LV_ERROR_SETUP,
			    "%s:%u: steps[%u]: vector 0 of %s is virtio's configuration-change "
			    "vector, which reads cannot make fire; list the request-queue "
			    "vectors (\"vectors\": [1, ...])",
			    s->file, st->line, i, dn);
			return false;
		}
	}
	return true;
}

static void *lv_create(const struct scenario *s, const struct backend_config *cfg, GError **error)
{
	struct lv *lv;
	g_autofree char *xml = NULL, *qn = NULL, *qu = NULL;

	if (!cfg->domain) {
		g_set_error(error, LV_ERROR, LV_ERROR_SETUP, "the libvirt backend needs a domain");
		return NULL;
	}
	event_loop_start();
	lv = g_new0(struct lv, 1);
	lv->s = s;
	lv->callback = -1;
	lv->t0 = g_get_monotonic_time();
	lv->last_power_off = OBS_NEVER;
	lv->e = engine_new(cfg->seed);
	if (cfg->trace)
		engine_set_trace(lv->e, cfg->trace);
	lv->fires = g_array_new(FALSE, TRUE, sizeof(struct lv_fire));
	g_array_set_clear_func(lv->fires, fire_clear);
	lv->pending = g_array_new(FALSE, TRUE, sizeof(struct lv_pending_fire));
	lv->errors = g_ptr_array_new_with_free_func(guest_error_free);
	lv->conn = lv_open(cfg->connect, error);
	if (!lv->conn)
		goto fail;
	lv->dom = virDomainLookupByName(lv->conn, cfg->domain);
	if (!lv->dom) {
		g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN, "no domain \"%s\" on %s: %s",
		            cfg->domain, cfg->connect ? cfg->connect : "libvirt's default",
		            lv_last_error());
		goto fail;
	}
	xml = virDomainGetXMLDesc(lv->dom, VIR_DOMAIN_XML_INACTIVE);
	if (!xml) {
		g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN, "domain \"%s\": %s", cfg->domain,
		            lv_last_error());
		goto fail;
	}
	lv->def = lv_domain_def_parse(xml, error);
	if (!lv->def || !check_domain(lv, s, cfg->domain, error))
		goto fail;
	lv->ndevs = s->ndevices;
	lv->devs = g_new0(struct lv_device, lv->ndevs);
	for (unsigned i = 0; i < lv->ndevs; i++) {
		lv->devs[i].def = lv_domain_def_find(lv->def, s->devices[i].name);
		lv->devs[i].name = s->devices[i].name;
		lv->devs[i].vectors = s->devices[i].vectors;
	}
	lv->ev = g_atomic_rc_box_new0(struct lv_events);
	g_mutex_init(&lv->ev->lock);
	g_cond_init(&lv->ev->cond);
	lv->callback =
	    virConnectDomainEventRegisterAny(lv->conn, lv->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
	                                     VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
	                                     g_atomic_rc_box_acquire(lv->ev), events_release);
	if (lv->callback < 0) {
		events_release(lv->ev);
		g_set_error(error, LV_ERROR, LV_ERROR_CONNECT,
		            "cannot follow the events of domain \"%s\": %s", cfg->domain,
		            lv_last_error());
		goto fail;
	}
	lv->obs = (struct observation){&lv_observation, lv};
	qn = jq(cfg->domain);
	qu = jq(cfg->connect ? cfg->connect : "");
	TRACE(lv->e, "libvirt", "domain", "\"name\":%s,\"uri\":%s,\"vcpus\":%u", qn, qu,
	      lv->def->vcpus);
	return lv;
fail:
	lv_destroy(lv);
	return NULL;
}

static bool lv_supports_scenario(const struct scenario *s, char **why)
{
	static const struct host_assumptions strictest;

	if (memcmp(&s->host, &strictest, sizeof(strictest)) != 0) {
		*why = g_strdup("\"host\": host assumptions switch what the simulated host does; a "
		                "real hypervisor does what it does");
		return false;
	}
	for (unsigned d = 0; d < s->ndevices; d++) {
		if (s->devices[d].msi) {
			*why = g_strdup_printf("device \"%s\": \"interrupts\": \"msi\" makes the "
			                       "simulated function MSI-only; the real VM's devices "
			                       "are what the domain gives them",
			                       s->devices[d].name);
			return false;
		}
	}
	if (s->nfaults) {
		*why = g_strdup_printf("fault rule \"%s\": fault rules act on the simulated host "
		                       "(hypercalls, VMBus, the vPCI service provider); a real "
		                       "hypervisor has no such hook",
		                       s->faults[0].name);
		return false;
	}
	for (unsigned r = 0; r < TP__COUNT; r++) {
		if (!s->reach[r] || r == TP_POWER_OFF || r == TP_INTERRUPT_DELIVERED)
			continue;
		*why = g_strdup_printf("reach \"%s\": only \"power-off\" and "
		                       "\"interrupt-delivered\" can be seen on a real VM",
		                       tracepoint_name(r));
		return false;
	}
	return true;
}

static bool lv_supports(const struct scenario *s, const struct scn_step *st, char **why)
{
	(void)s;
	switch (st->op) {
	case OP_FAULT:
		*why = g_strdup("fault rules act on the simulated host; a real hypervisor has no "
		                "such hook");
		return false;
	case OP_SET_AFFINITY:
		*why = g_strdup("writing /proc/irq/N/smp_affinity through the guest agent is not "
		                "done yet");
		return false;
	case OP_CPU_OFFLINE:
	case OP_CPU_ONLINE:
		*why = g_strdup("a real guest shuts down the managed interrupts of an offline "
		                "CPU's queues rather than migrating them, which this backend "
		                "cannot judge yet");
		return false;
	default:
		return true;
	}
}

static struct engine *lv_engine(void *b)
{
	return ((struct lv *)b)->e;
}

/* ---- power transitions ---- */

static void set_blocked(struct lv *lv, const char *task, const char *on)
{
	g_free(lv->blocked_task);
	g_free(lv->blocked_on);
	lv->blocked_task = g_strdup(task);
	lv->blocked_on = g_strdup(on);
}

/* Starts the domain and waits for its agent; false if the guest is stuck. */
static bool start_and_wait(struct lv *lv, const char *phase, int *result)
{
	g_autoptr(GError) error = NULL;

	g_mutex_lock(&lv->ev->lock);
	lv->ev->pmsuspended_disk = lv->ev->stopped = false;
	g_mutex_unlock(&lv->ev->lock);
	if (virDomainCreate(lv->dom) < 0) {
		/* Nothing further can happen: the run stops, and says why. */
		g_autofree char *on =
		    g_strdup_printf("the domain to start (libvirt: %s)", lv_last_error());
		sync_clock(lv);
		set_blocked(lv, phase, on);
		*result = -EIO;
		return false;
	}
	lv->powered = true;
	sync_clock(lv);
	TRACE(lv->e, "libvirt", "started", "\"phase\":\"%s\"", phase);
	if (!wait_agent(lv, &error)) {
		g_autofree char *on = g_strdup_printf("the guest agent: %s", error->message);
		sync_clock(lv);
		set_blocked(lv, phase, on);
		*result = -ETIMEDOUT;
		return false;
	}
	sync_clock(lv);
	TRACE(lv->e, "libvirt", "agent-ready", "\"phase\":\"%s\"", phase);
	*result = read_evidence(lv, phase) ? 0 : -EIO;
	return true;
}

static void check_devices(struct lv *lv, const char *phase)
{
	for (unsigned d = 0; d < lv->ndevs; d++) {
		struct lv_device *dev = &lv->devs[d];
		struct cfg_facts f;

		if (!dev->guest_addr || !dev->present) {
			g_autofree char *at = lv_pci_addr_str(&dev->def->guest);
			guest_error(lv, phase, -ENODEV,
			            "%s (PCI %s in libvirt's numbering) is not in the guest",
			            dev->name, at);
			continue;
		}
		if (!dev->have_cfg)
			continue;
		cfg_decode(dev->cfg, &f);
		if (f.msix_size && f.msix_size != dev->vectors)
			guest_error(
			    lv, phase, -EINVAL,
			    "%s (%s) has %u MSI-X vectors in the guest; the scenario says %u",
			    dev->name, dev->guest_addr, f.msix_size, dev->vectors);
	}
}

static bool lv_boot(void *b, int *result)
{
	struct lv *lv = b;
	bool done = start_and_wait(lv, "boot", result);

	if (done && *result == 0)
		check_devices(lv, "boot");
	sync_clock(lv);
	return done;
}

static bool lv_hibernate(void *b, int *result)
{
	struct lv *lv = b;
	gint64 deadline;
	bool pm, stopped;
	int detail;

	if (!read_evidence(lv, "hibernate")) {
		*result = -EIO;
		return true;
	}
	g_mutex_lock(&lv->ev->lock);
	lv->ev->pmsuspended_disk = lv->ev->stopped = false;
	g_mutex_unlock(&lv->ev->lock);
	TRACE(lv->e, "libvirt", "suspend", "\"target\":\"disk\"");
	if (virDomainPMSuspendForDuration(lv->dom, VIR_NODE_SUSPEND_TARGET_DISK, 0, 0) < 0) {
		guest_error(lv, "hibernate", -EIO, "libvirt cannot hibernate the domain: %s",
		            lv_last_error());
		*result = -EIO;
		return true;
	}
	deadline = g_get_monotonic_time() + POWER_OFF_TIMEOUT_S * G_USEC_PER_SEC;
	g_mutex_lock(&lv->ev->lock);
	while (!lv->ev->stopped && g_cond_wait_until(&lv->ev->cond, &lv->ev->lock, deadline))
		;
	pm = lv->ev->pmsuspended_disk;
	stopped = lv->ev->stopped;
	detail = lv->ev->stopped_detail;
	g_mutex_unlock(&lv->ev->lock);
	sync_clock(lv);
	if (!stopped) {
		/* guest-suspend-disk has no reply: a guest that cannot hibernate
		 * (no swap, say) keeps running, and this is the only sign. */
		guest_error(lv, "hibernate", -ETIMEDOUT,
		            "the guest did not hibernate: the domain still runs %d s after the "
		            "request (has it swap to write its image to?)",
		            POWER_OFF_TIMEOUT_S);
		*result = -ETIMEDOUT;
		return true;
	}
	lv->powered = false;
	lv->last_power_off = engine_now(lv->e);
	if (!pm) {
		guest_error(lv, "hibernate", -EIO,
		            "the domain stopped (libvirt's reason %d) without suspending to disk: "
		            "the guest powered off instead of hibernating",
		            detail);
		*result = -EIO;
		return true;
	}
	TRACE(lv->e, "libvirt", "power-off", "\"pmsuspended_disk\":true,\"stopped_detail\":%d",
	      detail);
	tp_hit(lv->e, TP_POWER_OFF, NULL);
	*result = 0;
	return true;
}

static bool lv_resume(void *b, int *result)
{
	struct lv *lv = b;
	char boot_id[sizeof(lv->boot_id)];
	double uptime = lv->uptime;
	bool done;

	g_autofree struct lv_vec *was = g_new(struct lv_vec, lv->ndevs * SCN_MAX_VECTORS + 1);
	unsigned renumbered = 0, renamed = 0, restarted = 0, kept = 0;

	g_strlcpy(boot_id, lv->boot_id, sizeof(boot_id));
	for (unsigned d = 0; d < lv->ndevs; d++)
		memcpy(&was[d * SCN_MAX_VECTORS], lv->devs[d].vec, sizeof(lv->devs[d].vec));
	done = start_and_wait(lv, "resume", result);
	if (!done || *result)
		return done;
	/* The vectors are known by function and table index; what the guest
	 * did to them across the cycle is worth a line in the trace. */
	for (unsigned d = 0; d < lv->ndevs; d++)
		for (unsigned i = 0; i < SCN_MAX_VECTORS; i++) {
			const struct lv_vec *a = &was[d * SCN_MAX_VECTORS + i];
			const struct lv_vec *b = &lv->devs[d].vec[i];
			if (!a->present || !b->present)
				continue;
			kept++;
			renumbered += a->irq != b->irq;
			renamed += strcmp(a->name, b->name) != 0;
			restarted += b->count < a->count;
		}
	if (strcmp(boot_id, lv->boot_id) != 0) {
		guest_error(lv, "resume", -EIO,
		            "the guest booted afresh instead of resuming its hibernation image "
		            "(boot_id %s before, %s now)",
		            boot_id, lv->boot_id);
		*result = -EIO;
		return true;
	}
	TRACE(lv->e, "libvirt", "resumed",
	      "\"boot_id_kept\":true,\"uptime_before\":%.2f,\"uptime_after\":%.2f,"
	      "\"vectors\":%u,\"irq_renumbered\":%u,\"renamed\":%u,\"count_restarted\":%u",
	      uptime, lv->uptime, kept, renumbered, renamed, restarted);
	check_devices(lv, "resume");
	return true;
}

static bool lv_cpu_unsupported(void *b, unsigned cpu, int *result)
{
	(void)b;
	(void)cpu;
	*result = -EOPNOTSUPP; /* refused by lv_supports before anything runs */
	return true;
}

/* ---- fire ---- */

static void lv_fire(void *b, unsigned dev, unsigned vector)
{
	struct lv *lv = b;
	struct lv_pending_fire f = {.dev = dev, .vector = vector};

	if (dev >= lv->ndevs)
		return;
	sync_clock(lv);
	f.time = engine_now(lv->e);
	g_array_append_val(lv->pending, f);
}

static bool count_of(const GArray *irqs, const char *addr, unsigned index, uint64_t *count)
{
	for (guint i = 0; i < irqs->len; i++) {
		const struct irq_line *l = &g_array_index(irqs, struct irq_line, i);
		if (strcmp(l->addr, addr) == 0 && l->index == index) {
			*count = l->count;
			return true;
		}
	}
	return false;
}

static void add_fire(struct lv *lv, const struct lv_pending_fire *p, uint64_t before,
                     uint64_t after, char *reason)
{
	struct lv_fire f = {0};
	g_autofree char *q = jq(reason);

	f.r = (struct obs_fire){
	    .id = lv->fires->len,
	    .dev = p->dev,
	    .vector = p->vector,
	    .time = p->time,
	    .outcome = OBS_FIRE_COUNTED,
	    .done_time = engine_now(lv->e),
	    .count_before = before,
	    .count_after = after,
	};
	f.reason = reason;
	g_array_append_val(lv->fires, f);
	TRACE(lv->e, "libvirt", "fire",
	      "\"device\":\"%s\",\"vector\":%u,\"before\":%" PRIu64 ",\"after\":%" PRIu64
	      ",\"evidence\":%s",
	      lv->devs[p->dev].name, p->vector, before, after, q);
	if (after > before)
		tp_hit(lv->e, TP_INTERRUPT_DELIVERED, NULL);
}

/* Makes every pending fire happen in one guest command: the counts, the
 * reads, the counts again. */
static void lv_settle(void *b)
{
	struct lv *lv = b;
	g_autoptr(GString) script = g_string_new("echo @before; cat /proc/interrupts\n");
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GArray) before = g_array_new(FALSE, TRUE, sizeof(struct irq_line));
	g_autoptr(GArray) after = g_array_new(FALSE, TRUE, sizeof(struct irq_line));
	g_autoptr(GPtrArray) bl = g_ptr_array_new(), al = g_ptr_array_new();
	g_autofree int *cpu = g_new0(int, lv->pending->len + 1);
	g_autofree int *io = g_new0(int, lv->pending->len + 1);
	int status = 0;
	GPtrArray *into = NULL;

	sync_clock(lv);
	if (!lv->pending->len)
		return;
	for (guint i = 0; i < lv->pending->len; i++) {
		const struct lv_pending_fire *p =
		    &g_array_index(lv->pending, struct lv_pending_fire, i);
		const struct lv_device *dev = &lv->devs[p->dev];
		const struct lv_vec *v = &dev->vec[p->vector];

		io[i] = -1; /* not attempted */
		if (!dev->blk[0] || !v->present)
			continue;
		cpu[i] = v->first_cpu >= 0 ? v->first_cpu : 0;
		g_string_append_printf(script,
		                       "taskset -c %d dd if=/dev/%s of=/dev/null bs=4096 count=%d "
		                       "iflag=direct 2>/dev/null; echo \"@io %u $?\"\n",
		                       cpu[i], dev->blk, FIRE_READS, i);
	}
	g_string_append(script, "echo @after; cat /proc/interrupts\n");
	out = lv->powered ? agent_exec(lv, script->str, &status, &error) : NULL;
	sync_clock(lv);
	if (!out) {
		guest_error(lv, "fire", -EIO, "cannot make the devices fire: %s",
		            error ? error->message : "the domain is not running");
		g_array_set_size(lv->pending, 0);
		return;
	}
	lines = g_strsplit(out, "\n", -1);
	for (char **l = lines; *l; l++) {
		unsigned i;
		int st;
		if (strcmp(*l, "@before") == 0)
			into = bl;
		else if (strcmp(*l, "@after") == 0)
			into = al;
		else if (sscanf(*l, "@io %u %d", &i, &st) == 2 && i < lv->pending->len)
			io[i] = st, into = NULL;
		else if (into)
			g_ptr_array_add(into, *l);
	}
	parse_interrupts((const char *const *)bl->pdata, bl->len, before);
	parse_interrupts((const char *const *)al->pdata, al->len, after);

	for (guint i = 0; i < lv->pending->len; i++) {
		const struct lv_pending_fire *p =
		    &g_array_index(lv->pending, struct lv_pending_fire, i);
		struct lv_device *dev = &lv->devs[p->dev];
		struct lv_vec *v = &dev->vec[p->vector];
		uint64_t c0 = 0, c1 = 0;

		if (!dev->blk[0]) {
			guest_error(lv, "fire", -ENODEV,
			            "cannot make %s fire: the guest has no block device on it",
			            dev->name);
			continue;
		}
		if (!v->present || !dev->guest_addr) {
			add_fire(
			    lv, p, 0, 0,
			    g_strdup_printf("the guest has no interrupt for vector %u of %s (no "
			                    "line for it in /proc/interrupts)",
			                    p->vector, dev->name));
			continue;
		}
		if (io[i] != 0) {
			guest_error(
			    lv, "fire", -EIO,
			    "reading /dev/%s on CPU %d to make vector %u fire failed (%s %d)",
			    dev->blk, cpu[i], p->vector, io[i] < 0 ? "no status" : "status", io[i]);
			continue;
		}
		bool had = count_of(before, dev->guest_addr, p->vector, &c0);
		bool has = count_of(after, dev->guest_addr, p->vector, &c1);
		if (has)
			v->count = c1;
		add_fire(lv, p, c0, c1,
		         g_strdup_printf("%s (irq %u) counted %" PRIu64 " before and %" PRIu64
		                         " after %d direct reads of /dev/%s on CPU %d%s",
		                         v->name, v->irq, c0, c1, FIRE_READS, dev->blk, cpu[i],
		                         had && has ? "" : " (its line vanished meanwhile)"));
	}
	g_array_set_size(lv->pending, 0);
	if (status != 0)
		guest_error(lv, "fire", -EIO, "the guest's fire command ended with status %d",
		            status);
}

static void lv_advance(void *b, uint64_t ns)
{
	struct lv *lv = b;

	g_usleep(ns / NSEC_PER_USEC);
	sync_clock(lv);
}

static bool lv_set_fault(void *b, const char *name, bool enabled)
{
	(void)b;
	(void)name;
	(void)enabled;
	return false; /* refused by lv_supports before anything runs */
}

static const struct observation *lv_observe(void *b)
{
	return &((struct lv *)b)->obs;
}

/* ---- the observation API from the guest's evidence ---- */

static void obs_lv_vm(void *b, struct obs_vm *out)
{
	struct lv *lv = b;

	out->powered = lv->powered;
	out->last_power_off = lv->last_power_off;
	out->vcpus = lv->def->vcpus;
}

static bool obs_lv_vcpu_online(void *b, unsigned vcpu)
{
	struct lv *lv = b;

	if (!lv->have_online)
		return vcpu < lv->def->vcpus;
	return vcpu < SCN_MAX_VCPUS && lv->online[vcpu];
}

static unsigned obs_lv_device_count(void *b)
{
	return ((struct lv *)b)->ndevs;
}

static bool obs_lv_device(void *b, unsigned d, struct obs_device *out)
{
	struct lv *lv = b;
	struct lv_device *dev;
	struct cfg_facts f;

	if (d >= lv->ndevs)
		return false;
	dev = &lv->devs[d];
	memset(out, 0, sizeof(*out));
	out->name = dev->name;
	/* Until the guest has shown its config space, the scenario's size. */
	out->msix_table_size = dev->vectors;
	out->guest_present = dev->present;
	out->guest_bus_installed = dev->present;
	out->guest_bound = dev->bound;
	if (!dev->have_cfg)
		return true;
	cfg_decode(dev->cfg, &f);
	out->pm_state = f.pm_state;
	out->command = f.command;
	out->msix_enabled = f.msix_enabled;
	out->msix_function_masked = f.msix_masked;
	out->msi_enabled = f.msi_enabled;
	if (f.msix_size)
		out->msix_table_size = f.msix_size;
	out->guest_d0 = f.pm_state == 0;
	out->guest_msix_enabled = f.msix_enabled;
	out->guest_nvec = dev->nmsi;
	return true;
}

static bool obs_lv_msix_entry(void *b, unsigned dev, unsigned i, struct obs_msix_entry *out)
{
	(void)b;
	(void)dev;
	(void)i;
	(void)out;
	return false; /* the table is in device memory the guest agent cannot read */
}

/* Only the fields the guest shows: the irq, that it is requested (it has
 * a line with an action), its count and its CPU. */
static bool obs_lv_irq(void *b, unsigned d, unsigned vector, struct obs_irq *out)
{
	struct lv *lv = b;
	const struct lv_vec *v;

	if (d >= lv->ndevs || vector >= SCN_MAX_VECTORS || !lv->powered)
		return false;
	v = &lv->devs[d].vec[vector];
	if (!v->present)
		return false;
	*out = (struct obs_irq){
	    .irq = v->irq,
	    .activated = true,
	    .requested = true,
	    .cpu = v->cpu >= 0 ? (unsigned)v->cpu : 0,
	    .count = v->count,
	};
	return true;
}

static int obs_lv_vector_owner(void *b, unsigned cpu, unsigned vector)
{
	(void)b;
	(void)cpu;
	(void)vector;
	return -1; /* CPU vectors are not visible from user space */
}

static bool obs_lv_remap_lookup(void *b, unsigned dev, uint64_t address, uint32_t data,
                                struct obs_remap *out)
{
	(void)b;
	(void)dev;
	(void)address;
	(void)data;
	(void)out;
	return false; /* the hypervisor's remapping is not visible */
}

static unsigned obs_lv_remap_count(void *b)
{
	(void)b;
	return 0;
}

static bool obs_lv_remap_get(void *b, unsigned i, struct obs_remap *out)
{
	(void)b;
	(void)i;
	(void)out;
	return false;
}

static unsigned obs_lv_fire_count(void *b)
{
	return ((struct lv *)b)->fires->len;
}

static bool obs_lv_fire(void *b, unsigned id, struct obs_fire *out)
{
	struct lv *lv = b;
	const struct lv_fire *f;

	if (id >= lv->fires->len)
		return false;
	f = &g_array_index(lv->fires, struct lv_fire, id);
	if (f->released)
		return false;
	*out = f->r;
	out->reason = f->reason;
	return true;
}

static void obs_lv_fire_release(void *b, unsigned below, const unsigned *keep, unsigned nkeep)
{
	struct lv *lv = b;

	for (unsigned id = 0; id < below && id < lv->fires->len; id++) {
		struct lv_fire *f = &g_array_index(lv->fires, struct lv_fire, id);
		bool kept = false;
		for (unsigned k = 0; k < nkeep; k++)
			kept = kept || keep[k] == id;
		if (kept || f->released)
			continue;
		f->released = true;
		g_clear_pointer(&f->reason, g_free);
	}
}

static unsigned obs_lv_guest_error_count(void *b)
{
	return ((struct lv *)b)->errors->len;
}

static bool obs_lv_guest_error(void *b, unsigned i, struct obs_guest_error *out)
{
	struct lv *lv = b;
	const struct lv_guest_error *g;

	if (i >= lv->errors->len)
		return false;
	g = g_ptr_array_index(lv->errors, i);
	*out =
	    (struct obs_guest_error){g->time, g->phase, g->task, g->err, g->message, false, false};
	return true;
}

static void obs_lv_blocked_tasks(void *b, obs_task_fn fn, void *ctx)
{
	struct lv *lv = b;

	if (lv->blocked_task)
		fn(ctx, lv->blocked_task, lv->blocked_on);
}

static const struct observation_ops lv_observation = {
    .vm = obs_lv_vm,
    .vcpu_online = obs_lv_vcpu_online,
    .device_count = obs_lv_device_count,
    .device = obs_lv_device,
    .msix_entry = obs_lv_msix_entry,
    .irq = obs_lv_irq,
    .vector_owner = obs_lv_vector_owner,
    .handled = NULL, /* a real guest takes interrupts no step caused */
    .remap_lookup = obs_lv_remap_lookup,
    .remap_count = obs_lv_remap_count,
    .remap_get = obs_lv_remap_get,
    .fire_count = obs_lv_fire_count,
    .fire = obs_lv_fire,
    .fire_release = obs_lv_fire_release,
    .guest_error_count = obs_lv_guest_error_count,
    .guest_error = obs_lv_guest_error,
    .blocked_tasks = obs_lv_blocked_tasks,
};

const struct backend_ops backend_libvirt = {
    .name = "libvirt",
    .create = lv_create,
    .destroy = lv_destroy,
    .supports = lv_supports,
    .supports_scenario = lv_supports_scenario,
    .engine = lv_engine,
    .boot = lv_boot,
    .hibernate = lv_hibernate,
    .resume = lv_resume,
    .cpu_offline = lv_cpu_unsupported,
    .cpu_online = lv_cpu_unsupported,
    .fire = lv_fire,
    .settle = lv_settle,
    .advance = lv_advance,
    .set_fault = lv_set_fault,
    .observe = lv_observe,
};
