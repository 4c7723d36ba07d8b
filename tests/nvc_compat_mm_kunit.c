// SPDX-License-Identifier: MIT
/*
 * KUnit tests of the memory-management wrappers of compat/nvc-mm.h, run on a
 * real mm: the case's kthread gets an mm of its own (as recent KUnit's
 * kunit_attach_mm() does; done here so that kernels without it, like 6.1,
 * run the cases too), and an anonymous-inode file whose mmap() handler
 * remap_pfn_range()s pages the case allocated gives it real VM_IO |
 * VM_PFNMAP mappings, with real page tables, as NVIDIA's
 * os_lookup_user_io_memory() meets them.
 *
 * Built like tests/nvc_compat_kunit.c: the repository's Kbuild lists this
 * object in NV_OBJECTS_DEPEND_ON_CONFTEST, so it gets nvc-compat.h and the
 * probes of the kernel it is built for.  Run it with tests/kunit/run.sh.
 *
 * Suites:
 *   nvc_compat_mm_follow_pfn  nvc_follow_pfn()
 *   nvc_compat_mm_vm_flags    nvc_vm_flags_set/_clear(),
 *                             nvc_vma_flags_set_word/_clear_word()
 *   nvc_compat_mm_vma_lock    nvc_is_vma_write_locked(), NVC_VMA_LOCK_OFFSET
 *                             (needs CONFIG_PER_VMA_LOCK: UML has none)
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#ifndef NVC_COMPAT_H
#error "nvc-compat.h was not force-included: build through the repository's Kbuild"
#endif

/* Pages the cases map: a power of two, contiguous. */
#define NVC_MM_ORDER	2
#define NVC_MM_PAGES	(1UL << NVC_MM_ORDER)

/* An impossible PFN, to see that a failed lookup leaves *pfn alone. */
#define NVC_MM_NO_PFN	(~0UL)

struct nvc_mm_fixture {
	struct mm_struct *mm;
	struct page *pages;		/* NVC_MM_PAGES contiguous pages */
	unsigned long pfn;		/* of pages[0] */
	struct file *file;		/* its mmap() remaps pages[first ...] */
	unsigned long first;		/* first page the handler maps */
	unsigned long mapped;		/* pages the handler maps (may be < vma) */
	unsigned int mmap_calls;
	vm_flags_t handler_flags;	/* vm_flags the handler saw at its end */
};

/*
 * The mmap() handler: what NVIDIA's nvidia_mmap_helper() does to a BAR
 * mapping, with the compat wrappers: vm_flags through nvc_vm_flags_set() /
 * _clear() on the VMA being set up, then remap_pfn_range().
 */
static int nvc_mm_kunit_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct nvc_mm_fixture *f = file->private_data;
	unsigned long n = min(f->mapped, vma_pages(vma));
	int ret = 0;

	f->mmap_calls++;
	nvc_vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND);
	nvc_vm_flags_clear(vma, VM_MAYEXEC);
	if (n)
		ret = remap_pfn_range(vma, vma->vm_start, f->pfn + f->first,
				      n << PAGE_SHIFT, vma->vm_page_prot);
	f->handler_flags = vma->vm_flags;
	return ret;
}

static const struct file_operations nvc_mm_kunit_fops = {
	.owner = THIS_MODULE,
	.mmap = nvc_mm_kunit_mmap,
};

/*
 * Give the case's kthread an mm of its own, with the mmap layout of a
 * process: its mappings go when the kthread exits (exit_mm()).
 */
static int nvc_mm_attach(void)
{
	struct mm_struct *mm;

	if (current->mm)
		return 0;
	mm = mm_alloc();
	if (!mm)
		return -ENOMEM;
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	kthread_use_mm(mm);
	return 0;
}

