// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nv-pci: ask the device, not its bus, whether an IOMMU serves a VF
//
// Linux 6.8 removed struct bus_type::iommu_ops (upstream commit
// 17de3f5fdd35, "iommu: Retire bus ops") and nv_pci_probe() fails with
//
//   nv-pci.c: error: 'const struct bus_type' has no member named 'iommu_ops'
//
// Call nvc_dev_iommu_present(), which asks the device whether an IOMMU
// driver manages it (an IOMMU group, and an IOMMU instance with ops), on
// every kernel.  This keeps the check's meaning on x86, unlike a test of
// dev_iommu_fwspec_get(), which is NULL under Intel VT-d and AMD-Vi.
//
// Origin: other, https://git.kernel.org/linus/17de3f5fdd35
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.8
// X-Native-Fix: nvidia/nv-pci.c NV_BUS_TYPE_HAS_IOMMU_OPS
// X-Probe: NVC_BUS_TYPE_HAS_IOMMU_OPS absent
// X-Residue: * bus->iommu_ops
// X-Native-Guard: NV_BUS_TYPE_HAS_IOMMU_OPS present
// ---
// The test whether the device's bus has IOMMU ops, for a struct device D
// (D.bus->iommu_ops: pci_dev->dev, to_pci_dev(x)->dev, any expression) or a
// pointer P to one (P->bus->iommu_ops):
//   D.bus->iommu_ops == NULL  -> !nvc_dev_iommu_present(&D)
//   D.bus->iommu_ops != NULL  -> nvc_dev_iommu_present(&D)
//   P->bus->iommu_ops == NULL -> !nvc_dev_iommu_present(P)
//   P->bus->iommu_ops != NULL -> nvc_dev_iommu_present(P)
// through Coccinelle's isomorphisms also NULL == ..., !D.bus->iommu_ops and
// a bare D.bus->iommu_ops tested in an if; any spacing and line breaks, in
// any function and file, in either branch of an #if.  Only the test is
// replaced: the rest of the line keeps its layout (NVIDIA's trailing blank
// after "if (...)" too).  A read of the ops for anything else (a call
// through them, an assignment) is no such test: the rule leaves it to the
// residue check.
@@
expression D, P;
@@
(
- D.bus->iommu_ops == NULL
+ !nvc_dev_iommu_present(&D)
|
- D.bus->iommu_ops != NULL
+ nvc_dev_iommu_present(&D)
|
- P->bus->iommu_ops == NULL
+ !nvc_dev_iommu_present(P)
|
- P->bus->iommu_ops != NULL
+ nvc_dev_iommu_present(P)
)
