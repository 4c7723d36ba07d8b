#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make bench: figures, not a test (it asserts nothing).  On the real Debian
# 550.54.15 tree and the prepared kernel trees it prints
#   - vgpu-compat apply time (median of NVC_BENCH_RUNS runs),
#   - import time (the rewrite, once per driver) of a fixture .run, of
#     NVIDIA's kernel-open 595.45.04 glue (from ../shared) and of Debian's
#     tree, and the stamp check each DKMS build runs instead,
#   - probe time per kernel, cold and with the cached header,
#   - the ratio of a DKMS-style build of nvidia.ko per kernel with the layer
#     (copy, stamp check, probes, build) to NVIDIA's build of the pristine
#     tree, on 6.1, alternating, median of 3,
#   - for each wrapper whose contract is "the native call" on the newest
#     kernel whether its object code equals that of the native call written
#     by hand (objdump -d of both).  nvc_follow_pfn(), nvc_vm_flags_set() and
#     nvc_strncpy() have no native call there (the kernel removed it or made
#     it GPL-only), so they are not compared.
# NVC_BENCH_SKIP_BUILD=1 skips the (slow, ~15 min) build ratio.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=${NVC_BENCH_DIR:-/tmp/nvc-bench}
rm -rf "$W"; mkdir -p "$W"
RUNS=${NVC_BENCH_RUNS:-9}
SRC550=$(nvidia_src tesla550-sid)

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "== vgpu-compat apply on the real $(nvidia_version tesla550-sid) tree ($RUNS runs)"
for _ in $(seq "$RUNS"); do
	rm -rf "$W/t"; cp -a "$SRC550" "$W/t"; chmod -R u+w "$W/t"
	t0=$(now_ms); "$VC" apply --allow-non-vgpu "$W/t" >/dev/null; t1=$(now_ms)
	echo $((t1 - t0))
done >"$W/apply.ms"
echo "apply: median $(median <"$W/apply.ms") ms (min $(sort -n "$W/apply.ms" | head -n 1), max $(sort -n "$W/apply.ms" | tail -n 1)); target <= 100 ms"
t0=$(now_ms); "$VC" apply --allow-non-vgpu "$W/t" >/dev/null; t1=$(now_ms)
echo "apply again (nothing to do): $((t1 - t0)) ms"

echo
echo "== import (rewrite once per driver; $RUNS runs each, median); target <= 5000 ms"
. "$TOP/tests/lib/mkrun.sh"
SHARED=${NVC_SHARED:-$TOP/../shared}
bench_import() { # bench_import NAME SRC [OPTIONS...]
	_n=$1 _src=$2; shift 2
	for _ in $(seq "$RUNS"); do
		rm -rf "$W/imp"
		t0=$(now_ms); "$VC" import --no-dkms --prefix "$W/imp" "$@" "$_src" >"$W/imp.log" 2>&1 || {
			echo "$_n: import failed: $(tail -n 1 "$W/imp.log")" >&2; return 0; }
		t1=$(now_ms)
		echo $((t1 - t0))
	done >"$W/import.ms"
	echo "import $_n: median $(median <"$W/import.ms") ms (min $(sort -n "$W/import.ms" | head -n 1), max $(sort -n "$W/import.ms" | tail -n 1))"
	# what each DKMS build runs on its copy instead of a rewrite
	_k=$(echo "$W"/imp/nvidia-vgpu-compat-*/kernel)
	for _ in $(seq "$RUNS"); do
		t0=$(now_ms); "$VC" apply --if-changed "$_k" >/dev/null; t1=$(now_ms)
		echo $((t1 - t0))
	done >"$W/ifch.ms"
	echo "  then per kernel, apply --if-changed (stamp check, no rewrite): median $(median <"$W/ifch.ms") ms"
}
FX=NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm
mkrun "$FIXTURES/$FX" "$W/$FX.run" 550.54.16
bench_import "of the fixture $FX.run" "$W/$FX.run"
if [ -f "$SHARED/real/kernel-open/kernel-open-595.45.04.tar.xz" ]; then
	mkdir -p "$W/ko" && tar -xJf "$SHARED/real/kernel-open/kernel-open-595.45.04.tar.xz" -C "$W/ko"
	bench_import "of NVIDIA's kernel-open 595.45.04 glue (a directory)" "$W/ko/kernel-open-595.45.04" --allow-non-vgpu
else
	echo "import of the 595.45.04 glue: skipped, $SHARED/real/kernel-open absent (no ../shared next to this checkout)"
fi
bench_import "of Debian's $(nvidia_version tesla550-sid) tree (a directory)" "$SRC550" --allow-non-vgpu

echo
echo "== compile probes per kernel (the Kbuild path a driver build takes)"
for id in $(kernel_ids); do
	kernel_ready "$id" || continue
	d=$W/probe-$id
	mkdir -p "$d"
	printf 'NVC_DIR := %s\nNVC_OUT := $(obj)\ninclude $(NVC_DIR)/nvc-compat.Kbuild\nalways-y += nvc-probes.h\n' \
		"$TOP/compat" >"$d/Kbuild"
	t0=$(now_ms); make -s -C "$(kernel_build "$id")" M="$d" modules >/dev/null 2>&1; t1=$(now_ms)
	make -s -C "$(kernel_build "$id")" M="$d" modules >/dev/null 2>&1; t2=$(now_ms)
	echo "$id: cold $((t1 - t0)) ms, cached $((t2 - t1)) ms (both include Kbuild's own start-up); target <= 3000 ms"
