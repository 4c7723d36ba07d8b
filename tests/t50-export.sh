#!/bin/sh
# SPDX-License-Identifier: MIT
# vgpu-compat export: the series for distribution maintainers.  For each
# fixture driver, the quilt series applies with quilt push -a, the mbox with
# git am, the single patch with patch -p1 from the driver's top directory
# (what .run --apply-patch does); each result equals what apply produces.
# 580.65.05 is the fixture with NVIDIA's kernel-open lines at the nvidia/
# sites: its series has semantic-patch results (0151) and 0152's 580 variant.
# 550.54.16's kernel-open/ (the open flavour): export --flavor open.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t50
rm -rf "$W"; mkdir -p "$W"
export QUILT_PC=.pc

same_tree() { # same_tree A B: same files and contents, VCS/quilt state ignored
	diff -r -x .pc -x .git -x patches "$1" "$2" >"$W/diff.log" 2>&1
}

for V in 550.54.16 535.161.05 580.65.05; do
	D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
	ref=$W/$V-ref/$D
	fixture_copy "$D" "$ref"
	"$VC" apply "$ref/kernel" >/dev/null

	for fmt in quilt mbox run-patch; do
		check "$V: export --format $fmt" "$VC" export --driver "$FIXTURES/$D" --format "$fmt" --out "$W/$V-$fmt"
	done

	# DEP-3 headers on every patch of the quilt series.
	n=0
	for p in "$W/$V-quilt/patches/"*.patch; do
		n=$((n + 1))
		b=$(basename "$p")
		ok=1
		for h in Subject Origin Forwarded Last-Update; do
			grep -q "^$h: ." "$p" || { ok=0; fail "$V $b: no DEP-3 $h"; }
		done
		case $b in 0000-*) ;; *)
			grep -Eq '^Origin: other, https://git.kernel.org/linus/[0-9a-f]{12}$' "$p" || { ok=0; fail "$V $b: Origin is not an upstream commit"; }
			grep -Eq 'Linux [0-9]+\.[0-9]+' "$p" || { ok=0; fail "$V $b: description lacks the first kernel release"; }
		esac
		[ $ok = 0 ] || pass "$V $b: DEP-3 header complete"
	done
	[ "$(wc -l <"$W/$V-quilt/patches/series")" = "$n" ] && pass "$V: series lists all $n patches" || fail "$V: series"

	q=$W/$V-q/$D
	fixture_copy "$D" "$q"
	(cd "$q" && QUILT_PATCHES="$W/$V-quilt/patches" quilt push -a -q) >"$W/quilt.log" 2>&1 &&
		pass "$V: quilt push -a applies the series" || { fail "$V: quilt push -a"; cat "$W/quilt.log"; }
	same_tree "$ref" "$q" && pass "$V: quilt result equals apply" || { fail "$V: quilt result differs"; head -n 20 "$W/diff.log"; }

	g=$W/$V-g/$D
	fixture_copy "$D" "$g"
	(cd "$g" && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm pristine &&
	 git -c user.name=t -c user.email=t@t am -q "$W/$V-mbox/"*.mbox) >"$W/am.log" 2>&1 &&
		pass "$V: git am applies the mbox" || { fail "$V: git am"; cat "$W/am.log"; }
	same_tree "$ref" "$g" && pass "$V: git am result equals apply" || { fail "$V: git am result differs"; head -n 20 "$W/diff.log"; }
	[ "$(cd "$g" && git log --oneline | wc -l)" = "$((n + 1))" ] && pass "$V: one commit per patch" || fail "$V: commit count"

	r=$W/$V-r/$D
	fixture_copy "$D" "$r"
	(cd "$r" && patch -p1 -s --fuzz=0 <"$W/$V-run-patch/nvidia-vgpu-compat-$V.patch") >"$W/p.log" 2>&1 &&
		pass "$V: patch -p1 applies the single patch (as --apply-patch does)" || { fail "$V: patch -p1"; cat "$W/p.log"; }
	same_tree "$ref" "$r" && pass "$V: single-patch result equals apply" || { fail "$V: single-patch result differs"; head -n 20 "$W/diff.log"; }
