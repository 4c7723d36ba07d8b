/* SPDX-License-Identifier: MIT */
#ifndef NVC_EVENTFD_H
#define NVC_EVENTFD_H

#include <linux/eventfd.h>

/*
 * nvc_eventfd_signal() - add 1 to the eventfd counter and wake up waiters.
 *
 * Replaces `eventfd_signal(ctx, 1)`.
 *
 * 6.8 API change: commit 3652117f8548 ("eventfd: simplify eventfd_signal()")
 * dropped the counter argument; the new eventfd_signal() always adds 1.
 */
static inline void nvc_eventfd_signal(struct eventfd_ctx *ctx)
{
#if defined(NVC_EVENTFD_SIGNAL_HAS_COUNTER_ARG)
	eventfd_signal(ctx, 1);
#else
	eventfd_signal(ctx);
#endif
}

#endif /* NVC_EVENTFD_H */
