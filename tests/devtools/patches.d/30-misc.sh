# shellcheck shell=sh
# Sourced by ../regen-patches.sh: the breaks of nvidia.ko outside memory
# management on 6.15 ... 7.2 (timers, in_irq, DMA ops, strncpy, BTF), diffed
# against Debian's real NVIDIA sources, which carry NVIDIA's pristine lines
# at these sites ($D535_216: 535.216.03; $D550_163: 550.163.01).  Debian's
# 535.274.02 and 550.54.15 and later NVIDIA releases fix some of them
# themselves: the X-Native-Fix patterns recognise those fixes.
#
# The X-Native-Fix patterns must not match our own wrappers (nvc_...), which
# a patched tree contains: vgpu-compat tests them before "applied".
#
# X-Site: <file> <ERE> names the code a topic patches (the function or
# feature, not the old API line).  These topics patch files that every
# driver has (nv.c, Makefile) at sites that some trees lack (the project's
# reduced fixture trees; other driver branches): where no variant applies
# and no X-Site pattern matches, the site is absent and the topic is not
# applicable, not a conflict.  (Needs vgpu-compat support; see the report.)
#
# Breaks looked at and left without a topic (no site in any driver tree we
# know; see the header of tests/t33-misc.sh):
#  - 6.13 MODULE_IMPORT_NS(DMA_BUF) (cdd30ebb1b9f): the proprietary nv.c has
#    an empty MODULE_IMPORT_NS block and nv-dmabuf.c uses no DMA_BUF symbol;
#  - 6.13 crypto_akcipher sign/verify (6b34562f0cfe): USE_LKCA is never
#    defined in the proprietary flavour, the libspdm_*.c files are stubs;
#  - 6.15 hrtimer_init() -> hrtimer_setup() (9779489a31d7): compiled out
#    (NV_NANO_TIMER_USE_HRTIMER is 0; the hrtimer API is GPL-only);
#  - 6.19 / 6.12.97 / 6.18.40 pci_resize_resource() exclude_bars
#    (337b1b566db0): nv_resize_pcie_bars() is a stub.
# NVIDIA's open glue has both, and dma_buf_attachment_is_dynamic() (6.16):
# topics 0158-0160, semantic patches only (patches/, written by hand).
# 7.1's <linux/of_gpio.h> removal (0156) hits the 580 and 595 branches'
# nv-linux.h in both flavours: a semantic patch only, written by hand too.

hdr "nvidia: stop timers through the compat wrapper" <<EOF
Linux 6.15 removed del_timer_sync() (upstream commit 8fa7292fee5c,
"treewide: Switch/rename to timer_delete[_sync]()"); nv.c and
nv-nano-timer.c fail with

  error: implicit declaration of function 'del_timer_sync'

Call nvc_timer_delete_sync(), which is del_timer_sync() where it exists
and timer_delete_sync() (its new name since 6.2, commit 9b13df3fb64e)
where it does not: the same deactivation that waits for a running
callback, with the same return value.  Both are EXPORT_SYMBOL.

