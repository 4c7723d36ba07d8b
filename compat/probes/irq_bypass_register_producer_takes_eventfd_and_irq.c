// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_IRQ_BYPASS_REGISTER_PRODUCER_TAKES_EVENTFD_AND_IRQ */
/*
 * irq_bypass_register_producer(producer, eventfd, irq): since 6.17 the IRQ
 * bypass manager keeps the eventfd itself (commit 2b521d86ee80, "irqbypass:
 * Take ownership of producer/consumer token tracking", which removed
 * struct irq_bypass_producer::token) and takes the Linux IRQ number at
 * registration (commit 23b54381cee2, "irqbypass: Require producers to pass
 * in Linux IRQ number during registration").  Before, the producer's token
 * and irq were assigned and irq_bypass_register_producer(producer) took
 * nothing else.
 */
#include <linux/irqbypass.h>

int nvc_probe_irq_bypass_register_producer(struct irq_bypass_producer *producer,
					   struct eventfd_ctx *eventfd, int irq)
{
	return irq_bypass_register_producer(producer, eventfd, irq);
}
