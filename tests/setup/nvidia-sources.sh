#!/bin/sh
# Download and unpack Debian's NVIDIA kernel module sources.
#
#   tests/setup/nvidia-sources.sh [ROLE...]   default: every role below
#
# Nothing is pinned: a role names a package and the suite to take its
# newest version from, resolved at run time (private apt configuration,
# tests/lib/apt.sh):
#   ROLE              package                          suite
#   tesla535-bookworm nvidia-tesla-535-kernel-source   bookworm
#   tesla535-sid      nvidia-tesla-535-kernel-source   sid
#   tesla550-sid      nvidia-tesla-550-kernel-source   sid
#   current-trixie    nvidia-kernel-source             trixie
#   current-bookworm  nvidia-kernel-source             bookworm
#   open-bookworm     nvidia-open-kernel-source        bookworm (contrib)
#   open-sid          nvidia-open-kernel-source        sid (contrib)
#   open-experimental nvidia-open-kernel-source        experimental (contrib)
# The open-* roles (NVIDIA's open nvidia.ko, "Dual MIT/GPL", its RM prebuilt
# from NVIDIA's open sources by Debian as nv-kernel.o_binary) are prepared
# only when named; no role argument means the first five.
#
# Result: $NVC_CACHE/nvidia/<VERSION>/ (open-<VERSION>/ for the open-* roles:
# Debian has both flavours of 550.163.01) is the driver's kernel directory
# (Kbuild, Makefile, conftest.sh, nvidia/, ...: modules/<name>/ of the .deb's
# /usr/src/<name>.tar.xz), VERSION its upstream version (NV_VERSION_STRING),
# and $NVC_CACHE/nvidia/<ROLE> a symlink to it.  The tree is pristine and its
# files are read-only: copy it before patching. Beside it (not inside, so
# copies stay clean):
#   <VERSION>.ready      written last: package, Debian version, file count; a
#                        new Debian upload of the same upstream version is
#                        fetched again (the cache is keyed by exact version)
#   <VERSION>.sha256sums checksums of the pristine tree (relative paths);
#                        NVC_NVIDIA_VERIFY=1 re-checks ready trees against them
set -eu

NVC_SETUP_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/apt.sh
. "$NVC_SETUP_DIR/../lib/apt.sh"
nvc_setup_init nvidia

NDIR=$NVC_CACHE/nvidia
DEBS=$NVC_CACHE/debs/nvidia
TMP_TREE=

cleanup() {
	if [ -n "$TMP_TREE" ]; then rm -rf "$TMP_TREE"; fi
}
NVC_CLEANUP=cleanup

die() {
	printf 'nvidia-sources.sh: %s\n' "$*" >&2
	exit 1
}

ROLES_ALL="tesla535-bookworm tesla535-sid tesla550-sid current-trixie current-bookworm"
ROLES_OPEN="open-bookworm open-sid open-experimental"

# spec ROLE: sets PKG, SUITE and KEY (the cache directory's prefix)
spec() {
	KEY=
	case $1 in
	open-bookworm) PKG=nvidia-open-kernel-source SUITE=bookworm KEY=open- ;;
	open-sid) PKG=nvidia-open-kernel-source SUITE=sid KEY=open- ;;
	open-experimental) PKG=nvidia-open-kernel-source SUITE=experimental KEY=open- ;;
	tesla535-bookworm) PKG=nvidia-tesla-535-kernel-source SUITE=bookworm ;;
	tesla535-sid) PKG=nvidia-tesla-535-kernel-source SUITE=sid ;;
	tesla550-sid) PKG=nvidia-tesla-550-kernel-source SUITE=sid ;;
	current-trixie) PKG=nvidia-kernel-source SUITE=trixie ;;
	current-bookworm) PKG=nvidia-kernel-source SUITE=bookworm ;;
	*) die "unknown NVIDIA source role '$1' (known: $ROLES_ALL $ROLES_OPEN)" ;;
	esac
}

