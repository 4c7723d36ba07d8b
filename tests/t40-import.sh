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
	# shellcheck disable=SC2086 # $bad_args: options, one word each
	check_fails "$1" "${4:-3}" "$3" "$VC" import "$2" --prefix "$_p" ${bad_args:-}
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
	sed -i "s/550\.54\.16/$uv/g" "$U"/kernel*/Kbuild
	bad "an unknown driver branch ($uv): exit 4" "$U" "branch ${uv%%.*}, which nvidia-vgpu-compat does not know" 4
done
U=$W/unknown/NVIDIA-Linux-x86_64-999.1.2-vgpu-kvm
fixture_copy "$D" "$U"
sed -i 's/550\.54\.16/999.1.2/g' "$U"/kernel*/Kbuild
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

# --- flavours (issue 12): both trees imported, rewritten, FLAVOR chooses ----------
# 550.54.16's fixture has NVIDIA's open kernel-open/ tree beside kernel/.
if [ ! -f "$FIXTURES/$D/kernel-open/Kbuild" ]; then
	fail "flavours: the $V fixture has no kernel-open/"
else
	if out=$(imported_as_applied "$FIXTURES/$D/kernel-open" "$T/kernel-open"); then
		pass "flavours: the DKMS tree holds kernel-open/ rewritten (as apply leaves it) and its stamp"
	else
		fail "flavours: kernel-open/ in the DKMS tree is not the driver's rewritten by apply"; printf '%s\n' "$out" | sed 's/^/    | /'
	fi
	[ "$(cat "$T/FLAVOR")" = proprietary ] && pass "flavours: import defaults to the proprietary flavour" ||
		fail "flavours: FLAVOR is '$(cat "$T/FLAVOR")' after a plain import"
	check_fails "flavours: flavor shows the flavour and the trees" 0 \
		"DKMS builds the proprietary flavour \(kernel/\); the tree has: proprietary open" \
		"$VC" flavor "$V" --prefix "$P"
	check_fails "flavours: flavor switches FLAVOR (no kernel installed)" 0 \
		"DKMS builds the open flavour \(kernel-open/\) from now on" "$VC" flavor "$V" open --prefix "$P"
	[ "$(cat "$T/FLAVOR")" = open ] && pass "flavours: FLAVOR says open" || fail "flavours: FLAVOR after the switch"
	check_fails "flavours: the same flavour again: nothing to do" 0 "already builds the open flavour" \
		"$VC" flavor "$V" open --prefix "$P"
	check_fails "flavours: --kernel for a tree DKMS does not build: exit 7, FLAVOR unchanged" 7 \
		"DKMS does not build $P/nvidia-vgpu-compat-$V .*nothing was changed" \
		"$VC" flavor "$V" proprietary --prefix "$P" --kernel 6.1.0-nvc-t40
	[ "$(cat "$T/FLAVOR")" = open ] && pass "flavours: FLAVOR still open after that" || fail "flavours: FLAVOR changed by a refused switch"
	check_fails "flavours: an unknown flavour: exit 2" 2 "'closed' is no flavour" "$VC" flavor "$V" closed --prefix "$P"
	check_fails "flavours: flavor of a version not imported: exit 3" 3 "not a driver tree that vgpu-compat import made" \
		"$VC" flavor 550.54.99 open --prefix "$P"
	check_fails "flavours: flavor with a version that is a path: exit 2" 2 "is not a driver version" \
		"$VC" flavor ../../etc open --prefix "$P"
	chmod g+w "$T"
	check_fails "flavours: a tree others may write: exit 6, FLAVOR unchanged" 6 "or a group or others may write it" \
		"$VC" flavor "$V" proprietary --prefix "$P"
	chmod g-w "$T"
	# What DKMS builds: our Makefile and dkms.conf both follow FLAVOR.
	grep -q 'BUILT_MODULE_LOCATION\[0\]="\.\./build\.nvc-${kernelver}/${nvc_kdir}/"' "$T/dkms.conf" &&
		pass "flavours: dkms.conf takes the modules from the flavour's tree" || fail "flavours: dkms.conf module location"
	for fl in open proprietary; do
		printf '%s\n' "$fl" >"$T/FLAVOR"
		# as DKMS reads it: $dkms_tree/<name>/<version>/source is the tree
		got=$(dkms_tree=$W/dt bash -c 'mkdir -p "$dkms_tree/nvidia-vgpu-compat/$2" && ln -sfn "$1" "$dkms_tree/nvidia-vgpu-compat/$2/source" && . "$1/dkms.conf" && echo "${BUILT_MODULE_LOCATION[0]} ${BUILT_MODULE_LOCATION[1]}"' _ "$T" "$V" 2>&1)
		want=kernel; [ $fl = proprietary ] || want=kernel-open
		[ "$got" = "../build.nvc-/$want/ ../build.nvc-/$want/" ] && pass "flavours: dkms.conf with FLAVOR $fl: modules from $want/" ||
			fail "flavours: dkms.conf with FLAVOR $fl: '$got'"
		make -n -C "$T" KVER=0 KDIR=/nonexistent modules >"$W/mk.log" 2>&1 || :
		grep -q "apply --if-changed $want\$" "$W/mk.log" && grep -q "make -C $want " "$W/mk.log" &&
			pass "flavours: Makefile with FLAVOR $fl builds $want/" || { fail "flavours: Makefile with FLAVOR $fl"; sed 's/^/    | /' "$W/mk.log" | head -n 8; }
	done
	printf 'closed\n' >"$T/FLAVOR"
	make -C "$T" KVER=0 KDIR="$T" modules >"$W/mk.log" 2>&1 && rc=0 || rc=$?
	[ "$rc" = 2 ] && grep -q "FLAVOR says 'closed': proprietary or open" "$W/mk.log" &&
		pass "flavours: a bad FLAVOR stops the build with its reason" || fail "flavours: bad FLAVOR (make exit $rc)"
	# preflight judges the flavour DKMS builds, and says which one a GPU needs
	printf 'open\n' >"$T/FLAVOR"
	"$VC" preflight --kernel "$(kernel_build 6.1)" --driver "$T" >"$W/pf.log" 2>&1 || :
	grep -q "^driver $V: $T/kernel-open\$" "$W/pf.log" &&
		grep -q "^  flavour: open (kernel-open/); the proprietary flavour is there too: vgpu-compat flavor $V proprietary\$" "$W/pf.log" &&
		grep -q "GPUs from Blackwell on are driven only by the" "$W/pf.log" &&
		pass "flavours: preflight judges kernel-open/ with FLAVOR open, and says when open is needed" ||
		{ fail "flavours: preflight with FLAVOR open"; sed 's/^/    | /' "$W/pf.log" | head -n 12; }
	printf 'proprietary\n' >"$T/FLAVOR"
	check "flavours: import --flavor open of a .run" "$VC" import "$RUN" --prefix "$W/p-open" --flavor open --no-dkms
	[ "$(cat "$W/p-open/nvidia-vgpu-compat-$V/FLAVOR" 2>/dev/null)" = open ] && pass "flavours: --flavor open recorded" ||
		fail "flavours: --flavor open not recorded"
	# A driver without kernel-open/ (535 has none): no open flavour.
	D5=NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm
	bad_args="--flavor open --no-dkms"
	bad "flavours: import --flavor open of a driver without kernel-open/: exit 4" "$FIXTURES/$D5" \
		'has no kernel-open/ tree, so no open flavour' 4
	check "flavours: import of a driver without kernel-open/" "$VC" import "$FIXTURES/$D5" --prefix "$W/p-535" --no-dkms
	check_fails "flavours: flavor open on it: exit 4" 4 'has no open flavour' \
		"$VC" flavor 535.161.05 open --prefix "$W/p-535"
	# A kernel-open/ that no rule makes whole: refused with --flavor open,
	# left out (with a warning) otherwise.
	O=$W/open-residue/$D
	fixture_copy "$D" "$O"
	printf 'void *nvc_t40(struct device *d) { return (void *)d->bus->iommu_ops; }\n' >>"$O/kernel-open/nvidia/nv.c"
	bad "flavours: --flavor open, kernel-open/ with residue: exit 5" "$O" 'the open flavour.s kernel-open/ cannot be rewritten' 5
	bad_args=
	"$VC" import "$O" --prefix "$W/p-res" --no-dkms >"$W/res.log" 2>&1 &&
		grep -q "warning: driver $V: the open flavour's kernel-open/ cannot be rewritten" "$W/res.log" &&
		[ -f "$W/p-res/nvidia-vgpu-compat-$V/kernel/Kbuild" ] && [ ! -e "$W/p-res/nvidia-vgpu-compat-$V/kernel-open" ] &&
		pass "flavours: proprietary import, kernel-open/ with residue: left out, with a warning" ||
		{ fail "flavours: proprietary import with a bad kernel-open/"; sed 's/^/    | /' "$W/res.log"; }
fi
