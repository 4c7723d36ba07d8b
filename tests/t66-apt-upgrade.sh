#!/bin/sh
# SPDX-License-Identifier: MIT
# The kernel upgrade as a host goes through it, under real apt, in Debian
# chroots made with debootstrap from the machine's mirror (tests/lib/chroot.sh):
# trixie (the base of Proxmox VE 9) with the 580.65.05 fixture (vGPU 19) and
# bookworm (Proxmox VE 8) with 550.54.16 (vGPU 17) in its open flavour
# (kernel-open/: nvidia.ko "Dual MIT/GPL", import --flavor open).  In each:
#   - the suite's own kernel A (linux-image-amd64 of SUITE) and its headers,
#     then our .deb through apt (its Depends: dkms, coccinelle, ...), then
#     "vgpu-compat import <fixture>.run": DKMS builds for A with the suite's
#     gcc against Debian's headers package (CONFIG_CC_VERSION_TEXT checked);
#   - 1. apt-get install linux-image-B linux-headers-B (B: the suite's
#     -backports kernel): Debian's kernel hooks run dkms and ours; the
#     modules for B are built and signed with DKMS's key (made as on a
#     Secure Boot host), the hook says
#     so, the boot selection is untouched;
#   - 2. the image alone, then the headers in a second apt run: the hook
#     says the headers are missing and changes nothing, then the modules
#     appear, still nothing pinned;
#   - 3. a kernel outside the range this package knows
#     (BUILD_EXCLUSIVE_KERNEL narrowed to A's series in the installed
#     dkms.conf, standing in for a package older than B): DKMS declines,
#     A's modules stay, and only now the hook pins A for the next boot;
#     when B's modules appear (the range restored, B's headers reinstalled)
#     the pin is undone.
# A chroot runs the host's kernel: uname -r is diverted to print A (the
# kernel the host would be running), and proxmox-boot-tool is a stub that
# records what it is asked.  sid (its compiler is Debian's newest, gcc-16
# when this was written; fixture 595.45.04): the packages, the import and
# the build for sid's kernel only, there is no -backports kernel.  Needs
# root, debootstrap, unshare and the network (the mirror).
# NVC_T66_SUITES: the suites (default: trixie bookworm sid).
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mkrun.sh"
. "$(dirname "$0")/lib/deb.sh"
. "$(dirname "$0")/lib/apt.sh"
. "$(dirname "$0")/lib/chroot.sh"
W=$NVC_OUT/t66
rm -rf "$W"; mkdir -p "$W"
why=$(nvc_chroot_unusable dpkg-buildpackage makeself)
[ -z "$why" ] || { skip "the apt upgrade test $why"; exit 0; }
[ -n "${NVC_APT_MIRROR:-}" ] || { fail "the machine's apt sources name no Debian mirror (set NVC_APT_MIRROR)"; exit 0; }

build_deb "$W" || { fail "dpkg-buildpackage"; tail -n 20 "$W/build.log"; exit 0; }

# step NAME CMD...: CMD in the chroot $R (at most 20 minutes), its output in
# $L/NAME.log; the exit status is returned.
step() {
	_n=$1
	shift
	timeout --kill-after=30 1200 sh -c '. "$1"; . "$2"; r=$3; shift 3; nvc_in_root "$r" "$@"' \
		sh "$TOP/tests/lib/apt.sh" "$TOP/tests/lib/chroot.sh" "$R" "$@" >"$L/$_n.log" 2>&1
}
# in_root CMD...: CMD in the chroot, its output on stdout
in_root() { nvc_in_root "$R" "$@" 2>/dev/null; }
show() { sed 's/^/    | /' "$L/$1.log" | tail -n "${2:-15}"; }
# said LOG TEXT: the step's output says TEXT (the hook folds its warnings
# at 72 columns, and dpkg runs the hooks on a pty, so lines end in CR LF:
# compared with the lines joined)
said() { tr '\r\n' '  ' <"$L/$1.log" | tr -s ' ' | grep -qF -- "$2"; }

