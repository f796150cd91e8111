/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "libvirt-util.h"

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(hvpci - sim - libvirt - error - quark, lv_error)

static void quiet(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

const char *lv_last_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

virConnectPtr lv_open(const char *uri, GError **error)
{
	virConnectPtr c;

	virSetErrorFunc(NULL, quiet);
	c = virConnectOpen(uri);
	if (!c)
		g_set_error(error, LV_ERROR, LV_ERROR_CONNECT, "cannot connect to %s: %s",
		            uri ? uri : "libvirt's default hypervisor", lv_last_error());
	return c;
}

char *lv_pci_addr_str(const struct lv_pci_addr *a)
{
	return g_strdup_printf("%04x:%02x:%02x.%x", a->domain, a->bus, a->slot, a->function);
}

/* ---- reading a definition ---- */

struct reader {
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
};

static xmlXPathObjectPtr eval(struct reader *r, xmlNodePtr at, const char *expr)
{
	r->ctx->node = at ? at : xmlDocGetRootElement(r->doc);
	return xmlXPathEvalExpression((const xmlChar *)expr, r->ctx);
}

/* The string value of expr at a node, or NULL when it is empty or absent. */
static char *str_at(struct reader *r, xmlNodePtr at, const char *expr)
{
	g_autofree char *wrapped = g_strdup_printf("string(%s)", expr);
	xmlXPathObjectPtr o = eval(r, at, wrapped);
	char *s = NULL;

	if (o && o->type == XPATH_STRING && o->stringval && o->stringval[0])
		s = g_strdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	return s;
}

static bool parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	v = strtoul(s, &end, 0);
	if (*end || v > 0xffffffffUL)
		return false;
	*out = (unsigned)v;
	return true;
}

/* A PCI <address> element at expr under a node. */
static bool pci_addr_at(struct reader *r, xmlNodePtr at, const char *expr, struct lv_pci_addr *a)
{
	static const char *const attrs[] = {"domain", "bus", "slot", "function"};
	unsigned *fields[] = {&a->domain, &a->bus, &a->slot, &a->function};

	memset(a, 0, sizeof(*a));
	for (unsigned i = 0; i < 4; i++) {
		g_autofree char *e = g_strdup_printf("%s/@%s", expr, attrs[i]);
		g_autofree char *v = str_at(r, at, e);
		if (!v) {
			if (i == 0)
				continue; /* the domain defaults to 0 */
			return false;
		}
		if (!parse_uint(v, fields[i]))
			return false;
	}
	a->set = true;
	return true;
}

static enum lv_tristate tristate_at(struct reader *r, const char *expr)
{
	g_autofree char *v = str_at(r, NULL, expr);

	if (!v)
		return LV_UNSET;
	return strcmp(v, "yes") == 0 ? LV_YES : LV_NO;
}

static void dev_clear(void *p)
{
	struct lv_dev *d = p;

	g_free(d->name);
	g_free(d->alias);
	g_free(d->bus);
}

static void controller_clear(void *p)
{
	g_free(((struct lv_controller *)p)->model);
}

void lv_domain_def_free(struct lv_domain_def *d)
{
	if (!d)
		return;
	g_free(d->name);
	g_free(d->type);
	g_free(d->hyperv_mode);
	if (d->hyperv)
		g_ptr_array_free(d->hyperv, TRUE);
	if (d->devs)
		g_array_free(d->devs, TRUE);
	if (d->controllers)
		g_array_free(d->controllers, TRUE);
	g_free(d);
}

static char *user_name(const char *alias)
{
	return alias && g_str_has_prefix(alias, "ua-") && alias[3] ? g_strdup(alias + 3) : NULL;
}

static void read_hyperv(struct reader *r, struct lv_domain_def *d)
{
	xmlXPathObjectPtr o = eval(r, NULL, "/domain/features/hyperv/*");

	d->hyperv_mode = str_at(r, NULL, "/domain/features/hyperv/@mode");
	if (!d->hyperv_mode && o && o->nodesetval && o->nodesetval->nodeNr)
		d->hyperv_mode = g_strdup("custom");
	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlNodePtr n = o->nodesetval->nodeTab[i];
		g_autofree char *state = str_at(r, n, "@state");
		g_autofree char *retries = str_at(r, n, "@retries");
		g_autofree char *value = str_at(r, n, "@value");
		const char *name = (const char *)n->name;

		if (state && strcmp(state, "on") != 0)
			continue;
		if (retries)
			g_ptr_array_add(d->hyperv,
			                g_strdup_printf("%s (retries %s)", name, retries));
		else if (value)
			g_ptr_array_add(d->hyperv, g_strdup_printf("%s (%s)", name, value));
		else
			g_ptr_array_add(d->hyperv, g_strdup(name));
	}
	xmlXPathFreeObject(o);
}

