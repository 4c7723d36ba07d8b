// SPDX-License-Identifier: MIT
/*
 * KUnit tests of the nvidia-vgpu-compat wrappers for nvidia-vgpu-vfio's
 * breaks after 6.13 (compat/nvc-irqbypass.h, compat/nvc-vfio.h): that they
 * behave, on the kernel they are built for, the way the driver's old code
 * behaved on the kernels it was written for.
 *
 * Built like tests/nvc_compat_kunit.c: the repository's Kbuild lists this
 * object in NV_OBJECTS_DEPEND_ON_CONFTEST, so it gets "-include
 * nvc-compat.h" and the probes of this kernel.  Run with tests/kunit/run.sh.
 *
 * Suites:
 *   nvc_compat_irqbypass     nvc_irq_bypass_register_producer()
 *   nvc_compat_region_info   NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS: the
 *                            driver's own .ioctl answer, through vfio's
 *                            get_region_info_caps path (6.19+)
 *   nvc_compat_vfio_pci      NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID,
 *                            NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
 *
 * A case whose kernel lacks what it needs (the IRQ bypass manager,
 * vfio-pci-core, get_region_info_caps) is skipped and says why.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/irqbypass.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#if IS_ENABLED(CONFIG_VFIO_PCI_CORE)
#include <linux/vfio_pci_core.h>
#endif

#ifndef NVC_COMPAT_H
#error "nvc-compat.h was not force-included: build through the repository's Kbuild"
#endif

/* ------------------------------------------------------------------------
 * nvc_compat_irqbypass: nvc_irq_bypass_register_producer(p, eventfd, irq)
 *
 * A consumer stands in for KVM's irqfd: it listens on an eventfd and
 * records what the manager connects to it.  The manager only compares the
 * eventfd pointers (a key), it never dereferences them, so the cases use the
 * addresses of two bytes as eventfds.
 */
#if IS_REACHABLE(CONFIG_IRQ_BYPASS_MANAGER) && \
	(defined(NVC_IRQ_BYPASS_REGISTER_PRODUCER_TAKES_EVENTFD_AND_IRQ) || \
	 defined(NVC_IRQ_BYPASS_PRODUCER_HAS_TOKEN))
#define NVC_KUNIT_IRQBYPASS 1
#endif

struct nvc_irqbypass_fixture {
	u8 eventfd_bytes[2];
	struct irq_bypass_consumer consumer;
	bool consumer_registered;
	struct irq_bypass_producer *connected;	/* by add_producer */
	int connected_irq;
	int connects, disconnects;
};

#if defined(NVC_KUNIT_IRQBYPASS)
static struct eventfd_ctx *nvc_kunit_eventfd(struct nvc_irqbypass_fixture *f, int i)
{
	return (struct eventfd_ctx *)&f->eventfd_bytes[i];
}

static int nvc_kunit_add_producer(struct irq_bypass_consumer *cons,
				  struct irq_bypass_producer *prod)
{
	struct nvc_irqbypass_fixture *f =
		container_of(cons, struct nvc_irqbypass_fixture, consumer);

	f->connected = prod;
	f->connected_irq = prod->irq;
	f->connects++;
	return 0;
}

static void nvc_kunit_del_producer(struct irq_bypass_consumer *cons,
				   struct irq_bypass_producer *prod)
{
	struct nvc_irqbypass_fixture *f =
		container_of(cons, struct nvc_irqbypass_fixture, consumer);

	if (f->connected == prod)
		f->connected = NULL;
	f->disconnects++;
}

/* The consumer side, in this kernel's form (it changed with the producer's). */
static int nvc_kunit_register_consumer(struct nvc_irqbypass_fixture *f,
				       struct eventfd_ctx *eventfd)
{
	f->consumer.add_producer = nvc_kunit_add_producer;
	f->consumer.del_producer = nvc_kunit_del_producer;
#if defined(NVC_IRQ_BYPASS_REGISTER_PRODUCER_TAKES_EVENTFD_AND_IRQ)
	return irq_bypass_register_consumer(&f->consumer, eventfd);
#else
	f->consumer.token = eventfd;
	return irq_bypass_register_consumer(&f->consumer);
#endif
}
#endif /* NVC_KUNIT_IRQBYPASS */

