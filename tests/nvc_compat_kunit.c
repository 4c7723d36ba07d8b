// SPDX-License-Identifier: MIT
/*
 * KUnit tests of the nvidia-vgpu-compat wrappers (compat/nvc-*.h): not whether
 * they compile, but whether they behave, on the kernel they are built for,
 * the way the code they replace behaved on older kernels.
 *
 * This object gets the compat layer the way the NVIDIA objects get it: the
 * repository's Kbuild lists it in NV_OBJECTS_DEPEND_ON_CONFTEST, so
 * compat/nvc-compat.Kbuild probes this kernel and compiles it with
 * "-I<probes> -I<compat> -include nvc-compat.h".  Run it with
 * tests/kunit/run.sh.
 *
 * Suites:
 *   nvc_compat_iommu    nvc_dev_iommu_present()
 *   nvc_compat_eventfd  nvc_eventfd_signal()
 *   nvc_compat_module   NVC_MODULE_IMPORT_NS()
 *   nvc_compat_fs       NVC_NO_LLSEEK
 *   nvc_compat_vfio     NVC_VFIO_EMULATED_DETACH_IOAS / _PHYSICAL_
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/stringify.h>
#include <linux/syscalls.h>
#include <linux/vfio.h>

#ifndef NVC_COMPAT_H
#error "nvc-compat.h was not force-included: build through the repository's Kbuild"
#endif

/* ------------------------------------------------------------------------
 * nvc_compat_iommu: nvc_dev_iommu_present(dev)
 *
 * Each case builds, around a registered device, the state an IOMMU driver's
 * probe leaves behind: an IOMMU group (iommu_group_add_device()) and
 * dev->iommu->iommu_dev->ops.  The IOMMU "driver" is a zeroed iommu_ops that
 * is never registered: the predicate only looks at the pointers.
 */

struct nvc_iommu_fixture {
	struct device *dev;
	struct iommu_group *group;
	bool in_group;
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	struct dev_iommu dev_iommu;
	struct iommu_device iommu;
#endif
};

#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
static const struct iommu_ops nvc_kunit_iommu_ops;

/* Put @dev in a fresh IOMMU group, as iommu_probe_device() would. */
static void nvc_iommu_join_group(struct kunit *test, struct nvc_iommu_fixture *f)
{
	struct iommu_group *group;

	group = iommu_group_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, group);
	f->group = group;
	KUNIT_ASSERT_EQ(test, iommu_group_add_device(group, f->dev), 0);
	f->in_group = true;
	KUNIT_ASSERT_PTR_EQ(test, f->dev->iommu_group, group);
}

/* Point dev->iommu->iommu_dev at an IOMMU instance whose ops are @ops. */
static void nvc_iommu_set_iommu_dev(struct nvc_iommu_fixture *f,
				    const struct iommu_ops *ops)
{
	f->iommu.ops = ops;
	f->dev_iommu.iommu_dev = &f->iommu;
	f->dev->iommu = &f->dev_iommu;
}
#endif /* NVC_DEV_IOMMU_HAS_IOMMU_DEV */

static int nvc_iommu_test_init(struct kunit *test)
{
	struct nvc_iommu_fixture *f;

	/*
	 * Every case needs the per-device path of the predicate.  Without it
	 * (no CONFIG_IOMMU_API, or a probe that broke) the predicate is a
	 * constant false and the "false" cases would pass for nothing.
	 */
	KUNIT_ASSERT_TRUE_MSG(test, IS_ENABLED(NVC_DEV_IOMMU_HAS_IOMMU_DEV),
			      "probe NVC_DEV_IOMMU_HAS_IOMMU_DEV is not set for this kernel (CONFIG_IOMMU_API=%d): nvc_dev_iommu_present() is not the per-device test",
			      IS_ENABLED(CONFIG_IOMMU_API));

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;

	f->dev = root_device_register("nvc_compat_kunit");
	if (IS_ERR(f->dev)) {
		int err = PTR_ERR(f->dev);

		f->dev = NULL;
		KUNIT_FAIL(test, "root_device_register: %d", err);
		return err;
	}
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	mutex_init(&f->dev_iommu.lock);
#endif
	return 0;
}

