/* SPDX-License-Identifier: MIT */
#ifndef NVC_MM_H
#define NVC_MM_H

/*
 * linux/mm.h, linux/mmap_lock.h, linux/pgtable.h: page-frame lookup in PFN
 * mappings, and vm_flags changes of a VMA that the driver's mmap() handler
 * sets up.
 *
 * nvidia.ko is MODULE_LICENSE("NVIDIA"): nothing here may reach a GPL-only
 * export.  Where the kernel moved a service behind one, the wrapper does the
 * same work with inline kernel code only (page-table accessors, flag words).
 */

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/refcount.h>

/* ------------------------------------------------------------------------
 * nvc_follow_pfn(vma, address, &pfn)
 *
 * Replaces follow_pfn(vma, address, &pfn) (os-mlock.c: nv_follow_pfn()).
 * Sets *pfn to the page frame mapped at @address and returns 0; returns
 * -EINVAL when @vma is neither VM_IO nor VM_PFNMAP, @address lies outside
 * it, or nothing is mapped there.  The caller holds the mmap lock of
 * vma->vm_mm (for read at least), as for follow_pfn().  An address outside
 * @vma is refused on every kernel: follow_pfn() did not check (it would
 * read a neighbouring VMA's entry), follow_pfnmap_start() does, and
 * NVIDIA's callers only pass addresses inside the VMA they looked up.
 *
 * 6.10 API change: commit 233eb0bf3b94 ("mm: remove follow_pfn") removed
 * follow_pfn(), which every module could call (EXPORT_SYMBOL).  What
 * replaced it, follow_pte() with a VMA (commit 29ae7d96d166, 6.10) and then
 * follow_pfnmap_start()/_end() (6.12), is EXPORT_SYMBOL_GPL: nvidia.ko must
 * not call it.  Drivers that only stubbed nv_follow_pfn() out (return -1)
 * lost os_lookup_user_io_memory() on these kernels.
 *
 * So where follow_pfn() is gone, the page tables are walked here, with the
 * inline accessors of <linux/pgtable.h> only, the way the kernel's
 * get_user_pages_fast() walks them without locks:
 *  - interrupts are off during the walk: a page table freed under the mmap
 *    read lock (MADV_DONTNEED reclaiming empty PTE tables, khugepaged) is
 *    freed after a TLB-flush IPI or an RCU grace period, and both wait for
 *    us;
 *  - each entry is read once (READ_ONCE / ptep_get) and the next level is
 *    found from that copy, never by reading the entry again;
 *  - huge PUD / PMD leaves (huge PFN maps, 6.12+) give the PFN of the page
 *    inside the leaf, as follow_pfnmap_start() does.
 * follow_pfn() took the PTE lock only to read the entry and dropped it
 * before returning the PFN: a PFN read in one load is the same answer.
 * The PTE tables must be in the kernel's direct map (true on every 64-bit
 * architecture; only 32-bit CONFIG_HIGHPTE keeps them in high memory, and
 * NVIDIA's driver is 64-bit only).
 */
#if defined(NVC_FOLLOW_PFN_PRESENT)
static inline int nvc_follow_pfn(struct vm_area_struct *vma,
				 unsigned long address, unsigned long *pfn)
{
	/* follow_pfn() would look past the VMA into a neighbour's entries */
	if (address < vma->vm_start || address >= vma->vm_end)
		return -EINVAL;
	return follow_pfn(vma, address, pfn);
}
#else /* !NVC_FOLLOW_PFN_PRESENT: 6.10+ */
/* The walk itself; interrupts are off.  0 and *pfn, or -EINVAL. */
static inline int nvc_follow_pfn_walk(struct mm_struct *mm,
				      unsigned long address, unsigned long *pfn)
{
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;
	pte_t pte;

	pgd = READ_ONCE(*pgd_offset(mm, address));
	if (pgd_none(pgd) || unlikely(pgd_bad(pgd)))
		return -EINVAL;

	p4d = READ_ONCE(*p4d_offset(&pgd, address));
	if (p4d_none(p4d) || unlikely(p4d_bad(p4d)))
		return -EINVAL;

	pud = READ_ONCE(*pud_offset(&p4d, address));
	if (!pud_present(pud))
		return -EINVAL;
	if (pud_leaf(pud)) {
		*pfn = pud_pfn(pud) + ((address & ~PUD_MASK) >> PAGE_SHIFT);
		return 0;
	}
	if (unlikely(pud_bad(pud)))
		return -EINVAL;

	pmd = READ_ONCE(*pmd_offset(&pud, address));
	if (!pmd_present(pmd))
		return -EINVAL;
	if (pmd_leaf(pmd)) {
		*pfn = pmd_pfn(pmd) + ((address & ~PMD_MASK) >> PAGE_SHIFT);
		return 0;
	}
	if (unlikely(pmd_bad(pmd)))
		return -EINVAL;

	pte = ptep_get(pte_offset_kernel(&pmd, address));
	if (!pte_present(pte))
		return -EINVAL;
	*pfn = pte_pfn(pte);
	return 0;
}

