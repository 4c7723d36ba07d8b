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
 * 6.19 API change, backported to stable 6.12.97 (0d63176d355e) and 6.18.40:
 * commit 337b1b566db0 ("PCI: Fix restoring BARs on BAR resize rollback
 * path") added an exclude_bars mask of BARs the kernel must not release
 * around the resize.  Since then pci_resize_resource() itself releases the
 * device's BARs that share a bridge window with @resno (and puts them back
 * if the resize fails); a BAR the caller released already is skipped
 * (pci_release_resource() of an unassigned resource does nothing).  So no
 * BAR excluded (0) is the old call for a caller that released the BARs
 * itself, as NVIDIA's nv_resize_pcie_bars() does (BAR1 and BAR3, with
 * memory decoding off); it is also what NVIDIA's own fix (580.126.09, its
 * conftest macro NV_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS_ARG) and the
 * kernel's sysfs resize pass.  The probe decides, not the kernel version,
 * because of the backports.  pci_resize_resource() is EXPORT_SYMBOL on
 * every kernel.
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
