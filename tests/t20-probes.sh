#!/bin/sh
# SPDX-License-Identifier: MIT
# Compile probes against real kernel trees: each gate must flip at the
# release that made the upstream change (Debian kernels carry no backport of
# these), and the runner must reuse its result only for the same kernel;
# the make-level gates of nvc-compat.Kbuild (0155, 0161, 0162, 0163) at the end.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t20
rm -rf "$W"; mkdir -p "$W"

# version_ge A B: is kernel release A >= B (major.minor)?
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}
# probe NAME present-before RELEASE: the API exists before RELEASE, not from it.
# probe NAME present-from RELEASE: the API exists from RELEASE on.
expectations='
NVC_BUS_TYPE_HAS_IOMMU_OPS before 6.8
NVC_EVENTFD_SIGNAL_HAS_COUNTER_ARG before 6.8
NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER before 6.13
NVC_NO_LLSEEK_PRESENT before 6.12
NVC_VFIO_DEVICE_OPS_HAS_DETACH_IOAS from 6.6
NVC_DEV_IOMMU_HAS_IOMMU_DEV from 5.8
NVC_LINUX_OF_GPIO_H_PRESENT before 7.1
'
for id in $(kernel_ids); do
	kernel_ready "$id" || { fail "kernel tree $id is not prepared"; continue; }
	rel=$(kernel_release "$id")
	t0=$(date +%s%N)
	if ! "$VC" probe --kernel "$(kernel_build "$id")" >"$W/$id.txt" 2>"$W/$id.err"; then
		fail "probes run against $id"; cat "$W/$id.err"; continue
	fi
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	pass "probes run against $id ($ms ms)"
	# One compiler for all the probes (one more per header the kernel
	# lacks), giving the answers of one compiler per probe.
	: >"$W/$id.cc-count"
	NVC_PROBE_COUNT="$W/$id.cc-count" "$VC" probe --kernel "$(kernel_build "$id")" >"$W/$id.again.txt" 2>&1 || :
	n=$(wc -l <"$W/$id.cc-count")
	# the headers the probes include that the kernel lacks (a headers
	# package's build/Makefile includes the source tree's Makefile)
	kb=$(kernel_build "$id")
	ks=$(sed -n 's|^include \(/.*\)/Makefile$|\1|p' "$kb/Makefile" | head -n 1)
	nh=$(awk '$1 == "#include" { h = $2; gsub(/[<>]/, "", h); print h }' "$TOP"/compat/probes/*.c |
		sort -u | while read -r h; do
			[ -e "$kb/include/$h" ] || [ -e "${ks:-$kb}/include/$h" ] || echo "$h"
		done | wc -l)
	[ "$n" -ge 1 ] && [ "$n" -le $((1 + nh)) ] && cmp -s "$W/$id.txt" "$W/$id.again.txt" &&
		pass "$id: $n compiler run(s) for $(set -- "$TOP"/compat/probes/*.c; echo $#) probes ($nh header(s) missing)" ||
		fail "$id: $n compiler runs for the probes, want 1 + $nh (missing headers); see $W/$id.again.txt"
	t0=$(date +%s%N)
	if NVC_PROBE_MODE=single "$VC" probe --kernel "$(kernel_build "$id")" >"$W/$id.single.txt" 2>"$W/$id.single.err"; then
		ms1=$(( ($(date +%s%N) - t0) / 1000000 ))
		cmp -s "$W/$id.txt" "$W/$id.single.txt" &&
			pass "$id: the probes in one unit answer as one compiler per probe ($ms ms; one by one $ms1 ms)" ||
			{ fail "$id: the probes in one unit and one by one differ"; diff "$W/$id.single.txt" "$W/$id.txt" | sed 's/^/    | /'; }
	else
		fail "probes one by one against $id"; cat "$W/$id.single.err"
	fi
	echo "$expectations" | while read -r name when at; do
		[ -n "$name" ] || continue
		if version_ge "$rel" "$at"; then newer=1; else newer=0; fi
		case $when in
		before) [ $newer = 1 ] && want=no || want=yes ;;
		from) [ $newer = 1 ] && want=yes || want=no ;;
		esac
		got=$(awk -v n="$name" '$2 == n { print $1 }' "$W/$id.txt")
		[ "$got" = "$want" ] && pass "$id: $name = $want" || fail "$id: $name = '$got', want $want"
	done
done

# The runner's cache: same kernel and probes -> the header is reused as is;
# another kernel release -> probes run again.
P=$W/cache
mkdir -p "$P/probes"
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_PROBE_BASELINE */\nint a(void);\nint a(void) { return 0; }\n' >"$P/probes/baseline.c"
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_T_YES */\nint b(void);\nint b(void) { return 0; }\n' >"$P/probes/yes.c"
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_T_NO */\nint c(void) { return undeclared_thing; }\n' >"$P/probes/no.c"
sh "$TOP/compat/nvc-probe.sh" gcc "-O0" "$P/probes" "$P/h" 1.0-test
grep -qx '#define NVC_T_YES 1' "$P/h" && grep -qx '/\* #undef NVC_T_NO \*/' "$P/h" &&
	pass "probe runner: compiles -> define, fails -> undef" || fail "probe runner results"
touch -d '2000-01-01' "$P/h"
sh "$TOP/compat/nvc-probe.sh" gcc "-O0" "$P/probes" "$P/h" 1.0-test
[ "$(stat -c %Y "$P/h")" = "$(date -d 2000-01-01 +%s)" ] && pass "probe runner: same kernel reuses the header" || fail "probe runner reran for the same kernel"
sh "$TOP/compat/nvc-probe.sh" gcc "-O0" "$P/probes" "$P/h" 2.0-test
grep -q 'NVC_PROBED_KERNEL_RELEASE "2.0-test"' "$P/h" && pass "probe runner: another kernel release reruns" || fail "probe runner kept a stale header"
# One unit for all probes: an error in a probe's file, a missing header
# (fatal: the unit again without that probe), an error in a header through
# a probe's macro: each is that probe's "no", the others are unaffected, in
# two compiler runs.  An error that names no probe: every probe on its
# own, the same answers.
# says HEADER YES... -- NO...: the header defines each YES and leaves each NO undefined.
says() {
	_h=$1; _want=yes; shift
	for _m in "$@"; do
		case $_m in
		--) _want=no ;;
		*) if [ $_want = yes ]; then grep -qx "#define $_m 1" "$_h"; else grep -qxF "/* #undef $_m */" "$_h"; fi || return 1 ;;
		esac
	done
}
B=$W/batch
mkdir -p "$B/probes" "$B/inc"
cp "$P/probes/"*.c "$B/probes/"
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_T_HDR */\n#include <nvc_t20_no_such_header.h>\nint d(void);\n' >"$B/probes/hdr.c"
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_T_MACRO */\n#include "m.h"\nNVC_T20_M(e)\n' >"$B/probes/macro.c"
printf '#define NVC_T20_M(x) int x(void) { return nvc_t20_undeclared; }\n' >"$B/inc/m.h"
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_T_ZZ */\nint z(void);\nint z(void) { return 0; }\n' >"$B/probes/zz.c"
: >"$B/count"
NVC_PROBE_COUNT=$B/count sh "$TOP/compat/nvc-probe.sh" gcc "-O0 -I$B/inc" "$B/probes" "$B/h" 5.0-test
says "$B/h" NVC_T_YES NVC_T_ZZ -- NVC_T_NO NVC_T_HDR NVC_T_MACRO && [ "$(cat "$B/count")" = "$(printf 'batch\nbatch')" ] &&
	pass "probe runner: one unit, a probe's error / missing header / error through its macro is that probe's 'no' (2 compiler runs)" ||
	{ fail "probe runner: one unit gave other answers or runs ($(tr '\n' ' ' <"$B/count"))"; cat "$B/h"; }
