#!/bin/sh
# SPDX-License-Identifier: MIT
# nvidia-vgpu-vfio of the newer vGPU branches (fixtures 550.144.02 = vGPU
# 17.5, 570.133.10 = vGPU 18.1) and its breaks up to Linux 7.3:
#  - status: which topics each fixture needs, which NVIDIA already fixed
#    (570's opposite-sense namespace probe included), and that the 6.17 /
#    6.19 topics recognise NVIDIA's own later fixes;
#  - builds on every prepared kernel (NVC_T34_KERNELS, default 6.1 6.12
#    6.12-trixie 7-prev 7-newest): unpatched, the build fails exactly where this
#    kernel's probes say a break bites, with the errors users see, and
#    nowhere NVIDIA's own fixes hold; patched, it builds, modpost clean, with
#    the right vermagic, import_ns IOMMUFD without quotes and nvidia.ko still
#    "NVIDIA"; the 6.17 / 6.19 run-time fixes are wired in exactly on the
#    kernels that need them.
# The wrappers' run-time behaviour is checked by KUnit
# (tests/nvc_compat_vfio_kunit.c, run by t70).
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t34
rm -rf "$W"; mkdir -p "$W"

# has_error LOG ERE: does the build log have this error?  (gcc quotes: ' or UTF-8)
has_error() { grep -Eq -- "$2" "$1"; }

VFIO_TOPICS="0200-irqbypass-producer 0201-vfio-match-token-uuid 0202-vfio-region-info-mdev 0203-vfio-region-info-pci-core"

# --- status -------------------------------------------------------------------
for v in 550.144.02 570.133.10 550.54.16 535.161.05; do
	fixture_copy "NVIDIA-Linux-x86_64-$v-vgpu-kvm" "$W/st/$v"
done
expect_states "550.144.02 fixture" "$W/st/550.144.02/kernel" \
	"0001-iommu-bus-ops=fixed-natively 0002-eventfd-signal=fixed-natively 0003-iommufd-namespace=needed 0004-vfio-detach-ioas=fixed-natively 0005-vgpu-symbols-gpl=needed 0006-no-llseek=needed 0007-kbuild-extra-cflags=fixed-natively 0200-irqbypass-producer=not-applicable 0201-vfio-match-token-uuid=needed 0202-vfio-region-info-mdev=needed 0203-vfio-region-info-pci-core=needed"
# 570 has NVIDIA's module_import_ns_takes_constant probe (defined on the OLD
# kernels) and no_llseek probe: 0003 and 0006 must be left alone.
expect_states "570.133.10 fixture" "$W/st/570.133.10/kernel" \
	"0001-iommu-bus-ops=fixed-natively 0002-eventfd-signal=fixed-natively 0003-iommufd-namespace=fixed-natively 0004-vfio-detach-ioas=fixed-natively 0005-vgpu-symbols-gpl=needed 0006-no-llseek=fixed-natively 0007-kbuild-extra-cflags=fixed-natively 0200-irqbypass-producer=needed 0201-vfio-match-token-uuid=needed 0202-vfio-region-info-mdev=needed 0203-vfio-region-info-pci-core=needed"
for v in 550.54.16 535.161.05; do
	expect_states "$v fixture" "$W/st/$v/kernel" \
		"0200-irqbypass-producer=not-applicable 0201-vfio-match-token-uuid=needed 0202-vfio-region-info-mdev=needed 0203-vfio-region-info-pci-core=needed"
done
# Debian's NVIDIA sources have no nvidia-vgpu-vfio at all.
for v in $(nvidia_versions); do
	src=$(nvidia_src "$v")
	if [ -d "$src" ]; then
		_st=""
		for t in $VFIO_TOPICS; do _st="$_st $t=not-applicable"; done
		expect_states "real $v" "$src" "$_st"
	else
		skip "real $v sources missing"
	fi
done

# apply on 570: every site, one wrapper each, nothing else.
K570=$W/st/570.133.10/kernel
check "570.133.10: apply" "$VC" apply "$K570"
_st=""
for t in $VFIO_TOPICS; do _st="$_st $t=applied"; done
expect_states "570.133.10 after apply" "$K570" "$_st 0003-iommufd-namespace=fixed-natively 0006-no-llseek=fixed-natively"
grep -q '^    ret = nvc_irq_bypass_register_producer(producer, trigger, irq);$' "$K570/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c" &&
	! grep -Eq 'producer->token|irq_bypass_register_producer\(producer\)' "$K570/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c" &&
	pass "570.133.10: IRQ bypass registration goes through the wrapper, no token left" ||
	fail "570.133.10: IRQ bypass registration not patched as expected"