# resolve ROLE: sets VER (the Debian version) and ID (the upstream version)
resolve() {
	VER=$(nvc_apt_cache madison "$PKG" | awk -F' [|] ' -v s="$SUITE" '
		{ gsub(/^ +| +$/, "", $2); split($3, a, " "); split(a[2], b, "/") }
		b[1] == s { print $2 }' | sort -rV | head -n 1)
	[ -n "$VER" ] || die "$1: no $PKG in $SUITE (non-free / contrib) of $NVC_APT_MIRROR"
	ID=${VER#*:}
	ID=${ID%%-*}
}

IDS=${*:-$ROLES_ALL}
for id in $IDS; do spec "$id"; done

mkdir -p "$NDIR" "$DEBS"
nvc_step_start "lock $NDIR/.lock"
exec 9>"$NDIR/.lock"
if ! flock -n 9; then
	echo "nvidia-sources.sh: another run holds $NDIR/.lock, waiting" >&2
	flock 9
fi
rm -rf "$NDIR"/.tmp-*
nvc_step_done

OFFLINE=0
nvc_apt_update || OFFLINE=1

for role in $IDS; do
	spec "$role"
	if [ "$OFFLINE" = 1 ]; then
		[ -f "$NDIR/$(readlink "$NDIR/$role" 2>/dev/null).ready" ] ||
			die "$role: no package lists (see above) and no cached tree"
		echo "nvidia-sources.sh: $role: package lists unavailable, using the cached $(readlink "$NDIR/$role")" >&2
		continue
	fi
	resolve "$role"
	id=$KEY$ID
	dest=$NDIR/$id
	ln -sfn "$id" "$NDIR/$role"
	if [ -f "$dest.ready" ] && [ -d "$dest" ] &&
		[ "$(cut -d' ' -f1-2 "$dest.ready")" = "$PKG $VER" ]; then
		nvc_step_start "$role: $id cached"
		if [ "${NVC_NVIDIA_VERIFY:-0}" = 1 ]; then
			(cd "$dest" && sha256sum --quiet --strict -c "$dest.sha256sums") >&2 ||
				die "$dest differs from its pristine checksums"
			nvc_step_done "$(cat "$dest.ready"), checksums ok"
		else
			nvc_step_done "$(cat "$dest.ready")"
		fi
		continue
	fi
	rm -rf "$dest" "$dest.ready" "$dest.sha256sums"

	nvc_step_start "$id: download $PKG=$VER"
	deb=$(nvc_download "$PKG=$VER" "$DEBS")
	nvc_step_done "$(du -h "$deb" | cut -f1)"

	nvc_step_start "$id: unpack"
	TMP_TREE=$(mktemp -d "$NDIR/.tmp-$id.XXXXXX")
	tarball=$(dpkg-deb -c "$deb" | awk '{ print $NF }' | grep -E '^\./usr/src/[^/]+\.tar\.xz$')
	[ "$(printf '%s\n' "$tarball" | wc -l)" = 1 ] ||
		die "$deb: expected one /usr/src/*.tar.xz, found: $tarball"
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "$tarball" | xz -dc | tar -xf - -C "$TMP_TREE"
	# modules/<name>/ holds the kernel directory
	set -- "$TMP_TREE"/modules/*/Kbuild
	if [ $# != 1 ] || [ ! -f "$1" ]; then
		die "$deb: no single modules/*/Kbuild in $tarball"
	fi
	tree=${1%/Kbuild}
	for f in Makefile conftest.sh nvidia; do
		[ -e "$tree/$f" ] || die "$deb: $tree has no $f"
	done
	grep -qF "NV_VERSION_STRING=\\\"$ID\\\"" "$tree/Kbuild" ||
		die "$deb: Kbuild does not say version $ID"
	mv "$tree" "$TMP_TREE/tree"
	rm -rf "$TMP_TREE/modules"
	(cd "$TMP_TREE/tree" && find . -type f -print | LC_ALL=C sort | sed 's/^\.\///' |
		tr '\n' '\0' | xargs -0 sha256sum) >"$TMP_TREE/sha256sums"
	nfiles=$(wc -l <"$TMP_TREE/sha256sums")
	# pristine: files read-only (directories stay writable for root's rm)
	find "$TMP_TREE/tree" -type f -exec chmod a-w {} +
	chmod 755 "$TMP_TREE/tree"
	nvc_step_done "$(du -sh "$TMP_TREE/tree" | cut -f1), $nfiles files"

	nvc_step_start "$id: move into place"
	mv "$TMP_TREE/sha256sums" "$dest.sha256sums"
	mv "$TMP_TREE/tree" "$dest"
	rm -rf "$TMP_TREE"
	TMP_TREE=
	# stamp last
	printf '%s %s (%s files)\n' "$PKG" "$VER" "$nfiles" >"$dest.ready"
	nvc_step_done "$dest"
done

for role in $IDS; do
	id=$(readlink "$NDIR/$role")
	printf '[nvidia] %-17s %-11s %s  %s\n' "$role" "$id" "$NDIR/$id" "$(cat "$NDIR/$id.ready")"
done
nvc_setup_finish
