#!/bin/sh
# SPDX-License-Identifier: MIT
# nvidia-vgpu-vfio of the newer vGPU branches (fixtures 550.144.02 = vGPU
# 17.5, 570.133.10 = vGPU 18.1, 580.65.05 = vGPU 19.0, 595.45.04 = vGPU 20;
# the last two with NVIDIA's kernel-open lines at every nvidia/ site, so
# their nvidia.ko breaks are checked here too) and its breaks up to Linux
# 7.3:
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
#  - CI tier: the builds of 580.65.05 patched only (on 6.1 and 7-newest);
#    its unpatched builds and 595.45.04's in the full tier.
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
for v in 550.144.02 570.133.10 580.65.05 595.45.04 550.54.16 535.161.05; do
	fixture_copy "NVIDIA-Linux-x86_64-$v-vgpu-kvm" "$W/st/$v"
done
expect_states "550.144.02 fixture" "$W/st/550.144.02/kernel" \
	"0001-iommu-bus-ops=fixed-natively 0002-eventfd-signal=fixed-natively 0003-iommufd-namespace=needed 0004-vfio-detach-ioas=fixed-natively 0005-vgpu-symbols-gpl=needed 0006-no-llseek=needed 0007-kbuild-extra-cflags=fixed-natively 0200-irqbypass-producer=not-applicable 0201-vfio-match-token-uuid=needed 0202-vfio-region-info-mdev=needed 0203-vfio-region-info-pci-core=needed"
# 570 has NVIDIA's module_import_ns_takes_constant probe (defined on the OLD
# kernels) and no_llseek probe: 0003 and 0006 must be left alone.
expect_states "570.133.10 fixture" "$W/st/570.133.10/kernel" \
	"0001-iommu-bus-ops=fixed-natively 0002-eventfd-signal=fixed-natively 0003-iommufd-namespace=fixed-natively 0004-vfio-detach-ioas=fixed-natively 0005-vgpu-symbols-gpl=needed 0006-no-llseek=fixed-natively 0007-kbuild-extra-cflags=fixed-natively 0200-irqbypass-producer=needed 0201-vfio-match-token-uuid=needed 0202-vfio-region-info-mdev=needed 0203-vfio-region-info-pci-core=needed"
# 580.65.05 (kernel-open 580.65.06's nvidia/ lines): NVIDIA's conftest has
# no no_llseek test (its migration files have no .llseek), none for the
# 6.17 IRQ bypass arguments or 6.19 region info; its nv-dma.c needs 0152's
# 580 variant.  595.45.04 (kernel-open 595.45.04): 6.19's in_irq, map_phys,
# vma_flags_set_word and nvidia-vgpu-vfio's IRQ bypass and region info are
# NVIDIA's own; the 7.0 VMA lock, 7.2 strncpy and .match_token_uuid not.
expect_states "580.65.05 fixture" "$W/st/580.65.05/kernel" \
	"0001-iommu-bus-ops=fixed-natively 0002-eventfd-signal=fixed-natively 0003-iommufd-namespace=fixed-natively 0004-vfio-detach-ioas=fixed-natively 0005-vgpu-symbols-gpl=needed 0006-no-llseek=not-applicable 0007-kbuild-extra-cflags=fixed-natively 0100-follow-pfn=needed 0101-vma-start-write-gpl=fixed-natively 0102-vma-flags-bitmap=needed 0103-vma-write-locked=needed 0150-timer-delete-sync=fixed-natively 0151-in-irq=needed 0152-dma-map-phys=needed 0153-strncpy=needed 0154-pahole-gen-btf=needed 0156-of-gpio=needed 0157-import-ns-dma-buf=fixed-natively 0200-irqbypass-producer=needed 0201-vfio-match-token-uuid=needed 0202-vfio-region-info-mdev=needed 0203-vfio-region-info-pci-core=needed"
expect_states "595.45.04 fixture" "$W/st/595.45.04/kernel" \
	"0001-iommu-bus-ops=fixed-natively 0002-eventfd-signal=fixed-natively 0003-iommufd-namespace=fixed-natively 0004-vfio-detach-ioas=fixed-natively 0005-vgpu-symbols-gpl=needed 0006-no-llseek=not-applicable 0007-kbuild-extra-cflags=fixed-natively 0100-follow-pfn=needed 0101-vma-start-write-gpl=fixed-natively 0102-vma-flags-bitmap=fixed-natively 0103-vma-write-locked=needed 0150-timer-delete-sync=fixed-natively 0151-in-irq=fixed-natively 0152-dma-map-phys=fixed-natively 0153-strncpy=needed 0154-pahole-gen-btf=needed 0156-of-gpio=needed 0157-import-ns-dma-buf=fixed-natively 0200-irqbypass-producer=fixed-natively 0201-vfio-match-token-uuid=needed 0202-vfio-region-info-mdev=fixed-natively 0203-vfio-region-info-pci-core=fixed-natively"
