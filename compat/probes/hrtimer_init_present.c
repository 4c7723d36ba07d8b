// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_HRTIMER_INIT_PRESENT */
/*
 * hrtimer_init(timer, clock, mode), removed in 6.15 by commit 9779489a31d7
 * ("hrtimers: Delete hrtimer_init()"); its successor hrtimer_setup(timer,
 * function, clock, mode) came in 6.13 with commit 908a1d775422 ("hrtimers:
 * Introduce hrtimer_setup() to replace hrtimer_init()").
 */
#include <linux/hrtimer.h>

void (*nvc_probe_hrtimer_init)(struct hrtimer *, clockid_t, enum hrtimer_mode) =
	hrtimer_init;
