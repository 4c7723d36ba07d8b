# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, the helpers every verb uses: messages and exit codes, temporary directories, usage, driver trees and the driver check.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

prog=vgpu-compat
tmpdirs=

# Every way out with a status other than 0 says why: die, usage, the
# verbs that print a result (preflight) or a build's output (dkms-build)
# set nvc_said (a die in a $(...) subshell leaves a mark in $tmp); any other
# non-zero exit is a command that failed under set -e where none should,
# and cleanup says so instead of exiting silently.
nvc_said=0
said() { nvc_said=1; [ -z "${tmp:-}" ] || : >"$tmp/.nvc-said" 2>/dev/null || :; }

die() { # die CODE MESSAGE...
	code=$1; shift
	said
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit "$code"
}
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
say() { [ "${quiet:-0}" = 1 ] || printf '%s\n' "$*"; }

# Everything we create gets the modes we choose (0644 files, 0755 dirs and
# scripts), whatever umask the caller had: DKMS and the kernel hook run what
# import writes as root.
umask 022

# The temporary directories of this run, one per line (a path may hold
# spaces or glob characters, never a newline: mktmp refuses that).
cleanup() {
	cl_rc=$?
	if [ "$cl_rc" != 0 ] && [ "$nvc_said" = 0 ] && { [ -z "${tmp:-}" ] || [ ! -e "$tmp/.nvc-said" ]; }; then
		printf '%s: error: internal error: "%s %s" stopped with exit %s without saying why (a command failed where none should); this is a bug: please report it with the output of the same command run as: sh -x %s %s ...\n' \
			"$prog" "$prog" "${cmd:-}" "$cl_rc" "${self:-vgpu-compat}" "${cmd:-}" >&2
	fi
	[ -n "$tmpdirs" ] || return 0
	printf '%s\n' "$tmpdirs" | while IFS= read -r d; do
		[ -z "$d" ] || rm -rf -- "$d"
	done
}
trap cleanup EXIT
trap 'nvc_said=1; exit 130' INT
trap 'nvc_said=1; exit 143' TERM