static int nvc_mm_test_init(struct kunit *test)
{
	struct nvc_mm_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;

	KUNIT_ASSERT_EQ_MSG(test, nvc_mm_attach(), 0, "no mm for the case's kthread");
	f->mm = current->mm;
	KUNIT_ASSERT_NOT_NULL(test, f->mm);

	f->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, NVC_MM_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, f->pages);
	f->pfn = page_to_pfn(f->pages);

	f->file = anon_inode_getfile("[nvc_mm_kunit]", &nvc_mm_kunit_fops, f, O_RDWR);
	if (IS_ERR(f->file)) {
		int err = PTR_ERR(f->file);

		f->file = NULL;
		KUNIT_FAIL(test, "anon_inode_getfile: %d", err);
		return err;
	}
	return 0;
}

/*
 * The mappings hold a reference to the file, not to the pages (PFN maps do
 * not count them): the pages may go before the case's mm does.
 */
static void nvc_mm_test_exit(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;

	if (!f)
		return;
	if (f->file)
		fput(f->file);
	if (f->pages)
		__free_pages(f->pages, NVC_MM_ORDER);
}

/*
 * mmap(2) of @pages pages of the file (at @fixed if not 0), whose handler
 * remaps @mapped of them, from pages[@first].
 */
static unsigned long nvc_mm_map(struct kunit *test, unsigned long fixed,
				unsigned long pages, unsigned long first,
				unsigned long mapped)
{
	struct nvc_mm_fixture *f = test->priv;
	unsigned long addr;

	KUNIT_ASSERT_LE(test, first + mapped, NVC_MM_PAGES);
	f->first = first;
	f->mapped = mapped;
	addr = vm_mmap(f->file, fixed, pages << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		       MAP_SHARED | (fixed ? MAP_FIXED : 0), 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "vm_mmap: %ld", (long)addr);
	return addr;
}

/* nvc_follow_pfn() at @addr, in the VMA that contains @vma_addr. */
static int nvc_mm_follow(struct kunit *test, unsigned long vma_addr,
			 unsigned long addr, unsigned long *pfn)
{
	struct nvc_mm_fixture *f = test->priv;
	struct vm_area_struct *vma;
	int ret;

	*pfn = NVC_MM_NO_PFN;
	mmap_read_lock(f->mm);
	vma = find_vma(f->mm, vma_addr);
	if (!vma || vma->vm_start > vma_addr) {
		mmap_read_unlock(f->mm);
		KUNIT_FAIL(test, "no VMA at %#lx", vma_addr);
		return -ENOENT;
	}
	ret = nvc_follow_pfn(vma, addr, pfn);
	mmap_read_unlock(f->mm);
	return ret;
}

/* vm_flags of the VMA at @addr. */
static vm_flags_t nvc_mm_vm_flags(struct kunit *test, unsigned long addr)
{
	struct nvc_mm_fixture *f = test->priv;
	struct vm_area_struct *vma;
	vm_flags_t flags = 0;

	mmap_read_lock(f->mm);
	vma = find_vma(f->mm, addr);
	if (vma && vma->vm_start <= addr)
		flags = vma->vm_flags;
	mmap_read_unlock(f->mm);
	KUNIT_EXPECT_NE_MSG(test, flags, 0, "no VMA at %#lx", addr);
	return flags;
}

/* ------------------------------------------------------------------------
 * nvc_compat_mm_follow_pfn: nvc_follow_pfn(vma, address, &pfn)
 *
 * follow_pfn() gave, for an address of a VM_IO / VM_PFNMAP VMA, the PFN
 * mapped there, and -EINVAL otherwise; so must the wrapper, which since
 * 6.10 walks the page tables itself.
 */

/* Every page of a remap_pfn_range() mapping, at any offset in the page. */
static void nvc_follow_pfn_every_page(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;
	unsigned long addr, pfn, i;

	addr = nvc_mm_map(test, 0, NVC_MM_PAGES, 0, NVC_MM_PAGES);
	KUNIT_ASSERT_TRUE(test, nvc_mm_vm_flags(test, addr) & VM_PFNMAP);

	for (i = 0; i < NVC_MM_PAGES; i++) {
		unsigned long page = addr + (i << PAGE_SHIFT);

		KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, page, &pfn), 0);
		KUNIT_EXPECT_EQ_MSG(test, pfn, f->pfn + i, "page %lu", i);
		KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, page + PAGE_SIZE - 1, &pfn), 0);
		KUNIT_EXPECT_EQ_MSG(test, pfn, f->pfn + i, "last byte of page %lu", i);
	}
}