static int nvc_irqbypass_test_init(struct kunit *test)
{
	struct nvc_irqbypass_fixture *f;

	if (!IS_REACHABLE(CONFIG_IRQ_BYPASS_MANAGER))
		kunit_skip(test, "no IRQ bypass manager built in (CONFIG_IRQ_BYPASS_MANAGER: selected with vfio-pci-core or KVM)");
#if !defined(NVC_KUNIT_IRQBYPASS)
	kunit_skip(test, "neither probe of irq_bypass_register_producer() matches this kernel");
#endif
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	return 0;
}

static void nvc_irqbypass_test_exit(struct kunit *test)
{
#if defined(NVC_KUNIT_IRQBYPASS)
	struct nvc_irqbypass_fixture *f = test->priv;

	if (f && f->consumer_registered)
		irq_bypass_unregister_consumer(&f->consumer);
#endif
}

/* The producer meets its consumer with the IRQ number, and leaves it again. */
static void nvc_irq_bypass_register_connects(struct kunit *test)
{
#if defined(NVC_KUNIT_IRQBYPASS)
	struct nvc_irqbypass_fixture *f = test->priv;
	struct irq_bypass_producer *prod;

	prod = kunit_kzalloc(test, sizeof(*prod), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, prod);
	KUNIT_ASSERT_EQ(test, nvc_kunit_register_consumer(f, nvc_kunit_eventfd(f, 0)), 0);
	f->consumer_registered = true;

	KUNIT_EXPECT_EQ(test, nvc_irq_bypass_register_producer(prod, nvc_kunit_eventfd(f, 0), 42), 0);
	KUNIT_EXPECT_EQ(test, f->connects, 1);
	KUNIT_EXPECT_PTR_EQ(test, f->connected, prod);
	KUNIT_EXPECT_EQ(test, f->connected_irq, 42);
	KUNIT_EXPECT_EQ(test, prod->irq, 42);

	irq_bypass_unregister_producer(prod);
	KUNIT_EXPECT_EQ(test, f->disconnects, 1);
	KUNIT_EXPECT_NULL(test, f->connected);

	/* and it can come back, on a new vector, as the driver re-enables MSI-X */
	KUNIT_EXPECT_EQ(test, nvc_irq_bypass_register_producer(prod, nvc_kunit_eventfd(f, 0), 43), 0);
	KUNIT_EXPECT_EQ(test, f->connects, 2);
	KUNIT_EXPECT_EQ(test, f->connected_irq, 43);
	irq_bypass_unregister_producer(prod);
	KUNIT_EXPECT_EQ(test, f->disconnects, 2);
#endif
}

/* A producer whose eventfd has no consumer (yet) registers and waits. */
static void nvc_irq_bypass_register_before_consumer(struct kunit *test)
{
#if defined(NVC_KUNIT_IRQBYPASS)
	struct nvc_irqbypass_fixture *f = test->priv;
	struct irq_bypass_producer *prod;

	prod = kunit_kzalloc(test, sizeof(*prod), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, prod);

	KUNIT_ASSERT_EQ(test, nvc_irq_bypass_register_producer(prod, nvc_kunit_eventfd(f, 1), 7), 0);
	KUNIT_EXPECT_EQ(test, f->connects, 0);

	KUNIT_ASSERT_EQ(test, nvc_kunit_register_consumer(f, nvc_kunit_eventfd(f, 1)), 0);
	f->consumer_registered = true;
	KUNIT_EXPECT_EQ(test, f->connects, 1);
	KUNIT_EXPECT_PTR_EQ(test, f->connected, prod);
	KUNIT_EXPECT_EQ(test, f->connected_irq, 7);

	irq_bypass_unregister_producer(prod);
	KUNIT_EXPECT_EQ(test, f->disconnects, 1);
#endif
}

