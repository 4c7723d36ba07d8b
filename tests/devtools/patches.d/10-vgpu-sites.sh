# shellcheck shell=sh
# Sourced by ../regen-patches.sh: the compat layer hook and the breaks of
# the vGPU sites (nv-pci.c, nv-vgpu-vfio-interface.c, nvidia-vgpu-vfio/),
# diffed against the pristine fixture trees.

hdr "Kbuild: build with the nvidia-vgpu-compat layer" <<EOF
Include kernel/nvidia-vgpu-compat/nvc-compat.Kbuild from the driver's
Kbuild.  It compiles the layer's probes against the target kernel into
nvc-probes.h and adds "-include nvc-compat.h" to the per-object flags of
every object that depends on conftest, so the wrappers called by the
following patches take the right form for each kernel.  NVIDIA's conftest
itself is left untouched.  The files of kernel/nvidia-vgpu-compat/ come
with this patch when it is exported; "vgpu-compat apply" copies them.

Origin: other, nvidia-vgpu-compat
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.6
EOF
mk 0000-compat-layer kbuild "$F550" \
	'Kbuild::$(addprefix $(obj)/,$(NV_OBJECTS_DEPEND_ON_CONFTEST)): | $(NV_CONFTEST_HEADERS)::+\n# nvidia-vgpu-compat: compat headers and compile probes for newer kernels\ninclude $(src)/nvidia-vgpu-compat/nvc-compat.Kbuild'

hdr "nv-pci: ask the device, not its bus, whether an IOMMU serves a VF" <<EOF
Linux 6.8 removed struct bus_type::iommu_ops (upstream commit
17de3f5fdd35, "iommu: Retire bus ops") and nv_pci_probe() fails with

  nv-pci.c: error: 'const struct bus_type' has no member named 'iommu_ops'

Call nvc_dev_iommu_present(), which asks the device whether an IOMMU
driver manages it (an IOMMU group, and an IOMMU instance with ops), on
every kernel.  This keeps the check's meaning on x86, unlike a test of
dev_iommu_fwspec_get(), which is NULL under Intel VT-d and AMD-Vi.

Origin: other, https://git.kernel.org/linus/17de3f5fdd35
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.8
X-Native-Fix: nvidia/nv-pci.c NV_BUS_TYPE_HAS_IOMMU_OPS
X-Probe: NVC_BUS_TYPE_HAS_IOMMU_OPS absent
X-Residue: * bus->iommu_ops
X-Native-Guard: NV_BUS_TYPE_HAS_IOMMU_OPS present
EOF
# Only the test is replaced: NVIDIA's trailing blank stays, as in what the
# semantic patch (which replaces tokens, not lines) makes of the line.
mk 0001-iommu-bus-ops nv-pci "$F550" \
	'nvidia/nv-pci.c::        if (pci_dev->dev.bus->iommu_ops == NULL) ::        if (!nvc_dev_iommu_present(&pci_dev->dev)) '

hdr "nvidia-vgpu-vfio: signal eventfds through the compat wrapper" <<EOF
Linux 6.8 dropped the counter argument of eventfd_signal() (upstream
commit 3652117f8548, "eventfd: simplify eventfd_signal()"); the build
fails in vgpu_msix_handler() and nv_vgpu_inject_interrupt() with

  error: too many arguments to function 'eventfd_signal'

Call nvc_eventfd_signal(), which adds exactly 1 on every kernel, as
eventfd_signal(ctx, 1) did.

Origin: other, https://git.kernel.org/linus/3652117f8548
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.8
X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_EVENTFD_SIGNAL_HAS_COUNTER_ARG
X-Probe: NVC_EVENTFD_SIGNAL_HAS_COUNTER_ARG absent
X-Residue: * eventfd_signal[[:space:]]*\\([^,()]+,[^,()]+\\)
X-Native-Guard: NV_EVENTFD_SIGNAL_HAS_COUNTER_ARG present
EOF
mk 0002-eventfd-signal nvidia-vgpu-vfio "$F550" \
	'nvidia-vgpu-vfio/nvidia-vgpu-vfio.c::        eventfd_signal(trigger, 1);::        nvc_eventfd_signal(trigger);' \
	'nvidia-vgpu-vfio/nvidia-vgpu-vfio.c::    eventfd_signal(trigger, 1);::    nvc_eventfd_signal(trigger);'

