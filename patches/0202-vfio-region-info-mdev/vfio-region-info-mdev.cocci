// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia-vgpu-vfio: answer region info queries of mdev vGPUs on Linux 6.19
//
// Since Linux 6.19 vfio answers VFIO_DEVICE_GET_REGION_INFO itself through
// the new vfio_device_ops::get_region_info_caps (upstream commits
// 775f726a742a, "vfio: Add get_region_info_caps op", and f97859503859,
// "vfio: Require drivers to implement get_region_info") and no longer
// passes it to the driver's .ioctl, where nv_vfio_mdev_ioctl() answers it.
// Nothing fails to build; every region query of an mdev vGPU fails with
// -EINVAL and QEMU cannot set the device up.
//
// Add NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS after .ioctl: on 6.19 and later
// it sets .get_region_info_caps to a compat callback that runs the
// driver's own .ioctl on the query, as vfio did before, and hands its
// region info and capabilities (the sparse mmap areas of BAR0) to vfio;
// on older kernels it is empty.
//
// Origin: other, https://git.kernel.org/linus/775f726a742a
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.19
// X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-mdev.c \.get_region_info_caps[[:space:]]*=
// X-Probe: NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS present
// X-Residue-Missing: nvidia-vgpu-vfio/*.c \.get_region_info_caps|NVC_VFIO_[A-Z_]+_GET_REGION_INFO_CAPS \.ioctl[[:space:]]*=
// ---
// A struct vfio_device_ops initialiser (any variable name, entries
// column-aligned or not, #if blocks inside) with an .ioctl entry, no
// .get_region_info_caps (nor one of our NVC_VFIO_*_GET_REGION_INFO_CAPS)
// and no vfio_pci_core_* helper in any entry (an mdev driver's ops; a
// vfio-pci-core driver's are 0203's): NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
// on the line after the .ioctl entry.  spatch does not see such a macro
// line inside an initialiser, so the initialiser's text (from its first
// line to the first line with "};") is read for it and for the helpers:
// the rule adds nothing twice.
@initialize:python@
@@
import re

def body(p):
    lines = open(p[0].file, encoding="latin-1").read().split("\n")[int(p[0].line) - 1:]
    b = []
    for l in lines:
        b.append(l)
        if re.search(r"}\s*;", l):
            break
    return "\n".join(b)

def skip(p):
    b = body(p)
    if re.search(r"\.get_region_info_caps|NVC_VFIO_[A-Z_]+_GET_REGION_INFO_CAPS", b):
        return True
    # a vfio-pci-core driver's ops: 0203's
    return re.search(r"\bvfio_pci_core_\w+", b) is not None

@m@
identifier I;
expression E;
position p;
@@
struct vfio_device_ops I@p = {
  .ioctl = E,
};

@script:python@
p << m.p;
@@
if skip(p):
    cocci.include_match(False)

@depends on m@
identifier m.I;
expression m.E;
position m.p;
@@
struct vfio_device_ops I@p = {
  .ioctl = E,
+ NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
};
