# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, flavor: which of the driver's trees DKMS builds, and the switch.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# flavor VERSION [proprietary|open] [--prefix DIR] [--kernel RELEASE]...
#
# Without a flavour: say which one DKMS builds and which ones the tree has.
# With one: write it into the DKMS source tree (FLAVOR, read by our Makefile
# and dkms.conf), then rebuild and reinstall through DKMS, one kernel after
# the other, for every kernel the version is installed for (and each
# --kernel).  A kernel's modules are replaced only once the new flavour has
# built for it (dkms install after dkms build).  When the new flavour fails
# to build for a kernel, FLAVOR goes back and the kernels already switched
# get the old flavour again: all or nothing, exit 7.

flavor_read() { # flavor_read DKMS_SOURCE_TREE -> proprietary or open
	fr=
	[ ! -f "$1/FLAVOR" ] || [ -L "$1/FLAVOR" ] || fr=$(head -c 32 "$1/FLAVOR" 2>/dev/null | head -n 1)
	case $fr in open) echo open ;; *) echo proprietary ;; esac	# before FLAVOR existed: proprietary
}

flavor_write() { # flavor_write DKMS_SOURCE_TREE FLAVOR
	rm -f "$1/FLAVOR.nvc-new" &&
		printf '%s\n' "$2" >"$1/FLAVOR.nvc-new" && chmod 0644 "$1/FLAVOR.nvc-new" &&
		mv -f -T "$1/FLAVOR.nvc-new" "$1/FLAVOR"
}

# flavor_dkms KERNEL: build and install the flavour FLAVOR now says, for
# KERNEL, through DKMS; output into $tmp/dkms.log.
flavor_dkms() {
	dkms build -m nvidia-vgpu-compat -v "$fv" -k "$1" --force >>"$tmp/dkms.log" 2>&1 &&
		dkms install -m nvidia-vgpu-compat -v "$fv" -k "$1" --force >>"$tmp/dkms.log" 2>&1
}

