#!/bin/sh
# Prepare module-ready kernel build trees in $NVC_CACHE/kernels/<ID>/build.
#
#   tests/setup/kernels.sh [ID...]      default IDs: 6.1 6.12 7-newest
#
# Nothing is pinned: each ID names a series and the suites to look in, and
# the newest package there is resolved at run time (private apt
# configuration, tests/lib/apt.sh; the mirror is the machine's own):
#   6.1          bookworm: newest linux-headers-6.1.0-<N>-amd64 + -common +
#                linux-kbuild-6.1, unpacked with dpkg-deb -x
#   6.12         bookworm-backports: newest linux-headers-6.12.<x>+deb12-amd64
#                + -common + linux-kbuild-6.12.<x>+deb12, unpacked likewise
#   6.12-trixie  trixie: the newest linux-source-6.12 that has a
#                linux-config-6.12 and a linux-headers-*-amd64 of the same
#                version, built with the host gcc (modules_prepare); only a
#                relocatable tree (install-extmod-build) is kept
#   7-newest     the newest 7.x series in trixie-backports / sid /
#                experimental (no -rc) that dkms.conf's BUILD_EXCLUSIVE_KERNEL
#                admits, built like 6.12-trixie; its full source is kept (KUnit)
#   7-prev       the 7.x series before it, built like 6.12-trixie
#   6.1-src      bookworm: linux-source-6.1, unpacked into 6.1-src/source and
#                nothing else: for KUnit only (tests/kunit/run.sh 6.1-src), whose
#                kunit.py configures and builds its own UML kernel
# A series newer than BUILD_EXCLUSIVE_KERNEL allows is reported and skipped:
# the package does not support it yet.
#
# The cache is keyed by exact package version: a tree lives in
# $NVC_CACHE/kernels/v/<package>_<version>/ and kernels/<ID> is a symlink to
# it, so a new upload is fetched and an unchanged one reused.  Trees no ID
# links to any more are removed.
#
# Layout of $NVC_CACHE/kernels/<ID>/:
#   build/    the tree to pass as make -C / /lib/modules/<release>/build
#   source/   headers trees: Debian's -common dir (what
#             /lib/modules/<release>/source points to); 7-newest: the full source
#   kbuild/   headers trees: Debian's linux-kbuild (scripts, tools)
#   release   the kernel release: UTS_RELEASE, the vermagic prefix (not
#             make kernelrelease: Debian's 6.1 headers say 6.1.176 there)
#   vermagic  the vermagic hello.ko got, e.g. "6.1.0-50-amd64 SMP preempt
#             mod_unload modversions"; Debian's 7.x kernels have no
#             modversions (CONFIG_MODVERSIONS off), so neither do these trees
#   debian.config  the .config of Debian's real kernel (for 6.1/6.12 the
#             tree's own); build/.config is the one the tree was built with
#   packages  the Debian packages and versions used
#   ready     written last, after hello.ko was built and checked
#
# A tree without ready is incomplete and is rebuilt. Trees are assembled in
# kernels/.tmp-<ID>.* and moved into place; a flock on kernels/.lock
# serialises concurrent runs. NVC_KERNELS_VERIFY=1 re-checks ready trees.
set -eu

NVC_SETUP_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/apt.sh
. "$NVC_SETUP_DIR/../lib/apt.sh"
nvc_setup_init kernels

KDIR=$NVC_CACHE/kernels
DEBS=$NVC_CACHE/debs/kernels
JOBS=${NVC_JOBS:-$(nproc)}
TMP_TREE=
TMP_HELLO=

cleanup() {
	if [ -n "$TMP_TREE" ]; then rm -rf "$TMP_TREE"; fi
	if [ -n "$TMP_HELLO" ]; then rm -rf "$TMP_HELLO"; fi
}
NVC_CLEANUP=cleanup

die() {
	printf 'kernels.sh: %s\n' "$*" >&2
	exit 1
}

for tool in make gcc-12 flex bison bc dpkg-deb xz modinfo flock perl; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found: run tests/setup/deps.sh first"
done

