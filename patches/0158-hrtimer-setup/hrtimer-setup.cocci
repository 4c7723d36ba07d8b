// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sun, 6 Dec 2026 13:00:00 +0000
// Subject: [PATCH] nvidia: set up the nano timer's hrtimer through the compat wrapper
//
// Linux 6.15 removed hrtimer_init() (upstream commit 9779489a31d7,
// "hrtimers: Delete hrtimer_init()"); its successor hrtimer_setup() (6.13,
// commit 908a1d775422) takes the callback as well.  The open flavour's
// nv-nano-timer.c (kernel-open 535.161.07 ... 570.133.20, where
// NV_NANO_TIMER_USE_HRTIMER is 1 on every architecture but ppc64le) fails
// with
//
//   error: implicit declaration of function 'hrtimer_init'
//
// Call nvc_hrtimer_setup(timer, callback, clock, mode) instead of
// hrtimer_init(timer, clock, mode) and the assignment of the callback that
// follows it: the old pair where hrtimer_init() exists, hrtimer_setup()
// where it does not (probe NVC_HRTIMER_INIT_PRESENT).  Both are
// EXPORT_SYMBOL_GPL, as before: only the open flavour ("Dual MIT/GPL")
// compiles this code; the proprietary flavour sets
// NV_NANO_TIMER_USE_HRTIMER to 0, and its dead copy of the same lines is
// rewritten alike.  NVIDIA's own fix (kernel-open 580.65.06 and 595.45.04;
// Debian's 535.261.03, 535.274.02, 550.54.15 and 550.163.01) calls
// hrtimer_setup() under its conftest macro
// NV_IS_EXPORT_SYMBOL_PRESENT_hrtimer_setup: fixed-natively.
//
// Origin: other, https://git.kernel.org/linus/9779489a31d7
// Forwarded: not-needed
// Last-Update: 2026-12-06
// X-Kernel-Release: 6.15
// X-Native-Fix: nvidia/nv-nano-timer.c (^|[^[:alnum:]_])hrtimer_setup[[:space:]]*\(
// X-Probe: NVC_HRTIMER_INIT_PRESENT absent
// X-Residue: * hrtimer_init[[:space:]]*\(
// X-Native-Guard: NV_IS_EXPORT_SYMBOL_PRESENT_hrtimer_setup absent
// ---
// hrtimer_init(T, C, M) followed by the assignment of T's callback F, with
// nothing between them that uses T, -> nvc_hrtimer_setup(T, F, C, M) where
// the assignment was (one line: --max-width).  T as &timer or as a pointer;
// any spacing, line breaks, function or file, either branch of an #if.  An
// hrtimer_init() without that assignment is left to the residue check.
#spatch --max-width 200
@@
expression T, C, M, F;
@@
- hrtimer_init(&T, C, M);
  ... when != T
- T.function = F;
+ nvc_hrtimer_setup(&T, F, C, M);

@@
expression P, C, M, F;
@@
- hrtimer_init(P, C, M);
  ... when != P
- P->function = F;
+ nvc_hrtimer_setup(P, F, C, M);
