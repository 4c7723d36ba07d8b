// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_VM_REFCNT_EXCLUDE_READERS_FLAG_PRESENT */
/*
 * VM_REFCNT_EXCLUDE_READERS_FLAG, the vm_refcnt bias of a VMA writer
 * waiting for readers, called VMA_LOCK_OFFSET from 6.15 until 7.0 ("mm/vma:
 * rename VMA_LOCK_OFFSET to VM_REFCNT_EXCLUDE_READERS_FLAG", the series of
 * commit 22f7639f2f03).
 */
#include <linux/mm.h>

unsigned int nvc_probe_vm_refcnt_exclude_readers_flag = VM_REFCNT_EXCLUDE_READERS_FLAG;
