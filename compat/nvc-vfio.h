/* SPDX-License-Identifier: MIT */
#ifndef NVC_VFIO_H
#define NVC_VFIO_H

/*
 * Initialisers for a struct vfio_device_ops, written on their own line in the
 * driver's ops: each expands to ".member = helper," on kernels whose
 * vfio_device_ops has the member, and to nothing before.  The helpers named
 * by the detach_ioas and match_token_uuid initialisers are declared by the
 * including file's own <linux/vfio.h> / <linux/vfio_pci_core.h>; only the
 * region info adapters below need headers of their own, and only on kernels
 * that have get_region_info_caps.
 */

/*
 * NVC_VFIO_EMULATED_DETACH_IOAS / NVC_VFIO_PHYSICAL_DETACH_IOAS - the
 * .detach_ioas initialiser, written after the .attach_ioas one.
 *
 * 6.6 API change: commit 9048c7341c4d ("vfio-iommufd: Add detach_ioas support
 * for physical VFIO devices") and its emulated counterpart added
 * vfio_device_ops::detach_ioas; vfio refuses to register a device whose ops
 * bind iommufd without it.  mdev devices bind through the emulated helpers and
 * need the emulated detach; vfio-pci-core devices need the physical one.
 */
#if defined(NVC_VFIO_DEVICE_OPS_HAS_DETACH_IOAS)
#define NVC_VFIO_EMULATED_DETACH_IOAS \
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#define NVC_VFIO_PHYSICAL_DETACH_IOAS \
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
#else
#define NVC_VFIO_EMULATED_DETACH_IOAS
#define NVC_VFIO_PHYSICAL_DETACH_IOAS
#endif

/*
 * NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID - the .match_token_uuid initialiser of a
 * vfio-pci-core driver whose ops have .match = vfio_pci_core_match.
 *
 * 6.17 API change: commit 86624ba3b522 ("vfio/pci: Do vf_token checks for
 * VFIO_DEVICE_BIND_IOMMUFD") moved the SR-IOV VF token check out of
 * vfio_pci_core_match() into vfio_device_ops::match_token_uuid, which
 * vfio_pci_core_match() now calls without checking that it is set: a driver
 * without it oopses (NULL call) when userspace opens the device through its
 * group.  vfio_pci_core_match_token_uuid() is the check vfio_pci_core_match()
 * made itself before, so the device behaves as on older kernels (and the
 * iommufd cdev path, VFIO_DEVICE_BIND_IOMMUFD, checks the token as well).
 */
#if defined(NVC_VFIO_DEVICE_OPS_HAS_MATCH_TOKEN_UUID)
#define NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID \
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
#define NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
#endif

/*
 * NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS - the .get_region_info_caps
 * initialiser of a driver whose .ioctl answers VFIO_DEVICE_GET_REGION_INFO
 * (mdev devices); NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS - the same for a
 * vfio-pci-core driver, whose .ioctl hands what it does not answer itself to
 * vfio_pci_core_ioctl().
 *
 * 6.19 API change: commit 775f726a742a ("vfio: Add get_region_info_caps op")
 * and commit f97859503859 ("vfio: Require drivers to implement
 * get_region_info"): vfio answers VFIO_DEVICE_GET_REGION_INFO itself,
 * through vfio_device_ops::get_region_info_caps, and no longer passes it to
 * .ioctl; without the callback every region query fails with -EINVAL.  The
 * same series moved vfio-pci-core's answer out of vfio_pci_core_ioctl() into
 * vfio_pci_ioctl_get_region_info().  Nothing is reported at build time: a
 * device without the callback registers fine and QEMU then cannot set it up.
 *
 * The callbacks keep the driver's own answer: they run the driver's .ioctl
 * on VFIO_DEVICE_GET_REGION_INFO exactly as vfio did before 6.19, through a
 * bounce buffer in the calling process (the query always comes from its
 * ioctl(2)), and hand its region info and capability chain to vfio, which
 * lays them out for userspace the way the driver did.  For vfio-pci-core
 * drivers, a request the driver passed on to vfio_pci_core_ioctl() (which
 * now answers -ENOTTY) is answered by vfio_pci_ioctl_get_region_info(), the
 * code vfio_pci_core_ioctl() ran for it before.
 */
