// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nv-mmap: open-coded VMA write lock on Linux 7.0 and later
//
// NVIDIA's open-coded VMA write lock (nv_vma_start_write(), the 6.15
// workaround of 570.169, as in 550.163.01) uses the kernel's per-VMA lock
// internals, which Linux 7.0 changed: __is_vma_write_locked() lost its
// mm_lock_seq argument (upstream commit 22f7639f2f03, "mm/vma: improve and
// document __is_vma_write_locked()") and, in the same series,
// VMA_LOCK_OFFSET became VM_REFCNT_EXCLUDE_READERS_FLAG:
//
//   error: too many arguments to function '__is_vma_write_locked'
//   error: 'VMA_LOCK_OFFSET' undeclared
//
// Call nvc_is_vma_write_locked(), which returns the mm's lock sequence in
// its second argument on every kernel, and use NVC_VMA_LOCK_OFFSET, the
// bias under its name of the day.
//
// Drivers without the open-coded lock (nv_vm_flags_set() calling
// vm_flags_set(), as 535.216.03) have nothing to change here (topic 0101
// covers them); 580.142 and Debian's 535.274.02 and 550.54.15 handle 7.0
// themselves.
//
// Origin: other, https://git.kernel.org/linus/22f7639f2f03
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 7.0
// X-Native-Fix: nvidia/nv-mmap.c VM_REFCNT_EXCLUDE_READERS_FLAG
// X-Site: nvidia/nv-mmap.c nv_vma_start_write
// X-Probe: NVC_VM_REFCNT_EXCLUDE_READERS_FLAG_PRESENT present
// X-Residue: * VMA_LOCK_OFFSET
// X-Residue: * __is_vma_write_locked[[:space:]]*\([^,()]*,
// X-Native-Guard: (VM_REFCNT_EXCLUDE_READERS_FLAG|NV_VM_REFCNT_EXCLUDE_READERS_FLAG_PRESENT) absent
// X-Native-Guard: VMA_LOCK_OFFSET present
// X-Native-Guard: NV_IS_VMA_WRITE_LOCKED_HAS_MM_LOCK_SEQ_ARG present
// ---
// VMA_LOCK_OFFSET -> NVC_VMA_LOCK_OFFSET wherever it is used in code (an
// argument, an initialiser, any expression), and __is_vma_write_locked(V,
// S), the two-argument form before 7.0, -> nvc_is_vma_write_locked(V, S):
// any arguments, any spacing and line breaks, in any function and file,
// inside #if or not; only the names are replaced.  The one-argument form
// (7.0's) is left alone, and so are names that merely contain these
// (NV_VMA_LOCK_OFFSET, NVIDIA's own fix, which the X-Native-Fix line finds
// before the rule would run).
@@
symbol VMA_LOCK_OFFSET;
@@
- VMA_LOCK_OFFSET
+ NVC_VMA_LOCK_OFFSET

@@
expression V, S;
@@
- __is_vma_write_locked
+ nvc_is_vma_write_locked
  (V, S)
