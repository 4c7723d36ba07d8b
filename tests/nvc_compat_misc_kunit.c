// SPDX-License-Identifier: MIT
/*
 * KUnit tests of the nvidia-vgpu-compat wrappers for the breaks of nvidia.ko
 * outside memory management (compat/nvc-timer.h, nvc-preempt.h,
 * nvc-string.h, nvc-dma.h): on the kernel they are built for, they must do
 * what the code they replace did on the kernels that still had the old API.
 *
 * Like tests/nvc_compat_kunit.c, this object is listed in the repository's
 * NV_OBJECTS_DEPEND_ON_CONFTEST, so it is compiled with the probes of this
 * kernel and "-include nvc-compat.h".  Run it with tests/kunit/run.sh.
 *
 * Suites:
 *   nvc_compat_timer    nvc_timer_delete_sync()   (del_timer_sync, 6.15)
 *   nvc_compat_preempt  nvc_in_hardirq()          (in_irq, 6.19)
 *   nvc_compat_string   nvc_strncpy()             (strncpy, 7.2)
 *   nvc_compat_dma      nvc_dma_ops_can_map_resource() (map_resource, 6.19)
 *   nvc_compat_hrtimer  nvc_hrtimer_setup()       (hrtimer_init, 6.15)
 *   nvc_compat_dma_buf  nvc_dma_buf_attachment_is_dynamic() (private, 6.16)
 *
 * nvc_pci_resize_resource() (exclude_bars, 6.19) has no case here: UML has
 * no PCI bus to resize a BAR on; tests/t33-misc.sh builds it on every
 * prepared kernel against the probe.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-map-ops.h>
#include <linux/hrtimer.h>
#if __has_include(<linux/hrtimer_bases.h>)
#include <linux/hrtimer_bases.h>	/* struct hrtimer_clock_base: its own header in 7.x */
#endif
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/version.h>

#include "nvc-of-gpio.h"	/* not in nvc-compat.h (see there) */

#ifndef NVC_COMPAT_H
#error "nvc-compat.h was not force-included: build through the repository's Kbuild"
#endif

/* ------------------------------------------------------------------------
 * nvc_compat_timer: nvc_timer_delete_sync(timer)
 *
 * del_timer_sync() deactivated a timer, returned 1 if it was pending and 0
 * if not, and returned only once the callback was not running anywhere; a
 * timer whose callback re-arms it stayed stopped.  The wrapper must do the
 * same whichever function it calls.
 */

struct nvc_timer_fixture {
	struct timer_list timer;
	atomic_t runs;
	bool rearm;		/* the callback re-arms the timer, 1 jiffy */
};

static void nvc_timer_fn(struct timer_list *t)
{
	struct nvc_timer_fixture *f = container_of(t, struct nvc_timer_fixture, timer);

	atomic_inc(&f->runs);
	if (READ_ONCE(f->rearm))
		mod_timer(&f->timer, jiffies + 1);
}

static int nvc_timer_init(struct kunit *test)
{
	struct nvc_timer_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	timer_setup(&f->timer, nvc_timer_fn, 0);
	atomic_set(&f->runs, 0);
	test->priv = f;
	return 0;
}

static void nvc_timer_exit(struct kunit *test)
{
	struct nvc_timer_fixture *f = test->priv;

	if (!f)
		return;
	/* never leave a timer behind in freed memory, whatever failed */
	WRITE_ONCE(f->rearm, false);
	nvc_timer_delete_sync(&f->timer);
}

/* A pending timer: reported as pending (1), deactivated, never runs. */
static void nvc_timer_delete_sync_pending(struct kunit *test)
{
	struct nvc_timer_fixture *f = test->priv;
	int ret;

	mod_timer(&f->timer, jiffies + msecs_to_jiffies(300));
	KUNIT_ASSERT_TRUE(test, timer_pending(&f->timer));

	ret = nvc_timer_delete_sync(&f->timer);
	if (ret == 0 && atomic_read(&f->runs) == 1)
		kunit_skip(test, "the timer fired before it could be deleted (host too slow)");
	KUNIT_EXPECT_EQ(test, ret, 1);
	KUNIT_EXPECT_FALSE(test, timer_pending(&f->timer));

	msleep(600);	/* well past the expiry */
	KUNIT_EXPECT_EQ(test, atomic_read(&f->runs), 0);
}