mktmp() { # sets $tmp to a new private (0700) temporary directory
	case ${TMPDIR:-/tmp} in *"
"*) die 2 "TMPDIR contains a newline; point it to a plain directory" ;; esac
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-compat.XXXXXX") ||
		die 6 "cannot create a temporary directory in ${TMPDIR:-/tmp}"
	case $tmp in /*) ;; *) tmp=$(pwd)/$tmp ;; esac
	tmpdirs="$tmpdirs
$tmp"
}

# tmp_full WHAT: a write into $tmp failed: when there is no room left there
# (a 64 KiB probe, shell builtins only), say so and exit 6; else return.
tmp_full() {
	if ! { printf '%65536s' '' >"$tmp/.room"; } 2>/dev/null; then
		: >"$tmp/.room" 2>/dev/null || true
		die 6 "no room left in ${TMPDIR:-/tmp} for $1 (disk full?); nothing was changed: free some space there or point TMPDIR to a directory with room"
	fi
	: >"$tmp/.room"
}

# write_failed WHAT ERRLINE: the words after "could not write WHAT" for a
# failed write whose first error line (from cp, mkdir, mv) is ERRLINE:
# "(disk full?)" only when the system said so; a name too long for the
# file system says to shorten the path; else the error itself.
write_failed() {
	case $2 in
	*"No space left"*|*"Disk quota"*|"") printf '%s (disk full?): %s' "$1" "$2" ;;
	*"File name too long"*) printf '%s: a path would be longer than the file system allows (%s): use a shorter directory' "$1" "$2" ;;
	*) printf '%s: %s' "$1" "$2" ;;
	esac
}

usage() {
	cat >&2 <<EOF
usage: $prog COMMAND [ARGS]

  import <NVIDIA-...-vgpu-kvm.run | extracted driver dir> [--prefix DIR]
         [--flavor proprietary|open] [--kernel RELEASE]... [--no-dkms]
         [--allow-non-vgpu (with --no-dkms)]
        Check the driver (without running the .run) and create the DKMS source
        tree DIR/nvidia-vgpu-compat-<version> (DIR defaults to /usr/src), its
        kernel/ (and kernel-open/, from 550 on) rewritten once for every
        kernel; DKMS builds the --flavor (default proprietary: kernel/);
        into /usr/src as root, also register it with DKMS and build and
        install the modules for the running kernel or each --kernel.
  flavor <version> [proprietary|open] [--prefix DIR] [--kernel RELEASE]...
        Show which flavour DKMS builds, or switch: rebuild and reinstall
        through DKMS for every kernel the modules are installed for; a
        kernel keeps its modules until the new ones built (exit 7 and
        nothing changed when they do not build).
  apply <driver kernel/ dir> [--kernel <kernel build dir>] [--dry-run] [--allow-foreign-tree]
        [--allow-non-vgpu] [--if-changed]
        Patch the tree for every kernel; all or nothing; idempotent.  Refuses
        (exit 5, nothing changed) when a use of an old kernel API that no
        patch covers would be left ("residue", one line per use).
        --if-changed: do nothing when the tree is as import rewrote it
        (its .nvc-rewritten checksums match); DKMS builds use it.
        As root, a tree another user owns or can write is refused (exit 6);
        --allow-foreign-tree: work on it as the user who owns it.
  status [--allow-non-vgpu] [--allow-foreign-tree] <driver kernel/ dir>
        One line per known kernel break: needed, fixed-natively, applied,
        not-applicable or conflict; then any residue.
  export --driver <driver dir or kernel/ dir> --format quilt|mbox|run-patch --out <dir>
        [--flavor proprietary|open] [--allow-non-vgpu]
        Write the series this driver needs, for distribution maintainers
        (--flavor open: for its kernel-open/ tree).
        --allow-non-vgpu: also take an NVIDIA tree without nvidia-vgpu-vfio/
        (a distribution's nvidia.ko sources).
  probe --kernel <kernel build dir>
        Run the compile probes against a kernel and print the results.
  preflight [--kernel <release or build dir>] [--driver <dir>]...
        Before a reboot: will the installed driver build and load on a kernel?
  version

Exit status: 0 ok, 2 usage, 3 bad input, 4 unsupported driver (or flavour), 5 patch
does not apply or residue, 6 cannot write, 7 kernel problem (flavor: does not
build), 1 internal error.
EOF
	said
	exit 2
}

# ---------------------------------------------------------------------------
# Driver trees

# kdir_of PATH: the kernel/ directory of a driver top dir, or PATH itself.
kdir_of() {
	if [ -f "$1/kernel/Kbuild" ]; then
		printf '%s\n' "$1/kernel"
	else
		printf '%s\n' "$1"
	fi
}

# take_tree ARG: the tree argument of apply and status: $kd, the kernel/
# dir of ARG, checked (usage error without one).
take_tree() {
	[ -n "$1" ] || usage
	kd=$(kdir_of "$1")
	check_kernel_tree "$kd"
}

# is_driver_tree DIR: DIR looks like an NVIDIA driver's kernel/ (or
# kernel-open/) tree: its Kbuild and nvidia/ are there.
is_driver_tree() { [ -f "$1/Kbuild" ] && [ -d "$1/nvidia" ]; }

check_kernel_tree() { # check_kernel_tree DIR
	[ -d "$1" ] || die 3 "'$1' does not exist or is not a directory"
	if ! is_driver_tree "$1"; then
		die 3 "'$1' is not an NVIDIA driver kernel/ tree (no Kbuild and nvidia/ in it); pass the kernel/ directory of an extracted NVIDIA-Linux-x86_64-<version>-vgpu-kvm driver"
	fi
	# Every reader (awk, grep, patch, cp) would hang on a FIFO or read a
	# device for ever: none in the tree, not even behind a symbolic link.
	ck_x=$(find "$1" \( -type p -o -type c -o -type b -o -type s \
		-o -xtype p -o -xtype c -o -xtype b -o -xtype s \) -print -quit 2>/dev/null)
	[ -z "$ck_x" ] ||
		die 3 "$ck_x is not a regular file (a FIFO, device node or socket, or a symbolic link to one); vgpu-compat reads only regular files: remove it, or re-extract the driver"
	# A C file of the modules' sources that is a symbolic link: the
	# semantic patches and the residue check follow no link (grep -r,
	# find), so its code would be built without being rewritten or
	# checked, and a patch must not write through it (NVIDIA's trees have
	# none).
	# Only the directories the tree has: Debian's NVIDIA sources have no
	# nvidia-vgpu-vfio/, and find's exit 1 for a missing one ended every
	# command under set -e, silently, with exit 1.
	# A directory of them that is a symbolic link (the whole nvidia-vgpu-vfio/,
	# or one below): the same, for all the files in it.
	for ck_d in $NVC_RESIDUE_DIRS; do
		[ ! -L "$1/$ck_d" ] ||
			die 3 "$1/$ck_d is a symbolic link, not a directory of the tree; vgpu-compat rewrites and checks only the tree's own files, so its code would be built unchecked; nothing was changed: re-extract the driver's kernel/ tree"
	done
	ck_d=$(residue_dirs "$1")
	# shellcheck disable=SC2086 # our own directory names
	ck_x=$([ -z "$ck_d" ] || { cd "$1" && find $ck_d -type l \( -name '*.c' -o -name '*.h' -o -xtype d \) -print -quit 2>/dev/null; })
	[ -z "$ck_x" ] ||
		die 3 "$1/$ck_x is a symbolic link, not a regular file or directory of the tree; vgpu-compat rewrites and checks only the tree's own files, so its code would be built unchecked; nothing was changed: re-extract the driver's kernel/ tree"
}

# refuse_foreign KDIR: as root, without --allow-foreign-tree, refuse (exit
# 6) a tree that another user controls: one that owns or can write a file
# or directory in it, or a directory above it (except a sticky one like
# /tmp).  Such a user could plant symbolic links that make root write
# outside the tree.  With --allow-foreign-tree, go on as that user.
refuse_foreign() {
	[ "$(id -u)" = 0 ] || return 0
	rf_x=$(find "$1" ! -type l \( ! -user 0 -o \( -perm -020 ! -group 0 \) -o -perm -002 \) -print -quit 2>/dev/null)
	if [ -z "$rf_x" ]; then
		rf_d=$(cd "$1" && pwd -P)
		while [ "$rf_d" != / ] && [ -n "$rf_d" ]; do
			rf_d=$(dirname "$rf_d")
			if [ -n "$(find "$rf_d" -maxdepth 0 \( ! -user 0 -o \( -perm -020 ! -group 0 \) -o \( -perm -002 ! -perm -1000 \) \) -print)" ]; then
				rf_x=$rf_d
				break
			fi
		done
	fi
	[ -n "$rf_x" ] || return 0
	rf_who=$(stat -c '%U:%G, mode %a' "$rf_x" 2>/dev/null || echo '?')
	[ "${allow_foreign:-0}" = 1 ] ||
		die 6 "refusing to work as root on $1: $rf_x ($rf_who) is owned or writable by another user, who could make root write outside the tree. Nothing was changed. Give the tree to root (chown -R root:root DIR && chmod -R go-w DIR, for the tree and the directories above it), or run vgpu-compat as that user, or pass --allow-foreign-tree (root then works on it as the user who owns it)"
	# --allow-foreign-tree: no check made as root can stop that user from
	# swapping a directory of the tree for a link between the check and
	# the write.  So work as that user: the tree's owner, else the owner of
	# what was found; nothing root could be tricked into writing is then
	# writable.  A tree root owns but a group or everyone may write has no
	# one user to be, and as root that race stays open: refused.
	rf_u=$(stat -c %u "$1") rf_g=$(stat -c %g "$1")
	[ "$rf_u" != 0 ] || { rf_u=$(stat -c %u "$rf_x"); rf_g=$(stat -c %g "$rf_x"); }
	[ "$rf_u" != 0 ] ||
		die 6 "refusing to work on $1 even with --allow-foreign-tree: $rf_x ($rf_who) is root's, but a group or everyone may write it, so there is no one user to work as, and as root no check can stop that writer from swapping a directory for a link between the check and the write. Nothing was changed. Take the write permission away (chmod -R go-w DIR), or give the tree to the user who should change it (chown -R USER DIR) and pass --allow-foreign-tree again"
	as_owner "$rf_u" "$rf_g" "$1"
}

# nvc_quote ARG...: the arguments as one line of shell words, for eval
nvc_quote() {
	for nq_a in "$@"; do
		printf "'%s' " "$(printf '%s' "$nq_a" | sed "s/'/'\\\\''/g")"
	done
}

# as_owner UID GID KDIR: run this same command again as UID:GID (no other
# groups) and exit with its status.  That user runs a copy of our scripts,
# compat/ and patches/ that root made for it (private, root's, readable):
# wherever root's own copy is, and nothing the user could change.
# $NVC_ARGV: the command's words.
as_owner() {
	command -v setpriv >/dev/null 2>&1 ||
		die 6 "$3 belongs to uid $1 and --allow-foreign-tree makes root work on it as that user, but setpriv (util-linux) is missing; nothing was changed: install util-linux, or run vgpu-compat as that user"
	setpriv --reuid="$1" --regid="$2" --clear-groups -- sh -c 'test -d "$1" && test -w "$1" && test -x "$1"' nvc "$3" 2>/dev/null ||
		die 6 "$3 is another user's (uid $1), and --allow-foreign-tree makes root work on it as that user, who cannot write it from here (the tree belongs to someone else, or a relative path that user cannot reach); nothing was changed: pass the tree's absolute path, or fix its ownership"
	mktmp
	ao_s=$tmp
	if ! { mkdir "$ao_s/scripts" && cp -R "$NVC_LIB" "$ao_s/scripts/lib" &&
	       cp "$self" "$ao_s/scripts/vgpu-compat" && cp -R "$NVC_COMPAT" "$ao_s/compat" &&
	       cp -R "$NVC_PATCHES" "$ao_s/patches" && chmod -R go-w,a+rX "$ao_s"; } 2>"$ao_s/copy.err"; then
		die 6 "could not copy vgpu-compat for uid $1 into $ao_s: $(head -n 1 "$ao_s/copy.err" 2>/dev/null); nothing was changed"
	fi
	say "$3 belongs to $(id -nu "$1" 2>/dev/null || echo "uid $1"): working on it as that user, not as root (--allow-foreign-tree)"
	ao_rc=0
	eval "setpriv --reuid=\"\$1\" --regid=\"\$2\" --clear-groups -- env -u NVC_ROOT TMPDIR=/tmp HOME=/ sh \"\$ao_s/scripts/vgpu-compat\" $NVC_ARGV" || ao_rc=$?
	# the child said what happened
	nvc_said=1
	exit $ao_rc
}

# tree_regular DIR REL: DIR/REL is a regular file reached through real
# directories only (no symbolic link on the way, none at the end).
tree_regular() {
	tr_p=$1 tr_r=$2
	while :; do
		case $tr_r in
		../*|./*|/*) return 1 ;;
		*/*) tr_p=$tr_p/${tr_r%%/*}; tr_r=${tr_r#*/}
		     [ -d "$tr_p" ] && [ ! -L "$tr_p" ] || return 1 ;;
		*) break ;;
		esac
	done
	case $tr_r in ""|.|..) return 1 ;; esac
	[ -f "$tr_p/$tr_r" ] && [ ! -L "$tr_p/$tr_r" ]
}