/* The PFNs are those of the pages the handler chose, not of the VMA's pgoff. */
static void nvc_follow_pfn_offset_in_pages(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;
	unsigned long addr, pfn;

	addr = nvc_mm_map(test, 0, 2, 2, 2);
	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, f->pfn + 2);
	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr + PAGE_SIZE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, f->pfn + 3);
}

/*
 * The walk reads the page tables as they are now: a new mapping at the same
 * address (MAP_FIXED replaces the old VMA) gives the new PFNs.
 */
static void nvc_follow_pfn_follows_remap(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;
	unsigned long addr, again, pfn;

	addr = nvc_mm_map(test, 0, 2, 0, 2);
	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr + PAGE_SIZE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, f->pfn + 1);

	again = nvc_mm_map(test, addr, 2, 2, 2);
	KUNIT_ASSERT_EQ(test, again, addr);
	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr + PAGE_SIZE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, f->pfn + 3);
}

/*
 * The PFN of the kernel's own lookup: follow_pfn() where the wrapper is
 * follow_pfn(), follow_pfnmap_start() since 6.12 (GPL-only: this test may
 * use it, nvidia.ko may not).  A test-only reference, so a release number
 * selects it.
 */
static int nvc_mm_kernel_follow(struct kunit *test, unsigned long vma_addr,
				unsigned long addr, unsigned long *pfn)
{
	struct nvc_mm_fixture *f = test->priv;
	struct vm_area_struct *vma;
	int ret = -ENOENT;

	*pfn = NVC_MM_NO_PFN;
	mmap_read_lock(f->mm);
	vma = find_vma(f->mm, vma_addr);
	if (vma && vma->vm_start <= vma_addr) {
#if defined(NVC_FOLLOW_PFN_PRESENT)
		ret = follow_pfn(vma, addr, pfn);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
		struct follow_pfnmap_args args = { .vma = vma, .address = addr };

		ret = follow_pfnmap_start(&args);
		if (!ret) {
			*pfn = args.pfn;
			follow_pfnmap_end(&args);
		}
#else
		ret = -EOPNOTSUPP;
#endif
	}
	mmap_read_unlock(f->mm);
	if (ret == -EOPNOTSUPP)
		kunit_skip(test, "no kernel PFN lookup to compare with on 6.10/6.11");
	return ret;
}

/* Same answers as the kernel's own lookup, mapped pages and hole alike. */
static void nvc_follow_pfn_matches_kernel(struct kunit *test)
{
	unsigned long addr, i;

	addr = nvc_mm_map(test, 0, NVC_MM_PAGES, 1, 2);
	for (i = 0; i < NVC_MM_PAGES; i++) {
		unsigned long page = addr + (i << PAGE_SHIFT), ours, theirs;
		int a, b;

		a = nvc_mm_follow(test, addr, page, &ours);
		b = nvc_mm_kernel_follow(test, addr, page, &theirs);
		KUNIT_EXPECT_EQ_MSG(test, a, b, "page %lu", i);
		if (a == 0 && b == 0)
			KUNIT_EXPECT_EQ_MSG(test, ours, theirs, "page %lu", i);
	}
}

/* A PFN-mapped VMA whose handler remapped only part of it: -EINVAL there. */
static void nvc_follow_pfn_hole(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;
	unsigned long addr, pfn;

	addr = nvc_mm_map(test, 0, NVC_MM_PAGES, 0, 2);
	KUNIT_ASSERT_TRUE(test, nvc_mm_vm_flags(test, addr) & VM_PFNMAP);

	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr + PAGE_SIZE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, f->pfn + 1);
	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr + 2 * PAGE_SIZE, &pfn), -EINVAL);
	KUNIT_EXPECT_EQ(test, pfn, NVC_MM_NO_PFN);
	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr + 3 * PAGE_SIZE, &pfn), -EINVAL);
	KUNIT_EXPECT_EQ(test, pfn, NVC_MM_NO_PFN);
}

