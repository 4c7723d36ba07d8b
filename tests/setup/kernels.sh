#!/bin/sh
# Prepare module-ready kernel build trees in $NVC_CACHE/kernels/<ID>/build.
#
#   tests/setup/kernels.sh [ID...]      default IDs: 6.1 6.12 7.3
#
# IDs and where they come from (private apt configuration, tests/lib/apt.sh):
#   6.1       bookworm: newest linux-headers-6.1.0-<N>-amd64 + -common +
#             linux-kbuild-6.1, unpacked with dpkg-deb -x
#   6.12      bookworm-backports: newest linux-headers-6.12.<x>+deb12-amd64 +
#             -common + linux-kbuild-6.12.<x>+deb12, unpacked likewise
#   7.3       trixie-backports: linux-source-7.3 + linux-config-7.3 built with
#             the host gcc (modules_prepare); source kept in 7.3/source (KUnit)
#   7.2       trixie-backports: linux-source-7.2, same, but only a relocatable
#             tree (install-extmod-build) is kept
#   6.12.107  trixie: linux-source-6.12 6.12.107, like 7.2
#   6.1-src   bookworm: linux-source-6.1, unpacked into 6.1-src/source and
#             nothing else: for KUnit only (tests/kunit/run.sh 6.1-src), whose
#             kunit.py configures and builds its own UML kernel
#
# Layout of $NVC_CACHE/kernels/<ID>/:
#   build/    the tree to pass as make -C / /lib/modules/<release>/build
#   source/   headers trees: Debian's -common dir (what
#             /lib/modules/<release>/source points to); 7.3: the full source
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

# spec ID: sets METHOD, SUITE and the method's parameters
spec() {
	KEEP_SOURCE=0
	UPSTREAM=
	case $1 in
	6.1) METHOD=headers SUITE=bookworm ABI_RE='6\.1\.0-[0-9]+' ;;
	6.12) METHOD=headers SUITE=bookworm-backports ABI_RE='6\.12\.[0-9]+\+deb12' ;;
	7.3) METHOD=source SUITE=trixie-backports SERIES=7.3 KEEP_SOURCE=1 ;;
	7.2) METHOD=source SUITE=trixie-backports SERIES=7.2 ;;
	6.12.107) METHOD=source SUITE=trixie SERIES=6.12 UPSTREAM=6.12.107 ;;
	6.1-src) METHOD=kunit SUITE=bookworm SERIES=6.1 KEEP_SOURCE=1 ;;
	*) die "unknown kernel ID '$1' (known: 6.1 6.12 7.3 7.2 6.12.107 6.1-src)" ;;
	esac
}

# versions_in PKG SUITE: versions of PKG in SUITE, newest first
versions_in() {
	nvc_apt_cache madison "$1" | awk -F' [|] ' -v s="$2" '
		{ gsub(/^ +| +$/, "", $2) }
		index($3, " " s "/") { print $2 }' | sort -rV
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
	_abi=
	for _name in $(nvc_apt_cache pkgnames linux-headers- |
		sed -n -E "s/^linux-headers-($ABI_RE)-amd64\$/\\1/p" | sort -rV); do
		_ver=$(versions_in "linux-headers-$_name-amd64" "$SUITE" | head -n 1)
		if [ -n "$_ver" ]; then
			_abi=$_name
			break
		fi
	done
	[ -n "$_abi" ] || die "$_id: no linux-headers-*-amd64 matching $ABI_RE in $SUITE"
	_flavour=linux-headers-$_abi-amd64
	_deps=$(nvc_apt_cache show "$_flavour=$_ver" | sed -n 's/^Depends: //p' | head -n 1)
	_common=$(printf '%s\n' "$_deps" | tr ',|' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-common\)\( .*\)\{0,1\}$/\1/p' | head -n 1)
	_kbuild=$(printf '%s\n' "$_deps" | tr ',|' '\n' | sed -n 's/^ *\(linux-kbuild-[^ ]*\)\( .*\)\{0,1\}$/\1/p' | head -n 1)
	if [ -z "$_common" ] || [ -z "$_kbuild" ]; then
		die "$_id: cannot find -common/linux-kbuild in Depends of $_flavour: $_deps"
	fi
	nvc_step_done "$_flavour $_ver ($SUITE)"

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
	_ver=
	for _v in $(versions_in "linux-source-$SERIES" "$SUITE"); do
		case $_v in "${UPSTREAM:-$SERIES}"[.-]* | "${UPSTREAM:-$SERIES}"~*)
			_ver=$_v
			break
			;;
		esac
	done
	[ -n "$_ver" ] || die "$_id: no linux-source-$SERIES ${UPSTREAM:-} in $SUITE"
	_up=${_ver%%-*}
	# the ABI name: linux-headers-<upstream>+debNN-amd64 of the same version
	_flavour=
	for _name in $(nvc_apt_cache pkgnames "linux-headers-$_up+" | grep -E -- '^linux-headers-[^-]+-amd64$' || true); do
		if versions_in "$_name" "$SUITE" | grep -qxF -- "$_ver"; then
			_flavour=$_name
			break
		fi
	done
	[ -n "$_flavour" ] || die "$_id: no linux-headers-$_up+*-amd64 $_ver in $SUITE"
	_localversion=${_flavour#linux-headers-"$_up"}
	nvc_step_done "linux-source-$SERIES $_ver ($SUITE), LOCALVERSION=$_localversion"

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

# The newest linux-source-SERIES of SUITE, unpacked as it is: kunit.py
# configures and builds a UML kernel of its own in its --build_dir.
prepare_kunit() {
	_id=$1
	_ver=$(versions_in "linux-source-$SERIES" "$SUITE" | head -n 1)
	[ -n "$_ver" ] || die "$_id: no linux-source-$SERIES in $SUITE"
	nvc_step_done "linux-source-$SERIES $_ver ($SUITE)"

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

IDS=${*:-6.1 6.12 7.3}
for id in $IDS; do spec "$id"; done

mkdir -p "$KDIR" "$DEBS"
nvc_step_start "lock $KDIR/.lock"
exec 9>"$KDIR/.lock"
if ! flock -n 9; then
	echo "kernels.sh: another run holds $KDIR/.lock, waiting" >&2
	flock 9
fi
# we hold the lock: leftovers of interrupted runs can go
rm -rf "$KDIR"/.tmp-*
nvc_step_done

SUMMARY=
for id in $IDS; do
	spec "$id"
	dest=$KDIR/$id
	if [ -f "$dest/ready" ]; then
		nvc_step_start "$id: cached"
		if [ "${NVC_KERNELS_VERIFY:-0}" = 1 ]; then
			verify "$dest"
			nvc_step_done "$(cat "$dest/release"), hello.ko ok: $VERMAGIC"
		else
			nvc_step_done "$(cat "$dest/release")"
		fi
		SUMMARY="$SUMMARY$id $(cat "$dest/release") $dest/build
"
		continue
	fi
	if [ -e "$dest" ]; then
		echo "kernels.sh: $dest is incomplete (no ready stamp): rebuilding it" >&2
		rm -rf "$dest"
	fi

	nvc_step_start "$id: resolve"
	SOURCE_DEB=
	nvc_apt_update # private lists, if missing or older than 12 h
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
	SUMMARY="$SUMMARY$id $RELEASE $dest/build
"
done

printf '%s' "$SUMMARY" | while read -r id rel dir; do
	printf '[kernels] tree %-9s %-22s %s\n' "$id" "$rel" "$dir"
done
nvc_setup_finish
