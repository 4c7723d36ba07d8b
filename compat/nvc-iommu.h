/* SPDX-License-Identifier: MIT */
#ifndef NVC_IOMMU_H
#define NVC_IOMMU_H

#include <linux/types.h>
#include <linux/device.h>
#include <linux/iommu.h>

/*
 * nvc_dev_iommu_present() - does an IOMMU driver manage (translate for) @dev?
 *
 * Replaces the test `dev->bus->iommu_ops != NULL`.
 *
 * 6.8 API change: commit 17de3f5fdd35 ("iommu: Retire bus ops") removed
 * struct bus_type::iommu_ops.  The old test asked whether an IOMMU driver had
 * registered for the device's bus; every device such a driver probes gets an
 * IOMMU group and dev->iommu->iommu_dev pointing at the IOMMU instance with
 * its ops.  So the per-device question below gives the old answer for every
 * device behind an IOMMU, and it means the same on old and new kernels.
 *
 * Do not use dev_iommu_fwspec_get() for this: on x86 (Intel VT-d, AMD-Vi)
 * the fwspec is NULL even when the IOMMU translates the device.
 */
static inline bool nvc_dev_iommu_present(struct device *dev)
{
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	/* struct dev_iommu::iommu_dev (5.8+; present on every kernel we support) */
	return dev->iommu_group != NULL && dev->iommu != NULL &&
	       dev->iommu->iommu_dev != NULL &&
	       dev->iommu->iommu_dev->ops != NULL;
#elif defined(NVC_BUS_TYPE_HAS_IOMMU_OPS)
	/* < 6.8 kernel without per-device IOMMU data: the old test itself */
	return dev->bus != NULL && dev->bus->iommu_ops != NULL;
#else
	/* No CONFIG_IOMMU_API: no IOMMU can translate anything. */
	return false;
#endif
}

#endif /* NVC_IOMMU_H */
