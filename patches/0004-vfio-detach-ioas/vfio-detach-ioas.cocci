// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia-vgpu-vfio: add .detach_ioas to the vfio device ops
//
// Since Linux 6.6 (upstream commit 9048c7341c4d, "vfio-iommufd: Add
// detach_ioas support for physical VFIO devices", and its emulated
// counterpart) vfio refuses to register a device whose ops bind iommufd
// without a .detach_ioas.  GRID 16.x (535 before 535.183.06) lacks it.
//
// The mdev device ops bind through the emulated iommufd helpers and get
// the emulated detach; the vfio-pci-core ops use the physical helpers and
// get the physical detach.  On kernels without the member the macros are
// empty.
//
// Origin: other, https://git.kernel.org/linus/9048c7341c4d
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.6
// X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-mdev.c \.detach_ioas[[:space:]]*=
// X-Probe: NVC_VFIO_DEVICE_OPS_HAS_DETACH_IOAS present
// X-Residue-Missing: nvidia-vgpu-vfio/*.c \.detach_ioas|NVC_VFIO_(EMULATED|PHYSICAL)_DETACH_IOAS \.attach_ioas[[:space:]]*=
// ---
// A struct vfio_device_ops initialiser (any variable name, entries
// column-aligned or not, #if blocks inside) that binds iommufd through the
// emulated (physical) helpers, .attach_ioas = vfio_iommufd_emulated_attach_ioas
// (..._physical_...), and has no .detach_ioas: NVC_VFIO_EMULATED_DETACH_IOAS
// (NVC_VFIO_PHYSICAL_DETACH_IOAS) on the line after the .attach_ioas entry.
// spatch does not see such a macro line inside an initialiser, so whether
// the initialiser already has one (or a .detach_ioas) is read from its text
// (from its first line to the first line with "};"): the rule adds nothing
// twice.
@initialize:python@
@@
import re

def has_detach(p):
    lines = open(p[0].file, encoding="latin-1").read().split("\n")[int(p[0].line) - 1:]
    body = []
    for l in lines:
        body.append(l)
        if re.search(r"}\s*;", l):
            break
    return re.search(r"\.detach_ioas|NVC_VFIO_(EMULATED|PHYSICAL)_DETACH_IOAS", "\n".join(body)) is not None

@emu@
identifier I;
position p;
symbol vfio_iommufd_emulated_attach_ioas;
@@
struct vfio_device_ops I@p = {
  .attach_ioas = vfio_iommufd_emulated_attach_ioas,
};

@script:python@
p << emu.p;
@@
if has_detach(p):
    cocci.include_match(False)

@depends on emu@
identifier emu.I;
position emu.p;
@@
struct vfio_device_ops I@p = {
  .attach_ioas = vfio_iommufd_emulated_attach_ioas,
+ NVC_VFIO_EMULATED_DETACH_IOAS
};

@phys@
identifier I;
position p;
symbol vfio_iommufd_physical_attach_ioas;
@@
struct vfio_device_ops I@p = {
  .attach_ioas = vfio_iommufd_physical_attach_ioas,
};

@script:python@
p << phys.p;
@@
if has_detach(p):
    cocci.include_match(False)

@depends on phys@
identifier phys.I;
position phys.p;
@@
struct vfio_device_ops I@p = {
  .attach_ioas = vfio_iommufd_physical_attach_ioas,
+ NVC_VFIO_PHYSICAL_DETACH_IOAS
};
