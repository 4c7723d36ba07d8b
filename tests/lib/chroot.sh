# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Sourced by tests (after tests/lib/apt.sh): Debian chroots as test beds,
# made with debootstrap from the machine's own mirror ($NVC_APT_MIRROR).
#
#   nvc_chroot_unusable [TOOL...] why chroots cannot be made here, on
#                                stdout (not root; debootstrap, unshare,
#                                chroot or a TOOL missing), or nothing
#   nvc_chroot_base SUITE        a pristine minbase debootstrap of SUITE,
#                                cached in $NVC_CACHE/chroots/SUITE.base and
#                                made again when older than
#                                NVC_CHROOT_MAX_AGE_DAYS (7) or made from
#                                another mirror; prints its path
#   nvc_chroot_make SUITE DIR    a copy of it in DIR (which must not exist)
#                                with SUITE and SUITE-backports (main; sid:
#                                sid alone) as apt sources, no recommends,
#                                no services, dpkg without fsync
#   nvc_in_root DIR CMD...       CMD in the chroot DIR, in a mount namespace
#                                of its own (proc, sys, dev and a tmpfs /run
#                                are mounted there and vanish with it); a
#                                clean environment, LC_ALL=C.UTF-8,
#                                noninteractive
#
# Nothing of the host's apt or dpkg state is touched: the chroot's apt and
# dpkg are its own.  Only the downloaded .debs are shared between runs
# ($NVC_CACHE/chroots/SUITE.debs); nothing depends on them being there.
# Each chroot has its own archives directory (apt locks it: two chroots of
# one suite at once, as t66 and t67 can be, must not share it), filled with
# hard links to the shared .debs when it is made; what apt downloaded there
# is linked back after every nvc_in_root.

: "${NVC_CHROOT_MAX_AGE_DAYS:=7}"

nvc_chroot_unusable() {
	[ "$(id -u)" = 0 ] || { echo "needs root (debootstrap, chroot)"; return 0; }
	for _nc_t in debootstrap unshare chroot "$@"; do
		command -v "$_nc_t" >/dev/null 2>&1 ||
			{ echo "needs $_nc_t (tests/setup/deps.sh installs it)"; return 0; }
	done
}

nvc_chroot_base() {
	_nc_dir=$NVC_CACHE/chroots
	mkdir -p "$_nc_dir"
	(
		flock 9
		_nc_b=$_nc_dir/$1.base
		if [ -d "$_nc_b" ] && [ "$(cat "$_nc_b.stamp" 2>/dev/null)" = "$NVC_APT_MIRROR" ] &&
		   [ -n "$(find "$_nc_b.stamp" -mtime "-$NVC_CHROOT_MAX_AGE_DAYS" 2>/dev/null)" ]; then
			exit 0
		fi
		rm -rf "$_nc_b.new" "$_nc_b.stamp"
		if ! debootstrap --variant=minbase --keyring="$NVC_APT_KEYRING" \
			"$1" "$_nc_b.new" "$NVC_APT_MIRROR" >"$_nc_dir/$1.debootstrap.log" 2>&1; then
			tail -n 15 "$_nc_dir/$1.debootstrap.log" >&2
			echo "debootstrap of Debian $1 from $NVC_APT_MIRROR failed (log: $_nc_dir/$1.debootstrap.log)" >&2
			rm -rf "$_nc_b.new"
			exit 1
		fi
		rm -rf "$_nc_b"
		mv "$_nc_b.new" "$_nc_b"
		printf '%s\n' "$NVC_APT_MIRROR" >"$_nc_b.stamp"
	) 9>"$_nc_dir/.lock-$1" || return 1
	printf '%s\n' "$_nc_dir/$1.base"
}

nvc_chroot_make() {
	_nc_base=$(nvc_chroot_base "$1") || return 1
	cp -a "$_nc_base" "$2" || return 1
	mkdir -p "$NVC_CACHE/chroots/$1.debs" "$2/var/cache/apt/archives/partial"
	for _nc_d in "$NVC_CACHE/chroots/$1.debs"/*.deb; do
		[ -f "$_nc_d" ] || continue
		ln "$_nc_d" "$2/var/cache/apt/archives/" 2>/dev/null ||
			cp "$_nc_d" "$2/var/cache/apt/archives/"
	done
	{
		printf 'deb %s %s main\n' "$NVC_APT_MIRROR" "$1"
		case $1 in sid | unstable | experimental) ;; *)
			printf 'deb %s %s-backports main\n' "$NVC_APT_MIRROR" "$1" ;;
		esac
	} >"$2/etc/apt/sources.list"
	# A test bed is thrown away: dpkg need not fsync every file it unpacks
	# (on this 2-core VM that halves the time of an apt-get install).
	echo force-unsafe-io >"$2/etc/dpkg/dpkg.cfg.d/nvc-test-unsafe-io"
	# As tests/lib/apt.sh: this archive serves InRelease files whose
	# Valid-Until may have passed.  No recommends: what a package needs
	# comes in through its Depends, as in a minimal Proxmox / Debian host.
	cat >"$2/etc/apt/apt.conf.d/99nvc-test" <<'EOF'
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
Acquire::Languages "none";
Acquire::Retries "3";
APT::Install-Recommends "false";
EOF
	printf '#!/bin/sh\nexit 101\n' >"$2/usr/sbin/policy-rc.d"
	chmod 755 "$2/usr/sbin/policy-rc.d"
	printf '%s\n' "$1" >"$2/.nvc-suite"
}

nvc_in_root() {
	_nc_r=$1
	shift
	_nc_rc=0
	unshare -m --propagation private sh -c '
		r=$1
		shift
		mount -t proc proc "$r/proc" &&
		mount -t sysfs sysfs "$r/sys" &&
		mount --rbind /dev "$r/dev" &&
		mount -t tmpfs tmpfs "$r/run" || {
			echo "nvc_in_root: cannot mount in $r" >&2
			exit 125
		}
		exec chroot "$r" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"
	' sh "$_nc_r" "$@" || _nc_rc=$?
	# what apt downloaded, for the next chroot of this suite
	_nc_s=$NVC_CACHE/chroots/$(cat "$_nc_r/.nvc-suite" 2>/dev/null).debs
	if [ -d "$_nc_s" ]; then
		for _nc_d in "$_nc_r"/var/cache/apt/archives/*.deb; do
			[ -f "$_nc_d" ] && [ ! -e "$_nc_s/${_nc_d##*/}" ] || continue
			ln "$_nc_d" "$_nc_s/" 2>/dev/null || :
		done
	fi
	return "$_nc_rc"
}
