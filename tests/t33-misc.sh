#!/bin/sh
# SPDX-License-Identifier: MIT
# The breaks of nvidia.ko outside memory management, 6.15 ... 7.2 (topics
# 0150-0154): del_timer_sync (6.15), in_irq (6.19), dma_map_ops::map_resource
# (6.19), strncpy (7.2), the BTF step's PAHOLE (7.0); and the probes and
# wrappers of the open flavour's breaks (0158-0160): pci_resize_resource()'s
# exclude_bars (6.19, 6.12.97, 6.18.40), dma_buf_attachment_is_dynamic()
# (6.16), hrtimer_init() (6.15; GPL-only, so in a "Dual MIT/GPL" module).
#
#  1. status of each topic in Debian's four real trees, pristine (needed /
#     fixed-natively: Debian patched 535.274.02 and 550.54.15 itself) and
#     after apply (applied), and a second apply changes nothing;
#  2. the probes on every prepared kernel (6.12.95 and 6.12-trixie differ only
#     in the pci_resize_resource() backport: the probe must tell them apart);
#  3. a module with NVIDIA's licence that calls every wrapper builds and is
#     modpost clean on every kernel (no GPL-only symbol reaches it), while
#     the old calls fail exactly on the kernels that removed them;
#  4. the BTF step: with the driver Makefile's PAHOLE, a module build on a
#     7-newest tree with a vmlinux fails unpatched and works patched (and 6.12
#     works both ways); the C++ exclusion of NVIDIA's awk wrapper is kept;
#  5. real builds: the matrix (t80) builds every patched real tree on every
#     prepared kernel.
#
# Looked at and not patched (no site in these trees): 6.13 MODULE_IMPORT_NS
# (DMA_BUF) -- the proprietary nv.c imports nothing and nv-dmabuf.c uses no
# DMA_BUF symbol; 6.13 crypto_akcipher sign/verify -- USE_LKCA is never
# defined in the proprietary flavour, the libspdm_*.c glue files are stubs
# and RM does SPDM crypto inside nv-kernel.o_binary on every kernel;
# 6.15 hrtimer_init -- NV_NANO_TIMER_USE_HRTIMER is 0 (the hrtimer API is
# GPL-only; 0158 rewrites the dead copy of 535.216.03 all the same);
# pci_resize_resource -- nv_resize_pcie_bars() is a stub.  NVIDIA's open
# glue has all three sites (0158-0160, tested on it in t18).
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t33
rm -rf "$W"; mkdir -p "$W"
KIDS=${NVC_T33_KERNELS:-$NVC_ALL_KERNELS}
TOPICS="0150-timer-delete-sync 0151-in-irq 0152-dma-map-phys 0153-strncpy 0154-pahole-gen-btf"


# --- 1. status in Debian's real trees ------------------------------------
# 535.216.03: Debian's bookworm rebuild, NVIDIA's lines everywhere.
# 535.274.02-3, 550.54.15-5: Debian backported NVIDIA's fixes (timer 570.153.02,
#   nv_in_hardirq 580.119.02, map_phys 580.126.09, strncpy 580.178.04, pahole.sh
#   580.159.03).  550.163.01-2 and 535.261.03-1 (bookworm): Debian backported
#   only nv_timer_delete_sync.
want_pristine() {
	case $1 in
	535.216.03) echo "needed needed needed needed needed" ;;
	535.274.02 | 550.54.15) echo "fixed-natively fixed-natively fixed-natively fixed-natively fixed-natively" ;;
	550.163.01 | 535.261.03) echo "fixed-natively needed needed needed needed" ;;
	esac
}
for v in $(nvidia_versions); do
	d=$W/apply-$v
	apply_real "$v" "$d" "$(want_pristine "$v")" || continue
	before=$(tree_sum "$d")
	"$VC" apply --allow-non-vgpu "$d" >/dev/null 2>&1 && [ "$(tree_sum "$d")" = "$before" ] &&
		pass "real $v: second apply changes nothing" || fail "real $v: second apply"