done

# --- the open flavour (issue 12): a series for kernel-open/, that applies the
# same three ways to the pristine driver and equals apply on kernel-open/
# (kernel/ untouched).
V=550.54.16 D=NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm
ref=$W/open-ref/$D
fixture_copy "$D" "$ref"
"$VC" apply "$ref/kernel-open" >/dev/null
for fmt in quilt mbox run-patch; do
	check "$V open: export --flavor open --format $fmt" \
		"$VC" export --driver "$FIXTURES/$D" --flavor open --format "$fmt" --out "$W/open-$fmt"
done
if ! grep -q '^+++ b/kernel-open/' "$W/open-run-patch/nvidia-vgpu-compat-$V-open.patch" 2>/dev/null ||
   grep -q '^+++ b/kernel/' "$W/open-run-patch/nvidia-vgpu-compat-$V-open.patch"; then
	fail "$V open: the single patch does not change kernel-open/ only"
else
	pass "$V open: the single patch changes kernel-open/ only"
fi
q=$W/open-q/$D
fixture_copy "$D" "$q"
(cd "$q" && QUILT_PATCHES="$W/open-quilt/patches-open" quilt push -a -q) >"$W/quilt.log" 2>&1 &&
	pass "$V open: quilt push -a applies the series" || { fail "$V open: quilt push -a"; cat "$W/quilt.log"; }
same_tree "$ref" "$q" && pass "$V open: quilt result equals apply on kernel-open/" || { fail "$V open: quilt result differs"; head -n 20 "$W/diff.log"; }
g=$W/open-g/$D
fixture_copy "$D" "$g"
(cd "$g" && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm pristine &&
 git -c user.name=t -c user.email=t@t am -q "$W/open-mbox/nvidia-vgpu-compat-$V-open.mbox") >"$W/am.log" 2>&1 &&
	pass "$V open: git am applies the mbox" || { fail "$V open: git am"; cat "$W/am.log"; }
same_tree "$ref" "$g" && pass "$V open: git am result equals apply on kernel-open/" || { fail "$V open: git am result differs"; head -n 20 "$W/diff.log"; }
r=$W/open-r/$D
fixture_copy "$D" "$r"
(cd "$r" && patch -p1 -s --fuzz=0 <"$W/open-run-patch/nvidia-vgpu-compat-$V-open.patch") >"$W/p.log" 2>&1 &&
	pass "$V open: patch -p1 applies the single patch" || { fail "$V open: patch -p1"; cat "$W/p.log"; }
same_tree "$ref" "$r" && pass "$V open: single-patch result equals apply on kernel-open/" || { fail "$V open: single-patch result differs"; head -n 20 "$W/diff.log"; }
check_fails "export --flavor open of a driver without kernel-open/: exit 4" 4 'has no kernel-open/ tree' \
	"$VC" export --driver "$FIXTURES/NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm" --flavor open --format quilt --out "$W/x5"

check_fails "export of an already patched tree is refused: exit 5" 5 'already patched' \
	"$VC" export --driver "$W/550.54.16-ref/NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm" --format quilt --out "$W/x"
N=$W/nonvgpu/NVIDIA-Linux-x86_64-550.54.16
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$N"
rm -rf "$N/kernel/nvidia-vgpu-vfio"
check_fails "export of a non-vGPU tree: exit 4" 4 'is not a vGPU-KVM driver' \
	"$VC" export --driver "$N" --format quilt --out "$W/nv"
check "export of a non-vGPU tree with --allow-non-vgpu" \
	"$VC" export --allow-non-vgpu --driver "$N" --format quilt --out "$W/nv"
check_fails "export with an unknown format: exit 2" 2 usage \
	"$VC" export --driver "$FIXTURES/NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm" --format tarball --out "$W/x"
