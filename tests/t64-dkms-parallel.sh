#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad-input suite (issue 5): two DKMS builds of one driver version for two
# kernels at the same time.  dkms 3.0.10 builds every kernel of a version in
# one directory, /var/lib/dkms/<module>/<version>/build, which it empties when
# a build starts and removes when it ends; left alone, the build that started
# first fails (exit 10, its files deleted under it).  Ours build in
# build.nvc-<kernel> next to it, one at a time (dkms.conf, "vgpu-compat
# dkms-build"): both "dkms install" runs succeed, each module carries its own
# kernel's vermagic, each make.log is its own, nothing is left behind, and the
# modules installed for a third kernel stay as they were.  Started at the very
# same moment, DKMS itself may lose its directory: then that run fails with
# one clear message and installs nothing.  Needs root.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t64
rm -rf "$W"; mkdir -p "$W"
[ "$(id -u)" = 0 ] || { skip "DKMS tests need root"; exit 0; }
command -v dkms >/dev/null || { fail "dkms is not installed"; exit 0; }
if [ "$NVC_TIER" != full ]; then
	skip "two parallel DKMS builds: the maintainer tier's (make check-full), three more module builds"
	exit 0
fi
for id in 6.1 6.12-trixie 7-prev; do
	kernel_ready "$id" || { skip "kernel tree $id is not prepared (tests/setup)"; exit 0; }
done

# A version no other test registers, so their DKMS state and ours stay apart.
V=570.133.10
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
R=/var/lib/dkms/nvidia-vgpu-compat/$V
fixture_copy "$D" "$W/$D"

cleanup_t64() {
	sh "$TOP/scripts/dkms-uninstall" "$V" >/dev/null 2>&1 || true
	unlink_kernels
}
trap cleanup_t64 EXIT
cleanup_t64
link_kernel 6.1; k3=$KREL
link_kernel 6.12-trixie; k1=$KREL
link_kernel "7-prev"; k2=$KREL

NONE=$(mods_sum /nonexistent)
vermagic_ok() { # vermagic_ok KERNEL: both modules installed for KERNEL, built for it
	for _m in nvidia nvidia-vgpu-vfio; do
		_f=$(find "/lib/modules/$1/updates/dkms" -name "$_m.ko*" 2>/dev/null | head -n 1)
		[ -n "$_f" ] || { echo "$_m not installed for $1"; return 1; }
		case $(modinfo -F vermagic "$_f") in
		"$1 "*) ;;
		*) echo "$_f: vermagic $(modinfo -F vermagic "$_f")"; return 1 ;;
		esac
	done
}
no_leftovers() { [ -z "$(find "$R" -maxdepth 1 -name 'build*' | head -n 1)" ]; }

# A third kernel with our modules installed: must stay as it is.
check "install $V for $k3 (dkms-install)" sh "$TOP/scripts/dkms-install" "$W/$D" /usr/src "$k3"
sum3=$(mods_sum "$k3")
[ "$sum3" != "$NONE" ] && pass "$V modules installed for $k3" || fail "$V not installed for $k3"