# mods_of REL: the NVIDIA module files DKMS installed for REL
mods_of() { find "$R/lib/modules/$1/updates/dkms" -name 'nvidia*.ko*' 2>/dev/null | sort; }
# dkms_installed REL: dkms status says installed for REL
dkms_installed() { in_root dkms status -m nvidia-vgpu-compat -k "$1" | grep -F ", $1, " | grep -q ': installed'; }
# built_for REL WHAT: both modules, vermagic REL, dkms installed
# (and nvidia.ko of the flavour imported, $FL: its licence)
built_for() {
	_m=$(mods_of "$1")
	_f=$(printf '%s\n' "$_m" | grep -F /nvidia-vgpu-vfio.ko | head -n 1)
	_vm=$(in_root modinfo -F vermagic "${_f#"$R"}" | cut -d' ' -f1)
	_n=$(printf '%s\n' "$_m" | grep -F /nvidia.ko | head -n 1)
	_lic=$(in_root modinfo -F license "${_n#"$R"}" 2>/dev/null)
	_want=NVIDIA; [ "$FL" != open ] || _want="Dual MIT/GPL"
	if [ "$(printf '%s\n' "$_m" | grep -c .)" = 2 ] && [ "$_vm" = "$1" ] && dkms_installed "$1" && [ "$_lic" = "$_want" ]; then
		pass "$S: $2: nvidia and nvidia-vgpu-vfio built and installed for $1 (vermagic $1, dkms status installed, $FL flavour: nvidia.ko $_lic)"
	else
		fail "$S: $2: modules for $1: $(printf '%s\n' "$_m" | tr '\n' ' ')vermagic '$_vm', nvidia.ko licence '$_lic' (want $_want), dkms: $(in_root dkms status -m nvidia-vgpu-compat | tr '\n' ';')"
	fi
}
# signed REL WHAT: both modules for REL carry a signature by DKMS's key
signed() {
	_k=$(in_root openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -subject | sed 's/.*CN *= *//')
	_n=0
	for _f in $(mods_of "$1"); do
		[ "$(in_root modinfo -F signer "${_f#"$R"}")" = "$_k" ] && _n=$((_n + 1))
	done
	[ "$_n" = 2 ] && pass "$S: $2: both modules for $1 are signed with DKMS's key ($_k)" ||
		fail "$S: $2: $_n of 2 modules for $1 are signed by '$_k'"
}
# untouched WHAT: proxmox-boot-tool was asked nothing, no pin is recorded
untouched() {
	if [ ! -s "$R/var/log/nvc-boot-tool.log" ] && [ -z "$(find "$R/var/lib/nvidia-vgpu-compat/" -type f 2>/dev/null)" ]; then
		pass "$S: $1: the boot selection is untouched (proxmox-boot-tool not called, no pin recorded)"
	else
		fail "$S: $1: proxmox-boot-tool was asked: $(tr '\n' ';' <"$R/var/log/nvc-boot-tool.log" 2>/dev/null); pins: $(find "$R/var/lib/nvidia-vgpu-compat/" -type f 2>/dev/null | tr '\n' ' ')"
	fi
}
# purge_kernel REL: every package of REL (7.x: the image metapackage and
# its linux-binary / linux-modules packages), then nothing of ours is left
purge_kernel() {
	# shellcheck disable=SC2016 # expanded in the chroot
	step "purge-$1" sh -c 'apt-get purge -y -q $(dpkg-query -W -f "\${Package}\n" "*-$1*") ' sh "$1" &&
		[ -z "$(mods_of "$1")" ] && ! dkms_installed "$1" &&
		pass "$S: purging Linux $1 removes its NVIDIA modules and DKMS entry" ||
		{ fail "$S: purging Linux $1: modules left: $(mods_of "$1")"; show "purge-$1"; }
}

upgrade() { # upgrade SUITE FIXTURE_VERSION FLAVOR
	S=$1 V=$2 FL=$3
	D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
	R=$W/$S/root L=$W/$S
	mkdir -p "$L"
	t0=$(date +%s)
	if ! nvc_chroot_make "$S" "$R" 2>"$L/chroot.log"; then
		fail "$S: no chroot: $(tail -n 1 "$L/chroot.log")"
		return 0
	fi
	step update apt-get update -q || { fail "$S: apt-get update in the chroot"; show update; return 0; }
	A=$(in_root apt-cache depends linux-image-amd64 | sed -n 's/^  Depends: linux-image-//p' | head -n 1)
	B=$(in_root apt-cache depends -t "$S-backports" linux-image-amd64 | sed -n 's/^  Depends: linux-image-//p' | head -n 1)
	[ "$S" != sid ] || B=none
	if [ -z "$A" ] || [ -z "$B" ] || [ "$A" = "$B" ]; then
		fail "$S: no kernel pair: linux-image-amd64 of $S depends on '$A', of $S-backports on '$B'"
		return 0
	fi
	echo "# $S: A = $A ($S), B = $B ($S-backports), fixture $V ($FL flavour)"

	# The host runs A: a chroot cannot, so uname -r says A.
	# shellcheck disable=SC2016
	in_root dpkg-divert --local --rename --divert /usr/bin/uname.nvc-real --add /usr/bin/uname >/dev/null
	printf '#!/bin/sh\n# t66: the host runs Linux %s\n[ "$*" = -r ] && exec echo %s\nexec /usr/bin/uname.nvc-real "$@"\n' "$A" "$A" \
		>"$R/usr/bin/uname"
	printf '#!/bin/sh\n# t66 stub: records what it is asked\necho "$*" >>/var/log/nvc-boot-tool.log\n' \
		>"$R/usr/sbin/proxmox-boot-tool"
	chmod 755 "$R/usr/bin/uname" "$R/usr/sbin/proxmox-boot-tool"
	[ "$(in_root uname -r)" = "$A" ] || fail "$S: the uname stub does not answer $A"

	step kernel-a apt-get install -y -q "linux-image-$A" "linux-headers-$A" &&
		pass "$S: apt installs Linux $A (image and headers)" || { fail "$S: installing Linux $A"; show kernel-a; return 0; }
	cp "$DEB" "$R/root/"
	step deb apt-get install -y -q "/root/${DEB##*/}" &&
		pass "$S: apt installs our package with what it depends on ($(in_root dpkg-query -W -f '${Version}' dkms | sed 's/^/dkms /'), $(in_root spatch --version | head -n 1 | cut -d' ' -f1-3))" ||
		{ fail "$S: apt-get install ${DEB##*/}"; show deb; return 0; }
	# The headers package names the compiler that built the kernel; it
	# must be the chroot's (Debian's headers depend on it).
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$R/usr/src/linux-headers-$A/.config" 2>/dev/null)
	ccv=$(in_root "${cc%% *}" --version | head -n 1)
	[ -n "$cc" ] && [ "$cc" = "$ccv" ] &&
		pass "$S: Linux $A's headers were built by the chroot's compiler ($cc)" ||
		fail "$S: CONFIG_CC_VERSION_TEXT '$cc', the chroot's ${cc%% *}: '$ccv'"

	# A Secure Boot host has DKMS's signing key (dkms generate_mok, or
	# the key DKMS made at its first build); made here at DKMS's default
	# paths, so that every build below must sign.
	step mok sh -c 'apt-get install -y -q openssl && mkdir -p /var/lib/dkms &&
		openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 -outform DER \
			-subj "/CN=t66 DKMS module signing key/" \
			-keyout /var/lib/dkms/mok.key -out /var/lib/dkms/mok.pub' ||
		{ fail "$S: making DKMS's signing key"; show mok; return 0; }
	fixture_copy "$D" "$L/drv/$D"
	mkrun "$L/drv/$D" "$R/root/$D.run" "$V"
	step import vgpu-compat import --flavor "$FL" "/root/$D.run" &&
		pass "$S: vgpu-compat import --flavor $FL $D.run (DKMS builds for the running kernel)" || { fail "$S: import"; show import 30; return 0; }
	built_for "$A" "import"
	signed "$A" "import"
	if [ "$S" = sid ]; then	# no -backports: the build with sid's compiler only
		echo "# $S: $(($(date +%s) - t0)) s"
		return 0
	fi

	# 1. image and headers in one apt run
	step upgrade apt-get install -y -q -t "$S-backports" "linux-image-$B" "linux-headers-$B" &&
		pass "$S: 1. apt-get install linux-image-$B linux-headers-$B" || { fail "$S: 1. upgrade"; show upgrade 30; }
	built_for "$B" "1. image and headers at once"
	said upgrade "nvidia-vgpu-compat: Linux $B has working NVIDIA vGPU modules" &&
		pass "$S: 1. our hook says Linux $B has working modules" || { fail "$S: 1. hook verdict"; grep -F nvidia-vgpu-compat "$L/upgrade.log" | head -n 5; }
	untouched "1. image and headers at once"
	signed "$B" "1. image and headers at once"
	purge_kernel "$B"

	# 2. the image first, the headers in a second apt run
	step image-only apt-get install -y -q -t "$S-backports" "linux-image-$B" &&
		pass "$S: 2. apt-get install linux-image-$B (no headers) succeeds" || { fail "$S: 2. image only"; show image-only 30; }
	said image-only "Linux $B has no NVIDIA vGPU modules yet: its headers are not installed (apt install linux-headers-$B" && [ -z "$(mods_of "$B")" ] &&
		pass "$S: 2. our hook says the headers of $B are missing" ||
		{ fail "$S: 2. image only: hook verdict"; grep -F nvidia-vgpu-compat "$L/image-only.log" | head -n 5; }
	untouched "2. image without headers"
	step headers-after apt-get install -y -q -t "$S-backports" "linux-headers-$B" &&
		pass "$S: 2. apt-get install linux-headers-$B afterwards" || { fail "$S: 2. headers after"; show headers-after 30; }
	built_for "$B" "2. headers after the image"
	signed "$B" "2. headers after the image"
	said headers-after "nvidia-vgpu-compat: Linux $B has working NVIDIA vGPU modules" &&
		pass "$S: 2. our hook, from header_postinst.d, says Linux $B has working modules" ||
		{ fail "$S: 2. headers after: hook verdict"; grep -F nvidia-vgpu-compat "$L/headers-after.log" | head -n 5; }
	untouched "2. headers after the image"
	built_for "$A" "2. the running kernel's modules"

	declined
	echo "# $S: $(($(date +%s) - t0)) s"
	# the chroot (2 GB with two kernels) is kept only when a check failed
	if [ "$(grep -c "^fail $_t_name: $S: " "$NVC_RESULTS" 2>/dev/null)" = 0 ]; then
		rm -rf "$R"
	fi
}

declined() {
	purge_kernel "$B"
	conf=$(find "$R/usr/src" -maxdepth 2 -path '*/nvidia-vgpu-compat-*/dkms.conf' | head -n 1)
	cp "$conf" "$L/dkms.conf.orig"
	a2=$(printf '%s\n' "$A" | cut -d. -f1-2 | sed 's/\./\\./')
	sed -i "s/^BUILD_EXCLUSIVE_KERNEL=.*/BUILD_EXCLUSIVE_KERNEL=\"^${a2}([.+-].*)?\$\"/" "$conf"
	step declined apt-get install -y -q -t "$S-backports" "linux-image-$B" "linux-headers-$B" &&
		pass "$S: 3. apt-get install of Linux $B, outside the range, succeeds" || { fail "$S: 3. outside the range"; show declined 30; }
	[ -z "$(mods_of "$B")" ] && ! dkms_installed "$B" &&
		pass "$S: 3. DKMS declines Linux $B: no modules for it" || fail "$S: 3. modules for $B: $(mods_of "$B")"
	built_for "$A" "3. the running kernel's modules are kept"
	asked=$(sort -u "$R/var/log/nvc-boot-tool.log" 2>/dev/null | tr '\n' ';')
	if [ "$asked" = "kernel pin $A --next-boot;" ] &&
	   grep -qx 'undo-next-boot: proxmox-boot-tool kernel unpin --next-boot' "$R/var/lib/nvidia-vgpu-compat/pin-$B" 2>/dev/null &&
	   said declined "Linux $B has no working NVIDIA vGPU modules"; then
		pass "$S: 3. our hook warns and keeps $A for the next boot (proxmox-boot-tool kernel pin $A --next-boot), recorded for undoing"
	else
		fail "$S: 3. pin: proxmox-boot-tool asked '$asked'; $(cat "$R/var/lib/nvidia-vgpu-compat/pin-$B" 2>/dev/null)"
		grep -F nvidia-vgpu-compat "$L/declined.log" | head -n 5
	fi
	cp "$L/dkms.conf.orig" "$conf"
	: >"$R/var/log/nvc-boot-tool.log"
	step reinstall apt-get install -y -q -t "$S-backports" --reinstall "linux-headers-$B" ||
		{ fail "$S: 3. reinstalling the headers of $B"; show reinstall 30; }
	built_for "$B" "3. the range restored, the headers reinstalled"
	if [ "$(cat "$R/var/log/nvc-boot-tool.log")" = "kernel unpin --next-boot" ] &&
	   [ ! -e "$R/var/lib/nvidia-vgpu-compat/pin-$B" ]; then
		pass "$S: 3. with modules for $B the hook undoes its pin (proxmox-boot-tool kernel unpin --next-boot)"
	else
		fail "$S: 3. unpin: proxmox-boot-tool asked '$(tr '\n' ';' <"$R/var/log/nvc-boot-tool.log")'"
	fi
}

for s in ${NVC_T66_SUITES:-trixie bookworm sid}; do
	case $s in
	trixie) upgrade trixie 580.65.05 proprietary ;;
	bookworm) upgrade bookworm 550.54.16 open ;;
	sid) upgrade sid 595.45.04 proprietary ;;
	*) fail "NVC_T66_SUITES: no fixture for Debian $s" ;;
	esac
done