driver_version() { # driver_version KDIR -> prints the version or nothing
	sed -n 's/.*-DNV_VERSION_STRING=\\"\([0-9][0-9.]*\)\\".*/\1/p' "$1/Kbuild" | head -n 1
}

# The vGPU-KVM branches whose sites the patches were written for, oldest
# first, and what vGPU release each is.
NVC_BRANCHES="535 550 570 580 595"
NVC_BRANCH_NAMES="535 = vGPU 16, 550 = vGPU 17, 570 = vGPU 18, 580 = vGPU 19, 595 = vGPU 20"

# check_driver KDIR WHAT: is this a driver we may patch?  The same check for
# import, apply, status and export: a vGPU-KVM driver (it has
# nvidia-vgpu-vfio/) of a branch we know.  WHAT names it in messages.  Sets
# $ver and $branch, and $newer_branch=1 for a branch newer than every one we
# know: the caller goes on only when the residue check is clean, and warns
# (newer_branch_warn), since only the old APIs we know are looked for.
# $allow_non_vgpu=1 (--allow-non-vgpu) accepts a tree without
# nvidia-vgpu-vfio/: a distribution's NVIDIA sources, which have the
# nvidia.ko sites (the tests patch Debian's that way).
check_driver() {
	if [ "${allow_non_vgpu:-0}" != 1 ] && [ ! -d "$1/nvidia-vgpu-vfio" ]; then
		die 4 "'$2' is not a vGPU-KVM driver (no kernel/nvidia-vgpu-vfio); this package is for NVIDIA-Linux-x86_64-<version>-vgpu-kvm.run, the host driver of NVIDIA vGPU${non_vgpu_hint:-}"
	fi
	ver=$(driver_version "$1")
	[ -n "$ver" ] || die 4 "cannot tell the driver version from $1/Kbuild"
	valid_version "$ver" || die 3 "'$2': the driver version in $1/Kbuild, '$ver', is not digits and dots like 550.54.16; the file is corrupt"
	branch=${ver%%.*} newer_branch=0
	case " $NVC_BRANCHES " in
	*" $branch "*) ;;
	*)
		if [ "$branch" -gt "${NVC_BRANCHES##* }" ] 2>/dev/null; then
			newer_branch=1
		else
			die 4 "driver $ver is from branch $branch, which nvidia-vgpu-compat does not know (known: $NVC_BRANCH_NAMES)"
		fi ;;
	esac
}

# valid_version V: digits and dots, like 550.54.16 (a version becomes a path).
valid_version() {
	case $1 in ""|*[!0-9.]*|.*|*.|*..*) return 1 ;; esac
	[ ${#1} -le 32 ]
}

newer_branch_warn() { # after a clean residue check of a newer branch
	[ "$newer_branch" = 1 ] || return 0
	warn "driver $ver is from branch $branch, newer than every branch nvidia-vgpu-compat knows ($NVC_BRANCH_NAMES); going on because no old kernel API it knows is left after patching, but breaks it does not know may remain: check the build, and look for a newer nvidia-vgpu-compat"
}
