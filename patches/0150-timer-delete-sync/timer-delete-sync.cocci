// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia: stop timers through the compat wrapper
//
// Linux 6.15 removed del_timer_sync() (upstream commit 8fa7292fee5c,
// "treewide: Switch/rename to timer_delete[_sync]()"); nv.c and
// nv-nano-timer.c fail with
//
//   error: implicit declaration of function 'del_timer_sync'
//
// Call nvc_timer_delete_sync(), which is del_timer_sync() where it exists
// and timer_delete_sync() (its new name since 6.2, commit 9b13df3fb64e)
// where it does not: the same deactivation that waits for a running
// callback, with the same return value.  Both are EXPORT_SYMBOL.
//
// Origin: other, https://git.kernel.org/linus/8fa7292fee5c
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.15
// X-Native-Fix: nvidia/nv.c (^|[^[:alnum:]_]|nv_)timer_delete_sync[[:space:]]*\(
// X-Probe: NVC_DEL_TIMER_SYNC_PRESENT absent
// X-Site: nvidia/nv.c rc_timer
// X-Site: nvidia/nv-nano-timer.c jiffy_timer
// X-Residue: * del_timer_sync[[:space:]]*\(
// X-Native-Guard: (NV_IS_EXPORT_SYMBOL_PRESENT_timer_delete_sync|NV_TIMER_DELETE_SYNC_PRESENT) absent
// ---
// del_timer_sync(E) -> nvc_timer_delete_sync(E): any argument, any spacing
// and line breaks; only the name is replaced, the argument keeps its layout.
@@
expression E;
@@
- del_timer_sync
+ nvc_timer_delete_sync
  (E)
