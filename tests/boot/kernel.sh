#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/boot/kernel.sh ID: build a bootable PVE-like kernel for the prepared
# PVE-like tree ID (7-newest-pve ...; tests/setup/kernels.sh) and print the
# directory it is in. Debian publishes no image of such a kernel (Debian's
# configs leave CONFIG_IOMMUFD unset), so tests/boot/boot.sh boots this one.
#
# A model of a Proxmox VE kernel, not Proxmox's kernel and not Debian's full
# config: the same Debian linux-source package the tree ID was made from
# (its "packages" file; fetched with tests/lib/apt.sh), configured with
# "make allnoconfig" and tests/boot/pvelike.config (what a busybox initramfs
# on QEMU's serial console needs, and Proxmox's vfio choices: IOMMUFD=m,
# VFIO_DEVICE_CDEV=y, VFIO_MDEV=m, the group / container path kept). Every
# line of that file must be in the resulting .config. bzImage and the
# modules are built with ccache (the boot test's, $NVC_CACHE/boot/ccache),
# so a rebuild of the same source is quick.
#
# Output, cached and keyed by the source package's version and the config
# file's hash: $NVC_CACHE/boot/kernels/<linux-source-S_V>-<hash>/
#   source/ build/   the source and the O= build tree (external modules are
#                    built against build/, so their vermagic is this kernel's)
#   vmlinuz          bzImage
#   root/lib/modules/<release>/   the modules, installed and depmod'ed
#   release          make kernelrelease
#   vfio-requires    the ops __vfio_register_dev() of this source requires
#                    when CONFIG_IOMMUFD is set (read from vfio_main.c)
#   debs             the linux-source .deb
#   seconds          "unpack U configure C build B install I" of the build
#   ready            written last
# The build log is build.log beside them. NVC_BOOT_NICE (default 19): the
# build's niceness; NVC_BOOT_CCACHE=0: without ccache. Exit 77 with the reason on stdout
# when the kernel cannot be built here; 1 on a failure.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/apt.sh
. "$TOP/tests/lib/apt.sh"
# shellcheck source=tests/boot/ccache.sh
. "$TOP/tests/boot/ccache.sh"

[ $# -eq 1 ] || { echo "usage: kernel.sh ID" >&2; exit 2; }
ID=$1
KT=$NVC_CACHE/kernels/$ID
FRAG=$TOP/tests/boot/pvelike.config
skip_out() { echo "$*"; exit 77; }
die() { echo "kernel.sh $ID: $*" >&2; exit 1; }

[ -f "$KT/ready" ] || skip_out "kernel tree $ID is not prepared (tests/setup/kernels.sh $ID)"
[ -f "$KT/pve.vfio-requires" ] || die "$ID is not a PVE-like tree (no pve.vfio-requires): Debian's image is booted for it"
for t in make gcc flex bison bc dpkg-deb xz depmod; do
	command -v "$t" >/dev/null 2>&1 || skip_out "$t not installed (tests/setup/deps.sh)"
done
SRCPKG=$(awk '$1 ~ /^linux-source-/ { print $1; exit }' "$KT/packages")
SRCVER=$(awk '$1 ~ /^linux-source-/ { print $2; exit }' "$KT/packages")
[ -n "$SRCPKG" ] && [ -n "$SRCVER" ] || die "$KT/packages names no linux-source package"
# the tree's local version without Debian's flavour (this is not Debian's
# amd64 config), "-qemu" for the small config: 7.3.4+deb13-pvelike-qemu
KREL=$(cat "$KT/release")
LOCALVERSION=$(printf '%s' "${KREL#"${SRCVER%%-*}"}" | sed 's/-amd64//')-qemu
# the recipe: what changes the kernel built from the same source
HASH=$( { cat "$FRAG"; echo "LOCALVERSION=$LOCALVERSION"; echo "targets bzImage modules"; } |
	sha256sum | cut -c 1-12)
BOOT=$NVC_CACHE/boot
D=$BOOT/kernels/${SRCPKG}_$SRCVER-$HASH
mkdir -p "$BOOT/kernels"
exec 8>"$BOOT/kernels/.lock"
flock 8    # one kernel build at a time
if [ -f "$D/ready" ]; then
	echo "$D"
	exit 0
fi

T0=$(date +%s)
rm -rf "$D"
mkdir -p "$D/source" "$D/build"
LOG=$D/build.log
deb=$(nvc_download "$SRCPKG=$SRCVER" "$BOOT/debs") || die "download of $SRCPKG=$SRCVER failed"
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/src/$SRCPKG.tar.xz" |
	xz -T0 -dc | tar -xf - -C "$D/source" --strip-components=1 ||
	die "unpacking $deb failed"
T1=$(date +%s)

# ccache through PATH, the boot test's cache (tests/boot/ccache.sh)
boot_ccache "$BOOT"
kmake() {
	PATH=$BPATH LC_ALL=C nice -n "${NVC_BOOT_NICE:-19}" make -C "$D/source" O="$D/build" "$@" >>"$LOG" 2>&1
}
{ grep -v '^#' "$FRAG" | grep .; echo "CONFIG_LOCALVERSION=\"$LOCALVERSION\""; } >"$D/allconfig"
kmake KCONFIG_ALLCONFIG="$D/allconfig" allnoconfig || die "allnoconfig failed: $(tail -n 5 "$LOG")"
while IFS= read -r l; do
	grep -qxF -- "$l" "$D/build/.config" ||
		die "the config lost '$l' (got: $(grep -- "^${l%%=*}=" "$D/build/.config" || echo unset)); see tests/boot/pvelike.config"
done <"$D/allconfig"
sed -n '/^static int __vfio_register_dev(/,/^}/p' "$D/source/drivers/vfio/vfio_main.c" |
	sed -n '1,/return -EINVAL;/p' | grep -o 'device->ops->[a-z_]*' | sed 's/.*->//' |
	sort -u >"$D/vfio-requires"
T2=$(date +%s)
kmake -j"$(nproc)" bzImage modules || die "the build failed: $(grep -m 3 -E 'error|Error' "$LOG")"
T3=$(date +%s)
REL=$(make -s -C "$D/source" O="$D/build" kernelrelease 2>/dev/null)
[ -n "$REL" ] || die "no kernelrelease"
kmake INSTALL_MOD_PATH="$D/root" INSTALL_MOD_STRIP=1 DEPMOD=/bin/true modules_install ||
	die "modules_install failed: $(tail -n 3 "$LOG")"
rm -f "$D/root/lib/modules/$REL/build" "$D/root/lib/modules/$REL/source"
depmod -b "$D/root" "$REL" >>"$LOG" 2>&1 || die "depmod failed: $(tail -n 3 "$LOG")"
cp "$D/build/arch/x86/boot/bzImage" "$D/vmlinuz"
echo "$REL" >"$D/release"
echo "$deb" >"$D/debs"
T4=$(date +%s)
echo "unpack $((T1 - T0)) configure $((T2 - T1)) build $((T3 - T2)) install $((T4 - T3))" >"$D/seconds"
echo "$SRCPKG $SRCVER, tests/boot/pvelike.config $HASH" >"$D/ready"
echo "$D"
