/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shell and serve commands of the CLI (doc/console.md). */
#pragma once

#include <stdbool.h>

/* argv[0] is "shell" or "serve"; returns the exit status. */
int cmd_shell(int argc, char **argv, bool serve);
