// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_LINUX_OF_GPIO_H_PRESENT */
/*
 * <linux/of_gpio.h> and of_get_named_gpio(), removed in 7.1 by commit
 * b6420bd5aa0c ("gpio: remove of_get_named_gpio() and <linux/of_gpio.h>").
 */
#include <linux/of_gpio.h>

int nvc_probe_of_get_named_gpio(const struct device_node *np);
int nvc_probe_of_get_named_gpio(const struct device_node *np)
{
	return of_get_named_gpio(np, "nvc-gpios", 0);
}