[ "$(grep -c '^    NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID$' "$K570/nvidia-vgpu-vfio/vgpu-vfio-pci-core.c")" = 1 ] &&
[ "$(grep -c '^    NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS$' "$K570/nvidia-vgpu-vfio/vgpu-vfio-pci-core.c")" = 1 ] &&
[ "$(grep -c '^    NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS$' "$K570/nvidia-vgpu-vfio/vgpu-vfio-mdev.c")" = 1 ] &&
	! grep -q 'NVC_VFIO_PCI_CORE' "$K570/nvidia-vgpu-vfio/vgpu-vfio-mdev.c" &&
	pass "570.133.10: vfio-pci-core ops get the pci-core initialisers, mdev ops the ioctl one" ||
	fail "570.133.10: vfio_device_ops initialisers misplaced"
f=nvidia/nv-pci.c
cmp -s "$FIXTURES/NVIDIA-Linux-x86_64-570.133.10-vgpu-kvm/kernel/$f" "$K570/$f" &&
	pass "570.133.10: natively fixed $f left as NVIDIA wrote it" || fail "570.133.10: $f changed"
# nvidia-vgpu-vfio.c: 0200 changes the IRQ bypass producer lines, and only
# them; its natively fixed eventfd, no_llseek and namespace lines stay.
f=nvidia-vgpu-vfio/nvidia-vgpu-vfio.c
diff "$FIXTURES/NVIDIA-Linux-x86_64-570.133.10-vgpu-kvm/kernel/$f" "$K570/$f" >"$W/570-vfio.diff" || :
[ -s "$W/570-vfio.diff" ] && ! grep '^[<>]' "$W/570-vfio.diff" | grep -vq 'producer' &&
	pass "570.133.10: in $f only the IRQ bypass producer lines changed" ||
	{ fail "570.133.10: $f changed elsewhere"; sed 's/^/    | /' "$W/570-vfio.diff"; }
before=$(tree_sum "$K570")
"$VC" apply "$K570" >"$W/again.log" 2>&1 && grep -q 'nothing to do' "$W/again.log" &&
	[ "$(tree_sum "$K570")" = "$before" ] &&
	pass "570.133.10: second apply changes nothing" || fail "570.133.10: second apply"

# A 580-style tree: NVIDIA's own fixes for the 6.17 / 6.19 changes (conftest
# gated, as NVIDIA writes them) must be recognised and left alone.
N=$W/native/kernel
fixture_copy NVIDIA-Linux-x86_64-570.133.10-vgpu-kvm "$W/native"
sed -i 's|^    producer->token = trigger;$|#if defined(NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS)\n    ret = irq_bypass_register_producer(producer, trigger, irq);\n#else\n&|; s|^    ret = irq_bypass_register_producer(producer);$|&\n#endif|' \
	"$N/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c"
sed -i 's|^    .match = vfio_pci_core_match,$|&\n#if defined(NV_VFIO_DEVICE_OPS_HAS_MATCH_TOKEN_UUID)\n    .match_token_uuid = vfio_pci_core_match_token_uuid,\n#endif|; s|^    .ioctl = nv_vfio_pci_ioctl,$|&\n#if defined(NV_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS)\n    .get_region_info_caps = vfio_pci_ioctl_get_region_info,\n#endif|' \
	"$N/nvidia-vgpu-vfio/vgpu-vfio-pci-core.c"
sed -i 's|^    .ioctl = nv_vfio_mdev_ioctl,$|&\n#if defined(NV_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS)\n    .get_region_info_caps = nv_vfio_mdev_get_region_info,\n#endif|' \
	"$N/nvidia-vgpu-vfio/vgpu-vfio-mdev.c"
_st=""
for t in $VFIO_TOPICS; do _st="$_st $t=fixed-natively"; done
expect_states "570 with NVIDIA's 580-style fixes" "$N" "$_st"

# --- builds ---------------------------------------------------------------------
# probe_says KERNEL_ID MACRO: yes or no, from this kernel's compile probes.
probe_says() {
	awk -v m="$2" '$2 == m { print $1 }' "$W/probes-$1"
}

