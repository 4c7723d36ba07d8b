// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_DMA_BUF_ATTACHMENT_IS_DYNAMIC_PRESENT */
/*
 * dma_buf_attachment_is_dynamic(), an inline of <linux/dma-buf.h>, made a
 * static helper of drivers/dma-buf/dma-buf.c in 6.16 by commit
 * de68b17d5d07 ("dma-buf: dma-buf: stop mapping sg_tables on attach v2").
 * It was and is "attach->importer_ops != NULL".
 */
#include <linux/dma-buf.h>

/* its address, not a call: an undeclared call would be only a warning here */
bool (*nvc_probe_dma_buf_attachment_is_dynamic)(struct dma_buf_attachment *) =
	dma_buf_attachment_is_dynamic;
