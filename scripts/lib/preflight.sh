# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, preflight: before a reboot, will the installed driver build and load on a kernel?.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# preflight: before rebooting into a kernel, will the installed driver build
# and load there?  For each driver (every nvidia-vgpu-compat tree registered
# with DKMS or under /usr/src, or each --driver): is the kernel one this
# nvidia-vgpu-compat knows (dkms.conf's BUILD_EXCLUSIVE_KERNEL), which known
# breaks it has (the compile probes against its build tree; the topic's
# X-Probe header says which probe shows the break), which of those the driver
# fixes natively, which we patch and which are unknown (the driver's code at
# the site is not one we know), and whether DKMS has built and installed the
# modules for it.  A DKMS tree is judged with its own patches/, compat/ and
# dkms.conf: those are what DKMS will use.
#
# Exit status (the tool's codes, as they apply here; worst driver wins, in
# the order 7, 5, 8):
#   0  it will work: every known break the kernel has is handled, and for a
#      DKMS tree the modules are installed for that kernel
#   2  usage error
#   3  a --driver is not an NVIDIA driver tree
#   4  no driver to check (nothing registered with DKMS or under /usr/src)
#   5  the driver's code differs at a known break: "apply" refuses it, so the
#      build fails
#   7  kernel problem: a kernel this nvidia-vgpu-compat does not know (outside
#      BUILD_EXCLUSIVE_KERNEL), no headers, the probes do not compile
#   8  the modules are not installed for that kernel: DKMS has not built them
#      or the build failed
# The last line of the output is always "result: ...", one sentence.
#
# Environment (tests): NVC_SRC_PREFIX (/usr/src), NVC_MODULES_DIR
# (/lib/modules), NVC_DKMS_TREE (/var/lib/dkms), NVC_BOOT_DIR (/boot).

pf_release_of() { # pf_release_of BUILD_DIR: the kernel release, UTS_RELEASE first
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null | head -n 1 | grep . ||
		head -n 1 "$1/include/config/kernel.release" 2>/dev/null
}

pf_majmin() { # pf_majmin RELEASE -> "MAJOR MINOR", or nothing
	printf '%s\n' "$1" | sed -n 's/^\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p'
}

pf_at_least() { # pf_at_least RELEASE X.Y: true when RELEASE is X.Y or later
	set -- "$(pf_majmin "$1")" "$(pf_majmin "$2")"
	[ -n "$1" ] && [ -n "$2" ] || return 1
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ")
		exit !(x[1] > y[1] || (x[1] == y[1] && x[2] >= y[2])) }'
}

# pf_range DKMS_CONF: pf_re = its BUILD_EXCLUSIVE_KERNEL, pf_lo / pf_hi the
# first and last X.Y it accepts (empty when the file sets no range).
pf_range() {
	pf_re=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"[[:space:]]*$/\1/p' "$1" 2>/dev/null | tail -n 1)
	pf_lo='' pf_hi=''
	[ -n "$pf_re" ] || return 0
	pf_lo=$(awk 'BEGIN { for (x = 2; x <= 15; x++) for (y = 0; y <= 40; y++) print x "." y ".0" }' |
		grep -E -- "$pf_re" | sed -n '1p;$p' | sed 's/\.0$//' | tr '\n' ' ')
	pf_hi=${pf_lo#* }; pf_hi=${pf_hi% }; pf_lo=${pf_lo%% *}
}

pf_in_range() { # pf_in_range RELEASE: as DKMS decides it (bash =~ is an ERE)
	[ -z "$pf_re" ] || printf '%s\n' "$1" | grep -Eq -- "$pf_re"
}

pf_headers_hint() { # how to install the headers of RELEASE
	case $1 in
	*-pve) echo "apt install proxmox-headers-$1" ;;
	*) echo "apt install linux-headers-$1 (Proxmox VE: proxmox-headers-$1)" ;;
	esac
}

# The kernel an admin is about to boot: the newest one installed.
pf_default_release() {
	# shellcheck disable=SC2012
	pf_l=$(ls "${NVC_BOOT_DIR:-/boot}" 2>/dev/null | sed -n 's/^vmlinuz-//p')
	# shellcheck disable=SC2012
	[ -n "$pf_l" ] || pf_l=$(ls "$pf_modroot" 2>/dev/null)
	# shellcheck disable=SC2086
	printf '%s\n' $pf_l | sort -V | tail -n 1
}