printf 'int nvc_t20_bad(void) { return nvc_t20_nope; }\n' >"$B/inc/bad.h"
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_T_BAD */\n#include "bad.h"\n' >"$B/probes/bad.c"
: >"$B/count"
NVC_PROBE_COUNT=$B/count sh "$TOP/compat/nvc-probe.sh" gcc "-O0 -I$B/inc" "$B/probes" "$B/h" 6.0-test
says "$B/h" NVC_T_YES NVC_T_ZZ -- NVC_T_BAD NVC_T_MACRO && grep -qx 'zz' "$B/count" &&
	pass "probe runner: an error that names no probe -> every probe on its own, same answers" ||
	{ fail "probe runner: no fallback to one compiler per probe ($(tr '\n' ' ' <"$B/count"))"; cat "$B/h"; }

printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_PROBE_BASELINE */\nint a(void) { return nope; }\n' >"$B/probes/baseline.c"
check_fails "probe runner: broken flags (baseline fails) in one unit is an error, not 'no'" 1 'baseline probe does not compile' \
	sh "$TOP/compat/nvc-probe.sh" gcc "-O0 -I$B/inc" "$B/probes" "$B/h4" 7.0-test
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_PROBE_BASELINE */\nint a(void) { return nope; }\n' >"$P/probes/baseline.c"
check_fails "probe runner: broken flags (baseline fails) is an error, not 'no'" 1 'baseline probe does not compile' \
	sh "$TOP/compat/nvc-probe.sh" gcc "-O0" "$P/probes" "$P/h2" 3.0-test
