/* SPDX-License-Identifier: MIT */
#ifndef NVC_PCI_H
#define NVC_PCI_H

#include <linux/pci.h>

/*
 * nvc_pci_resize_resource() - resize BAR @resno of @dev to @size (the
 * Resizable BAR encoding: 0 = 1 MB ... ) and reassign the resources.
 *
 * Replaces `pci_resize_resource(dev, resno, size)`.
 *
 * 6.19 API change, backported to 6.12.y stable (6.12.107 has it, 6.12.95
 * not): commit 337b1b566db0 ("PCI: Fix restoring BARs on BAR resize
 * rollback path") added an exclude_bars mask of BARs the kernel must not
 * release around the resize.  No BAR excluded (0) is the old call: the
 * caller's own releases stay as they were.  The probe decides, not the
 * kernel version, because of the backport.  pci_resize_resource() is
 * EXPORT_SYMBOL on every kernel.
 */
static inline int nvc_pci_resize_resource(struct pci_dev *dev, int resno,
					  int size)
{
#if defined(NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS)
	return pci_resize_resource(dev, resno, size, 0);
#else
	return pci_resize_resource(dev, resno, size);
#endif
}

#endif /* NVC_PCI_H */
