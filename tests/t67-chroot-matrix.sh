#!/bin/sh
# SPDX-License-Identifier: MIT
# NVIDIA's real code built as a user of a Debian suite builds it: in a
# debootstrap chroot of the suite, against its own linux-headers-amd64
# package, with the compiler that built its kernel (tests/lib/chroot-matrix.sh
# runs tests/matrix.sh there: the same cells and the same judge as on the
# host).  Issue 10, on sid, whose gcc is Debian's newest (gcc-15 made C23 the
# default; NVIDIA open-gpu-kernel-modules #827):
#  - the chroot's headers were built by the chroot's gcc
#    (CONFIG_CC_VERSION_TEXT), and that gcc defaults to C23 or later while
#    the kernel passes -std=gnu11;
#  - every fixture, patched, builds there: both modules, modpost clean,
#    the headers' vermagic, the module BTF step run (the headers ship
#    vmlinux);
#  - NVIDIA's kernel-open glue of a tag whose conftest passes no -std
#    (535.161.07, ../shared) as a "+vgpu" cell: with the layer, NVIDIA's
#    conftest agrees with our probes and the vGPU objects build;
#  - the same with the layer's conftest -std line (0162, nvc-compat.Kbuild)
#    taken out of a private copy: the cell fails by the conftest diff, the
#    macros conftest got wrong named: gcc's C23 default, reproduced on
#    NVIDIA's real conftest.
# NVC_T67_SUITES (default sid) and NVC_T67_DRIVERS (default
# kernel-open-535.161.07) widen it; tests/chroot-matrix.sh (make
# matrix-chroot) is the maintainer's whole table.  Needs root, debootstrap,
# unshare, the network (the mirror) and ../shared.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/apt.sh"
. "$(dirname "$0")/lib/chroot.sh"
. "$(dirname "$0")/lib/chroot-matrix.sh"
W=$NVC_OUT/t67
rm -rf "$W"; mkdir -p "$W"
# shellcheck disable=SC2119 # no tools beyond the chroot's own
why=$(nvc_chroot_unusable)
[ -z "$why" ] || { skip "the chroot matrix $why"; exit 0; }
[ -n "${NVC_APT_MIRROR:-}" ] || { fail "the machine's apt sources name no Debian mirror (set NVC_APT_MIRROR)"; exit 0; }
SHARED=${NVC_SHARED:-$TOP/../shared}
tag=535.161.07
if [ ! -f "$SHARED/real/kernel-open/kernel-open-$tag.tar.xz" ]; then
	skip "no $SHARED/real/kernel-open/kernel-open-$tag.tar.xz (../shared is not in a user's clone)"
	exit 0
fi
drivers=${NVC_T67_DRIVERS:-kernel-open-$tag}

# tsv_field DIR FIELD: a field of the first row of DIR/matrix.tsv
# (driver, kernel ID, release, result, detail, ...)
tsv_field() { awk -F'\t' -v f="$2" 'NR == 1 { print $f }' "$1/matrix.tsv" 2>/dev/null; }

for S in ${NVC_T67_SUITES:-sid}; do
	t0=$(date +%s)
	R=$W/$S/root L=$W/$S
	if ! cm_prepare "$S" "$R" "$L"; then
		fail "$S: $CM_ERR"
		continue
	fi
	[ -n "$CM_GCC" ] && [ "$CM_CC" = "$CM_GCC" ] &&
		pass "$S: Linux $CM_REL's headers package was built by the chroot's compiler ($CM_CC)" ||
		fail "$S: CONFIG_CC_VERSION_TEXT '$CM_CC', the chroot's: '$CM_GCC'"
	# the compiler's own default C standard, and the kernel's
	std=$(nvc_in_root "$R" "${CM_CC%% *}" -dM -E -x c /dev/null 2>/dev/null |
		sed -n 's/^#define __STDC_VERSION__ \([0-9]*\)L$/\1/p')
	kstd=$(grep -ho -- '-std=[a-z0-9]*' "$R/usr/src/linux-headers-$CM_REL/Makefile" \
		"$R"/usr/src/linux-headers-*-common*/Makefile 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')
	echo "# $S: Linux $CM_REL, ${CM_CC%% *}: __STDC_VERSION__ $std by default; the kernel passes ${kstd:-?}"
	c23=0
	[ -n "$std" ] && [ "$std" -ge 202311 ] && c23=1
	# every fixture, patched, with the suite's compiler and headers (whose
	# vmlinux makes Kbuild run the module BTF step, which the host's
	# prepared trees skip)
	for v in ${NVC_T67_FIXTURES:-535.161.05 550.54.16 550.144.02 570.133.10 580.65.05 595.45.04}; do
		cm_fixture "$R" "$v" "$L"
		[ "$CM_RES" = built ] && pass "$S: $v fixture patched, ${CM_CC%% *}: $CM_DET ($CM_SECS s)" ||
			fail "$S: $v fixture patched, ${CM_CC%% *}: $CM_DET"
	done
	# with the layer
	cm_matrix "$R" "$S" nvc "$L/with" "$drivers" || :
	res=$(tsv_field "$L/with" 4) det=$(tsv_field "$L/with" 5)
	case $res:$det in
	built:*"conftest agrees with our probes"*)
		pass "$S: kernel-open $tag +vgpu with the layer, ${CM_CC%% *}: built, $(printf '%s' "$det" | sed 's/.*; conftest/conftest/')" ;;
	*) fail "$S: kernel-open $tag with the layer: ${res:-no result}: ${det:-$(tail -n 3 "$L/with.out")}" ;;
	esac
	# without the layer's -std line
	if ! cm_variant "$R" nostd '/^NV_CONFTEST_CFLAGS += \$(filter -std=%,\$(KBUILD_CFLAGS))$/d' compat/nvc-compat.Kbuild; then
		fail "$S: the -std line (0162) is not in nvc-compat.Kbuild as this test expects"
		continue
	fi
	cm_matrix "$R" "$S" nostd "$L/nostd" "$drivers" || :
	res=$(tsv_field "$L/nostd" 4) det=$(tsv_field "$L/nostd" 5)
	if [ "$c23" = 1 ]; then
		case $res:$det in
		failed:"NVIDIA's conftest misdetects: "*)
			pass "$S: without the layer's -std line, NVIDIA's conftest under ${CM_CC%% *}'s C23 default misdetects: $(printf '%s' "$det" | cut -c1-240)" ;;
		*) fail "$S: without the -std line, expected the conftest diff to fail (C23 default): $res: $det" ;;
		esac
	else
		# an older gcc (gnu17 default): the line changes nothing
		[ "$res" = built ] && pass "$S: ${CM_CC%% *} defaults to $std, not C23: built without the -std line too" ||
			fail "$S: without the -std line, $res on a pre-C23 compiler: $det"
	fi
	echo "# $S: $(($(date +%s) - t0)) s"
	if [ "$(grep -c "^fail $_t_name: $S: " "$NVC_RESULTS" 2>/dev/null)" = 0 ]; then
		rm -rf "$R"
	fi
done