done

# --- 2. probes -------------------------------------------------------------
# The expectations come from the tree, not from its ID: the release for the
# mainline removals, and for pci_resize_resource()'s exclude_bars (6.19,
# backported to 6.12.y stable, so no release can tell) the declaration in the
# tree's own <linux/pci.h>.
release_ge() { # release_ge A B: release A >= B (major.minor)
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}
has_exclude_bars() { # has_exclude_bars KERNEL_ID: pci.h declares the 4-argument form
	_src=$(sh "$TOP/scripts/kernel-source-dir" "$(kernel_build "$1")")
	tr '\n' ' ' <"$_src/include/linux/pci.h" | grep -Eq 'pci_resize_resource\([^)]*exclude_bars\)'
}
# want_probe MACRO KERNEL_ID -> yes | no
want_probe() {
	_rel=$(kernel_release "$2")
	case $1 in
	NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS) has_exclude_bars "$2" && echo yes || echo no ;;
	NVC_DEL_TIMER_SYNC_PRESENT) release_ge "$_rel" 6.15 && echo no || echo yes ;;
	NVC_IN_IRQ_PRESENT | NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE) release_ge "$_rel" 6.19 && echo no || echo yes ;;
	NVC_STRNCPY_PRESENT) release_ge "$_rel" 7.2 && echo no || echo yes ;;
	NVC_HRTIMER_INIT_PRESENT) release_ge "$_rel" 6.15 && echo no || echo yes ;;
	NVC_DMA_BUF_ATTACHMENT_IS_DYNAMIC_PRESENT) release_ge "$_rel" 6.16 && echo no || echo yes ;;
	esac
}
ready_kids=
for id in $KIDS; do
	if ! kernel_ready "$id"; then skip "kernel tree $id is not prepared"; continue; fi
	ready_kids="$ready_kids $id"
	if ! "$VC" probe --kernel "$(kernel_build "$id")" >"$W/probe-$id.log" 2>&1; then
		fail "probes on $id"; tail -n 5 "$W/probe-$id.log"; continue
	fi
	for m in NVC_DEL_TIMER_SYNC_PRESENT NVC_IN_IRQ_PRESENT NVC_STRNCPY_PRESENT \
		NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS \
		NVC_HRTIMER_INIT_PRESENT NVC_DMA_BUF_ATTACHMENT_IS_DYNAMIC_PRESENT; do
		got=$(awk -v m="$m" '$2 == m { print $1 }' "$W/probe-$id.log")
		want=$(want_probe "$m" "$id")
		[ "$got" = "$want" ] && pass "$id ($(kernel_release "$id")): $m $got" ||
			fail "$id: $m is '$got', want $want"
	done
done

# --- 3. wrappers vs. old calls, as external modules ------------------------
# Both modules have NVIDIA's licence string, so modpost refuses any GPL-only
# symbol.  The wrapper module gets the compat layer the way the driver does
# (its Kbuild includes nvidia-vgpu-compat/nvc-compat.Kbuild).
M=$W/mod-wrappers
compat_module "$M" nvc_t33_wrappers
cat >"$M/nvc_t33_wrappers.c" <<'EOF'
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/timer.h>
#include <linux/pci.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-buf.h>

MODULE_LICENSE("NVIDIA");

int nvc_t33_calls(struct timer_list *t, struct pci_dev *pdev,
		  const struct dma_map_ops *ops, char *buf, size_t len,
		  struct dma_buf_attachment *a);
int nvc_t33_calls(struct timer_list *t, struct pci_dev *pdev,
		  const struct dma_map_ops *ops, char *buf, size_t len,
		  struct dma_buf_attachment *a)
{
	int r = nvc_timer_delete_sync(t);

