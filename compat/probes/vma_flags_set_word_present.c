// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_VMA_FLAGS_SET_WORD_PRESENT */
/*
 * vma_flags_set_word() / vma_flags_clear_word() on the vma->flags bitmap,
 * added in 6.19 by commit c3f7c506e8f1 ("mm: introduce VMA flags bitmap
 * type"), which removed vm_area_struct::__vm_flags.
 */
#include <linux/mm.h>

void nvc_probe_vma_flags_set_word_present(struct vm_area_struct *vma)
{
	vma_flags_set_word(&vma->flags, VM_IO);
	vma_flags_clear_word(&vma->flags, VM_IO);
}
