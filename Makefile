# SPDX-License-Identifier: MIT
#
# nvidia-vgpu-compat
#
# In the git checkout:
#   sudo make install DRIVER=NVIDIA-Linux-x86_64-<ver>-vgpu-kvm.run [KERNELS="..."] [FLAVOR=open]
#   sudo make uninstall DRIVER_VERSION=<ver> [KERNELS="..."]
#   make check            the CI tier (sets up kernels and tools itself)
#   make check-full       every test: also the second newest 7.x and the matrix
#   make boot-check       boot Debian's kernels under QEMU, load the modules [BOOT_KERNELS="6.1 7-newest"]
#   make matrix           the real nvidia.ko matrix on the prepared kernel trees
#   make matrix-chroot    the matrix in Debian chroots, with each suite's headers package and gcc [SUITES="sid"]
#
# In a DKMS source tree made by "vgpu-compat import" (DKMS runs this):
#   make KVER=<release> KDIR=<kernel build dir> modules

SHELL := /bin/sh
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
KSRC ?= $(shell sh scripts/kernel-source-dir '$(KDIR)' 2>/dev/null)
NVC_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/src
KERNELS ?= $(KVER)
MODULES := nvidia nvidia-vgpu-vfio
VGPU_COMPAT := ./scripts/vgpu-compat
# The flavour DKMS builds (FLAVOR, written by "vgpu-compat import" and
# "vgpu-compat flavor"): proprietary = kernel/, open = kernel-open/.
NVC_FLAVOR := $(shell sed -n '1p' FLAVOR 2>/dev/null)
NVC_FLAVOR_DIR := $(if $(filter open,$(NVC_FLAVOR)),kernel-open,kernel)

.PHONY: all modules clean install uninstall check check-full boot-check matrix matrix-chroot bench help

all: modules

modules:
	@if [ ! -f kernel/Kbuild ]; then \
		echo "nvidia-vgpu-compat: this is the package source, not a DKMS tree." >&2; \
		echo "Install a driver with: sudo make install DRIVER=NVIDIA-Linux-x86_64-<ver>-vgpu-kvm.run" >&2; \
		exit 2; fi
	@if [ ! -f '$(KDIR)/Makefile' ]; then \
		echo "nvidia-vgpu-compat: no kernel build tree at $(KDIR); install the headers for $(KVER) (apt install linux-headers-$(KVER) or proxmox-headers-...)" >&2; \
		exit 7; fi
	@case '$(NVC_FLAVOR)' in ''|proprietary|open) ;; *) \
		echo "nvidia-vgpu-compat: FLAVOR says '$(NVC_FLAVOR)': proprietary or open (vgpu-compat flavor <version> proprietary|open)" >&2; \
		exit 3;; esac
	@if [ ! -f $(NVC_FLAVOR_DIR)/Kbuild ]; then \
		echo "nvidia-vgpu-compat: FLAVOR says $(NVC_FLAVOR), but this tree has no $(NVC_FLAVOR_DIR)/ (vgpu-compat flavor <version> proprietary)" >&2; \
		exit 3; fi
	@echo "nvidia-vgpu-compat: building the $(or $(NVC_FLAVOR),proprietary) flavour ($(NVC_FLAVOR_DIR)/)"
	$(VGPU_COMPAT) apply --if-changed $(NVC_FLAVOR_DIR)
	$(MAKE) -C $(NVC_FLAVOR_DIR) -j$(NVC_JOBS) SYSSRC='$(KSRC)' SYSOUT='$(KDIR)' \
		NV_KERNEL_MODULES="$(MODULES)" modules

clean:
	@if [ -f $(NVC_FLAVOR_DIR)/Makefile ]; then \
		$(MAKE) -C $(NVC_FLAVOR_DIR) SYSSRC='$(KSRC)' SYSOUT='$(KDIR)' clean; fi

# DRIVER, PREFIX and DRIVER_VERSION reach the scripts through the
# environment, never spliced into the shell text (a ' in a path broke it).
install: export NVC_DRIVER = $(DRIVER)
install: export NVC_PREFIX = $(PREFIX)
install: export NVC_FLAVOR = $(FLAVOR)
install:
	@if [ -z "$$NVC_DRIVER" ]; then \
		echo "usage: sudo make install DRIVER=NVIDIA-Linux-x86_64-<ver>-vgpu-kvm.run [KERNELS=\"<release> ...\"]" >&2; \
		exit 2; fi
	sh scripts/dkms-install "$$NVC_DRIVER" "$$NVC_PREFIX" $(KERNELS)

uninstall: export NVC_DRIVER_VERSION = $(DRIVER_VERSION)
uninstall: export NVC_PREFIX = $(PREFIX)
uninstall:
	sh scripts/dkms-uninstall "$$NVC_DRIVER_VERSION" "$$NVC_PREFIX"

check:
	NVC_TIER=ci sh tests/run.sh

check-full:
	NVC_TIER=full sh tests/run.sh

boot-check:
	sh tests/boot/run.sh $(BOOT_KERNELS)

matrix:
	sh tests/matrix.sh

matrix-chroot:
	sh tests/chroot-matrix.sh $(SUITES)

bench:
	sh tests/bench.sh

help:
	@sed -n '3,16p' Makefile