# The NVC_PROBE line is line 2 (line 1 is the SPDX line checkpatch wants):
# a probe with it anywhere else is an error, not a silent "no".
printf '// SPDX-License-Identifier: MIT\n/* NVC_PROBE: NVC_PROBE_BASELINE */\nint a(void);\nint a(void) { return 0; }\n' >"$P/probes/baseline.c"
printf '/* NVC_PROBE: NVC_T_YES */\nint b(void);\nint b(void) { return 0; }\n' >"$P/probes/yes.c"
check_fails "probe runner: a probe without its NVC_PROBE line on line 2 is an error" 2 'yes\.c lacks its NVC_PROBE line' \
	sh "$TOP/compat/nvc-probe.sh" gcc "-O0" "$P/probes" "$P/h3" 4.0-test

# The make-level gates of nvc-compat.Kbuild, read back from a throw-away
# external module whose Kbuild sets what NVIDIA's sets and includes ours:
# NVIDIA's conftest gets the kernel's -std (0162; every kernel) and its
# -fms-extensions (0155; where the kernel has it, 6.19 on); a cmd_symlink
# without $(abspath) is replaced (0161), one with it left alone.
for id in $(kernel_ids); do
	kernel_ready "$id" || continue
	for form in plain abspath; do
		M=$W/kbuild-$id-$form
		rm -rf "$M"; mkdir -p "$M"
		if [ $form = plain ]; then sl='ln -sf $< $@'; else sl='ln -sf $(abspath $<) $@'; fi
		cat >"$M/Kbuild" <<KB
NV_CONFTEST_CFLAGS = -DNVC_T20_NVIDIA
cmd_symlink = $sl
NVC_DIR := $TOP/compat
NVC_OUT := \$(obj)
include \$(NVC_DIR)/nvc-compat.Kbuild
\$(info NVC-T20 conftest: \$(NV_CONFTEST_CFLAGS))
\$(info NVC-T20 kbuild: \$(filter -std=% -fms-extensions -fms-anonymous-structs,\$(KBUILD_CFLAGS)))
\$(info NVC-T20 symlink: \$(value cmd_symlink))
KB
		make -s -C "$(kernel_build "$id")" M="$M" modules >"$M.log" 2>&1 || :
		cf=$(sed -n 's/^NVC-T20 conftest: //p' "$M.log" | head -n 1)
		kf=$(sed -n 's/^NVC-T20 kbuild: //p' "$M.log" | head -n 1)
		sy=$(sed -n 's/^NVC-T20 symlink: //p' "$M.log" | head -n 1)
		if [ $form = plain ]; then
			ok=1
			case " $cf " in *" -DNVC_T20_NVIDIA "*) ;; *) ok=0 ;; esac
			for f in $kf; do case " $cf " in *" $f "*) ;; *) ok=0 ;; esac; done
			case " $kf " in *" -std="*) ;; *) ok=0 ;; esac
			[ $ok = 1 ] && pass "$id: NVIDIA's conftest flags get the kernel's $kf" ||
				fail "$id: conftest flags '$cf', the kernel's '$kf' (see $M.log)"
		fi
		case $form:$sy in
		plain:'ln -sf $(abspath $<) $@') pass "$id: 'ln -sf \$< \$@' becomes 'ln -sf \$(abspath \$<) \$@'" ;;
		abspath:'ln -sf $(abspath $<) $@') pass "$id: a cmd_symlink with \$(abspath) is left as it is" ;;
		*) fail "$id: cmd_symlink ($form) is now '$sy'" ;;
		esac
	done
done

# 0163: objtool on a linked nvidia.o holding a prebuilt core with bare
# returns (as NVIDIA's nv-kernel.o_binary: compiled without the kernel's
# return thunks), with the kernel's CONFIG_OBJTOOL_WERROR set (on make's
# command line: it only adds objtool's --werror).  Where the kernel
# checks the linked object and has the option, nvidia.o fails without
# the layer's line; with it nvidia.ko is built and objtool still ran on
# nvidia.o (its warning is there).  Without the option set, both build.
for id in $(kernel_ids); do
	kernel_ready "$id" || continue
	M=$W/objtool-$id
	rm -rf "$M"; mkdir -p "$M"
	printf '\t.text\n\t.globl nvc_t20_core\n\t.type nvc_t20_core, @function\nnvc_t20_core:\n\txorl %%eax, %%eax\n\tret\n\t.size nvc_t20_core, .-nvc_t20_core\n\t.section .note.GNU-stack,"",@progbits\n' >"$M/core.S"
	gcc -c -o "$M/core.o_binary" "$M/core.S"
	printf '// SPDX-License-Identifier: MIT\n#include <linux/module.h>\nint nvc_t20_core(void);\nstatic int __init nvc_t20_init(void) { return nvc_t20_core(); }\nmodule_init(nvc_t20_init);\nMODULE_LICENSE("Dual MIT/GPL");\n' >"$M/glue.c"
	cat >"$M/Kbuild" <<KB
