#!/bin/sh
# SPDX-License-Identifier: MIT
# The real driver x kernel matrix (tests/matrix.sh, also "make matrix"): one
# check per cell.  built passes; declined-known passes with its documented
# reason (tests/matrix.d/declined.tsv); failed fails with what went wrong;
# skipped (the kernel-open cells where ../shared is absent) skips.
# Cells whose inputs did not change since the last run reuse their recorded
# result, so a second make check costs seconds.
set -eu
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

# --- the conftest diff, in every tier ---------------------------------------------
# NVIDIA's kernel-open 535.161.07 glue (its conftest compiles without the
# kernel's -fms-extensions) as a "+vgpu" cell on 7-newest, in a private
# matrix cache: with the layer, NVIDIA's conftest agrees with our probes and
# nvidia.o links; with the layer's conftest flag line (0155) taken out of a
# private copy of the package, the cell fails and names the macros conftest
# got wrong; with its cmd_symlink line (0161) taken out of another, the link
# fails on the dangling nv-kernel.o symlink.
SHARED=${NVC_SHARED:-$TOP/../shared}
ct_tag=535.161.07 ct_k=7-newest
if [ ! -f "$SHARED/real/kernel-open/kernel-open-$ct_tag.tar.xz" ]; then
	skip "conftest diff: no $SHARED/real/kernel-open/kernel-open-$ct_tag.tar.xz (../shared is not in a user's clone)"
elif ! kernel_ready "$ct_k"; then
	skip "conftest diff: kernel tree $ct_k is not prepared"
else
	C=$NVC_OUT/t80-conftest
	rm -rf "$C"; mkdir -p "$C/pkg/tests"
	cp -a "$TOP/scripts" "$TOP/compat" "$TOP/patches" "$C/pkg/"
	cp -a "$TOP/tests/matrix.sh" "$TOP/tests/lib" "$TOP/tests/matrix.d" "$C/pkg/tests/"
	cp -a "$C/pkg" "$C/pkg-nosymlink"
	sed -i '/^NV_CONFTEST_CFLAGS += \$(filter -fms-extensions/d' "$C/pkg/compat/nvc-compat.Kbuild"
	sed -i '/^cmd_symlink = ln -sf \$(abspath \$<) \$@$/d' "$C/pkg-nosymlink/compat/nvc-compat.Kbuild"
	if grep -q '^NV_CONFTEST_CFLAGS.*fms-extensions' "$C/pkg/compat/nvc-compat.Kbuild" ||
		grep -q '^cmd_symlink' "$C/pkg-nosymlink/compat/nvc-compat.Kbuild"; then
		fail "conftest diff: the flag or symlink line is still in a private copy"
	fi
	for v in with without nosymlink; do
		case $v in with) r=$TOP ;; without) r=$C/pkg ;; *) r=$C/pkg-nosymlink ;; esac
		NVC_OUT=$C/$v NVC_MATRIX_CACHE=$C/cache NVC_SHARED=$SHARED NVC_SKIP_SETUP=1 \
			sh "$r/tests/matrix.sh" --no-cache --drivers "kernel-open-$ct_tag" --kernels "$ct_k" >"$C/$v.out" 2>&1 || :
		IFS=$(printf '\t') read -r _ _ _ res det _ <"$C/$v/matrix.tsv" 2>/dev/null || res=none det=$(tail -n 1 "$C/$v.out")
		case $v:$res in
		with:built)
			case $det in
			*"conftest agrees with our probes"*) pass "conftest diff: kernel-open $ct_tag on $ct_k with the layer: built, $(printf '%s' "$det" | sed 's/.*; //')" ;;
			*) fail "conftest diff: with the layer, no conftest comparison: $det" ;;
			esac ;;
		without:failed)
			case $det in
			"NVIDIA's conftest misdetects: "*) pass "conftest diff: without the layer's -fms-extensions line the cell fails: $(printf '%s' "$det" | cut -c1-200)" ;;
			*) fail "conftest diff: without the flag line it failed, but not by the conftest diff: $det" ;;
			esac ;;
		nosymlink:failed) ;;
		*) fail "conftest diff: $v the flag line: $res: $det" ;;
		esac
	done
	# 0161: with the layer nvidia.o linked (the licence check ran); with
	# only the layer's cmd_symlink line taken out, the link of the 535
	# tree's nv-kernel.o symlink fails as on any kernel from 6.13.
	lw=$C/with/matrix/kernel-open-$ct_tag+vgpu-$ct_k.log lo=$C/nosymlink/matrix/kernel-open-$ct_tag+vgpu-$ct_k.log
	grep -q 'LD \[M\]  nvidia.o' "$lw" 2>/dev/null && ! grep -q 'cannot find ./nvidia/nv-kernel.o' "$lw" &&
		pass "0161: kernel-open $ct_tag on $ct_k links nvidia.o through the nv-kernel.o symlink" ||
		fail "0161: kernel-open $ct_tag on $ct_k: nvidia.o not linked with the layer (see $lw)"
	grep -q 'cannot find ./nvidia/nv-kernel.o' "$lo" 2>/dev/null &&
		pass "0161: without the layer's cmd_symlink the link fails: ld: cannot find ./nvidia/nv-kernel.o" ||
		fail "0161: without the layer's cmd_symlink no dangling-symlink error in $lo"