/* Addresses outside the VMA passed in, even where something is mapped. */
static void nvc_follow_pfn_outside_vma(struct kunit *test)
{
	unsigned long addr, pfn;

	/* Two mappings, one right after the other. */
	addr = nvc_mm_map(test, 0, 2, 0, 2);
	KUNIT_ASSERT_EQ(test, nvc_mm_map(test, addr + 2 * PAGE_SIZE, 2, 2, 2),
			addr + 2 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr + 2 * PAGE_SIZE, &pfn), -EINVAL);
	KUNIT_EXPECT_EQ(test, pfn, NVC_MM_NO_PFN);
	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr + 2 * PAGE_SIZE, addr + PAGE_SIZE, &pfn),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pfn, NVC_MM_NO_PFN);
}

/*
 * Not VM_IO / VM_PFNMAP: an anonymous mapping, with a page present (written
 * through copy_to_user()), is refused as follow_pfn() refused it.
 */
static void nvc_follow_pfn_not_pfnmap(struct kunit *test)
{
	unsigned long addr, pfn;
	u32 magic = 0x6e7663;

	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "vm_mmap: %ld", (long)addr);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, &magic, sizeof(magic)), 0);
	KUNIT_ASSERT_FALSE(test, nvc_mm_vm_flags(test, addr) & (VM_IO | VM_PFNMAP));

	KUNIT_EXPECT_EQ(test, nvc_mm_follow(test, addr, addr, &pfn), -EINVAL);
	KUNIT_EXPECT_EQ(test, pfn, NVC_MM_NO_PFN);
}

static struct kunit_case nvc_compat_mm_follow_pfn_cases[] = {
	KUNIT_CASE(nvc_follow_pfn_every_page),
	KUNIT_CASE(nvc_follow_pfn_offset_in_pages),
	KUNIT_CASE(nvc_follow_pfn_follows_remap),
	KUNIT_CASE(nvc_follow_pfn_matches_kernel),
	KUNIT_CASE(nvc_follow_pfn_hole),
	KUNIT_CASE(nvc_follow_pfn_outside_vma),
	KUNIT_CASE(nvc_follow_pfn_not_pfnmap),
	{}
};

