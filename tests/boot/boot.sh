#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/boot/boot.sh ID OUTDIR: boot Debian's real kernel of the prepared
# kernel tree ID ($NVC_CACHE/kernels/ID, tests/setup/kernels.sh; for a
# PVE-like tree the kernel tests/boot/kernel.sh builds) under QEMU (TCG)
# with a busybox initramfs holding a fixture driver built by us for that
# kernel, and record what tests/boot/init reports, one line per step:
#   OUTDIR/steps     "<step> pass|fail|skip <reason>"
#   OUTDIR/serial.log  the whole serial console; OUTDIR/build-*.log
#   OUTDIR/seconds   wall time of the boot alone, and of everything
#   OUTDIR/release   the booted kernel's release
# Exit 0 when the guest ran to its end (the steps say what passed), 77 when
# the kernel cannot be booted here (the reason on stdout: no qemu, no
# prepared tree, the image version gone from the archive), 1 otherwise.
#
# Which image: for a PVE-like tree (ID *-pve: Debian publishes no such
# image) the small PVE-like kernel tests/boot/kernel.sh builds from the
# tree's Debian linux-source, our modules built against its build tree.
# Otherwise linux-image-<release> of exactly the version whose headers
# (or Module.symvers, for trees built from linux-source) the tree carries
# (its "packages" file), fetched with the private apt configuration of
# tests/lib/apt.sh (the machine's mirror) and cached, keyed by version, in
# $NVC_CACHE/boot/. So vermagic and, where CONFIG_MODVERSIONS is on (6.1,
# 6.12), the CRCs modpost wrote into our modules come from that very
# build of Debian's kernel. Debian's 7.x images are split: linux-image-* is
# a metapackage, vmlinuz is in linux-binary-*, the modules (xz) in
# linux-modules-*; its Depends say which.
#
# NVC_BOOT_FIXTURE (default 550.144.02): the fixture driver;
# NVC_BOOT_FIXTURE_0004 (default 535.161.05): the fixture of the control
# without 0004 when NVC_BOOT_FIXTURE has NVIDIA's own .detach_ioas (built
# only for a kernel with CONFIG_IOMMUFD);
# NVC_BOOT_REAL (a role of tests/setup/nvidia-sources.sh or a version): also
# Debian's real nvidia.ko; NVC_BOOT_CCACHE=0: builds without ccache;
# NVC_BOOT_TIMEOUT (default 600 s): QEMU's limit.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/apt.sh
. "$TOP/tests/lib/apt.sh"
# shellcheck source=tests/boot/ccache.sh
. "$TOP/tests/boot/ccache.sh"
# shellcheck source=tests/lib/topic.sh
. "$TOP/tests/lib/topic.sh"