fi

# --- a branch declined on purpose, in every tier --------------------------------------
# Debian experimental's open sources are of branch 555, no vGPU-KVM branch:
# declined.tsv's "open-555.*" row must decline every upload of it (the
# prefix form) and both its cells, for apply's own refusal only, and no
# other driver.  The matrix runs that row in the full tier (a few seconds:
# apply refuses before any build); here the refusal and the match are
# checked without the download.
MX_DECLINED=$TOP/tests/matrix.d/declined.tsv
# shellcheck source=tests/lib/matrix.sh
. "$TOP/tests/lib/matrix.sh"
{
	D=$NVC_OUT/t80-declined
	rm -rf "$D"; mkdir -p "$D/kernel/nvidia"
	printf 'ccflags-y += -DNV_VERSION_STRING=\\"555.58.02\\"\n' >"$D/kernel/Kbuild"
	rc=0
	"$TOP/scripts/vgpu-compat" apply --allow-non-vgpu "$D/kernel" >"$D/apply" 2>&1 || rc=$?
	err="vgpu-compat apply exited $rc: $(grep -m1 'error' "$D/apply" || :)"
	pat=$(mx_declined "open-555.58.02" 7-newest 4)
	for d in "open-555.58.02" "open-555.100.01 +vgpu"; do
		why=$(mx_declined "$d" 7-newest)
		if [ -n "$why" ] && [ "$rc" = 4 ] && printf '%s\n' "$err" | grep -Eq -- "$pat"; then
			pass "declined on purpose: $d: $why; apply's refusal matches its errors pattern"
		else
			fail "declined on purpose: $d: reason '$why', apply exit $rc ($err), pattern '$pat'"
		fi
	done
	for d in "open-550.163.01" "open-5550.1.1" "550.163.01 +vgpu"; do
		why=$(mx_declined "$d" 7-newest)
		[ -z "$why" ] && pass "not declined: $d" || fail "declined by mistake: $d: $why"
	done
}

# --- Debian's open nvidia.ko, in every tier (issue 12) -------------------------------
# nvidia-open-kernel-source (sid): NVIDIA's open nvidia.ko, whose RM Debian
# builds from NVIDIA's open sources; rewritten by apply and linked for real
# on 7-newest: modpost clean, vermagic, licence still "Dual MIT/GPL".  Its
# one open-only break there is 0159 (pci_resize_resource, 6.19).
ov=$(readlink "$NVC_CACHE/nvidia/open-sid" 2>/dev/null || :)
if [ -z "$ov" ] || [ ! -f "$NVC_CACHE/nvidia/$ov.ready" ]; then
	fail "Debian's open nvidia.ko: open-sid is not prepared (tests/setup/nvidia-sources.sh open-sid)"
