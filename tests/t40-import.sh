#!/bin/sh
# SPDX-License-Identifier: MIT
# vgpu-compat import: a real makeself .run of a fixture driver is read without
# being executed, checked, and turned into a DKMS source tree; bad archives
# and non-vGPU or unknown drivers are refused with one clear message, exit
# code as documented, and nothing created.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mkrun.sh"
W=$NVC_OUT/t40
rm -rf "$W"; mkdir -p "$W"

V=550.54.16
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
RUN=$W/$D.run
fixture_copy "$D" "$W/src/$D"
mkrun "$W/src/$D" "$RUN" "$V"
# Prove the .run is never executed: it would leave a marker.
check ".run made by makeself" test -s "$RUN"

P=$W/prefix
check "import a .run" "$VC" import "$RUN" --prefix "$P"
T=$P/nvidia-vgpu-compat-$V
for f in kernel/Kbuild kernel/nvidia/nv-pci.c kernel/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c \
	compat/nvc-compat.h patches/0001-iommu-bus-ops scripts/vgpu-compat Kbuild Makefile dkms.conf; do
	[ -e "$T/$f" ] && pass "DKMS tree has $f" || fail "DKMS tree lacks $f"
done
# Rewritten once, at import (issue 9 item 2): the DKMS tree's kernel/ is
# the driver's after apply, with the stamp of its checksums.
if out=$(imported_as_applied "$FIXTURES/$D/kernel" "$T/kernel"); then
	pass "DKMS tree holds kernel/ rewritten (as apply leaves it) and its stamp"
else
	fail "kernel/ in the DKMS tree is not the driver's rewritten by apply"; printf '%s\n' "$out" | sed 's/^/    | /'
fi
"$VC" status "$T/kernel" >"$W/status.log" 2>&1 && ! grep -Eq ' (needed|conflict) ' "$W/status.log" &&
	pass "status of the imported kernel/: nothing needed" || fail "status of the imported kernel/: $(grep -E ' (needed|conflict) ' "$W/status.log" | head -n 3)"
# What each DKMS build runs: no scan, no spatch (a failing one would exit 9).
cp -a "$T/kernel" "$W/build-copy"
check_fails "a DKMS build's apply --if-changed on the imported kernel/: nothing to rewrite, spatch not run" \
	0 'as vgpu-compat import rewrote it \([0-9]+ files unchanged\): nothing to rewrite' \
	env NVC_SPATCH=false "$VC" apply --if-changed "$W/build-copy"
printf '\n' >>"$W/build-copy/nvidia/nv-pci.c"
check_fails "apply --if-changed on a kernel/ changed since import: says which file, rewrites it again" \
	0 'nvidia/nv-pci.c changed since import; rewriting it again' \
	"$VC" apply --if-changed "$W/build-copy"
rm -f "$W/build-copy/.nvc-rewritten"
check_fails "apply --if-changed without the stamp: a full apply" \
	0 'no \.nvc-rewritten.*rewriting it again' "$VC" apply --if-changed "$W/build-copy"
check_fails "import --allow-non-vgpu without --no-dkms: usage error" 2 'pass --no-dkms' \
	"$VC" import "$RUN" --prefix "$W/p-nonvgpu" --allow-non-vgpu
grep -qx "PACKAGE_VERSION=\"$V\"" "$T/dkms.conf" && pass "dkms.conf carries the driver version" || fail "dkms.conf version"
grep -q "^MAKE\[0\]=\"'make' " "$T/dkms.conf" && pass "dkms.conf quotes 'make'" || fail "dkms.conf MAKE not quoted"
[ "$(grep -c '^BUILT_MODULE_NAME\[[01]\]=' "$T/dkms.conf")" = 2 ] && [ "$(grep -c '^DEST_MODULE_LOCATION\[[01]\]=' "$T/dkms.conf")" = 2 ] &&
	pass "dkms.conf has one name/location pair per module" || fail "dkms.conf module pairs"
grep -qx 'AUTOINSTALL="yes"' "$T/dkms.conf" && pass "dkms.conf AUTOINSTALL" || fail "dkms.conf AUTOINSTALL"
check_fails "second import refuses to overwrite: exit 6" 6 'already exists' "$VC" import "$RUN" --prefix "$P"
check "import an extracted driver directory" "$VC" import "$W/src/$D" --prefix "$W/prefix-dir"