pf_list() { # pf_list "A B C" -> "3 (A B C)", or "0"
	# shellcheck disable=SC2086
	set -- $1
	if [ $# = 0 ]; then echo 0; else echo "$# ($*)"; fi
}

# Drivers installed: trees under the source prefix plus the DKMS registrations.
pf_installed_drivers() {
	for pf_d in "$pf_prefix"/nvidia-vgpu-compat-*; do
		[ -f "$pf_d/dkms.conf" ] && printf '%s\n' "$pf_d"
	done
	if command -v dkms >/dev/null 2>&1; then
		dkms status -m nvidia-vgpu-compat 2>/dev/null |
			sed -n 's|^nvidia-vgpu-compat[/,] *\([0-9][0-9.]*\)[,:].*|\1|p' | sort -u |
		while read -r pf_v; do
			pf_d=$(readlink -f "$pf_dkms_tree/nvidia-vgpu-compat/$pf_v/source" 2>/dev/null || true)
			[ -n "$pf_d" ] && [ -d "$pf_d" ] || pf_d=$pf_prefix/nvidia-vgpu-compat-$pf_v
			[ -f "$pf_d/dkms.conf" ] && printf '%s\n' "$pf_d"
		done
	fi
}

# pf_probes COMPAT_DIR: the probe header for this kernel and this probe set
# (in $pf_hdr), run once per compat dir; false when the probes fail.
pf_probes() {
	pf_hdr=$tmp/probes.$(printf '%s' "$1" | cksum | cut -d' ' -f1).h
	[ -f "$pf_hdr" ] && return 0
	[ ! -f "$pf_hdr.failed" ] || return 1
	rm -rf "$tmp/probe"
	# shellcheck disable=SC2030 # the subshell's own probe set
	if (trap - EXIT; NVC_COMPAT=$1; run_probes "$pf_kb" "$pf_hdr") >"$tmp/probe.err" 2>&1; then
		return 0
	fi
	: >"$pf_hdr.failed"
	return 1
}

# pf_dkms VERSION: pf_dkms_state = installed | built | added | none |
# unregistered | no-dkms, pf_dkms_log = a failed build's make.log for this kernel
pf_dkms() {
	pf_dkms_log=''
	if ! command -v dkms >/dev/null 2>&1; then pf_dkms_state=no-dkms; return; fi
	if ! dkms status -m nvidia-vgpu-compat -v "$1" 2>/dev/null | grep -q .; then
		pf_dkms_state=unregistered; return
	fi
	pf_s=$(dkms status -m nvidia-vgpu-compat -v "$1" -k "$pf_rel" 2>/dev/null |
		grep -F ", $pf_rel," || true)
	case $pf_s in
	*": installed"*) pf_dkms_state=installed ;;
	*": built"*) pf_dkms_state=built ;;
	*) pf_dkms_state=none ;;
	esac
	pf_l=$pf_dkms_tree/nvidia-vgpu-compat/$1/build/make.log
	if [ "$pf_dkms_state" != installed ] && [ -f "$pf_l" ] &&
	   head -n 1 "$pf_l" | grep -qF "for kernel $pf_rel "; then
		pf_dkms_log=$pf_l
	fi
}

pf_say_wrapped() { # a paragraph, folded and indented by two spaces
	printf '%s\n' "$*" | fold -s -w 76 | sed 's/ *$//; s/^/  /'
}