done

echo
echo "== object code: wrapper vs the native call written by hand (7-newest)"
id=7-newest
if kernel_ready "$id"; then
	m=$W/objcode
	mkdir -p "$m"
	cat >"$m/wrapped.c" <<'EOF'
#include <linux/module.h>
#include <linux/eventfd.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/timer.h>
#include <linux/preempt.h>
#include <linux/dma-map-ops.h>
#include <linux/irqbypass.h>
void nvc_bench_eventfd(struct eventfd_ctx *ctx);
void nvc_bench_eventfd(struct eventfd_ctx *ctx) { nvc_eventfd_signal(ctx); }
bool nvc_bench_iommu(struct device *dev);
bool nvc_bench_iommu(struct device *dev) { return nvc_dev_iommu_present(dev); }
int nvc_bench_timer(struct timer_list *t);
int nvc_bench_timer(struct timer_list *t) { return nvc_timer_delete_sync(t); }
bool nvc_bench_hardirq(void);
bool nvc_bench_hardirq(void) { return nvc_in_hardirq(); }
bool nvc_bench_dma(const struct dma_map_ops *ops);
bool nvc_bench_dma(const struct dma_map_ops *ops) { return nvc_dma_ops_can_map_resource(ops); }
int nvc_bench_irqbypass(struct irq_bypass_producer *p, struct eventfd_ctx *e, int irq);
int nvc_bench_irqbypass(struct irq_bypass_producer *p, struct eventfd_ctx *e, int irq)
{
	return nvc_irq_bypass_register_producer(p, e, irq);
}
MODULE_LICENSE("GPL");
EOF
	cat >"$m/native.c" <<'EOF'
#include <linux/module.h>
#include <linux/eventfd.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/timer.h>
#include <linux/preempt.h>
#include <linux/dma-map-ops.h>
#include <linux/irqbypass.h>
void nvc_bench_eventfd(struct eventfd_ctx *ctx);
void nvc_bench_eventfd(struct eventfd_ctx *ctx) { eventfd_signal(ctx); }
bool nvc_bench_iommu(struct device *dev);
bool nvc_bench_iommu(struct device *dev)
{
	return dev->iommu_group && dev->iommu && dev->iommu->iommu_dev &&
	       dev->iommu->iommu_dev->ops;
}
int nvc_bench_timer(struct timer_list *t);
int nvc_bench_timer(struct timer_list *t) { return timer_delete_sync(t); }
bool nvc_bench_hardirq(void);
bool nvc_bench_hardirq(void) { return in_hardirq(); }
bool nvc_bench_dma(const struct dma_map_ops *ops);
bool nvc_bench_dma(const struct dma_map_ops *ops) { return ops->map_phys != NULL; }
int nvc_bench_irqbypass(struct irq_bypass_producer *p, struct eventfd_ctx *e, int irq);
int nvc_bench_irqbypass(struct irq_bypass_producer *p, struct eventfd_ctx *e, int irq)
{
	return irq_bypass_register_producer(p, e, irq);
}
MODULE_LICENSE("GPL");
EOF
	printf 'NVC_DIR := %s\nNVC_OUT := $(obj)/gen\nNV_OBJECTS_DEPEND_ON_CONFTEST := wrapped.o\ninclude $(NVC_DIR)/nvc-compat.Kbuild\nobj-m += wrapped.o native.o\n' \
		"$TOP/compat" >"$m/Kbuild"
	if make -s -C "$(kernel_build "$id")" M="$m" modules >"$m/log" 2>&1; then
		for f in nvc_bench_eventfd nvc_bench_iommu nvc_bench_timer nvc_bench_hardirq nvc_bench_dma nvc_bench_irqbypass; do
			for o in wrapped native; do
				objdump -d --no-show-raw-insn "$m/$o.o" |
					awk -v f="<$f>:" '$2 == f { on = 1; next } on && /^$/ { exit } on' |
					sed 's/^ *[0-9a-f]*:\t//; s/<[^>]*>//g; s/ *$//' >"$m/$f.$o"
			done
			if cmp -s "$m/$f.wrapped" "$m/$f.native"; then r=identical; else r=DIFFERENT; fi
			echo "$f: $r ($(wc -l <"$m/$f.wrapped") instructions)"
		done
	else
		echo "object code: build failed"; tail -n 20 "$m/log"
	fi
fi

echo
if [ "${NVC_BENCH_SKIP_BUILD:-0}" = 1 ]; then
	echo "== build ratio skipped (NVC_BENCH_SKIP_BUILD=1)"
	exit 0
fi
echo "== a DKMS build of nvidia.ko per kernel, with / without the layer, 6.1, alternating"
# tests/matrix.sh --overhead: what a DKMS build of the imported tree runs
# per kernel (second copy, apply --if-changed, probes, build) against
# NVIDIA's build of the pristine tree, alternating, median of 3, ccache
# off; wall clock and CPU seconds.
NVC_OUT=$W sh "$TOP/tests/matrix.sh" --overhead "$(nvidia_version tesla550-sid)" 6.1 || echo "build ratio: failed (see above)"
echo "target: ratio <= 1.01"