#if defined(NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS)

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

/*
 * The most room a driver's capabilities may take (a sparse mmap cap for
 * 4096 areas is 64 KiB).
 */
#define NVC_VFIO_REGION_INFO_CAPS_MAX	(256 * 1024)

typedef int (*nvc_vfio_region_info_fn)(struct vfio_device *vdev,
				       struct vfio_region_info *info,
				       struct vfio_info_cap *caps);

/*
 * Run the driver's .ioctl(VFIO_DEVICE_GET_REGION_INFO) on @ubuf (user memory
 * of @len bytes) with @in, asking for @argsz bytes; the driver's answer is
 * read back into @out.
 */
static inline long nvc_vfio_region_info_ioctl(struct vfio_device *vdev,
					      unsigned long ubuf, size_t len,
					      const struct vfio_region_info *in,
					      u32 argsz, struct vfio_region_info *out)
{
	struct vfio_region_info req = *in;
	long ret;

	req.argsz = argsz;
	if (len < sizeof(req) ||
	    copy_to_user((void __user *)ubuf, &req, sizeof(req)))
		return -EFAULT;
	ret = vdev->ops->ioctl(vdev, VFIO_DEVICE_GET_REGION_INFO, ubuf);
	if (ret)
		return ret;
	if (copy_from_user(out, (void __user *)ubuf, sizeof(*out)))
		return -EFAULT;
	return 0;
}

/*
 * Re-create, in @caps, the capability chain the driver wrote behind its
 * struct vfio_region_info: @blob holds bytes [sizeof(info), @end) of its
 * answer, the chain starts at @cap_offset and its "next" offsets count from
 * the start of the info, as userspace sees them.  Capabilities must follow
 * each other in memory (vfio_info_cap_add() lays them out that way); each
 * ends where the next begins, the last at @end.
 */
static inline int nvc_vfio_region_info_copy_caps(const u8 *blob, u32 cap_offset,
						 u32 end, struct vfio_info_cap *caps)
{
	const u32 base = sizeof(struct vfio_region_info);
	const struct vfio_info_cap_header *h;
	struct vfio_info_cap_header *c;
	u32 off = cap_offset, next, size;

	while (off) {
		if (off < base || off >= end ||
		    end - off < sizeof(*h) || !IS_ALIGNED(off, sizeof(u32)))
			return -EINVAL;
		h = (const void *)(blob + (off - base));
		next = h->next;
		if (next && (next <= off || next > end))
			return -EINVAL;
		size = (next ? next : end) - off;
		if (size < sizeof(*h))
			return -EINVAL;

		c = vfio_info_cap_add(caps, size, h->id, h->version);
		if (IS_ERR(c))
			return PTR_ERR(c);
		memcpy(c + 1, h + 1, size - sizeof(*h));
		off = next;
	}
	return 0;
}

/*
 * nvc_vfio_region_info_from_ioctl() - answer a get_region_info_caps call with
 * the driver's .ioctl; when that returns -ENOTTY and @fallback is set, with
 * @fallback.
 *
 * Like vfio before 6.19: the driver sees the request userspace made (index,
 * and the argsz it needs), its errors are returned as they are, its region
 * info is returned in @info (vfio then sets VFIO_REGION_INFO_FLAG_CAPS,
 * cap_offset and argsz from @caps), its capabilities in @caps.  The driver
 * is asked twice when it reports capabilities: first with room for the info
 * only, to learn their size, then with room for all of them.
 */