# CI tier: both sides of the breaks (6.1: none; 7-newest: all); full: every kernel.
T34_KIDS=${NVC_T34_KERNELS:-$NVC_ALL_KERNELS}
[ "$NVC_TIER" = full ] || T34_KIDS=${NVC_T34_KERNELS:-6.1 7-newest}
for id in $T34_KIDS; do
	if ! kernel_ready "$id"; then
		skip "kernel tree $id is not prepared"
		continue
	fi
	kb=$(kernel_build "$id")
	rel=$(kernel_release "$id")
	if ! "$VC" probe --kernel "$kb" >"$W/probes-$id" 2>&1; then
		fail "probes do not run against $id"; sed 's/^/    | /' "$W/probes-$id" | tail -n 5
		continue
	fi
	no_llseek_gone=$([ "$(probe_says "$id" NVC_NO_LLSEEK_PRESENT)" = no ] && echo 1 || echo 0)
	ns_string=$([ "$(probe_says "$id" NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER)" = no ] && echo 1 || echo 0)
	irqbypass_new=$([ "$(probe_says "$id" NVC_IRQ_BYPASS_REGISTER_PRODUCER_TAKES_EVENTFD_AND_IRQ)" = yes ] && echo 1 || echo 0)
	token_uuid=$([ "$(probe_says "$id" NVC_VFIO_DEVICE_OPS_HAS_MATCH_TOKEN_UUID)" = yes ] && echo 1 || echo 0)
	region_caps=$([ "$(probe_says "$id" NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS)" = yes ] && echo 1 || echo 0)

	for v in 550.144.02 570.133.10; do
		drv=NVIDIA-Linux-x86_64-$v-vgpu-kvm

		# Unpatched: the errors this kernel's changes cause, and no others.
		d=$W/$v-$id-orig
		fixture_copy "$drv" "$d"
		t0=$(date +%s)
		if build_driver "$d/kernel" "$id" "$d.log"; then ok=1; else ok=0; fi
		secs=$(( $(date +%s) - t0 ))
		want_fail=0
		case $v in
		550.144.02)
			if [ "$no_llseek_gone" = 1 ]; then
				want_fail=1
				has_error "$d.log" "nvidia-vgpu-vfio\.c.*error: .no_llseek. undeclared" &&
					pass "$v unpatched on $id: fails on no_llseek (6.12)" ||
					fail "$v unpatched on $id: no no_llseek error"
			fi
			if [ "$ns_string" = 1 ]; then
				want_fail=1
				has_error "$d.log" "nvidia-vgpu-vfio\.c.*error: expected .,. or .;. before .IOMMUFD." &&
					pass "$v unpatched on $id: fails on MODULE_IMPORT_NS(IOMMUFD) (6.13)" ||
					fail "$v unpatched on $id: no namespace error"
			fi
			;;
		570.133.10)
			if [ "$irqbypass_new" = 1 ]; then
				want_fail=1
				has_error "$d.log" "nvidia-vgpu-vfio\.c.*error: .struct irq_bypass_producer. has no member named .token." &&
				has_error "$d.log" "nvidia-vgpu-vfio\.c.*error: too few arguments to function .irq_bypass_register_producer." &&
					pass "$v unpatched on $id: fails on the IRQ bypass producer registration (6.17)" ||
					fail "$v unpatched on $id: no irqbypass errors"
			fi
			for e in "no_llseek. undeclared" "before .IOMMUFD." ; do
				! has_error "$d.log" "error: .*$e" ||
					fail "$v unpatched on $id: fails on '$e', which NVIDIA's 570 handles"
			done
			;;
		esac
		# NVIDIA's own 6.8 fixes hold on every kernel.
		! has_error "$d.log" "error: .*iommu_ops|error: too many arguments to function .eventfd_signal" &&
			pass "$v unpatched on $id: NVIDIA's own bus_type / eventfd fixes build" ||
			fail "$v unpatched on $id: fails on a 6.8 change NVIDIA fixed"
		if [ $want_fail = 1 ]; then
			[ $ok = 0 ] && pass "$v unpatched fails on $id" || fail "$v unpatched builds on $id"
		else
			[ $ok = 1 ] && pass "$v unpatched builds on $id" ||
				{ fail "$v unpatched does not build on $id"; grep -E ' error: ' "$d.log" | head -n 10; }
		fi
		table_row "$v (fixture, unpatched)" "$rel" "$([ $ok = 1 ] && echo built || echo failed)" \
			"$(grep -c ' error: ' "$d.log" || true) errors" "$secs"
		rm -rf "$d"

		# Patched.
		d=$W/$v-$id
		fixture_copy "$drv" "$d"
		"$VC" apply "$d/kernel" >"$d.apply.log" 2>&1 || { fail "$v: apply"; cat "$d.apply.log"; continue; }
		t0=$(date +%s)
		if build_driver "$d/kernel" "$id" "$d.log"; then ok=1; else ok=0; fi
		secs=$(( $(date +%s) - t0 ))
		findings=$(modpost_findings "$d.log")
		if [ $ok = 1 ] && [ -z "$findings" ]; then
			pass "$v patched builds on $id, modpost clean"
		else
			fail "$v patched on $id"; grep -E 'error|modpost' "$d.log" | head -n 20
		fi
		ko=$d/kernel/nvidia-vgpu-vfio.ko
		for m in nvidia nvidia-vgpu-vfio; do
			[ -f "$d/kernel/$m.ko" ] || continue
			vm=$(modinfo -F vermagic "$d/kernel/$m.ko" | cut -d' ' -f1)
			[ "$vm" = "$rel" ] && pass "$v/$m.ko on $id: vermagic $vm" ||
				fail "$v/$m.ko on $id: vermagic '$vm', want $rel"
		done
		if [ -f "$ko" ]; then
			ns=$(modinfo -F import_ns "$ko" | sort -u | tr '\n' ' ')
			case $rel in 6.[0-7].*) want="${ns:+IOMMUFD }" ;; *) want="IOMMUFD " ;; esac
			[ "$ns" = "$want" ] && pass "$v on $id: nvidia-vgpu-vfio import_ns is '${ns% }'" ||
				fail "$v on $id: import_ns is '$ns', want '$want'"
			[ "$(modinfo -F license "$d/kernel/nvidia.ko")" = NVIDIA ] &&
				pass "$v on $id: nvidia.ko licence is still NVIDIA" || fail "$v on $id: nvidia.ko licence changed"
			# The 6.17 / 6.19 run-time fixes: wired in where the kernel needs
			# them (the vfio_device_ops initialisers name these helpers), absent
			# before.
			syms=$(nm "$ko" 2>/dev/null)
			for pair in "$token_uuid vfio_pci_core_match_token_uuid" \
				    "$region_caps nvc_vfio_ioctl_get_region_info_caps" \
				    "$region_caps nvc_vfio_pci_core_get_region_info_caps"; do
				want=${pair%% *} sym=${pair#* }
				if printf '%s\n' "$syms" | grep -Eq " [tTU] $sym\$"; then got=1; else got=0; fi
				[ "$got" = "$want" ] &&
					pass "$v on $id: $sym $([ "$want" = 1 ] && echo used || echo not used)" ||
					fail "$v on $id: $sym used=$got, want $want"
			done
			if [ $v = 570.133.10 ]; then
				printf '%s\n' "$syms" | grep -Eq ' U irq_bypass_register_producer$' &&
					pass "$v on $id: VF vectors registered with the IRQ bypass manager" ||
					fail "$v on $id: no irq_bypass_register_producer import"
			fi
		fi
		if [ -f "$d/kernel/nvidia.ko" ]; then
			nm "$d/kernel/nvidia.ko" | grep -Eq ' U (vm_mmap|vfio_|irq_bypass_)' &&
				fail "$v on $id: nvidia.ko imports vfio / irqbypass / vm_mmap symbols" ||
				pass "$v on $id: nvidia.ko imports nothing of the vfio wrappers"
		fi
		if [ -f "$d/kernel/Module.symvers" ]; then
			for s in nvidia_vgpu_vfio_get_ops nvidia_vgpu_vfio_set_ops; do
				awk -v s="$s" '$2 == s { print $4 }' "$d/kernel/Module.symvers" | grep -qx EXPORT_SYMBOL_GPL &&
					pass "$v on $id: $s is EXPORT_SYMBOL_GPL" || fail "$v on $id: $s not GPL-exported"
			done
		fi
		table_row "$v (fixture, patched)" "$rel" "$([ $ok = 1 ] && [ -z "$findings" ] && echo built || echo failed)" \
			"${findings:-modpost clean}" "$secs"
		rm -rf "$d"
	done
done