# pf_driver DIR EXPLICIT: the report of one driver; sets pf_code and pf_why.
# pf_flavor_say: which flavour DKMS builds, and when the other one is the
# right one (said plainly: which GPU needs which, NVIDIA's README lists).
pf_flavor_say() {
	if [ -f "$pf_top/kernel-open/Kbuild" ]; then
		pf_other=open; [ "$pf_flavor" = proprietary ] || pf_other=proprietary
		echo "  flavour: $pf_flavor ($(flavor_dir "$pf_flavor")/); the $pf_other flavour is there too: vgpu-compat flavor ${pf_ver:-<version>} $pf_other"
	else
		echo "  flavour: $pf_flavor (kernel/); the driver has no kernel-open/, so no open flavour"
	fi
	pf_gpus=$(for pf_d in /sys/bus/pci/devices/*; do
		[ "$(cat "$pf_d/vendor" 2>/dev/null)" = 0x10de ] || continue
		case $(cat "$pf_d/class" 2>/dev/null) in 0x03*) ;; *) continue ;; esac
		printf ' 10de:%s (%s)' "$(sed 's/^0x//' "$pf_d/device")" "${pf_d##*/}"
	done)
	pf_say_wrapped "Which flavour a GPU needs: GPUs from Blackwell on are driven only by the open modules (the open flavour); Maxwell, Pascal and Volta only by the proprietary ones; Turing, Ampere, Ada and Hopper by both. NVIDIA's README (its list of supported GPUs) says which generation a device ID is.${pf_gpus:+ NVIDIA GPUs here:$pf_gpus.}"
}

