// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_EVENTFD_SIGNAL_HAS_COUNTER_ARG */
/*
 * eventfd_signal(ctx, n): the counter argument was removed in 6.8 by commit
 * 3652117f8548 ("eventfd: simplify eventfd_signal()").
 */
#include <linux/eventfd.h>

void nvc_probe_eventfd_signal_has_counter_arg(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 1);
}