[ $# -eq 2 ] || { echo "usage: boot.sh ID OUTDIR" >&2; exit 2; }
ID=$1 OUT=$2
FIXTURE=NVIDIA-Linux-x86_64-${NVC_BOOT_FIXTURE:-550.144.02}-vgpu-kvm
TIMEOUT=${NVC_BOOT_TIMEOUT:-600}
KT=$NVC_CACHE/kernels/$ID
BOOT=$NVC_CACHE/boot
T0=$(date +%s)

skip_out() { echo "$*"; exit 77; }
die() { echo "boot.sh $ID: $*" >&2; exit 1; }

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_out "qemu-system-x86_64 not installed (Debian package qemu-system-x86; tests/setup/deps.sh)"
BUSYBOX=$(command -v busybox 2>/dev/null || true)
if [ -z "$BUSYBOX" ] || ! LC_ALL=C ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic executable'; then
	skip_out "no static busybox (Debian package busybox-static)"
fi
for t in cpio gzip depmod modprobe modinfo dpkg-deb xz; do
	command -v "$t" >/dev/null 2>&1 || skip_out "$t not installed"
done
HOSTCC=$(command -v gcc 2>/dev/null || command -v gcc-12 2>/dev/null || true)
[ -n "$HOSTCC" ] || skip_out "no gcc for tests/boot/vfio-open.c"
[ -f "$KT/ready" ] || skip_out "kernel tree $ID is not prepared (tests/setup/kernels.sh $ID)"
rm -rf "$OUT"; mkdir -p "$OUT"
BOOT=$NVC_CACHE/boot
mkdir -p "$BOOT"

# --- Debian's image: vmlinuz and the in-tree modules ours need ----------
# debian_image: sets IMG, the extract of Debian's linux-image-$REL=$VER
debian_image() {
	IMG=$BOOT/img/${REL}_$VER
	# what is taken from the image: vmlinuz and the module directories we load
	# from (vfio, mdev, irqbypass, iommufd; drm for Debian's real nvidia.ko); a
	# cache made with another list is made again
	PATTERNS="*vmlinuz* */kernel/drivers/vfio/* */kernel/virt/lib/* */kernel/drivers/iommu/*
*/kernel/drivers/gpu/drm/drm*.ko* */modules.builtin* */modules.order"
	exec 9>"$BOOT/.lock"
	flock 9    # one extract at a time (two runs on one cache)
	if [ ! -f "$IMG/ready" ] || [ "$(cat "$IMG/ready")" != "$PATTERNS" ]; then
		pkg=linux-image-$REL
		nvc_apt_cache show "$pkg=$VER" >"$OUT/image.show" 2>&1 ||
			skip_out "$pkg=$VER is not in the archive any more (the tree is older than the image); re-run tests/setup/kernels.sh $ID"
		debs=$(nvc_download "$pkg=$VER" "$BOOT/debs") || die "download of $pkg=$VER failed"
		for dep in $(sed -n 's/^Depends: //p' "$OUT/image.show" | head -n 1 | tr ',' '\n' |
			sed -n "s/^ *\(linux-\(binary\|modules\)-$(printf '%s' "$REL" | sed 's/[.]/\\./g')\)\( .*\)\{0,1\}\$/\1/p"); do
			debs="$debs $(nvc_download "$dep=$VER" "$BOOT/debs")" || die "download of $dep=$VER failed"
		done
		rm -rf "$IMG.tmp"; mkdir -p "$IMG.tmp/x"
		for deb in $debs; do
			# shellcheck disable=SC2086 # one word per pattern, no globbing
			(set -f; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$IMG.tmp/x" --wildcards $PATTERNS) 2>/dev/null || true
		done
		vmlinuz=$(find "$IMG.tmp/x" -type f -name 'vmlinuz*' | head -n 1)
		[ -n "$vmlinuz" ] || die "no vmlinuz in $debs"
		mv "$vmlinuz" "$IMG.tmp/vmlinuz"
		mods=$(find "$IMG.tmp/x" -type d -path "*/lib/modules/$REL" | head -n 1)
		[ -n "$mods" ] || die "no lib/modules/$REL in $debs"
		mkdir -p "$IMG.tmp/root/lib/modules"
		mv "$mods" "$IMG.tmp/root/lib/modules/$REL"
		find "$IMG.tmp/root" -name '*.ko.xz' -exec xz -d {} +
		if find "$IMG.tmp/root" -name '*.ko.zst' | grep -q .; then
			command -v zstd >/dev/null 2>&1 || die "zstd-compressed modules and no zstd"
			find "$IMG.tmp/root" -name '*.ko.zst' -exec zstd -q -d --rm {} +
		fi
		depmod -b "$IMG.tmp/root" "$REL" 2>"$IMG.tmp/depmod.log" || die "depmod: $(cat "$IMG.tmp/depmod.log")"
		rm -rf "$IMG.tmp/x"
		# shellcheck disable=SC2086 # one word per .deb
		printf '%s\n' $debs >"$IMG.tmp/debs"
		printf '%s\n' "$PATTERNS" >"$IMG.tmp/ready"
		rm -rf "$IMG"; mv "$IMG.tmp" "$IMG"
	fi
	flock -u 9
}

# A PVE-like tree (tests/setup/kernels.sh *-pve): Debian publishes no image
# of such a kernel; tests/boot/kernel.sh builds a small one from the same
# linux-source, and our modules are built against its build tree
if [ -f "$KT/pve.vfio-requires" ]; then
	rc=0
	IMG=$(sh "$TOP/tests/boot/kernel.sh" "$ID" 2>"$OUT/kernel.err") || rc=$?
	[ $rc = 77 ] && skip_out "$IMG"
	[ $rc = 0 ] || die "building the PVE-like kernel failed: $(tail -n 3 "$OUT/kernel.err")"
	REL=$(cat "$IMG/release")
	VER="$(cat "$IMG/ready")"
	KB=$IMG/build
	# the booted kernel's config and vfio's ops requirements, from its source
	KCONFIG=$IMG/build/.config
	cp "$IMG/vfio-requires" "$OUT/vfio-requires"
	VFIO_MAIN=$IMG/source/drivers/vfio/vfio_main.c
	echo "PVE-like kernel $REL (a model: $VER, not Proxmox's kernel), built in $IMG: $(cat "$IMG/seconds") s" >"$OUT/info"
else
	REL=$(cat "$KT/release")
	VER=$(awk -v p="linux-headers-$REL" '$1 == p { print $2; exit }' "$KT/packages")
	[ -n "$VER" ] || die "$KT/packages names no linux-headers-$REL"
	KB=$KT/build
	KCONFIG=$KT/debian.config
	: >"$OUT/info"
	debian_image
	VFIO_MAIN=
fi
cp "$IMG/debs" "$OUT/image-debs"
echo "$REL" >"$OUT/release"
[ -f "$KCONFIG" ] || die "no config of the booted kernel ($KCONFIG): re-run tests/setup/kernels.sh $ID"
# CONFIG_IOMMUFD / CONFIG_VFIO_DEVICE_CDEV of the booted kernel ("" unset)
IOMMUFD=$(sed -n 's/^CONFIG_IOMMUFD=//p' "$KCONFIG")
VFIO_CDEV=$(sed -n 's/^CONFIG_VFIO_DEVICE_CDEV=//p' "$KCONFIG")

# --- our modules: the fixture patched, and the controls ------------------
KS=$(sh "$TOP/scripts/kernel-source-dir" "$KB")
# ccache through PATH, as tests/matrix.sh does, in the boot test's own
# cache (tests/boot/ccache.sh)
boot_ccache "$BOOT"
# build TREE LOG [MODULES]: the driver's own kernel/Makefile (Debian's
# NVIDIA sources: TREE is that directory itself)
build() {
	_bd=$1/kernel
	[ -d "$_bd" ] || _bd=$1
	PATH=$BPATH LC_ALL=C nice -n 19 make -C "$_bd" -j"$(nproc)" SYSSRC="$KS" SYSOUT="$KB" \
		NV_KERNEL_MODULES="${3:-nvidia nvidia-vgpu-vfio}" modules >"$2" 2>&1
}
# patched_fixture NAME FIXTURE APPLYLOG: $W/NAME, a copy of FIXTURE (its
# name in NAME/.fixture) patched by vgpu-compat apply and built, the logs
# OUT/APPLYLOG and OUT/build-NAME.log
patched_fixture() {
	cp -a "$TOP/tests/fixtures/drivers/$2" "$W/$1"
	echo "$2" >"$W/$1/.fixture"
	"$TOP/scripts/vgpu-compat" apply "$W/$1/kernel" >"$OUT/$3" 2>&1 ||
		die "vgpu-compat apply on $2 failed: $(tail -n 5 "$OUT/$3")"
	build "$W/$1" "$OUT/build-$1.log" ||
		die "$2 patched does not build: $(grep -m 3 -E 'error:|ERROR:' "$OUT/build-$1.log")"
}
W=$OUT/work
mkdir -p "$W"
P0=$(date +%s)
patched_fixture patched "$FIXTURE" apply.log

# Controls: every patch, then one topic's patch taken out again (the
# variant that reverse-applies), so the tree builds everywhere and differs
# from the patched one only at that break: 0005 (nvidia.ko exports the
# vGPU interface for symbol_get(), 6.6), and, where the kernel has
# .get_region_info_caps (6.19, probe NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS
# in the patched tree), 0202 (region info of mdev vGPUs).
# control TOPIC [BASE]: $W/control-TOPIC, a copy of the built patched tree
# $W/BASE (default patched) with that topic reverted and the objects of the
# files it touches removed, so make rebuilds only those (a few seconds, not
# a whole build); the control's modules must differ from the patched ones.
# When no variant reverse-applies there is no control (noted in info; the
# guest skips it).
control() {
	_base=${2:-patched}
	cp -a "$W/$_base" "$W/control-$1"
	if ! revert_topic "$W/control-$1" "$1"; then
		rm -rf "$W/control-$1"
		echo "control $1: no variant of patches/$1-* reverse-applies to $(cat "$W/$_base/.fixture")" >>"$OUT/info"
		return 0
	fi
	echo "control $1: reverted ${REVERTED#"$TOP"/} from $(cat "$W/$_base/.fixture")" >>"$OUT/info"
	build "$W/control-$1" "$OUT/build-control-$1.log" ||
		die "the control without $1 does not build: $(grep -m 3 -E 'error:|ERROR:' "$OUT/build-control-$1.log")"
	if cmp -s "$W/$_base/kernel/nvidia.ko" "$W/control-$1/kernel/nvidia.ko" &&
		cmp -s "$W/$_base/kernel/nvidia-vgpu-vfio.ko" "$W/control-$1/kernel/nvidia-vgpu-vfio.ko"; then
		die "the control without $1 built the same modules as the patched tree"
	fi
}
P1=$(date +%s)
control 0005
if grep -q '^#define NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS 1' \
	"$W/patched/kernel/nvidia-vgpu-compat/nvc-probes.h"; then
	expect_0202='break'
	control 0202
else
	expect_0202='none'
fi
# 0004 (.detach_ioas): only where vfio checks the iommufd callbacks at
# registration, a kernel with CONFIG_IOMMUFD whose __vfio_register_dev()
# requires .detach_ioas (read from its vfio_main.c); from this fixture when
# apply patched its ops, else from NVC_BOOT_FIXTURE_0004 (535.161.05: its
# ops lack .detach_ioas as NVIDIA's lines before 550.54.16 do), patched
# and built here in addition. why_0004: the guest's skip reason, read
# only when expect_0004 is empty
expect_0004='' why_0004=''
if [ -z "$IOMMUFD" ]; then
	why_0004="this kernel has no CONFIG_IOMMUFD (its config): vfio checks no iommufd callbacks, a missing .detach_ioas breaks nothing here"
elif [ -z "$VFIO_MAIN" ] || ! grep -qx detach_ioas "$OUT/vfio-requires" 2>/dev/null; then
	why_0004="this kernel's __vfio_register_dev() does not require .detach_ioas (or its source is not here)"
else
	line=$(awk '/^static int __vfio_register_dev\(/ { f = 1 } f && /WARN_ON\(IS_ENABLED\(CONFIG_IOMMUFD\)/ { print NR; exit }' "$VFIO_MAIN")
	[ -n "$line" ] || die "no WARN_ON(IS_ENABLED(CONFIG_IOMMUFD) ...) in __vfio_register_dev() of $VFIO_MAIN"
	expect_0004="drivers/vfio/vfio_main.c:$line"
	if topic_applied "$W/patched" 0004; then
		control 0004
	else
		F4=NVIDIA-Linux-x86_64-${NVC_BOOT_FIXTURE_0004:-535.161.05}-vgpu-kvm
		echo "control 0004: $FIXTURE has its own .detach_ioas (0004 not applied); the control is made from $F4" >>"$OUT/info"
		patched_fixture base-0004 "$F4" apply-0004.log
		control 0004 base-0004
	fi
fi
P2=$(date +%s)
echo "seconds: image $((P0 - T0)), apply + build $((P1 - P0)), controls $((P2 - P1))" >>"$OUT/info"
# Debian's real nvidia.ko (NVC_BOOT_REAL: a role of
# tests/setup/nvidia-sources.sh, e.g. current-trixie, or a version), patched
# by apply --allow-non-vgpu and built with its nv-kernel.o_binary
REAL=${NVC_BOOT_REAL:-}
real_why=
if [ -z "$REAL" ]; then
	real_why="NVC_BOOT_REAL not set (a role or version of Debian's NVIDIA sources; the full tier sets current-trixie)"
else
	rv=$(readlink "$NVC_CACHE/nvidia/$REAL" 2>/dev/null || echo "$REAL")
	if [ ! -f "$NVC_CACHE/nvidia/$rv.ready" ]; then
		real_why="Debian's NVIDIA sources $REAL are not prepared (tests/setup/nvidia-sources.sh)"
	else
		cp -a "$NVC_CACHE/nvidia/$rv" "$W/real"
		chmod -R u+w "$W/real"
		"$TOP/scripts/vgpu-compat" apply --allow-non-vgpu "$W/real" >"$OUT/apply-real.log" 2>&1 ||
			die "apply on Debian's $rv failed: $(tail -n 3 "$OUT/apply-real.log")"
		build "$W/real" "$OUT/build-real.log" nvidia ||
			die "Debian's $rv does not build: $(grep -m 3 -E 'error:|ERROR:' "$OUT/build-real.log")"
		echo "real: Debian's NVIDIA $rv ($REAL)" >>"$OUT/info"
	fi
fi
P3=$(date +%s)
[ -z "$REAL" ] || echo "seconds: real nvidia.ko apply + build $((P3 - P2))" >>"$OUT/info"
# the user program, static, for the initramfs
"$HOSTCC" -static -O2 -Wall -o "$W/vfio-open" "$TOP/tests/boot/vfio-open.c" >"$OUT/vfio-open.log" 2>&1 ||
	die "tests/boot/vfio-open.c does not build: $(head -n 3 "$OUT/vfio-open.log")"

# --- the initramfs -------------------------------------------------------
R=$W/root
mkdir -p "$R/bin" "$R/nvc/patched" "$R/lib/modules/$REL"
cp "$BUSYBOX" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
cp "$TOP/tests/boot/init" "$R/init"
chmod 755 "$R/init" "$R/bin/busybox"
cp "$W/vfio-open" "$R/bin/vfio-open"
echo "$expect_0202" >"$R/nvc/expect-0202"
echo "$IOMMUFD" >"$R/nvc/config-iommufd"
echo "$VFIO_CDEV" >"$R/nvc/config-vfio-cdev"
echo "$expect_0004" >"$R/nvc/expect-0004"
echo "$why_0004" >"$R/nvc/why-0004"
if [ -f "$W/real/nvidia.ko" ]; then
	mkdir -p "$R/nvc/real"
	cp "$W/real/nvidia.ko" "$R/nvc/real/"
	echo "$rv" >"$R/nvc/real/version"
else
	echo "${real_why:-nvidia.ko not built}" >"$R/nvc/real-why"
fi
for t in patched control-0005 control-0202 base-0004 control-0004; do
	[ -f "$W/$t/kernel/nvidia-vgpu-vfio.ko" ] || continue
	mkdir -p "$R/nvc/$t"
	cp "$W/$t/kernel/nvidia.ko" "$W/$t/kernel/nvidia-vgpu-vfio.ko" "$R/nvc/$t/"
done
# In-tree modules, in load order: what our modules depend on (modinfo),
# with vfio_iommu_type1 (vfio asks for it on demand), each with its own
# dependencies first (modprobe --show-depends on the image's depmod).
want=$(for k in "$R"/nvc/patched/*.ko "$R"/nvc/real/*.ko; do
	[ ! -f "$k" ] || modinfo -F depends "$k"; done | tr ',' '\n')
: >"$R/nvc/deps"
for m in $want vfio_iommu_type1; do
	[ -n "$m" ] || continue
	modprobe -d "$IMG/root" -S "$REL" --show-depends "$m" 2>>"$OUT/modprobe.log" |
		sed -n 's/^insmod \([^ ]*\).*/\1/p'
done | awk '!seen[$0]++' >"$W/deps"
# a dependency the image extract lacks would only show as "Unknown symbol"
# in the guest: say so here
if [ -s "$OUT/modprobe.log" ]; then
	die "in-tree modules missing from the image extract: $(head -n 3 "$OUT/modprobe.log")"
fi
while read -r k; do
	rel_k=${k#"$IMG/root"}
	mkdir -p "$R$(dirname "$rel_k")"
	cp "$k" "$R$rel_k"
	echo "$rel_k" >>"$R/nvc/deps"
done <"$W/deps"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$W/initrd.gz"
{
	echo "kernel $REL, image $VER: $(sed 's|.*/||' "$IMG/debs" | tr '\n' ' ')"
	echo "fixture $FIXTURE; vfio .get_region_info_caps break (0202): $expect_0202"
	echo "CONFIG_IOMMUFD=${IOMMUFD:-unset} CONFIG_VFIO_DEVICE_CDEV=${VFIO_CDEV:-unset}; .detach_ioas refused at: ${expect_0004:-none}"
	echo "in-tree modules: $(sed 's|.*/||' "$R/nvc/deps" | tr '\n' ' ')"
	for k in "$R"/nvc/patched/*.ko "$R"/nvc/base-0004/*.ko "$R"/nvc/real/*.ko; do
		[ ! -f "$k" ] || echo "${k#"$R"/nvc/}: vermagic $(modinfo -F vermagic "$k")"
	done
} >>"$OUT/info"

# --- boot ------------------------------------------------------------------
B0=$(date +%s)
rc=0
timeout "$TIMEOUT" nice -n 19 qemu-system-x86_64 -accel tcg -m 1024 -smp 1 \
	-nographic -no-reboot -vga std -nic none \
	-kernel "$IMG/vmlinuz" -initrd "$W/initrd.gz" \
	-append 'console=ttyS0 panic=-1 quiet loglevel=4' \
	</dev/null >"$OUT/serial.log" 2>&1 || rc=$?
B1=$(date +%s)
tr -d '\r' <"$OUT/serial.log" | sed -n 's/^.*NVC-STEP \([^ ]*\) \(pass\|fail\|skip\) \{0,1\}/\1 \2 /p' >"$OUT/steps"
echo "boot $((B1 - B0)) total $((B1 - T0))" >"$OUT/seconds"
rm -rf "$W"
if ! grep -q NVC-DONE "$OUT/serial.log"; then
	die "the guest did not finish (qemu exit $rc, timeout ${TIMEOUT}s): $(tr -d '\r' <"$OUT/serial.log" | grep -E 'Kernel panic|BUG|Oops|NVC-' | tail -n 3)"
fi
exit 0