static inline int nvc_follow_pfn(struct vm_area_struct *vma,
				 unsigned long address, unsigned long *pfn)
{
	unsigned long flags;
	int ret;

	/* User page tables in high memory: not reachable this way. */
	BUILD_BUG_ON(IS_ENABLED(CONFIG_HIGHPTE));

	if (!(vma->vm_flags & (VM_IO | VM_PFNMAP)))
		return -EINVAL;
	if (address < vma->vm_start || address >= vma->vm_end)
		return -EINVAL;

	local_irq_save(flags);
	ret = nvc_follow_pfn_walk(vma->vm_mm, address, pfn);
	local_irq_restore(flags);
	return ret;
}
#endif /* !NVC_FOLLOW_PFN_PRESENT */

/* ------------------------------------------------------------------------
 * nvc_vma_flags_set_word(vma, flags) / nvc_vma_flags_clear_word(vma, flags)
 *
 * Set / clear bits of the VMA's first flags word, taking no lock: for a VMA
 * that no other thread can reach yet, or that the caller has write-locked
 * (NVIDIA's open-coded path: nv_vma_start_write(), then the flags).
 * Replaces ACCESS_PRIVATE(vma, __vm_flags) |= / &= ~flags.
 *
 * 6.19 API change: commit c3f7c506e8f1 ("mm: introduce VMA flags bitmap
 * type") turned the flags into a bitmap, vma->flags, written with
 * vma_flags_set_word() / vma_flags_clear_word(); vm_area_struct has no
 * __vm_flags any more.  6.3 (commit bc292ab00f6c, "mm: introduce
 * vma->vm_flags wrapper functions") had made vm_flags const, writable only
 * as __vm_flags; before 6.3 vm_flags itself is written.
 */
static inline void nvc_vma_flags_set_word(struct vm_area_struct *vma,
					  vm_flags_t flags)
{
#if defined(NVC_VMA_FLAGS_SET_WORD_PRESENT)
	vma_flags_set_word(&vma->flags, flags);		/* 6.19+ */
#elif defined(NVC_VM_FLAGS_SET_PRESENT)
	ACCESS_PRIVATE(vma, __vm_flags) |= flags;	/* 6.3 ... 6.18 */
#else
	vma->vm_flags |= flags;				/* < 6.3 */
#endif
}

static inline void nvc_vma_flags_clear_word(struct vm_area_struct *vma,
					    vm_flags_t flags)
{
#if defined(NVC_VMA_FLAGS_SET_WORD_PRESENT)
	vma_flags_clear_word(&vma->flags, flags);	/* 6.19+ */
#elif defined(NVC_VM_FLAGS_SET_PRESENT)
	ACCESS_PRIVATE(vma, __vm_flags) &= ~flags;	/* 6.3 ... 6.18 */
#else
	vma->vm_flags &= ~flags;			/* < 6.3 */
#endif
}

/* ------------------------------------------------------------------------
 * nvc_vm_flags_set(vma, flags) / nvc_vm_flags_clear(vma, flags)
 *
 * vm_flags_set() / vm_flags_clear() for a VMA that the driver's mmap()
 * handler (f_op->mmap) is setting up.  Replaces vm_flags_set(vma, flags) /
 * vm_flags_clear(vma, flags), and before 6.3 vma->vm_flags |= / &= ~flags.
 *
 * 6.15 API change: commit 45ad9f5290dc moved the body of vma_start_write(),
 * which vm_flags_set() calls, out of line into __vma_start_write(), an
 * EXPORT_SYMBOL_GPL: modpost then rejects nvidia.ko with "GPL-incompatible
 * module nvidia.ko uses GPL-only symbol '__vma_start_write'".
 *
 * The VMA write lock keeps page faults that run under the per-VMA lock away
 * from a VMA whose flags change.  The VMA an mmap() handler gets is not in
 * the mm's VMA tree yet: mmap_region() inserts it, and write-locks it, only
 * after the handler returned, so no one else can see it (the kernel's own
 * vm_flags_init() / __vm_flags_mod() are for this case).  Where
 * vm_flags_set() would reach __vma_start_write(), the flags are therefore
 * written directly, after checking that the VMA is still detached from the
 * tree (vm_refcnt 0, since 6.15): a caller that breaks this rule gets a
 * warning, once.  Everywhere else the kernel's own functions are called, as
 * before.  Every caller in NVIDIA's modules runs in an mmap() handler.
 */
