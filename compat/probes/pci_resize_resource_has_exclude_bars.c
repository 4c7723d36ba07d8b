// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS */
/*
 * pci_resize_resource(dev, resno, size, exclude_bars): the exclude_bars
 * argument came with commit 337b1b566db0 ("PCI: Fix restoring BARs on BAR
 * resize rollback path") in 6.19, and was backported to 6.12.y stable
 * (6.12.107 has it, 6.12.95 does not): only a probe can tell.
 */
#include <linux/pci.h>

int nvc_probe_pci_resize_resource_has_exclude_bars(struct pci_dev *dev)
{
	return pci_resize_resource(dev, 0, 0, 0);
}