pf_driver() {
	pf_top=$1
	# A kernel/ dir inside a DKMS tree or a driver's top dir: judge the tree.
	case $pf_top in */kernel|*/kernel/) [ -f "$pf_top/../dkms.conf" ] && pf_top=$(dirname "$pf_top") ;; esac
	pf_kd=$(kdir_of "$pf_top")
	if ! is_driver_tree "$pf_kd"; then
		die 3 "'$1' is not an NVIDIA driver tree (no kernel/Kbuild and kernel/nvidia): pass a DKMS tree /usr/src/nvidia-vgpu-compat-<version>, a driver's top directory or its kernel/ directory"
	fi
	pf_isdkms=0
	if [ -f "$pf_top/dkms.conf" ] && grep -q '^PACKAGE_NAME="nvidia-vgpu-compat"' "$pf_top/dkms.conf"; then
		pf_isdkms=1
	fi
	# A DKMS tree: the flavour DKMS builds is the tree to judge.
	pf_flavor=''
	if [ $pf_isdkms = 1 ]; then
		pf_flavor=$(flavor_read "$pf_top")
		[ "$pf_flavor" != open ] || pf_kd=$pf_top/kernel-open
	fi
	pf_ver=$(cat "$pf_top/DRIVER_VERSION" 2>/dev/null || true)
	[ -n "$pf_ver" ] || pf_ver=$(driver_version "$pf_kd")
	# What nvidia-vgpu-compat knows: the DKMS tree's own copy, or ours.
	if [ $pf_isdkms = 1 ] && [ -d "$pf_top/patches" ] && [ -d "$pf_top/compat" ]; then
		NVC_PATCHES=$pf_top/patches pf_compat=$pf_top/compat pf_conf=$pf_top/dkms.conf
	else
		# shellcheck disable=SC2031 # never changed outside that subshell
		NVC_PATCHES=$pf_root_patches pf_compat=$NVC_COMPAT pf_conf=$NVC_ROOT/dkms.conf
	fi
	pf_range "$pf_conf"

	echo
	echo "driver ${pf_ver:-of unknown version}: $pf_kd"
	[ -z "$pf_flavor" ] || pf_flavor_say
	pf_code=0 pf_why='' pf_class=ok
	pf_known=1
	if ! pf_in_range "$pf_rel"; then
		pf_known=0
		if [ -n "$pf_hi" ] && pf_at_least "$pf_rel" "$pf_hi" ; then
			pf_age="newer than every kernel"
			pf_todo="Keep booting the kernel you run now ($pf_running), or another one from $pf_lo to $pf_hi, and check for a newer nvidia-vgpu-compat release that knows Linux $(pf_majmin "$pf_rel" | tr ' ' .)."
		else
			pf_age="older than every kernel"
			pf_todo="Boot a kernel from $pf_lo to $pf_hi instead."
		fi
		# DKMS before 3.0.11 counts the decline as a failed autoinstall
		# (dkms-project/dkms#302, fixed by #314), which fails its kernel
		# postinst hook and so the configuration of the kernel package,
		# unless the tree's dkms.conf takes a declined kernel out of
		# autoinstall itself (ours: the block "nvc-autoinstall-skip").
		pf_old=''
		pf_dv=$(dkms --version 2>/dev/null | sed -n 's/^dkms-\([0-9.]*\).*/\1/p')
		if [ $pf_isdkms = 1 ] && [ -n "$pf_dv" ] &&
		   ! grep -q '^# nvc-autoinstall-skip begin' "$pf_conf" 2>/dev/null &&
		   [ "$(printf '%s\n' "$pf_dv" 3.0.11 | sort -V | head -n 1)" != 3.0.11 ]; then
			pf_old=" With dkms $pf_dv (before 3.0.11) the decline also makes \"dkms autoinstall\" fail, and with it the configuration of the kernel package: apt reports an error for it until that kernel is removed or a newer nvidia-vgpu-compat knows it."
		fi
		pf_say_wrapped "Linux $pf_rel is $pf_age this nvidia-vgpu-compat knows ($pf_lo to $pf_hi), so nobody has checked what it breaks in the NVIDIA driver. DKMS declines to build nvidia.ko and nvidia-vgpu-vfio.ko for it (BUILD_EXCLUSIVE_KERNEL in $pf_conf), so after a reboot into it the NVIDIA modules are missing and no vGPU VM starts. $pf_todo$pf_old"
		pf_code=7 pf_class=declined
		pf_why="Linux $pf_rel is $pf_age nvidia-vgpu-compat knows ($pf_lo to $pf_hi): DKMS will not build the NVIDIA modules for it"
	fi

	# The kernel side: headers and probes.
	pf_hdr=''
	if [ -z "$pf_kb" ]; then
		echo "  headers: missing for Linux $pf_rel ($pf_modroot/$pf_rel/build): $(pf_headers_hint "$pf_rel"); DKMS then builds the modules for it"
		if [ $pf_code = 0 ]; then
			pf_code=7 pf_class=no-headers
			pf_why="no headers for Linux $pf_rel, so DKMS cannot build the NVIDIA modules for it: $(pf_headers_hint "$pf_rel")"
		fi
	elif ! pf_probes "$pf_compat"; then
		echo "  probes: do not compile against $pf_kb:"
		sed 's/^/    | /' "$tmp/probe.err" | tail -n 12
		if [ $pf_code = 0 ]; then
			pf_code=7 pf_class=probes-failed
			pf_why="the compile probes fail against $pf_kb: the kernel build tree is incomplete or does not match the compiler"
		fi
		pf_hdr=''
	fi

	# The driver side: the state of each topic in this tree.
	scan "$pf_kd"
	echo "  known break                      since  in this kernel   driver"
	pf_n=0 pf_patched='' pf_native='' pf_na='' pf_unknown='' pf_conflict=''
	# The layer's own line in the driver's Kbuild (0000) is no break of a
	# kernel, but where it cannot go in, apply refuses the tree as well.
	case $(awk '$1 == "0000-compat-layer" { print $2 }' "$tmp/state") in
	applied|needed|'') ;;
	*) pf_conflict=" 0000-compat-layer" ;;
	esac
	for pf_t in "$NVC_PATCHES"/[0-9][0-9][0-9][0-9]-*; do
		[ -d "$pf_t" ] || continue
		pf_name=${pf_t##*/}
		[ "$pf_name" != 0000-compat-layer ] || continue
		pf_p=$(topic_hdr_file "$pf_t")
		pf_since=$(header_field "$pf_p" X-Kernel-Release | head -n 1)
		pf_probe=$(header_field "$pf_p" X-Probe | head -n 1)
		pf_macro=${pf_probe%% *} pf_sense=${pf_probe#"$pf_macro"}
		pf_sense=${pf_sense# }; pf_sense=${pf_sense%% *}
		# Does the kernel have this break?  The probe, when one can tell
		# and it ran; the release otherwise (X-Probe: -).
		if [ -n "$pf_hdr" ] && [ -n "$pf_macro" ] && [ "$pf_macro" != - ] &&
		   grep -q "[ ]${pf_macro}[ *]" "$pf_hdr"; then
			if grep -q "^#define $pf_macro 1\$" "$pf_hdr"; then pf_has=present; else pf_has=absent; fi
			if [ "$pf_has" = "$pf_sense" ]; then pf_in=yes; else pf_in=no; fi
		elif [ -n "$pf_since" ] && pf_at_least "$pf_rel" "$pf_since"; then
			pf_in=yes-by-release
		else
			pf_in=no-by-release
		fi
		pf_st=$(awk -v n="$pf_name" '$1 == n { print $2 }' "$tmp/state")
		case $pf_st in
		applied|needed) pf_drv=patched ;;
		fixed-natively) pf_drv=fixed-natively ;;
		not-applicable) pf_drv=not-applicable ;;
		*) pf_drv=unknown ;;
		esac
		[ "$pf_drv" != unknown ] || pf_conflict="$pf_conflict $pf_name"
		printf '  %-32s %-6s %-16s %s\n' "$pf_name" "${pf_since:--}" "$pf_in" "$pf_drv"
		case $pf_in in
		yes*)
			pf_n=$((pf_n + 1))
			case $pf_drv in
			patched) pf_patched="$pf_patched ${pf_name%%-*}" ;;
			fixed-natively) pf_native="$pf_native ${pf_name%%-*}" ;;
			not-applicable) pf_na="$pf_na ${pf_name%%-*}" ;;
			*) pf_unknown="$pf_unknown ${pf_name%%-*}" ;;
			esac ;;
		esac
	done
	if [ $pf_known = 1 ]; then
		pf_what="known breaks"
	else
		pf_what="breaks nvidia-vgpu-compat knows (it may have others)"
	fi
	echo "  in Linux $pf_rel: $pf_n $pf_what; we patch $(pf_list "$pf_patched"), fixed natively $(pf_list "$pf_native"), not in this driver $(pf_list "$pf_na"), unknown $(pf_list "$pf_unknown")"
	if [ -n "$pf_conflict" ] && [ $pf_code = 0 ]; then
		pf_code=5 pf_class=differs
		pf_why="the driver differs from every version nvidia-vgpu-compat knows at${pf_conflict}: the patches do not apply, so the build fails; re-extract the driver or report its version"
	fi

	# DKMS: what is built and installed for this kernel.
	if [ $pf_isdkms = 1 ]; then
		pf_dkms "$pf_ver"
		pf_m="nvidia-vgpu-compat/$pf_ver"
		case $pf_dkms_state in
		installed) echo "  dkms: $pf_m is installed for $pf_rel" ;;
		built) echo "  dkms: $pf_m is built for $pf_rel but not installed: dkms install -m nvidia-vgpu-compat -v $pf_ver -k $pf_rel" ;;
		none)
			if [ -n "$pf_dkms_log" ]; then
				echo "  dkms: the build of $pf_m for $pf_rel failed: see $pf_dkms_log"
			elif [ $pf_known = 0 ]; then
				echo "  dkms: $pf_m is not built for $pf_rel (DKMS declines this kernel)"
			else
				echo "  dkms: $pf_m is not built for $pf_rel: dkms autoinstall -k $pf_rel"
			fi ;;
		unregistered) echo "  dkms: $pf_m is not registered with DKMS: dkms add $pf_top" ;;
		no-dkms) echo "  dkms: not installed (apt install dkms): nothing builds the modules for new kernels" ;;
		esac
		if [ "$pf_dkms_state" != installed ] && [ $pf_code = 0 ]; then
			pf_code=8 pf_class=$pf_dkms_state
			if [ -n "$pf_dkms_log" ]; then
				pf_class=build-failed
				pf_why="the DKMS build of $pf_m for Linux $pf_rel failed (see $pf_dkms_log): the NVIDIA modules are not installed for it"
			else
				pf_why="the NVIDIA modules of $pf_m are not installed for Linux $pf_rel (dkms: $pf_dkms_state)"
			fi
		fi
	else
		echo "  dkms: - (not a DKMS tree)"
	fi

	case $pf_code in
	0)
		if [ $pf_isdkms = 1 ]; then
			pf_why="its modules are installed for Linux $pf_rel and nvidia-vgpu-compat handles every known break there"
		else
			pf_why="it builds on Linux $pf_rel as far as nvidia-vgpu-compat knows: every known break there is patched or fixed natively"
		fi
		echo "  verdict: ok" ;;
	*) echo "  verdict: NOT OK: $pf_why" ;;
	esac
}