cmd_flavor() {
	fv='' fl='' prefix=/usr/src kernels=''
	while [ $# -gt 0 ]; do
		case $1 in
		--prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
		--prefix=*) prefix=${1#*=}; shift ;;
		--kernel) [ $# -ge 2 ] || usage; kernels="$kernels $2"; shift 2 ;;
		-*) usage ;;
		*) if [ -z "$fv" ]; then fv=$1; elif [ -z "$fl" ]; then fl=$1; else usage; fi; shift ;;
		esac
	done
	[ -n "$fv" ] || usage
	valid_version "$fv" || die 2 "flavor: '$fv' is not a driver version (digits and dots, like 550.54.16)"
	case $fl in ''|proprietary|open) ;; *) die 2 "flavor: '$fl' is no flavour: proprietary or open" ;; esac
	for k in $kernels; do
		case $k in */*|.|..|-*) die 2 "flavor: '$k' is not a kernel release" ;; esac
	done
	while :; do case $prefix in ?*/) prefix=${prefix%/} ;; *) break ;; esac; done
	d=$prefix/nvidia-vgpu-compat-$fv
	if [ -L "$d" ] || [ ! -d "$d" ] || [ ! -f "$d/DRIVER_VERSION" ] || [ ! -d "$d/kernel" ]; then
		die 3 "$d is not a driver tree that vgpu-compat import made; import the driver first (make install DRIVER=... or vgpu-compat import)"
	fi
	cur=$(flavor_read "$d")
	have=proprietary
	[ ! -f "$d/kernel-open/Kbuild" ] || have="proprietary open"
	if [ -z "$fl" ]; then
		say "nvidia-vgpu-compat/$fv: DKMS builds the $cur flavour ($(flavor_dir "$cur")/); the tree has: $have"
		return 0
	fi
	case " $have " in
	*" $fl "*) ;;
	*) die 4 "nvidia-vgpu-compat/$fv has no open flavour: the driver has no kernel-open/ tree (NVIDIA ships one from branch 550 on), or import left it out (its warning said why)" ;;
	esac
	stamp_ok "$d/$(flavor_dir "$fl")" ||
		die 3 "$d/$(flavor_dir "$fl"): $stamp_why; import the driver again (vgpu-compat import --force)"
	# Root changes what DKMS and the kernel hook build as root: the tree
	# must be root's (import made it so), as every file in it.
	if [ "$(stat -c %u "$d")" != "$(id -u)" ] || [ -n "$(find "$d" -maxdepth 0 -perm /022 -print)" ] ||
	   [ -n "$(find "$d" -maxdepth 1 -name FLAVOR ! -type f -print)" ]; then
		die 6 "$d is not $(id -un)'s alone (another owner, or a group or others may write it), or its FLAVOR is not a plain file; nothing was changed: import the driver again (vgpu-compat import --force)"
	fi
	mktmp
	if command -v flock >/dev/null 2>&1; then
		exec 7<"$prefix"
		flock -w 600 7 || die 6 "another vgpu-compat import or flavor in $prefix has been running for 10 minutes; nothing was changed"
	fi
	cur=$(flavor_read "$d")
	if [ "$cur" = "$fl" ]; then
		say "nvidia-vgpu-compat/$fv already builds the $fl flavour ($(flavor_dir "$fl")/)"
		return 0
	fi
	# Kernels to rebuild: where DKMS has this version installed, and each
	# --kernel; only when DKMS builds this very tree (its source link
	# leads here: a tree under another --prefix is not DKMS's).
	dkms_src=$(readlink -f "${NVC_DKMS_TREE:-/var/lib/dkms}/nvidia-vgpu-compat/$fv/source" 2>/dev/null || :)
	if command -v dkms >/dev/null 2>&1 && [ -n "$dkms_src" ] && [ "$dkms_src" = "$(readlink -f "$d")" ] &&
	   dkms status -m nvidia-vgpu-compat -v "$fv" >"$tmp/dkms.status" 2>/dev/null; then
		kernels="$(sed -n 's/^[^,]*, \([^,]*\), [^:]*: installed.*/\1/p' "$tmp/dkms.status" | tr '\n' ' ') $kernels"
		dkms_ok=1
	else
		dkms_ok=0
	fi
	# shellcheck disable=SC2086 # releases: one word each
	kernels=$(printf '%s\n' $kernels | awk 'NF && !seen[$0]++' | tr '\n' ' ')
	[ -z "$kernels" ] || [ $dkms_ok = 1 ] ||
		die 7 "DKMS does not build $d (dkms is not installed, or nvidia-vgpu-compat/$fv is not registered from there), so --kernel cannot be rebuilt; nothing was changed"
	flavor_write "$d" "$fl" || die 6 "could not write $d/FLAVOR; nothing was changed"
	if [ -z "$kernels" ]; then
		say "nvidia-vgpu-compat/$fv: DKMS builds the $fl flavour ($(flavor_dir "$fl")/) from now on; no kernel has its modules installed yet"
		return 0
	fi
	done_k=''
	for k in $kernels; do
		say "building the $fl flavour of nvidia-vgpu-compat/$fv for Linux $k (DKMS) ..."
		if flavor_dkms "$k"; then
			done_k="$done_k $k"
			continue
		fi
		# Back to the flavour that was: FLAVOR first, then the kernels
		# that got the new one (this one included: dkms build --force
		# removed its built copy, its installed modules stayed).
		sed 's/^/  | /' "$tmp/dkms.log" | tail -n 12 >&2
		# DKMS names its make.log; the compiler's errors are there.
		fl_log=$(sed -n 's/.*[Cc]onsult \(\/[^ ]*make\.log\).*/\1/p' "$tmp/dkms.log" | tail -n 1)
		if [ -n "$fl_log" ] && [ -f "$fl_log" ]; then
			cp "$fl_log" "$tmp/make.log" 2>/dev/null || :
			echo "  $fl_log:" >&2
			if grep -qE ': (fatal )?error: ' "$tmp/make.log"; then
				grep -E ': (fatal )?error: ' "$tmp/make.log" | head -n 10
			else
				tail -n 20 "$tmp/make.log"
			fi | sed 's/^/  | /' >&2
		fi
		flavor_write "$d" "$cur" || die 6 "could not write $d/FLAVOR back to $cur"
		back_bad=''
		for b in $done_k $k; do
			: >"$tmp/dkms.log"
			flavor_dkms "$b" || back_bad="$back_bad $b"
		done
		[ -z "$back_bad" ] ||
			die 7 "the $fl flavour of nvidia-vgpu-compat/$fv does not build for Linux $k (above), and restoring the $cur flavour failed for Linux${back_bad}: run dkms build --force and dkms install --force -m nvidia-vgpu-compat -v $fv -k <release> for it"
		die 7 "the $fl flavour of nvidia-vgpu-compat/$fv does not build for Linux $k (DKMS's output above); nothing changed: every kernel keeps the $cur modules and DKMS builds $cur as before"
	done
	say "nvidia-vgpu-compat/$fv: DKMS builds the $fl flavour ($(flavor_dir "$fl")/); rebuilt and installed for Linux$done_k. The new modules load at the next boot (or after: modprobe -r nvidia-vgpu-vfio nvidia)"
}
