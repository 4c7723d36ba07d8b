// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nv-mm: set vm_flags without the GPL-only VMA write lock
//
// Since Linux 6.15, vma_start_write(), which vm_flags_set() and
// vm_flags_clear() call, calls the out-of-line __vma_start_write() (upstream
// commit 45ad9f5290dc), exported GPL-only, and modpost rejects nvidia.ko:
//
//   ERROR: modpost: GPL-incompatible module nvidia.ko uses GPL-only symbol '__vma_start_write'
//
// nv_vm_flags_set() and nv_vm_flags_clear() are called from mmap()
// handlers only, on a VMA that is not in the mm's VMA tree yet: no other
// thread can see it, and mmap_region() write-locks it itself when it
// inserts it.  Call nvc_vm_flags_set() / nvc_vm_flags_clear(): the kernel's
// vm_flags_set() / vm_flags_clear() where they reach no GPL-only symbol,
// otherwise a direct write of the flag word, after checking (a warning,
// once) that the VMA is still detached.  nvidia.ko's licence is unchanged.
//
// Drivers with NVIDIA's own workaround (NV_CAN_CALL_VMA_START_WRITE, an
// open-coded write lock: 570.169, and the Debian backports in 535.274.02,
// 550.54.15, 550.163.01) do not need this.
//
// Origin: other, https://git.kernel.org/linus/45ad9f5290dc
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.15
// X-Native-Fix: common/inc/nv-mm.h NV_CAN_CALL_VMA_START_WRITE
// X-Site: common/inc/nv-mm.h nv_vm_flags_set
// X-Probe: NVC_VMA_START_WRITE_OUT_OF_LINE present
// X-Residue: * vm_flags_(set|clear)[[:space:]]*\(
// X-Native-Guard: NV_CAN_CALL_VMA_START_WRITE present
// ---
// vm_flags_set(V, F) -> nvc_vm_flags_set(V, F) and vm_flags_clear(V, F) ->
// nvc_vm_flags_clear(V, F): any arguments, any spacing and line breaks, in
// any function and file, inside #if or not; only the name is replaced, the
// arguments keep their layout.  NVIDIA's wrappers nv_vm_flags_set() and
// nv_vm_flags_clear() are other names: the rule leaves them (and the calls
// of them) alone.  A declaration of vm_flags_set() is no call: the rule
// leaves it, and the residue check refuses it.
@@
expression V, F;
@@
(
- vm_flags_set
+ nvc_vm_flags_set
  (V, F)
|
- vm_flags_clear
+ nvc_vm_flags_clear
  (V, F)
)
