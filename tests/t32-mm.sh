#!/bin/sh
# SPDX-License-Identifier: MIT
# The memory-management breaks of nvidia.ko, 6.10 ... 7.3 (topics 0100-0103):
#   0100 follow_pfn() removed (6.10): nvc_follow_pfn() in os-mlock.c
#   0101 __vma_start_write GPL-only behind vm_flags_set() (6.15): nv-mm.h
#   0102 VMA flags bitmap, no __vm_flags (6.19): nv-mm.h
#   0103 __is_vma_write_locked() / VMA_LOCK_OFFSET (7.0): nv-mmap.c
#
#  1. status of each topic in Debian's four real trees, pristine and after
#     apply; the patched sites call the wrappers; a second apply changes
#     nothing; the X-Native-Fix of 0100 knows NVIDIA's follow_pfnmap fix, and
#     0100 also patches NVIDIA's pre-6.10 nv_follow_pfn();
#  2. the probes on every prepared kernel;
#  3. a module with NVIDIA's licence that calls every wrapper builds and is
#     modpost clean on every kernel, while the old code fails where the
#     kernel changed (compile errors; modpost's GPL-only refusal of
#     __vma_start_write and follow_pfnmap_start);
#  4. real objects (NVC_T32_REAL=0 skips): os-mlock.o and nv-mmap.o of the
#     patched trees compile on the kernels where the breaks bite and use no
#     GPL-only export; with the mm topics reverted the same objects fail with
#     the errors users see.  That they still compile on 6.1 / 6.12 is shown
#     by the matrix (t80), which builds every patched tree on every kernel:
#     repeating it here cost a quarter of a cold make check.
#
# The behaviour of the wrappers (the PFN lookup on real VM_PFNMAP mappings,
# the flag writers in a real mmap() handler) is tested by KUnit:
# tests/nvc_compat_mm_kunit.c, run by t70.
#
# No kernel between 6.15 and 6.18 is prepared: there 535.216.03's
# nv_vm_flags_set() still compiles vm_flags_set() and modpost refuses
# __vma_start_write (0101); on 6.19+ the same function breaks at compile
# time first (0102).  Section 3 shows the modpost refusal of vm_flags_set()
# itself on 7.2 / 7.3, where vm_flags_set() still calls __vma_start_write.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t32
rm -rf "$W"; mkdir -p "$W"
# CI tier: both sides of the breaks (6.1: none; 7-newest: all four); full: every kernel.
KIDS=${NVC_T32_KERNELS:-$NVC_ALL_KERNELS}
[ "$NVC_TIER" = full ] || KIDS=${NVC_T32_KERNELS:-6.1 7-newest}
TOPICS="0100-follow-pfn 0101-vma-start-write-gpl 0102-vma-flags-bitmap 0103-vma-write-locked"

count() { # count ERE FILE: matching lines
	grep -Ec -- "$1" "$2" || true
}