# dkms install for two kernels, the second started while the first builds.
dkms install -m nvidia-vgpu-compat -v "$V" -k "$k1" >"$W/k1.log" 2>&1 &
p1=$!
i=0
while [ ! -d "$R/build.nvc-$k1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
dkms install -m nvidia-vgpu-compat -v "$V" -k "$k2" >"$W/k2.log" 2>&1 &
p2=$!
r1=0 r2=0; wait $p1 || r1=$?; wait $p2 || r2=$?
[ -d "$R/$k1" ] || sed 's/^/    | /' "$W/k1.log" | tail -n 15
[ -d "$R/$k2" ] || sed 's/^/    | /' "$W/k2.log" | tail -n 15
[ $r1 = 0 ] && [ $r2 = 0 ] && pass "dkms install for $k1 and, while it builds, for $k2: both exit 0" ||
	fail "dkms install at the same time: exit $r1 ($k1), $r2 ($k2)"
for k in $k1 $k2; do
	check "$k: both modules installed, vermagic $k" vermagic_ok "$k"
	head -n 1 "$R/$k/x86_64/log/make.log" 2>/dev/null | grep -qF "for kernel $k (" &&
		! grep -q "for kernel $( [ "$k" = "$k1" ] && echo "$k2" || echo "$k1" ) (" "$R/$k/x86_64/log/make.log" &&
		pass "$k: its make.log is its own" || fail "$k: make.log is missing or mixed"
done
grep -q 'another DKMS build of nvidia-vgpu-compat/.* is running: waiting for it to finish' "$R/$k2/x86_64/log/make.log" 2>/dev/null &&
	pass "the second build waited for the first (its make.log says so)" || fail "the second build did not wait"
no_leftovers && pass "no build directory left in $R" || fail "left in $R: $(find "$R" -maxdepth 1 -name 'build*' -printf '%f ')"
[ "$(mods_sum "$k3")" = "$sum3" ] && dkms status -m nvidia-vgpu-compat -v "$V" -k "$k3" | grep -q ': installed' &&
	pass "$k3: its modules untouched, still installed" || fail "$k3: modules changed"

# Both started at the very same moment.
for k in $k1 $k2; do dkms remove -m nvidia-vgpu-compat -v "$V" -k "$k" >/dev/null 2>&1 || true; done
[ "$(mods_sum "$k1")$(mods_sum "$k2")" = "$NONE$NONE" ] && pass "dkms remove for $k1 and $k2" || fail "dkms remove left modules"
dkms install -m nvidia-vgpu-compat -v "$V" -k "$k1" >"$W/s1.log" 2>&1 & p1=$!
dkms install -m nvidia-vgpu-compat -v "$V" -k "$k2" >"$W/s2.log" 2>&1 & p2=$!
r1=0 r2=0; wait $p1 || r1=$?; wait $p2 || r2=$?
ok=0 bad=''
for x in "$k1:$r1:$W/s1.log" "$k2:$r2:$W/s2.log"; do
	k=${x%%:*} rest=${x#*:}; rc=${rest%%:*} log=${rest#*:}
	if [ "$rc" = 0 ]; then
		vermagic_ok "$k" >/dev/null && ok=$((ok + 1)) || bad="$bad $k:wrong-modules"
	elif grep -q "vgpu-compat: error: DKMS is not in its build directory .*started at the same moment" "$log" &&
	     [ "$(mods_sum "$k")" = "$NONE" ] && [ ! -d "$R/$k" ]; then
		echo "    $k: exit $rc, one clear message, nothing installed"
	elif grep -q "$R/build/make.log: No such file or directory" "$log" &&
	     [ "$(mods_sum "$k")" = "$NONE" ] && [ ! -d "$R/$k" ]; then
		# Earlier still: the other run removed DKMS's build directory before
		# this one could open its make.log there, so our message had nowhere
		# to go (seen once in 2026-12-06's cold run); nothing installed.
		echo "    $k: exit $rc, DKMS lost its own build directory (make.log), nothing installed"
	else
		bad="$bad $k:exit-$rc"; sed 's/^/    | /' "$log" | tail -n 15
	fi
done
[ -z "$bad" ] && [ $ok -ge 1 ] &&
	pass "dkms install for $k1 and $k2 at the same moment: $ok of 2 built with their own vermagic, any other failed with one clear message" ||
	fail "dkms install at the same moment:$bad ($ok ok)"
no_leftovers && pass "same moment: no build directory left in $R" || fail "same moment: left in $R: $(find "$R" -maxdepth 1 -name 'build*' -printf '%f ')"
[ "$(mods_sum "$k3")" = "$sum3" ] && pass "same moment: the modules of $k3 untouched" || fail "same moment: $k3 modules changed"

# The message when DKMS is not in its build directory, and the exit code.
mkdir -p "$W/elsewhere"
ere() { printf '%s' "$1" | sed 's/[.+]/[&]/g'; } # a literal in an ERE
check_fails "dkms-build outside DKMS's build directory: exit 1, says why and what to run" 1 \
	"DKMS is not in its build directory $(ere "$R")/build: another DKMS build of nvidia-vgpu-compat/$(ere "$V") started at the same moment and replaced it[.] Nothing was built for Linux $(ere "$k1"); run: dkms build -m nvidia-vgpu-compat -v $(ere "$V") -k $(ere "$k1")\$" \
	sh -c "cd '$W/elsewhere' && exec '$VC' dkms-build '$k1' '/lib/modules/$k1/build' '$R'"
[ ! -d "$R/build.nvc-$k1" ] && pass "dkms-build outside DKMS's build directory builds nothing" || fail "dkms-build left $R/build.nvc-$k1"

check "dkms-uninstall $V" sh "$TOP/scripts/dkms-uninstall" "$V"
[ ! -e "$R" ] && [ "$(mods_sum "$k3")" = "$NONE" ] && pass "uninstall leaves nothing of $V" || fail "uninstall left $R or modules of $k3"
