// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_VM_FLAGS_SET_PRESENT */
/*
 * vm_flags_set() / vm_flags_clear(), added in 6.3 by commit bc292ab00f6c
 * ("mm: introduce vma->vm_flags wrapper functions"), which also made
 * vm_area_struct::vm_flags const (writable as __vm_flags until 6.19).
 */
#include <linux/mm.h>

void nvc_probe_vm_flags_set_present(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO);
	vm_flags_clear(vma, VM_IO);
}
