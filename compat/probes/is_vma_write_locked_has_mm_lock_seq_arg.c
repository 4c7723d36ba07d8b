// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_IS_VMA_WRITE_LOCKED_HAS_MM_LOCK_SEQ_ARG */
/*
 * __is_vma_write_locked(vma, &mm_lock_seq) (CONFIG_PER_VMA_LOCK, 6.4+); the
 * second argument was removed in 7.0 by commit 22f7639f2f03 ("mm/vma:
 * improve and document __is_vma_write_locked()").
 */
#include <linux/mm.h>

bool nvc_probe_is_vma_write_locked_has_mm_lock_seq_arg(struct vm_area_struct *vma)
{
	unsigned int mm_lock_seq;

	return __is_vma_write_locked(vma, &mm_lock_seq);
}
