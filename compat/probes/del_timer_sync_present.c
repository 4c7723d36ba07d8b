// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_DEL_TIMER_SYNC_PRESENT */
/*
 * del_timer_sync(), removed in 6.15 by commit 8fa7292fee5c ("treewide:
 * Switch/rename to timer_delete[_sync]()"); its replacement
 * timer_delete_sync() came in 6.2 with commit 9b13df3fb64e ("timers: Rename
 * del_timer_sync() to timer_delete_sync()").
 */
#include <linux/timer.h>

int (*nvc_probe_del_timer_sync)(struct timer_list *) = del_timer_sync;
