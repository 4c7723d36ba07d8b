// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia-vgpu-vfio: signal eventfds through the compat wrapper
//
// Linux 6.8 dropped the counter argument of eventfd_signal() (upstream
// commit 3652117f8548, "eventfd: simplify eventfd_signal()"); the build
// fails in vgpu_msix_handler() and nv_vgpu_inject_interrupt() with
//
//   error: too many arguments to function 'eventfd_signal'
//
// Call nvc_eventfd_signal(), which adds exactly 1 on every kernel, as
// eventfd_signal(ctx, 1) did.
//
// Origin: other, https://git.kernel.org/linus/3652117f8548
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.8
// X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_EVENTFD_SIGNAL_HAS_COUNTER_ARG
// X-Probe: NVC_EVENTFD_SIGNAL_HAS_COUNTER_ARG absent
// X-Residue: * eventfd_signal[[:space:]]*\([^,()]+,[^,()]+\)
// X-Native-Guard: NV_EVENTFD_SIGNAL_HAS_COUNTER_ARG present
// ---
// eventfd_signal(E, 1) -> nvc_eventfd_signal(E): any expression E, any
// spacing and line breaks inside the call, in any function and file, in
// either branch of an #if.
@@
expression E;
@@
- eventfd_signal(E, 1)
+ nvc_eventfd_signal(E)

// A call already converted by hand to the 6.8 form, eventfd_signal(E),
// builds on 6.8 and later only: it gets the wrapper too (the same count of
// 1 on every kernel), so that a half-converted tree builds everywhere.
// (A tree that confines either form under its own conftest macro is
// fixed-natively and never reaches this rule.)
@@
expression E;
@@
- eventfd_signal(E)
+ nvc_eventfd_signal(E)
