#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package, as an admin meets it: dpkg-buildpackage builds it,
# lintian has nothing to say, apt installs it, "vgpu-compat import <.run>"
# registers the driver with DKMS and builds modules for two kernels, signed
# with the DKMS signing key (Secure Boot), and purging the package leaves no
# DKMS entry, hook, module or file behind.  Needs root.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mkrun.sh"
. "$(dirname "$0")/lib/deb.sh"
W=$NVC_OUT/t90
rm -rf "$W"; mkdir -p "$W"
[ "$(id -u)" = 0 ] || { skip "package tests need root"; exit 0; }

# --- build -------------------------------------------------------------------
build_deb "$W" &&
	pass "dpkg-buildpackage builds the package" || { fail "dpkg-buildpackage"; tail -n 20 "$W/build.log"; exit 0; }
lintian --fail-on error,warning "$DEB" >"$W/lintian.log" 2>&1 &&
	pass "lintian: no errors or warnings" || { fail "lintian"; cat "$W/lintian.log"; }
dpkg-deb -c "$DEB" | grep ' \./usr/share/nvidia-vgpu-compat/compat/nvc-compat.h$' >/dev/null &&
	pass "package carries the compat layer" || fail "compat layer not in the package"
! dpkg-deb -c "$DEB" | grep -E 'nv-kernel\.o_binary|tests/fixtures' >/dev/null &&
	pass "package carries no driver code and no fixtures" || fail "package carries driver code"

# --- install, import, build for two kernels, signed ---------------------------
V=550.54.16
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
fixture_copy "$D" "$W/drv/$D"
mkrun "$W/drv/$D" "$W/$D.run" "$V"

conf=/etc/dkms/framework.conf
cleanup() {
	apt-get purge -y nvidia-vgpu-compat >/dev/null 2>&1 || true
	[ -f "$W/framework.conf.orig" ] && cp "$W/framework.conf.orig" "$conf"
	[ -f "$W/framework.conf.orig" ] || rm -f "$conf.nvc-test"
	unlink_kernels
}
trap cleanup EXIT
[ -f "$conf" ] && cp "$conf" "$W/framework.conf.orig"
openssl req -new -x509 -newkey rsa:2048 -nodes -days 3650 -outform DER \
	-subj "/CN=nvidia-vgpu-compat test signing key/" \
	-keyout "$W/mok.key" -out "$W/mok.der" >/dev/null 2>&1
{ [ -f "$W/framework.conf.orig" ] && cat "$W/framework.conf.orig"
  echo "mok_signing_key=\"$W/mok.key\""
  echo "mok_certificate=\"$W/mok.der\""; } >"$conf.new"
mkdir -p /etc/dkms; mv "$conf.new" "$conf"

# shellcheck disable=SC2046 # a space-separated list of kernel IDs
set -- $(kernel_ids)
ks=
for id in "$1" "$2"; do
	link_kernel "$id"
	ks="$ks $KREL"
done

apt-get install -y "$DEB" >"$W/install.log" 2>&1 && pass "apt installs the package" ||
	{ fail "apt install"; tail -n 20 "$W/install.log"; exit 0; }
command -v vgpu-compat >/dev/null && [ -f /usr/share/man/man8/vgpu-compat.8.gz ] &&
	pass "vgpu-compat command and man page installed" || fail "command or man page missing"
[ -x /etc/kernel/postinst.d/zz-nvidia-vgpu-compat ] && [ -x /etc/kernel/header_postinst.d/zz-nvidia-vgpu-compat ] &&
	pass "the kernel hook is in postinst.d and header_postinst.d" || fail "kernel hooks missing"
set --
for k in $ks; do set -- "$@" --kernel "$k"; done
t0=$(date +%s)
check "vgpu-compat import <.run> registers and builds for$ks" vgpu-compat import "$W/$D.run" "$@"
echo "    import + DKMS build for two kernels: $(( $(date +%s) - t0 )) s"
for k in $ks; do
	dkms status -m nvidia-vgpu-compat -v "$V" -k "$k" | grep -q ': installed' &&
		pass "installed for $k" || fail "not installed for $k"
	for m in nvidia nvidia-vgpu-vfio; do
		ko=$(find "/lib/modules/$k/updates/dkms" -maxdepth 1 -name "$m.ko*" 2>/dev/null | head -n 1)
		signer=$( [ -n "$ko" ] && modinfo -F signer "$ko" 2>/dev/null || true)
		[ "$signer" = "nvidia-vgpu-compat test signing key" ] &&
			pass "$m.ko for $k is signed with the DKMS key" || fail "$m.ko for $k: signer '$signer'"
	done
done

# --- removal leaves nothing ----------------------------------------------------
apt-get purge -y nvidia-vgpu-compat >"$W/purge.log" 2>&1 && pass "apt purges the package" || { fail "purge"; tail "$W/purge.log"; }
! dpkg -L nvidia-vgpu-compat >/dev/null 2>&1 && pass "dpkg knows no files of it" || fail "dpkg -L still lists files"
[ -z "$(dkms status -m nvidia-vgpu-compat 2>/dev/null)" ] && pass "no DKMS entries left" || fail "DKMS entries left"
[ -z "$(ls -d /usr/src/nvidia-vgpu-compat-* 2>/dev/null)" ] && pass "no /usr/src trees left" || fail "/usr/src trees left"
[ ! -e /etc/kernel/postinst.d/zz-nvidia-vgpu-compat ] && [ ! -e /etc/kernel/header_postinst.d/zz-nvidia-vgpu-compat ] &&
	[ ! -e /usr/share/nvidia-vgpu-compat ] &&
	pass "hook and shared files removed" || fail "hook or /usr/share left"
for k in $ks; do
	! ls "/lib/modules/$k/updates/dkms/nvidia"* >/dev/null 2>&1 && pass "no modules left for $k" || fail "modules left for $k"
done
