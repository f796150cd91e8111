/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvpci-sim import: a scenario skeleton from a libvirt domain, read through
 * libvirt (a domain XML file through libvirt's test driver, so that libvirt
 * itself validates it).
 */
#pragma once

#ifdef HAVE_LIBVIRT

#include <glib.h>

/* The scenario, as JSON text, for domain `domain` on connection uri (NULL:
 * libvirt's default; domain may be NULL when the connection holds exactly
 * one). origin says where it came from in the scenario's description. */
char *import_scenario(const char *uri, const char *domain, const char *origin, GError **error);
/* The same for a domain XML file. */
char *import_scenario_file(const char *path, GError **error);

/* The command: hvpci-sim import [--connect URI --domain NAME | DOMAIN.xml]. */
int cmd_import(int argc, char **argv);

#endif
