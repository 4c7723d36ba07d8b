#!/bin/sh
# SPDX-License-Identifier: MIT
# vgpu-compat apply / status on fixture trees and on Debian's real NVIDIA
# sources: which breaks each tree needs, all-or-nothing, idempotence, and
# the bad-input cases (conflict, half converted, read-only, spaces).
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t10
rm -rf "$W"; mkdir -p "$W"

no_leftovers() {
	[ -z "$(find "$1" -name '*.orig' -o -name '*.rej' -o -name '*.nvc-new' | head -n 1)" ]
}

# --- fixtures: NVIDIA's pristine vGPU code, without any fix -----------------
F550=$W/550/NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm
F535=$W/535/NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$F550"
fixture_copy NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm "$F535"

expect_states "550.54.16 fixture" "$F550/kernel" \
	"0001-iommu-bus-ops=needed 0002-eventfd-signal=needed 0003-iommufd-namespace=needed 0004-vfio-detach-ioas=fixed-natively 0005-vgpu-symbols-gpl=needed 0006-no-llseek=needed 0007-kbuild-extra-cflags=fixed-natively"
expect_states "535.161.05 fixture" "$F535/kernel" \
	"0001-iommu-bus-ops=needed 0002-eventfd-signal=needed 0003-iommufd-namespace=needed 0004-vfio-detach-ioas=needed 0005-vgpu-symbols-gpl=needed 0006-no-llseek=needed 0007-kbuild-extra-cflags=needed"

for d in "$F550" "$F535"; do
	v=$(basename "$d")
	before=$(tree_sum "$d")
	check "$v: --dry-run changes nothing" "$VC" apply "$d/kernel" --dry-run
	[ "$(tree_sum "$d")" = "$before" ] && pass "$v: tree unchanged by --dry-run" || fail "$v: --dry-run changed the tree"
	check "$v: apply" "$VC" apply "$d/kernel"
	no_leftovers "$d" && pass "$v: no .orig/.rej left" || fail "$v: .orig/.rej left"
	grep -q 'nvc_dev_iommu_present(&pci_dev->dev)' "$d/kernel/nvidia/nv-pci.c" &&
		pass "$v: nv-pci.c calls the IOMMU wrapper" || fail "$v: nv-pci.c not patched"
	[ "$(grep -c 'nvc_eventfd_signal(trigger);' "$d/kernel/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c")" = 2 ] &&
		pass "$v: both eventfd_signal sites use the wrapper" || fail "$v: eventfd sites"
	grep -q '^NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(nvidia_vgpu_vfio_get_ops);' "$d/kernel/nvidia/nv-vgpu-vfio-interface.c" &&
	grep -q '^NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(nvidia_vgpu_vfio_set_ops);' "$d/kernel/nvidia/nv-vgpu-vfio-interface.c" &&
		pass "$v: vGPU interface symbols exported for symbol_get()" || fail "$v: exports"
	grep -q 'MODULE_LICENSE("NVIDIA")' "$d/kernel/nvidia/nv.c" && ! grep -rq 'MODULE_LICENSE("GPL' "$d/kernel/nvidia" &&
		pass "$v: nvidia.ko keeps its NVIDIA licence" || fail "$v: MODULE_LICENSE of nvidia.ko changed"
	after=$(tree_sum "$d")
	"$VC" apply "$d/kernel" >"$W/again.log" 2>&1 && grep -q 'nothing to do' "$W/again.log" &&
		pass "$v: second apply says nothing to do" || fail "$v: second apply"
	[ "$(tree_sum "$d")" = "$after" ] && pass "$v: second apply changes nothing" || fail "$v: second apply changed the tree"
