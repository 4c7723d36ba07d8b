#!/bin/sh
# SPDX-License-Identifier: MIT
# DKMS end to end with Debian's dkms, for kernels that are not running:
# make install builds and installs both modules for two kernels, autoinstall
# builds them for a third, a kernel we do not know is declined cleanly
# without touching the installed modules, and make uninstall leaves nothing.
# Needs root (it writes /usr/src, /var/lib/dkms and /lib/modules).
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mkrun.sh"
W=$NVC_OUT/t60
rm -rf "$W"; mkdir -p "$W"
[ "$(id -u)" = 0 ] || { skip "DKMS tests need root"; exit 0; }
command -v dkms >/dev/null || { fail "dkms is not installed"; exit 0; }

# Setup removes what a killed earlier run left (a CI machine is reused):
# a registration of a test version goes, one of another version stays.
mkdir -p /var/lib/dkms/nvidia-vgpu-compat/535.161.97/source /usr/src/nvidia-vgpu-compat-535.161.97 \
	/usr/src/nvidia-vgpu-compat-1.2.3-not-a-test /lib/modules/9.9.9-nvc-left
if out=$(NVC_CACHE=$W/cache sh "$TOP/tests/setup/leftovers.sh" 2>&1) &&
   [ ! -e /var/lib/dkms/nvidia-vgpu-compat/535.161.97 ] && [ ! -e /usr/src/nvidia-vgpu-compat-535.161.97 ] &&
   [ ! -e /lib/modules/9.9.9-nvc-left ] && [ -d /usr/src/nvidia-vgpu-compat-1.2.3-not-a-test ]; then
	pass "setup removes a killed run's registration of a test version, keeps other versions"
else
	fail "leftovers.sh: $out"
fi
rm -rf /usr/src/nvidia-vgpu-compat-1.2.3-not-a-test

V=550.54.16
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
fixture_copy "$D" "$W/src/$D"
mkrun "$W/src/$D" "$W/$D.run" "$V"

# /lib/modules/<release>/build -> our prepared trees (removed at the end).
cleanup_dkms() {
	sh "$TOP/scripts/dkms-uninstall" "$V" >/dev/null 2>&1 || true
	unlink_kernels
}
trap cleanup_dkms EXIT
cleanup_dkms

ids=$(kernel_ids)
# shellcheck disable=SC2086 # a space-separated list of kernel IDs
set -- $ids
link_kernel "$1"; k1=$KREL; link_kernel "$2"; k2=$KREL; link_kernel "$3"; k3=$KREL

t0=$(date +%s)
check "make install DRIVER=<.run> KERNELS=\"$k1 $k2\"" \
	make -C "$TOP" install DRIVER="$W/$D.run" KERNELS="$k1 $k2"
echo "    make install for two kernels: $(( $(date +%s) - t0 )) s"
for k in $k1 $k2; do
	for m in nvidia nvidia-vgpu-vfio; do
		ls "/lib/modules/$k/updates/dkms/$m.ko"* >/dev/null 2>&1 &&
			pass "$m installed for $k" || fail "$m not installed for $k"
	done
	dkms status -m nvidia-vgpu-compat -v "$V" -k "$k" | grep -q ': installed' &&
		pass "dkms status: installed for $k" || fail "dkms status for $k"
