// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER */
/*
 * MODULE_IMPORT_NS(NS) stringifies an identifier; since 6.13, commit
 * cdd30ebb1b9f ("module: Convert symbol namespace to string literal"), it
 * takes a string literal and an identifier no longer compiles.
 */
#include <linux/module.h>

MODULE_IMPORT_NS(NVC_PROBE_NAMESPACE);
