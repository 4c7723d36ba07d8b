// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE */
/*
 * struct dma_map_ops::map_resource, removed in 6.19 by commit 14cb413af00c
 * ("dma-mapping: remove unused mapping resource callbacks"): since then
 * dma_map_resource() maps MMIO through ::map_phys with DMA_ATTR_MMIO.
 */
#include <linux/dma-map-ops.h>

int nvc_probe_dma_map_ops_has_map_resource(const struct dma_map_ops *ops)
{
	return ops->map_resource != NULL;
}