#if defined(NVC_VMA_START_WRITE_OUT_OF_LINE)
static inline void nvc_vma_assert_unpublished(struct vm_area_struct *vma)
{
	WARN_ON_ONCE(refcount_read(&vma->vm_refcnt) != 0);
}
#endif

static inline void nvc_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#if defined(NVC_VMA_START_WRITE_OUT_OF_LINE)
	nvc_vma_assert_unpublished(vma);		/* 6.15+ */
	nvc_vma_flags_set_word(vma, flags);
#elif defined(NVC_VM_FLAGS_SET_PRESENT)
	vm_flags_set(vma, flags);			/* 6.3 ... 6.14 */
#else
	vma->vm_flags |= flags;				/* < 6.3 */
#endif
}

static inline void nvc_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#if defined(NVC_VMA_START_WRITE_OUT_OF_LINE)
	nvc_vma_assert_unpublished(vma);		/* 6.15+ */
	nvc_vma_flags_clear_word(vma, flags);
#elif defined(NVC_VM_FLAGS_SET_PRESENT)
	vm_flags_clear(vma, flags);			/* 6.3 ... 6.14 */
#else
	vma->vm_flags &= ~flags;			/* < 6.3 */
#endif
}

/* ------------------------------------------------------------------------
 * nvc_is_vma_write_locked(vma, &mm_lock_seq) and NVC_VMA_LOCK_OFFSET
 *
 * For NVIDIA's open-coded VMA write lock (nv-mmap.c: nv_vma_start_write(),
 * the 6.15 workaround of 570.169 backported to 550.163.01), which uses the
 * kernel's per-VMA lock internals.
 *
 * nvc_is_vma_write_locked() replaces __is_vma_write_locked(vma, &seq): true
 * when @vma is write-locked, and *mm_lock_seq set to the mm's lock sequence
 * (the value a write lock stores in vma->vm_lock_seq).  The caller holds
 * the mmap write lock.  7.0 API change: commit 22f7639f2f03 ("mm/vma:
 * improve and document __is_vma_write_locked()") dropped the mm_lock_seq
 * argument; the sequence is read with __vma_raw_mm_seqnum().
 *
 * NVC_VMA_LOCK_OFFSET replaces VMA_LOCK_OFFSET, the vm_refcnt bias of a
 * writer waiting for readers.  7.0 API change: the same series ("mm/vma:
 * rename VMA_LOCK_OFFSET to VM_REFCNT_EXCLUDE_READERS_FLAG") renamed it,
 * with the same value.
 */
#if defined(CONFIG_PER_VMA_LOCK)
static inline bool nvc_is_vma_write_locked(struct vm_area_struct *vma,
					   unsigned int *mm_lock_seq)
{
#if defined(NVC_IS_VMA_WRITE_LOCKED_HAS_MM_LOCK_SEQ_ARG)
	return __is_vma_write_locked(vma, mm_lock_seq);	/* 6.4 ... 6.19 */
#else
	*mm_lock_seq = __vma_raw_mm_seqnum(vma);	/* 7.0+ */
	return __is_vma_write_locked(vma);
#endif
}
#endif /* CONFIG_PER_VMA_LOCK */

#if defined(NVC_VM_REFCNT_EXCLUDE_READERS_FLAG_PRESENT)
#define NVC_VMA_LOCK_OFFSET VM_REFCNT_EXCLUDE_READERS_FLAG	/* 7.0+ */
#else
#define NVC_VMA_LOCK_OFFSET VMA_LOCK_OFFSET			/* 6.15 ... 6.19 */
#endif

#endif /* NVC_MM_H */