# --- 1. status in Debian's real trees ------------------------------------
# 535.216.03: nv_follow_pfn() returns -1 without follow_pfn(); nv_vm_flags_set()
#   calls vm_flags_set() (no open-coded VMA lock: 0103 is not applicable).
# 535.274.02-3, 550.54.15-5: Debian backported NVIDIA's open-coded VMA lock
#   with the 6.19 and 7.0 changes (580.126.09, 580.142); nv_follow_pfn() is
#   still a stub that returns -1.
# 550.163.01-2, 535.261.03-1 (bookworm): the stub; the 6.15 open-coded lock
#   of 570.169 only.
want_pristine() {
	case $1 in
	535.216.03) echo "needed needed needed not-applicable" ;;
	535.274.02 | 550.54.15) echo "needed fixed-natively fixed-natively fixed-natively" ;;
	550.163.01 | 535.261.03) echo "needed fixed-natively needed needed" ;;
	esac
}
for v in $(nvidia_versions); do
	d=$W/apply-$v
	apply_real "$v" "$d" "$(want_pristine "$v")" || continue
	# The lookup no longer gives up: no "return -1;" left in os-mlock.c
	# (its only one was the stub), one call of the wrapper.
	[ "$(count '^    return -1;$' "$d/nvidia/os-mlock.c")" = 0 ] &&
		[ "$(count 'return nvc_follow_pfn\(vma, address, pfn\);' "$d/nvidia/os-mlock.c")" = 1 ] &&
		pass "real $v: the PFN lookup calls nvc_follow_pfn(), the -1 stub is gone" ||
		fail "real $v: os-mlock.c after apply"
	case $v in
	535.216.03)
		[ "$(count '^    nvc_vm_flags_(set|clear)\(vma, flags\);$' "$d/common/inc/nv-mm.h")" = 4 ] &&
			[ "$(count '(^|[^_])vm_flags_(set|clear)\(vma|vma->vm_flags [|&]=' "$d/common/inc/nv-mm.h")" = 0 ] &&
			pass "real $v: nv_vm_flags_set/clear() go through nvc_vm_flags_set/clear() in both branches" ||
			fail "real $v: nv-mm.h after apply" ;;
	550.163.01 | 535.261.03)
		[ "$(count '__vm_flags' "$d/common/inc/nv-mm.h")" = 0 ] &&
			pass "real $v: nv-mm.h no longer writes __vm_flags" || fail "real $v: __vm_flags left in nv-mm.h"
		[ "$(count '(^|[^_])VMA_LOCK_OFFSET|__is_vma_write_locked\(' "$d/nvidia/nv-mmap.c")" = 0 ] &&
			[ "$(count 'NVC_VMA_LOCK_OFFSET|nvc_is_vma_write_locked\(' "$d/nvidia/nv-mmap.c")" = 5 ] &&
			pass "real $v: nv_vma_start_write() uses nvc_is_vma_write_locked() and NVC_VMA_LOCK_OFFSET" ||
			fail "real $v: nv-mmap.c after apply" ;;
	esac
	before=$(tree_sum "$d")
	"$VC" apply --allow-non-vgpu "$d" >/dev/null 2>&1 && [ "$(tree_sum "$d")" = "$before" ] &&
		pass "real $v: second apply changes nothing" || fail "real $v: second apply"
done

# NVIDIA's nv_follow_pfn() before 6.10 (535 before 535.216, 550 before
# 550.90): follow_pfn() called unconditionally.  0100 patches it too.
# old_form SRC DST: os-mlock.c with that nv_follow_pfn() body.
old_form() {
	python3 - "$1" "$2" <<'PY'
import sys
src, dst = sys.argv[1:]
new = ('#if defined(NV_FOLLOW_PFN_PRESENT)\n    return follow_pfn(vma, address, pfn);\n'
       '#else\n    return -1;\n#endif\n')
old = ('#if defined(NV_UNSAFE_FOLLOW_PFN_PRESENT)\n    return unsafe_follow_pfn(vma, address, pfn);\n'
       '#else\n    return follow_pfn(vma, address, pfn);\n#endif\n')
t = open(src).read()
assert t.count(new) == 1, 'nv_follow_pfn() not in the expected form'
open(dst, 'w').write(t.replace(new, old))
PY
}
src=$(nvidia_src tesla535-bookworm)
if [ -d "$src" ]; then
	d=$W/pre-6.10
	cp -a "$src" "$d"; chmod -R u+w "$d"
	old_form "$src/nvidia/os-mlock.c" "$d/nvidia/os-mlock.c"
	[ "$(state_of "$d" 0100-follow-pfn)" = needed ] && pass "NVIDIA's pre-6.10 nv_follow_pfn(): 0100 is needed" ||
		fail "pre-6.10 nv_follow_pfn(): 0100 is '$(state_of "$d" 0100-follow-pfn)'"
	if "$VC" apply --allow-non-vgpu "$d" >"$W/apply-pre-6.10.log" 2>&1 &&
		[ "$(count '^    return nvc_follow_pfn\(vma, address, pfn\);$' "$d/nvidia/os-mlock.c")" = 1 ] &&
		[ "$(count '^    return follow_pfn\(' "$d/nvidia/os-mlock.c")" = 0 ]; then
		pass "NVIDIA's pre-6.10 nv_follow_pfn(): apply makes it call nvc_follow_pfn()"
	else
		fail "pre-6.10 nv_follow_pfn(): apply"; tail -n 5 "$W/apply-pre-6.10.log"
	fi
	# A driver that looks PFNs up with follow_pfnmap_start() itself (NVIDIA's
	# open modules) is left alone.
	d=$W/native-pfnmap
	cp -a "$src" "$d"; chmod -R u+w "$d"
	python3 - "$d/nvidia/os-mlock.c" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read()
