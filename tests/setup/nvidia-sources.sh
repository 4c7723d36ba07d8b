#!/bin/sh
# Download and unpack Debian's NVIDIA kernel module sources.
#
#   tests/setup/nvidia-sources.sh [ID...]   default IDs: 550.54.15 535.216.03
#
#   ID           package                           version             suite
#   550.54.15    nvidia-tesla-550-kernel-source    550.54.15-5         sid
#   535.216.03   nvidia-tesla-535-kernel-source    535.216.03-3~deb12u1 bookworm
#   535.274.02   nvidia-tesla-535-kernel-source    535.274.02-3        sid
#   550.163.01   nvidia-kernel-source              550.163.01-2        trixie
#
# Result: $NVC_CACHE/nvidia/<ID>/ is the driver's kernel directory (Kbuild,
# Makefile, conftest.sh, nvidia/, ...: modules/<name>/ of the .deb's
# /usr/src/<name>.tar.xz). It is pristine and its files are read-only: copy
# it before patching. Beside it (not inside, so copies stay clean):
#   <ID>.ready      written last: package, version, file count
#   <ID>.sha256sums checksums of the pristine tree (relative paths);
#                   NVC_NVIDIA_VERIFY=1 re-checks ready trees against them
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

# spec ID: sets PKG and VER
spec() {
	case $1 in
	550.54.15) PKG=nvidia-tesla-550-kernel-source VER=550.54.15-5 ;;
	535.216.03) PKG=nvidia-tesla-535-kernel-source VER=535.216.03-3~deb12u1 ;;
	535.274.02) PKG=nvidia-tesla-535-kernel-source VER=535.274.02-3 ;;
	550.163.01) PKG=nvidia-kernel-source VER=550.163.01-2 ;;
	*) die "unknown NVIDIA ID '$1' (known: 550.54.15 535.216.03 535.274.02 550.163.01)" ;;
	esac
}

IDS=${*:-550.54.15 535.216.03}
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

for id in $IDS; do
	spec "$id"
	dest=$NDIR/$id
	if [ -f "$dest.ready" ] && [ -d "$dest" ]; then
		nvc_step_start "$id: cached"
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
	grep -qF "NV_VERSION_STRING=\\\"$id\\\"" "$tree/Kbuild" ||
		die "$deb: Kbuild does not say version $id"
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

for id in $IDS; do
	printf '[nvidia] tree %-11s %s  %s\n' "$id" "$NDIR/$id" "$(cat "$NDIR/$id.ready")"
done
nvc_setup_finish