static inline int nvc_vfio_region_info_from_ioctl(struct vfio_device *vdev,
						  struct vfio_region_info *info,
						  struct vfio_info_cap *caps,
						  nvc_vfio_region_info_fn fallback)
{
	const u32 base = sizeof(*info);
	struct vfio_region_info out;
	unsigned long ubuf;
	size_t len = PAGE_SIZE;
	u8 *blob = NULL;
	long ret;

	if (!vdev->ops->ioctl)
		return fallback ? fallback(vdev, info, caps) : -EINVAL;
	/* the bounce buffer lives in the calling process */
	if (!current->mm)
		return -EFAULT;

	ubuf = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(ubuf))
		return (int)ubuf;

	/* 1: the info, and how much room the capabilities need */
	ret = nvc_vfio_region_info_ioctl(vdev, ubuf, len, info, base, &out);
	if (ret == -ENOTTY && fallback) {
		vm_munmap(ubuf, len);
		return fallback(vdev, info, caps);
	}
	if (ret)
		goto unmap;

	if ((out.flags & VFIO_REGION_INFO_FLAG_CAPS) && out.argsz > base) {
		u32 end = out.argsz;

		if (end > base + NVC_VFIO_REGION_INFO_CAPS_MAX) {
			ret = -E2BIG;
			goto unmap;
		}
		if (end > len) {
			vm_munmap(ubuf, len);
			len = PAGE_ALIGN(end);
			ubuf = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, 0);
			if (IS_ERR_VALUE(ubuf))
				return (int)ubuf;
		}

		/* 2: with room for the capabilities */
		ret = nvc_vfio_region_info_ioctl(vdev, ubuf, len, info, end, &out);
		if (ret)
			goto unmap;
		if (!(out.flags & VFIO_REGION_INFO_FLAG_CAPS) || !out.cap_offset) {
			ret = -EINVAL;	/* the answer changed under us */
			goto unmap;
		}

		blob = kvmalloc(end - base, GFP_KERNEL);
		if (!blob) {
			ret = -ENOMEM;
			goto unmap;
		}
		if (copy_from_user(blob, (void __user *)(ubuf + base), end - base)) {
			ret = -EFAULT;
			goto unmap;
		}
		ret = nvc_vfio_region_info_copy_caps(blob, out.cap_offset, end, caps);
		if (ret)
			goto unmap;
	}

	info->index = out.index;
	info->flags = out.flags & ~VFIO_REGION_INFO_FLAG_CAPS;
	info->cap_offset = 0;
	info->size = out.size;
	info->offset = out.offset;
	/* info->argsz stays what userspace passed: vfio compares it with caps */
	ret = 0;
unmap:
	/* on error vfio discards @caps (and frees caps->buf) as it is */
	kvfree(blob);
	vm_munmap(ubuf, len);
	return ret;
}

static inline int nvc_vfio_ioctl_get_region_info_caps(struct vfio_device *vdev,
						      struct vfio_region_info *info,
						      struct vfio_info_cap *caps)
{
	return nvc_vfio_region_info_from_ioctl(vdev, info, caps, NULL);
}

#define NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS \
	.get_region_info_caps = nvc_vfio_ioctl_get_region_info_caps,

#if IS_ENABLED(CONFIG_VFIO_PCI_CORE)
/*
 * vfio-pci-core's answer (<linux/vfio_pci_core.h>, 6.19).  Declared here
 * rather than by including that header into every object: it defines
 * VFIO_PCI_OFFSET_* macros that mdev drivers commonly define themselves.
 */
int vfio_pci_ioctl_get_region_info(struct vfio_device *core_vdev,
				   struct vfio_region_info *info,
				   struct vfio_info_cap *caps);

static inline int nvc_vfio_pci_core_get_region_info_caps(struct vfio_device *vdev,
							 struct vfio_region_info *info,
							 struct vfio_info_cap *caps)
{
	return nvc_vfio_region_info_from_ioctl(vdev, info, caps,
					       vfio_pci_ioctl_get_region_info);
}

#define NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS \
	.get_region_info_caps = nvc_vfio_pci_core_get_region_info_caps,
#else
#define NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
#endif

#else /* !NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS: .ioctl gets the query */
#define NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
#define NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
#endif

#endif /* NVC_VFIO_H */
