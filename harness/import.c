/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvpci-sim import: writes a scenario skeleton from a VM people already
 * have. The definition is always read through libvirt, so what libvirt
 * rejects is rejected here with libvirt's own words: a domain XML file is
 * loaded by libvirt's test driver (test:///node.xml naming the file), a
 * running installation's domain through its connection.
 *
 * What goes into the skeleton: the vCPUs the domain boots with; each PCI
 * <hostdev> as a device (named hostdevN, as libvirt names it, or by its
 * user alias), with the vendor and device IDs of the host's function when
 * the host knows it, and a driver model guessed from its class (display
 * controllers keep their vectors, as GPU drivers do; others re-request
 * them); the <hyperv> enlightenments and <pm> settings in the description,
 * as the format has no field for them; and the steps boot, fire every
 * device, hibernate, resume, fire every device.
 */
#include "import.h"

#include "libvirt-util.h"
#include "scenario.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_FAILED 1
#define EXIT_USAGE  2

/* Libvirt does not know how many MSI-X vectors a function has. */
#define IMPORT_VECTORS 8

static void json_str(GString *out, const char *s)
{
	json_object *o = json_object_new_string(s);

	g_string_append(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

struct imported_dev {
	const struct lv_dev *dev;
	bool known; /* the host has the function */
	unsigned vendor, device;
	int class_code;
	const char *driver;
};

static void describe(GString *d, const struct lv_domain_def *def, const char *origin,
                     const struct imported_dev *devs, unsigned ndevs, unsigned vcpus)
{
	g_string_append_printf(d, "Imported from libvirt domain \"%s\" (%s). ", def->name, origin);
	g_string_append_printf(d, "%u vCPU(s)", vcpus);
	if (vcpus != def->vcpus)
		g_string_append_printf(d,
		                       " (the domain boots with %u; a scenario holds at most %u)",
		                       def->vcpus, SCN_MAX_VCPUS);
	else if (def->vcpus_max > def->vcpus)
		g_string_append_printf(d, " (of %u; those not online at boot are not modelled)",
		                       def->vcpus_max);
	g_string_append(d, ". ");
	for (unsigned i = 0; i < ndevs; i++) {
		const struct imported_dev *x = &devs[i];
		g_autofree char *host = lv_pci_addr_str(&x->dev->host);

		g_string_append_printf(d, "%s: host PCI function %s", x->dev->name, host);
		if (!x->known)
			g_string_append(d,
			                ", not found on this host (vendor and device IDs left at "
			                "the defaults)");
		else if (x->class_code >= 0)
			g_string_append_printf(d, ", vendor 0x%04x device 0x%04x class 0x%06x",
			                       x->vendor, x->device, (unsigned)x->class_code);
		else
			g_string_append_printf(d, ", vendor 0x%04x device 0x%04x", x->vendor,
			                       x->device);
		g_string_append_printf(d, ", driver model %s. ", x->driver);
	}
	if (def->hyperv->len) {
		g_string_append_printf(d, "Hyper-V enlightenments (mode %s): ", def->hyperv_mode);
		for (guint i = 0; i < def->hyperv->len; i++)
			g_string_append_printf(d, "%s%s", i ? ", " : "",
			                       (const char *)g_ptr_array_index(def->hyperv, i));
		g_string_append(d, ". ");
	} else {
		g_string_append(d, "No Hyper-V enlightenments. ");
	}
	g_string_append(d, "Power management: ");
	g_string_append(d, def->suspend_to_disk == LV_YES  ? "suspend-to-disk enabled"
	                   : def->suspend_to_disk == LV_NO ? "suspend-to-disk disabled (libvirt "
	                                                     "refuses to hibernate this domain)"
	                                                   : "suspend-to-disk not set");
	g_string_append(d, def->suspend_to_mem == LV_YES  ? ", suspend-to-mem enabled"
	                   : def->suspend_to_mem == LV_NO ? ", suspend-to-mem disabled"
	                                                  : ", suspend-to-mem not set");
	g_string_append_printf(d,
	                       ". Check each device's vectors (libvirt does not record MSI-X "
	                       "table sizes; %u assumed) and driver model (guessed from the "
	                       "PCI class: display controllers keep their vectors).",
	                       IMPORT_VECTORS);
}

static void fire_all(GString *s, const struct imported_dev *devs, unsigned ndevs)
{
	for (unsigned i = 0; i < ndevs; i++) {
		g_string_append(s, "    { \"op\": \"fire\", \"device\": ");
		json_str(s, devs[i].dev->name);
		g_string_append(s, " },\n");
	}
}

static char *skeleton(virConnectPtr c, const struct lv_domain_def *def, const char *origin,
                      GError **error)
{
	g_autofree struct imported_dev *devs = g_new0(struct imported_dev, def->devs->len + 1);
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GString) d = g_string_new(NULL);
	unsigned ndevs = 0, vcpus = CLAMP(def->vcpus, 1, SCN_MAX_VCPUS);

	for (guint i = 0; i < def->devs->len; i++) {
		const struct lv_dev *dev = &g_array_index(def->devs, struct lv_dev, i);
		struct imported_dev *x = &devs[ndevs];

		if (dev->kind != LV_DEV_HOSTDEV)
			continue;
		if (!dev->host.set) {
			g_set_error(error, LV_ERROR, LV_ERROR_XML,
			            "%s: <hostdev> %s has no PCI source address", origin,
			            dev->name);
			return NULL;
		}
		x->dev = dev;
		x->class_code = -1;
		x->known = lv_nodedev_pci(c, &dev->host, &x->vendor, &x->device, &x->class_code);
		x->driver = x->class_code >= 0 && (x->class_code >> 16) == 0x03
		                ? "keep-vectors"
		                : "recreate-vectors";
		ndevs++;
	}
	if (!ndevs) {
		g_set_error(error, LV_ERROR, LV_ERROR_SETUP,
		            "%s: domain \"%s\" has no PCI <hostdev>; a scenario models "
		            "passed-through PCI functions and needs at least one",
		            origin, def->name);
		return NULL;
	}
	if (ndevs > SCN_MAX_DEVICES) {
		g_set_error(error, LV_ERROR, LV_ERROR_SETUP,
		            "%s: domain \"%s\" has %u PCI <hostdev>s; a scenario holds at most %u",
		            origin, def->name, ndevs, SCN_MAX_DEVICES);
		return NULL;
	}
	describe(d, def, origin, devs, ndevs, vcpus);

	g_string_append(s, "{\n  \"name\": ");
	json_str(s, def->name);
	g_string_append(s, ",\n  \"description\": ");
	json_str(s, d->str);
	g_string_append_printf(s, ",\n  \"vm\": { \"vcpus\": %u },\n  \"devices\": [\n", vcpus);
	for (unsigned i = 0; i < ndevs; i++) {
		g_string_append(s, "    { \"name\": ");
		json_str(s, devs[i].dev->name);
		g_string_append_printf(s, ", \"driver\": \"%s\", \"vectors\": %u", devs[i].driver,
		                       IMPORT_VECTORS);
		if (devs[i].known)
			g_string_append_printf(s,
			                       ", \"vendor\": \"0x%04x\", \"device\": \"0x%04x\"",
			                       devs[i].vendor, devs[i].device);
		g_string_append_printf(s, " }%s\n", i + 1 < ndevs ? "," : "");
	}
	g_string_append(s, "  ],\n  \"steps\": [\n    { \"op\": \"boot\" },\n");
	fire_all(s, devs, ndevs);
	g_string_append(s, "    { \"op\": \"hibernate\" },\n    { \"op\": \"resume\" },\n");
	fire_all(s, devs, ndevs);
	g_string_truncate(s, s->len - 2); /* the last step's ",\n" */
	g_string_append(s, "\n  ],\n  \"expect\": { \"verdict\": \"pass\" }\n}\n");

	/* The skeleton must load as it is. */
	{
		g_autoptr(GError) bad = NULL;
		struct scenario *sc = scenario_load_data(origin, s->str, s->len, NULL, &bad);
		if (!sc) {
			g_set_error(error, LV_ERROR, LV_ERROR_XML,
			            "%s: the skeleton made from domain \"%s\" does not load: %s",
			            origin, def->name, bad->message);
			return NULL;
		}
		scenario_free(sc);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *import_from(virConnectPtr c, const char *domain, const char *origin, GError **error)
{
	virDomainPtr dom = NULL;
	g_autofree char *xml = NULL;
	g_autoptr(lv_domain_def) def = NULL;

	if (domain) {
		dom = virDomainLookupByName(c, domain);
		if (!dom) {
			g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN, "%s: no domain \"%s\": %s",
			            origin, domain, lv_last_error());
			return NULL;
		}
	} else {
		virDomainPtr *all = NULL;
		int n = virConnectListAllDomains(c, &all, 0);

		if (n != 1) {
			if (n < 0)
				g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN,
				            "%s: cannot list the domains: %s", origin,
				            lv_last_error());
			else
				g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN,
				            "%s: name the domain with --domain (there are %d)",
				            origin, n);
			for (int i = 0; i < n; i++)
				virDomainFree(all[i]);
			free(all);
			return NULL;
		}
		dom = all[0];
		free(all);
	}
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	if (!xml)
		g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN,
		            "%s: cannot read the definition of domain \"%s\": %s", origin,
		            virDomainGetName(dom), lv_last_error());
	virDomainFree(dom);
	if (!xml)
		return NULL;
	def = lv_domain_def_parse(xml, error);
	return def ? skeleton(c, def, origin, error) : NULL;
}

