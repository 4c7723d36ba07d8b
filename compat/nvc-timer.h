/* SPDX-License-Identifier: MIT */
#ifndef NVC_TIMER_H
#define NVC_TIMER_H

#include <linux/timer.h>
#include <linux/hrtimer.h>

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

/*
 * nvc_hrtimer_setup() - initialise a high resolution timer on @clock_id in
 * @mode and make @function its callback.
 *
 * Replaces the pair `hrtimer_init(timer, clock_id, mode);` +
 * `timer->function = function;` (nothing between them that uses the
 * timer), as NVIDIA's open nv-nano-timer.c writes it (535 ... 570).
 *
 * 6.15 API change: commit 9779489a31d7 ("hrtimers: Delete hrtimer_init()")
 * removed hrtimer_init() (probe NVC_HRTIMER_INIT_PRESENT: where it is, the
 * old pair is what runs); hrtimer_setup() (commit 908a1d775422, 6.13) does
 * the same initialisation (clock base, a relative CLOCK_REALTIME timer
 * moved to CLOCK_MONOTONIC, soft/hard from @mode) and sets the callback in
 * the same call; from 6.15 on the callback member is private
 * (04257da0c99c), set only through hrtimer_setup() and
 * hrtimer_update_function().  Both hrtimer_init() and hrtimer_setup() are
 * EXPORT_SYMBOL_GPL: only the open flavour's nvidia.ko ("Dual MIT/GPL") may
 * call them, and only there NVIDIA compiles the hrtimer code
 * (NV_NANO_TIMER_USE_HRTIMER; the proprietary flavour sets it to 0, so this
 * inline is never emitted there).
 */
static inline void nvc_hrtimer_setup(struct hrtimer *timer,
				     enum hrtimer_restart (*function)(struct hrtimer *),
				     clockid_t clock_id, enum hrtimer_mode mode)
{
#if defined(NVC_HRTIMER_INIT_PRESENT)
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
#else
	hrtimer_setup(timer, function, clock_id, mode);
#endif
}

#endif /* NVC_TIMER_H */
