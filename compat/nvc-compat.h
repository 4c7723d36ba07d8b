/* SPDX-License-Identifier: MIT */
/*
 * nvidia-vgpu-compat: compatibility layer between NVIDIA's vGPU-KVM kernel
 * modules and Linux kernel API changes.
 *
 * The umbrella of the per-area headers.  Each object of the NVIDIA modules
 * gets force-included only those of them that define the names its source
 * reaches (nvc-needs.sh, nvc-compat.Kbuild); this whole header only in the
 * KUnit build or where that cannot be judged.  NVIDIA's conftest never sees
 * them.  It only
 * defines names prefixed nvc_ / NVC_, so it cannot clash with the kernel or
 * with the driver.  Kernel version knowledge lives here and in probes/ only:
 * each gate tests a compile probe result from nvc-probes.h, generated for the
 * target kernel by nvc-probe.sh.
 *
 * The per-area headers are named after the kernel header they compensate for.
 */
#ifndef NVC_COMPAT_H
#define NVC_COMPAT_H

#include "nvc-probes.h"

#include "nvc-iommu.h"		/* linux/iommu.h, linux/device/bus.h */
#include "nvc-eventfd.h"	/* linux/eventfd.h */
#include "nvc-module.h"		/* linux/module.h, linux/export.h */
#include "nvc-vfio.h"		/* linux/vfio.h */
#include "nvc-irqbypass.h"	/* linux/irqbypass.h */
#include "nvc-fs.h"		/* linux/fs.h */
#include "nvc-timer.h"		/* linux/timer.h */
#include "nvc-preempt.h"	/* linux/preempt.h */
#include "nvc-string.h"		/* linux/string.h */
#include "nvc-dma.h"		/* linux/dma-map-ops.h */
#include "nvc-dma-buf.h"	/* linux/dma-buf.h */
#include "nvc-pci.h"		/* linux/pci.h */
#include "nvc-mm.h"		/* linux/mm.h, linux/mmap_lock.h, linux/pgtable.h */
/*
 * nvc-of-gpio.h (linux/of_gpio.h) is not included here: it stands where the
 * driver included that header (patch 0156), so nothing moves on old kernels.
 */

#endif /* NVC_COMPAT_H */
