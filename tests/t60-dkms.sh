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

V=550.54.16
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
fixture_copy "$D" "$W/src/$D"
mkrun "$W/src/$D" "$W/$D.run" "$V"

# /lib/modules/<release>/build -> our prepared trees (removed at the end).
made_links=
link_kernel() {
	_r=$(kernel_release "$1")
	if [ ! -e "/lib/modules/$_r/build" ]; then
		mkdir -p "/lib/modules/$_r"
		ln -s "$(kernel_build "$1")" "/lib/modules/$_r/build"
		made_links="$made_links $_r"
	fi
	echo "$_r"
}
cleanup_dkms() {
	sh "$TOP/scripts/dkms-uninstall" "$V" >/dev/null 2>&1 || true
	for r in $made_links; do rm -rf "/lib/modules/$r"; done
}
trap cleanup_dkms EXIT
cleanup_dkms
made_links=

ids=$(kernel_ids)
set -- $ids
k1=$(link_kernel "$1"); k2=$(link_kernel "$2"); k3=$(link_kernel "$3")

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
made_links="$made_links $unk"
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