/*
 * A registration that fails (a second producer on the same eventfd: -EBUSY
 * on every kernel) leaves its producer unregistered, as the driver's
 * "token = NULL" did: unregistering it must not tear down the first
 * producer's connection, and it must register cleanly on another eventfd
 * afterwards (6.17+ refuses, with a warning, a producer that still carries
 * an eventfd).
 */
static void nvc_irq_bypass_register_failure_leaves_it_unregistered(struct kunit *test)
{
#if defined(NVC_KUNIT_IRQBYPASS)
	struct nvc_irqbypass_fixture *f = test->priv;
	struct irq_bypass_producer *first, *second;
	int ret;

	first = kunit_kzalloc(test, sizeof(*first), GFP_KERNEL);
	second = kunit_kzalloc(test, sizeof(*second), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	KUNIT_ASSERT_NOT_NULL(test, second);
	KUNIT_ASSERT_EQ(test, nvc_kunit_register_consumer(f, nvc_kunit_eventfd(f, 0)), 0);
	f->consumer_registered = true;

	KUNIT_ASSERT_EQ(test, nvc_irq_bypass_register_producer(first, nvc_kunit_eventfd(f, 0), 10), 0);
	KUNIT_ASSERT_PTR_EQ(test, f->connected, first);

	ret = nvc_irq_bypass_register_producer(second, nvc_kunit_eventfd(f, 0), 11);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_EQ(test, f->connects, 1);

	irq_bypass_unregister_producer(second);
	KUNIT_EXPECT_EQ(test, f->disconnects, 0);
	KUNIT_EXPECT_PTR_EQ(test, f->connected, first);

	KUNIT_EXPECT_EQ(test, nvc_irq_bypass_register_producer(second, nvc_kunit_eventfd(f, 1), 11), 0);
	irq_bypass_unregister_producer(second);

	irq_bypass_unregister_producer(first);
	KUNIT_EXPECT_EQ(test, f->disconnects, 1);
#endif
}

static struct kunit_case nvc_compat_irqbypass_cases[] = {
	KUNIT_CASE(nvc_irq_bypass_register_connects),
	KUNIT_CASE(nvc_irq_bypass_register_before_consumer),
	KUNIT_CASE(nvc_irq_bypass_register_failure_leaves_it_unregistered),
	{}
};

static struct kunit_suite nvc_compat_irqbypass_suite = {
	.name = "nvc_compat_irqbypass",
	.init = nvc_irqbypass_test_init,
	.exit = nvc_irqbypass_test_exit,
	.test_cases = nvc_compat_irqbypass_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_region_info: the get_region_info_caps adapters (6.19+)
 *
 * A stand-in driver answers VFIO_DEVICE_GET_REGION_INFO in its .ioctl the
 * way mdev vGPU drivers do: the config region without capabilities, BAR0
 * with a sparse mmap capability (two areas) and a region type capability,
 * "how much room" when argsz is too small, -EINVAL for unknown regions.
 *
 * Each case puts the same request in two user buffers: one goes straight to
 * the driver's .ioctl, as vfio did before 6.19; the other goes through
 * nvc_vfio_ioctl_get_region_info_caps() and a copy of what vfio's
 * vfio_get_region_info() (drivers/vfio/vfio_main.c, 6.19) does with the
 * callback's answer.  Userspace must see the same bytes, and the same error.
 */
#if defined(NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS)
#define NVC_KUNIT_REGION_INFO 1
#endif

#define NVC_KUNIT_BAR0_SIZE	0x100000ULL
#define NVC_KUNIT_UBUF_SIZE	1024

struct nvc_region_fixture {
	struct vfio_device vdev;
	struct vfio_device_ops ops;
	int ioctl_calls, fallback_calls;
	bool ioctl_enotty;		/* behave like vfio_pci_core_ioctl() since 6.19 */
};

#if defined(NVC_KUNIT_REGION_INFO)
static struct nvc_region_fixture *to_region_fixture(struct vfio_device *vdev)
{
	return container_of(vdev, struct nvc_region_fixture, vdev);
}

static int nvc_kunit_bar0_caps(struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_sparse_mmap *sparse;
	struct vfio_region_info_cap_type type = {
		.header.id = VFIO_REGION_INFO_CAP_TYPE,
		.header.version = 1,
		.type = 0x10de,
		.subtype = 3,
	};
	size_t size = struct_size(sparse, areas, 2);
	int ret;

	sparse = kzalloc(size, GFP_KERNEL);
	if (!sparse)
		return -ENOMEM;
	sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sparse->header.version = 1;
	sparse->nr_areas = 2;
	sparse->areas[0].offset = 0x1000;
	sparse->areas[0].size = 0x7000;
	sparse->areas[1].offset = 0x10000;
	sparse->areas[1].size = NVC_KUNIT_BAR0_SIZE - 0x10000;
	ret = vfio_info_add_capability(caps, &sparse->header, size);
	kfree(sparse);
	if (ret)
		return ret;
	return vfio_info_add_capability(caps, &type.header, sizeof(type));
}

/* The stand-in driver's .ioctl. */
static long nvc_kunit_region_ioctl(struct vfio_device *vdev, unsigned int cmd,
				   unsigned long arg)
{
	struct nvc_region_fixture *f = to_region_fixture(vdev);
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	int ret = 0;

	f->ioctl_calls++;
	if (cmd != VFIO_DEVICE_GET_REGION_INFO || f->ioctl_enotty)
		return -ENOTTY;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.offset = (u64)info.index << 40;
		info.size = 256;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		info.offset = 0;
		info.size = NVC_KUNIT_BAR0_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
		ret = nvc_kunit_bar0_caps(&caps);
		if (ret)
			return ret;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
			info.cap_offset = 0;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user((void __user *)arg + sizeof(info), caps.buf, caps.size))
				ret = -EFAULT;
			info.cap_offset = sizeof(info);
		}
		kfree(caps.buf);
		if (ret)
			return ret;
		break;
	default:
		return -EINVAL;
	}

	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static int nvc_kunit_region_fallback(struct vfio_device *vdev,
				     struct vfio_region_info *info,
				     struct vfio_info_cap *caps)
{
	to_region_fixture(vdev)->fallback_calls++;
	info->offset = 0;
	info->size = 4096;
	info->flags = VFIO_REGION_INFO_FLAG_READ;
	return 0;
}

