/* SPDX-License-Identifier: MIT */
#ifndef NVC_DMA_H
#define NVC_DMA_H

#include <linux/dma-map-ops.h>

/*
 * nvc_dma_ops_can_map_resource() - whether the DMA ops of a device can map
 * a physical MMIO range (another device's BAR) for DMA, i.e. whether
 * dma_map_resource() has an ops callback to call for such a device.
 *
 * Replaces `ops->map_resource != NULL`.
 *
 * 6.19 API change: commit 14cb413af00c ("dma-mapping: remove unused mapping
 * resource callbacks") removed struct dma_map_ops::map_resource; since
 * then dma_map_resource() calls ::map_phys with DMA_ATTR_MMIO, so ::map_phys
 * is the callback whose presence answers the same question.
 */
static inline bool nvc_dma_ops_can_map_resource(const struct dma_map_ops *ops)
{
#if defined(NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE)
	return ops->map_resource != NULL;
#else
	return ops->map_phys != NULL;
#endif
}

#endif /* NVC_DMA_H */
