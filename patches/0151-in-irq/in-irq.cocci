// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia: ask for hard interrupt context through the compat wrapper
//
// Linux 6.19 removed in_irq() (upstream commit 70e0a80a1f35, "treewide:
// Remove in_irq()"), which had long been another name for in_hardirq().
// os_is_isr() and the delay helpers of nv-time.h, included by every object,
// fail with
//
//   error: implicit declaration of function 'in_irq'
//
// Call nvc_in_hardirq(): in_irq() where it exists, in_hardirq() where it
// does not; both read hardirq_count().
//
// Origin: other, https://git.kernel.org/linus/70e0a80a1f35
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.19
// X-Native-Fix: common/inc/nv-time.h (^|[^[:alnum:]_]|nv_)in_hardirq[[:space:]]*\(
// X-Native-Fix: nvidia/os-interface.c (^|[^[:alnum:]_]|nv_)in_hardirq[[:space:]]*\(
// X-Probe: NVC_IN_IRQ_PRESENT absent
// X-Site: common/inc/nv-time.h NV_MAX_ISR_DELAY
// X-Site: nvidia/os-interface.c os_is_isr
// X-Residue: * in_irq[[:space:]]*\([[:space:]]*\)
// X-Native-Guard: (in_hardirq|NV_IN_HARDIRQ_PRESENT) absent
// ---
// in_irq() -> nvc_in_hardirq(): any call, in any expression, function or
// file (nv-time.h's inline helpers included); only the name is replaced.
@@
@@
- in_irq
+ nvc_in_hardirq
  ()
