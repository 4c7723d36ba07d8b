/*
 * Test overlay of the nvidia-vgpu-compat project; not NVIDIA code.
 *
 * Stands in for common/inc/nv-vgpu-vfio-interface.h, a header only NVIDIA's
 * vGPU-KVM package ships, so that tests/matrix.sh can compile the
 * NV_VGPU_KVM_BUILD branches of Debian's real nvidia/ sources (nv.c and
 * nv-pci.c include this header in those branches; nv-pci.c calls the two
 * functions below, declared as the fixture's nv-proto.h declares them).
 *
 * The fixture's own nv-vgpu-vfio-interface.h cannot be used with the real
 * headers: it defines enum _VGPU_TYPE_INFO, which the real nv-hypervisor.h
 * defines as well; and the fixture's nv-vgpu-vfio-interface.c calls RM entry
 * points (rm_vgpu_vfio_*) that neither the real nv.h nor Debian's
 * nv-kernel.o_binary have.
 */
#ifndef _NV_VGPU_VFIO_INTERFACE_H_
#define _NV_VGPU_VFIO_INTERFACE_H_

#include "nvtypes.h"
#include "nvstatus.h"

struct pci_dev;

/* Offer a GPU or one of its SR-IOV VFs to nvidia-vgpu-vfio. */
NV_STATUS nvidia_vgpu_vfio_probe(struct pci_dev *pci_dev);
/* Withdraw it again; release: the device is going away. */
void nvidia_vgpu_vfio_remove(struct pci_dev *pci_dev, NvBool release);

#endif /* _NV_VGPU_VFIO_INTERFACE_H_ */
