#!/bin/sh
# SPDX-License-Identifier: MIT
# Real builds: each fixture driver unpatched and patched against every
# prepared kernel (Debian's real NVIDIA sources: t80, the matrix); a
# fixture's kernel-open/ tree (the open flavour) unpatched on 7-newest and
# patched (550.54.16 on every kernel, the others on 7-newest; all with
# NVC_TIER=full).
# Unpatched fixtures must build on 6.1 and fail on 6.12 / 7.x with the
# errors users see; patched ones must build everywhere, modpost clean, with
# the right vermagic and namespace import.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t30
rm -rf "$W"; mkdir -p "$W"

kernels=$(kernel_ids)
for id in $kernels; do
	kernel_ready "$id" || { fail "kernel tree $id is not prepared"; continue; }
done

# expect_errors LOG LABEL [RELEASE]: the 6.8 breaks must be what fails, as
# the seed shows; where the driver still sets EXTRA_CFLAGS, 6.15+ fails
# earlier, on the headers it can no longer find.
expect_errors() {
	_log=$1 _label=$2
	if grep -q '^EXTRA_CFLAGS' "${3:-/dev/null}" 2>/dev/null; then
		grep -q "fatal error: nv-linux.h: No such file or directory" "$_log" &&
			pass "$_label: fails on EXTRA_CFLAGS being ignored (6.15+)" ||
			fail "$_label: no EXTRA_CFLAGS failure"
		return
	fi
	grep -Eq "nv-pci.c.*error: [^ ]*const struct bus_type[^ ]* has no member named [^ ]*iommu_ops" "$_log" &&
		pass "$_label: fails on bus_type::iommu_ops (nv-pci.c)" ||
		fail "$_label: no iommu_ops error"
	grep -Eq "nvidia-vgpu-vfio.c.*error: too many arguments to function .eventfd_signal" "$_log" &&
		pass "$_label: fails on eventfd_signal() arity (nvidia-vgpu-vfio.c)" ||
		fail "$_label: no eventfd_signal error"
}

