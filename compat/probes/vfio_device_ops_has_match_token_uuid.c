// SPDX-License-Identifier: MIT
/* NVC_PROBE: NVC_VFIO_DEVICE_OPS_HAS_MATCH_TOKEN_UUID */
/*
 * struct vfio_device_ops::match_token_uuid, added in 6.17 by commit
 * 86624ba3b522 ("vfio/pci: Do vf_token checks for VFIO_DEVICE_BIND_IOMMUFD").
 * From then on vfio_pci_core_match() leaves the VF token check to this
 * callback and calls it without looking: a vfio-pci-core driver whose ops
 * have .match = vfio_pci_core_match must also set it.
 */
#include <linux/stddef.h>
#include <linux/vfio.h>

int nvc_probe_vfio_device_ops_has_match_token_uuid(void)
{
	return offsetof(struct vfio_device_ops, match_token_uuid);
}