stub = '#else\n    return -1;\n#endif\n'
body = ('#else\n    struct follow_pfnmap_args args = { .vma = vma, .address = address };\n'
        '    if (follow_pfnmap_start(&args))\n        return -1;\n'
        '    *pfn = args.pfn;\n    follow_pfnmap_end(&args);\n    return 0;\n#endif\n')
assert t.count(stub) == 1
open(p, 'w').write(t.replace(stub, body))
PY
	[ "$(state_of "$d" 0100-follow-pfn)" = fixed-natively ] &&
		pass "a driver calling follow_pfnmap_start() itself: 0100 is fixed-natively" ||
		fail "follow_pfnmap_start() driver: 0100 is '$(state_of "$d" 0100-follow-pfn)'"
fi

# --- 2. probes -------------------------------------------------------------
version_ge() { # version_ge A B: release A >= B (major.minor)
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}
# MACRO FROM [UNTIL]: present from release FROM (and before UNTIL); every
# Debian kernel has CONFIG_PER_VMA_LOCK (6.4+).
expectations='
NVC_FOLLOW_PFN_PRESENT 0 6.10
NVC_VM_FLAGS_SET_PRESENT 6.3
NVC_VMA_START_WRITE_OUT_OF_LINE 6.15
NVC_VMA_FLAGS_SET_WORD_PRESENT 6.19
NVC_IS_VMA_WRITE_LOCKED_HAS_MM_LOCK_SEQ_ARG 6.4 7.0
NVC_VM_REFCNT_EXCLUDE_READERS_FLAG_PRESENT 7.0
'
ready_kids=
for id in $KIDS; do
	if ! kernel_ready "$id"; then skip "kernel tree $id is not prepared"; continue; fi
	ready_kids="$ready_kids $id"
	rel=$(kernel_release "$id")
	if ! "$VC" probe --kernel "$(kernel_build "$id")" >"$W/probe-$id.log" 2>&1; then
		fail "probes on $id"; tail -n 5 "$W/probe-$id.log"; continue
	fi
	echo "$expectations" | while read -r m from until; do
		[ -n "$m" ] || continue
		want=no
		if version_ge "$rel" "$from" && { [ -z "$until" ] || ! version_ge "$rel" "$until"; }; then want=yes; fi
		got=$(awk -v m="$m" '$2 == m { print $1 }' "$W/probe-$id.log")
		[ "$got" = "$want" ] && pass "$id ($rel): $m $got" || fail "$id ($rel): $m is '$got', want $want"
	done
done

# --- 3. wrappers vs. old code, as external modules -------------------------
# Every module has NVIDIA's licence string, so modpost refuses any GPL-only
# symbol.  The wrapper module gets the compat layer the way the driver does.
M=$W/mod-wrappers
compat_module "$M" nvc_t32_wrappers
cat >"$M/nvc_t32_wrappers.c" <<'EOF'
#include <linux/module.h>
#include <linux/mm.h>

MODULE_LICENSE("NVIDIA");

unsigned long nvc_t32_calls(struct vm_area_struct *vma, unsigned long address);
unsigned long nvc_t32_calls(struct vm_area_struct *vma, unsigned long address)
{
	unsigned long pfn = 0;

	if (nvc_follow_pfn(vma, address, &pfn) < 0)
		return 0;
	nvc_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND);
	nvc_vm_flags_clear(vma, VM_WRITE | VM_MAYWRITE);
	nvc_vma_flags_set_word(vma, VM_DONTDUMP);
	nvc_vma_flags_clear_word(vma, VM_MAYEXEC);
#if defined(NVC_VMA_START_WRITE_OUT_OF_LINE)
	{
		unsigned int seq;

		if (nvc_is_vma_write_locked(vma, &seq))
			pfn += seq + NVC_VMA_LOCK_OFFSET;
	}