for v in 580.65.05 595.45.04; do
	"$VC" status "$W/st/$v/kernel" >"$W/st/$v.status" 2>&1 || :
	! grep -q '^residue:' "$W/st/$v.status" && pass "$v fixture: no residue in status" ||
		{ fail "$v fixture: status lists residue"; sed -n '/^residue:/,$p' "$W/st/$v.status"; }
	k=$W/st/$v/kernel
	if "$VC" apply "$k" >"$W/st/$v.apply" 2>&1; then pass "$v: apply exits 0"; else
		fail "$v: apply exits $?"; tail -n 5 "$W/st/$v.apply"; continue; fi
	"$VC" status "$k" >"$W/st/$v.after" 2>&1 || :
	bad=$(awk '$1 ~ /^0[0-9][0-9][0-9]-/ && $2 != "applied" && $2 != "fixed-natively" && $2 != "not-applicable" { print $1 "=" $2 }' "$W/st/$v.after")
	[ -z "$bad" ] && ! grep -q '^residue:' "$W/st/$v.after" &&
		pass "$v after apply: every topic applied, fixed-natively or not-applicable, no residue" ||
		fail "$v after apply: $bad $(grep '^residue:' "$W/st/$v.after")"
	before=$(tree_sum "$k")
	"$VC" apply "$k" >"$W/st/$v.again" 2>&1 && grep -q 'nothing to do' "$W/st/$v.again" &&
		[ "$(tree_sum "$k")" = "$before" ] &&
		pass "$v: second apply changes nothing" || fail "$v: second apply"
done
K580=$W/st/580.65.05/kernel
[ "$(grep -c '^    return nvc_dma_ops_can_map_resource(ops);$' "$K580/nvidia/nv-dma.c" 2>/dev/null)" = 1 ] &&
	pass "580.65.05: nv_dma_use_map_resource() asks nvc_dma_ops_can_map_resource() (0152's 580 variant)" ||
	fail "580.65.05: nv-dma.c not patched by 0152"
K595=$W/st/595.45.04/kernel
for f in nvidia/nv-dma.c common/inc/nv-time.h common/inc/nv-mm.h nvidia-vgpu-vfio/vgpu-vfio-mdev.c; do
	cmp -s "$FIXTURES/NVIDIA-Linux-x86_64-595.45.04-vgpu-kvm/kernel/$f" "$K595/$f" &&
		pass "595.45.04: natively fixed $f left as NVIDIA wrote it" || fail "595.45.04: $f changed"
done
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
# The fixtures built, and those also built unpatched (each build of a fixture
# takes about a minute here): CI adds 580.65.05 patched only.
T34_BUILD=${NVC_T34_FIXTURES:-550.144.02 570.133.10 580.65.05 595.45.04}
T34_UNPATCHED=${NVC_T34_UNPATCHED:-$T34_BUILD}
if [ "$NVC_TIER" != full ]; then
	T34_BUILD=${NVC_T34_FIXTURES:-550.144.02 570.133.10 580.65.05}
	T34_UNPATCHED=${NVC_T34_UNPATCHED:-550.144.02 570.133.10}
