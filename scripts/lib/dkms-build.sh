# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, dkms-build and dkms-done: what DKMS runs for each kernel.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# DKMS builds.  dkms 3.0.10 (and later) copies the source tree into one
# directory per module version, /var/lib/dkms/<module>/<version>/build, for
# every kernel: it removes that directory when a build starts and when it
# ends, so two builds for two kernels at the same time delete each other's
# files.  Ours therefore builds in a directory of its own per kernel,
# build.nvc-<kernel> next to DKMS's, one build of a version at a time (the
# others wait), and tells DKMS where the modules are (BUILT_MODULE_LOCATION
# in dkms.conf).  See docs/DESIGN.md.

# The makefile MAKE[0] in dkms.conf runs (written into the DKMS tree by import).
dkms_makefile() {
	printf '%s\n' \
		"# Written by vgpu-compat import: MAKE[0] in dkms.conf runs it." \
		"modules:" \
		"	@sh '\$(NVC_DKMS_DIR)/source/scripts/vgpu-compat' dkms-build '\$(KVER)' '\$(KDIR)' '\$(NVC_DKMS_DIR)'"
}

# dkms-build RELEASE KDIR DKMS_DIR: run by DKMS (its make step), in its
# build directory, with make.log as stdout.
cmd_dkms_build() {
	[ $# = 3 ] || usage
	kver=$1 kdir=$2 r=$3
	# Both become paths: a release has no "/" and is not "." or "..";
	# the version is digits and dots.
	case $kver in ""|*/*|.|..|-*) die 2 "dkms-build: '$kver' is not a kernel release" ;; esac
	valid_version "${r##*/}" || die 2 "dkms-build: $r does not end in a driver version (digits and dots)"
	n=$r/build p=$r/build.nvc-$kver
	[ -f "$r/source/dkms.conf" ] && [ -d "$r/source/kernel" ] ||
		die 3 "$r is not the DKMS directory of an nvidia-vgpu-compat driver (no source/dkms.conf)"
	ver=${r##*/}
	# DKMS checks the modules relative to its working directory, its build
	# directory (".." of it works even after another build removed it).  When
	# another build started at the same moment, DKMS may not have got there.
	case $(readlink "/proc/$$/cwd") in
	"$(cd "$r" && pwd -P)/build"|"$(cd "$r" && pwd -P)/build (deleted)") ;;
	*)
		dkms_tell "DKMS is not in its build directory $n: another DKMS build of nvidia-vgpu-compat/$ver started at the same moment and replaced it. Nothing was built for Linux $kver; run: dkms build -m nvidia-vgpu-compat -v $ver -k $kver"
		dkms_log_back "$n"
		exit 1 ;;
	esac
	exec 8<"$r"
	if command -v flock >/dev/null 2>&1 && ! flock -n 8; then
		echo "$prog: another DKMS build of nvidia-vgpu-compat/$ver (for another kernel) is running: waiting for it to finish; this one then builds in $p"
		if ! flock -w 7200 8; then
			dkms_tell "another DKMS build of nvidia-vgpu-compat/$ver has been running for two hours; nothing was built for Linux $kver: run dkms build -m nvidia-vgpu-compat -v $ver -k $kver when it has finished"
			exit 1
		fi
	fi
	# Two dkms runs for the same kernel: the first one has built it.
	[ ! -d "$r/$kver" ] ||
		die 6 "nvidia-vgpu-compat/$ver was built for Linux $kver by another dkms run meanwhile ($r/$kver); nothing to do"
	rm -rf "$p"
	if ! err=$(cp -a "$r/source/." "$p" 2>&1); then
		rm -rf "$p"
		die 6 "could not copy $r/source to $(write_failed "$p" "$(printf '%s\n' "$err" | head -n 1)")"
	fi
	echo "$prog: building nvidia-vgpu-compat/$ver for Linux $kver in $p"
	rc=0
	(unset MAKEFLAGS MFLAGS MAKELEVEL; exec make -C "$p" KVER="$kver" KDIR="$kdir" modules 8<&-) || rc=$?
	if [ $rc != 0 ]; then
		rm -rf "$p"
	elif [ ! -x "$n/scripts/vgpu-compat" ]; then
		# A build that started meanwhile and ended before us removed
		# DKMS's directory: DKMS reaches the modules through it and runs
		# POST_BUILD from it.
		mkdir -p "$n" && cp -a "$r/source/scripts" "$n/"
	fi
	dkms_log_back "$n"
	# a failed build: make's output above says why
	said
	exit $rc
}

# dkms_tell MESSAGE: an error, into make.log (our stdout) and, since DKMS
# shows the user only "consult make.log" and another build may remove that
# before anyone reads it, also onto the stderr of the dkms command (the
# outermost "dkms" process above us; appended, never truncated).
dkms_tell() {
	said
	echo "$prog: error: $1"
	dt_p=$$ dt_top=''
	while dt_p=$(sed -n 's/^.*) . \([0-9]*\) .*$/\1/p' "/proc/$dt_p/stat" 2>/dev/null) &&
	      [ -n "$dt_p" ] && [ "$dt_p" -gt 1 ]; do
		if [ "$(cat "/proc/$dt_p/comm" 2>/dev/null)" = dkms ]; then
			dt_top=$dt_p
		elif [ -n "$dt_top" ]; then
			break
		fi
	done
	[ -z "$dt_top" ] || printf '%s: error: %s\n' "$prog" "$1" >>"/proc/$dt_top/fd/2" 2>/dev/null || true
}

# dkms_log_back BUILD_DIR: DKMS keeps (or, after a failure, tells to read)
# BUILD_DIR/make.log, which is our stdout unless a build that started
# meanwhile replaced BUILD_DIR: then put ours there.
dkms_log_back() {
	[ -f "/proc/$$/fd/1" ] && [ -d "$1" ] || return 0
	# shellcheck disable=SC3013 # -ef: dash, bash, busybox all have it
	[ ! "/proc/$$/fd/1" -ef "$1/make.log" ] || return 0
	cp "/proc/$$/fd/1" "$1/make.log.nvc-new" 2>/dev/null &&
		mv -f "$1/make.log.nvc-new" "$1/make.log"
}

# dkms-done DKMS_DIR RELEASE: POST_BUILD, after DKMS has copied the modules.
cmd_dkms_done() {
	[ $# = 2 ] || usage
	case $2 in ""|*/*|.|..) usage ;; esac
	rm -rf "${1:?}/build.nvc-$2"
}