cmd_preflight() {
	pf_karg='' pf_drivers=''
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) [ $# -ge 2 ] || usage; pf_karg=$2; shift 2 ;;
		--kernel=*) pf_karg=${1#*=}; shift ;;
		--driver) [ $# -ge 2 ] || usage; pf_drivers="$pf_drivers
$2"; shift 2 ;;
		--driver=*) pf_drivers="$pf_drivers
${1#*=}"; shift ;;
		*) usage ;;
		esac
	done
	mktmp
	pf_prefix=${NVC_SRC_PREFIX:-/usr/src}
	pf_modroot=${NVC_MODULES_DIR:-/lib/modules}
	pf_dkms_tree=${NVC_DKMS_TREE:-/var/lib/dkms}
	pf_root_patches=$NVC_PATCHES
	pf_running=$(uname -r)

	# The kernel: a release (its /lib/modules/<release>/build) or a build dir.
	[ -n "$pf_karg" ] || pf_karg=$(pf_default_release)
	[ -n "$pf_karg" ] || die 7 "no installed kernel found in ${NVC_BOOT_DIR:-/boot} or $pf_modroot; pass --kernel <release or build dir>"
	case $pf_karg in
	*/*|.|..)
		[ -f "$pf_karg/Makefile" ] ||
			die 7 "'$pf_karg' is not a kernel build directory (no Makefile); pass --kernel <release> or /lib/modules/<release>/build"
		pf_kb=$(cd "$pf_karg" && pwd)
		pf_rel=$(pf_release_of "$pf_kb")
		[ -n "$pf_rel" ] || die 7 "cannot tell the kernel release of $pf_kb (no include/generated/utsrelease.h): run make modules_prepare there"
		;;
	*)
		pf_rel=$pf_karg pf_kb=$pf_modroot/$pf_karg/build
		if [ -f "$pf_kb/Makefile" ]; then pf_kb=$(cd "$pf_kb" && pwd); else pf_kb=''; fi
		;;
	esac

	if [ -n "$pf_drivers" ]; then
		printf '%s\n' "$pf_drivers" | sed '/^$/d' >"$tmp/drivers"
	else
		pf_installed_drivers | while read -r pf_d; do
			(cd "$pf_d" && pwd -P)
		done | sort -u >"$tmp/drivers"
	fi
	echo "preflight for Linux $pf_rel (running: $pf_running)"
	echo "  build tree: ${pf_kb:-missing}"
	if [ ! -s "$tmp/drivers" ]; then
		echo "result: no nvidia-vgpu-compat driver is installed (nothing registered with DKMS or in $pf_prefix/nvidia-vgpu-compat-*): nothing to check"
		said
		exit 4
	fi

	pf_worst=0 pf_worst_why='' pf_ok_why='' pf_worst_class=ok
	while read -r pf_d; do
		pf_driver "$pf_d" </dev/null
		pf_why="driver ${pf_ver:-?}: $pf_why"
		case $pf_worst:$pf_code in
		0:0) pf_ok_why="${pf_ok_why:+$pf_ok_why; }$pf_why" ;;
		*:0|7:*|5:5|5:8|8:8) ;;
		*) pf_worst=$pf_code pf_worst_why=$pf_why pf_worst_class=$pf_class ;;
		esac
	done <"$tmp/drivers"
	echo
	# One word for programs (the kernel hook decides on it): ok, declined
	# (outside BUILD_EXCLUSIVE_KERNEL), no-headers, probes-failed, differs
	# (a patch does not apply), build-failed (DKMS's make.log for this
	# kernel), none (not built, no failed build on record), built (not
	# installed), unregistered, no-dkms.
	echo "reason: $pf_worst_class"
	if [ "$pf_worst" = 0 ]; then
		echo "result: OK: $pf_ok_why"
	else
		echo "result: NOT OK: $pf_worst_why"
	fi
	said
	exit "$pf_worst"
}