	if (nvc_in_hardirq())
		r++;
	nvc_strncpy(buf, current->comm, len - 1);
	buf[len - 1] = '\0';
	r += nvc_dma_ops_can_map_resource(ops);
	r += nvc_pci_resize_resource(pdev, 1, 10);
	r += nvc_dma_buf_attachment_is_dynamic(a);
	return r;
}
EXPORT_SYMBOL(nvc_t33_calls);
EOF
# nvc_hrtimer_setup() calls GPL-only exports, as hrtimer_init() did: the
# open flavour's licence ("Dual MIT/GPL", the only one that compiles it).
MG=$W/mod-wrappers-gpl
compat_module "$MG" nvc_t33_gpl
cat >"$MG/nvc_t33_gpl.c" <<'EOF'
#include <linux/module.h>
#include <linux/hrtimer.h>

MODULE_LICENSE("Dual MIT/GPL");

static enum hrtimer_restart nvc_t33_fn(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}
void nvc_t33_gpl_calls(struct hrtimer *t);
void nvc_t33_gpl_calls(struct hrtimer *t)
{
	nvc_hrtimer_setup(t, nvc_t33_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
EXPORT_SYMBOL(nvc_t33_gpl_calls);
EOF
O=$W/mod-old
mkdir -p "$O"
printf 'obj-m += nvc_t33_old.o\nnvc_t33_old-y := old_timer.o old_in_irq.o old_strncpy.o old_dma.o old_pci.o old_dmabuf.o old_hrtimer.o main.o\n' >"$O/Kbuild"
printf '#include <linux/module.h>\nMODULE_LICENSE("NVIDIA");\n' >"$O/main.c"
printf '#include <linux/timer.h>\nint o_timer(struct timer_list *t);\nint o_timer(struct timer_list *t) { return del_timer_sync(t); }\n' >"$O/old_timer.c"
printf '#include <linux/preempt.h>\nint o_irq(void);\nint o_irq(void) { return in_irq() != 0; }\n' >"$O/old_in_irq.c"
printf '#include <linux/string.h>\nchar *o_str(char *d, const char *s, size_t n);\nchar *o_str(char *d, const char *s, size_t n) { return strncpy(d, s, n); }\n' >"$O/old_strncpy.c"
printf '#include <linux/dma-map-ops.h>\nint o_dma(const struct dma_map_ops *ops);\nint o_dma(const struct dma_map_ops *ops) { return ops->map_resource != NULL; }\n' >"$O/old_dma.c"
printf '#include <linux/pci.h>\nint o_pci(struct pci_dev *p);\nint o_pci(struct pci_dev *p) { return pci_resize_resource(p, 1, 10); }\n' >"$O/old_pci.c"
printf '#include <linux/dma-buf.h>\nint o_dmabuf(struct dma_buf_attachment *a);\nint o_dmabuf(struct dma_buf_attachment *a) { return dma_buf_attachment_is_dynamic(a); }\n' >"$O/old_dmabuf.c"
printf '#include <linux/hrtimer.h>\nvoid o_hrtimer(struct hrtimer *t, enum hrtimer_restart (*f)(struct hrtimer *));\nvoid o_hrtimer(struct hrtimer *t, enum hrtimer_restart (*f)(struct hrtimer *)) { hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_REL); t->function = f; }\n' >"$O/old_hrtimer.c"

# old_fails FILE KERNEL_ID -> yes when the old call must fail there: where
# the API it uses is gone (its probe's expectation is "no")
old_fails() {
	case $1 in
	old_timer) _m=NVC_DEL_TIMER_SYNC_PRESENT ;;
	old_in_irq) _m=NVC_IN_IRQ_PRESENT ;;
	old_strncpy) _m=NVC_STRNCPY_PRESENT ;;
	old_dma) _m=NVC_DMA_MAP_OPS_HAS_MAP_RESOURCE ;;
	old_dmabuf) _m=NVC_DMA_BUF_ATTACHMENT_IS_DYNAMIC_PRESENT ;;
	old_hrtimer) _m=NVC_HRTIMER_INIT_PRESENT ;;
	old_pci) [ "$(want_probe NVC_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS "$2")" = yes ] && echo yes || echo no; return ;;
	esac
	[ "$(want_probe "$_m" "$2")" = yes ] && echo no || echo yes
}
for id in $ready_kids; do
	if modbuild "$M" "$id" "$W/wrappers-$id.log" && [ -f "$M/nvc_t33_wrappers.ko" ] &&
		[ -z "$(modpost_findings "$W/wrappers-$id.log")" ]; then
		pass "$id: the wrappers build in a module with NVIDIA's licence, modpost clean"
	else
		fail "$id: wrappers"; grep -E 'error|modpost|WARNING' "$W/wrappers-$id.log" | head -n 10
	fi
	if modbuild "$MG" "$id" "$W/wrappers-gpl-$id.log" && [ -f "$MG/nvc_t33_gpl.ko" ] &&
		[ -z "$(modpost_findings "$W/wrappers-gpl-$id.log")" ]; then
		pass "$id: nvc_hrtimer_setup() builds in a module with the open flavour's licence, modpost clean"
	else
		fail "$id: nvc_hrtimer_setup()"; grep -E 'error|modpost|WARNING' "$W/wrappers-gpl-$id.log" | head -n 10
	fi
	modbuild "$O" "$id" "$W/old-$id.log" || true
	for f in old_timer old_in_irq old_strncpy old_dma old_pci old_dmabuf old_hrtimer; do
		if grep -q "^$f\.c:[0-9]*:[0-9]*: error:" "$W/old-$id.log" ||
			grep -q "/$f\.c:[0-9]*:[0-9]*: error:" "$W/old-$id.log"; then got=yes; else got=no; fi
		want=$(old_fails "$f" "$id")
		[ "$got" = "$want" ] && pass "$id: the old call in $f.c $([ "$want" = yes ] && echo fails || echo builds)" ||
			fail "$id: the old call in $f.c: fails=$got, want $want"
	done