typedef int (*nvc_kunit_region_op)(struct vfio_device *, struct vfio_region_info *,
				   struct vfio_info_cap *);

/* What vfio_get_region_info() does with the driver's callback (6.19). */
static long nvc_kunit_vfio_get_region_info(struct vfio_device *vdev,
					   struct vfio_region_info __user *arg,
					   nvc_kunit_region_op op)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info = {};
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	ret = op(vdev, &info, &caps);
	if (!ret && caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
			info.cap_offset = 0;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(arg + 1, caps.buf, caps.size))
				ret = -EFAULT;
			info.cap_offset = sizeof(info);
		}
	}
	if (!ret && copy_to_user(arg, &info, minsz))
		ret = -EFAULT;
	kfree(caps.buf);
	return ret;
}

struct nvc_region_bufs {
	unsigned long old_buf, new_buf;		/* user addresses */
	u8 *old_bytes, *new_bytes;
};

static void nvc_kunit_region_bufs(struct kunit *test, struct nvc_region_bufs *b)
{
	b->old_buf = kunit_vm_mmap(test, NULL, 0, NVC_KUNIT_UBUF_SIZE,
				   PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	b->new_buf = kunit_vm_mmap(test, NULL, 0, NVC_KUNIT_UBUF_SIZE,
				   PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(b->old_buf) || !b->old_buf,
			       "kunit_vm_mmap: %ld", (long)b->old_buf);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(b->new_buf) || !b->new_buf,
			       "kunit_vm_mmap: %ld", (long)b->new_buf);
	b->old_bytes = kunit_kzalloc(test, NVC_KUNIT_UBUF_SIZE, GFP_KERNEL);
	b->new_bytes = kunit_kzalloc(test, NVC_KUNIT_UBUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->old_bytes);
	KUNIT_ASSERT_NOT_NULL(test, b->new_bytes);
}

