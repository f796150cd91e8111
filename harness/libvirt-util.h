/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the import command and the real-VM backend both need of libvirt: a
 * connection whose errors come back as GErrors instead of being printed,
 * and a domain definition read into plain values (vCPUs, PCI devices and
 * where the guest sees them, Hyper-V features, power management).
 */
#pragma once

#ifdef HAVE_LIBVIRT

#include <glib.h>
#include <libvirt/libvirt.h>
#include <stdbool.h>

#define LV_ERROR (lv_error_quark())
GQuark lv_error_quark(void);
enum lv_error_code {
	LV_ERROR_CONNECT, /* no connection to the hypervisor */
	LV_ERROR_DOMAIN,  /* no such domain, or libvirt refuses its definition */
	LV_ERROR_XML,     /* a definition this code cannot read */
	LV_ERROR_SETUP,   /* the domain lacks what a backend needs */
	LV_ERROR_GUEST,   /* the guest or its agent failed */
	LV_ERROR_TIMEOUT, /* the guest did not get there in time */
};

/* libvirt's message for the last failed call of this thread. */
const char *lv_last_error(void);
/* Opens uri (NULL: libvirt's default), with libvirt's printing of errors
 * switched off for the whole process. */
virConnectPtr lv_open(const char *uri, GError **error);

struct lv_pci_addr {
	bool set;
	unsigned domain, bus, slot, function;
};

enum lv_dev_kind { LV_DEV_HOSTDEV, LV_DEV_DISK };

/* A PCI function of the domain that a scenario can name. */
struct lv_dev {
	enum lv_dev_kind kind;
	/* The scenario's name for it: a disk's target ("vdb"), "hostdevN" for
	 * the N-th <hostdev> (libvirt's own alias), or a user alias without
	 * its "ua-" prefix. */
	char *name;
	char *alias;              /* libvirt's alias, when the definition has one */
	char *bus;                /* disk: the target bus ("virtio", "sata", ...) */
	struct lv_pci_addr guest; /* where the guest sees it (libvirt's numbering) */
	struct lv_pci_addr host;  /* hostdev: the host's function */
};

/* A PCI controller: index is the bus number libvirt gives the bus behind
 * it; addr is where the controller itself sits. */
struct lv_controller {
	unsigned index;
	char *model;
	struct lv_pci_addr addr;
};

enum lv_tristate { LV_UNSET = -1, LV_NO = 0, LV_YES = 1 };

struct lv_domain_def {
	char *name;
	char *type;     /* kvm, qemu, ... */
	unsigned vcpus; /* at boot (<vcpu current=...>, else the maximum) */
	unsigned vcpus_max;
	char *hyperv_mode; /* NULL without <hyperv> */
	GPtrArray *hyperv; /* of char *: "relaxed", "spinlocks (retries 8191)", ... (on only) */
	enum lv_tristate suspend_to_mem, suspend_to_disk;
	bool agent_channel;  /* a virtio channel org.qemu.guest_agent.0 */
	GArray *devs;        /* of struct lv_dev, in document order */
	GArray *controllers; /* of struct lv_controller (type pci) */
};

struct lv_domain_def *lv_domain_def_parse(const char *xml, GError **error);
void lv_domain_def_free(struct lv_domain_def *d);
typedef struct lv_domain_def lv_domain_def;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(lv_domain_def, lv_domain_def_free)
const struct lv_dev *lv_domain_def_find(const struct lv_domain_def *d, const char *name);
/* What the host's node device for a PCI function says: vendor and device
 * IDs, and the class code (-1 when not given). False when the host has no
 * such device (or the connection cannot look it up). */
bool lv_nodedev_pci(virConnectPtr c, const struct lv_pci_addr *a, unsigned *vendor,
                    unsigned *device, int *class_code);
/* "0000:03:00.0" */
char *lv_pci_addr_str(const struct lv_pci_addr *a);

#endif
