/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to harness/: the scenario loader's field helpers, for the code
 * that loads a step op's own fields (steps.c). Each reports the first
 * error as file:line:col with the field's path and returns false; later
 * calls then return false and report nothing.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

struct loader;

bool loader_error(struct loader *ld, const char *path, bool at_key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "parent.key" (or "key" at the top); g_free it. */
char *loader_child_path(const char *parent, const char *key);
bool loader_has(json_object *obj, const char *key);
json_object *loader_member(json_object *obj, const char *key);
bool loader_want_type(struct loader *ld, const char *path, json_object *v, enum json_type t,
                      const char *noun);
/* obj.key; an absent optional field leaves *out as it was. */
bool loader_string(struct loader *ld, const char *path, json_object *obj, const char *key,
                   bool required, const char **out);
bool loader_uint(struct loader *ld, const char *path, json_object *obj, const char *key,
                 bool required, uint64_t min, uint64_t max, uint64_t *out);
bool loader_bool(struct loader *ld, const char *path, json_object *obj, const char *key,
                 bool required, bool *out);

int scenario_device_index(const struct scenario *s, const char *name); /* -1 if none */
int scenario_fault_index(const struct scenario *s, const char *name);  /* -1 if none */