/* Put the same request, over the same garbage, in both user buffers. */
static void nvc_kunit_region_request(struct kunit *test, struct nvc_region_bufs *b,
				     u32 index, u32 argsz)
{
	struct vfio_region_info req = { .argsz = argsz, .index = index };

	memset(b->old_bytes, 0xa5, NVC_KUNIT_UBUF_SIZE);
	memcpy(b->old_bytes, &req, sizeof(req));
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)b->old_buf, b->old_bytes,
					   NVC_KUNIT_UBUF_SIZE), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)b->new_buf, b->old_bytes,
					   NVC_KUNIT_UBUF_SIZE), 0);
}

/* Run one request both ways; userspace must see the same thing. */
static void nvc_kunit_region_compare(struct kunit *test, struct nvc_region_fixture *f,
				     struct nvc_region_bufs *b, u32 index, u32 argsz,
				     long want_ret)
{
	long old_ret, new_ret;

	nvc_kunit_region_request(test, b, index, argsz);
	old_ret = f->ops.ioctl(&f->vdev, VFIO_DEVICE_GET_REGION_INFO, b->old_buf);
	new_ret = nvc_kunit_vfio_get_region_info(&f->vdev,
						 (struct vfio_region_info __user *)b->new_buf,
						 f->ops.get_region_info_caps);
	KUNIT_EXPECT_EQ_MSG(test, old_ret, want_ret, "index %u argsz %u: old path", index, argsz);
	KUNIT_EXPECT_EQ_MSG(test, new_ret, old_ret, "index %u argsz %u", index, argsz);

	KUNIT_ASSERT_EQ(test, copy_from_user(b->old_bytes, (void __user *)b->old_buf,
					     NVC_KUNIT_UBUF_SIZE), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(b->new_bytes, (void __user *)b->new_buf,
					     NVC_KUNIT_UBUF_SIZE), 0);
	KUNIT_EXPECT_MEMEQ_MSG(test, b->new_bytes, b->old_bytes, NVC_KUNIT_UBUF_SIZE,
			       "index %u argsz %u: user buffers differ", index, argsz);
}
#endif /* NVC_KUNIT_REGION_INFO */

static int nvc_region_test_init(struct kunit *test)
{
	struct nvc_region_fixture *f;

	if (!IS_ENABLED(CONFIG_VFIO))
		kunit_skip(test, "CONFIG_VFIO is not set");
#if !defined(NVC_KUNIT_REGION_INFO)
	kunit_skip(test, "vfio_device_ops has no get_region_info_caps (< 6.19): .ioctl still gets VFIO_DEVICE_GET_REGION_INFO and the initialisers are empty");
#endif
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
#if defined(NVC_KUNIT_REGION_INFO)
	f->ops.name = "nvc-kunit-region";
	f->ops.ioctl = nvc_kunit_region_ioctl;
	f->ops.get_region_info_caps = nvc_vfio_ioctl_get_region_info_caps;
#endif
	f->vdev.ops = &f->ops;
	test->priv = f;
	return 0;
}

/* The initialiser names the adapter. */
static void nvc_region_info_initialiser(struct kunit *test)
{
#if defined(NVC_KUNIT_REGION_INFO)
	static const struct vfio_device_ops ops = {
		.name = "nvc-kunit",
		.ioctl = nvc_kunit_region_ioctl,
		NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
	};

	KUNIT_EXPECT_TRUE(test, ops.get_region_info_caps == nvc_vfio_ioctl_get_region_info_caps);
	KUNIT_EXPECT_TRUE(test, ops.ioctl == nvc_kunit_region_ioctl);
#endif
}

/* A region without capabilities. */
static void nvc_region_info_plain(struct kunit *test)
{
#if defined(NVC_KUNIT_REGION_INFO)
	struct nvc_region_fixture *f = test->priv;
	struct nvc_region_bufs b;

	nvc_kunit_region_bufs(test, &b);
	nvc_kunit_region_compare(test, f, &b, VFIO_PCI_CONFIG_REGION_INDEX,
				 sizeof(struct vfio_region_info), 0);
	nvc_kunit_region_compare(test, f, &b, VFIO_PCI_CONFIG_REGION_INDEX, 512, 0);
#endif
}

