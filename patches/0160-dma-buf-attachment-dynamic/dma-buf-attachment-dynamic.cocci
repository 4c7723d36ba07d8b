// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sun, 6 Dec 2026 13:00:00 +0000
// Subject: [PATCH] nvidia: ask whether a dma-buf importer is dynamic through the compat wrapper
//
// Linux 6.16 took dma_buf_attachment_is_dynamic() out of <linux/dma-buf.h>
// (upstream commit de68b17d5d07, "dma-buf: dma-buf: stop mapping sg_tables
// on attach v2"; it is a static helper of drivers/dma-buf/dma-buf.c since).
// nv_dma_buf_map() in nv-dmabuf.c (kernel-open 535.161.07 ... 570.133.20)
// refuses a dynamic importer that cannot take peer MMIO without struct
// page.  NVIDIA's conftest test for the helper compiles with
// -Wno-implicit-function-declaration, so it still defines
// NV_DMA_BUF_HAS_DYNAMIC_ATTACHMENT without it (seen on 7.2 and 7.3 with the
// -fms-extensions those need), and nv-dmabuf.c fails with
//
//   error: implicit declaration of function 'dma_buf_attachment_is_dynamic'
//
// Call nvc_dma_buf_attachment_is_dynamic(attach): the helper where the
// kernel has it, else `attach->importer_ops != NULL`, which is what the
// helper always was (probe NVC_DMA_BUF_ATTACHMENT_IS_DYNAMIC_PRESENT).  The
// check then compiles under NVIDIA's guard and keeps refusing what it
// refused.  NVIDIA's own fix (580.65.06, 595.45.04) tests
// attachment->importer_ops itself: fixed-natively.  Nothing is exported or
// called.  Debian's proprietary trees have no such check.
//
// Origin: other, https://git.kernel.org/linus/de68b17d5d07
// Forwarded: not-needed
// Last-Update: 2026-12-06
// X-Kernel-Release: 6.16
// X-Native-Fix: nvidia/nv-dmabuf.c (->|\.)importer_ops[[:space:]]*!=[[:space:]]*NULL
// X-Probe: NVC_DMA_BUF_ATTACHMENT_IS_DYNAMIC_PRESENT absent
// X-Residue: * dma_buf_attachment_is_dynamic[[:space:]]*\(
// ---
// dma_buf_attachment_is_dynamic(A) -> nvc_dma_buf_attachment_is_dynamic(A):
// any argument, spacing and line breaks, either branch of an #if; only the
// name is replaced.
@@
expression A;
@@
- dma_buf_attachment_is_dynamic
+ nvc_dma_buf_attachment_is_dynamic
  (A)