static void nvc_iommu_test_exit(struct kunit *test)
{
	struct nvc_iommu_fixture *f = test->priv;

	if (!f)
		return;
	if (f->dev) {
		/*
		 * Ours, not the IOMMU core's: drop it first so that removing
		 * the device from its group does not iommu_deinit_device() it.
		 */
		f->dev->iommu = NULL;
		if (f->in_group)
			iommu_group_remove_device(f->dev);
		root_device_unregister(f->dev);
	}
	if (f->group)
		iommu_group_put(f->group);
}

/* Group and IOMMU instance with ops: an IOMMU translates for the device. */
static void nvc_dev_iommu_present_group_and_ops(struct kunit *test)
{
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	struct nvc_iommu_fixture *f = test->priv;

	nvc_iommu_join_group(test, f);
	nvc_iommu_set_iommu_dev(f, &nvc_kunit_iommu_ops);

	KUNIT_EXPECT_TRUE(test, nvc_dev_iommu_present(f->dev));
#endif
}

/* IOMMU instance with ops, but no group (the IOMMU probe did not finish). */
static void nvc_dev_iommu_present_no_group(struct kunit *test)
{
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	struct nvc_iommu_fixture *f = test->priv;

	KUNIT_EXPECT_FALSE(test, nvc_dev_iommu_present(f->dev));

	nvc_iommu_set_iommu_dev(f, &nvc_kunit_iommu_ops);
	KUNIT_ASSERT_NULL(test, f->dev->iommu_group);

	KUNIT_EXPECT_FALSE(test, nvc_dev_iommu_present(f->dev));
#endif
}

/* A group but no per-device IOMMU data. */
static void nvc_dev_iommu_present_group_no_dev_iommu(struct kunit *test)
{
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	struct nvc_iommu_fixture *f = test->priv;

	nvc_iommu_join_group(test, f);
	KUNIT_ASSERT_NULL(test, f->dev->iommu);

	KUNIT_EXPECT_FALSE(test, nvc_dev_iommu_present(f->dev));
#endif
}

/* A group and dev->iommu, but no IOMMU instance, then one without ops. */
static void nvc_dev_iommu_present_iommu_dev_no_ops(struct kunit *test)
{
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	struct nvc_iommu_fixture *f = test->priv;

	nvc_iommu_join_group(test, f);
	f->dev->iommu = &f->dev_iommu;
	KUNIT_EXPECT_FALSE(test, nvc_dev_iommu_present(f->dev));

	nvc_iommu_set_iommu_dev(f, NULL);
	KUNIT_EXPECT_FALSE(test, nvc_dev_iommu_present(f->dev));
#endif
}

/*
 * The x86 pitfall: Intel VT-d and AMD-Vi translate for a device without ever
 * giving it an iommu_fwspec.  A predicate built on dev_iommu_fwspec_get()
 * would say "no IOMMU" there; ours must still say yes.
 */
static void nvc_dev_iommu_present_without_fwspec(struct kunit *test)
{
#if defined(NVC_DEV_IOMMU_HAS_IOMMU_DEV)
	struct nvc_iommu_fixture *f = test->priv;

	nvc_iommu_join_group(test, f);
	nvc_iommu_set_iommu_dev(f, &nvc_kunit_iommu_ops);
	KUNIT_ASSERT_NULL(test, dev_iommu_fwspec_get(f->dev));

	KUNIT_EXPECT_TRUE(test, nvc_dev_iommu_present(f->dev));
#endif
}

static struct kunit_case nvc_compat_iommu_cases[] = {
	KUNIT_CASE(nvc_dev_iommu_present_group_and_ops),
	KUNIT_CASE(nvc_dev_iommu_present_no_group),
	KUNIT_CASE(nvc_dev_iommu_present_group_no_dev_iommu),
	KUNIT_CASE(nvc_dev_iommu_present_iommu_dev_no_ops),
	KUNIT_CASE(nvc_dev_iommu_present_without_fwspec),
	{}
};