fi
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
	in_irq_gone=$([ "$(probe_says "$id" NVC_IN_IRQ_PRESENT)" = no ] && echo 1 || echo 0)
	map_resource_gone=$([ "$(probe_says "$id" NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE)" = no ] && echo 1 || echo 0)
	strncpy_gone=$([ "$(probe_says "$id" NVC_STRNCPY_PRESENT)" = no ] && echo 1 || echo 0)
	vma_flags_bitmap=$([ "$(probe_says "$id" NVC_VMA_FLAGS_SET_WORD_PRESENT)" = yes ] && echo 1 || echo 0)
	of_gpio_gone=$([ "$(probe_says "$id" NVC_LINUX_OF_GPIO_H_PRESENT)" = no ] && echo 1 || echo 0)

	for v in $T34_BUILD; do
		drv=NVIDIA-Linux-x86_64-$v-vgpu-kvm

		# Unpatched: the errors this kernel's changes cause, and no others.
		case " $T34_UNPATCHED " in
		*" $v "*) ;;
		*) skip "$v unpatched on $id: built in the full tier only (NVC_TIER=full)"; false ;;
		esac &&
		{
		d=$W/$v-$id-orig
		fixture_copy "$drv" "$d"
		t0=$(date +%s)
		if build_driver "$d/kernel" "$id" "$d.log"; then ok=1; else ok=0; fi
		secs=$(( $(date +%s) - t0 ))
		want_fail=0
		# 7.1 removed <linux/of_gpio.h>, which 580 and 595 include in
		# nv-linux.h without a guard: every nvidia.ko object stops there
		# (0156's control), before the other breaks could show.  Assert
		# that, then build again without the include (a test-side edit
		# of the copy) for the controls of the other breaks.
		case $v in 580.* | 595.*)
			if [ "$of_gpio_gone" = 1 ]; then
				want_fail=1
				has_error "$d.log" "nv-linux\.h:[0-9]+:[0-9]+: fatal error: linux/of_gpio\.h: No such file or directory" &&
					pass "$v unpatched on $id: fails on <linux/of_gpio.h> (7.1)" ||
					fail "$v unpatched on $id: no of_gpio.h error"
				mv "$d.log" "$d.of-gpio.log"
				sed -i '/^#include <linux\/of_gpio\.h>$/d' "$d/kernel/common/inc/nv-linux.h"
				if build_driver "$d/kernel" "$id" "$d.log"; then ok=1; else ok=0; fi
				! has_error "$d.log" "of_gpio" ||
					fail "$v unpatched on $id without the include: still an of_gpio error"
			fi ;;
		esac
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
		580.65.05)
			# nvidia.ko's sites too: NVIDIA's kernel-open 580.65.06 lines.
			for chk in "$irqbypass_new|nvidia-vgpu-vfio\.c.*error: too few arguments to function .irq_bypass_register_producer.|the IRQ bypass producer registration (6.17)" \
				   "$in_irq_gone|nv-time\.h.*error: implicit declaration of function .in_irq.|in_irq() (6.19)" \
				   "$map_resource_gone|nv-dma\.c.*error: .const struct dma_map_ops. has no member named .map_resource.|dma_map_ops::map_resource (6.19)" \
				   "$vma_flags_bitmap|nv-mm\.h.*error: assignment of read-only member .vm_flags.|the VMA flags bitmap (6.19)" \
				   "$strncpy_gone|(os-interface|linux_nvswitch)\.c.*error: implicit declaration of function .strncpy.|strncpy() (7.2)"; do
				on=${chk%%|*}; rest=${chk#*|}; ere=${rest%|*}; what=${rest##*|}
				[ "$on" = 1 ] || continue
				want_fail=1
				has_error "$d.log" "$ere" && pass "$v unpatched on $id: fails on $what" ||
					fail "$v unpatched on $id: no error for $what"
			done
			;;
		595.45.04)
			if [ "$strncpy_gone" = 1 ]; then
				want_fail=1
				has_error "$d.log" "(os-interface|linux_nvswitch)\.c.*error: implicit declaration of function .strncpy." &&
					pass "$v unpatched on $id: fails on strncpy() (7.2)" ||
					fail "$v unpatched on $id: no strncpy error"
			fi
			for e in "in_irq" "map_resource" "read-only member .vm_flags" "token" "irq_bypass_register_producer" ; do
				! has_error "$d.log" "error: .*$e" ||
					fail "$v unpatched on $id: fails on '$e', which NVIDIA's 595 handles"
			done
			;;
		esac
		case $v in 580.*|595.*)
			for e in "del_timer_sync" "before .DMA_BUF." "follow_pfn" ; do
				! has_error "$d.log" "error: .*$e" ||
					fail "$v unpatched on $id: fails on '$e', which NVIDIA's $v handles"
			done ;;
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
		}

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
			case $v in
			595.*) # NVIDIA's own region info callbacks (conftest-gated)
				pairs="$region_caps vfio_pci_ioctl_get_region_info|0 nvc_vfio_ioctl_get_region_info_caps|0 nvc_vfio_pci_core_get_region_info_caps" ;;
			*)	pairs="$region_caps nvc_vfio_ioctl_get_region_info_caps|$region_caps nvc_vfio_pci_core_get_region_info_caps" ;;
			esac
			IFS='|'
			# shellcheck disable=SC2086 # split at '|' on purpose
			set -- "$token_uuid vfio_pci_core_match_token_uuid" $pairs
			unset IFS
			for pair in "$@"; do
				want=${pair%% *} sym=${pair#* }
				if printf '%s\n' "$syms" | grep -Eq " [tTU] $sym\$"; then got=1; else got=0; fi
				[ "$got" = "$want" ] &&
					pass "$v on $id: $sym $([ "$want" = 1 ] && echo used || echo not used)" ||
					fail "$v on $id: $sym used=$got, want $want"
			done
			if [ "$v" != 550.144.02 ]; then
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
