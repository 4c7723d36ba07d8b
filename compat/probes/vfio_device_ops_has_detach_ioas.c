// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_VFIO_DEVICE_OPS_HAS_DETACH_IOAS */
/*
 * struct vfio_device_ops::detach_ioas, added in 6.6 by commit 9048c7341c4d
 * ("vfio-iommufd: Add detach_ioas support for physical VFIO devices").
 */
#include <linux/stddef.h>
#include <linux/vfio.h>

int nvc_probe_vfio_device_ops_has_detach_ioas(void)
{
	return offsetof(struct vfio_device_ops, detach_ioas);
}