static struct kunit_suite nvc_compat_iommu_suite = {
	.name = "nvc_compat_iommu",
	.init = nvc_iommu_test_init,
	.exit = nvc_iommu_test_exit,
	.test_cases = nvc_compat_iommu_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_eventfd: nvc_eventfd_signal(ctx)
 *
 * A real eventfd in the files of the KUnit case's kthread (the kernel
 * threads' shared files table): the driver receives the fd from userspace
 * and turns it into a ctx with eventfd_ctx_fdget(), so do we.
 */

/*
 * The eventfd2 system call is the only way to create an eventfd.  Built-in
 * code can call it directly on architectures without syscall wrappers (UML,
 * which kunit.py builds by default); elsewhere the case is skipped.
 */
#if IS_BUILTIN(CONFIG_NVC_COMPAT_KUNIT_TEST) && !defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER)
#define NVC_KUNIT_HAVE_EVENTFD2 1
#endif

struct nvc_eventfd_fixture {
	int fd;
	struct eventfd_ctx *ctx;
	struct file *file;
};

static int nvc_eventfd_test_init(struct kunit *test)
{
	struct nvc_eventfd_fixture *f;
	long fd;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->fd = -1;
	test->priv = f;

	if (!IS_ENABLED(CONFIG_EVENTFD))
		kunit_skip(test, "CONFIG_EVENTFD is not set");
#if defined(NVC_KUNIT_HAVE_EVENTFD2)
	fd = sys_eventfd2(0, EFD_CLOEXEC | EFD_NONBLOCK);
#else
	fd = -ENOSYS;
	kunit_skip(test, "sys_eventfd2() is not callable here (test built as a module, or an architecture with syscall wrappers): run it on UML");
#endif
	KUNIT_ASSERT_GE_MSG(test, fd, 0, "eventfd2: %ld", fd);
	f->fd = fd;

	f->ctx = eventfd_ctx_fdget(f->fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->ctx);
	f->file = eventfd_fget(f->fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->file);
	return 0;
}

static void nvc_eventfd_test_exit(struct kunit *test)
{
	struct nvc_eventfd_fixture *f = test->priv;

	if (!f)
		return;
	if (!IS_ERR_OR_NULL(f->file))
		fput(f->file);
	if (!IS_ERR_OR_NULL(f->ctx))
		eventfd_ctx_put(f->ctx);
	if (f->fd >= 0)
		close_fd(f->fd);
}

/* Read (and so reset) the counter like read(2) does; 0 when it is 0. */
static u64 nvc_eventfd_take_count(struct kunit *test, struct nvc_eventfd_fixture *f)
{
	u64 count = 0;
	loff_t pos = 0;
	ssize_t n;

	n = kernel_read(f->file, &count, sizeof(count), &pos);
	if (n == -EAGAIN)
		return 0;
	KUNIT_ASSERT_EQ_MSG(test, n, (ssize_t)sizeof(count), "read(eventfd): %zd", n);
	return count;
}

static void nvc_eventfd_signal_adds_one(struct kunit *test)
{
	struct nvc_eventfd_fixture *f = test->priv;

	KUNIT_ASSERT_FALSE(test, vfs_poll(f->file, NULL) & EPOLLIN);

	nvc_eventfd_signal(f->ctx);
	KUNIT_EXPECT_TRUE(test, vfs_poll(f->file, NULL) & EPOLLIN);
	KUNIT_EXPECT_EQ(test, nvc_eventfd_take_count(test, f), 1ULL);
	/* read(2) reset it: nothing else was added */
	KUNIT_EXPECT_EQ(test, nvc_eventfd_take_count(test, f), 0ULL);

	nvc_eventfd_signal(f->ctx);
	nvc_eventfd_signal(f->ctx);
	KUNIT_EXPECT_EQ(test, nvc_eventfd_take_count(test, f), 2ULL);
	KUNIT_EXPECT_EQ(test, nvc_eventfd_take_count(test, f), 0ULL);
}

static struct kunit_case nvc_compat_eventfd_cases[] = {
	KUNIT_CASE(nvc_eventfd_signal_adds_one),
	{}
};

static struct kunit_suite nvc_compat_eventfd_suite = {
	.name = "nvc_compat_eventfd",
	.init = nvc_eventfd_test_init,
	.exit = nvc_eventfd_test_exit,
	.test_cases = nvc_compat_eventfd_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_module: NVC_MODULE_IMPORT_NS(NS)
 *
 * Every form of MODULE_IMPORT_NS() (6.1: MODULE_INFO(import_ns,
 * __stringify(ns)); 6.13+: MODULE_INFO(import_ns, ns)) ends in
 * MODULE_INFO(tag, info), which emits __stringify(tag) "=" info into
 * .modinfo.  Around one use of the wrapper, MODULE_INFO is redefined to
 * emit the same string into a variable instead, which the case compares with
 * what modpost and the module loader match: import_ns=NVC_KUNIT_NS, without
 * quotes.  The string-literal form on a pre-6.13 kernel would give
 * import_ns="NVC_KUNIT_NS"; the identifier form on 6.13+ does not compile.
 * NVC_KUNIT_NS must not be a macro.
 */
#pragma push_macro("MODULE_INFO")
#undef MODULE_INFO
#define MODULE_INFO(tag, info) \
	static const char nvc_kunit_import_ns_modinfo[] = __stringify(tag) "=" info
NVC_MODULE_IMPORT_NS(NVC_KUNIT_NS);
#pragma pop_macro("MODULE_INFO")

/*
 * And the real one, for tests/kunit/run.sh to find in the object's .modinfo
 * (no symbol of that namespace is used: importing it costs nothing).
 */
NVC_MODULE_IMPORT_NS(NVC_KUNIT_NS);

static void nvc_module_import_ns_modinfo(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, nvc_kunit_import_ns_modinfo, "import_ns=NVC_KUNIT_NS");
}

static struct kunit_case nvc_compat_module_cases[] = {
	KUNIT_CASE(nvc_module_import_ns_modinfo),
	{}
};

static struct kunit_suite nvc_compat_module_suite = {
	.name = "nvc_compat_module",
	.test_cases = nvc_compat_module_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_fs: NVC_NO_LLSEEK
 *
 * no_llseek() returned -ESPIPE; since 6.12 a NULL .llseek gives a file
 * without FMODE_LSEEK, and vfs_llseek() returns -ESPIPE for it.  A file made
 * by anon_inode_getfile() gets FMODE_LSEEK exactly when its fops have an
 * .llseek (6.0+), as an open(2)ed one does; the control case checks that such
 * a file is seekable here, so -ESPIPE is the wrapper's doing.
 */
static const struct file_operations nvc_kunit_no_llseek_fops = {
	.owner = THIS_MODULE,
	.llseek = NVC_NO_LLSEEK,
};

static const struct file_operations nvc_kunit_noop_llseek_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
};

static void nvc_no_llseek_espipe(struct kunit *test)
{
	struct file *file;
	loff_t a, b, c;

	file = anon_inode_getfile("[nvc_kunit]", &nvc_kunit_no_llseek_fops, NULL, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	a = vfs_llseek(file, 0, SEEK_SET);
	b = vfs_llseek(file, 1, SEEK_CUR);
	c = vfs_llseek(file, 0, SEEK_END);
	fput(file);

	KUNIT_EXPECT_EQ(test, a, (loff_t)-ESPIPE);
	KUNIT_EXPECT_EQ(test, b, (loff_t)-ESPIPE);
	KUNIT_EXPECT_EQ(test, c, (loff_t)-ESPIPE);
}

static void nvc_no_llseek_control_seekable(struct kunit *test)
{
	struct file *file;
	loff_t a;

	file = anon_inode_getfile("[nvc_kunit]", &nvc_kunit_noop_llseek_fops, NULL, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	a = vfs_llseek(file, 0, SEEK_SET);
	fput(file);

	KUNIT_EXPECT_EQ(test, a, (loff_t)0);
}

static struct kunit_case nvc_compat_fs_cases[] = {
	KUNIT_CASE(nvc_no_llseek_espipe),
	KUNIT_CASE(nvc_no_llseek_control_seekable),
	{}
};

static struct kunit_suite nvc_compat_fs_suite = {
	.name = "nvc_compat_fs",
	.test_cases = nvc_compat_fs_cases,
};

/* ------------------------------------------------------------------------
 * nvc_compat_vfio: NVC_VFIO_EMULATED_DETACH_IOAS / NVC_VFIO_PHYSICAL_DETACH_IOAS
 *
 * Written after .attach_ioas as the patched driver does; on a kernel whose
 * vfio_device_ops has .detach_ioas they must fill it with the matching
 * helper (vfio refuses to register the device otherwise).
 */
#if IS_ENABLED(CONFIG_VFIO) && IS_ENABLED(CONFIG_IOMMUFD) && \
	defined(NVC_VFIO_DEVICE_OPS_HAS_DETACH_IOAS)
#define NVC_KUNIT_VFIO 1

static const struct vfio_device_ops nvc_kunit_emulated_ops = {
	.name = "nvc-kunit-emulated",
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	NVC_VFIO_EMULATED_DETACH_IOAS
};

static const struct vfio_device_ops nvc_kunit_physical_ops = {
	.name = "nvc-kunit-physical",
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	NVC_VFIO_PHYSICAL_DETACH_IOAS
};
#endif

static void nvc_vfio_skip_unless_detach_ioas(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_VFIO))
		kunit_skip(test, "CONFIG_VFIO is not set");
	if (!IS_ENABLED(CONFIG_IOMMUFD))
		kunit_skip(test, "CONFIG_IOMMUFD is not set: the iommufd helpers are NULL");
#if !defined(NVC_VFIO_DEVICE_OPS_HAS_DETACH_IOAS)
	kunit_skip(test, "vfio_device_ops has no detach_ioas (< 6.6): the initialisers expand to nothing");
#endif
}

static void nvc_vfio_emulated_detach_ioas(struct kunit *test)
{
	nvc_vfio_skip_unless_detach_ioas(test);
#if defined(NVC_KUNIT_VFIO)
	KUNIT_EXPECT_NOT_NULL(test, nvc_kunit_emulated_ops.detach_ioas);
	KUNIT_EXPECT_TRUE(test, nvc_kunit_emulated_ops.detach_ioas ==
				vfio_iommufd_emulated_detach_ioas);
	/* the initialiser must not have disturbed the ones before it */
	KUNIT_EXPECT_TRUE(test, nvc_kunit_emulated_ops.attach_ioas ==
				vfio_iommufd_emulated_attach_ioas);
#endif
}

static void nvc_vfio_physical_detach_ioas(struct kunit *test)
{
	nvc_vfio_skip_unless_detach_ioas(test);
#if defined(NVC_KUNIT_VFIO)
	KUNIT_EXPECT_NOT_NULL(test, nvc_kunit_physical_ops.detach_ioas);
	KUNIT_EXPECT_TRUE(test, nvc_kunit_physical_ops.detach_ioas ==
				vfio_iommufd_physical_detach_ioas);
	KUNIT_EXPECT_TRUE(test, nvc_kunit_physical_ops.attach_ioas ==
				vfio_iommufd_physical_attach_ioas);
#endif
}

static struct kunit_case nvc_compat_vfio_cases[] = {
	KUNIT_CASE(nvc_vfio_emulated_detach_ioas),
	KUNIT_CASE(nvc_vfio_physical_detach_ioas),
	{}
};

static struct kunit_suite nvc_compat_vfio_suite = {
	.name = "nvc_compat_vfio",
	.test_cases = nvc_compat_vfio_cases,
};

kunit_test_suites(&nvc_compat_iommu_suite,
		  &nvc_compat_eventfd_suite,
		  &nvc_compat_module_suite,
		  &nvc_compat_fs_suite,
		  &nvc_compat_vfio_suite);

MODULE_DESCRIPTION("KUnit tests of the nvidia-vgpu-compat wrappers");
MODULE_LICENSE("Dual MIT/GPL");