/* A timer that was never armed, or has already run: 0, nothing runs. */
static void nvc_timer_delete_sync_idle(struct kunit *test)
{
	struct nvc_timer_fixture *f = test->priv;
	unsigned long end;

	KUNIT_EXPECT_EQ(test, nvc_timer_delete_sync(&f->timer), 0);

	mod_timer(&f->timer, jiffies + 1);
	end = jiffies + msecs_to_jiffies(2000);
	while (atomic_read(&f->runs) == 0 && time_before(jiffies, end))
		msleep(5);
	KUNIT_ASSERT_EQ(test, atomic_read(&f->runs), 1);

	KUNIT_EXPECT_EQ(test, nvc_timer_delete_sync(&f->timer), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->runs), 1);
}

/*
 * A timer whose callback re-arms it: after the wrapper returns it is
 * neither pending nor running, and it stays stopped.
 */
static void nvc_timer_delete_sync_rearming(struct kunit *test)
{
	struct nvc_timer_fixture *f = test->priv;
	unsigned long end;
	int runs;

	f->rearm = true;
	mod_timer(&f->timer, jiffies + 1);
	end = jiffies + msecs_to_jiffies(2000);
	while (atomic_read(&f->runs) < 3 && time_before(jiffies, end))
		msleep(1);
	KUNIT_ASSERT_GE(test, atomic_read(&f->runs), 3);

	/*
	 * As NVIDIA's rc timer stop does: first stop re-arming, then delete.
	 * The timer may be pending or just running; either way it must be
	 * idle when the wrapper returns.
	 */
	WRITE_ONCE(f->rearm, false);
	nvc_timer_delete_sync(&f->timer);
	KUNIT_EXPECT_FALSE(test, timer_pending(&f->timer));
	runs = atomic_read(&f->runs);

	msleep(100);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->runs), runs);
	KUNIT_EXPECT_FALSE(test, timer_pending(&f->timer));
}

static struct kunit_case nvc_compat_timer_cases[] = {
	KUNIT_CASE(nvc_timer_delete_sync_pending),
	KUNIT_CASE(nvc_timer_delete_sync_idle),
	KUNIT_CASE(nvc_timer_delete_sync_rearming),
	{}
};

static struct kunit_suite nvc_compat_timer_suite = {
	.name = "nvc_compat_timer",
	.init = nvc_timer_init,
	.exit = nvc_timer_exit,
	.test_cases = nvc_compat_timer_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_preempt: nvc_in_hardirq()
 *
 * in_irq() was non-zero exactly in hard interrupt context.  The hardirq
 * case runs the wrapper in the callback of a hard hrtimer (expiring in hard
 * interrupt context) and reads what it said there.
 */

struct nvc_hardirq_probe {
	struct hrtimer timer;
	struct completion done;
	bool in_hardirq;
	bool in_task;
};

static enum hrtimer_restart nvc_hardirq_fn(struct hrtimer *t)
{
	struct nvc_hardirq_probe *p = container_of(t, struct nvc_hardirq_probe, timer);

	p->in_hardirq = nvc_in_hardirq() != 0;
	p->in_task = in_task();
	complete(&p->done);
	return HRTIMER_NORESTART;
}

static void nvc_in_hardirq_task_context(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, nvc_in_hardirq() == 0);
	local_bh_disable();	/* softirq-disabled task context is still not hardirq */
	KUNIT_EXPECT_TRUE(test, nvc_in_hardirq() == 0);
	local_bh_enable();
}