# spec ID: sets METHOD, SUITES and the method's parameters
spec() {
	KEEP_SOURCE=0
	SERIES=
	PVE=0
	case $1 in
	*-pve)
		# the PVE-like flavour of a source-built tree: same package, our
		# vfio choices (prepare_source); never keeps the full source
		spec "${1%-pve}"
		[ "$METHOD" = source ] || die "unknown kernel ID '$1': only source-built trees have a -pve flavour"
		PVE=1 KEEP_SOURCE=0
		return
		;;
	6.1) METHOD=headers SUITES=bookworm ABI_RE='6\.1\.0-[0-9]+' ;;
	6.12) METHOD=headers SUITES=bookworm-backports ABI_RE='6\.12\.[0-9]+\+deb12' ;;
	6.12-trixie) METHOD=source SUITES=trixie SERIES=6.12 ;;
	7-newest) METHOD=source SUITES=$SUITES_7 SERIES=7:1 KEEP_SOURCE=1 ;;
	7-prev) METHOD=source SUITES=$SUITES_7 SERIES=7:2 ;;
	6.1-src) METHOD=kunit SUITES=bookworm SERIES=6.1 KEEP_SOURCE=1 ;;
	*) die "unknown kernel ID '$1' (known: $KNOWN_IDS)" ;;
	esac
}
KNOWN_IDS="6.1 6.12 6.12-trixie 7-prev 7-newest 6.1-src 6.12-trixie-pve 7-prev-pve 7-newest-pve"
SUITES_7="trixie-backports sid experimental"

# versions_in PKG "SUITE...": versions of PKG in those suites, newest first,
# release candidates (~rc) left out
versions_in() {
	nvc_apt_cache madison "$1" | awk -F' [|] ' -v s=" $2 " '
		{ gsub(/^ +| +$/, "", $2); split($3, a, " "); split(a[2], b, "/") }
		index(s, " " b[1] " ") && $2 !~ /~rc/ { print $2 }' | sort -urV
}

# supported_series SERIES: does dkms.conf's BUILD_EXCLUSIVE_KERNEL admit it?
supported_series() {
	_re=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$NVC_SETUP_DIR/../../dkms.conf")
	[ -n "$_re" ] || return 0
	printf '%s.0\n' "$1" | grep -Eq -- "$_re"
}

# resolve_source SERIES: sets VER (a version of linux-source-SERIES in
# $SUITES with linux-config-SERIES and linux-headers-<up>+*-amd64 of the same
# version) and FLAVOUR (that headers package); false when there is none.
resolve_source() {
	for _v in $(versions_in "linux-source-$1" "$SUITES"); do
		versions_in "linux-config-$1" "$SUITES" | grep -qxF -- "$_v" || continue
		_up=${_v%%-*}
		for _name in $(nvc_apt_cache pkgnames "linux-headers-$_up+" | grep -E -- '^linux-headers-[^-]+-amd64$' || true); do
			if versions_in "$_name" "$SUITES" | grep -qxF -- "$_v"; then
				VER=$_v FLAVOUR=$_name
				return 0
			fi
		done
	done
	return 1
}

# pick_series 7:N: the Nth newest 7.x series that resolves and is supported
pick_series() {
	_want=${1#*:} _n=0
	for _s in $(nvc_apt_cache pkgnames "linux-source-${1%%:*}." | sed 's/^linux-source-//' | sort -rV); do
		if ! supported_series "$_s"; then
			echo "kernels.sh: linux-source-$_s is in the archive, but dkms.conf does not support $_s yet: skipped" >&2
			continue
		fi
		resolve_source "$_s" || continue
		_n=$((_n + 1))
		if [ "$_n" = "$_want" ]; then
			SERIES=$_s
			return 0
		fi
	done
	die "no ${_want}. newest ${1%%:*}.x series with linux-source, linux-config and linux-headers-*-amd64 of one version in $SUITES (found $_n)"
}

# resolve ID: sets KEY (the cache key: package_version) and the method's
# inputs, from the package lists
resolve() {
	case $METHOD in
	headers)
		ABI=
		for _name in $(nvc_apt_cache pkgnames linux-headers- |
			sed -n -E "s/^linux-headers-($ABI_RE)-amd64\$/\\1/p" | sort -rV); do
			VER=$(versions_in "linux-headers-$_name-amd64" "$SUITES" | head -n 1)
			if [ -n "$VER" ]; then
				ABI=$_name
				break
			fi
		done
		[ -n "$ABI" ] || die "$1: no linux-headers-*-amd64 matching $ABI_RE in $SUITES"
		KEY=linux-headers-$ABI-amd64_$VER
		;;
	source)
		case $SERIES in *:*) pick_series "$SERIES" ;; esac
		resolve_source "$SERIES" ||
			die "$1: no linux-source-$SERIES with linux-config-$SERIES and linux-headers-*-amd64 of the same version in $SUITES"
		KEY=linux-source-${SERIES}_$VER
		[ "$PVE" = 0 ] || KEY=pve-$KEY
		;;
	kunit)
		VER=$(versions_in "linux-source-$SERIES" "$SUITES" | head -n 1)
		[ -n "$VER" ] || die "$1: no linux-source-$SERIES in $SUITES"
		KEY=kunit-linux-source-${SERIES}_$VER
		;;
	esac
}