/*
 * BAR0 and its two capabilities: argsz too small (userspace learns the size
 * it needs), exactly right, and larger than needed.
 */
static void nvc_region_info_caps(struct kunit *test)
{
#if defined(NVC_KUNIT_REGION_INFO)
	struct nvc_region_fixture *f = test->priv;
	struct vfio_region_info info = {
		.argsz = sizeof(info), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct nvc_region_bufs b;
	u32 need;

	nvc_kunit_region_bufs(test, &b);	/* also gives this thread an mm */

	/* what the driver says it needs */
	KUNIT_ASSERT_EQ(test, nvc_vfio_ioctl_get_region_info_caps(&f->vdev, &info, &caps), 0);
	need = sizeof(info) + caps.size;
	KUNIT_EXPECT_EQ(test, caps.size,
			(size_t)(ALIGN(struct_size_t(struct vfio_region_info_cap_sparse_mmap, areas, 2), 8) +
				 ALIGN(sizeof(struct vfio_region_info_cap_type), 8)));
	KUNIT_EXPECT_EQ(test, info.size, NVC_KUNIT_BAR0_SIZE);
	KUNIT_EXPECT_FALSE(test, info.flags & VFIO_REGION_INFO_FLAG_CAPS);
	KUNIT_EXPECT_TRUE(test, info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	KUNIT_ASSERT_NOT_NULL(test, caps.buf);
	KUNIT_EXPECT_EQ(test, caps.buf->id, (u16)VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	kfree(caps.buf);
	KUNIT_ASSERT_LE(test, need, (u32)NVC_KUNIT_UBUF_SIZE);

	nvc_kunit_region_compare(test, f, &b, VFIO_PCI_BAR0_REGION_INDEX, sizeof(info), 0);
	nvc_kunit_region_compare(test, f, &b, VFIO_PCI_BAR0_REGION_INDEX, need - 8, 0);
	nvc_kunit_region_compare(test, f, &b, VFIO_PCI_BAR0_REGION_INDEX, need, 0);
	nvc_kunit_region_compare(test, f, &b, VFIO_PCI_BAR0_REGION_INDEX, NVC_KUNIT_UBUF_SIZE, 0);
#endif
}

/* The driver's errors reach userspace unchanged. */
static void nvc_region_info_errors(struct kunit *test)
{
#if defined(NVC_KUNIT_REGION_INFO)
	struct nvc_region_fixture *f = test->priv;
	struct nvc_region_bufs b;

	nvc_kunit_region_bufs(test, &b);
	nvc_kunit_region_compare(test, f, &b, VFIO_PCI_NUM_REGIONS + 3,
				 sizeof(struct vfio_region_info), -EINVAL);
#endif
}

/* Without .ioctl vfio answered -EINVAL before 6.19; so does the adapter. */
static void nvc_region_info_no_ioctl(struct kunit *test)
{
#if defined(NVC_KUNIT_REGION_INFO)
	struct nvc_region_fixture *f = test->priv;
	struct vfio_region_info info = { .argsz = sizeof(info) };
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };

	f->ops.ioctl = NULL;
	KUNIT_EXPECT_EQ(test, nvc_vfio_ioctl_get_region_info_caps(&f->vdev, &info, &caps), -EINVAL);
	KUNIT_EXPECT_EQ(test, caps.size, (size_t)0);
#endif
}

/*
 * The vfio-pci-core form: what the driver's .ioctl passes on to
 * vfio_pci_core_ioctl() (-ENOTTY since 6.19) goes to the fallback, the rest
 * is the driver's answer.
 */
static void nvc_region_info_fallback_on_enotty(struct kunit *test)
{
#if defined(NVC_KUNIT_REGION_INFO)
	struct nvc_region_fixture *f = test->priv;
	struct vfio_region_info info = {
		.argsz = sizeof(info), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };

	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);

	KUNIT_EXPECT_EQ(test, nvc_vfio_region_info_from_ioctl(&f->vdev, &info, &caps,
							      nvc_kunit_region_fallback), 0);
	KUNIT_EXPECT_EQ(test, f->fallback_calls, 0);
	KUNIT_EXPECT_EQ(test, info.size, 256ULL);

	f->ioctl_enotty = true;
	KUNIT_EXPECT_EQ(test, nvc_vfio_region_info_from_ioctl(&f->vdev, &info, &caps,
							      nvc_kunit_region_fallback), 0);
	KUNIT_EXPECT_EQ(test, f->fallback_calls, 1);
	KUNIT_EXPECT_EQ(test, info.size, 4096ULL);

	/* no fallback: the driver's -ENOTTY is the answer */
	KUNIT_EXPECT_EQ(test, nvc_vfio_ioctl_get_region_info_caps(&f->vdev, &info, &caps), -ENOTTY);
	KUNIT_EXPECT_EQ(test, caps.size, (size_t)0);
#endif
}

/* A caller without a process (a kernel thread) gets an error, not a crash. */
static void nvc_region_info_needs_a_process(struct kunit *test)
{
#if defined(NVC_KUNIT_REGION_INFO)
	struct nvc_region_fixture *f = test->priv;
	struct vfio_region_info info = { .argsz = sizeof(info) };
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };

	if (current->mm)
		kunit_skip(test, "this case's thread already has an mm");
	KUNIT_EXPECT_EQ(test, nvc_vfio_ioctl_get_region_info_caps(&f->vdev, &info, &caps), -EFAULT);
	KUNIT_EXPECT_EQ(test, f->ioctl_calls, 0);
#endif
}