static void nvc_in_hardirq_hard_interrupt(struct kunit *test)
{
	struct nvc_hardirq_probe *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	init_completion(&p->done);
	/* hrtimer_setup() replaced hrtimer_init() in 6.13 (908a1d775422) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(&p->timer, nvc_hardirq_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
#else
	hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	p->timer.function = nvc_hardirq_fn;
#endif
	hrtimer_start(&p->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	if (!wait_for_completion_timeout(&p->done, msecs_to_jiffies(5000))) {
		hrtimer_cancel(&p->timer);
		KUNIT_FAIL(test, "the hard hrtimer did not fire within 5 s");
		return;
	}
	hrtimer_cancel(&p->timer);
	KUNIT_EXPECT_TRUE(test, p->in_hardirq);
	KUNIT_EXPECT_FALSE(test, p->in_task);
}

static struct kunit_case nvc_compat_preempt_cases[] = {
	KUNIT_CASE(nvc_in_hardirq_task_context),
	KUNIT_CASE(nvc_in_hardirq_hard_interrupt),
	{}
};

static struct kunit_suite nvc_compat_preempt_suite = {
	.name = "nvc_compat_preempt",
	.test_cases = nvc_compat_preempt_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_string: nvc_strncpy(dest, src, count)
 *
 * strncpy() copied src up to its NUL or count bytes, padded the rest of the
 * count bytes with NULs, never wrote beyond count bytes, did not terminate
 * a source of count bytes or more, and returned dest.  Each case fills the
 * buffer with a canary first and checks every byte.
 */

#define NVC_CANARY 0xa5

static void nvc_fill(char *buf, size_t n)
{
	memset(buf, NVC_CANARY, n);
}

static void nvc_expect_bytes(struct kunit *test, const char *buf,
			     const char *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, (unsigned char)buf[i], (unsigned char)want[i],
				    "byte %zu", i);
}

/* A short source: copied with its NUL, the rest of count zero-filled. */
static void nvc_strncpy_pads(struct kunit *test)
{
	char buf[12];
	const char want[12] = { 'a', 'b', 'c', 0, 0, 0, 0, 0,
				NVC_CANARY, NVC_CANARY, NVC_CANARY, NVC_CANARY };

	nvc_fill(buf, sizeof(buf));
	KUNIT_EXPECT_PTR_EQ(test, nvc_strncpy(buf, "abc", 8), &buf[0]);
	nvc_expect_bytes(test, buf, want, sizeof(buf));
}

/* A source of count bytes or more: count bytes, no terminator added. */
static void nvc_strncpy_truncates_unterminated(struct kunit *test)
{
	char buf[8];
	const char want[8] = { 'n', 'v', 'i', 'd', 'i',
			       NVC_CANARY, NVC_CANARY, NVC_CANARY };

	nvc_fill(buf, sizeof(buf));
	KUNIT_EXPECT_PTR_EQ(test, nvc_strncpy(buf, "nvidia-smi", 5), &buf[0]);
	nvc_expect_bytes(test, buf, want, sizeof(buf));

	nvc_fill(buf, sizeof(buf));
	nvc_strncpy(buf, "12345", 5);	/* exactly count: no NUL either */
	KUNIT_EXPECT_EQ(test, memcmp(buf, "12345", 5), 0);
	KUNIT_EXPECT_EQ(test, (unsigned char)buf[5], NVC_CANARY);
}

/*
 * The caller pattern of os_get_current_process_name(): strncpy(buf, comm,
 * len - 1); buf[len - 1] = '\0';  gives the first len - 1 characters.
 */
