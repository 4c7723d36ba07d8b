// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nv-mm: write vm_flags in the 6.19 flags bitmap
//
// Linux 6.19 turned the VMA flags into a bitmap, vma->flags, written with
// vma_flags_set_word() / vma_flags_clear_word() (upstream commit
// c3f7c506e8f1, "mm: introduce VMA flags bitmap type"), and
// vm_area_struct lost __vm_flags.  In nv_vm_flags_set() and
// nv_vm_flags_clear() this breaks
//
//  - NVIDIA's open-coded path (570.169, as in 550.163.01):
//    error: 'struct vm_area_struct' has no member named '__vm_flags'
//  - the fallback for kernels without const vm_flags, which NVIDIA's
//    conftest (offsetof __vm_flags) now selects:
//    error: assignment of read-only member 'vm_flags'
//
// The open-coded path writes the flag word through
// nvc_vma_flags_set_word() / nvc_vma_flags_clear_word() (after its own
// nv_vma_start_write(), as before); the fallback calls nvc_vm_flags_set() /
// nvc_vm_flags_clear(), which take the form each kernel needs.
//
// Origin: other, https://git.kernel.org/linus/c3f7c506e8f1
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.19
// X-Native-Fix: common/inc/nv-mm.h NV_VMA_FLAGS_SET_WORD_PRESENT
// X-Site: common/inc/nv-mm.h nv_vm_flags_set
// X-Probe: NVC_VMA_FLAGS_SET_WORD_PRESENT present
// X-Residue: * __vm_flags
// X-Residue: * ->vm_flags[[:space:]]*[|&]?=([^=]|$)
// X-Native-Guard: NV_VMA_FLAGS_SET_WORD_PRESENT absent
// X-Native-Guard: NV_VM_FLAGS_SET_PRESENT absent
// ---
// The statements that write the flag word in place:
//   V->vm_flags |= F;                   -> nvc_vm_flags_set(V, F);
//   V->vm_flags &= ~F;                  -> nvc_vm_flags_clear(V, F);
//   ACCESS_PRIVATE(V, __vm_flags) |= F;  -> nvc_vma_flags_set_word(V, F);
//   ACCESS_PRIVATE(V, __vm_flags) &= ~F; -> nvc_vma_flags_clear_word(V, F);
// any expression for the VMA and the flags, any spacing and line breaks, in
// any function and file, in either branch of an #if; the statement becomes
// the call on one line, where it was.  A read of the flags (V->vm_flags &
// VM_WRITE, a comparison), a plain assignment V->vm_flags = F and
// ACCESS_PRIVATE() of another member are no such write: the rule leaves
// them (an assignment to vm_flags is residue).  Where NVIDIA's own
// vma_flags_set_word() path exists (NV_VMA_FLAGS_SET_WORD_PRESENT), the
// topic is fixed natively and the rule does not run.
@@
expression V, F;
symbol __vm_flags;
@@
(
- V->vm_flags |= F;
+ nvc_vm_flags_set(V, F);
|
- V->vm_flags &= ~F;
+ nvc_vm_flags_clear(V, F);
|
- ACCESS_PRIVATE(V, __vm_flags) |= F;
+ nvc_vma_flags_set_word(V, F);
|
- ACCESS_PRIVATE(V, __vm_flags) &= ~F;
+ nvc_vma_flags_clear_word(V, F);
)
