/* SPDX-License-Identifier: MIT */
#ifndef NVC_OF_GPIO_H
#define NVC_OF_GPIO_H

#include "nvc-probes.h"

/*
 * Stands where the driver included <linux/of_gpio.h> without asking
 * conftest first (nv-linux.h of the 580 and 595 branches; patches/0156),
 * and includes it there where it exists, so that nothing moves on older
 * kernels.  Not included by nvc-compat.h for that reason.
 *
 * 7.1 API change: commit b6420bd5aa0c ("gpio: remove of_get_named_gpio()
 * and <linux/of_gpio.h>") removed the header and its last function.
 */
#if defined(NVC_LINUX_OF_GPIO_H_PRESENT)
#include <linux/of_gpio.h>
#endif
#include <linux/errno.h>

struct device_node;

/*
 * nvc_of_get_named_gpio() - of_get_named_gpio(): the GPIO number of the
 * @index-th GPIO in property @propname of @np, or a negative errno.
 *
 * Replaces `of_get_named_gpio(np, propname, index)`.
 *
 * Where the function is gone: -ENOENT, "no such GPIO", which is what
 * of_get_named_gpio() answered for a property that names none.  On every
 * kernel built without CONFIG_OF_GPIO (x86, where the vGPU-KVM driver runs)
 * it never found one: it answered with a negative errno (ENOSYS), and the
 * driver's only caller tests the result with gpio_is_valid(), so it
 * behaves exactly as before.  Where CONFIG_OF_GPIO was set,
 * of_get_named_gpio() was exported GPL-only, so nvidia.ko could not have
 * used it either, and its successors (gpiod_get*(),
 * fwnode_gpiod_get_index()) are GPL-only as well.
 */
static inline int nvc_of_get_named_gpio(const struct device_node *np,
					const char *propname, int index)
{
#if defined(NVC_LINUX_OF_GPIO_H_PRESENT)
	return of_get_named_gpio(np, propname, index);
#else
	return -ENOENT;
#endif
}

#endif /* NVC_OF_GPIO_H */