elif ! kernel_ready 7-newest; then
	skip "Debian's open nvidia.ko: kernel tree 7-newest is not prepared"
else
	O=$NVC_OUT/t80-open
	rm -rf "$O"; mkdir -p "$O"
	NVC_OUT=$O NVC_SKIP_SETUP=1 sh "$TOP/tests/matrix.sh" --drivers open-sid --kernels 7-newest >"$O.out" 2>&1 || :
	tab=$(printf '\t')
	n=0
	while IFS=$tab read -r drv _ rel result detail secs cached _; do
		n=$((n + 1))
		[ "$cached" = 1 ] && c=", cached" || c=
		case $drv:$result in
		"$ov:built") pass "Debian's open nvidia.ko $ov on $rel: linked ($detail$c)" ;;
		"$ov +vgpu:built") pass "Debian's open nvidia.ko $ov +vgpu on $rel: $detail$c" ;;
		*) fail "Debian's open nvidia.ko $drv on $rel: $result: $detail" ;;
		esac
		table_row "$drv (Debian open)" "$rel" "$result" "$detail" "$secs${c:+ (cached)}"
	done <"$O/matrix.tsv"
	[ "$n" = 2 ] || { fail "Debian's open nvidia.ko: $n cells, want 2 (nvidia and +vgpu)"; tail -n 5 "$O.out"; }
	grep -q "^applied  0159-pci-resize-exclude-bars$" "$O/matrix/$ov-7-newest.apply" 2>/dev/null &&
		pass "Debian's open nvidia.ko $ov: 0159 (an open-only break) was applied to it" ||
		fail "Debian's open nvidia.ko $ov: apply did not name 0159"
fi

if [ "$NVC_TIER" != full ]; then
	skip "the matrix is the maintainer tier's (make check-full or make matrix; 50 cells, hours from an empty cache)"
	exit 0
fi

rc=0
NVC_SKIP_SETUP=1 sh "$TOP/tests/matrix.sh" >"$NVC_OUT/matrix.out" 2>&1 || rc=$?
sed -n '/^driver /,$p' "$NVC_OUT/matrix.out"
tsv=$NVC_OUT/matrix.tsv
if [ ! -s "$tsv" ]; then
	fail "the matrix did not run (exit $rc)"
	tail -n 20 "$NVC_OUT/matrix.out"
	exit 0
fi

tab=$(printf '\t')
while IFS=$tab read -r drv _ rel result detail secs cached cell _; do
	label="real $drv on $rel"
	[ "$cached" = 1 ] && c=", cached" || c=
	case $result in
	built) pass "$label: built ($detail)$c" ;;
	declined-known) pass "$label: declined-known: $detail" ;;
	skipped) skip "$label: $detail" ;;
	*)
		fail "$label: $result: $detail"
		if [ -s "$NVC_OUT/matrix/$cell.errors" ]; then
			sed 's/^/    | /' "$NVC_OUT/matrix/$cell.errors" | head -n 8
		fi
		;;
	esac
	case $drv in
	*"(kernel-open)"* | "kernel-open "*) src="$drv (matrix)" ;;
	*) src="$drv (Debian, matrix)" ;;
	esac
	table_row "$src" "$rel" "$result" "$detail" "$secs${c:+ (cached)}"
done <"$tsv"

# The matrix's own verdict agrees with the cells.
if awk -F'\t' '$4 == "failed"' "$tsv" | grep -q .; then want=1; else want=0; fi
if [ "$rc" = "$want" ]; then pass "matrix.sh exits $rc"; else fail "matrix.sh exits $rc, want $want"; fi
if [ -s "$NVC_OUT/matrix.md" ]; then pass "matrix.md written"; else fail "no matrix.md"; fi