# vermagic_flags CONFIG: the flags vermagic.h derives from a .config
vermagic_flags() {
	awk '
		/^CONFIG_SMP=y$/ { smp = "SMP " }
		/^CONFIG_PREEMPT_BUILD=y$/ { pre = "preempt " }
		/^CONFIG_PREEMPT_RT=y$/ { if (pre == "") pre = "preempt_rt " }
		/^CONFIG_MODULE_UNLOAD=y$/ { unl = "mod_unload " }
		/^CONFIG_MODVERSIONS=y$/ { mv = "modversions " }
		END { s = smp pre unl mv; sub(/ $/, "", s); print s }' "$1"
}

# deb_member DEB PATH: one file of a .deb on stdout
deb_member() {
	dpkg-deb --fsys-tarfile "$1" | tar -xOf - "./$2"
}

# --- headers trees (6.1, 6.12) -------------------------------------------

prepare_headers() {
	_id=$1
	_abi=$ABI
	_ver=$VER
	_flavour=linux-headers-$_abi-amd64
	_deps=$(nvc_apt_cache show "$_flavour=$_ver" | sed -n 's/^Depends: //p' | head -n 1)
	_common=$(printf '%s\n' "$_deps" | tr ',|' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-common\)\( .*\)\{0,1\}$/\1/p' | head -n 1)
	_kbuild=$(printf '%s\n' "$_deps" | tr ',|' '\n' | sed -n 's/^ *\(linux-kbuild-[^ ]*\)\( .*\)\{0,1\}$/\1/p' | head -n 1)
	if [ -z "$_common" ] || [ -z "$_kbuild" ]; then
		die "$_id: cannot find -common/linux-kbuild in Depends of $_flavour: $_deps"
	fi
	nvc_step_done "$_flavour $_ver ($SUITES)"

	nvc_step_start "$_id: download"
	_debs=
	for _p in "$_flavour" "$_common" "$_kbuild"; do
		_debs="$_debs $(nvc_download "$_p=$_ver" "$DEBS")"
	done
	nvc_step_done "$_flavour $_common $_kbuild"

	nvc_step_start "$_id: unpack"
	TMP_TREE=$(mktemp -d "$KDIR/.tmp-$_id.XXXXXX")
	chmod 755 "$TMP_TREE"
	for _deb in $_debs; do
		dpkg-deb -x "$_deb" "$TMP_TREE/root"
	done
	mv "$TMP_TREE/root/usr/src/$_flavour" "$TMP_TREE/build"
	mv "$TMP_TREE/root/usr/src/linux-headers-$_abi-common" "$TMP_TREE/source"
	mv "$TMP_TREE/root/usr/lib/$_kbuild" "$TMP_TREE/kbuild"
	rm -rf "$TMP_TREE/root"
	# Debian links scripts/ and tools/ to ../../lib/linux-kbuild-*/...
	for _link in "$TMP_TREE"/build/* "$TMP_TREE"/source/*; do
		[ -L "$_link" ] || continue
		case $(readlink "$_link") in
		*/lib/linux-kbuild-*/*)
			ln -sfn "../kbuild/$(readlink "$_link" | sed 's|.*/lib/linux-kbuild-[^/]*/||')" "$_link"
			;;
		esac
	done
	grep -q '^include .*/Makefile$' "$TMP_TREE/build/Makefile" ||
		die "$_id: unexpected $_flavour/Makefile: $(cat "$TMP_TREE/build/Makefile")"
	printf '%s %s\n' "$_flavour" "$_ver" "$_common" "$_ver" "$_kbuild" "$_ver" >"$TMP_TREE/packages"
	cp "$TMP_TREE/build/.config" "$TMP_TREE/debian.config"
	nvc_step_done "$(du -sh "$TMP_TREE" | cut -f1)"
}