done
# GRID 16 (535.161.05) lacks .detach_ioas: mdev ops get the emulated detach,
# vfio-pci-core ops the physical one.
grep -q '^ *NVC_VFIO_EMULATED_DETACH_IOAS$' "$F535/kernel/nvidia-vgpu-vfio/vgpu-vfio-mdev.c" &&
	! grep -q PHYSICAL_DETACH "$F535/kernel/nvidia-vgpu-vfio/vgpu-vfio-mdev.c" &&
	pass "535.161.05: mdev ops get the emulated detach_ioas" || fail "535.161.05: mdev detach_ioas"
grep -q '^ *NVC_VFIO_PHYSICAL_DETACH_IOAS$' "$F535/kernel/nvidia-vgpu-vfio/vgpu-vfio-pci-core.c" &&
	! grep -q EMULATED_DETACH "$F535/kernel/nvidia-vgpu-vfio/vgpu-vfio-pci-core.c" &&
	pass "535.161.05: vfio-pci-core ops get the physical detach_ioas" || fail "535.161.05: pci-core detach_ioas"
expect_states "535.161.05 after apply" "$F535/kernel" \
	"0000-compat-layer=applied 0001-iommu-bus-ops=applied 0004-vfio-detach-ioas=applied"

# --- Debian's real NVIDIA sources -----------------------------------------
# By role: the version is whatever the archive has now (tests/setup).
V550=$(nvidia_version tesla550-sid) V535=$(nvidia_version tesla535-bookworm)
R550=$W/real-$V550
R535=$W/real-$V535
cp -a "$(nvidia_src "$V550")" "$R550"
cp -a "$(nvidia_src "$V535")" "$R535"
expect_states "real $V550" "$R550" \
	"0001-iommu-bus-ops=needed 0002-eventfd-signal=not-applicable 0005-vgpu-symbols-gpl=not-applicable"
# 535.216.03 (bookworm) carries NVIDIA's own fix (NV_BUS_TYPE_HAS_IOMMU_OPS).
expect_states "real $V535" "$R535" "0001-iommu-bus-ops=fixed-natively"
orig_line=$(grep -n 'if (pci_dev->dev.bus->iommu_ops == NULL) $' "$R550/nvidia/nv-pci.c" | cut -d: -f1)
check "real $V550: apply" "$VC" apply --allow-non-vgpu "$R550"
# apply's closing summary is what a fresh status scan says
done_line=$(sed -n 's/^.*done: //p' "$NVC_LAST")
status_line=$("$VC" status --allow-non-vgpu "$R550" | awk 'NR > 1 { c[$2]++ } END {
	n = split("applied fixed-natively needed not-applicable conflict", k, " ")
	for (i = 1; i <= n; i++) if (c[k[i]]) s = s (s ? ", " : "") c[k[i]] " " k[i]
	print s }')
[ -n "$done_line" ] && [ "$done_line" = "$status_line" ] &&
	pass "real $V550: apply's summary ($done_line) matches status" ||
	fail "real $V550: apply says '$done_line', status says '$status_line'"
new_line=$(grep -n 'if (!nvc_dev_iommu_present(&pci_dev->dev)) $' "$R550/nvidia/nv-pci.c" | cut -d: -f1)
[ -n "$orig_line" ] && [ "$orig_line" = "$new_line" ] &&
	pass "real $V550: nv-pci.c patched exactly at the iommu_ops line ($orig_line)" ||
	fail "real $V550: nv-pci.c site (was $orig_line, now $new_line)"
[ "$(diff "$(nvidia_src "$V550")/nvidia/nv-pci.c" "$R550/nvidia/nv-pci.c" | grep -c '^[<>]')" = 2 ] &&
	pass "real $V550: nv-pci.c changes by one line" || fail "real $V550: nv-pci.c changed more than one line"