done
# Rewritten once at import: each DKMS build only checks the stamp (and
# runs the probes), no scan, no spatch.
for k in $k1 $k2; do
	grep -q 'as vgpu-compat import rewrote it .*nothing to rewrite' /var/lib/dkms/nvidia-vgpu-compat/"$V/$k"/*/log/make.log &&
		pass "the DKMS build for $k did not rewrite kernel/ again (make.log)" ||
		fail "the DKMS build for $k: make.log does not say the imported rewrite was used"
done
check "make install again is harmless" make -C "$TOP" install DRIVER="$W/$D.run" KERNELS="$k1 $k2"

# A new kernel arrives: autoinstall builds for it.
check "dkms autoinstall -k $k3" dkms autoinstall -k "$k3"
ls "/lib/modules/$k3/updates/dkms/nvidia-vgpu-vfio.ko"* >/dev/null 2>&1 &&
	pass "autoinstall built nvidia-vgpu-vfio for $k3" || fail "autoinstall did not install for $k3"

# A kernel we do not know: declined (DKMS exit 77), nothing half installed,
# the other kernels' modules untouched.
before=$(cat /lib/modules/"$k1"/updates/dkms/* | md5sum)
unk=8.0.0-nvc-unknown
mkdir -p "/lib/modules/$unk"; ln -s "$(kernel_build "$3")" "/lib/modules/$unk/build"
NVC_MADE_LINKS="$NVC_MADE_LINKS $unk"
check_fails "dkms build for unknown kernel $unk is declined (exit 77)" 77 'BUILD_EXCLUSIVE|does not match' \
	dkms build -m nvidia-vgpu-compat -v "$V" -k "$unk"
[ ! -e "/lib/modules/$unk/updates" ] && pass "declined kernel: nothing installed" || fail "declined kernel: files installed"
[ "$(cat /lib/modules/"$k1"/updates/dkms/* | md5sum)" = "$before" ] &&
	pass "declined kernel: installed modules of $k1 untouched" || fail "declined kernel: $k1 modules changed"

check "make uninstall" make -C "$TOP" uninstall DRIVER_VERSION="$V"
[ -z "$(dkms status -m nvidia-vgpu-compat 2>/dev/null)" ] && pass "dkms status clean after uninstall" || fail "dkms status not clean"
[ ! -e "/usr/src/nvidia-vgpu-compat-$V" ] && pass "/usr/src tree removed" || fail "/usr/src tree left"
for k in $k1 $k2 $k3; do
	! ls "/lib/modules/$k/updates/dkms/nvidia"* >/dev/null 2>&1 && pass "modules removed for $k" || fail "modules left for $k"
done

# --- Declines and failures leave every installed module as it was -----------
# With the 535.161.05 fixture installed for $k1 (the 550 one is gone now):
# a kernel outside BUILD_EXCLUSIVE_KERNEL is declined by build, install and
# autoinstall without a trace; a second registered version whose tree differs
# at a known break fails to build (vgpu-compat apply refuses it) and leaves
# the modules installed for $k1 alone, also through autoinstall; preflight
# and the kernel postinst hook read the real DKMS state.
V2=535.161.05 VX=535.161.97
D2=NVIDIA-Linux-x86_64-$V2-vgpu-kvm
HOOK=/etc/kernel/postinst.d/zz-nvidia-vgpu-compat
HHOOK=/etc/kernel/header_postinst.d/zz-nvidia-vgpu-compat
fixture_copy "$D2" "$W/src/$D2"
mkrun "$W/src/$D2" "$W/$D2.run" "$V2"
cleanup_t60b() {
	for v in $V2 $VX; do
		dkms remove -m nvidia-vgpu-compat -v "$v" --all >/dev/null 2>&1 || true
		rm -rf "/usr/src/nvidia-vgpu-compat-$v"
	done
	for h in "$HOOK" "$HHOOK"; do
		if [ -e "$h" ] && ! dpkg-query -S "$h" >/dev/null 2>&1; then rm -f "$h"; fi
	done
	cleanup_dkms
}
trap cleanup_t60b EXIT
# md5 of every installed module file of a kernel (empty list: "none")

check "make install DRIVER=<$V2 .run> KERNELS=$k1" make -C "$TOP" install DRIVER="$W/$D2.run" KERNELS="$k1"
[ -x "$HOOK" ] && cmp -s "$HOOK" "$TOP/scripts/kernel-postinst.d/zz-nvidia-vgpu-compat" &&
	pass "make install installs the kernel postinst hook" || fail "hook not installed at $HOOK"
[ -x "$HHOOK" ] && cmp -s "$HHOOK" "$TOP/scripts/kernel-postinst.d/zz-nvidia-vgpu-compat" &&
	pass "make install installs the hook in header_postinst.d too (DKMS builds when the headers arrive)" ||
	fail "hook not installed at $HHOOK"
ls "$(dirname "$HOOK")"/zz-nvidia-vgpu-compat.* >/dev/null 2>&1 &&
	fail "a temporary hook file was left behind" || pass "no temporary hook file left"
sum1=$(mods_sum "$k1")
[ "$sum1" != "$(mods_sum /nonexistent)" ] && pass "$V2 modules installed for $k1" || fail "$V2 not installed for $k1"

# Declined: build, install, autoinstall.
check_fails "dkms install for $unk is declined (exit 77)" 77 'BUILD_EXCLUSIVE|does not match' \
	dkms install -m nvidia-vgpu-compat -v "$V2" -k "$unk"
# DKMS before 3.0.11 counts a BUILD_EXCLUSIVE decline as a failed
# autoinstall (exit 11; dkms-project/dkms#302, fixed by #314 in 3.0.11), and
# with it the kernel postinst hook of Debian's dkms fails: our dkms.conf
# takes a declined kernel out of "dkms autoinstall" (nvc-autoinstall-skip),
# so autoinstall exits 0 with every DKMS.  The control: without that block,
# a DKMS before 3.0.11 exits 11.
dkms_ver=$(dkms --version 2>/dev/null | sed -n 's/^dkms-//p')
check "dkms $dkms_ver: autoinstall -k $unk exits 0 (skips the declined module)" dkms autoinstall -k "$unk"
if [ "$(printf '%s\n' "$dkms_ver" 3.0.11 | sort -V | head -n 1)" = 3.0.11 ]; then
	skip "dkms $dkms_ver skips a declined module in autoinstall by itself: no control for nvc-autoinstall-skip"
else
	conf2=/usr/src/nvidia-vgpu-compat-$V2/dkms.conf
	cp "$conf2" "$W/dkms.conf.v2"
	without_autoinstall_skip "$conf2"
	check_fails "dkms $dkms_ver, dkms.conf without nvc-autoinstall-skip: autoinstall -k $unk exits 11 (dkms#302)" 11 \
		'BUILD_EXCLUSIVE directive which does not match' dkms autoinstall -k "$unk"
	cp "$W/dkms.conf.v2" "$conf2"
fi
[ ! -e "/lib/modules/$unk/updates" ] && pass "declined kernel: no module file under /lib/modules/$unk" ||
	fail "declined kernel: files under /lib/modules/$unk"
[ ! -e "/var/lib/dkms/nvidia-vgpu-compat/$V2/$unk" ] && pass "declined kernel: no half-built state in /var/lib/dkms" ||
	fail "declined kernel: /var/lib/dkms/nvidia-vgpu-compat/$V2/$unk exists"
! dkms status -m nvidia-vgpu-compat -k "$unk" 2>/dev/null | grep -q ", $unk," &&
	pass "declined kernel: dkms status lists nothing for it" || fail "declined kernel: dkms status lists it"
[ "$(mods_sum "$k1")" = "$sum1" ] && pass "declines: the modules of $k1 are untouched" || fail "declines changed $k1 modules"

# A second version whose tree differs at a known break.
cp -a "/usr/src/nvidia-vgpu-compat-$V2" "/usr/src/nvidia-vgpu-compat-$VX"
echo "$VX" >"/usr/src/nvidia-vgpu-compat-$VX/DRIVER_VERSION"
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$VX\"/" "/usr/src/nvidia-vgpu-compat-$VX/dkms.conf"
sed -i 's|^# For any object files that depend on conftest, declare the dependency here.$|# Objects that need conftest (changed by someone else).|' \
	"/usr/src/nvidia-vgpu-compat-$VX/kernel/Kbuild"
check "dkms add $VX (a tree that differs where the layer's Kbuild line goes, 0000-compat-layer)" dkms add -m nvidia-vgpu-compat -v "$VX"
check_fails "dkms build of $VX for $k1 fails (apply refuses the tree)" 10 'Bad return status|make.log' \
	dkms build -m nvidia-vgpu-compat -v "$VX" -k "$k1"
grep -q 'patch 0000-compat-layer does not apply' "/var/lib/dkms/nvidia-vgpu-compat/$VX/build/make.log" &&
	pass "the failed build's make.log names the patch that does not apply" || fail "make.log does not name the patch"
[ "$(mods_sum "$k1")" = "$sum1" ] && pass "failed build: the modules of $k1 are untouched" || fail "failed build changed $k1 modules"
dkms status -m nvidia-vgpu-compat -v "$V2" -k "$k1" | grep -q ': installed' &&
	pass "failed build: $V2 is still installed for $k1" || fail "failed build: $V2 no longer installed for $k1"
if dkms install -m nvidia-vgpu-compat -v "$VX" -k "$k1" >"$W/install-vx.log" 2>&1; then rc=0; else rc=$?; fi
[ "$rc" != 0 ] && [ "$(mods_sum "$k1")" = "$sum1" ] &&
	pass "dkms install of $VX fails (exit $rc) and leaves $k1 as it was" || fail "dkms install of $VX: exit $rc"
if dkms autoinstall -k "$k1" >"$W/autoinstall-vx.log" 2>&1; then rc=0; else rc=$?; fi
echo "    dkms autoinstall -k $k1 with $VX registered: exit $rc"
[ "$(mods_sum "$k1")" = "$sum1" ] && dkms status -m nvidia-vgpu-compat -v "$V2" -k "$k1" | grep -q ': installed' &&
	pass "autoinstall with a failing version: $V2 stays installed for $k1, files untouched" ||
	fail "autoinstall with a failing version changed $k1"

# preflight on the real DKMS state.
check_fails "preflight for $k1: exit 5, $VX differs at a break" 5 \
	"result: NOT OK: driver $VX: the driver differs from every version nvidia-vgpu-compat knows at 0000-compat-layer" \
	"$VC" preflight --kernel "$k1"
grep -q "^  dkms: nvidia-vgpu-compat/$V2 is installed for $k1\$" "$NVC_LAST" &&
	pass "preflight reads dkms status: $V2 installed for $k1" || fail "preflight: dkms line for $V2"
dkms remove -m nvidia-vgpu-compat -v "$VX" --all >/dev/null 2>&1 || true
rm -rf "/usr/src/nvidia-vgpu-compat-$VX"
check "preflight for $k1 with only $V2: exit 0" "$VC" preflight --kernel "$k1"
k2re=$(printf '%s' "$k2" | sed 's/[.+]/[&]/g')
check_fails "preflight for $k2 ($V2 not built there): exit 8" 8 \
	"dkms: nvidia-vgpu-compat/$V2 is not built for $k2re: dkms autoinstall -k $k2re" "$VC" preflight --kernel "$k2"
check_fails "preflight for $unk: exit 7, the kernel is unknown" 7 \
	"result: NOT OK: driver $V2: Linux $unk is newer than every kernel nvidia-vgpu-compat knows" "$VC" preflight --kernel "$unk"

# The kernel's postinst chain as Debian's and Proxmox's kernel packages run
# it (run-parts --exit-on-error): DKMS's hook first, then ours.
if run-parts --report --exit-on-error --arg="$unk" --arg="/boot/vmlinuz-$unk" \
	"$(dirname "$HOOK")" >"$W/run-parts.log" 2>&1; then rc=0; else rc=$?; fi
[ "$rc" = 0 ] && grep -q "WARNING: Linux $unk has no working" "$W/run-parts.log" &&
	pass "dkms $dkms_ver: postinst.d chain for $unk: DKMS skips it, our hook warns, exit 0" ||
	{ fail "postinst.d chain for $unk with dkms $dkms_ver: exit $rc"; tail -n 20 "$W/run-parts.log"; }
[ "$(mods_sum "$k1")" = "$sum1" ] && pass "postinst.d chain for $unk: the modules of $k1 are untouched" ||
	fail "postinst.d chain changed the modules of $k1"

# The installed hook, run as run-parts runs it, for the declined kernel.
mkdir -p "$W/hbin"
printf '#!/bin/sh\n[ "$1" = -r ] && { echo %s; exit 0; }\nexec /bin/uname "$@"\n' "$k1" >"$W/hbin/uname"
chmod +x "$W/hbin/uname"
if PATH="$W/hbin:$PATH" "$HOOK" "$unk" "/boot/vmlinuz-$unk" >"$W/hook.out" 2>"$W/hook.err"; then rc=0; else rc=$?; fi
[ "$rc" = 0 ] && tr '\n' ' ' <"$W/hook.err" | grep -q "WARNING: Linux $unk has no working NVIDIA vGPU modules" &&
	pass "installed hook, declined kernel: warns, exit 0" || { fail "installed hook: exit $rc"; cat "$W/hook.err"; }

check "make uninstall DRIVER_VERSION=$V2" make -C "$TOP" uninstall DRIVER_VERSION="$V2"
[ ! -e "$HOOK" ] && [ ! -e "$HHOOK" ] && pass "uninstalling the last driver removes the hooks" || fail "hook left after uninstall"
[ "$(mods_sum "$k1")" = "$(mods_sum /nonexistent)" ] && pass "modules of $k1 removed" || fail "modules of $k1 left"
