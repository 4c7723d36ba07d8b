/* SPDX-License-Identifier: MIT */
#ifndef NVC_DMA_BUF_H
#define NVC_DMA_BUF_H

#include <linux/dma-buf.h>

/*
 * nvc_dma_buf_attachment_is_dynamic() - whether the importer of @attach
 * handles moves of the buffer itself (it attached with importer_ops, i.e.
 * through dma_buf_dynamic_attach() with a move_notify /
 * invalidate_mappings callback) instead of expecting it pinned.
 *
 * Replaces `dma_buf_attachment_is_dynamic(attach)`; returns what it
 * returned.
 *
 * 6.16 API change: commit de68b17d5d07 ("dma-buf: dma-buf: stop mapping
 * sg_tables on attach v2") took dma_buf_attachment_is_dynamic() out of
 * <linux/dma-buf.h> into drivers/dma-buf/dma-buf.c.  It was, before and
 * after, `!!attach->importer_ops`; the member is public
 * (struct dma_buf_attachment), and NVIDIA's own later drivers (580) test it
 * the same way.  Nothing is exported or called.
 */
static inline bool nvc_dma_buf_attachment_is_dynamic(struct dma_buf_attachment *attach)
{
#if defined(NVC_DMA_BUF_ATTACHMENT_IS_DYNAMIC_PRESENT)
	return dma_buf_attachment_is_dynamic(attach);
#else
	return attach->importer_ops != NULL;
#endif
}

#endif /* NVC_DMA_BUF_H */