static struct kunit_suite nvc_compat_mm_follow_pfn_suite = {
	.name = "nvc_compat_mm_follow_pfn",
	.init = nvc_mm_test_init,
	.exit = nvc_mm_test_exit,
	.test_cases = nvc_compat_mm_follow_pfn_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_mm_vm_flags: nvc_vm_flags_set() / _clear() and the flag-word
 * writers nvc_vma_flags_set_word() / _clear_word()
 *
 * They must change exactly the bits asked for, as vm_flags_set() /
 * vm_flags_clear() (and before 6.3 |= / &= ~) did, in the one place NVIDIA
 * calls them: an mmap() handler, on the VMA being set up.
 */

static const vm_flags_t nvc_mm_base_flags =
	VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD | VM_MAYWRITE | VM_MAYSHARE;

/* A VMA of the case's mm that is in no VMA tree, like the one mmap() sets up. */
static struct vm_area_struct *nvc_mm_detached_vma(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;
	struct vm_area_struct *vma;

	vma = kunit_kzalloc(test, sizeof(*vma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vma_init(vma, f->mm);
#if defined(NVC_VM_FLAGS_SET_PRESENT)
	vm_flags_init(vma, nvc_mm_base_flags);
#else
	vma->vm_flags = nvc_mm_base_flags;
#endif
	return vma;
}

/* Through a real mmap(2): the handler's flag changes are in the new VMA. */
static void nvc_vm_flags_in_mmap_handler(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;
	unsigned long addr;
	vm_flags_t flags;

	addr = nvc_mm_map(test, 0, 2, 0, 2);
	KUNIT_ASSERT_EQ(test, f->mmap_calls, 1U);
	flags = nvc_mm_vm_flags(test, addr);

	KUNIT_EXPECT_EQ(test, flags & (VM_DONTCOPY | VM_DONTEXPAND),
			VM_DONTCOPY | VM_DONTEXPAND);
	KUNIT_EXPECT_FALSE(test, flags & VM_MAYEXEC);
	/* remap_pfn_range() after them still added its own */
	KUNIT_EXPECT_EQ(test, flags & (VM_IO | VM_PFNMAP), VM_IO | VM_PFNMAP);
	/* and what mmap(2) asked for is untouched */
	KUNIT_EXPECT_EQ(test, flags & nvc_mm_base_flags, nvc_mm_base_flags);
	KUNIT_EXPECT_EQ(test, flags & ~VM_SOFTDIRTY, f->handler_flags & ~VM_SOFTDIRTY);
}

/* nvc_vm_flags_set() / _clear() change the bits asked for and no others. */
static void nvc_vm_flags_set_clear_exact(struct kunit *test)
{
	struct nvc_mm_fixture *f = test->priv;
	struct vm_area_struct *vma = nvc_mm_detached_vma(test);

	mmap_write_lock(f->mm);	/* as in an mmap() handler */
	nvc_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND);
	KUNIT_EXPECT_EQ(test, vma->vm_flags,
			nvc_mm_base_flags | VM_IO | VM_PFNMAP | VM_DONTEXPAND);
	nvc_vm_flags_set(vma, VM_IO);		/* already set: no change */
	KUNIT_EXPECT_EQ(test, vma->vm_flags,
			nvc_mm_base_flags | VM_IO | VM_PFNMAP | VM_DONTEXPAND);

	nvc_vm_flags_clear(vma, VM_WRITE);
	nvc_vm_flags_clear(vma, VM_MAYWRITE);
	KUNIT_EXPECT_EQ(test, vma->vm_flags,
			(nvc_mm_base_flags & ~(VM_WRITE | VM_MAYWRITE)) |
			VM_IO | VM_PFNMAP | VM_DONTEXPAND);
	nvc_vm_flags_clear(vma, VM_LOCKED);	/* not set: no change */
	KUNIT_EXPECT_EQ(test, vma->vm_flags,
			(nvc_mm_base_flags & ~(VM_WRITE | VM_MAYWRITE)) |
			VM_IO | VM_PFNMAP | VM_DONTEXPAND);
	mmap_write_unlock(f->mm);
}

/* The raw flag-word writers: the same on the bits, on every kernel. */
static void nvc_vma_flags_word_exact(struct kunit *test)
{
	struct vm_area_struct *vma = nvc_mm_detached_vma(test);

	nvc_vma_flags_set_word(vma, VM_IO | VM_DONTDUMP);
	KUNIT_EXPECT_EQ(test, vma->vm_flags, nvc_mm_base_flags | VM_IO | VM_DONTDUMP);
	nvc_vma_flags_clear_word(vma, VM_WRITE | VM_DONTDUMP);
	KUNIT_EXPECT_EQ(test, vma->vm_flags, (nvc_mm_base_flags & ~VM_WRITE) | VM_IO);
	nvc_vma_flags_clear_word(vma, 0);
	nvc_vma_flags_set_word(vma, 0);
	KUNIT_EXPECT_EQ(test, vma->vm_flags, (nvc_mm_base_flags & ~VM_WRITE) | VM_IO);
}

static struct kunit_case nvc_compat_mm_vm_flags_cases[] = {
	KUNIT_CASE(nvc_vm_flags_in_mmap_handler),
	KUNIT_CASE(nvc_vm_flags_set_clear_exact),
	KUNIT_CASE(nvc_vma_flags_word_exact),
	{}
};

static struct kunit_suite nvc_compat_mm_vm_flags_suite = {
	.name = "nvc_compat_mm_vm_flags",
	.init = nvc_mm_test_init,
	.exit = nvc_mm_test_exit,
	.test_cases = nvc_compat_mm_vm_flags_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_mm_vma_lock: nvc_is_vma_write_locked(), NVC_VMA_LOCK_OFFSET
 *
 * What NVIDIA's open-coded VMA write lock needs from the per-VMA lock
 * internals: whether the VMA is write-locked, and the mm's lock sequence a
 * write lock stores in vma->vm_lock_seq.  Only with CONFIG_PER_VMA_LOCK.
 */
static void nvc_is_vma_write_locked_sequence(struct kunit *test)
{
#if defined(CONFIG_PER_VMA_LOCK)
	struct nvc_mm_fixture *f = test->priv;
	struct vm_area_struct *vma;
	unsigned int seq = 0, seq2 = 0;
	unsigned long addr;
	bool before, after;

	addr = nvc_mm_map(test, 0, 1, 0, 1);
	mmap_write_lock(f->mm);
	vma = find_vma(f->mm, addr);
	if (!vma) {
		mmap_write_unlock(f->mm);
		KUNIT_FAIL(test, "no VMA at %#lx", addr);
		return;
	}
	/* A new mmap write lock: no VMA is write-locked yet. */
	before = nvc_is_vma_write_locked(vma, &seq);
	vma_start_write(vma);
	after = nvc_is_vma_write_locked(vma, &seq2);
	KUNIT_EXPECT_EQ(test, seq2, vma->vm_lock_seq);
	mmap_write_unlock(f->mm);

	KUNIT_EXPECT_FALSE(test, before);
	KUNIT_EXPECT_TRUE(test, after);
	KUNIT_EXPECT_EQ(test, seq, seq2);
#else
	kunit_skip(test, "CONFIG_PER_VMA_LOCK is not set (UML has no per-VMA locks): nvc_is_vma_write_locked() does not exist here");
#endif
}

/*
 * NVIDIA's wait for readers: add NVC_VMA_LOCK_OFFSET to vm_refcnt of an
 * attached VMA and wait until it reads NVC_VMA_LOCK_OFFSET + 1 (no reader
 * left).  With no reader, that is the value at once; subtracting the bias
 * again leaves the VMA attached.
 */
static void nvc_vma_lock_offset_refcnt(struct kunit *test)
{
#if defined(NVC_VMA_START_WRITE_OUT_OF_LINE)
	struct nvc_mm_fixture *f = test->priv;
	struct vm_area_struct *vma;
	unsigned int unlocked, biased;
	bool added, detached;
	unsigned long addr;

	addr = nvc_mm_map(test, 0, 1, 0, 1);
	mmap_write_lock(f->mm);
	vma = find_vma(f->mm, addr);
	if (!vma) {
		mmap_write_unlock(f->mm);
		KUNIT_FAIL(test, "no VMA at %#lx", addr);
		return;
	}
	unlocked = refcount_read(&vma->vm_refcnt);
	added = refcount_add_not_zero(NVC_VMA_LOCK_OFFSET, &vma->vm_refcnt);
	biased = refcount_read(&vma->vm_refcnt);
	detached = added && refcount_sub_and_test(NVC_VMA_LOCK_OFFSET, &vma->vm_refcnt);
	mmap_write_unlock(f->mm);

	KUNIT_EXPECT_EQ(test, unlocked, 1U);
	KUNIT_EXPECT_TRUE(test, added);
	KUNIT_EXPECT_EQ(test, biased, (unsigned int)NVC_VMA_LOCK_OFFSET + 1);
	KUNIT_EXPECT_FALSE(test, detached);
#else
	kunit_skip(test, "no vm_refcnt on this kernel (before 6.15, or no CONFIG_PER_VMA_LOCK: UML has none)");
#endif
}

static struct kunit_case nvc_compat_mm_vma_lock_cases[] = {
	KUNIT_CASE(nvc_is_vma_write_locked_sequence),
	KUNIT_CASE(nvc_vma_lock_offset_refcnt),
	{}
};

static struct kunit_suite nvc_compat_mm_vma_lock_suite = {
	.name = "nvc_compat_mm_vma_lock",
	.init = nvc_mm_test_init,
	.exit = nvc_mm_test_exit,
	.test_cases = nvc_compat_mm_vma_lock_cases,
};

kunit_test_suites(&nvc_compat_mm_follow_pfn_suite,
		  &nvc_compat_mm_vm_flags_suite,
		  &nvc_compat_mm_vma_lock_suite);

MODULE_DESCRIPTION("KUnit tests of the nvidia-vgpu-compat mm wrappers");
MODULE_LICENSE("Dual MIT/GPL");
