#!/bin/sh
# SPDX-License-Identifier: MIT
# The open flavour through Debian's dkms (issue 12): make install FLAVOR=open
# builds and installs the open nvidia.ko ("Dual MIT/GPL", from kernel-open/)
# and its nvidia-vgpu-vfio for two kernels; "vgpu-compat flavor" switches
# back to proprietary and leaves no module of the other flavour; a switch
# whose flavour does not build for one of the kernels changes nothing (exit
# 7, FLAVOR and every kernel's modules as before).
# Needs root (it writes /usr/src, /var/lib/dkms and /lib/modules).
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mkrun.sh"
W=$NVC_OUT/t61
rm -rf "$W"; mkdir -p "$W"
[ "$(id -u)" = 0 ] || { skip "DKMS tests need root"; exit 0; }
command -v dkms >/dev/null || { fail "dkms is not installed"; exit 0; }

V=550.54.16
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
S=/usr/src/nvidia-vgpu-compat-$V
fixture_copy "$D" "$W/src/$D"
[ -f "$W/src/$D/kernel-open/Kbuild" ] || { fail "the $V fixture has no kernel-open/"; exit 0; }
mkrun "$W/src/$D" "$W/$D.run" "$V"

cleanup_t61() {
	sh "$TOP/scripts/dkms-uninstall" "$V" >/dev/null 2>&1 || true
	for h in /etc/kernel/postinst.d/zz-nvidia-vgpu-compat /etc/kernel/header_postinst.d/zz-nvidia-vgpu-compat; do
		if [ -e "$h" ] && ! dpkg-query -S "$h" >/dev/null 2>&1; then rm -f "$h"; fi
	done
	unlink_kernels
}
trap cleanup_t61 EXIT
cleanup_t61

# shellcheck disable=SC2046 # a space-separated list of kernel IDs
set -- $(kernel_ids)
link_kernel "$1"; k1=$KREL; link_kernel "$2"; k2=$KREL
# the releases in an ERE (6.12.95+deb12-amd64 has a '+')
re() { printf '%s\n' "$1" | sed 's/[].+*?()|[^$\\]/\\&/g'; }
k1re=$(re "$k1") k2re=$(re "$k2")

# modfield FIELD KERNEL: modinfo's FIELD of each installed module,
# "name=value ...", "none" for a module not installed
modfield() {
	for m in nvidia nvidia-vgpu-vfio; do
		_f=$(find "/lib/modules/$2/updates/dkms" -maxdepth 1 -name "$m.ko*" 2>/dev/null | head -n 1)
		printf '%s=%s ' "$m" "$(modinfo -F "$1" "$_f" 2>/dev/null || echo none)"
	done
}
# licences KERNEL: the licence of each installed module
licences() { modfield license "$1"; }
# srcversions KERNEL: what each installed module was built from
srcversions() { modfield srcversion "$1"; }
nmods() { find "/lib/modules/$1/updates/dkms" -maxdepth 1 -name 'nvidia*' 2>/dev/null | grep -c . || :; }
# lsmods KERNEL: the installed files, on one line
lsmods() { find "/lib/modules/$1/updates/dkms" -maxdepth 1 -type f -printf '%f ' 2>/dev/null || :; }
OPEN="nvidia=Dual MIT/GPL nvidia-vgpu-vfio=Dual MIT/GPL "
PROP="nvidia=NVIDIA nvidia-vgpu-vfio=Dual MIT/GPL "

t0=$(date +%s)
check "make install DRIVER=<.run> FLAVOR=open KERNELS=\"$k1 $k2\"" \
	make -C "$TOP" install DRIVER="$W/$D.run" FLAVOR=open KERNELS="$k1 $k2"
