/* SPDX-License-Identifier: MIT */
#ifndef NVC_VFIO_H
#define NVC_VFIO_H

/*
 * NVC_VFIO_EMULATED_DETACH_IOAS / NVC_VFIO_PHYSICAL_DETACH_IOAS - the
 * .detach_ioas initialiser for a struct vfio_device_ops, or nothing on kernels
 * whose vfio_device_ops has no such member.  Written on its own line after
 * the .attach_ioas initialiser.  They name the helpers declared by the
 * including file's own <linux/vfio.h>, so this header includes nothing.
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

#endif /* NVC_VFIO_H */
