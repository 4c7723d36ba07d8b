# shellcheck shell=sh
# Sourced by ../regen-patches.sh: the breaks of nvidia-vgpu-vfio on Linux
# 6.17 ... 7.3 (IRQ bypass producers, vfio_device_ops callbacks), diffed
# against the pristine fixture trees of the vGPU 16 to 18 branches.  The
# 6.6 - 6.13 breaks of the same module are in 10-vgpu-sites.sh.
#
# Each topic touches one file and has its own X-Native-Fix pattern for
# NVIDIA's own fix (580.94.16: IRQ bypass; 580.142: get_region_info_caps).
# The IRQ bypass producers exist from vGPU 18 on, in nvidia-vgpu-vfio.c,
# which every branch has: X-Site makes 0200 not-applicable without them.
# NVIDIA's 595 conftest.sh also tests irq_bypass_producer_has_token
# (NV_IRQ_BYPASS_PRODUCER_HAS_TOKEN): a token assignment under it is
# confined to the kernels that have the field (X-Native-Guard).
#
# Looked at and left without a topic: vfio_device_ops::pasid_attach_ioas
# (6.16; optional), vfio_pci_core_setup_barmap() / vfio_pci_core_set_params()
# removed (7.x; no vGPU site we know uses them), VFIO_MIG_GET_PRECOPY_INFO v2
# (7.x; opt-in by userspace, the driver's v1 answer stays valid).

F570_133=$TOP/tests/fixtures/drivers/NVIDIA-Linux-x86_64-570.133.10-vgpu-kvm/kernel

# mk_del TOPIC VARIANT PRISTINE_KERNEL_DIR FILE SED_SCRIPT: like mk, for an
# edit that also deletes lines (mkpatch.py only replaces and inserts): the
# patch is the header $H and diff -u of FILE against FILE run through sed.
mk_del() {
	_t=$1 _v=$2 _p=$3 _f=$4 _s=$5
	mkdir -p "$OUT/$_t"
	_new=$(mktemp)
	sed -e "$_s" "$_p/$_f" >"$_new"
	printf '%s\n---\n' "$(cat "$H")" >"$OUT/$_t/$_v.patch"
	_rc=0
	diff -U "${NVC_DIFF_U:-3}" --label "a/kernel/$_f" --label "b/kernel/$_f" \
		"$_p/$_f" "$_new" >>"$OUT/$_t/$_v.patch" || _rc=$?
	rm -f "$_new"
	if [ "$_rc" != 1 ]; then
		echo "mk_del: $_f: the edit changed nothing, or diff failed ($_rc)" >&2
		exit 1
	fi
}

