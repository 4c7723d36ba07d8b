# shellcheck shell=sh
# Sourced by ../regen-patches.sh: the memory-management breaks of nvidia.ko
# on 6.10 ... 7.3 (os-mlock.c, nv-mm.h, nv-mmap.c), diffed against Debian's
# real NVIDIA sources, which carry NVIDIA's lines at these sites:
#   $D535_216  535.216.03: nv_follow_pfn() stubbed out (returns -1 without
#              follow_pfn()); nv_vm_flags_set() calls vm_flags_set()
#   $D550_54   550.54.15 (Debian -5): the same nv_follow_pfn() stub; NVIDIA's
#              open-coded VMA write lock of 580.142 (fixes 6.15, 6.19, 7.0)
#   $D535_274  535.274.02: like 550.54.15, but nv_follow_pfn() calls the
#              nv_follow_flavors() stub
#   $D550_163  550.163.01: the nv_follow_flavors() stub; NVIDIA's open-coded
#              VMA write lock of 570.169 (fixes 6.15 only)
# and, for nv_follow_pfn() as NVIDIA shipped it before 6.10 (535 before
# 535.216, 550 before 550.90: follow_pfn() called unconditionally), a copy
# of os-mlock.c with those lines of NVIDIA's public source put back.
#
# Topics 0101 and 0102 change neighbouring lines of nv-mm.h in 535.216.03;
# their diffs carry one line of context so that each applies (and reverts)
# with or without the other.
#
# vgpu-compat tests X-Native-Fix before "applied": the patterns must not
# match our own wrappers (nvc_...), which a patched tree contains.  X-Site
# names the code a topic patches: where it is absent (no open-coded VMA
# lock in 535.216.03 for 0103), the topic is not applicable.

hdr "nvidia: look up PFNs of I/O mappings without follow_pfn()" <<EOF
Linux 6.10 removed follow_pfn() (upstream commit 233eb0bf3b94, "mm:
remove follow_pfn"); the drivers that compile on 6.10 and later replaced
nv_follow_pfn() by a stub that returns -1 whenever follow_pfn() is
missing, so os_lookup_user_io_memory() fails for every VM_IO / VM_PFNMAP
mapping, which worked on older kernels.  Older drivers do not compile:

  error: implicit declaration of function 'follow_pfn'

What replaced follow_pfn(), follow_pte() taking a VMA (commit
29ae7d96d166, 6.10) and follow_pfnmap_start() (6.12), is exported
GPL-only, and nvidia.ko is not GPL.  NVIDIA's own sources (550.144.03,
570 to 595) call them only where conftest finds the export
(NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte / _follow_pfnmap_start), so
nvidia.ko runs their -1 as well.  Call nvc_follow_pfn(): follow_pfn()
where it exists, otherwise a lookup in the page tables with the kernel's
inline accessors, done as get_user_pages_fast() does it (interrupts off,
every entry read once), which also knows the huge PMD / PUD leaves of
PFN maps.  Same results as follow_pfn(): 0 and the PFN, or -EINVAL for a
VMA that is not VM_IO / VM_PFNMAP, an address outside it or nothing
mapped.

