// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_IRQ_BYPASS_PRODUCER_HAS_TOKEN */
/*
 * struct irq_bypass_producer::token, the key (an eventfd_ctx) by which the
 * IRQ bypass manager pairs a producer with its consumer.  Removed in 6.17
 * by commit 2b521d86ee80 ("irqbypass: Take ownership of producer/consumer
 * token tracking"): the eventfd is passed to the registration instead.
 */
#include <linux/irqbypass.h>

void *nvc_probe_irq_bypass_producer_token(struct irq_bypass_producer *producer)
{
	return producer->token;
}