#endif
	return pfn;
}
EXPORT_SYMBOL(nvc_t32_calls);
EOF
# The old code: one file per site, compile errors only.
O=$W/mod-old
mkdir -p "$O"
printf 'obj-m += nvc_t32_old.o\nnvc_t32_old-y := old_follow_pfn.o old_vm_flags_direct.o old_vm_flags_private.o old_is_vma_write_locked.o main.o\n' >"$O/Kbuild"
printf '#include <linux/module.h>\nMODULE_LICENSE("NVIDIA");\n' >"$O/main.c"
printf '#include <linux/mm.h>\nint o_pfn(struct vm_area_struct *v, unsigned long a, unsigned long *p);\nint o_pfn(struct vm_area_struct *v, unsigned long a, unsigned long *p) { return follow_pfn(v, a, p); }\n' >"$O/old_follow_pfn.c"
printf '#include <linux/mm.h>\nvoid o_direct(struct vm_area_struct *v);\nvoid o_direct(struct vm_area_struct *v) { v->vm_flags |= VM_IO; }\n' >"$O/old_vm_flags_direct.c"
printf '#include <linux/mm.h>\nvoid o_private(struct vm_area_struct *v);\nvoid o_private(struct vm_area_struct *v) { ACCESS_PRIVATE(v, __vm_flags) |= VM_IO; }\n' >"$O/old_vm_flags_private.c"
printf '#include <linux/mm.h>\nbool o_locked(struct vm_area_struct *v);\nbool o_locked(struct vm_area_struct *v) { unsigned int s; return __is_vma_write_locked(v, &s); }\n' >"$O/old_is_vma_write_locked.c"
# The kernel's own calls from a non-GPL module: what NVIDIA could not use.
G=$W/mod-gpl
mkdir -p "$G"
printf 'obj-m += nvc_t32_gpl.o\n' >"$G/Kbuild"
cat >"$G/nvc_t32_gpl.c" <<'EOF'
#include <linux/module.h>
#include <linux/mm.h>

MODULE_LICENSE("NVIDIA");

unsigned long nvc_t32_gpl(struct vm_area_struct *vma, unsigned long address);
unsigned long nvc_t32_gpl(struct vm_area_struct *vma, unsigned long address)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = address };
	unsigned long pfn = 0;

	vm_flags_set(vma, VM_IO);
	if (!follow_pfnmap_start(&args)) {
		pfn = args.pfn;
		follow_pfnmap_end(&args);
	}
	return pfn;
}
EXPORT_SYMBOL(nvc_t32_gpl);
EOF

# old_builds FILE RELEASE -> yes when the old code compiles there
old_builds() {
	case $1 in
	old_follow_pfn) version_ge "$2" 6.10 && echo no || echo yes ;;
	old_vm_flags_direct) version_ge "$2" 6.3 && echo no || echo yes ;;
	old_vm_flags_private) version_ge "$2" 6.3 && ! version_ge "$2" 6.19 && echo yes || echo no ;;
	old_is_vma_write_locked) version_ge "$2" 6.4 && ! version_ge "$2" 7.0 && echo yes || echo no ;;
	esac
}
gpl_refused() { # gpl_refused LOG SYMBOL: modpost refused SYMBOL as GPL-only
	# "GPL-incompatible module X.ko uses ..." (7.2), "X.ko: GPL-incompatible
	# module uses ..." (7.3)
	grep -E "GPL-incompatible module .*uses GPL-only symbol .$2.\$" "$1" | grep -q 'nvc_t32_gpl\.ko'
}
for id in $ready_kids; do
	rel=$(kernel_release "$id")
	if modbuild "$M" "$id" "$W/wrappers-$id.log" && [ -f "$M/nvc_t32_wrappers.ko" ] &&
		[ -z "$(modpost_findings "$W/wrappers-$id.log")" ]; then
		pass "$id: the mm wrappers build in a module with NVIDIA's licence, modpost clean"
	else
		fail "$id: mm wrappers"; grep -E 'error|modpost|WARNING' "$W/wrappers-$id.log" | head -n 10
	fi
	modbuild "$O" "$id" "$W/old-$id.log" || true
	for f in old_follow_pfn old_vm_flags_direct old_vm_flags_private old_is_vma_write_locked; do
		if grep -Eq "(^|/)$f\.c:[0-9]+:[0-9]+: error:" "$W/old-$id.log"; then got=no; else got=yes; fi
		want=$(old_builds "$f" "$rel")
		[ "$got" = "$want" ] && pass "$id: the old code in $f.c $([ "$want" = yes ] && echo builds || echo fails)" ||
			fail "$id: the old code in $f.c: builds=$got, want $want"
	done
	# vm_flags_set() since 6.3, follow_pfnmap_start() since 6.12.
	if version_ge "$rel" 6.12; then
		modbuild "$G" "$id" "$W/gpl-$id.log" || true
		gpl_refused "$W/gpl-$id.log" follow_pfnmap_start &&
			pass "$id: modpost refuses follow_pfnmap_start() to a non-GPL module" ||
			fail "$id: follow_pfnmap_start() was not refused"
		if version_ge "$rel" 6.15; then want=yes; else want=no; fi
		if gpl_refused "$W/gpl-$id.log" __vma_start_write; then got=yes; else got=no; fi
		[ "$got" = "$want" ] &&
			pass "$id: vm_flags_set() $([ "$want" = yes ] && echo "reaches GPL-only __vma_start_write" || echo "reaches no GPL-only symbol")" ||
			fail "$id: vm_flags_set() reaching __vma_start_write: $got, want $want"
	fi