hdr "nvidia-vgpu-vfio: import the IOMMUFD namespace on every kernel" <<EOF
nvidia-vgpu-vfio binds iommufd; on kernels built with CONFIG_IOMMUFD
its symbols live in the IOMMUFD namespace, which the module must import
(modpost: "module uses symbol from namespace IOMMUFD, but does not
import it").  Since Linux 6.13 MODULE_IMPORT_NS() takes a string literal
(upstream commit cdd30ebb1b9f, "module: Convert symbol namespace to
string literal") and MODULE_IMPORT_NS(IOMMUFD) no longer compiles.

Use NVC_MODULE_IMPORT_NS(IOMMUFD), which takes the form each kernel
expects (an identifier before 6.13, a string from 6.13 on).  GRID 16
(535) does not import the namespace at all: add the import.

Origin: other, https://git.kernel.org/linus/cdd30ebb1b9f
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.8
X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_MODULE_IMPORT_NS_TAKES_(STRING_LITERAL|CONSTANT)
X-Probe: NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER absent
X-Residue: nvidia-vgpu-vfio/* MODULE_IMPORT_NS[[:space:]]*\\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\\)
X-Residue-Missing: nvidia-vgpu-vfio/*.c (NVC_)?MODULE_IMPORT_NS[[:space:]]*\\([[:space:]]*"?IOMMUFD"?[[:space:]]*\\) MODULE_LICENSE[[:space:]]*\\(
X-Native-Guard: NV_MODULE_IMPORT_NS_TAKES_CONSTANT present
X-Native-Guard: NV_MODULE_IMPORT_NS_TAKES_STRING_LITERAL absent
EOF
mk 0003-iommufd-namespace 550 "$F550" \
	'nvidia-vgpu-vfio/nvidia-vgpu-vfio.c::MODULE_IMPORT_NS(IOMMUFD);::NVC_MODULE_IMPORT_NS(IOMMUFD);'
mk 0003-iommufd-namespace 535 "$F535" \
	'nvidia-vgpu-vfio/nvidia-vgpu-vfio.c::MODULE_VERSION(NV_VERSION_STRING);::+NVC_MODULE_IMPORT_NS(IOMMUFD);'

hdr "nvidia-vgpu-vfio: add .detach_ioas to the vfio device ops" <<EOF
Since Linux 6.6 (upstream commit 9048c7341c4d, "vfio-iommufd: Add
detach_ioas support for physical VFIO devices", and its emulated
counterpart) vfio refuses to register a device whose ops bind iommufd
without a .detach_ioas.  GRID 16.x (535 before 535.183.06) lacks it.

The mdev device ops bind through the emulated iommufd helpers and get
the emulated detach; the vfio-pci-core ops use the physical helpers and
get the physical detach.  On kernels without the member the macros are
empty.

Origin: other, https://git.kernel.org/linus/9048c7341c4d
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.6
X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-mdev.c \\.detach_ioas[[:space:]]*=
X-Probe: NVC_VFIO_DEVICE_OPS_HAS_DETACH_IOAS present
X-Residue-Missing: nvidia-vgpu-vfio/*.c \\.detach_ioas|NVC_VFIO_(EMULATED|PHYSICAL)_DETACH_IOAS \\.attach_ioas[[:space:]]*=
EOF
mk 0004-vfio-detach-ioas 535 "$F535" \
	'nvidia-vgpu-vfio/vgpu-vfio-mdev.c::    .attach_ioas    = vfio_iommufd_emulated_attach_ioas,::+    NVC_VFIO_EMULATED_DETACH_IOAS' \
	'nvidia-vgpu-vfio/vgpu-vfio-pci-core.c::    .attach_ioas = vfio_iommufd_physical_attach_ioas,::+    NVC_VFIO_PHYSICAL_DETACH_IOAS'

hdr "nvidia: export the vGPU interface for symbol_get() as GPL-only" <<EOF
nvidia-vgpu-vfio reaches nvidia_vgpu_vfio_set_ops() and
nvidia_vgpu_vfio_get_ops() with symbol_get().  Since Linux 6.6
(upstream commit 9011e49d54dc, "modules: only allow symbol_get of
EXPORT_SYMBOL_GPL modules") symbol_get() finds only GPL-only exports
and nvidia-vgpu-vfio fails to load.  Export the two symbols GPL-only:
that only restricts which modules may use them; nvidia-vgpu-vfio is
Dual MIT/GPL.  nvidia.ko's MODULE_LICENSE is not changed.

Origin: other, https://git.kernel.org/linus/9011e49d54dc
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.6
X-Native-Fix: nvidia/nv-vgpu-vfio-interface.c EXPORT_SYMBOL_GPL\\(nvidia_vgpu_vfio_set_ops\\)
X-Probe: - (run-time change, every kernel from 6.6)
X-Residue: * EXPORT_SYMBOL[[:space:]]*\\([[:space:]]*nvidia_vgpu_vfio_(get|set)_ops[[:space:]]*\\)
EOF
# NVIDIA's 550 has two blank lines after the set_ops export, 535 one: a
# variant each (550.144.02 and 570.133.10 take the 550 one).
_e_set='nvidia/nv-vgpu-vfio-interface.c::EXPORT_SYMBOL(nvidia_vgpu_vfio_set_ops);::NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(nvidia_vgpu_vfio_set_ops);'
_e_get='nvidia/nv-vgpu-vfio-interface.c::EXPORT_SYMBOL(nvidia_vgpu_vfio_get_ops);::NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(nvidia_vgpu_vfio_get_ops);'
mk 0005-vgpu-symbols-gpl nv-vgpu-vfio-interface "$F550" "$_e_set" "$_e_get"
mk 0005-vgpu-symbols-gpl nv-vgpu-vfio-interface-535 "$F535" "$_e_set" "$_e_get"

hdr "nvidia-vgpu-vfio: migration files without no_llseek" <<EOF
Linux 6.12 removed no_llseek() (upstream commit cb787f4ac0c2,
"[tree-wide] finally take no_llseek out"): the migration data files
vgpu_save_fops and vgpu_resume_fops fail with "'no_llseek' undeclared".
Use NVC_NO_LLSEEK: no_llseek where it exists, NULL from 6.12 on, where a
file without .llseek is opened without FMODE_LSEEK and lseek() fails
with -ESPIPE as no_llseek() made it fail.

Origin: other, https://git.kernel.org/linus/cb787f4ac0c2
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.12
X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_NO_LLSEEK_PRESENT
X-Probe: NVC_NO_LLSEEK_PRESENT absent
X-Site: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c no_llseek
X-Residue: * no_llseek
X-Native-Guard: NV_NO_LLSEEK_PRESENT present
EOF
mk 0006-no-llseek nvidia-vgpu-vfio "$F550" \
	'nvidia-vgpu-vfio/nvidia-vgpu-vfio.c::*    .llseek = no_llseek,::    .llseek = NVC_NO_LLSEEK,'

hdr "Kbuild: keep EXTRA_CFLAGS working on Linux 6.15 and later" <<EOF
Linux 6.15 stopped adding EXTRA_CFLAGS to ccflags-y (upstream commit
e966ad0edd00, "kbuild: remove EXTRA_*FLAGS support").  Drivers that set
their include paths and defines in EXTRA_CFLAGS (535 before 535.261.03)
then fail with

  fatal error: nv-linux.h: No such file or directory

The compat layer's nvc-compat.Kbuild checks whether the kernel's Kbuild
still carries the compatibility line and, where it does not, adds
EXTRA_CFLAGS to ccflags-y itself.  The fix travels with the Kbuild hook
of the compat layer; this topic has no diff of its own.

Origin: other, https://git.kernel.org/linus/e966ad0edd00
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.15
X-Needed-If: Kbuild ^EXTRA_CFLAGS[[:space:]]*\\+=
X-Probe: - (make-level check in nvc-compat.Kbuild, every kernel from 6.15)
EOF
mkdir -p "$OUT/0007-kbuild-extra-cflags"
{ cat "$H"; echo "---"; } >"$OUT/0007-kbuild-extra-cflags/kbuild.patch"
