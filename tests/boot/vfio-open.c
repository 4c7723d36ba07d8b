// SPDX-License-Identifier: MIT
/*
 * vfio-open GROUP DEVICE [INJECT]: what QEMU does first with an mdev vGPU, through
 * the vfio group/container interface (Debian's kernels have no iommufd):
 * open the container and the group, attach a type1 IOMMU, get the device
 * fd (the driver's open_device), ask for the device info and every
 * region's info (capabilities included: a second query with the size vfio
 * asks for), read the vendor/device ID from the config region, close.
 * vfio-open --cdev DEVICE [INJECT]: the same through the vfio device cdev
 * and iommufd, as QEMU does when the kernel has them (CONFIG_IOMMUFD,
 * CONFIG_VFIO_DEVICE_CDEV): open /dev/iommu and /dev/vfio/devices/vfioN
 * (the mdev DEVICE's vfio-dev in sysfs), VFIO_DEVICE_BIND_IOMMUFD (the
 * driver's .bind_iommufd), IOMMU_IOAS_ALLOC, VFIO_DEVICE_ATTACH_IOMMUFD_PT
 * (.attach_ioas), the same queries, VFIO_DEVICE_DETACH_IOMMUFD_PT
 * (.detach_ioas), close (.unbind_iommufd).
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
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

/*
 * The cdev / iommufd uAPI (Linux 6.6), in its first, smallest layout (the
 * kernel takes the size in argsz / size; QEMU sends these too): defined
 * here, as the build host's linux-libc-dev may predate it.
 */
#define NVC_VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
#define NVC_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#define NVC_VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#define NVC_IOMMUFD_TYPE ';'
#define NVC_IOMMU_DESTROY _IO(NVC_IOMMUFD_TYPE, 0x80)
#define NVC_IOMMU_IOAS_ALLOC _IO(NVC_IOMMUFD_TYPE, 0x81)
struct nvc_vfio_device_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
};
struct nvc_vfio_device_attach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pt_id;
};
struct nvc_vfio_device_detach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
};
struct nvc_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};
struct nvc_iommu_destroy {
	uint32_t size;
	uint32_t id;
};

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

/*
 * query DEV: the device info, every region's info (caps: a second query),
 * the config region's IDs; prints "vfio-open: ok ..." and returns 0, or
 * prints a FAIL line and returns 1. With INJECT, the eventfd check.
 */
static int query(int dev, const char *inject, const char *how)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	unsigned int i, regions_ok = 0, caps = 0;
	unsigned char id[4] = { 0 };

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
	if (inject != NULL)
		eventfd_check(dev, inject);
	printf("vfio-open: ok %u regions answered (%u with capabilities), config ID %02x%02x:%02x%02x%s\n",
	       regions_ok, caps, id[1], id[0], id[3], id[2], how);
	return 0;
}

/* the group / container path */
static int open_group(const char *grp, const char *device, const char *inject)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[64];
	int container, group, dev, rc;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		return fail("open /dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return fail("VFIO_GET_API_VERSION");
	snprintf(path, sizeof(path), "/dev/vfio/%s", grp);
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
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, device);
	if (dev < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");
	rc = query(dev, inject, "");
	close(dev);
	close(group);
	close(container);
	return rc;
}

/* the vfio device cdev + iommufd path, as QEMU takes it when it can */
static int open_cdev(const char *device, const char *inject)
{
	struct nvc_vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct nvc_iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct nvc_vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct nvc_vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
	struct nvc_iommu_destroy destroy = { .size = sizeof(destroy) };
	char path[300], how[340];
	struct dirent *e;
	DIR *d;
	int iommufd, dev, rc;

	/* /sys/bus/mdev/devices/UUID/vfio-dev/vfioN: the cdev's name */
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/vfio-dev", device);
	d = opendir(path);
	if (d == NULL)
		return fail(path);
	path[0] = 0;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "vfio", 4) == 0)
			snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
	if (path[0] == 0) {
		errno = ENOENT;
		return fail("no vfioN in the device's vfio-dev");
	}
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		return fail("open /dev/iommu");
	dev = open(path, O_RDWR);
	if (dev < 0)
		return fail(path);
	bind.iommufd = iommufd;
	if (ioctl(dev, NVC_VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0)
		return fail("VFIO_DEVICE_BIND_IOMMUFD");
	if (ioctl(iommufd, NVC_IOMMU_IOAS_ALLOC, &alloc) < 0)
		return fail("IOMMU_IOAS_ALLOC");
	attach.pt_id = alloc.out_ioas_id;
	if (ioctl(dev, NVC_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) < 0)
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	printf("vfio-open: %s bound to iommufd (devid %u), attached to IOAS %u\n",
	       path, bind.out_devid, alloc.out_ioas_id);
	snprintf(how, sizeof(how), " through %s + /dev/iommu, detached", path);
	rc = query(dev, inject, how);
	if (rc)
		return rc;
	if (ioctl(dev, NVC_VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) < 0)
		return fail("VFIO_DEVICE_DETACH_IOMMUFD_PT");
	destroy.id = alloc.out_ioas_id;
	if (ioctl(iommufd, NVC_IOMMU_DESTROY, &destroy) < 0)
		return fail("IOMMU_DESTROY of the IOAS");
	close(dev);
	close(iommufd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "--cdev") == 0)
		return open_cdev(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: vfio-open GROUP DEVICE [INJECT]\n"
				"       vfio-open --cdev DEVICE [INJECT]\n");
		return 2;
	}
	return open_group(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
}