static struct kunit_case nvc_compat_region_info_cases[] = {
	KUNIT_CASE(nvc_region_info_needs_a_process),
	KUNIT_CASE(nvc_region_info_initialiser),
	KUNIT_CASE(nvc_region_info_plain),
	KUNIT_CASE(nvc_region_info_caps),
	KUNIT_CASE(nvc_region_info_errors),
	KUNIT_CASE(nvc_region_info_no_ioctl),
	KUNIT_CASE(nvc_region_info_fallback_on_enotty),
	{}
};

static struct kunit_suite nvc_compat_region_info_suite = {
	.name = "nvc_compat_region_info",
	.init = nvc_region_test_init,
	.test_cases = nvc_compat_region_info_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_vfio_pci: the vfio-pci-core initialisers, on a vfio-pci-core
 * device around a PCI device that exists only for its name (no bus, not a
 * VF, not a PF with VFs: the common case of a vGPU VF whose PF belongs to
 * nvidia.ko, not to vfio-pci).
 */
#if IS_REACHABLE(CONFIG_VFIO_PCI_CORE)
#define NVC_KUNIT_VFIO_PCI 1

#define NVC_KUNIT_PCI_NAME "0000:65:00.4"

struct nvc_pci_fixture {
	struct vfio_pci_core_device core;
	struct pci_dev pdev;
	struct vfio_device_ops ops;
};

static const struct vfio_device_ops nvc_kunit_pci_ops = {
	.name = "nvc-kunit-pci",
	.ioctl = vfio_pci_core_ioctl,
	NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
	.match = vfio_pci_core_match,
	NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
};
#endif

static int nvc_pci_test_init(struct kunit *test)
{
#if defined(NVC_KUNIT_VFIO_PCI)
	struct nvc_pci_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->pdev.dev.init_name = NVC_KUNIT_PCI_NAME;	/* what pci_name() reads */
	f->pdev.cfg_size = PCI_CFG_SPACE_EXP_SIZE;
	f->core.pdev = &f->pdev;
	f->core.vdev.ops = &nvc_kunit_pci_ops;
	test->priv = f;
	return 0;
#else
	kunit_skip(test, "no vfio-pci-core built in (CONFIG_VFIO_PCI_CORE; needs CONFIG_PCI)");
	return 0;
#endif
}

/* The initialiser names vfio-pci-core's own check, where the member exists. */
static void nvc_vfio_pci_match_token_uuid_initialiser(struct kunit *test)
{
#if defined(NVC_KUNIT_VFIO_PCI)
#if defined(NVC_VFIO_DEVICE_OPS_HAS_MATCH_TOKEN_UUID)
	KUNIT_EXPECT_TRUE(test, nvc_kunit_pci_ops.match_token_uuid ==
				vfio_pci_core_match_token_uuid);
#endif
	KUNIT_EXPECT_TRUE(test, nvc_kunit_pci_ops.match == vfio_pci_core_match);
#endif
}

/*
 * What userspace gets when it asks the group for the device by name, with
 * and without a VF token: the answers vfio-pci-core gave before 6.17 (match,
 * no match, -EINVAL for a token where no SR-IOV trust is involved).  Without
 * the initialiser, 6.17+ would call a NULL match_token_uuid here.
 */
static void nvc_vfio_pci_match_by_name(struct kunit *test)
{
#if defined(NVC_KUNIT_VFIO_PCI)
	struct nvc_pci_fixture *f = test->priv;
	char buf[96];

	strscpy(buf, NVC_KUNIT_PCI_NAME, sizeof(buf));
	KUNIT_EXPECT_EQ(test, vfio_pci_core_match(&f->core.vdev, buf), 1);

	strscpy(buf, "0000:65:00.5", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vfio_pci_core_match(&f->core.vdev, buf), 0);

	strscpy(buf, NVC_KUNIT_PCI_NAME " vf_token=2ab74924-c335-45f4-9b16-8569e5b08258",
		sizeof(buf));
	KUNIT_EXPECT_EQ(test, vfio_pci_core_match(&f->core.vdev, buf), -EINVAL);

	strscpy(buf, NVC_KUNIT_PCI_NAME " bogus=1", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vfio_pci_core_match(&f->core.vdev, buf), -EINVAL);
#endif
}

/*
 * A driver whose .ioctl hands everything to vfio_pci_core_ioctl(): the
 * config region's info is what vfio-pci-core computes from the device.
 */
static void nvc_vfio_pci_region_info_from_core(struct kunit *test)
{
#if defined(NVC_KUNIT_VFIO_PCI) && defined(NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS)
	struct nvc_pci_fixture *f = test->priv;
	struct vfio_region_info info = {
		.argsz = sizeof(info), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };

	KUNIT_ASSERT_TRUE(test, nvc_kunit_pci_ops.get_region_info_caps ==
				nvc_vfio_pci_core_get_region_info_caps);
	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);

