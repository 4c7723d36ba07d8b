/* SPDX-License-Identifier: MIT */
#ifndef NVC_PREEMPT_H
#define NVC_PREEMPT_H

#include <linux/preempt.h>

/*
 * nvc_in_hardirq() - non-zero while the CPU runs a hard interrupt handler.
 *
 * Replaces `in_irq()`.
 *
 * 6.19 API change: commit 70e0a80a1f35 ("treewide: Remove in_irq()")
 * removed in_irq(), which had been another name for in_hardirq() (5.11)
 * since then: both read hardirq_count().  A macro, like both of them, so
 * that it reads the preempt count where it is used.
 */
#if defined(NVC_IN_IRQ_PRESENT)
#define nvc_in_hardirq() in_irq()
#else
#define nvc_in_hardirq() in_hardirq()
#endif

#endif /* NVC_PREEMPT_H */