done

# --- 4. the BTF step and the driver Makefile's PAHOLE -----------------------
# pahole_of TREE KERNEL_ID: the PAHOLE=... argument the driver's Makefile
# passes to the kernel build (empty where it passes none).
pahole_of() {
	_kb=$(kernel_build "$2")
	make -s --no-print-directory -C "$1" SYSSRC="$(sh "$TOP/scripts/kernel-source-dir" "$_kb")" \
		SYSOUT="$_kb" --eval 'nvc-t33-pahole: ; @printf "%s\n" $(PAHOLE_VARIABLES)' nvc-t33-pahole
}
B=$W/mod-btf
mkdir -p "$B"
printf 'obj-m += nvc_t33_btf.o\n' >"$B/Kbuild"
printf '#include <linux/module.h>\nMODULE_LICENSE("NVIDIA");\nstruct nvc_t33_s { int a; long b; };\nint nvc_t33_f(struct nvc_t33_s *s);\nint nvc_t33_f(struct nvc_t33_s *s) { return s->a + (int)s->b; }\n' >"$B/nvc_t33_btf.c"
cat >"$W/pahole-recorder" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$W/pahole-args.log"
exec pahole "\$@"
EOF
chmod +x "$W/pahole-recorder"
PRIS=$(nvidia_src tesla535-bookworm)
PATCHED=$W/apply-$(nvidia_version tesla535-bookworm)
# btf_build KSRC KOUT PAHOLE_ARG LOG: build the module with that PAHOLE
btf_build() {
	make -C "$B" clean >/dev/null 2>&1 || rm -f "$B"/*.ko "$B"/*.o
	LC_ALL=C nice make -C "$1" KBUILD_OUTPUT="$2" M="$B" "$3" modules >"$4" 2>&1
}
has_btf() { readelf -S "$B/nvc_t33_btf.ko" 2>/dev/null | grep -q ' \.BTF '; }
# A private copy of the 7-newest build tree with the BTF-only vmlinux Debian's
# headers package ships (the prepared tree has none, so Kbuild skips BTF).
K73=$W/k73-btf
deb=$(find "$NVC_CACHE/debs/kernels" -maxdepth 1 -name "linux-headers-$(kernel_release 7-newest 2>/dev/null)_*.deb" 2>/dev/null | head -n 1 || true)
if ! command -v pahole >/dev/null 2>&1; then
	skip "BTF: pahole is not installed"
elif [ ! -d "$PATCHED" ] || ! kernel_ready 7-newest || [ -z "$deb" ]; then
	skip "BTF on 7-newest: no patched bookworm 535 tree, 7-newest tree or headers .deb"
else
	cp -a "$(kernel_build 7-newest)" "$K73"
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/src/linux-headers-$(kernel_release 7-newest)/vmlinux" >"$K73/vmlinux"
	src73=$(sh "$TOP/scripts/kernel-source-dir" "$(kernel_build 7-newest)")
	old=$(pahole_of "$PRIS" 7-newest) new=$(pahole_of "$PATCHED" 7-newest)
	case $old in "PAHOLE=awk "*) pass "7-newest: the pristine Makefile passes an awk program as PAHOLE" ;;
		*) fail "7-newest: pristine PAHOLE is '$old'" ;; esac
	case $new in "PAHOLE=sh $PATCHED/nvidia-vgpu-compat/nvc-pahole.sh") pass "7-newest: the patched Makefile passes nvc-pahole.sh" ;;
		*) fail "7-newest: patched PAHOLE is '$new'" ;; esac
	if btf_build "$src73" "$K73" "$old" "$W/btf-73-old.log"; then
		fail "7-newest with vmlinux: the awk PAHOLE did not break the BTF step (gen-btf.sh)"
	else
		grep -A1 'BTF \[M\]' "$W/btf-73-old.log" | grep -Eq '^awk: .*(unexpected character|syntax error)' &&
			pass "7-newest with vmlinux: the awk PAHOLE breaks the BTF step (gen-btf.sh word-splits it)" ||
			{ fail "7-newest with vmlinux: pristine build failed, but not on awk in the BTF step"; tail -n 5 "$W/btf-73-old.log"; }
	fi
	: >"$W/pahole-args.log"
	if NVC_PAHOLE=$W/pahole-recorder btf_build "$src73" "$K73" "$new" "$W/btf-73-new.log" && has_btf; then
		pass "7-newest with vmlinux: with nvc-pahole.sh the module gets its BTF"
	else
		fail "7-newest with vmlinux: patched BTF step"; tail -n 10 "$W/btf-73-new.log"
	fi
	grep -q -- '--lang_exclude=[^ ]*,c++,c++11' "$W/pahole-args.log" &&
		pass "nvc-pahole.sh adds C++ to pahole's --lang_exclude, as NVIDIA's awk program did" ||
		{ fail "nvc-pahole.sh did not extend --lang_exclude"; cat "$W/pahole-args.log"; }
	rm -rf "$K73"
fi
if command -v pahole >/dev/null 2>&1 && [ -d "$PATCHED" ] && kernel_ready 6.12 && [ -f "$(kernel_build 6.12)/vmlinux" ]; then
	src612=$(sh "$TOP/scripts/kernel-source-dir" "$(kernel_build 6.12)")
	for which in pristine patched; do
		if [ $which = pristine ]; then pv=$(pahole_of "$PRIS" 6.12); else pv=$(pahole_of "$PATCHED" 6.12); fi
		if btf_build "$src612" "$(kernel_build 6.12)" "$pv" "$W/btf-612-$which.log" && has_btf; then
			pass "6.12 (vmlinux in the headers): BTF step works with the $which Makefile's PAHOLE"
		else
			fail "6.12: BTF step with the $which PAHOLE"; tail -n 10 "$W/btf-612-$which.log"
		fi
	done
fi

# --- 5. real builds ----------------------------------------------------------
# Done by the matrix (t80, tests/matrix.sh): every patched real tree on every
# prepared kernel must link nvidia.ko, modpost clean, licence NVIDIA.