hdr "nvidia-vgpu-vfio: register IRQ bypass producers through the compat wrapper" <<EOF
Linux 6.17 changed how an IRQ bypass producer is registered: struct
irq_bypass_producer lost its token (upstream commit 2b521d86ee80,
"irqbypass: Take ownership of producer/consumer token tracking"), and
irq_bypass_register_producer() takes the eventfd and the Linux IRQ
number (upstream commit 23b54381cee2, "irqbypass: Require producers to
pass in Linux IRQ number during registration").  vGPU 18 registers one
producer per host MSI-X vector of a VF and fails with

  error: 'struct irq_bypass_producer' has no member named 'token'
  error: too few arguments to function 'irq_bypass_register_producer'

Call nvc_irq_bypass_register_producer(producer, eventfd, irq), which on
older kernels sets the token and IRQ number, registers, and clears the
token again when the registration fails, as the driver did; on newer
ones the IRQ bypass manager does all of that itself.  KVM keeps posting
the VF's interrupts to the vCPU directly.

Origin: other, https://git.kernel.org/linus/2b521d86ee80
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.17
X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS
X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-pci-core.c NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS
X-Site: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c irq_bypass_register_producer\\(
X-Probe: NVC_IRQ_BYPASS_REGISTER_PRODUCER_TAKES_EVENTFD_AND_IRQ present
X-Residue: * irq_bypass_register_producer[[:space:]]*\\([^,()]*\\)
X-Residue: * producer(->|\\.)token[[:space:]]*=
X-Native-Guard: NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS absent
X-Native-Guard: NV_IRQ_BYPASS_PRODUCER_HAS_TOKEN present
EOF
mk_del 0200-irqbypass-producer 570 "$F570_133" nvidia-vgpu-vfio/nvidia-vgpu-vfio.c '
/^    producer->token = trigger;$/d
/^    producer->irq = irq;$/d
s/^    ret = irq_bypass_register_producer(producer);$/    ret = nvc_irq_bypass_register_producer(producer, trigger, irq);/
/^        producer->token = NULL;$/d'

hdr "nvidia-vgpu-vfio: give the vfio-pci-core ops the VF token check" <<EOF
Since Linux 6.17 (upstream commit 86624ba3b522, "vfio/pci: Do vf_token
checks for VFIO_DEVICE_BIND_IOMMUFD") vfio_pci_core_match() no longer
checks the SR-IOV VF token itself but calls the new
vfio_device_ops::match_token_uuid, without checking that it is set.
nv_vfio_pci_ops has .match = vfio_pci_core_match and no such callback:
the build succeeds, and the kernel oopses on a NULL call as soon as QEMU
opens a vGPU VF through its VFIO group.

Add NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID after .match: on 6.17 and later
it sets .match_token_uuid = vfio_pci_core_match_token_uuid, the check
vfio_pci_core_match() made before (it also guards the iommufd cdev
path); on older kernels it is empty.

Origin: other, https://git.kernel.org/linus/86624ba3b522
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.17
X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-pci-core.c \\.match_token_uuid[[:space:]]*=
X-Probe: NVC_VFIO_DEVICE_OPS_HAS_MATCH_TOKEN_UUID present
X-Residue-Missing: nvidia-vgpu-vfio/*.c \\.match_token_uuid|NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID \\.match[[:space:]]*=[[:space:]]*vfio_pci_core_match
EOF
mk 0201-vfio-match-token-uuid vgpu-vfio-pci-core "$F550" \
	'nvidia-vgpu-vfio/vgpu-vfio-pci-core.c::    .match = vfio_pci_core_match,::+    NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID'

hdr "nvidia-vgpu-vfio: answer region info queries of mdev vGPUs on Linux 6.19" <<EOF
Since Linux 6.19 vfio answers VFIO_DEVICE_GET_REGION_INFO itself through
the new vfio_device_ops::get_region_info_caps (upstream commits
775f726a742a, "vfio: Add get_region_info_caps op", and f97859503859,
"vfio: Require drivers to implement get_region_info") and no longer
passes it to the driver's .ioctl, where nv_vfio_mdev_ioctl() answers it.
Nothing fails to build; every region query of an mdev vGPU fails with
-EINVAL and QEMU cannot set the device up.

Add NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS after .ioctl: on 6.19 and later
it sets .get_region_info_caps to a compat callback that runs the
driver's own .ioctl on the query, as vfio did before, and hands its
region info and capabilities (the sparse mmap areas of BAR0) to vfio;
on older kernels it is empty.

Origin: other, https://git.kernel.org/linus/775f726a742a
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.19
X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-mdev.c \\.get_region_info_caps[[:space:]]*=
X-Probe: NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS present
X-Residue-Missing: nvidia-vgpu-vfio/*.c \\.get_region_info_caps|NVC_VFIO_[A-Z_]+_GET_REGION_INFO_CAPS \\.ioctl[[:space:]]*=
EOF
mk 0202-vfio-region-info-mdev vgpu-vfio-mdev "$F550" \
	'nvidia-vgpu-vfio/vgpu-vfio-mdev.c::    .ioctl = nv_vfio_mdev_ioctl,::+    NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS'

hdr "nvidia-vgpu-vfio: answer region info queries of vGPU VFs on Linux 6.19" <<EOF
Since Linux 6.19 vfio answers VFIO_DEVICE_GET_REGION_INFO itself through
the new vfio_device_ops::get_region_info_caps (upstream commits
775f726a742a, "vfio: Add get_region_info_caps op", and f97859503859,
"vfio: Require drivers to implement get_region_info"), and
vfio_pci_core_ioctl(), to which nv_vfio_pci_ioctl() hands the query, no
longer answers it.  Nothing fails to build; every region query of a
vGPU VF fails with -EINVAL and QEMU cannot set the device up.

Add NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS after .ioctl: on 6.19 and
later it sets .get_region_info_caps to a compat callback that runs the
driver's .ioctl on the query, as vfio did before, and where that hands
it on to vfio-pci-core, answers with vfio_pci_ioctl_get_region_info(),
the code vfio_pci_core_ioctl() ran for it before; on older kernels it is
empty.

Origin: other, https://git.kernel.org/linus/775f726a742a
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.19
X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-pci-core.c \\.get_region_info_caps[[:space:]]*=
X-Probe: NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS present
X-Residue-Missing: nvidia-vgpu-vfio/*.c \\.get_region_info_caps|NVC_VFIO_[A-Z_]+_GET_REGION_INFO_CAPS \\.ioctl[[:space:]]*=
EOF
mk 0203-vfio-region-info-pci-core vgpu-vfio-pci-core "$F550" \
	'nvidia-vgpu-vfio/vgpu-vfio-pci-core.c::    .ioctl = nv_vfio_pci_ioctl,::+    NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS'