# ... but still sets EXTRA_CFLAGS, which Linux 6.15 ignores: the layer's
# Kbuild fix is needed; nv-pci.c must stay as NVIDIA wrote it.
expect_states "real $V535" "$R535" "0007-kbuild-extra-cflags=needed"
check "real $V535: apply" "$VC" apply --allow-non-vgpu "$R535"
cmp -s "$(nvidia_src "$V535")/nvidia/nv-pci.c" "$R535/nvidia/nv-pci.c" &&
	pass "real $V535: natively fixed nv-pci.c left alone" || fail "real $V535: nv-pci.c touched"
expect_states "real $V535 after apply" "$R535" "0001-iommu-bus-ops=fixed-natively 0007-kbuild-extra-cflags=applied"
before=$(tree_sum "$R535")
"$VC" apply --allow-non-vgpu "$R535" >"$W/r535.log" 2>&1 && grep -q 'nothing to do' "$W/r535.log" &&
	[ "$(tree_sum "$R535")" = "$before" ] &&
	pass "real $V535: second apply changes nothing" || fail "real $V535: second apply changed the tree"

# --- bad input ---------------------------------------------------------------
C=$W/conflict/kernel
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$W/conflict"
# Someone else's change to the Kbuild lines where the layer's include goes
# (0000, a diff: every C site is a semantic patch now, which finds code of
# its shape or nothing, and nothing is not-applicable, not a conflict).
sed -i 's|^# For any object files that depend on conftest, declare the dependency here.$|# Objects that need conftest (changed by someone else).|' "$C/Kbuild"
before=$(tree_sum "$C")
check_fails "a hunk that cannot apply: exit 5, names the patch" 5 'patch 0000-compat-layer does not apply' "$VC" apply "$C"
[ "$(tree_sum "$C")" = "$before" ] && pass "conflict: tree byte-identical" || fail "conflict: tree changed"

H=$W/half/kernel
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$W/half"
# Only the first of the two EXPORT_SYMBOL sites of 0005 converted by hand:
# neither pristine nor patched for its diffs, but 0005 rewrites by shape
# now (a semantic patch): the other export gets the wrapper too.  (A tree
# a diff cannot patch is refused above: 0000's conflict.)
awk '!done && /^EXPORT_SYMBOL\(nvidia_vgpu_vfio_/ { sub(/^EXPORT_SYMBOL/, "NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET"); done=1 } { print }' \
	"$H/nvidia/nv-vgpu-vfio-interface.c" >"$W/half.c" && cat "$W/half.c" >"$H/nvidia/nv-vgpu-vfio-interface.c"
check "half converted exports: apply" "$VC" apply "$H"
[ "$(grep -c '^NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(nvidia_vgpu_vfio_[gs]et_ops);$' "$H/nvidia/nv-vgpu-vfio-interface.c")" = 2 ] &&
	! grep -q '^EXPORT_SYMBOL(nvidia_vgpu_vfio_' "$H/nvidia/nv-vgpu-vfio-interface.c" &&
	pass "half converted exports: both use NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET()" ||
	fail "half converted exports: $(grep -n 'EXPORT_SYMBOL' "$H/nvidia/nv-vgpu-vfio-interface.c" | tr '\n' ' ')"
expect_states "half converted exports" "$H" "0005-vgpu-symbols-gpl=applied"

# A topic with a semantic patch rewrites by shape: the first eventfd_signal
# site converted by hand to the 6.8-only form, the second one not: both
# get the wrapper (so the tree builds before 6.8 too).
H=$W/half-cocci/kernel
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$W/half-cocci"
awk '!done && /eventfd_signal\(trigger, 1\);/ { sub(/eventfd_signal\(trigger, 1\);/, "eventfd_signal(trigger);"); done=1 } { print }' \
	"$H/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c" >"$W/half.c" && cat "$W/half.c" >"$H/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c"
check "half converted eventfd_signal: apply" "$VC" apply "$H"
[ "$(grep -c 'nvc_eventfd_signal(trigger);' "$H/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c")" = 2 ] &&
	! grep -Ev '^[[:space:]]*(\*|/\*|//)' "$H/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c" | grep -Eq '(^|[^_[:alnum:]])eventfd_signal\(' &&
	pass "half converted eventfd_signal: both sites call nvc_eventfd_signal()" ||
	fail "half converted eventfd_signal: $(grep -n 'eventfd_signal(' "$H/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c" | tr '\n' ' ')"
