// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_HRTIMER_SETUP_PRESENT */
/*
 * hrtimer_setup(timer, function, clock, mode): came in 6.13 with commit
 * 908a1d775422 ("hrtimers: Introduce hrtimer_setup() to replace
 * hrtimer_init()"); hrtimer_init() was removed in 6.15 by commit
 * 9779489a31d7 ("hrtimers: Delete hrtimer_init()").
 */
#include <linux/hrtimer.h>

void (*nvc_probe_hrtimer_setup)(struct hrtimer *,
				enum hrtimer_restart (*)(struct hrtimer *),
				clockid_t, enum hrtimer_mode) = hrtimer_setup;
