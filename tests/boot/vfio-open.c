// SPDX-License-Identifier: MIT
/*
 * vfio-open GROUP DEVICE: what QEMU does first with an mdev vGPU, through
 * the vfio group/container interface (Debian's kernels have no iommufd):
 * open the container and the group, attach a type1 IOMMU, get the device
 * fd (the driver's open_device), ask for the device info and every
 * region's info (capabilities included: a second query with the size vfio
 * asks for), read the vendor/device ID from the config region, close.
 * Prints one line per region and ends with "vfio-open: ok ..." (exit 0)
 * or "vfio-open: FAIL ..." (exit 1). Built static by tests/boot/boot.sh
 * for the boot test's initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int fail(const char *what)
{
	printf("vfio-open: FAIL %s: %s (errno %d)\n", what, strerror(errno), errno);
	return 1;
}

int main(int argc, char **argv)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	char path[64];
	unsigned int i, regions_ok = 0, caps = 0;
	int container, group, dev;
	unsigned char id[4] = { 0 };

	if (argc != 3) {
		fprintf(stderr, "usage: vfio-open GROUP DEVICE\n");
		return 2;
	}
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		return fail("open /dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return fail("VFIO_GET_API_VERSION");
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	group = open(path, O_RDWR);
	if (group < 0)
		return fail(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) < 0)
		return fail("VFIO_GROUP_GET_STATUS");
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		return fail("group not viable");
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		return fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return fail("VFIO_SET_IOMMU type1v2");
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
	if (dev < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");
	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &di) < 0)
		return fail("VFIO_DEVICE_GET_INFO");
	printf("vfio-open: device flags 0x%x, %u regions, %u irqs\n",
	       di.flags, di.num_regions, di.num_irqs);
	for (i = 0; i < di.num_regions; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };
		struct vfio_region_info *full;

		if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0) {
			printf("vfio-open: region %u: VFIO_DEVICE_GET_REGION_INFO: %s\n", i, strerror(errno));
			continue;
		}
		if (ri.argsz > sizeof(ri)) {
			/* capabilities: ask again with the room vfio wants */
			full = calloc(1, ri.argsz);
			if (full == NULL)
				return fail("calloc");
			full->argsz = ri.argsz;
			full->index = i;
			if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, full) < 0) {
				printf("vfio-open: region %u: second query (caps, %u bytes): %s\n",
				       i, ri.argsz, strerror(errno));
				free(full);
				continue;
			}
			if (full->flags & VFIO_REGION_INFO_FLAG_CAPS)
				caps++;
			free(full);
		}
		printf("vfio-open: region %u: size 0x%llx offset 0x%llx flags 0x%x\n", i,
		       (unsigned long long)ri.size, (unsigned long long)ri.offset, ri.flags);
		regions_ok++;
		if (i == VFIO_PCI_CONFIG_REGION_INDEX && ri.size >= 4 &&
		    pread(dev, id, 4, ri.offset) != 4)
			return fail("read of the config region");
	}
	if (regions_ok != di.num_regions) {
		printf("vfio-open: FAIL region info: %u of %u regions answered\n",
		       regions_ok, di.num_regions);
		return 1;
	}
	close(dev);
	close(group);
	close(container);
	printf("vfio-open: ok %u regions answered (%u with capabilities), config ID %02x%02x:%02x%02x\n",
	       regions_ok, caps, id[1], id[0], id[3], id[2]);
	return 0;
}