char *import_scenario(const char *uri, const char *domain, const char *origin, GError **error)
{
	virConnectPtr c = lv_open(uri, error);
	char *out;

	if (!c)
		return NULL;
	out = import_from(c, domain, origin, error);
	virConnectClose(c);
	return out;
}

char *import_scenario_file(const char *path, GError **error)
{
	g_autofree char *abs = g_canonicalize_filename(path, NULL);
	g_autofree char *dir = NULL, *node = NULL, *node_xml = NULL, *uri = NULL, *esc = NULL;
	g_autofree char *base = g_path_get_basename(path);
	g_autoptr(GError) tmp_error = NULL;
	virConnectPtr c;
	char *out;

	if (!g_file_test(abs, G_FILE_TEST_IS_REGULAR) || access(abs, R_OK) != 0) {
		g_set_error(error, LV_ERROR, LV_ERROR_XML, "%s: cannot read it: %s", path,
		            g_strerror(errno ? errno : ENOENT));
		return NULL;
	}
	/* The test driver reads a <node> file that may name domain files. */
	dir = g_dir_make_tmp("hvpci-import-XXXXXX", &tmp_error);
	if (!dir) {
		g_set_error(error, LV_ERROR, LV_ERROR_XML, "%s: %s", path, tmp_error->message);
		return NULL;
	}
	node = g_build_filename(dir, "node.xml", NULL);
	esc = g_markup_escape_text(abs, -1);
	node_xml = g_strdup_printf("<node>\n  <domain file='%s'/>\n</node>\n", esc);
	if (!g_file_set_contents(node, node_xml, -1, &tmp_error)) {
		g_set_error(error, LV_ERROR, LV_ERROR_XML, "%s: %s", path, tmp_error->message);
		g_rmdir(dir);
		return NULL;
	}
	uri = g_strconcat("test://", node, NULL);
	c = lv_open(uri, NULL);
	g_unlink(node);
	g_rmdir(dir);
	if (!c) {
		/* An XML syntax error comes with libxml2's excerpt on further
		 * lines; the first says it all. */
		g_autofree char *why = g_strdup(lv_last_error());
		char *nl = strchr(why, '\n');
		if (nl)
			*nl = '\0';
		g_set_error(error, LV_ERROR, LV_ERROR_DOMAIN, "%s: libvirt rejects this domain: %s",
		            path, why);
		return NULL;
	}
	{
		g_autofree char *origin =
		    g_strdup_printf("%s, read by libvirt's test driver", base);
		out = import_from(c, NULL, origin, error);
	}
	virConnectClose(c);
	return out;
}