Origin: other, https://git.kernel.org/linus/233eb0bf3b94
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.10
X-Native-Fix: nvidia/os-mlock.c (follow_pfnmap_start|follow_pte)[[:space:]]*\\(
X-Site: nvidia/os-mlock.c nv_follow_pfn
X-Probe: NVC_FOLLOW_PFN_PRESENT absent
X-Native-Stub: NV_IS_EXPORT_SYMBOL_PRESENT_(follow_pte|follow_pfnmap_start) present
X-Residue: * follow_pfn[[:space:]]*\\(
X-Residue-Missing: nvidia/*.c nvc_follow_pfn|follow_pfnmap_start[[:space:]]*\\( nv_follow_pfn[[:space:]]*\\([[:space:]]*struct
X-Native-Guard: NV_FOLLOW_PFN_PRESENT present
EOF
# 535.216.03, 550.54.15: the stub is the #else of nv_follow_pfn().
mk 0100-follow-pfn os-mlock "$D535_216" \
	'nvidia/os-mlock.c::    return -1;::    return nvc_follow_pfn(vma, address, pfn);'
# 535.274.02, 550.163.01: the stub is nv_follow_flavors().
mk 0100-follow-pfn os-mlock-flavors "$D550_163" \
	'nvidia/os-mlock.c::    return -1;::    return nvc_follow_pfn(vma, address, pfn);'
# Before 6.10: nv_follow_pfn() calls follow_pfn() (or unsafe_follow_pfn(),
# a linux-next name that never reached a release).
_mm_old=$(mktemp -d)
mkdir -p "$_mm_old/nvidia"
python3 - "$D535_216/nvidia/os-mlock.c" "$_mm_old/nvidia/os-mlock.c" <<'PY'
import sys
src, dst = sys.argv[1:]
new_form = ('#if defined(NV_FOLLOW_PFN_PRESENT)\n'
            '    return follow_pfn(vma, address, pfn);\n'
            '#else\n'
            '    return -1;\n'
            '#endif\n')
old_form = ('#if defined(NV_UNSAFE_FOLLOW_PFN_PRESENT)\n'
            '    return unsafe_follow_pfn(vma, address, pfn);\n'
            '#else\n'
            '    return follow_pfn(vma, address, pfn);\n'
            '#endif\n')
text = open(src).read()
if text.count(new_form) != 1:
    sys.exit(f'{src}: nv_follow_pfn() is not in the expected form')
open(dst, 'w').write(text.replace(new_form, old_form))
PY
mk 0100-follow-pfn os-mlock-follow-pfn "$_mm_old" \
	'nvidia/os-mlock.c::    return follow_pfn(vma, address, pfn);::    return nvc_follow_pfn(vma, address, pfn);'
rm -rf "$_mm_old"

# NVIDIA's own answers to 6.10 in its public sources: kernel-open 550.144.03
# calls follow_pte() only where conftest finds the export
# (NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte), 570.133.20 ... 595.45.04 also
# follow_pfnmap_start() (nv_follow_flavors()), and -1 otherwise.  Both are
# GPL-only, so nvidia.ko (licence NVIDIA) gets the -1 (X-Native-Stub: not a
# native fix): 0100 replaces it as in the stubs above.  The pristine forms
# are Debian's files with NVIDIA's lines of those releases put back (the
# functions start on the same lines as in NVIDIA's files).
_mm_gpl=$(mktemp -d)
mkdir -p "$_mm_gpl/pte/nvidia" "$_mm_gpl/pfnmap/nvidia"
python3 - "$D535_216/nvidia/os-mlock.c" "$_mm_gpl/pte/nvidia/os-mlock.c" \
	"$D550_163/nvidia/os-mlock.c" "$_mm_gpl/pfnmap/nvidia/os-mlock.c" <<'PY'
import sys
src_pte, dst_pte, src_fl, dst_fl = sys.argv[1:]
stub = ('#if defined(NV_FOLLOW_PFN_PRESENT)\n    return follow_pfn(vma, address, pfn);\n'
        '#else\n    return -1;\n#endif\n')
pte = ('#if defined(NV_FOLLOW_PFN_PRESENT)\n'
        '    return follow_pfn(vma, address, pfn);\n'
        '#else\n'
        '#if NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte\n'
        '    int status = 0;\n'
        '    spinlock_t *ptl;\n'
        '    pte_t *ptep;\n'
        '\n'
        '    if (!(vma->vm_flags & (VM_IO | VM_PFNMAP)))\n'
        '        return status;\n'
        '\n'
        '    status = follow_pte(vma, address, &ptep, &ptl);\n'
        '    if (status)\n'
        '        return status;\n'
        '    *pfn = pte_pfn(ptep_get(ptep));\n'
        '\n'
        '    // The lock is acquired inside follow_pte()\n'
        '    pte_unmap_unlock(ptep, ptl);\n'
        '    return 0;\n'
        '#else // NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte\n'
        '    return -1;\n'
        '#endif // NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte\n'
        '#endif\n')
t = open(src_pte).read()
if t.count(stub) != 1:
    sys.exit(f'{src_pte}: nv_follow_pfn() is not in the expected form')
open(dst_pte, 'w').write(t.replace(stub, pte))
stub = '{\n    return -1;\n}\n'
pfnmap = ('#if NV_IS_EXPORT_SYMBOL_PRESENT_follow_pfnmap_start\n'
        '    struct follow_pfnmap_args args = {};\n'
        '    int rc;\n'
        '\n'
        '    args.address = address;\n'
        '    args.vma = vma;\n'
        '\n'
        '    rc = follow_pfnmap_start(&args);\n'
        '    if (rc)\n'
        '        return rc;\n'
        '\n'
        '    *pfn = args.pfn;\n'
        '\n'
        '    follow_pfnmap_end(&args);\n'
        '\n'
        '    return 0;\n'
        '#elif NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte\n'
        '    int status = 0;\n'
        '    spinlock_t *ptl;\n'
        '    pte_t *ptep;\n'
        '\n'
        '    if (!(vma->vm_flags & (VM_IO | VM_PFNMAP)))\n'
        '        return status;\n'
        '\n'
        '    //\n'
        '    // The first argument of follow_pte() was changed from\n'
        '    // mm_struct to vm_area_struct in kernel 6.10.\n'
        '    //\n'
        '#if defined(NV_FOLLOW_PTE_ARG1_VMA)\n'
        '    status = follow_pte(vma, address, &ptep, &ptl);\n'
        '#else\n'
        '    status = follow_pte(vma->vm_mm, address, &ptep, &ptl);\n'
        '#endif\n'
        '    if (status)\n'
        '        return status;\n'
        '\n'
        '#if defined(NV_PTEP_GET_PRESENT)\n'
        '    *pfn = pte_pfn(ptep_get(ptep));\n'
        '#else\n'
        '    *pfn = pte_pfn(READ_ONCE(*ptep));\n'
        '#endif\n'
        '\n'
        '    // The lock is acquired inside follow_pte()\n'
        '    pte_unmap_unlock(ptep, ptl);\n'
        '    return 0;\n'
        '#else\n'
        '    return -1;\n'
        '#endif // NV_IS_EXPORT_SYMBOL_PRESENT_follow_pfnmap_start\n')
t = open(src_fl).read()
if t.count(stub) != 1:
    sys.exit(f'{src_fl}: nv_follow_flavors() is not in the expected form')
open(dst_fl, 'w').write(t.replace(stub, '{\n' + pfnmap + '}\n'))
PY
mk 0100-follow-pfn os-mlock-follow-pte "$_mm_gpl/pte" \
	'nvidia/os-mlock.c::    return -1;::    return nvc_follow_pfn(vma, address, pfn);'
mk 0100-follow-pfn os-mlock-flavors-pfnmap "$_mm_gpl/pfnmap" \
	'nvidia/os-mlock.c::    return -1;::    return nvc_follow_pfn(vma, address, pfn);'
rm -rf "$_mm_gpl"

hdr "nv-mm: set vm_flags without the GPL-only VMA write lock" <<EOF
Since Linux 6.15, vma_start_write(), which vm_flags_set() and
vm_flags_clear() call, calls the out-of-line __vma_start_write() (upstream
commit 45ad9f5290dc), exported GPL-only, and modpost rejects nvidia.ko:

  ERROR: modpost: GPL-incompatible module nvidia.ko uses GPL-only symbol '__vma_start_write'

nv_vm_flags_set() and nv_vm_flags_clear() are called from mmap()
handlers only, on a VMA that is not in the mm's VMA tree yet: no other
thread can see it, and mmap_region() write-locks it itself when it
inserts it.  Call nvc_vm_flags_set() / nvc_vm_flags_clear(): the kernel's
vm_flags_set() / vm_flags_clear() where they reach no GPL-only symbol,
otherwise a direct write of the flag word, after checking (a warning,
once) that the VMA is still detached.  nvidia.ko's licence is unchanged.

Drivers with NVIDIA's own workaround (NV_CAN_CALL_VMA_START_WRITE, an
open-coded write lock: 570.169, and the Debian backports in 535.274.02,
550.54.15, 550.163.01) do not need this.

Origin: other, https://git.kernel.org/linus/45ad9f5290dc
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.15
X-Native-Fix: common/inc/nv-mm.h NV_CAN_CALL_VMA_START_WRITE
X-Site: common/inc/nv-mm.h nv_vm_flags_set
X-Probe: NVC_VMA_START_WRITE_OUT_OF_LINE present
X-Residue: * vm_flags_(set|clear)[[:space:]]*\\(
X-Native-Guard: NV_CAN_CALL_VMA_START_WRITE present
EOF
NVC_DIFF_U=1
export NVC_DIFF_U
mk 0101-vma-start-write-gpl nv-mm "$D535_216" \
	'common/inc/nv-mm.h::    vm_flags_set(vma, flags);::    nvc_vm_flags_set(vma, flags);' \
	'common/inc/nv-mm.h::    vm_flags_clear(vma, flags);::    nvc_vm_flags_clear(vma, flags);'
unset NVC_DIFF_U

hdr "nv-mm: write vm_flags in the 6.19 flags bitmap" <<EOF
Linux 6.19 turned the VMA flags into a bitmap, vma->flags, written with
vma_flags_set_word() / vma_flags_clear_word() (upstream commit
c3f7c506e8f1, "mm: introduce VMA flags bitmap type"), and
vm_area_struct lost __vm_flags.  In nv_vm_flags_set() and
nv_vm_flags_clear() this breaks

 - NVIDIA's open-coded path (570.169, as in 550.163.01):
   error: 'struct vm_area_struct' has no member named '__vm_flags'
 - the fallback for kernels without const vm_flags, which NVIDIA's
   conftest (offsetof __vm_flags) now selects:
   error: assignment of read-only member 'vm_flags'

The open-coded path writes the flag word through
nvc_vma_flags_set_word() / nvc_vma_flags_clear_word() (after its own
nv_vma_start_write(), as before); the fallback calls nvc_vm_flags_set() /
nvc_vm_flags_clear(), which take the form each kernel needs.

Origin: other, https://git.kernel.org/linus/c3f7c506e8f1
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.19
X-Native-Fix: common/inc/nv-mm.h NV_VMA_FLAGS_SET_WORD_PRESENT
X-Site: common/inc/nv-mm.h nv_vm_flags_set
X-Probe: NVC_VMA_FLAGS_SET_WORD_PRESENT present
X-Residue: * __vm_flags
X-Residue: * ->vm_flags[[:space:]]*[|&]?=([^=]|\$)
X-Native-Guard: NV_VMA_FLAGS_SET_WORD_PRESENT absent
X-Native-Guard: NV_VM_FLAGS_SET_PRESENT absent
EOF
# 550.163.01: the open-coded path and the fallback.  Sorts (and so is
# tried) before nv-mm.patch, whose one-line context also fits here.
mk 0102-vma-flags-bitmap nv-mm-open-coded "$D550_163" \
	'common/inc/nv-mm.h::    ACCESS_PRIVATE(vma, __vm_flags) |= flags;::    nvc_vma_flags_set_word(vma, flags);' \
	'common/inc/nv-mm.h::    ACCESS_PRIVATE(vma, __vm_flags) &= ~flags;::    nvc_vma_flags_clear_word(vma, flags);' \
	'common/inc/nv-mm.h::    vma->vm_flags |= flags;::    nvc_vm_flags_set(vma, flags);' \
	'common/inc/nv-mm.h::    vma->vm_flags &= ~flags;::    nvc_vm_flags_clear(vma, flags);'
# 535.216.03: the fallback only (next to the lines of 0101).
NVC_DIFF_U=1
export NVC_DIFF_U
mk 0102-vma-flags-bitmap nv-mm "$D535_216" \
	'common/inc/nv-mm.h::    vma->vm_flags |= flags;::    nvc_vm_flags_set(vma, flags);' \
	'common/inc/nv-mm.h::    vma->vm_flags &= ~flags;::    nvc_vm_flags_clear(vma, flags);'
unset NVC_DIFF_U

hdr "nv-mmap: open-coded VMA write lock on Linux 7.0 and later" <<EOF
NVIDIA's open-coded VMA write lock (nv_vma_start_write(), the 6.15
workaround of 570.169, as in 550.163.01) uses the kernel's per-VMA lock
internals, which Linux 7.0 changed: __is_vma_write_locked() lost its
mm_lock_seq argument (upstream commit 22f7639f2f03, "mm/vma: improve and
document __is_vma_write_locked()") and, in the same series,
VMA_LOCK_OFFSET became VM_REFCNT_EXCLUDE_READERS_FLAG:

  error: too many arguments to function '__is_vma_write_locked'
  error: 'VMA_LOCK_OFFSET' undeclared

Call nvc_is_vma_write_locked(), which returns the mm's lock sequence in
its second argument on every kernel, and use NVC_VMA_LOCK_OFFSET, the
bias under its name of the day.

Drivers without the open-coded lock (nv_vm_flags_set() calling
vm_flags_set(), as 535.216.03) have nothing to change here (topic 0101
covers them); 580.142 and Debian's 535.274.02 and 550.54.15 handle 7.0
themselves.

Origin: other, https://git.kernel.org/linus/22f7639f2f03
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 7.0
X-Native-Fix: nvidia/nv-mmap.c VM_REFCNT_EXCLUDE_READERS_FLAG
X-Site: nvidia/nv-mmap.c nv_vma_start_write
X-Probe: NVC_VM_REFCNT_EXCLUDE_READERS_FLAG_PRESENT present
X-Residue: * VMA_LOCK_OFFSET
X-Residue: * __is_vma_write_locked[[:space:]]*\\([^,()]*,
X-Native-Guard: (VM_REFCNT_EXCLUDE_READERS_FLAG|NV_VM_REFCNT_EXCLUDE_READERS_FLAG_PRESENT) absent
X-Native-Guard: VMA_LOCK_OFFSET present
X-Native-Guard: NV_IS_VMA_WRITE_LOCKED_HAS_MM_LOCK_SEQ_ARG present
EOF
mk 0103-vma-write-locked nv-mmap "$D550_163" \
	'nvidia/nv-mmap.c::    NvU32 tgt_refcnt = VMA_LOCK_OFFSET;::    NvU32 tgt_refcnt = NVC_VMA_LOCK_OFFSET;' \
	'nvidia/nv-mmap.c::    if (!refcount_add_not_zero(VMA_LOCK_OFFSET, &vma->vm_refcnt))::    if (!refcount_add_not_zero(NVC_VMA_LOCK_OFFSET, &vma->vm_refcnt))' \
	'nvidia/nv-mmap.c::        refcount_sub_and_test(VMA_LOCK_OFFSET, &vma->vm_refcnt);::        refcount_sub_and_test(NVC_VMA_LOCK_OFFSET, &vma->vm_refcnt);' \
	'nvidia/nv-mmap.c::    if (__is_vma_write_locked(vma, &mm_lock_seq))::    if (nvc_is_vma_write_locked(vma, &mm_lock_seq))' \
	'nvidia/nv-mmap.c::        detached = refcount_sub_and_test(VMA_LOCK_OFFSET, &vma->vm_refcnt);::        detached = refcount_sub_and_test(NVC_VMA_LOCK_OFFSET, &vma->vm_refcnt);'