# --- bad archives: exit 3, nothing created -----------------------------------
bad() { # bad DESC RUNFILE PATTERN [CODE]
	_p=$W/bad-prefix
	rm -rf "$_p"
	check_fails "$1" "${4:-3}" "$3" "$VC" import "$2" --prefix "$_p"
	[ ! -e "$_p" ] || [ -z "$(ls -A "$_p")" ] && pass "$1: nothing created" || fail "$1: left files in the prefix"
}
size=$(wc -c <"$RUN")
cp "$RUN" "$W/corrupt.run"
# flip one payload byte (writing a fixed byte would change nothing when the
# archive, which differs with every packing, already has it there)
b=$(od -An -tu1 -j $((size - 100)) -N1 "$RUN" | tr -d ' ')
# shellcheck disable=SC2059 # the format is the byte, as an octal escape
printf "\\$(printf '%03o' $(( (b + 1) % 256 )))" |
	dd of="$W/corrupt.run" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
cmp -s "$RUN" "$W/corrupt.run" && fail "the corrupt .run equals the good one"
bad "corrupt .run: exit 3" "$W/corrupt.run" 'is corrupt: (MD5|CRC|SHA256)'
head -c $((size - 4096)) "$RUN" >"$W/truncated.run"
bad "truncated .run: exit 3" "$W/truncated.run" 'is truncated'
printf '#!/bin/sh\necho hello\n' >"$W/notrun.run"
bad "not a makeself archive: exit 3" "$W/notrun.run" 'not a makeself'
head -c 100 "$RUN" >"$W/tiny.run"
bad "a .run cut inside its header: exit 3" "$W/tiny.run" 'corrupt|truncated|cannot find'

# Payloads that would escape the extraction directory.
mkdir -p "$W/evil/$D"
cp -a "$W/src/$D/." "$W/evil/$D/"
ln -s /etc/passwd "$W/evil/$D/kernel/escape"
mkrun "$W/evil/$D" "$W/symlink.run" "$V"
bad "a symlink pointing out of the tree: exit 3" "$W/symlink.run" 'links that point outside'
(cd "$W/src" && tar -cPf "$W/dotdot.tar" --transform 's|^|../|' "$D") 2>/dev/null
xz -c "$W/dotdot.tar" >"$W/dotdot.tar.xz"
mkrun_with_payload "$RUN" "$W/dotdot.tar.xz" "$W/dotdot.run"
bad "'..' paths in the payload: exit 3" "$W/dotdot.run" "absolute paths or '\\.\\.'"
(cd "$W/src" && tar -cPf "$W/abs.tar" --transform "s|^|$W/abs-target/|" "$D") 2>/dev/null
xz -c "$W/abs.tar" >"$W/abs.tar.xz"
mkrun_with_payload "$RUN" "$W/abs.tar.xz" "$W/abs.run"
bad "absolute paths in the payload: exit 3" "$W/abs.run" "absolute paths"
[ ! -e "$W/abs-target" ] && pass "absolute payload paths were not written" || fail "absolute payload paths written"

# --- drivers we must not take: exit 4 -------------------------------------------
N=$W/nonvgpu/NVIDIA-Linux-x86_64-$V
fixture_copy "$D" "$N"
rm -rf "$N/kernel/nvidia-vgpu-vfio"
mkrun "$N" "$W/nonvgpu.run" "$V"
bad "a non-vGPU NVIDIA driver: exit 4" "$W/nonvgpu.run" 'is not a vGPU-KVM driver' 4
# A branch older than 535, or one between the vGPU branches: refused.  A
# branch newer than the last one we know (595) goes on with a warning when
# no old kernel API is left after patching (the residue check, t17).
for uv in 470.239.01 545.29.06; do
	U=$W/unknown/NVIDIA-Linux-x86_64-$uv-vgpu-kvm
	fixture_copy "$D" "$U"
	sed -i "s/550\.54\.16/$uv/g" "$U/kernel/Kbuild"
	bad "an unknown driver branch ($uv): exit 4" "$U" "branch ${uv%%.*}, which nvidia-vgpu-compat does not know" 4
done
U=$W/unknown/NVIDIA-Linux-x86_64-999.1.2-vgpu-kvm
fixture_copy "$D" "$U"
sed -i 's/550\.54\.16/999.1.2/g' "$U/kernel/Kbuild"
"$VC" import "$U" --prefix "$W/newer" --no-dkms >"$W/newer.log" 2>&1 &&
	grep -q 'warning: driver 999.1.2 is from branch 999, newer than every branch' "$W/newer.log" &&
	[ -f "$W/newer/nvidia-vgpu-compat-999.1.2/kernel/Kbuild" ] &&
	pass "a newer driver branch, residue check clean: imported, with a warning" ||
	{ fail "a newer driver branch: import"; sed 's/^/    | /' "$W/newer.log"; }

# --- spaces ------------------------------------------------------------------
S="$W/with space/$D.run"
mkdir -p "$W/with space"; cp "$RUN" "$S"
check "import from and into paths with spaces" "$VC" import "$S" --prefix "$W/pre fix"
[ -f "$W/pre fix/nvidia-vgpu-compat-$V/kernel/Kbuild" ] && pass "spaces: tree created" || fail "spaces: no tree"
