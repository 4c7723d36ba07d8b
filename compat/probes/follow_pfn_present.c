// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_FOLLOW_PFN_PRESENT */
/*
 * follow_pfn(vma, address, &pfn), exported to every module, removed in 6.10
 * by commit 233eb0bf3b94 ("mm: remove follow_pfn").  Its successors,
 * follow_pte() and follow_pfnmap_start(), are GPL-only.
 */
#include <linux/mm.h>

int (*nvc_probe_follow_pfn)(struct vm_area_struct *, unsigned long,
			    unsigned long *) = follow_pfn;
