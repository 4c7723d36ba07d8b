// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_NO_LLSEEK_PRESENT */
/*
 * no_llseek(), removed in 6.12 by commit cb787f4ac0c2 ("[tree-wide] finally
 * take no_llseek out").
 */
#include <linux/fs.h>

loff_t (*nvc_probe_no_llseek)(struct file *, loff_t, int) = no_llseek;
