#!/bin/sh
# SPDX-License-Identifier: MIT
#
# nvc-pahole.sh [PAHOLE ARGUMENTS...]
#
# The pahole that the kernel's module build runs to generate the BTF of the
# NVIDIA modules.  The driver's kernel/Makefile (patch 0154-pahole-gen-btf)
# passes PAHOLE="sh <kernel/>nvidia-vgpu-compat/nvc-pahole.sh" where it
# used to pass PAHOLE="awk '<program>'", an awk program that ran pahole
# with C++ added to every --lang_exclude= list (nvidia-modeset has C++
# objects) and exited 0 whatever pahole returned.
#
# 7.0 change: commit 522397d05e7d ("resolve_btfids: Change in-place update
# with raw binary output") moved the module BTF step from a make recipe,
# "$(PAHOLE) -J ...", where the shell honours the quotes of the awk program,
# into scripts/gen-btf.sh, which expands ${PAHOLE} unquoted: the program is
# split into words, awk fails with a syntax error and so does every module
# build against a kernel tree with a vmlinux (Debian's and Proxmox's headers
# ship one for module BTF).  (The kernel's scripts/pahole-flags.sh, whose
# presence made NVIDIA's Makefile leave PAHOLE alone, is long gone: it was
# folded into scripts/Makefile.btf before 6.12.)  "sh <path>" survives the
# word splitting as long as the path has no blanks, which Kbuild's M=
# requires anyway.
#
# This script does what the awk program did: each --lang_exclude=LIST
# becomes --lang_exclude=LIST,c++,c++11, every other argument is passed on
# unchanged (quoting kept), pahole is run (${NVC_PAHOLE:-pahole}), and the
# exit status is 0, with a warning when pahole failed.
n=$#
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	case $a in
	--lang_exclude=*) a="$a,c++,c++11" ;;
	esac
	set -- "$@" "$a"
	n=$((n - 1))
done
"${NVC_PAHOLE:-pahole}" "$@" || {
	echo "nvc-pahole.sh: warning: ${NVC_PAHOLE:-pahole} exited with status $? (ignored, as NVIDIA's own wrapper did)" >&2
}
exit 0