static void read_devices(struct reader *r, struct lv_domain_def *d)
{
	xmlXPathObjectPtr o = eval(r, NULL, "/domain/devices/hostdev | /domain/devices/disk");
	unsigned nhostdev = 0;

	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlNodePtr n = o->nodesetval->nodeTab[i];
		struct lv_dev dev = {0};
		g_autofree char *type = str_at(r, n, "@type");
		g_autofree char *addr_type = str_at(r, n, "address/@type");

		dev.alias = str_at(r, n, "alias/@name");
		if (addr_type && strcmp(addr_type, "pci") == 0)
			pci_addr_at(r, n, "address", &dev.guest);
		if (strcmp((const char *)n->name, "hostdev") == 0) {
			unsigned index = nhostdev++; /* libvirt numbers every <hostdev> */
			if (!type || strcmp(type, "pci") != 0) {
				dev_clear(&dev);
				continue;
			}
			dev.kind = LV_DEV_HOSTDEV;
			pci_addr_at(r, n, "source/address", &dev.host);
			dev.name = user_name(dev.alias);
			if (!dev.name)
				dev.name = g_strdup_printf("hostdev%u", index);
		} else {
			dev.kind = LV_DEV_DISK;
			dev.bus = str_at(r, n, "target/@bus");
			dev.name = user_name(dev.alias);
			if (!dev.name)
				dev.name = str_at(r, n, "target/@dev");
			if (!dev.name) {
				dev_clear(&dev);
				continue;
			}
		}
		g_array_append_val(d->devs, dev);
	}
	xmlXPathFreeObject(o);

	o = eval(r, NULL, "/domain/devices/controller[@type='pci']");
	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlNodePtr n = o->nodesetval->nodeTab[i];
		struct lv_controller c = {0};
		g_autofree char *index = str_at(r, n, "@index");

		if (!parse_uint(index, &c.index))
			continue;
		c.model = str_at(r, n, "@model");
		pci_addr_at(r, n, "address[@type='pci']", &c.addr);
		g_array_append_val(d->controllers, c);
	}
	xmlXPathFreeObject(o);
}

struct lv_domain_def *lv_domain_def_parse(const char *xml, GError **error)
{
	struct reader r = {0};
	struct lv_domain_def *d = NULL;
	g_autofree char *vcpu = NULL, *current = NULL, *agent = NULL;

	r.doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
	                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r.doc || !xmlDocGetRootElement(r.doc) ||
	    strcmp((const char *)xmlDocGetRootElement(r.doc)->name, "domain") != 0) {
		g_set_error(error, LV_ERROR, LV_ERROR_XML,
		            "libvirt gave a domain definition that is not a <domain> document");
		goto out;
	}
	r.ctx = xmlXPathNewContext(r.doc);
	d = g_new0(struct lv_domain_def, 1);
	d->hyperv = g_ptr_array_new_with_free_func(g_free);
	d->devs = g_array_new(FALSE, TRUE, sizeof(struct lv_dev));
	g_array_set_clear_func(d->devs, dev_clear);
	d->controllers = g_array_new(FALSE, TRUE, sizeof(struct lv_controller));
	g_array_set_clear_func(d->controllers, controller_clear);

	d->name = str_at(&r, NULL, "/domain/name");
	d->type = str_at(&r, NULL, "/domain/@type");
	vcpu = str_at(&r, NULL, "/domain/vcpu");
	current = str_at(&r, NULL, "/domain/vcpu/@current");
	if (!parse_uint(vcpu ? g_strstrip(vcpu) : "1", &d->vcpus_max))
		d->vcpus_max = 1;
	if (!current || !parse_uint(current, &d->vcpus))
		d->vcpus = d->vcpus_max;
	read_hyperv(&r, d);
	d->suspend_to_mem = tristate_at(&r, "/domain/pm/suspend-to-mem/@enabled");
	d->suspend_to_disk = tristate_at(&r, "/domain/pm/suspend-to-disk/@enabled");
	agent = str_at(&r, NULL,
	               "/domain/devices/channel/target[@type='virtio' and "
	               "@name='org.qemu.guest_agent.0']/@name");
	d->agent_channel = agent != NULL;
	read_devices(&r, d);
out:
	xmlXPathFreeContext(r.ctx);
	xmlFreeDoc(r.doc);
	return d;
}

const struct lv_dev *lv_domain_def_find(const struct lv_domain_def *d, const char *name)
{
	for (guint i = 0; i < d->devs->len; i++) {
		const struct lv_dev *dev = &g_array_index(d->devs, struct lv_dev, i);
		if (strcmp(dev->name, name) == 0 || (dev->alias && strcmp(dev->alias, name) == 0))
			return dev;
	}
	return NULL;
}

bool lv_nodedev_pci(virConnectPtr c, const struct lv_pci_addr *a, unsigned *vendor,
                    unsigned *device, int *class_code)
{
	g_autofree char *name =
	    g_strdup_printf("pci_%04x_%02x_%02x_%x", a->domain, a->bus, a->slot, a->function);
	g_autofree char *xml = NULL, *v = NULL, *p = NULL, *k = NULL;
	virNodeDevicePtr nd = virNodeDeviceLookupByName(c, name);
	struct reader r = {0};
	unsigned cls;
	bool ok;

	if (!nd)
		return false;
	xml = virNodeDeviceGetXMLDesc(nd, 0);
	virNodeDeviceFree(nd);
	if (!xml)
		return false;
	r.doc = xmlReadMemory(xml, (int)strlen(xml), "nodedev.xml", NULL,
	                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r.doc)
		return false;
	r.ctx = xmlXPathNewContext(r.doc);
	v = str_at(&r, NULL, "/device/capability[@type='pci']/vendor/@id");
	p = str_at(&r, NULL, "/device/capability[@type='pci']/product/@id");
	k = str_at(&r, NULL, "/device/capability[@type='pci']/class");
	ok = parse_uint(v, vendor) && parse_uint(p, device);
	*class_code = k && parse_uint(g_strstrip(k), &cls) ? (int)cls : -1;
	xmlXPathFreeContext(r.ctx);
	xmlFreeDoc(r.doc);
	return ok;
}