Origin: other, https://git.kernel.org/linus/8fa7292fee5c
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.15
X-Native-Fix: nvidia/nv.c (^|[^[:alnum:]_]|nv_)timer_delete_sync[[:space:]]*\\(
X-Probe: NVC_DEL_TIMER_SYNC_PRESENT absent
X-Site: nvidia/nv.c rc_timer
X-Site: nvidia/nv-nano-timer.c jiffy_timer
X-Residue: * del_timer_sync[[:space:]]*\\(
X-Native-Guard: (NV_IS_EXPORT_SYMBOL_PRESENT_timer_delete_sync|NV_TIMER_DELETE_SYNC_PRESENT) absent
EOF
mk 0150-timer-delete-sync nvidia "$D535_216" \
	'nvidia/nv.c::    del_timer_sync(&nvl->rc_timer.kernel_timer);::    nvc_timer_delete_sync(&nvl->rc_timer.kernel_timer);' \
	'nvidia/nv.c::        del_timer_sync(&nvl->snapshot_timer.kernel_timer);::        nvc_timer_delete_sync(&nvl->snapshot_timer.kernel_timer);' \
	'nvidia/nv-nano-timer.c::    del_timer_sync(&nv_nstimer->jiffy_timer);::    nvc_timer_delete_sync(&nv_nstimer->jiffy_timer);'

hdr "nvidia: ask for hard interrupt context through the compat wrapper" <<EOF
Linux 6.19 removed in_irq() (upstream commit 70e0a80a1f35, "treewide:
Remove in_irq()"), which had long been another name for in_hardirq().
os_is_isr() and the delay helpers of nv-time.h, included by every object,
fail with

  error: implicit declaration of function 'in_irq'

Call nvc_in_hardirq(): in_irq() where it exists, in_hardirq() where it
does not; both read hardirq_count().

Origin: other, https://git.kernel.org/linus/70e0a80a1f35
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.19
X-Native-Fix: common/inc/nv-time.h (^|[^[:alnum:]_]|nv_)in_hardirq[[:space:]]*\\(
X-Native-Fix: nvidia/os-interface.c (^|[^[:alnum:]_]|nv_)in_hardirq[[:space:]]*\\(
X-Probe: NVC_IN_IRQ_PRESENT absent
X-Site: common/inc/nv-time.h NV_MAX_ISR_DELAY
X-Site: nvidia/os-interface.c os_is_isr
X-Residue: * in_irq[[:space:]]*\\([[:space:]]*\\)
X-Native-Guard: (in_hardirq|NV_IN_HARDIRQ_PRESENT) absent
EOF
mk 0151-in-irq nvidia "$D535_216" \
	'nvidia/os-interface.c::    return (in_irq());::    return (nvc_in_hardirq());' \
	'common/inc/nv-time.h::    if (in_irq() && (us > NV_MAX_ISR_DELAY_US))::    if (nvc_in_hardirq() && (us > NV_MAX_ISR_DELAY_US))' \
	'common/inc/nv-time.h::    if (in_irq() && (ms > NV_MAX_ISR_DELAY_MS))::    if (nvc_in_hardirq() && (ms > NV_MAX_ISR_DELAY_MS))'

hdr "nv-dma: ask the DMA ops for MMIO mapping through the compat wrapper" <<EOF
Linux 6.19 removed struct dma_map_ops::map_resource (upstream commit
14cb413af00c, "dma-mapping: remove unused mapping resource callbacks"):
dma_map_resource() now maps MMIO through ::map_phys with DMA_ATTR_MMIO.
nv_dma_use_map_resource() fails with

  error: 'const struct dma_map_ops' has no member named 'map_resource'

Call nvc_dma_ops_can_map_resource(), which tests ::map_resource where it
exists and ::map_phys where it does not: in both cases the callback that
dma_map_resource() calls for a device with these ops, so peer MMIO keeps
being mapped through the IOMMU exactly when it was before.

Origin: other, https://git.kernel.org/linus/14cb413af00c
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.19
X-Native-Fix: nvidia/nv-dma.c map_phys
X-Probe: NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE absent
X-Site: nvidia/nv-dma.c nv_dma_use_map_resource
X-Residue: * (->|\\.)map_resource
X-Native-Guard: NV_DMA_MAP_OPS_HAS_MAP_PHYS absent
X-Native-Guard: NV_DMA_MAP_OPS_HAS_MAP_RESOURCE present
EOF
mk 0152-dma-map-phys nvidia "$D535_216" \
	'nvidia/nv-dma.c::    return (ops->map_resource != NULL);::    return nvc_dma_ops_can_map_resource(ops);'
# NVIDIA's 580 (kernel-open 580.65.06 ... 580.95.05) dropped the #else
# branch after the test: the same one-line change, other context.
mk 0152-dma-map-phys nvidia-580 "$F580" \
	'nvidia/nv-dma.c::    return (ops->map_resource != NULL);::    return nvc_dma_ops_can_map_resource(ops);'

hdr "nvidia: copy strings with strncpy semantics through the compat wrapper" <<EOF
Linux 7.2 removed strncpy() (upstream commit 079a028d6327, "string:
Remove strncpy() from the kernel"); os_get_current_process_name() and
the nvswitch registry and string helpers fail with

  error: implicit declaration of function 'strncpy'

Call nvc_strncpy(), which is strncpy() where it exists and otherwise
does exactly what it did: copy up to the first NUL or the given count,
fill the rest of the count with NULs, leave termination to the caller
(these callers terminate the buffer themselves), return the
destination.  memcpy() would read past the end of a shorter source,
strscpy() would change what is copied.

Origin: other, https://git.kernel.org/linus/079a028d6327
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 7.2
X-Native-Fix: nvidia/os-interface.c strscpy[[:space:]]*\\(buf, current->comm
X-Native-Fix: nvidia/linux_nvswitch.c KERNEL_VERSION\\(7, ?2, ?0\\)
X-Probe: NVC_STRNCPY_PRESENT absent
X-Site: nvidia/os-interface.c os_get_current_process_name
X-Site: nvidia/linux_nvswitch.c nvswitch_os_strncpy
X-Residue: * strncpy[[:space:]]*\\(
X-Native-Guard: LINUX_VERSION_CODE<KERNEL_VERSION\\(([0-6],[0-9]+|7,[0-2]),[0-9]+\\) present
X-Native-Guard: LINUX_VERSION_CODE>=KERNEL_VERSION\\(([0-6],[0-9]+|7,[0-2]),[0-9]+\\) absent
EOF
mk 0153-strncpy nvidia "$D535_216" \
	'nvidia/os-interface.c::    strncpy(buf, current->comm, len - 1);::    nvc_strncpy(buf, current->comm, len - 1);' \
	'nvidia/linux_nvswitch.c::    strncpy(regkey_val, regkey_val_start, regkey_val_len);::    nvc_strncpy(regkey_val, regkey_val_start, regkey_val_len);' \
	'nvidia/linux_nvswitch.c::    return strncpy(dest, src, length);::    return nvc_strncpy(dest, src, length);'

hdr "Makefile: run pahole through a script that survives gen-btf.sh" <<EOF
Where the kernel has no scripts/pahole-flags.sh (6.x, since it was folded
into scripts/Makefile.btf), the driver's Makefile passes the kernel build
PAHOLE="awk '<program>'", an awk program that adds C++ to pahole's
--lang_exclude list and ignores pahole's exit status.  Since Linux 7.0
(upstream commit 522397d05e7d, "resolve_btfids: Change in-place update
with raw binary output") the module BTF step runs in scripts/gen-btf.sh,
which expands \${PAHOLE} unquoted: the program falls apart into words,
awk stops with a syntax error and every module build against a kernel
tree that ships a vmlinux (Debian's and Proxmox's headers do) fails at
"BTF [M] nvidia.ko".

Pass PAHOLE="sh <kernel>/nvidia-vgpu-compat/nvc-pahole.sh" instead, a
script of the compat layer that does what the awk program did and whose
path survives the word splitting; on kernels with pahole-flags.sh the
Makefile still leaves PAHOLE alone.

Origin: other, https://git.kernel.org/linus/522397d05e7d
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 7.0
X-Native-Fix: Makefile \\(CURDIR\\)/pahole\\.sh
X-Probe: - (make-level: the kernel's scripts/gen-btf.sh, every kernel from 7.0)
X-Site: Makefile pahole_cmd
EOF
mk 0154-pahole-gen-btf makefile "$D535_216" \
	"Makefile::  PAHOLE_VARIABLES=\$(if \$(wildcard \$(KERNEL_SOURCES)/scripts/pahole-flags.sh),,\"PAHOLE=\$(AWK) '\$(PAHOLE_AWK_PROGRAM)'\")::  PAHOLE_VARIABLES=\$(if \$(wildcard \$(KERNEL_SOURCES)/scripts/pahole-flags.sh),,\"PAHOLE=sh \$(CURDIR)/nvidia-vgpu-compat/nvc-pahole.sh\")"

hdr "Kbuild: give NVIDIA's conftest the kernel's -fms-extensions" <<EOF
Linux 6.19 builds with the Microsoft extension for anonymous tagged
struct members (upstream commit c4781dc3d1cf, "Kbuild: enable
-fms-extensions"; later the Kconfig string CONFIG_CC_MS_EXTENSIONS), and
its headers rely on it: <linux/fs.h> of 7.2 and 7.3 embeds struct
__filename_head in struct filename and asserts the size.  NVIDIA's
conftest compiles its tests with flags of its own, which lack the
extension up to the 580 branch (595 adds it), so every test that includes
<linux/fs.h> fails with

  static assertion failed: "sizeof(struct filename) % 64 == 0"

and the driver is configured as if for a very old kernel: nv-mm.h,
nv-linux.h and nv-mmap.c then fail (vm_fault_t, get_user_pages(),
phys_to_dma(), ...).

The compat layer's nvc-compat.Kbuild adds the kernel's own flag, taken
from KBUILD_CFLAGS, to NV_CONFTEST_CFLAGS; on kernels without it nothing
is added.  Trees that already pass conftest all of KBUILD_CFLAGS (Debian's
packages) or the flag itself (595) are fixed natively.  The fix travels
with the Kbuild hook of the compat layer; this topic has no diff of its
own.

Origin: other, https://git.kernel.org/linus/c4781dc3d1cf
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.19
X-Needed-If: Kbuild ^NV_CONFTEST_CFLAGS[[:space:]]*=
X-Native-Fix: Kbuild ^NV_CONFTEST_CFLAGS.*-fms-(extensions|anonymous-structs)
X-Native-Fix: Kbuild ^[[:space:]]+\\$\\(KBUILD_CFLAGS\\)
X-Probe: - (make-level: the kernel's KBUILD_CFLAGS, every kernel from 6.19)
EOF
mkdir -p "$OUT/0155-conftest-ms-extensions"
{ cat "$H"; echo "---"; } >"$OUT/0155-conftest-ms-extensions/kbuild.patch"

hdr "Kbuild: link nv-kernel.o_binary by its absolute path" <<EOF
Linux 6.13 runs Kbuild in the external module's directory (upstream
commit 13b25489b6f8, "kbuild: change working directory to external
module directory with M="), so \$(src) is "." there.  The 535 and early
550 trees link the core binary with

  cmd_symlink = ln -sf \$< \$@

in nvidia/nvidia.Kbuild: nvidia/nv-kernel.o then points to
./nvidia/nv-kernel.o_binary relative to nvidia/, which does not exist,
and nvidia.ko fails to link with

  ld: cannot find ./nvidia/nv-kernel.o: No such file or directory

(seen on NVIDIA's kernel-open 535.161.07 and 550.54.14 trees on 7.3).
Later trees define it in Kbuild as "ln -sf \$(abspath \$<) \$@", which is
right before and after 6.13.

The compat layer's nvc-compat.Kbuild, included after the module Kbuild
files, redefines cmd_symlink that way where the driver's own definition
does not resolve the target; elsewhere it changes nothing.  The fix
travels with the Kbuild hook of the compat layer; this topic has no diff
of its own.

Origin: other, https://git.kernel.org/linus/13b25489b6f8
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.13
X-Needed-If: nvidia/nvidia.Kbuild ^[[:space:]]*cmd_symlink[[:space:]]*=[[:space:]]*ln[[:space:]]+-sf[[:space:]]+\\$<
X-Probe: - (make-level: where the driver's cmd_symlink lacks \$(abspath); right on every kernel)
EOF
mkdir -p "$OUT/0161-kbuild-symlink-abspath"
{ cat "$H"; echo "---"; } >"$OUT/0161-kbuild-symlink-abspath/kbuild.patch"

hdr "Kbuild: give NVIDIA's conftest the kernel's C standard" <<EOF
GCC 15 compiles C23 by default, where bool, true and false are keywords;
the kernel compiles as gnu11 (upstream commit e8c07082a810, "Kbuild: move
to -std=gnu11", 5.18, puts -std=gnu11 in KBUILD_CFLAGS), and its headers
are not C23 (linux/types.h: "'bool' cannot be defined via 'typedef'").
NVIDIA's conftest compiles its tests with flags of its own and no -std up
to 535.261.03 / 570.153.02, so with a kernel built by gcc 15 or later
every test that includes a kernel header fails: conftest answers absent
(or present, for its "function" tests) without a word, and the objects
then fail.  Measured on Debian sid's 7.2 headers (gcc 16): 22 of
kernel-open 535.161.07's 153 conftest macros and 17 of 580.65.06's 123
(without its -std line) flip, and nv.o, nv-mmap.o, os-interface.o and
nv-pci.o of 535.161.07 compile only with the kernel's -std given to
conftest (NVIDIA open-gpu-kernel-modules issue 827).

The compat layer's nvc-compat.Kbuild adds the kernel's own -std flag,
taken from KBUILD_CFLAGS, to NV_CONFTEST_CFLAGS.  Trees that already do
(580, 595, 535.261.03, 570.153.02 and later) or pass conftest all of
KBUILD_CFLAGS (Debian's packages) are fixed natively.  The fix travels
with the Kbuild hook of the compat layer; this topic has no diff of its
own.

Origin: other, https://git.kernel.org/linus/e8c07082a810
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 5.18
X-Compiler: gcc 15 (C23 by default)
X-Needed-If: Kbuild ^NV_CONFTEST_CFLAGS[[:space:]]*=
X-Native-Fix: Kbuild ^NV_CONFTEST_CFLAGS.*-std=
X-Native-Fix: Kbuild ^[[:space:]]+\\$\\(KBUILD_CFLAGS\\)
X-Probe: - (make-level: the kernel's KBUILD_CFLAGS; a break with every kernel built by gcc 15 or later)
EOF
mkdir -p "$OUT/0162-conftest-c-standard"
{ cat "$H"; echo "---"; } >"$OUT/0162-conftest-c-standard/kbuild.patch"

hdr "Kbuild: objtool warnings on NVIDIA's core stay warnings in nvidia.o" <<EOF
Linux 6.15 can make objtool's warnings errors (upstream commit
36799069b481, "objtool: Add CONFIG_OBJTOOL_WERROR"; the option is
spelled --werror from 6.19).  NVIDIA's core, nv-kernel.o_binary, is
compiled without the kernel's return thunks; where the kernel runs
objtool on the linked module object (X86_KERNEL_IBT, LTO, KLP_BUILD:
Debian's 6.12 and 7.x do) it reports each function of the core, about
37,000 times for 550.54.15 on 7.3:

  nvidia.o: warning: objtool: _nv025803rm+0xb: 'naked' return found in MITIGATION_RETHUNK build

Warnings on Debian's configs; on a kernel with CONFIG_OBJTOOL_WERROR=y
they are errors, nvidia.o is deleted and nvidia.ko is not built (NVIDIA
open-gpu-kernel-modules issue 1077, both flavours).  Disabling objtool
for nvidia.o is no fix: it writes the module's jump-label, static-call,
return-site and ORC tables, and without them static branches in the glue
cannot be patched (issue 1095).

The compat layer's nvc-compat.Kbuild, where the kernel configures
CONFIG_OBJTOOL_WERROR, appends objtool's negated option (--no-werror,
--no-Werror) to the objtool arguments of nvidia.o alone: objtool runs
there as before and its findings stay warnings; nvidia-vgpu-vfio.o keeps
the kernel's setting.  The fix travels with the Kbuild hook of the compat
layer; this topic has no diff of its own.

Origin: other, https://git.kernel.org/linus/36799069b481
Forwarded: not-needed
Last-Update: $LAST
X-Kernel-Release: 6.15
X-Needed-If: nvidia/nvidia.Kbuild ^NVIDIA_BINARY_OBJECT(_O)?[[:space:]]*:?=
X-Probe: - (make-level: CONFIG_OBJTOOL_WERROR in the kernel's auto.conf; objtool's own option spelling)
EOF
mkdir -p "$OUT/0163-objtool-werror"
{ cat "$H"; echo "---"; } >"$OUT/0163-objtool-werror/kbuild.patch"
