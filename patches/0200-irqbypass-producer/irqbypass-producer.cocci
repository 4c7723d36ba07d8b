// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia-vgpu-vfio: register IRQ bypass producers through the compat wrapper
//
// Linux 6.17 changed how an IRQ bypass producer is registered: struct
// irq_bypass_producer lost its token (upstream commit 2b521d86ee80,
// "irqbypass: Take ownership of producer/consumer token tracking"), and
// irq_bypass_register_producer() takes the eventfd and the Linux IRQ
// number (upstream commit 23b54381cee2, "irqbypass: Require producers to
// pass in Linux IRQ number during registration").  vGPU 18 registers one
// producer per host MSI-X vector of a VF and fails with
//
//   error: 'struct irq_bypass_producer' has no member named 'token'
//   error: too few arguments to function 'irq_bypass_register_producer'
//
// Call nvc_irq_bypass_register_producer(producer, eventfd, irq), which on
// older kernels sets the token and IRQ number, registers, and clears the
// token again when the registration fails, as the driver did; on newer
// ones the IRQ bypass manager does all of that itself.  KVM keeps posting
// the VF's interrupts to the vCPU directly.
//
// Origin: other, https://git.kernel.org/linus/2b521d86ee80
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.17
// X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS
// X-Native-Fix: nvidia-vgpu-vfio/vgpu-vfio-pci-core.c NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS
// X-Site: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c irq_bypass_register_producer\(
// X-Probe: NVC_IRQ_BYPASS_REGISTER_PRODUCER_TAKES_EVENTFD_AND_IRQ present
// X-Residue: * irq_bypass_register_producer[[:space:]]*\([^,()]*\)
// X-Residue: * producer(->|\.)token[[:space:]]*=
// X-Native-Guard: NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS absent
// X-Native-Guard: NV_IRQ_BYPASS_PRODUCER_HAS_TOKEN present
// ---
// A producer registered the pre-6.17 way: its token and Linux IRQ number
// set by hand right before the registration,
//   P->token = T; P->irq = I; R = irq_bypass_register_producer(P);
// (the two assignments in either order, P any expression, as pointer or
// struct: P.token with &P) -> R = nvc_irq_bypass_register_producer(P, T, I);
// any spacing and line breaks, in any function and file, inside #if or not.
// Then, after such a registration, the token cleared by hand on a path
// where it failed, P->token = NULL;, is removed: the wrapper does that
// itself where the kernel does not.  A registration without the token set
// just before it (the eventfd unknown here) is left to the residue check.
@reg@
expression P, T, I, R;
@@
(
- P->token = T;
- P->irq = I;
- R = irq_bypass_register_producer(P);
+ R = nvc_irq_bypass_register_producer(P, T, I);
|
- P->irq = I;
- P->token = T;
- R = irq_bypass_register_producer(P);
+ R = nvc_irq_bypass_register_producer(P, T, I);
|
- P.token = T;
- P.irq = I;
- R = irq_bypass_register_producer(&P);
+ R = nvc_irq_bypass_register_producer(&P, T, I);
|
- P.irq = I;
- P.token = T;
- R = irq_bypass_register_producer(&P);
+ R = nvc_irq_bypass_register_producer(&P, T, I);
)

@depends on reg exists@
expression P, E, R, T, I;
@@
(
  R = nvc_irq_bypass_register_producer(&E, T, I);
  ...
- E.token = NULL;
|
  R = nvc_irq_bypass_register_producer(P, T, I);
  ...
- P->token = NULL;
)
