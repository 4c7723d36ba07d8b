/* SPDX-License-Identifier: MIT */
#ifndef NVC_TIMER_H
#define NVC_TIMER_H

#include <linux/timer.h>

/*
 * nvc_timer_delete_sync() - deactivate a timer and wait until its callback,
 * if it is running on another CPU, has finished.
 *
 * Replaces `del_timer_sync(timer)`; returns what it returned: 1 if the timer
 * was pending, 0 if not.
 *
 * 6.15 API change: commit 8fa7292fee5c ("treewide: Switch/rename to
 * timer_delete[_sync]()") removed del_timer_sync().  Its replacement
 * timer_delete_sync() (commit 9b13df3fb64e, 6.2; also in 6.1.84+) is the
 * same function under the new name: from 6.2 to 6.14 del_timer_sync() only
 * calls it.  Both are EXPORT_SYMBOL, so this is fine for nvidia.ko.
 */
static inline int nvc_timer_delete_sync(struct timer_list *timer)
{
#if defined(NVC_DEL_TIMER_SYNC_PRESENT)
	return del_timer_sync(timer);
#else
	return timer_delete_sync(timer);
#endif
}

#endif /* NVC_TIMER_H */
