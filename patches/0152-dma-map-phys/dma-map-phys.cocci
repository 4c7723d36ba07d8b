// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nv-dma: ask the DMA ops for MMIO mapping through the compat wrapper
//
// Linux 6.19 removed struct dma_map_ops::map_resource (upstream commit
// 14cb413af00c, "dma-mapping: remove unused mapping resource callbacks"):
// dma_map_resource() now maps MMIO through ::map_phys with DMA_ATTR_MMIO.
// nv_dma_use_map_resource() fails with
//
//   error: 'const struct dma_map_ops' has no member named 'map_resource'
//
// Call nvc_dma_ops_can_map_resource(), which tests ::map_resource where it
// exists and ::map_phys where it does not: in both cases the callback that
// dma_map_resource() calls for a device with these ops, so peer MMIO keeps
// being mapped through the IOMMU exactly when it was before.
//
// Origin: other, https://git.kernel.org/linus/14cb413af00c
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.19
// X-Native-Fix: nvidia/nv-dma.c map_phys
// X-Probe: NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE absent
// X-Site: nvidia/nv-dma.c nv_dma_use_map_resource
// X-Residue: * (->|\.)map_resource
// X-Native-Guard: NV_DMA_MAP_OPS_HAS_MAP_PHYS absent
// X-Native-Guard: NV_DMA_MAP_OPS_HAS_MAP_RESOURCE present
// ---
// The test whether the DMA ops map MMIO, E->map_resource != NULL ->
// nvc_dma_ops_can_map_resource(E): any expression for the ops, any spacing
// and line breaks, in any function and file, whatever the lines around it
// (580's glue has no "#else" after NVIDIA's "return (ops->map_resource !=
// NULL);", so the diff does not apply there).  Parentheses around the test
// go with it, as in the diff.  E->map_resource == NULL becomes
// !nvc_dma_ops_can_map_resource(E); through Coccinelle's isomorphisms so do
// NULL != E->map_resource, !E->map_resource and a bare E->map_resource
// tested in an if.  A call through the member, or an assignment to it, is
// no such test: the rule leaves it to the residue check.
@@
expression E;
@@
(
- (E->map_resource != NULL)
+ nvc_dma_ops_can_map_resource(E)
|
- E->map_resource != NULL
+ nvc_dma_ops_can_map_resource(E)
|
- (E->map_resource == NULL)
+ !nvc_dma_ops_can_map_resource(E)
|
- E->map_resource == NULL
+ !nvc_dma_ops_can_map_resource(E)
)