static void nvc_strncpy_process_name_pattern(struct kunit *test)
{
	char buf[6];

	nvc_fill(buf, sizeof(buf));
	nvc_strncpy(buf, "Xorg-server", sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	KUNIT_EXPECT_STREQ(test, buf, "Xorg-");

	nvc_fill(buf, sizeof(buf));
	nvc_strncpy(buf, "ls", sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	KUNIT_EXPECT_STREQ(test, buf, "ls");
	KUNIT_EXPECT_EQ(test, buf[3], 0);	/* padded, not canary */
	KUNIT_EXPECT_EQ(test, buf[4], 0);
}

/* count 0 writes nothing; an empty source gives count NULs. */
static void nvc_strncpy_edges(struct kunit *test)
{
	char buf[4];
	const char zeros[3] = { 0, 0, 0 };

	nvc_fill(buf, sizeof(buf));
	KUNIT_EXPECT_PTR_EQ(test, nvc_strncpy(buf, "abc", 0), &buf[0]);
	KUNIT_EXPECT_EQ(test, (unsigned char)buf[0], NVC_CANARY);

	nvc_fill(buf, sizeof(buf));
	nvc_strncpy(buf, "", 3);
	nvc_expect_bytes(test, buf, zeros, 3);
	KUNIT_EXPECT_EQ(test, (unsigned char)buf[3], NVC_CANARY);
}

/* A NUL inside the count stops the copy: nothing after it is read in. */
static void nvc_strncpy_stops_at_nul(struct kunit *test)
{
	static const char src[8] = { 'a', 0, 'b', 'c', 'd', 'e', 'f', 'g' };
	char buf[8];
	const char want[8] = { 'a', 0, 0, 0, 0, 0, 0, 0 };

	nvc_fill(buf, sizeof(buf));
	nvc_strncpy(buf, src, sizeof(buf));
	nvc_expect_bytes(test, buf, want, sizeof(buf));
}

static struct kunit_case nvc_compat_string_cases[] = {
	KUNIT_CASE(nvc_strncpy_pads),
	KUNIT_CASE(nvc_strncpy_truncates_unterminated),
	KUNIT_CASE(nvc_strncpy_process_name_pattern),
	KUNIT_CASE(nvc_strncpy_edges),
	KUNIT_CASE(nvc_strncpy_stops_at_nul),
	{}
};

static struct kunit_suite nvc_compat_string_suite = {
	.name = "nvc_compat_string",
	.test_cases = nvc_compat_string_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_dma: nvc_dma_ops_can_map_resource(ops)
 *
 * nv_dma_use_map_resource() asked whether the device's DMA ops had the
 * callback that dma_map_resource() calls: ::map_resource before 6.19,
 * ::map_phys since.  The wrapper must answer from that callback and from
 * nothing else.
 */

#if defined(NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE)
static dma_addr_t nvc_kunit_map_resource(struct device *dev, phys_addr_t phys,
					 size_t size, enum dma_data_direction dir,
					 unsigned long attrs)
{
	return DMA_MAPPING_ERROR;
}
#else
static dma_addr_t nvc_kunit_map_phys(struct device *dev, phys_addr_t phys,
				     size_t size, enum dma_data_direction dir,
				     unsigned long attrs)
{
	return DMA_MAPPING_ERROR;
}
#endif

static void *nvc_kunit_alloc(struct device *dev, size_t size, dma_addr_t *handle,
			     gfp_t gfp, unsigned long attrs)
{
	return NULL;
}

static void nvc_dma_ops_with_mmio_callback(struct kunit *test)
{
	struct dma_map_ops *ops = kunit_kzalloc(test, sizeof(*ops), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ops);
#if defined(NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE)
	ops->map_resource = nvc_kunit_map_resource;
#else
	ops->map_phys = nvc_kunit_map_phys;
#endif
	KUNIT_EXPECT_TRUE(test, nvc_dma_ops_can_map_resource(ops));
}

/* Other callbacks do not count: ops without the MMIO one say no. */
static void nvc_dma_ops_without_mmio_callback(struct kunit *test)
{
	struct dma_map_ops *ops = kunit_kzalloc(test, sizeof(*ops), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ops);
	KUNIT_EXPECT_FALSE(test, nvc_dma_ops_can_map_resource(ops));
	ops->alloc = nvc_kunit_alloc;
	KUNIT_EXPECT_FALSE(test, nvc_dma_ops_can_map_resource(ops));
}

static struct kunit_case nvc_compat_dma_cases[] = {
	KUNIT_CASE(nvc_dma_ops_with_mmio_callback),
	KUNIT_CASE(nvc_dma_ops_without_mmio_callback),
	{}
};

static struct kunit_suite nvc_compat_dma_suite = {
	.name = "nvc_compat_dma",
	.test_cases = nvc_compat_dma_cases,
};


/* ------------------------------------------------------------------------
 * nvc_compat_hrtimer: nvc_hrtimer_setup(timer, function, clock, mode)
 *
 * hrtimer_init(timer, clock, mode) followed by "timer->function = function"
 * left an inactive timer on the clock base of @clock (a relative
 * CLOCK_REALTIME timer on CLOCK_MONOTONIC's), hard only for a _HARD mode,
 * whose expiry ran @function once (HRTIMER_NORESTART).  The wrapper must
 * leave the same timer, whichever API it calls (hrtimer_setup() from 6.15).
 */

struct nvc_hrtimer_fixture {
	struct hrtimer timer;
	struct completion done;
	atomic_t runs;
};

static enum hrtimer_restart nvc_hrtimer_fn(struct hrtimer *t)
{
	struct nvc_hrtimer_fixture *f = container_of(t, struct nvc_hrtimer_fixture, timer);

	atomic_inc(&f->runs);
	complete(&f->done);
	return HRTIMER_NORESTART;
}

static void nvc_hrtimer_setup_state(struct kunit *test)
{
	struct nvc_hrtimer_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	memset(&f->timer, 0x5a, sizeof(f->timer));	/* as NVIDIA's kmalloc'ed timer may be */
	nvc_hrtimer_setup(&f->timer, nvc_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	KUNIT_EXPECT_PTR_EQ(test, (void *)ACCESS_PRIVATE(&f->timer, function), (void *)nvc_hrtimer_fn);
	KUNIT_EXPECT_EQ(test, (int)f->timer.base->clockid, (int)CLOCK_MONOTONIC);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(&f->timer));
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&f->timer));
	KUNIT_EXPECT_FALSE(test, (bool)f->timer.is_hard);

	nvc_hrtimer_setup(&f->timer, nvc_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_TRUE(test, (bool)f->timer.is_hard);

	/* hrtimer_init() put a relative CLOCK_REALTIME timer on CLOCK_MONOTONIC */
	nvc_hrtimer_setup(&f->timer, nvc_hrtimer_fn, CLOCK_REALTIME, HRTIMER_MODE_REL);
	KUNIT_EXPECT_EQ(test, (int)f->timer.base->clockid, (int)CLOCK_MONOTONIC);
	nvc_hrtimer_setup(&f->timer, nvc_hrtimer_fn, CLOCK_REALTIME, HRTIMER_MODE_ABS);
	KUNIT_EXPECT_EQ(test, (int)f->timer.base->clockid, (int)CLOCK_REALTIME);
}

/* NVIDIA's use: a relative timer started in ns, run once, then cancelled. */
static void nvc_hrtimer_setup_fires_once(struct kunit *test)
{
	struct nvc_hrtimer_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	init_completion(&f->done);
	atomic_set(&f->runs, 0);
	nvc_hrtimer_setup(&f->timer, nvc_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hrtimer_start(&f->timer, ktime_set(0, 1000000), HRTIMER_MODE_REL);
	if (!wait_for_completion_timeout(&f->done, msecs_to_jiffies(5000))) {
		hrtimer_cancel(&f->timer);
		KUNIT_FAIL(test, "the timer did not fire within 5 s");
		return;
	}
	KUNIT_EXPECT_EQ(test, hrtimer_cancel(&f->timer), 0);	/* not pending any more */
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->runs), 1);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(&f->timer));
}

