// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_PROBE_BASELINE */
/*
 * Must compile on every kernel.  If it does not, the probe flags are wrong
 * and no other probe result could be trusted: nvc-probe.sh stops with an error.
 */
#include <linux/module.h>
#include <linux/kernel.h>

int nvc_probe_baseline(void)
{
	return 0;
}