expect_states "half converted eventfd_signal" "$H" "0002-eventfd-signal=applied"

RO=$W/ro
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$RO"
chmod -R a-w "$RO"; chmod a+rx "$W"
before=$(tree_sum "$RO")
check_fails "read-only tree (non-root): exit 6" 6 'not writable' \
	setpriv --reuid=nobody --regid=nogroup --clear-groups env TMPDIR=/tmp "$VC" apply "$RO/kernel"
[ "$(tree_sum "$RO")" = "$before" ] && pass "read-only: tree byte-identical" || fail "read-only: tree changed"
chmod -R u+w "$RO"

SP="$W/dir with spaces/NVIDIA driver"
fixture_copy NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm "$SP"
check "path with spaces: apply" "$VC" apply "$SP/kernel"
expect_states "path with spaces" "$SP/kernel" "0001-iommu-bus-ops=applied 0002-eventfd-signal=applied"

# The same driver check as import: a tree without nvidia-vgpu-vfio/ is
# refused unless --allow-non-vgpu says it is meant (Debian's trees above).
N=$W/nonvgpu
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$N"
rm -rf "$N/kernel/nvidia-vgpu-vfio"
before=$(tree_sum "$N")
check_fails "non-vGPU tree: apply exits 4" 4 'is not a vGPU-KVM driver.*--allow-non-vgpu' "$VC" apply "$N/kernel"
check_fails "non-vGPU tree: status exits 4" 4 'is not a vGPU-KVM driver' "$VC" status "$N/kernel"
[ "$(tree_sum "$N")" = "$before" ] && pass "non-vGPU tree: refused, byte-identical" || fail "non-vGPU tree: changed"
# Debian's layout: no nvidia-vgpu-vfio/ (the symlinked-C-file check ran find
# on it, whose exit 1 ended status silently under set -e).
check "non-vGPU tree with --allow-non-vgpu: status" "$VC" status --allow-non-vgpu "$N/kernel"
check "non-vGPU tree with --allow-non-vgpu: apply" "$VC" apply --allow-non-vgpu "$N/kernel"
O=$W/old-branch
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$O"
sed -i 's/550\.54\.16/470.239.01/g' "$O/kernel/Kbuild"
check_fails "a branch older than 535: apply exits 4" 4 'branch 470, which nvidia-vgpu-compat does not know' "$VC" apply "$O/kernel"
check_fails "not a driver tree: exit 3" 3 'is not an NVIDIA driver kernel/ tree' "$VC" apply "$W"
check_fails "missing tree: exit 3" 3 'does not exist' "$VC" apply "$W/nonexistent"
check_fails "unknown command: exit 2" 2 'usage' "$VC" frobnicate

# A command that fails where none should (a bug, as find's exit 1 above
# was): one message saying so, never a silent exit 1.  run.sh fails the run
# on that message in any test's log, so this log goes once asserted.
IE=$W/internal
fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$IE"
NVC_TEST_FAIL_AFTER=retired "$VC" apply "$IE/kernel" >"$W/ie.out" 2>"$W/ie.err" && ierc=0 || ierc=$?
[ "$ierc" = 1 ] && [ "$(wc -l <"$W/ie.err")" = 1 ] &&
	grep -q '^vgpu-compat: error: internal error: "vgpu-compat apply" stopped with exit 1 without saying why.*please report' "$W/ie.err" &&
	pass "a command failing where none should: exit 1 and one line saying it is an internal error" ||
	{ fail "an internal error: exit $ierc, stderr: $(head -c 300 "$W/ie.err")"; }
rm -f "$W/ie.err"