for drv in NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm; do
	ver=${drv#NVIDIA-Linux-x86_64-}; ver=${ver%-vgpu-kvm}
	for id in $kernels; do
		kernel_ready "$id" || continue
		rel=$(kernel_release "$id")
		# Unpatched.
		d=$W/$ver-$id-orig
		fixture_copy "$drv" "$d"
		t0=$(date +%s)
		if build_driver "$d/kernel" "$id" "$d.log"; then ok=1; else ok=0; fi
		secs=$(( $(date +%s) - t0 ))
		if [ "$id" = 6.1 ]; then
			[ $ok = 1 ] && pass "$ver fixture, unpatched, builds on $id" ||
				{ fail "$ver fixture, unpatched, does not build on $id"; tail -n 20 "$d.log"; }
			table_row "$ver (fixture, unpatched)" "$rel" "$([ $ok = 1 ] && echo built || echo failed)" "-" "$secs"
		else
			[ $ok = 0 ] && pass "$ver fixture, unpatched, fails on $id" || fail "$ver fixture, unpatched, builds on $id"
			case $rel in 6.1[5-9]*|[7-9].*) kb=$d/kernel/Kbuild ;; *) kb= ;; esac
			expect_errors "$d.log" "$ver fixture on $id" "$kb"
			table_row "$ver (fixture, unpatched)" "$rel" "$([ $ok = 1 ] && echo built || echo failed)" \
				"$(grep -c ' error: ' "$d.log" || true) errors" "$secs"
		fi
		rm -rf "$d"

		# Patched.
		d=$W/$ver-$id
		fixture_copy "$drv" "$d"
		"$VC" apply "$d/kernel" >/dev/null
		t0=$(date +%s)
		if build_driver "$d/kernel" "$id" "$d.log"; then ok=1; else ok=0; fi
		secs=$(( $(date +%s) - t0 ))
		findings=$(modpost_findings "$d.log")
		if [ $ok = 1 ] && [ -z "$findings" ]; then
			pass "$ver fixture, patched, builds on $id, modpost clean"
		else
			fail "$ver fixture, patched, on $id"; grep -E 'error|modpost' "$d.log" | head -n 20
		fi
		# The probe header belongs to the tree, whatever NVC_OUT the caller
		# has in its environment (run.sh exports one).
		[ -f "$d/kernel/nvidia-vgpu-compat/nvc-probes.h" ] && [ ! -e "$NVC_OUT/nvc-probes.h" ] &&
			pass "$ver on $id: nvc-probes.h made in the tree, not in \$NVC_OUT" ||
			fail "$ver on $id: nvc-probes.h not in the tree (or written to $NVC_OUT)"
		detail=
		for m in nvidia nvidia-vgpu-vfio; do
			ko=$d/kernel/$m.ko
			if [ ! -f "$ko" ]; then detail="$detail no $m.ko;"; continue; fi
			vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
			[ "$vm" = "$rel" ] && pass "$ver/$m.ko on $id: vermagic $vm" ||
				{ fail "$ver/$m.ko on $id: vermagic '$vm', want $rel"; detail="$detail vermagic $vm;"; }
		done
		ko=$d/kernel/nvidia-vgpu-vfio.ko
		if [ -f "$ko" ]; then
			# The import is recorded without quotes; 6.8+ kernels always get it
			# (550.54.16 imports only where vfio binds iommufd, 6.2+).
			ns=$(modinfo -F import_ns "$ko" | sort -u | tr '\n' ' ')
			case $rel in 6.[0-7].*) want="${ns:+IOMMUFD }" ;; *) want="IOMMUFD " ;; esac
			[ "$ns" = "$want" ] && pass "$ver on $id: nvidia-vgpu-vfio import_ns is '${ns% }'" ||
				fail "$ver on $id: import_ns is '$ns', want '$want'"
			[ "$(modinfo -F license "$d/kernel/nvidia.ko")" = NVIDIA ] &&
				pass "$ver on $id: nvidia.ko licence is still NVIDIA" || fail "$ver on $id: nvidia.ko licence changed"
		fi
		# symbol_get() needs GPL-only exports (6.6+): check the export table.
		if [ -f "$d/kernel/Module.symvers" ]; then
			for s in nvidia_vgpu_vfio_get_ops nvidia_vgpu_vfio_set_ops; do
				awk -v s="$s" '$2 == s { print $4 }' "$d/kernel/Module.symvers" | grep -qx EXPORT_SYMBOL_GPL &&
					pass "$ver on $id: $s is EXPORT_SYMBOL_GPL" || fail "$ver on $id: $s not GPL-exported"
			done
		fi
		table_row "$ver (fixture, patched)" "$rel" "$([ $ok = 1 ] && [ -z "$findings" ] && [ -z "$detail" ] && echo built || echo failed)" \
			"${findings:-modpost clean}${detail:+;$detail}" "$secs"
		rm -rf "$d"
	done
done

