/* SPDX-License-Identifier: MIT */
#ifndef NVC_IRQBYPASS_H
#define NVC_IRQBYPASS_H

#include <linux/irqbypass.h>

struct eventfd_ctx;

/*
 * nvc_irq_bypass_register_producer() - offer a host interrupt to the IRQ
 * bypass manager, keyed by the eventfd its consumer (KVM's irqfd) listens on.
 *
 * Replaces the three statements
 *
 *	producer->token = eventfd;
 *	producer->irq = irq;
 *	ret = irq_bypass_register_producer(producer);
 *
 * and the `producer->token = NULL;` with which a failed registration was
 * undone.  Returns 0 or the error of the registration; a producer whose
 * registration failed is left unregistered, so that
 * irq_bypass_unregister_producer() on it does nothing and it may be
 * registered again, on every kernel.
 *
 * 6.17 API change: commit 2b521d86ee80 ("irqbypass: Take ownership of
 * producer/consumer token tracking") removed struct
 * irq_bypass_producer::token; the manager records the eventfd (in
 * producer->eventfd) when the registration succeeds and refuses a producer
 * that has one already.  Commit 23b54381cee2 ("irqbypass: Require producers
 * to pass in Linux IRQ number during registration"), same release, made the
 * IRQ number an argument too: irq_bypass_register_producer(producer,
 * eventfd, irq).
 */
#if defined(NVC_IRQ_BYPASS_REGISTER_PRODUCER_TAKES_EVENTFD_AND_IRQ)
static inline int nvc_irq_bypass_register_producer(struct irq_bypass_producer *producer,
						   struct eventfd_ctx *eventfd, int irq)
{
	/* >= 6.17: the manager sets producer->eventfd only on success */
	return irq_bypass_register_producer(producer, eventfd, irq);
}
#elif defined(NVC_IRQ_BYPASS_PRODUCER_HAS_TOKEN)
static inline int nvc_irq_bypass_register_producer(struct irq_bypass_producer *producer,
						   struct eventfd_ctx *eventfd, int irq)
{
	/* < 6.17 */
	int ret;

	producer->token = eventfd;
	producer->irq = irq;
	ret = irq_bypass_register_producer(producer);
	if (ret)
		producer->token = NULL;	/* so that unregistering it does nothing */
	return ret;
}
#endif /* neither: an interface we do not know, callers fail to build */

#endif /* NVC_IRQBYPASS_H */
