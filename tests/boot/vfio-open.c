// SPDX-License-Identifier: MIT
/*
 * vfio-open GROUP DEVICE [INJECT]: what QEMU does first with an mdev vGPU, through
 * the vfio group/container interface (Debian's kernels have no iommufd):
 * open the container and the group, attach a type1 IOMMU, get the device
 * fd (the driver's open_device), ask for the device info and every
 * region's info (capabilities included: a second query with the size vfio
 * asks for), read the vendor/device ID from the config region, close.
 * With INJECT (the fixture nvidia.ko's nvc_fixture_inject_interrupt
 * parameter file): an eventfd set as the MSI trigger (VFIO_DEVICE_SET_IRQS),
 * one interrupt raised by a write to INJECT, and the eventfd must read
 * exactly 1, once: "vfio-open: eventfd ok ..." or "vfio-open: eventfd FAIL
 * ...", which does not change the exit status.
 * Prints one line per region and ends with "vfio-open: ok ..." (exit 0)
 * or "vfio-open: FAIL ..." (exit 1). Built static by tests/boot/boot.sh
 * for the boot test's initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int fail(const char *what)
{
	printf("vfio-open: FAIL %s: %s (errno %d)\n", what, strerror(errno), errno);
	return 1;
}

/* set_msi DEV FD: FD as the trigger of MSI vector 0, or none (FD < 0) */
static int set_msi(int dev, int fd)
{
	size_t sz = sizeof(struct vfio_irq_set) + sizeof(int32_t);
	struct vfio_irq_set *set = calloc(1, sz);
	int32_t efd = fd;
	int rc;

	if (set == NULL)
		return -1;
	set->argsz = fd < 0 ? sizeof(*set) : sz;
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		     (fd < 0 ? VFIO_IRQ_SET_DATA_NONE : VFIO_IRQ_SET_DATA_EVENTFD);
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = fd < 0 ? 0 : 1;
	if (fd >= 0)
		memcpy(set->data, &efd, sizeof(efd));
	rc = ioctl(dev, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	return rc;
}

/* eventfd_check DEV INJECT: one interrupt in, exactly 1 out */
static void eventfd_check(int dev, const char *inject)
{
	struct pollfd p;
	uint64_t v = 0, more = 0;
	int efd, f;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		printf("vfio-open: eventfd FAIL eventfd(): %s\n", strerror(errno));
		return;
	}
	if (set_msi(dev, efd) < 0) {
		printf("vfio-open: eventfd FAIL VFIO_DEVICE_SET_IRQS (MSI, eventfd): %s\n", strerror(errno));
		close(efd);
		return;
	}
	f = open(inject, O_WRONLY);
	if (f < 0 || write(f, "1", 1) != 1) {
		printf("vfio-open: eventfd FAIL raising the interrupt through %s: %s\n", inject, strerror(errno));
		if (f >= 0)
			close(f);
		set_msi(dev, -1);
		close(efd);
		return;
	}
	close(f);
	p.fd = efd;
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1 || read(efd, &v, sizeof(v)) != sizeof(v)) {
		printf("vfio-open: eventfd FAIL no signal within 5 s after the interrupt\n");
	} else if (v != 1) {
		printf("vfio-open: eventfd FAIL read %llu, want 1 (one interrupt)\n", (unsigned long long)v);
	} else if (read(efd, &more, sizeof(more)) == sizeof(more)) {
		printf("vfio-open: eventfd FAIL a second signal (%llu) after one interrupt\n", (unsigned long long)more);
	} else if (set_msi(dev, -1) < 0) {
		printf("vfio-open: eventfd FAIL VFIO_DEVICE_SET_IRQS (none): %s\n", strerror(errno));
	} else {
		printf("vfio-open: eventfd ok one interrupt raised, the MSI eventfd read 1, then nothing\n");
	}
	close(efd);
}

int main(int argc, char **argv)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	char path[64];
	unsigned int i, regions_ok = 0, caps = 0;
	int container, group, dev;
	unsigned char id[4] = { 0 };

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: vfio-open GROUP DEVICE [INJECT]\n");
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
	if (argc == 4)
		eventfd_check(dev, argv[3]);
	close(dev);
	close(group);
	close(container);
	printf("vfio-open: ok %u regions answered (%u with capabilities), config ID %02x%02x:%02x%02x\n",
	       regions_ok, caps, id[1], id[0], id[3], id[2]);
	return 0;
}
