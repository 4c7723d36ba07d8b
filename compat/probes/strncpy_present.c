// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_STRNCPY_PRESENT */
/*
 * strncpy(), removed from the kernel in 7.2 by commit 079a028d6327
 * ("string: Remove strncpy() from the kernel").  Taken as a value so that
 * the compiler's built-in strncpy cannot stand in for the kernel's.
 */
#include <linux/string.h>

char *(*nvc_probe_strncpy)(char *, const char *, __kernel_size_t) = strncpy;
