// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sun, 6 Dec 2026 12:00:00 +0000
// Subject: [PATCH] nvidia: import the DMA_BUF namespace in the form the kernel expects
//
// Linux 6.13 made MODULE_IMPORT_NS() take a string literal (upstream
// commit cdd30ebb1b9f, "module: Convert symbol namespace to string
// literal"). The open flavour's nvidia.ko (kernel-open/, NVIDIA's
// open-gpu-kernel-modules glue before 570) imports DMA_BUF with the
// identifier form, in nv-frontend.c (535) or nv.c (550), and fails with
//
//   error: expected ',' or ';' before 'DMA_BUF'
//
// Use NVC_MODULE_IMPORT_NS(DMA_BUF), which expands to the identifier
// before 6.13 and to the string from 6.13 on (probe
// NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER).  The proprietary flavour's
// MODULE_IMPORT_NS block is empty; NVIDIA's own fix (570) chooses the form
// by its conftest macro NV_MODULE_IMPORT_NS_TAKES_CONSTANT.
//
// Origin: other, https://git.kernel.org/linus/cdd30ebb1b9f
// Forwarded: not-needed
// Last-Update: 2026-12-06
// X-Kernel-Release: 6.13
// X-Native-Fix: nvidia/nv.c NV_MODULE_IMPORT_NS_TAKES_(STRING_LITERAL|CONSTANT)
// X-Native-Fix: nvidia/nv-frontend.c NV_MODULE_IMPORT_NS_TAKES_(STRING_LITERAL|CONSTANT)
// X-Probe: NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER absent
// X-Residue: nvidia/* MODULE_IMPORT_NS[[:space:]]*\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\)
// X-Residue: common/* MODULE_IMPORT_NS[[:space:]]*\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\)
// X-Native-Guard: NV_MODULE_IMPORT_NS_TAKES_CONSTANT present
// X-Native-Guard: NV_MODULE_IMPORT_NS_TAKES_STRING_LITERAL absent
// ---
// MODULE_IMPORT_NS(NS) with an identifier -> NVC_MODULE_IMPORT_NS(NS), at
// file scope, in any file of nvidia.ko, inside #if or not.
@@
declarer name MODULE_IMPORT_NS;
declarer name NVC_MODULE_IMPORT_NS;
identifier NS;
@@
- MODULE_IMPORT_NS(NS);
+ NVC_MODULE_IMPORT_NS(NS);
