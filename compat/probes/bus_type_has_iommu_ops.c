// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_BUS_TYPE_HAS_IOMMU_OPS */
/*
 * struct bus_type::iommu_ops, removed in 6.8 by commit 17de3f5fdd35
 * ("iommu: Retire bus ops").
 */
#include <linux/device.h>
#include <linux/iommu.h>

int nvc_probe_bus_type_has_iommu_ops(const struct bus_type *bus)
{
	return bus->iommu_ops != NULL;
}