/* Set up, started, cancelled before it expires: the callback never runs. */
static void nvc_hrtimer_setup_cancel_pending(struct kunit *test)
{
	struct nvc_hrtimer_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	atomic_set(&f->runs, 0);
	init_completion(&f->done);
	nvc_hrtimer_setup(&f->timer, nvc_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hrtimer_start(&f->timer, ktime_set(10, 0), HRTIMER_MODE_REL);
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(&f->timer));
	KUNIT_EXPECT_EQ(test, hrtimer_cancel(&f->timer), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->runs), 0);
}

static struct kunit_case nvc_compat_hrtimer_cases[] = {
	KUNIT_CASE(nvc_hrtimer_setup_state),
	KUNIT_CASE(nvc_hrtimer_setup_fires_once),
	KUNIT_CASE(nvc_hrtimer_setup_cancel_pending),
	{}
};

static struct kunit_suite nvc_compat_hrtimer_suite = {
	.name = "nvc_compat_hrtimer",
	.test_cases = nvc_compat_hrtimer_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_dma_buf: nvc_dma_buf_attachment_is_dynamic(attach)
 *
 * dma_buf_attachment_is_dynamic() said whether the importer attached with
 * importer ops (dma_buf_dynamic_attach()), and nothing else: not the
 * exporter's pin callbacks, not peer2peer.  NVIDIA's nv_dma_buf_map()
 * refuses such an importer without peer2peer on non-coherent systems.
 */

static const struct dma_buf_attach_ops nvc_kunit_importer_ops;

static void nvc_dma_buf_static_importer(struct kunit *test)
{
	struct dma_buf_attachment *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_FALSE(test, nvc_dma_buf_attachment_is_dynamic(a));
	a->peer2peer = true;	/* peer2peer alone does not make it dynamic */
	KUNIT_EXPECT_FALSE(test, nvc_dma_buf_attachment_is_dynamic(a));
}

static void nvc_dma_buf_dynamic_importer(struct kunit *test)
{
	struct dma_buf_attachment *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	a->importer_ops = &nvc_kunit_importer_ops;
	KUNIT_EXPECT_TRUE(test, nvc_dma_buf_attachment_is_dynamic(a));
	/* NVIDIA's check: dynamic importer without peer2peer is refused */
	KUNIT_EXPECT_TRUE(test, nvc_dma_buf_attachment_is_dynamic(a) && !a->peer2peer);
	a->peer2peer = true;
	KUNIT_EXPECT_FALSE(test, nvc_dma_buf_attachment_is_dynamic(a) && !a->peer2peer);
}

static struct kunit_case nvc_compat_dma_buf_cases[] = {
	KUNIT_CASE(nvc_dma_buf_static_importer),
	KUNIT_CASE(nvc_dma_buf_dynamic_importer),
	{}
};

static struct kunit_suite nvc_compat_dma_buf_suite = {
	.name = "nvc_compat_dma_buf",
	.test_cases = nvc_compat_dma_buf_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_of_gpio: nvc_of_get_named_gpio(np, propname, index)
 *
 * NVIDIA's panel code stores the answer and tests it with gpio_is_valid():
 * of_get_named_gpio() answered a negative errno for a node without the
 * property (-ENOENT with CONFIG_OF_GPIO, -ENOSYS without: x86, UML).  The
 * wrapper must answer "no GPIO" the same way, and exactly -ENOENT where the
 * function is gone (7.1, commit b6420bd5aa0c).
 */
static void nvc_of_gpio_no_such_gpio(struct kunit *test)
{
	int ret = nvc_of_get_named_gpio(NULL, "nvidia,panel-rst-gpio", 0);

	KUNIT_EXPECT_LT(test, ret, 0);
#if !defined(NVC_LINUX_OF_GPIO_H_PRESENT)
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
#endif
	KUNIT_EXPECT_LT(test, nvc_of_get_named_gpio(NULL, "nvidia,te-gpio", 3), 0);
}

static struct kunit_case nvc_compat_of_gpio_cases[] = {
	KUNIT_CASE(nvc_of_gpio_no_such_gpio),
	{}
};

static struct kunit_suite nvc_compat_of_gpio_suite = {
	.name = "nvc_compat_of_gpio",
	.test_cases = nvc_compat_of_gpio_cases,
};

kunit_test_suites(&nvc_compat_timer_suite,
		  &nvc_compat_preempt_suite,
		  &nvc_compat_string_suite,
		  &nvc_compat_dma_suite,
		  &nvc_compat_hrtimer_suite,
		  &nvc_compat_dma_buf_suite,
		  &nvc_compat_of_gpio_suite);

MODULE_DESCRIPTION("KUnit tests of the nvidia-vgpu-compat timer, hrtimer, preempt, string, DMA, dma-buf and of_gpio wrappers");
MODULE_LICENSE("Dual MIT/GPL");