obj-m := nvidia.o
nvidia-y := glue.o core.o
cmd_symlink = ln -sf \$(abspath \$<) \$@
\$(obj)/core.o: \$(src)/core.o_binary FORCE
	\$(call if_changed,symlink)
ifneq (\$(NVC_T20_LAYER),)
NVC_DIR := $TOP/compat
NVC_OUT := \$(obj)
include \$(NVC_DIR)/nvc-compat.Kbuild
endif
KB
	ob() { # ob NAME MAKE-ARGS...: build, rc in $M.NAME.rc
		_n=$1; shift
		rm -f "$M/nvidia.ko" "$M/nvidia.o"
		make -C "$(kernel_build "$id")" M="$M" "$@" modules >"$M.$_n.log" 2>&1 && echo 0 >"$M.$_n.rc" || echo 1 >"$M.$_n.rc"
		[ -f "$M/nvidia.ko" ] || echo 1 >"$M.$_n.rc"
	}
	naked="nvidia\.o: (warning|error): objtool: nvc_t20_core.*'naked' return"
	ob plain
	ob werror CONFIG_OBJTOOL_WERROR=y
	ob layer CONFIG_OBJTOOL_WERROR=y NVC_T20_LAYER=1
	if ! grep -Eq "$naked" "$M.plain.log"; then
		[ "$(cat "$M.plain.rc")" = 0 ] && [ "$(cat "$M.layer.rc")" = 0 ] &&
			skip "$id: objtool does not check the linked nvidia.o here (no IBT/LTO/KLP_BUILD delay), nothing for 0163 to do" ||
			fail "$id: the objtool test module did not build (see $M.plain.log, $M.layer.log)"
	elif [ "$(cat "$M.werror.rc")" = 0 ]; then
		[ "$(cat "$M.layer.rc")" = 0 ] &&
			skip "$id: the kernel has no CONFIG_OBJTOOL_WERROR (6.15+): objtool's findings on nvidia.o are warnings anyway" ||
			fail "$id: with the layer the objtool test module did not build (see $M.layer.log)"
	else
		grep -Eq "nvidia\.o: error: objtool: nvc_t20_core.*'naked' return" "$M.werror.log" &&
			pass "$id: control: CONFIG_OBJTOOL_WERROR fails nvidia.o on a core with bare returns" ||
			fail "$id: control failed otherwise (see $M.werror.log)"
		[ "$(cat "$M.layer.rc")" = 0 ] && grep -Eq "nvidia\.o: warning: objtool: nvc_t20_core.*'naked' return" "$M.layer.log" &&
			pass "$id: 0163: with CONFIG_OBJTOOL_WERROR nvidia.ko is built, objtool still checks nvidia.o (warning)" ||
			fail "$id: 0163: with the layer (see $M.layer.log)"
	fi
done

