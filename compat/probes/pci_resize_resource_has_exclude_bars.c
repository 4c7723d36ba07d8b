// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS */
/*
 * pci_resize_resource(dev, resno, size, exclude_bars): the exclude_bars
 * argument came with commit 337b1b566db0 ("PCI: Fix restoring BARs on BAR
 * resize rollback path") in 6.19, and was backported to stable: 6.12.97
 * (0d63176d355e; 6.12.95 has the 3-argument form, 6.12.117 the 4-argument
 * one) and 6.18.40.  No release number can tell: only a probe.
 */
#include <linux/pci.h>

int nvc_probe_pci_resize_resource_has_exclude_bars(struct pci_dev *dev)
{
	return pci_resize_resource(dev, 0, 0, 0);
}