echo "    make install FLAVOR=open for two kernels: $(( $(date +%s) - t0 )) s"
[ "$(cat "$S/FLAVOR" 2>/dev/null)" = open ] && pass "FLAVOR in $S says open" || fail "FLAVOR in $S: '$(cat "$S/FLAVOR" 2>/dev/null)'"
for k in $k1 $k2; do
	[ "$(licences "$k")" = "$OPEN" ] && pass "open flavour installed for $k: $(licences "$k")" ||
		{ fail "open flavour for $k: $(licences "$k") (installed: $(lsmods "$k"))"
		  for _m in "/lib/modules/$k/updates/dkms/"*; do modinfo "$_m" 2>&1 | head -n 5 | sed 's/^/    | /'; done; }
	dkms status -m nvidia-vgpu-compat -v "$V" -k "$k" | grep -q ': installed' &&
		pass "dkms status: installed for $k" || fail "dkms status for $k"
	grep -q 'building the open flavour (kernel-open/)' /var/lib/dkms/nvidia-vgpu-compat/"$V/$k"/*/log/make.log &&
		pass "DKMS's make.log for $k: built from kernel-open/" || fail "DKMS's make.log for $k does not say kernel-open/"
done

# Back to proprietary: one command, every kernel rebuilt, nothing stale.
check_fails "vgpu-compat flavor $V proprietary: rebuilt and installed for both kernels" 0 \
	"DKMS builds the proprietary flavour \\(kernel/\\); rebuilt and installed for Linux ($k1re $k2re|$k2re $k1re)\\." \
	"$VC" flavor "$V" proprietary
for k in $k1 $k2; do
	[ "$(licences "$k")" = "$PROP" ] && pass "proprietary flavour installed for $k: $(licences "$k")" ||
		fail "proprietary flavour for $k: $(licences "$k")"
	[ "$(nmods "$k")" = 2 ] && pass "$k: two modules, none of the open flavour left" ||
		fail "$k: $(nmods "$k") modules: $(lsmods "$k")"
done
[ "$(cat "$S/FLAVOR")" = proprietary ] && pass "FLAVOR says proprietary" || fail "FLAVOR after the switch back"

# A switch whose flavour does not build for $k2: nothing changes.  The open
# tree gets a line that stops the compiler on kernels from 6.2 on (its stamp
# renewed, as if NVIDIA had shipped it so).
before1=$(srcversions "$k1") before2=$(srcversions "$k2")
nvc_c=$S/kernel-open/nvidia/nv.c
cp -p "$nvc_c" "$W/nv.c.orig"
printf '#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)\n#error "nvc-t61: this flavour does not build here"\n#endif\n' >>"$nvc_c"
# shellcheck disable=SC2094 # find leaves .nvc-rewritten out of what it lists
(cd "$S/kernel-open" && find . -type f ! -name .nvc-rewritten ! -name '*_binary' ! -path './.nvc-*' -print0 |
	LC_ALL=C sort -z | xargs -0 -r sha256sum >.nvc-rewritten)
check_fails "flavor open that does not build for $k2: exit 7, nothing changed" 7 \
	"the open flavour of nvidia-vgpu-compat/$V does not build for Linux $k2re .*nothing changed" \
	"$VC" flavor "$V" open
grep -q 'nvc-t61: this flavour does not build here' "$NVC_LAST" &&
	pass "the failed switch shows the compiler's error" || fail "the failed switch does not show why"
[ "$(cat "$S/FLAVOR")" = proprietary ] && pass "failed switch: FLAVOR still proprietary" || fail "failed switch: FLAVOR is $(cat "$S/FLAVOR")"
for k in $k1 $k2; do
	[ "$(licences "$k")" = "$PROP" ] && [ "$(nmods "$k")" = 2 ] &&
		pass "failed switch: $k keeps the proprietary modules" || fail "failed switch: $k has $(licences "$k")"
	dkms status -m nvidia-vgpu-compat -v "$V" -k "$k" | grep -q ': installed$' &&
		pass "failed switch: dkms status installed for $k (built and installed agree)" ||
		fail "failed switch: dkms status for $k: $(dkms status -m nvidia-vgpu-compat -v "$V" -k "$k")"
done
[ "$(srcversions "$k1")" = "$before1" ] && [ "$(srcversions "$k2")" = "$before2" ] &&
	pass "failed switch: both kernels' modules built from the same sources as before" ||
	fail "failed switch: srcversion changed ($before1 / $(srcversions "$k1"))"
cp -p "$W/nv.c.orig" "$nvc_c"

check "make uninstall" make -C "$TOP" uninstall DRIVER_VERSION="$V"
for k in $k1 $k2; do
	[ "$(nmods "$k")" = 0 ] && pass "modules removed for $k" || fail "modules left for $k"
done
