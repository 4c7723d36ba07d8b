// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_DEV_IOMMU_HAS_IOMMU_DEV */
/*
 * struct dev_iommu::iommu_dev and struct iommu_device::ops, the per-device
 * view of the IOMMU driver that replaces bus_type::iommu_ops (6.8, commit
 * 17de3f5fdd35).  Only defined with CONFIG_IOMMU_API.
 */
#include <linux/device.h>
#include <linux/iommu.h>

int nvc_probe_dev_iommu_has_iommu_dev(struct device *dev)
{
	return dev->iommu_group != NULL && dev->iommu != NULL &&
	       dev->iommu->iommu_dev != NULL &&
	       dev->iommu->iommu_dev->ops != NULL;
}
