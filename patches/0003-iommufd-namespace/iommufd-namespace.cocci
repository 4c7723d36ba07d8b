// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia-vgpu-vfio: import the IOMMUFD namespace on every kernel
//
// nvidia-vgpu-vfio binds iommufd; on kernels built with CONFIG_IOMMUFD
// its symbols live in the IOMMUFD namespace, which the module must import
// (modpost: "module uses symbol from namespace IOMMUFD, but does not
// import it").  Since Linux 6.13 MODULE_IMPORT_NS() takes a string literal
// (upstream commit cdd30ebb1b9f, "module: Convert symbol namespace to
// string literal") and MODULE_IMPORT_NS(IOMMUFD) no longer compiles.
//
// Use NVC_MODULE_IMPORT_NS(IOMMUFD), which takes the form each kernel
// expects (an identifier before 6.13, a string from 6.13 on).  GRID 16
// (535) does not import the namespace at all: add the import.
//
// Origin: other, https://git.kernel.org/linus/cdd30ebb1b9f
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.8
// X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_MODULE_IMPORT_NS_TAKES_(STRING_LITERAL|CONSTANT)
// X-Probe: NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER absent
// X-Residue: nvidia-vgpu-vfio/* MODULE_IMPORT_NS[[:space:]]*\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\)
// X-Residue-Missing: nvidia-vgpu-vfio/*.c (NVC_)?MODULE_IMPORT_NS[[:space:]]*\([[:space:]]*"?IOMMUFD"?[[:space:]]*\) MODULE_LICENSE[[:space:]]*\(
// X-Native-Guard: NV_MODULE_IMPORT_NS_TAKES_CONSTANT present
// X-Native-Guard: NV_MODULE_IMPORT_NS_TAKES_STRING_LITERAL absent
// ---
// MODULE_IMPORT_NS(NS) with an identifier -> NVC_MODULE_IMPORT_NS(NS), at
// file scope, inside #if or not (550 on).  A file of nvidia-vgpu-vfio with
// MODULE_LICENSE() that imports IOMMUFD in no form (535): the import is
// added after its MODULE_VERSION(), or, without one, after MODULE_LICENSE().
// spatch decides "depends on" over all the files of one run, so whether a
// file imports IOMMUFD or has a licence is read from the file of each match.
@initialize:python@
@@
import re

def text(p):
    return open(p[0].file, encoding="latin-1").read()

def imports_iommufd(p):
    return re.search(r'^\s*(NVC_)?MODULE_IMPORT_NS\s*\(\s*"?IOMMUFD"?\s*\)', text(p), re.M) is not None

def has(p, macro):
    return re.search(r'^\s*' + macro + r'\s*\(', text(p), re.M) is not None

@@
declarer name MODULE_IMPORT_NS;
declarer name NVC_MODULE_IMPORT_NS;
identifier NS;
@@
- MODULE_IMPORT_NS(NS);
+ NVC_MODULE_IMPORT_NS(NS);

@ver@
declarer name MODULE_VERSION;
expression V;
position p;
@@
MODULE_VERSION(V@p);

@script:python@
p << ver.p;
@@
if imports_iommufd(p) or not has(p, "MODULE_LICENSE"):
    cocci.include_match(False)

@@
declarer name MODULE_VERSION;
declarer name NVC_MODULE_IMPORT_NS;
expression ver.V;
position ver.p;
@@
MODULE_VERSION(V@p);
+ NVC_MODULE_IMPORT_NS(IOMMUFD);

@lic@
declarer name MODULE_LICENSE;
expression L;
position p;
@@
MODULE_LICENSE(L@p);

@script:python@
p << lic.p;
@@
if imports_iommufd(p) or has(p, "MODULE_VERSION"):
    cocci.include_match(False)

@@
declarer name MODULE_LICENSE;
declarer name NVC_MODULE_IMPORT_NS;
expression lic.L;
position lic.p;
@@
MODULE_LICENSE(L@p);
+ NVC_MODULE_IMPORT_NS(IOMMUFD);
