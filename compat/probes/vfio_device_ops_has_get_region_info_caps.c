// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_VFIO_DEVICE_OPS_HAS_GET_REGION_INFO_CAPS */
/*
 * struct vfio_device_ops::get_region_info_caps, added in 6.19 by commit
 * 775f726a742a ("vfio: Add get_region_info_caps op").  In the same release
 * (commit f97859503859, "vfio: Require drivers to implement
 * get_region_info") vfio started to answer VFIO_DEVICE_GET_REGION_INFO
 * itself through this callback, never through .ioctl, and
 * vfio_pci_core_ioctl() stopped answering it.
 */
#include <linux/stddef.h>
#include <linux/vfio.h>

int nvc_probe_vfio_device_ops_has_get_region_info_caps(void)
{
	return offsetof(struct vfio_device_ops, get_region_info_caps);
}