	KUNIT_EXPECT_EQ(test, nvc_kunit_pci_ops.get_region_info_caps(&f->core.vdev, &info, &caps), 0);
	KUNIT_EXPECT_EQ(test, info.size, (u64)PCI_CFG_SPACE_EXP_SIZE);
	KUNIT_EXPECT_EQ(test, info.offset, (u64)VFIO_PCI_CONFIG_REGION_INDEX << 40);
	KUNIT_EXPECT_EQ(test, info.flags,
			(u32)(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE));
	KUNIT_EXPECT_EQ(test, caps.size, (size_t)0);
	kfree(caps.buf);
#else
	kunit_skip(test, "needs vfio-pci-core and get_region_info_caps (6.19+)");
#endif
}

static struct kunit_case nvc_compat_vfio_pci_cases[] = {
	KUNIT_CASE(nvc_vfio_pci_match_token_uuid_initialiser),
	KUNIT_CASE(nvc_vfio_pci_match_by_name),
	KUNIT_CASE(nvc_vfio_pci_region_info_from_core),
	{}
};

static struct kunit_suite nvc_compat_vfio_pci_suite = {
	.name = "nvc_compat_vfio_pci",
	.init = nvc_pci_test_init,
	.test_cases = nvc_compat_vfio_pci_cases,
};

kunit_test_suites(&nvc_compat_irqbypass_suite,
		  &nvc_compat_region_info_suite,
		  &nvc_compat_vfio_pci_suite);

MODULE_DESCRIPTION("KUnit tests of the nvidia-vgpu-compat wrappers for nvidia-vgpu-vfio");
MODULE_LICENSE("Dual MIT/GPL");