# Per-object includes (nvc-needs.sh): an object gets, force-included, only
# the headers that define the nvc_ / NVC_ names its source reaches, through
# its own text and the headers it includes (transitively, by name); one
# that reaches none compiles as NVIDIA's own objects do.  A computed include
# (#include MACRO) reaches every name the tree uses, unless MACRO is
# defined nowhere.  NVC_PER_OBJECT=n (KUnit): all of nvc-compat.h, as before.
# The module must build either way.
for id in $(kernel_ids); do
	kernel_ready "$id" || continue
	for mode in y n; do
		M=$W/needs-$id-$mode
		rm -rf "$M"; mkdir -p "$M/sub"
		printf '#include <linux/module.h>\n#include <linux/string.h>\nchar *nvct_a(char *d, const char *s);\nchar *nvct_a(char *d, const char *s) { return nvc_strncpy(d, s, 4); }\nMODULE_LICENSE("Dual MIT/GPL");\n' >"$M/a.c"
		printf '#include "x.h"\nint nvct_b(void);\nint nvct_b(void) { return nvct_x(); }\n' >"$M/b.c"
		printf '#include "sub/y.h"\n' >"$M/x.h"
		printf '#include <linux/preempt.h>\nstatic inline int nvct_x(void) { return nvc_in_hardirq(); }\n' >"$M/sub/y.h"
		printf '#include "z.h"\nint nvct_c(void);\nint nvct_c(void) { return Z; }\n' >"$M/c.c"
		printf '#define Z 3\n' >"$M/z.h"
		printf '#include <linux/stddef.h>\n#include "nvc-of-gpio.h"\nint nvct_d(void);\nint nvct_d(void) { return nvc_of_get_named_gpio(NULL, "x", 0); }\n' >"$M/d.c"
		printf '#include "cfg.h"\nint nvct_e(void);\nint nvct_e(void) { return CFGV; }\n' >"$M/e.c"
		printf '#include T20_CFG\n' >"$M/cfg.h"
		printf '#define CFGV 5\n' >"$M/cfg2.h"
		printf '#include "lib.h"\nint nvct_f(void);\nint nvct_f(void) { return 6; }\n' >"$M/f.c"
		printf '#ifdef T20_NEVER_DEFINED_CFG\n#include T20_NEVER_DEFINED_CFG\n#endif\n' >"$M/lib.h"
		cat >"$M/Kbuild" <<KB
obj-m := nvct.o
nvct-y := a.o b.o c.o d.o e.o f.o
NV_OBJECTS_DEPEND_ON_CONFTEST := \$(nvct-y)
CFLAGS_e.o += -DT20_CFG='"cfg2.h"'
NVC_DIR := $TOP/compat
NVC_OUT := \$(obj)
NVC_PER_OBJECT := $mode
include \$(NVC_DIR)/nvc-compat.Kbuild
KB
		if ! make -C "$(kernel_build "$id")" M="$M" modules >"$M.log" 2>&1 || [ ! -f "$M/nvct.ko" ]; then
			fail "$id: per-object includes ($mode): the test module did not build (see $M.log)"
			continue
		fi
		got=''
		for o in a b c d e f; do
			h=$(grep -o -- '-include [^ ]*/nvc-[a-z-]*\.h' "$M/.$o.o.cmd" | sed 's|.*/||' | tr '\n' '+')
			got="$got $o:${h%+}"
		done
		if [ $mode = y ]; then
			want=' a:nvc-probes.h+nvc-string.h b:nvc-probes.h+nvc-preempt.h c: d:nvc-probes.h e:nvc-probes.h+nvc-preempt.h+nvc-string.h f:'
		else
			want=' a:nvc-compat.h b:nvc-compat.h c:nvc-compat.h d:nvc-compat.h e:nvc-compat.h f:nvc-compat.h'
		fi
		[ "$got" = "$want" ] &&
			pass "$id: per-object includes (NVC_PER_OBJECT=$mode):$got" ||
			fail "$id: per-object includes (NVC_PER_OBJECT=$mode):$got, want$want"
	done
done

# Each per-area header now comes alone (after nvc-probes.h) into the objects
# that need it: each must compile on its own, first in a unit, on every kernel.
for id in $(kernel_ids); do
	kernel_ready "$id" || continue
	M=$W/alone-$id
	rm -rf "$M"; mkdir -p "$M"
	objs=''
	for h in $(sed -n 's/^#include "\(nvc-[a-z-]*\.h\)".*/\1/p' "$TOP/compat/nvc-compat.h" | grep -vx nvc-probes.h) nvc-of-gpio.h; do
		n=$(echo "${h%.h}" | tr - _)
		printf '#include "nvc-probes.h"\n#include "%s"\n' "$h" >"$M/$n.c"
		objs="$objs $n.o"
	done
	printf '#include <linux/module.h>\nMODULE_LICENSE("Dual MIT/GPL");\n' >"$M/main.c"
	cat >"$M/Kbuild" <<KB
obj-m := nvct.o
nvct-y := main.o$objs
NV_OBJECTS_DEPEND_ON_CONFTEST := \$(nvct-y)
NVC_DIR := $TOP/compat
NVC_OUT := \$(obj)
include \$(NVC_DIR)/nvc-compat.Kbuild
KB
	if make -C "$(kernel_build "$id")" M="$M" modules >"$M.log" 2>&1 && [ -f "$M/nvct.ko" ]; then
		pass "$id: each of the $(echo "$objs" | wc -w | tr -d " ") per-area headers compiles alone after nvc-probes.h"
	else
		fail "$id: a per-area header does not compile alone: $(grep -m 3 -E 'error:' "$M.log" | tr '\n' ' ')"
	fi
done
