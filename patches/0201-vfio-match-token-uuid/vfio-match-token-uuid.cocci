// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia-vgpu-vfio: give the vfio-pci-core ops the VF token check
//
// Since Linux 6.17 (upstream commit 86624ba3b522, "vfio/pci: Do vf_token
// checks for VFIO_DEVICE_BIND_IOMMUFD") vfio_pci_core_match() no longer
// checks the SR-IOV VF token itself but calls the new
// vfio_device_ops::match_token_uuid, without checking that it is set.
// nv_vfio_pci_ops has .match = vfio_pci_core_match and no such callback:
// the build succeeds, and the kernel oopses on a NULL call as soon as QEMU
// opens a vGPU VF through its VFIO group.
//
// Add NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID after .match: on 6.17 and later
// it sets .match_token_uuid = vfio_pci_core_match_token_uuid, the check
// vfio_pci_core_match() made before (it also guards the iommufd cdev
// path); on older kernels it is empty.
//
// Origin: other, https://git.kernel.org/linus/86624ba3b522
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.17
// X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-pci-core.c \.match_token_uuid[[:space:]]*=
// X-Probe: NVC_VFIO_DEVICE_OPS_HAS_MATCH_TOKEN_UUID present
// X-Residue-Missing: nvidia-vgpu-vfio/*.c \.match_token_uuid|NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID \.match[[:space:]]*=[[:space:]]*vfio_pci_core_match
// ---
// A struct vfio_device_ops initialiser (any variable name, entries
// column-aligned or not, #if blocks inside) with .match =
// vfio_pci_core_match and no .match_token_uuid:
// NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID on the line after the .match entry.
// spatch does not see such a macro line inside an initialiser, so whether
// the initialiser already has one (or a .match_token_uuid) is read from its
// text (from its first line to the first line with "};"): the rule adds
// nothing twice.
@initialize:python@
@@
import re

def has_token_uuid(p):
    lines = open(p[0].file, encoding="latin-1").read().split("\n")[int(p[0].line) - 1:]
    body = []
    for l in lines:
        body.append(l)
        if re.search(r"}\s*;", l):
            break
    return re.search(r"\.match_token_uuid|NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID", "\n".join(body)) is not None

@m@
identifier I;
position p;
symbol vfio_pci_core_match;
@@
struct vfio_device_ops I@p = {
  .match = vfio_pci_core_match,
};

@script:python@
p << m.p;
@@
if has_token_uuid(p):
    cocci.include_match(False)

@depends on m@
identifier m.I;
position m.p;
@@
struct vfio_device_ops I@p = {
  .match = vfio_pci_core_match,
+ NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
};