static const char *import_summary =
    "Writes a scenario skeleton from a libvirt domain: its vCPUs, each PCI <hostdev>\n"
    "as a device, its Hyper-V enlightenments and power-management settings (in the\n"
    "description), and the steps boot, fire, hibernate, resume, fire.\n"
    "\n"
    "DOMAIN.xml is read through libvirt's test driver, so libvirt validates it;\n"
    "--connect URI --domain NAME reads a defined domain instead (test:///abs/node.xml\n"
    "works too).\n"
    "\n"
    "Exit status: 0 when the skeleton was written, 1 when it could not be written,\n"
    "2 when the command line is wrong or the domain cannot be imported.";

int cmd_import(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *uri = NULL, *domain = NULL, *output = NULL, *text = NULL;
	GOptionEntry entries[] = {
	    {"connect", 0, 0, G_OPTION_ARG_STRING, &uri,
	     "libvirt connection URI (default: libvirt's default)", "URI"},
	    {"domain", 0, 0, G_OPTION_ARG_STRING, &domain, "The domain to import", "NAME"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
	     "Write the scenario to FILE instead of standard output", "FILE"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL}};

	ctx = g_option_context_new("[DOMAIN.xml] - import a libvirt domain as a scenario");
	g_option_context_set_summary(ctx, import_summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "hvpci-sim import: %s\nTry 'hvpci-sim import --help'.\n",
		        error->message);
		return EXIT_USAGE;
	}
	if (argc > 2 || (argc == 2 && (uri || domain)) || (argc == 1 && !domain)) {
		fprintf(stderr, "hvpci-sim import: give either DOMAIN.xml or --domain NAME (with "
		                "--connect URI)\nTry 'hvpci-sim import --help'.\n");
		return EXIT_USAGE;
	}
	if (argc == 2) {
		text = import_scenario_file(argv[1], &error);
	} else {
		g_autofree char *origin =
		    g_strdup_printf("connection %s", uri ? uri : "libvirt's default");
		text = import_scenario(uri, domain, origin, &error);
	}
	if (!text) {
		fprintf(stderr, "hvpci-sim import: %s\n", error->message);
		return EXIT_USAGE;
	}
	if (!output) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? 0 : EXIT_FAILED;
	}
	if (!g_file_set_contents(output, text, -1, &error)) {
		fprintf(stderr, "hvpci-sim import: %s\n", error->message);
		return EXIT_FAILED;
	}
	return 0;
}
