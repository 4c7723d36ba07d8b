// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_VMA_START_WRITE_OUT_OF_LINE */
/*
 * vma_start_write(), called by vm_flags_set() / vm_flags_clear(), calls the
 * out-of-line __vma_start_write(), exported GPL-only, since 6.15: commit
 * 45ad9f5290dc.  Declared only with CONFIG_PER_VMA_LOCK; without it
 * vma_start_write() is empty and vm_flags_set() reaches no export.
 */
#include <linux/mm.h>

unsigned long nvc_probe_vma_start_write_out_of_line(void)
{
	return (unsigned long)&__vma_start_write;
}
