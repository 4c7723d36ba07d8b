// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sun, 6 Dec 2026 13:00:00 +0000
// Subject: [PATCH] nvidia: resize BAR1 through the compat wrapper
//
// Linux 6.19 gave pci_resize_resource() a fourth argument, exclude_bars, a
// mask of BARs the kernel must not release around the resize (upstream
// commit 337b1b566db0, "PCI: Fix restoring BARs on BAR resize rollback
// path"); stable 6.12.97 (0d63176d355e) and 6.18.40 have it too.
// nv_resize_pcie_bars() in nv-pci.c (kernel-open 535.161.07 ... 580.65.06,
// compiled where pci_rebar_get_possible_sizes() exists) fails with
//
//   error: too few arguments to function 'pci_resize_resource'
//
// Call nvc_pci_resize_resource(dev, resno, size): the 3-argument call where
// the kernel has it, else the 4-argument one with no BAR excluded (probe
// NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS; a release number cannot tell,
// because of the backports).  With no BAR excluded the kernel releases the
// BARs that share BAR1's bridge window, which NVIDIA has already released
// (BAR1, BAR3; releasing them again does nothing), and puts them back if the
// resize fails: the old call's outcome.  NVIDIA's own fix (595.45.04)
// passes 0 under its conftest macro
// NV_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS_ARG: fixed-natively.
// pci_resize_resource() is EXPORT_SYMBOL.  Debian's proprietary trees have
// no call (nv_resize_pcie_bars() is a stub there).
//
// Origin: other, https://git.kernel.org/linus/337b1b566db0
// Forwarded: not-needed
// Last-Update: 2026-12-06
// X-Kernel-Release: 6.19
// X-Native-Fix: nvidia/nv-pci.c NV_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS_ARG
// X-Probe: NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS present
// X-Residue: * pci_resize_resource[[:space:]]*\([^,]*,[^,]*,[^,]*\)
// X-Native-Guard: NV_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS_ARG absent
// ---
// pci_resize_resource(D, R, S) with three arguments ->
// nvc_pci_resize_resource(D, R, S): any arguments, spacing and line breaks;
// only the name is replaced, the arguments keep their line breaks (spatch
// moves a continuation line aligned with the parenthesis along with it).  A
// call with four arguments is already the new form and does not match.
@@
expression D, R, S;
@@
- pci_resize_resource
+ nvc_pci_resize_resource
  (D, R, S)
