// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia: export the vGPU interface for symbol_get() as GPL-only
//
// nvidia-vgpu-vfio reaches nvidia_vgpu_vfio_set_ops() and
// nvidia_vgpu_vfio_get_ops() with symbol_get().  Since Linux 6.6
// (upstream commit 9011e49d54dc, "modules: only allow symbol_get of
// EXPORT_SYMBOL_GPL modules") symbol_get() finds only GPL-only exports
// and nvidia-vgpu-vfio fails to load.  Export the two symbols GPL-only:
// that only restricts which modules may use them; nvidia-vgpu-vfio is
// Dual MIT/GPL.  nvidia.ko's MODULE_LICENSE is not changed.
//
// Origin: other, https://git.kernel.org/linus/9011e49d54dc
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.6
// X-Native-Fix: nvidia/nv-vgpu-vfio-interface.c EXPORT_SYMBOL_GPL\(nvidia_vgpu_vfio_set_ops\)
// X-Probe: - (run-time change, every kernel from 6.6)
// X-Residue: * EXPORT_SYMBOL[[:space:]]*\([[:space:]]*nvidia_vgpu_vfio_(get|set)_ops[[:space:]]*\)
// ---
// EXPORT_SYMBOL(S) -> NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(S) for the two
// symbols nvidia-vgpu-vfio reaches with symbol_get(),
// nvidia_vgpu_vfio_set_ops and nvidia_vgpu_vfio_get_ops: at file scope in
// any file, any spacing inside the parentheses, inside #if or not.  Every
// other export is left as it is.
@@
declarer name EXPORT_SYMBOL;
declarer name NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET;
identifier S = {nvidia_vgpu_vfio_set_ops, nvidia_vgpu_vfio_get_ops};
@@
- EXPORT_SYMBOL(S);
+ NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(S);