done

# --- 4. real objects -------------------------------------------------------
# objs_build TREE KERNEL_ID LOG OBJ...: Kbuild called as the driver's
# Makefile calls it, for these objects of nvidia.ko only (conftest first).
objs_build() {
	_t=$1 _kb=$(kernel_build "$2") _log=$3; shift 3
	_ks=$(sh "$TOP/scripts/kernel-source-dir" "$_kb")
	rm -f "$_t"/nvidia/*.o
	LC_ALL=C LANG=C LC_MESSAGES=C LC_CTYPE=C nice make -C "$_ks" KBUILD_OUTPUT="$_kb" M="$_t" \
		-k -j2 ARCH=x86_64 NV_KERNEL_SOURCES="$_ks" NV_KERNEL_OUTPUT="$_kb" \
		NV_KERNEL_MODULES=nvidia NV_SPECTRE_V2=0 "$@" >"$_log" 2>&1
}
# gpl_used KERNEL_ID OBJ...: the GPL-only exports of that kernel the objects use
gpl_used() {
	_sv=$(kernel_build "$1")/Module.symvers; shift
	nm -u "$@" 2>/dev/null | awk '{ print $2 }' | sort -u |
		awk 'NR == FNR { if ($4 ~ /_GPL$/) gpl[$2] = 1; next } ($1 in gpl)' "$_sv" -
}
# mm_errors LOG: the errors of these breaks (either quote style), one per line
mm_errors() {
	grep -E "implicit declaration of function .follow_pfn|has no member named .__vm_flags|assignment of read-only member .vm_flags|too many arguments to function .__is_vma_write_locked|.VMA_LOCK_OFFSET. undeclared" "$1" || true
}
# The mm topics as applied to TREE, reverted (the rest of the layer stays).
revert_mm() {
	for _t in $TOPICS; do
		for _p in "$TOP/patches/$_t"/*.patch; do
			if patch -d "$1" -p2 -R -f -s --fuzz=0 --dry-run -i "$_p" >/dev/null 2>&1; then
				patch -d "$1" -p2 -R -f -s --fuzz=0 --no-backup-if-mismatch -i "$_p" >/dev/null
				break
			fi
		done
	done
}
OBJS="nvidia/os-mlock.o nvidia/nv-mmap.o"
# ROLE:KERNEL where the breaks bite (7-newest: 0100, 0102, 0103); the old
# kernels are the matrix's (t80).  NVC_T32_REAL_SET="tesla535-sid:6.1 ..."
# adds others.
# The CI tier (tests/lib/common.sh) builds one tree: 550.163.01 needs three
# of the four topics on 7-newest; the full tier adds 535.216.03 and its
# pre-6.10 os-mlock.c.
if [ "$NVC_TIER" = full ]; then
	REAL=${NVC_T32_REAL_SET:-tesla535-bookworm:7-newest current-trixie:7-newest}
else
	REAL=${NVC_T32_REAL_SET:-current-trixie:7-newest}
fi
if [ "${NVC_T32_REAL:-1}" = 1 ]; then
	for vk in $REAL; do
		v=$(nvidia_version "${vk%%:*}") id=${vk#*:}
		kernel_ready "$id" || { skip "real $v on $id: tree not prepared"; continue; }
		[ -d "$W/apply-$v" ] || { fail "real $v: no patched tree"; continue; }
		d=$W/real-$v-$id
		cp -a "$W/apply-$v" "$d"
		t0=$(date +%s)
		# shellcheck disable=SC2086
		objs_build "$d" "$id" "$d.log" $OBJS || true
		secs=$(( $(date +%s) - t0 ))
		# shellcheck disable=SC2086
		if (cd "$d" && ls $OBJS) >/dev/null 2>&1 && [ -z "$(mm_errors "$d.log")" ]; then
			pass "real $v patched on $id: os-mlock.o and nv-mmap.o compile"
		else
			fail "real $v patched on $id: objects"; grep -E ' error: ' "$d.log" | sort | uniq -c | head -n 10
		fi
		# shellcheck disable=SC2086
		gpl=$(cd "$d" && gpl_used "$id" $OBJS | tr '\n' ' ')
		[ -z "$gpl" ] && pass "real $v patched on $id: the objects use no GPL-only export" ||
			fail "real $v patched on $id: GPL-only exports used: $gpl"
		rel=$(kernel_release "$id")
		# Without the mm topics, on 6.19+: the errors users see in
		# 535.216.03's nv-mm.h and in 550.163.01's nv-mm.h / nv-mmap.c.
		want=
		if version_ge "$rel" 6.19; then
			case $v in
			535.216.03) want="assignment of read-only member .vm_flags" ;;
			550.163.01) want="has no member named .__vm_flags|too many arguments to function .__is_vma_write_locked|.VMA_LOCK_OFFSET. undeclared" ;;
			esac
		fi
		if [ -n "$want" ]; then
			revert_mm "$d"
			# shellcheck disable=SC2086
			objs_build "$d" "$id" "$d-reverted.log" $OBJS || true
			n=$(count "error: ($want)" "$d-reverted.log")
			[ "$n" -gt 0 ] &&
				pass "real $v on $id without the mm topics: fails ($n errors: $(mm_errors "$d-reverted.log" | sed 's/.*error: //' | sort -u | tr '\n' ';'))" ||
				fail "real $v on $id without the mm topics: not the expected errors"
			"$VC" apply --allow-non-vgpu "$d" >/dev/null 2>&1 || fail "real $v on $id: apply after the revert"
		fi
		# NVIDIA's pre-6.10 os-mlock.c in the otherwise patched tree, on
		# 6.10+: follow_pfn() fails; the 0100 variant for it compiles.
		if [ "$v" = 535.216.03 ] && version_ge "$rel" 6.10; then
			old_form "$(nvidia_src "$v")/nvidia/os-mlock.c" "$d/nvidia/os-mlock.c"
			objs_build "$d" "$id" "$d-pre-6.10.log" nvidia/os-mlock.o || true
			grep -Eq "os-mlock.c.*error: implicit declaration of function .follow_pfn" "$d-pre-6.10.log" &&
				pass "NVIDIA's pre-6.10 os-mlock.c on $id: fails on follow_pfn()" ||
				fail "pre-6.10 os-mlock.c on $id: no follow_pfn error"
			patch -d "$d" -p2 -f -s --fuzz=0 --no-backup-if-mismatch \
				-i "$TOP/patches/0100-follow-pfn/os-mlock-follow-pfn.patch" >/dev/null 2>&1 || true
			objs_build "$d" "$id" "$d-pre-6.10-patched.log" nvidia/os-mlock.o || true
			[ -f "$d/nvidia/os-mlock.o" ] && [ -z "$(mm_errors "$d-pre-6.10-patched.log")" ] &&
				[ -z "$(cd "$d" && gpl_used "$id" nvidia/os-mlock.o)" ] &&
				pass "NVIDIA's pre-6.10 os-mlock.c on $id, patched: compiles, no GPL-only export" ||
				fail "pre-6.10 os-mlock.c on $id, patched"
		fi
		table_row "$v (Debian, patched, t32 objects)" "$(kernel_release "$id")" \
			"$([ -z "$(mm_errors "$d.log")" ] && echo compiled || echo failed)" \
			"${gpl:-no GPL-only export}" "$secs"
		rm -rf "$d"
	done
else
	skip "real object builds (NVC_T32_REAL=0)"
fi
