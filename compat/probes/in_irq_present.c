// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_IN_IRQ_PRESENT */
/*
 * in_irq(), the old name of in_hardirq(), removed in 6.19 by commit
 * 70e0a80a1f35 ("treewide: Remove in_irq()").  in_hardirq() exists since
 * 5.11.  Both are macros: test the definition, not a call (a call to an
 * undeclared in_irq() would only be an implicit declaration).
 */
#include <linux/preempt.h>

#if !defined(in_irq)
#error "in_irq() is not defined"
#endif

int nvc_probe_in_irq(void)
{
	return in_irq() ? 1 : 0;
}