# After the move: the -amd64 Makefile includes the -common Makefile by
# absolute path (/usr/src/...): point it at the cache.
fix_headers() {
	_dir=$1
	sed -i "s|^include .*/Makefile\$|include $_dir/source/Makefile|" "$_dir/build/Makefile"
}

# --- trees built from linux-source (7.3, 7.2, 6.12.107) --------------------

prepare_source() {
	_id=$1
	_ver=$VER
	_up=${_ver%%-*}
	_flavour=$FLAVOUR
	_localversion=${_flavour#linux-headers-"$_up"}
	nvc_step_done "linux-source-$SERIES $_ver ($SUITES), LOCALVERSION=$_localversion"

	nvc_step_start "$_id: download"
	_src_deb=$(nvc_download "linux-source-$SERIES=$_ver" "$DEBS")
	_cfg_deb=$(nvc_download "linux-config-$SERIES=$_ver" "$DEBS")
	_hdr_deb=$(nvc_download "$_flavour=$_ver" "$DEBS")
	nvc_step_done "$(du -ch "$_src_deb" "$_cfg_deb" "$_hdr_deb" | tail -n 1 | cut -f1)"

	nvc_step_start "$_id: unpack source"
	TMP_TREE=$(mktemp -d "$KDIR/.tmp-$_id.XXXXXX")
	chmod 755 "$TMP_TREE"
	_t=$TMP_TREE
	mkdir "$_t/source" "$_t/build"
	# A tree that is deleted after preparing skips the C files of drivers/,
	# sound/, fs/ and net/ and the docs (1.3 of 1.8 GB; modules_prepare and
	# install-extmod-build need only their Kconfig files): deleting files is
	# slow here (ext4 with online discard).
	_top=linux-source-$SERIES
	if [ "$KEEP_SOURCE" = 1 ]; then
		set --
	else
		set -- --exclude="$_top/drivers/*.[ch]" --exclude="$_top/sound/*.[ch]" \
			--exclude="$_top/fs/*.[ch]" --exclude="$_top/net/*.[ch]" \
			--exclude="$_top/Documentation/*.rst" --exclude="$_top/Documentation/*.yaml"
	fi
	deb_member "$_src_deb" "usr/src/$_top.tar.xz" |
		xz -T0 -dc | tar -xf - -C "$_t/source" --strip-components=1 "$@"
	if [ "$PVE" = 1 ]; then
		# the PVE-like flavour builds iommufd and vfio (pve_modules)
		deb_member "$_src_deb" "usr/src/$_top.tar.xz" |
			xz -T0 -dc | tar -xf - -C "$_t/source" --strip-components=1 \
				--wildcards "$_top/drivers/iommu/*" "$_top/drivers/vfio/*"
	fi
	nvc_step_done "$(du -sh "$_t/source" | cut -f1)"

	nvc_step_start "$_id: configure"
	deb_member "$_cfg_deb" "usr/src/linux-config-$SERIES/config.amd64_none_amd64.xz" |
		xz -dc >"$_t/build/.config"
	_hdr_dir=usr/src/$_flavour
	deb_member "$_hdr_deb" "$_hdr_dir/.config" >"$_t/debian.config"
	"$_t/source/scripts/config" --file "$_t/build/.config" \
		--disable RUST \
		--set-str SYSTEM_TRUSTED_KEYS "" \
		--set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str LOCALVERSION "$_localversion" \
		--disable LOCALVERSION_AUTO
	[ "$PVE" = 0 ] || pve_configure "$_t" "$_localversion"
	make -C "$_t/source" O="$_t/build" olddefconfig >"$_t/make.log" 2>&1 || {
		tail -n 30 "$_t/make.log" >&2
		die "$_id: olddefconfig failed"
	}
	# vermagic must be the one of Debian's kernel
	_ours=$(vermagic_flags "$_t/build/.config")
	_debian=$(vermagic_flags "$_t/debian.config")
	[ "$_ours" = "$_debian" ] ||
		die "$_id: vermagic flags differ from Debian's kernel: '$_ours' vs '$_debian'"
	nvc_step_done "$(make -s -C "$_t/source" O="$_t/build" kernelrelease), $_ours"
	[ "$PVE" = 0 ] || pve_check_config "$_t"

	nvc_step_start "$_id: modules_prepare -j$JOBS"
	make -C "$_t/source" O="$_t/build" -j"$JOBS" modules_prepare >>"$_t/make.log" 2>&1 || {
		tail -n 30 "$_t/make.log" >&2
		die "$_id: modules_prepare failed"
	}
	# no vmlinux here, so Debian's Module.symvers gives modpost the exports
	deb_member "$_hdr_deb" "$_hdr_dir/Module.symvers" >"$_t/build/Module.symvers"
	printf '%s %s\n' "linux-source-$SERIES" "$_ver" "linux-config-$SERIES" "$_ver" \
		"$_flavour" "$_ver (Module.symvers, .config)" >"$_t/packages"
	nvc_step_done
	[ "$PVE" = 0 ] || pve_modules "$_id" "$_t"

	if [ "$KEEP_SOURCE" = 0 ]; then
		nvc_step_start "$_id: relocatable tree (install-extmod-build)"
		[ -x "$_t/source/scripts/package/install-extmod-build" ] ||
			die "$_id: scripts/package/install-extmod-build missing"
		make -C "$_t/source" O="$_t/build" run-command \
			KBUILD_RUN_COMMAND="$_t/source/scripts/package/install-extmod-build $_t/extmod" \
			>>"$_t/make.log" 2>&1 || {
			tail -n 30 "$_t/make.log" >&2
			die "$_id: install-extmod-build failed"
		}
		cp "$_t/build/.config" "$_t/extmod/.config"
		[ -f "$_t/extmod/Module.symvers" ] || cp "$_t/build/Module.symvers" "$_t/extmod/"
		rm -rf "$_t/build" "$_t/source"
		mv "$_t/extmod" "$_t/build"
		nvc_step_done "$(du -sh "$_t/build" | cut -f1)"
	fi
	rm -f "$_t/make.log"
	# the big .deb is not needed once the tree is ready
	SOURCE_DEB=$_src_deb
}

# --- the PVE-like flavour (IDs *-pve) ----------------------------------------
#
# Debian's amd64 configs leave CONFIG_IOMMUFD unset: vfio.h then makes the
# vfio_iommufd_* helpers NULL and vfio never checks an ops table for
# .detach_ioas, so the 6.6 break is never exercised.  Proxmox VE's kernels
# build IOMMUFD as a module (its ABI files list iommufd_device_bind in
# namespace IOMMUFD, the vfio_iommufd_emulated_* / _physical_* helpers and
# mdev).  A *-pve tree is the same linux-source and Debian config with those
# choices: IOMMUFD=m, VFIO_MDEV=m, VFIO_DEVICE_CDEV=y and what they select.
# Its vmlinux exports are still Debian's (Module.symvers of Debian's headers:
# vmlinux is not built here); iommufd and vfio are built from the source
# (pve_modules) and their exports replace Debian's vfio ones, so modpost
# judges an external module against the namespaces and symbols a PVE-like
# kernel has.  What those modules need from vmlinux beyond Debian's exports
# (code that IOMMUFD selects into vmlinux) is listed in pve.vmlinux-missing;
# __vfio_register_dev()'s ops requirements are kept in pve.vfio-requires
# (tests/t36-pve.sh checks module ops tables against them).
PVE_LOCALVERSION_SUFFIX=-pvelike

pve_configure() {
	"$1/source/scripts/config" --file "$1/build/.config" \
		--set-str LOCALVERSION "$2$PVE_LOCALVERSION_SUFFIX" \
		--module IOMMUFD --module VFIO_MDEV --enable VFIO_DEVICE_CDEV
}

pve_check_config() {
	for _c in CONFIG_IOMMUFD=m CONFIG_VFIO_MDEV=m CONFIG_VFIO_DEVICE_CDEV=y CONFIG_VFIO=m; do
		grep -qx -- "$_c" "$1/build/.config" ||
			die "PVE-like config: olddefconfig did not keep $_c (got: $(grep -- "^${_c%=*}=" "$1/build/.config" || echo unset))"
	done
}

# pve_modules ID DIR: build drivers/iommu/iommufd and drivers/vfio as
# external modules of the prepared tree; their Module.symvers replaces
# Debian's entries of those directories.
pve_modules() {
	_pm_t=$2
	nvc_step_start "$1: iommufd and vfio modules (PVE-like) -j$JOBS"
	_pm_src=$_pm_t/source
	sed -n '/^static int __vfio_register_dev(/,/^}/p' "$_pm_src/drivers/vfio/vfio_main.c" |
		sed -n '1,/return -EINVAL;/p' | grep -o 'device->ops->[a-z_]*' | sed 's/.*->//' |
		sort -u >"$_pm_t/pve.vfio-requires"
	grep -qx detach_ioas "$_pm_t/pve.vfio-requires" ||
		die "$1: __vfio_register_dev() of this kernel does not check detach_ioas: $(tr '\n' ' ' <"$_pm_t/pve.vfio-requires")"
	_pm_log=$_pm_t/pve-modules.log
	: >"$_pm_log"
	_pm_extra=
	for _pm_d in drivers/iommu/iommufd drivers/vfio; do
		make -C "$_pm_src" O="$_pm_t/build" M="$_pm_src/$_pm_d" -j"$JOBS" \
			KBUILD_MODPOST_WARN=1 ${_pm_extra:+KBUILD_EXTRA_SYMBOLS="$_pm_extra"} \
			modules >>"$_pm_log" 2>&1 || {
			tail -n 30 "$_pm_log" >&2
			die "$1: building $_pm_d as modules failed"
		}
		[ -s "$_pm_src/$_pm_d/Module.symvers" ] || die "$1: $_pm_d built no Module.symvers"
		_pm_extra="$_pm_extra${_pm_extra:+ }$_pm_src/$_pm_d/Module.symvers"
	done
	# symbols those modules need that Debian's vmlinux does not export
	sed -n -e 's/^WARNING: modpost: "\([^"]*\)" \[\(.*\)\] undefined!$/\1 \2/p' \
		-e "s/^WARNING: modpost: \\([^ ]*\\): symbol '\\([^']*\\)' undefined!\$/\\2 \\1/p" "$_pm_log" |
		sed 's|^\([^ ]*\) .*/|\1 |' | sort -u >"$_pm_t/pve.vmlinux-missing"
	{
		awk -F'\t' '$3 !~ /^drivers\/(vfio|iommu\/iommufd)\// { print }' "$_pm_t/build/Module.symvers"
		for _pm_d in drivers/iommu/iommufd drivers/vfio; do
			awk -F'\t' -v OFS='\t' -v d="$_pm_d" '{ $3 = d "/" $3; print }' "$_pm_src/$_pm_d/Module.symvers"
		done
	} >"$_pm_t/build/Module.symvers.pve"
	mv "$_pm_t/build/Module.symvers.pve" "$_pm_t/build/Module.symvers"
	nvc_step_done "$(grep -c '	IOMMUFD' "$_pm_t/build/Module.symvers") exports in namespaces IOMMUFD*, $(wc -l <"$_pm_t/pve.vmlinux-missing") vmlinux symbols missing"
}

# After the move: an O= build dir names its source tree by absolute path.
fix_source() {
	_dir=$1
	[ -d "$_dir/source" ] || return 0
	sed -i -e "s|^# Automatically generated by .*|# Automatically generated by $_dir/source/Makefile: don't edit|" \
		-e "s|^export KBUILD_OUTPUT = .*|export KBUILD_OUTPUT = $_dir/build|" \
		-e "s|^include .*/Makefile\$|include $_dir/source/Makefile|" "$_dir/build/Makefile"
	ln -sfn ../source "$_dir/build/source"
}

# --- source trees for KUnit only (6.1-src) ----------------------------------

# The newest linux-source-SERIES of SUITES, unpacked as it is: kunit.py
# configures and builds a UML kernel of its own in its --build_dir.
prepare_kunit() {
	_id=$1
	_ver=$VER
	nvc_step_done "linux-source-$SERIES $_ver ($SUITES)"

	nvc_step_start "$_id: download"
	_src_deb=$(nvc_download "linux-source-$SERIES=$_ver" "$DEBS")
	nvc_step_done "$(du -h "$_src_deb" | cut -f1)"

	nvc_step_start "$_id: unpack source"
	TMP_TREE=$(mktemp -d "$KDIR/.tmp-$_id.XXXXXX")
	chmod 755 "$TMP_TREE"
	mkdir "$TMP_TREE/source"
	deb_member "$_src_deb" "usr/src/linux-source-$SERIES.tar.xz" |
		xz -T0 -dc | tar -xf - -C "$TMP_TREE/source" --strip-components=1
	[ -f "$TMP_TREE/source/tools/testing/kunit/kunit.py" ] ||
		die "$_id: linux-source-$SERIES has no tools/testing/kunit/kunit.py"
	printf '%s %s\n' "linux-source-$SERIES" "$_ver" >"$TMP_TREE/packages"
	nvc_step_done "$(du -sh "$TMP_TREE/source" | cut -f1)"
	SOURCE_DEB=$_src_deb
}

fix_kunit() {
	:
}

# Nothing to build a module against: the release is the source's version.
verify_kunit() {
	[ -f "$1/source/tools/testing/kunit/kunit.py" ] || die "$1: no kunit.py"
	RELEASE=$(make -s -C "$1/source" kernelversion 2>/dev/null)
	[ -n "$RELEASE" ] || die "$1: make kernelversion failed"
	VERMAGIC="- (source for KUnit only)"
}

# --- verification ----------------------------------------------------------

# verify DIR: build hello.ko against DIR/build, check modpost and vermagic
verify() {
	if [ "$METHOD" = kunit ]; then verify_kunit "$1"; return; fi
	_dir=$1
	_rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$_dir/build/include/generated/utsrelease.h")
	[ -n "$_rel" ] || die "$_dir: no UTS_RELEASE"
	[ -f "$_dir/build/Module.symvers" ] || die "$_dir: no Module.symvers"
	TMP_HELLO=$(mktemp -d "${TMPDIR:-/tmp}/nvc-hello.XXXXXX")
	cat >"$TMP_HELLO/hello.c" <<-'EOF'
		#include <linux/init.h>
		#include <linux/module.h>
		#include <linux/printk.h>
		static int __init hello_init(void)
		{
			pr_info("hello\n");
			return 0;
		}
		static void __exit hello_exit(void)
		{
		}
		module_init(hello_init);
		module_exit(hello_exit);
		MODULE_LICENSE("GPL");
		MODULE_DESCRIPTION("nvidia-vgpu-compat setup check");
	EOF
	echo 'obj-m := hello.o' >"$TMP_HELLO/Kbuild"
	make -C "$_dir/build" M="$TMP_HELLO" modules >"$TMP_HELLO/log" 2>&1 || {
		cat "$TMP_HELLO/log" >&2
		die "$_dir: hello.ko does not build"
	}
	if grep -E 'WARNING|undefined|[Ee]rror' "$TMP_HELLO/log" >&2; then
		die "$_dir: warnings building hello.ko (see above)"
	fi
	if [ ! -f "$TMP_HELLO/hello.mod.c" ] || [ ! -f "$TMP_HELLO/Module.symvers" ]; then
		die "$_dir: modpost did not run"
	fi
	_vm=$(modinfo -F vermagic "$TMP_HELLO/hello.ko" | sed 's/ *$//')
	_want="$_rel $(vermagic_flags "$_dir/debian.config")"
	[ "$_vm" = "$_want" ] || die "$_dir: hello.ko vermagic '$_vm', expected '$_want'"
	rm -rf "$TMP_HELLO"
	TMP_HELLO=
	VERMAGIC=$_vm
	RELEASE=$_rel
}

# --- main ------------------------------------------------------------------

IDS=${*:-6.1 6.12 7-newest}
for id in $IDS; do spec "$id"; done

mkdir -p "$KDIR/v" "$DEBS"
nvc_step_start "lock $KDIR/.lock"
exec 9>"$KDIR/.lock"
if ! flock -n 9; then
	echo "kernels.sh: another run holds $KDIR/.lock, waiting" >&2
	flock 9
fi
# we hold the lock: leftovers of interrupted runs can go
rm -rf "$KDIR"/.tmp-* "$KDIR"/v/.tmp-*
nvc_step_done

nvc_step_start "package lists"
if nvc_apt_update; then
	OFFLINE=0
	nvc_step_done "fresh (NVC_APT_MIRROR=$NVC_APT_MIRROR)"
else
	# without lists nothing can be resolved: cached trees still serve
	OFFLINE=1
	nvc_step_done "cannot update the package lists: using cached trees only"
fi

SUMMARY=
for id in $IDS; do
	spec "$id"
	link=$KDIR/$id
	nvc_step_start "$id: resolve"
	if [ "$OFFLINE" = 1 ]; then
		[ -f "$link/ready" ] ||
			die "$id: no package lists (see above) and no cached tree: cannot prepare it"
		nvc_step_done "offline, cached $(readlink "$link")"
	else
		resolve "$id"
		nvc_step_done "$KEY"
		# an old layout's real directory, or a link to an older upload
		if [ -d "$link" ] && [ ! -L "$link" ]; then rm -rf "$link"; fi
		ln -sfn "v/$KEY" "$link"
	fi
	dest=$KDIR/v/$(readlink "$link" | sed 's|^v/||')
	if [ -f "$dest/ready" ]; then
		nvc_step_start "$id: cached"
		if [ "${NVC_KERNELS_VERIFY:-0}" = 1 ]; then
			verify "$dest"
			nvc_step_done "$(cat "$dest/release"), hello.ko ok: $VERMAGIC"
		else
			nvc_step_done "$(cat "$dest/release")"
		fi
		SUMMARY="$SUMMARY$id $(cat "$dest/release") $link/build
"
		continue
	fi
	if [ -e "$dest" ]; then
		echo "kernels.sh: $dest is incomplete (no ready stamp): rebuilding it" >&2
		rm -rf "$dest"
	fi

	nvc_step_start "$id: packages"
	SOURCE_DEB=
	"prepare_$METHOD" "$id"

	nvc_step_start "$id: move into place, verify hello.ko"
	mv "$TMP_TREE" "$dest"
	TMP_TREE=
	dest=$(cd "$dest" && pwd -P)
	"fix_$METHOD" "$dest"
	verify "$dest"
	printf '%s\n' "$RELEASE" >"$dest/release"
	printf '%s\n' "$VERMAGIC" >"$dest/vermagic"
	# stamp last: a tree without it is rebuilt
	date -u +%Y-%m-%dT%H:%M:%SZ >"$dest/ready"
	if [ -n "$SOURCE_DEB" ]; then rm -f "$SOURCE_DEB"; fi
	nvc_step_done "$RELEASE, vermagic '$VERMAGIC'"
	SUMMARY="$SUMMARY$id $RELEASE $link/build
"
done

# trees of older uploads that no ID links to any more
for t in "$KDIR"/v/*/; do
	[ -d "$t" ] || continue
	k=$(basename "$t")
	used=0
	for l in "$KDIR"/*; do
		if [ -L "$l" ] && [ "$(readlink "$l")" = "v/$k" ]; then used=1; fi
	done
	if [ "$used" = 0 ]; then
		echo "kernels.sh: removing $t (no kernel ID uses it any more)" >&2
		rm -rf "$t"
	fi
done

printf '%s' "$SUMMARY" | while read -r id rel dir; do
	printf '[kernels] tree %-11s %-24s %s\n' "$id" "$rel" "$dir"
done
nvc_setup_finish
