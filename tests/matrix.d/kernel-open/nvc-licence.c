// SPDX-License-Identifier: MIT
/*
 * Test overlay of the nvidia-vgpu-compat project; not NVIDIA code, and
 * never part of a driver.
 *
 * The kernel-open cells of tests/matrix.sh compile NVIDIA's open
 * kernel-open/ glue, whose nv.c says MODULE_LICENSE("Dual MIT/GPL"), so
 * modpost would never object to a GPL-only symbol there.  The same glue in
 * NVIDIA's vGPU-KVM package is linked into an nvidia.ko whose licence is
 * "NVIDIA", where every GPL-only reference matters.  This object stands in
 * for nvidia/nv-kernel.o_binary (the core, which kernel-open trees lack)
 * with nothing but that licence tag, so that the kernel's own modpost
 * judges the linked objects as it judges the proprietary module: a module
 * with any GPL-incompatible licence tag is GPL-incompatible
 * (scripts/mod/modpost.c, the "license" loop).  The matrix then attributes
 * every GPL-only reference to its source lines.
 */
static const char nvc_matrix_licence[]
	__attribute__((section(".modinfo"), used, aligned(1))) = "license=NVIDIA";