# --- fixtures with a kernel-open/ tree (the open flavour, from branch 550) -------
# kernel-open/ is nvidia.ko "Dual MIT/GPL" with NVIDIA's kernel-open lines at
# the open flavour's own break sites (tests/fixtures/README.md).  Unpatched it
# fails on 7-newest at exactly the topics tests/fixtures/kernel-open-breaks
# lists for it (0157 DMA_BUF import, 0158 hrtimer_init, 0159
# pci_resize_resource, 0160 dma_buf_attachment_is_dynamic; what the tag of
# its NVIDIA lines does not fix itself), and at none of the others.  Patched
# (apply once, one build per kernel) it builds, modpost clean, licence
# unchanged: 550.54.16 on every kernel; the others on 7-newest only, or on
# every kernel with NVC_TIER=full (each build is some 20 s).
# Where the unpatched build stops a file early on a fatal error (580.65.05
# and 595.45.04: their nv-linux.h includes <linux/of_gpio.h>, gone in 7.1,
# topic 0156), the open sites are never compiled; their errors are then
# judged on one more build, of a copy with every rule but 0157-0160
# applied (a private package without those topics and their residue
# rules): it fails on exactly the listed topics, or builds when none is.
# Deleting one of those rules is refused by apply's residue check (t17).
BREAKS=$TOP/tests/fixtures/kernel-open-breaks
# noopen_root: a private copy of the package without 0157-0160, made once.
NOOPEN=
noopen_root() {
	[ -n "$NOOPEN" ] && return 0
	NOOPEN=$W/root-noopen
	rm -rf "$NOOPEN"; mkdir -p "$NOOPEN"
	cp -a "$TOP/scripts" "$TOP/compat" "$TOP/patches" "$NOOPEN/"
	rm -rf "$NOOPEN"/patches/0157-* "$NOOPEN"/patches/0158-* "$NOOPEN"/patches/0159-* "$NOOPEN"/patches/0160-*
	grep -Ev '^(0157|0158|0159|0160)-' "$TOP/patches/residue.rules" >"$NOOPEN/patches/residue.rules"
}
# ko_error TOPIC: "<what>|<ERE of its error>" of an open-flavour topic.
ko_error() {
	case $1 in
	0157) echo "MODULE_IMPORT_NS(DMA_BUF) (nv.c, 0157)|nvidia/nv.c:[0-9:]+ error: expected .,. or .;. before .DMA_BUF" ;;
	0158) echo "hrtimer_init (nv-nano-timer.c, 0158)|nvidia/nv-nano-timer.c:[0-9:]+ error: implicit declaration of function .hrtimer_init" ;;
	0159) echo "pci_resize_resource arity (nv-pci.c, 0159)|nvidia/nv-pci.c:[0-9:]+ error: too few arguments to function .pci_resize_resource" ;;
	0160) echo "dma_buf_attachment_is_dynamic (nv-dmabuf.c, 0160)|nvidia/nv-dmabuf.c:[0-9:]+ error: implicit declaration of function .dma_buf_attachment_is_dynamic" ;;
	esac
}
for ko in "$FIXTURES"/*/kernel-open; do
	[ -d "$ko" ] || continue
	drv=${ko%/kernel-open}; drv=${drv##*/}
	ver=${drv#NVIDIA-Linux-x86_64-}; ver=${ver%-vgpu-kvm}
	want=$(awk -v v="$ver" '$1 == v && $2 != "-" { print $2 }' "$BREAKS" | sort -u | tr '\n' ' ')
	if ! grep -q "^$ver " "$BREAKS"; then
		fail "$ver kernel-open: no line in $BREAKS (which of 0157-0160 its unpatched build hits)"; continue
	fi
	case " $kernels " in
	*" 7-newest "*)
		if kernel_ready 7-newest; then
			d=$W/$ver-open-7-newest-orig
			fixture_copy "$drv" "$d"
			t0=$(date +%s)
			if build_driver "$d/kernel-open" 7-newest "$d.log"; then ok=1; else ok=0; fi
			secs=$(( $(date +%s) - t0 ))
			if [ -n "$want" ]; then
				[ $ok = 0 ] && pass "$ver kernel-open, unpatched, fails on 7-newest" ||
					fail "$ver kernel-open, unpatched, builds on 7-newest"
			fi
			table_row "$ver kernel-open (fixture, unpatched)" "$(kernel_release 7-newest)" \
				"$([ $ok = 1 ] && echo built || echo failed)" "$(grep -c ' error: ' "$d.log" || true) errors" "$secs"
			log=$d.log how=
			if [ $ok = 0 ] && grep -q 'fatal error: ' "$d.log"; then
				# The open sites were not compiled: judge them with the rest fixed.
				noopen_root
				p=$W/$ver-open-7-newest-others
				fixture_copy "$drv" "$p"
				if NVC_ROOT=$NOOPEN "$NOOPEN/scripts/vgpu-compat" apply "$p/kernel-open" >"$p.apply.log" 2>&1; then
					t0=$(date +%s)
					if build_driver "$p/kernel-open" 7-newest "$p.log"; then pok=1; else pok=0; fi
					secs=$(( $(date +%s) - t0 ))
					log=$p.log how=" (every rule but 0157-0160 applied)"
					if [ -n "$want" ]; then
						[ $pok = 0 ] && pass "$ver kernel-open$how fails on 7-newest" ||
							fail "$ver kernel-open$how builds on 7-newest, but needs $want"
					else
						[ $pok = 1 ] && pass "$ver kernel-open$how builds on 7-newest: none of 0157-0160 needed" ||
							{ fail "$ver kernel-open$how does not build on 7-newest"; grep ' error: ' "$p.log" | head -n 5; }
					fi
					table_row "$ver kernel-open (fixture, all but 0157-0160)" "$(kernel_release 7-newest)" \
						"$([ $pok = 1 ] && echo built || echo failed)" "$(grep -c ' error: ' "$p.log" || true) errors" "$secs"
				else
					fail "$ver kernel-open: apply without 0157-0160"; tail -n 10 "$p.apply.log"
				fi
			fi
			for t in 0157 0158 0159 0160; do
				line=$(ko_error $t); what=${line%%|*} e=${line#*|}
				case " $want " in
				*" $t "*)
					grep -Eq "$e" "$log" && pass "$ver kernel-open$how on 7-newest: fails on $what" ||
						{ fail "$ver kernel-open$how on 7-newest: no $what error"; grep ' error: ' "$log" | head -n 5; } ;;
				*)
					grep -Eq "$e" "$log" && { fail "$ver kernel-open$how on 7-newest: $what error, but NVIDIA's lines fix it natively"; grep -E "$e" "$log" | head -n 3; } ||
						pass "$ver kernel-open$how on 7-newest: no $what error (fixed natively)" ;;
				esac
			done
			rm -rf "$d" "${p:-}"; p=
		fi ;;
	esac
	# Patched: apply once, then one copy per kernel.
	a=$W/$ver-open-applied
	fixture_copy "$drv" "$a"
	if ! "$VC" apply "$a/kernel-open" >"$a.log" 2>&1; then
		fail "$ver kernel-open: apply"; tail -n 10 "$a.log"; rm -rf "$a"; continue
	fi
	pass "$ver kernel-open: apply succeeds, no residue"
	ids=$kernels
	if [ "$ver" != 550.54.16 ] && [ "$NVC_TIER" != full ]; then
		case " $kernels " in *" 7-newest "*) ids=7-newest ;; *) ids= ;; esac
	fi
	for id in $ids; do
		kernel_ready "$id" || continue
		rel=$(kernel_release "$id")
		d=$W/$ver-open-$id
		rm -rf "$d"; cp -a "$a" "$d"
		t0=$(date +%s)
		if build_driver "$d/kernel-open" "$id" "$d.log"; then ok=1; else ok=0; fi
		secs=$(( $(date +%s) - t0 ))
		findings=$(modpost_findings "$d.log")
		if [ $ok = 1 ] && [ -z "$findings" ]; then
			pass "$ver kernel-open, patched, builds on $id, modpost clean"
		else
			fail "$ver kernel-open, patched, on $id"; grep -E 'error|modpost' "$d.log" | head -n 20
		fi
		detail=
		k=$d/kernel-open/nvidia.ko
		if [ -f "$k" ]; then
			lic=$(modinfo -F license "$k")
			[ "$lic" = "Dual MIT/GPL" ] && pass "$ver kernel-open on $id: nvidia.ko licence is Dual MIT/GPL" ||
				{ fail "$ver kernel-open on $id: nvidia.ko licence '$lic', want Dual MIT/GPL"; detail="$detail licence $lic;"; }
			vm=$(modinfo -F vermagic "$k" | cut -d' ' -f1)
			[ "$vm" = "$rel" ] && pass "$ver kernel-open nvidia.ko on $id: vermagic $vm" ||
				{ fail "$ver kernel-open nvidia.ko on $id: vermagic '$vm', want $rel"; detail="$detail vermagic $vm;"; }
			# The DMA_BUF import, in whichever form the kernel takes (0157).
			modinfo -F import_ns "$k" | grep -qx DMA_BUF && pass "$ver kernel-open on $id: nvidia.ko imports DMA_BUF" ||
				{ fail "$ver kernel-open on $id: nvidia.ko does not import DMA_BUF"; detail="$detail no DMA_BUF import;"; }
		else
			detail="$detail no nvidia.ko;"
		fi
		[ -f "$d/kernel-open/nvidia-vgpu-vfio.ko" ] || detail="$detail no nvidia-vgpu-vfio.ko;"
		table_row "$ver kernel-open (fixture, patched)" "$rel" \
			"$([ $ok = 1 ] && [ -z "$findings" ] && [ -z "$detail" ] && echo built || echo failed)" \
			"${findings:-modpost clean}${detail:+;$detail}" "$secs"
		rm -rf "$d"
	done
	rm -rf "$a"
done

# Debian's real NVIDIA sources are built by the matrix (t80, tests/matrix.sh):
# every driver on every prepared kernel, judged the same way.
