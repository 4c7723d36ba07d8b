#!/bin/sh
# SPDX-License-Identifier: MIT
# The residue check (issue 9): once apply has patched every site it knows,
# no use of an old kernel API may be left that no rule covers.
#  1. for every break topic, a use of its old API planted in a file no
#     patch touches: apply exits 5 naming file:line and the topic, and the
#     tree stays byte-identical; status lists the use too (1b: also a call
#     split after its name, "vm_flags_clear" / "(vma, VM_IO)") (for a topic with
#     a semantic patch, which rewrites such uses, with its .cocci removed
#     from a private copy of the package: the residue check is what is
#     tested here; with it, apply rewrites every planted use instead).  The same use in
#     a branch that names the driver's conftest macro in the wrong sense is
#     residue as well; in a comment, in the branch the macro confines to the
#     kernels that have the old API (X-Native-Guard), or under "#if 0", it
#     is not (apply succeeds);
#  2. deleting any one rule makes a test fail by residue: with a topic's
#     patch directory removed from a private copy of the package, apply on
#     every fixture tree (kernel/, and kernel-open/ where a fixture has
#     one: no other fixture tree needs 0157 - 0160) and, --dry-run, every
#     prepared Debian tree where the topic is needed exits 5 naming that
#     topic; patches/residue.rules holds exactly the rules of the headers
#     (it is what keeps them when a directory goes);
#  3. NVIDIA's follow_pte() / follow_pfnmap_start() answer to 6.10 (real
#     kernel-open os-mlock.c of 550.144.03 and 570.133.20, from ../shared):
#     GPL-only exports, compiled only where conftest finds them, so
#     nvidia.ko (licence NVIDIA) runs the "return -1": 0100 stays needed and
#     apply replaces the -1, while a driver calling them outside such a
#     branch is fixed natively.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t17
rm -rf "$W"; mkdir -p "$W"
FX=NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm	# needs 0003, so MODULE_LICENSE has its import

# --- 1. one planted use per topic ---------------------------------------------
# use_of TOPIC: sets F (the file to plant, under kernel/), KIND (line: a
# statement in a function; struct: an initialiser member whose companion is
# missing), U (the use), G (a condition under which the driver confines U
# to the kernels that have it, "#if G"; "ifdef X" / "ifndef X" as written)
# and E (a condition whose #else holds U).  Every topic with a residue rule
# needs an entry: a new topic without one fails here.
use_of() {
	F=nvidia/t17-residue.c KIND=line G='' E=''
	case $1 in
	0001-*) U='    if (pci_dev->dev.bus->iommu_ops == NULL) return;'
		G='defined(NV_BUS_TYPE_HAS_IOMMU_OPS)' ;;
	0002-*) F=nvidia-vgpu-vfio/t17-residue.c U='    eventfd_signal(t17_trigger, 1);'
		G='defined(NV_EVENTFD_SIGNAL_HAS_COUNTER_ARG)' ;;
	0003-*) F=nvidia-vgpu-vfio/t17-residue.c KIND=top U='MODULE_IMPORT_NS(DMA_BUF);'
		G='defined(NV_MODULE_IMPORT_NS_TAKES_CONSTANT)' E='defined(NV_MODULE_IMPORT_NS_TAKES_STRING_LITERAL)' ;;
	0157-*) KIND=top U='MODULE_IMPORT_NS(DMA_BUF);'
		G='defined(NV_MODULE_IMPORT_NS_TAKES_CONSTANT)' E='defined(NV_MODULE_IMPORT_NS_TAKES_STRING_LITERAL)' ;;
	0004-*) F=nvidia-vgpu-vfio/t17-residue.c KIND=struct U='    .attach_ioas = vfio_iommufd_emulated_attach_ioas,' ;;
	0005-*) U='EXPORT_SYMBOL(nvidia_vgpu_vfio_get_ops);' ;;
	0006-*) F=nvidia-vgpu-vfio/t17-residue.c KIND=struct U='    .llseek = no_llseek,'
		G='defined(NV_NO_LLSEEK_PRESENT)' ;;
	0100-*) U='    return follow_pfn(vma, address, pfn);' G='defined(NV_FOLLOW_PFN_PRESENT)' ;;
	0101-*) U='    vm_flags_set(vma, VM_IO);' G='NV_CAN_CALL_VMA_START_WRITE' E='!NV_CAN_CALL_VMA_START_WRITE' ;;
	0102-*) U='    ACCESS_PRIVATE(vma, __vm_flags) |= flags;'
		G='!defined(NV_VMA_FLAGS_SET_WORD_PRESENT)' E='defined(NV_VM_FLAGS_SET_PRESENT)' ;;
	0103-*) U='    refcount_sub_and_test(VMA_LOCK_OFFSET, &vma->vm_refcnt);' G='ifndef VM_REFCNT_EXCLUDE_READERS_FLAG' ;;
	0150-*) U='    del_timer_sync(&t17_timer);' E='!defined(NV_BSD) && NV_IS_EXPORT_SYMBOL_PRESENT_timer_delete_sync' ;;
	0151-*) U='    if (in_irq()) return;' E='defined(in_hardirq)' ;;
	0152-*) U='    t17_ok = (ops->map_resource != NULL);' E='defined(NV_DMA_MAP_OPS_HAS_MAP_PHYS)' ;;
	# 0156: the header 7.1 removed (an #include is checked like code).
	0156-*) KIND=top U='#include <linux/of_gpio.h>' G='defined(NV_LINUX_OF_GPIO_H_PRESENT)' ;;
	0158-*) U='    hrtimer_init(&t17_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL); t17_timer.function = t17_fn;'
		E='NV_IS_EXPORT_SYMBOL_PRESENT_hrtimer_setup' ;;
	0159-*) U='    r = pci_resize_resource(pci_dev, NV_GPU_BAR1, requested_size);'
		E='defined(NV_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS_ARG)' ;;
	0160-*) U='    t17_ok = dma_buf_attachment_is_dynamic(attachment) && !attachment->peer2peer;' ;;
	0153-*) U='    strncpy(buf, current->comm, len - 1);'
		G='LINUX_VERSION_CODE < KERNEL_VERSION(4, 3, 0)' E='LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)' ;;
	# 0200: the whole old registration (token and IRQ set, then the
	# call), which its semantic patch rewrites; a bare call it cannot
	# rewrite (the eventfd unknown) is residue in t18.
	0200-*) F=nvidia-vgpu-vfio/t17-residue.c U='    producer->token = t17_trigger; producer->irq = t17_irq; ret = irq_bypass_register_producer(producer);'
		G='!defined(NV_IRQ_BYPASS_REGISTER_PRODUCER_HAS_EVENTFD_AND_IRQ_ARGS)' ;;
	0201-*) F=nvidia-vgpu-vfio/t17-residue.c KIND=struct U='    .match = vfio_pci_core_match,' ;;
	0202-*|0203-*) F=nvidia-vgpu-vfio/t17-residue.c KIND=struct U='    .ioctl = t17_ioctl,' ;;
	*) return 1 ;;
	esac
}
# wrap TEXT: TEXT (lines) as C code of the kind of the use (line: in a
# function; struct: in an initialiser; top: at file scope).
wrap() {
	if [ "$KIND" = struct ]; then
		printf 'static const struct vfio_device_ops t17_ops_%s = {\n%s\n};\n' "$2" "$1"
	elif [ "$KIND" = top ]; then
		printf '/* t17_%s */\n%s\n' "$2" "$1"
	else
		printf 'static void t17_%s(void)\n{\n%s\n}\n' "$2" "$1"
	fi
}
# guarded COND TEXT [else]: TEXT in the #if (or the #else) branch of COND.
guarded() {
	case $1 in ifdef\ *|ifndef\ *) _gd="#$1" ;; *) _gd="#if $1" ;; esac
	if [ "${3:-}" = else ]; then
		if [ "$KIND" = top ]; then _nw='NVC_MODULE_IMPORT_NS(DMA_BUF);'; else _nw='    t17_new();'; fi
		printf '%s\n%s\n#else\n%s\n#endif' "$_gd" "$_nw" "$2"
	else
		printf '%s\n%s\n#endif' "$_gd" "$2"
	fi
}
# wrong COND: a condition naming the same macro in the other sense.
wrong() {
	case $1 in
	ifdef\ *) echo "ifndef ${1#ifdef }" ;;
	ifndef\ *) echo "ifdef ${1#ifndef }" ;;
	*) echo "!($1)" ;;
	esac
}
# lines_of FILE TEXT: the numbers of the lines of FILE equal to TEXT.
lines_of() { grep -nxF -- "$2" "$1" | cut -d: -f1; }

# The package without its semantic patches (for part A of topics that have one).
RC=$W/root-nococci
rm -rf "$RC"; mkdir -p "$RC"
cp -a "$TOP/scripts" "$TOP/compat" "$TOP/patches" "$RC/"
rm -f "$RC"/patches/*/*.cocci

topics=
for p in "$TOP"/patches/[0-9][0-9][0-9][0-9]-*/; do
	p=${p%/}; p=${p##*/}
	case $p in 0000-*) ;; *) topics="$topics $p" ;; esac
done
for t in $topics; do
	if ! grep -q "^$t X-Residue" "$TOP/patches/residue.rules"; then
		case $t in
		0007-* | 0155-* | 0161-* | 0162-* | 0163-*) skip "$t: no residue rule: the fix is in the compat layer (nvc-compat.Kbuild), not at a site" ;;
		0154-*) skip "$t: no residue rule: the site is the Makefile, the residue check reads .c/.h files" ;;
		*) fail "$t: no X-Residue / X-Residue-Missing rule" ;;
		esac
		continue
	fi
	use_of "$t" || { fail "$t: no planted use in t17's table"; continue; }
	# A: the use, and the use under the macro in the wrong sense.
	d=$W/plant-$t
	fixture_copy "$FX" "$d"
	{
		echo "/* t17: old kernel API uses that no patch of nvidia-vgpu-compat covers */"
		wrap "$U" plain
		if [ -n "$G" ]; then wrap "$(guarded "$(wrong "$G")" "$U")" wrong; fi
		if [ -n "$E" ]; then wrap "$(guarded "$(wrong "$E")" "$U" else)" wrong_else; fi
	} >"$d/kernel/$F"
	want=$(lines_of "$d/kernel/$F" "$U" | tr '\n' ' ')
	vr=$VC cocci=
	for c in "$TOP/patches/$t"/*.cocci; do
		[ -f "$c" ] || continue
		cocci=${c##*/} vr=$RC/scripts/vgpu-compat
		# With it: every planted use rewritten, none left (a struct
		# member that needs a companion: t18, on a fixture that needs it).
		[ "$KIND" = line ] || continue
		cp -a "$d" "$d.cocci"
		if "$VC" apply "$d.cocci/kernel" >"$d.cocci.log" 2>&1 && [ -z "$(lines_of "$d.cocci/kernel/$F" "$U")" ] &&
		   ! cmp -s "$d/kernel/$F" "$d.cocci/kernel/$F"; then
			pass "$t: $cocci rewrites the planted use(s) (lines ${want% })"
		else
			fail "$t: $cocci left planted uses (or apply failed)"; sed 's/^/    | /' "$d.cocci.log" | tail -n 8
		fi
	done
	before=$(tree_sum "$d")
	NVC_ROOT=${vr%/scripts/vgpu-compat} "$vr" apply "$d/kernel" >"$d.log" 2>&1 && rc=0 || rc=$?
	miss=
	for n in $want; do
		# an old API, or (X-Residue-Missing) an anchor without its member
		grep -qF "$F:$n: topic $t: old API '" "$d.log" ||
			grep -F "$F:$n: topic $t: '" "$d.log" | grep -q "' without '" || miss="$miss $n"
	done
	if [ "$rc" = 5 ] && [ -z "$miss" ]; then
		pass "$t: planted use(s) in $F (lines ${want% }): apply${cocci:+ without $cocci} exits 5 naming file:line and the topic"
	else
		fail "$t: planted use: exit $rc, lines not named:${miss:- -}"; sed 's/^/    | /' "$d.log" | tail -n 8
	fi
	[ "$(tree_sum "$d")" = "$before" ] && pass "$t: refused apply left the tree byte-identical" ||
		fail "$t: refused apply changed the tree"
	NVC_ROOT=${vr%/scripts/vgpu-compat} "$vr" status "$d/kernel" >"$d.status" 2>&1 || :
	n=${want%% *}
	grep -q '^residue: ' "$d.status" && grep -qF "  $F:$n: topic $t:" "$d.status" &&
		pass "$t: status lists the residue" || { fail "$t: status does not list the residue"; tail -n 5 "$d.status"; }

	# B: in comments, in the driver's own branch for old kernels, under #if 0.
	d=$W/ok-$t
	fixture_copy "$FX" "$d"
	{
		echo "/* t17: old kernel API uses that are no residue */"
		printf '/*\n%s\n */\n' "$U"
		printf '// %s\n' "$U"
		printf '#if 0\n%s\n#endif\n' "$U"
		if [ -n "$G" ]; then wrap "$(guarded "$G" "$U")" guarded; fi
		if [ -n "$E" ]; then wrap "$(guarded "$E" "$U" else)" guarded_else; fi
	} >"$d/kernel/$F"
	if "$VC" apply "$d/kernel" >"$d.log" 2>&1; then
		pass "$t: uses in comments, under #if 0${G:+, under #if $G}${E:+, in the #else of #if $E} are no residue"
	else
		fail "$t: comment / guarded uses taken for residue"; sed 's/^/    | /' "$d.log" | tail -n 8
	fi
done

# --- 1b. a call split after its name -------------------------------------------
# "vm_flags_clear" on one line, "(vma, VM_IO);" on the next: still a use of
# the old API.  Without the semantic patches, apply exits 5 naming the line
# of the name; with them, 0101 rewrites it.
d=$W/split
fixture_copy "$FX" "$d"
printf '#include <linux/mm.h>\nvoid t17_split(struct vm_area_struct *vma);\nvoid t17_split(struct vm_area_struct *vma)\n{\n    vm_flags_clear\n        (vma, VM_IO);\n}\n' >"$d/kernel/nvidia/nv-t17-split.c"
before=$(tree_sum "$d")
NVC_ROOT=$RC "$RC/scripts/vgpu-compat" apply "$d/kernel" >"$d.log" 2>&1 && rc=0 || rc=$?
[ "$rc" = 5 ] && grep -qF "nvidia/nv-t17-split.c:5: topic 0101-vma-start-write-gpl: old API 'vm_flags_clear ('" "$d.log" &&
	[ "$(tree_sum "$d")" = "$before" ] &&
	pass "a call split after its name (vm_flags_clear / (vma, VM_IO)): residue at the name's line, tree unchanged" ||
	{ fail "a split call: exit $rc, not named as residue"; sed 's/^/    | /' "$d.log" | tail -n 6; }
"$VC" apply "$d/kernel" >"$d.cocci.log" 2>&1 && grep -q 'nvc_vm_flags_clear' "$d/kernel/nvidia/nv-t17-split.c" &&
	! grep -q '[^_]vm_flags_clear' "$d/kernel/nvidia/nv-t17-split.c" &&
	pass "a call split after its name: 0101's semantic patch rewrites it" ||
	{ fail "a split call: not rewritten by 0101's semantic patch"; sed 's/^/    | /' "$d.cocci.log" | tail -n 6; }

# --- 2. deleting any one rule makes a test fail by residue -----------------------
# Where each topic is needed: the fixtures (apply on a copy: the tree must
# come out byte-identical), and Debian's real trees when
# tests/setup/nvidia-sources.sh has prepared them (apply --dry-run in
# place: it only reads, and these trees are large).
# A fixture's kernel-open/ tree (the open flavour) is a tree of its own,
# "fx:<fixture>/kernel-open": no other fixture tree has 0157 - 0160's sites.
TREES=
for f in "$FIXTURES"/*/; do
	TREES="$TREES fx:$(basename "$f")"
	if [ -d "$f/kernel-open" ]; then TREES="$TREES fx:$(basename "$f")/kernel-open"; fi
done
# Debian's open nvidia.ko sources too, where prepared (open-<version>).
for v in $(nvidia_versions) $(nvidia_open_versions); do
	[ -d "$(nvidia_src "$v")" ] && TREES="$TREES deb:$v"
done
kdir() { # kdir ID: the tree's kernel/ (or kernel-open/) dir, read only
	case $1 in
	fx:*/kernel-open) echo "$FIXTURES/${1#fx:}" ;;
	fx:*) echo "$FIXTURES/${1#fx:}/kernel" ;;
	deb:*) nvidia_src "${1#deb:}" ;;
	esac
}
for id in $TREES; do
	"$VC" status --allow-non-vgpu "$(kdir "$id")" 2>/dev/null |
		awk -v id="$id" '$2 == "needed" { print $1, id }'
done >"$W/needed.txt"
R=$W/root
for t in $topics; do
	if ! grep -q "^$t " "$W/needed.txt"; then
		skip "$t: needed in no fixture or prepared tree: no deletion to test"
		continue
	fi
	set -- "$TOP/patches/$t"/*.cocci
	if [ ! -f "$1" ] && ! grep -q '^+++ ' "$TOP/patches/$t"/*.patch; then
		skip "$t: fixed inside the compat layer (no diff or semantic patch of its own): deleting its directory deletes no site rule"
		continue
	fi
	if ! grep -q "^$t X-Residue" "$TOP/patches/residue.rules"; then
		skip "$t: no residue rule (see above): its deletion is found by the builds (t33), not here"
		continue
	fi
	rm -rf "$R"; mkdir -p "$R"
	cp -a "$TOP/scripts" "$TOP/compat" "$TOP/patches" "$R/"
	rm -rf "${R:?}/patches/$t"
	# shellcheck disable=SC2013 # tree ids: one word each
	for id in $(awk -v t="$t" '$1 == t { print $2 }' "$W/needed.txt"); do
		case $id in
		fx:*)
			rm -rf "$W/del"; cp -a "$(kdir "$id")" "$W/del"
			before=$(tree_sum "$W/del")
			NVC_ROOT=$R "$R/scripts/vgpu-compat" apply "$W/del" >"$W/del.log" 2>&1 && rc=0 || rc=$?
			[ "$(tree_sum "$W/del")" = "$before" ] || rc="$rc (tree changed)" ;;
		*)
			NVC_ROOT=$R "$R/scripts/vgpu-compat" apply --dry-run --allow-non-vgpu "$(kdir "$id")" >"$W/del.log" 2>&1 && rc=0 || rc=$? ;;
		esac
		if [ "$rc" = 5 ] && grep -Eq "^[^ :]+:[0-9]+: topic $t: (old API '|'[^']*' without ')" "$W/del.log"; then
			pass "$t deleted: apply on ${id#*:} exits 5 by residue naming $t (sites: $(grep -c "topic $t:" "$W/del.log"))"
		else
			fail "$t deleted: apply on ${id#*:} exits $rc"; sed 's/^/    | /' "$W/del.log" | tail -n 6
		fi
	done
done
# patches/residue.rules is what regen-patches.sh makes from the headers
# (a semantic patch's header is its leading "// " block).
for p in "$TOP"/patches/[0-9][0-9][0-9][0-9]-*/*.patch "$TOP"/patches/[0-9][0-9][0-9][0-9]-*/*.cocci; do
	[ -f "$p" ] || continue
	t=${p%/*}; t=${t##*/}
	case $p in
	*.cocci) sed -n '\|^// ---$|q; \|^//|!q; s|^// \{0,1\}||p' "$p" ;;
	*) sed -n '/^---$/q; p' "$p" ;;
	esac | sed -n -E "s/^(X-Residue|X-Residue-Missing|X-Native-Guard|X-Native-Stub): /$t &/p"
done | LC_ALL=C sort -u >"$W/rules.txt"
cmp -s "$W/rules.txt" "$TOP/patches/residue.rules" &&
	pass "patches/residue.rules holds exactly the residue rules of the headers" ||
	{ fail "patches/residue.rules differs from the headers (sh tests/devtools/regen-patches.sh)"; diff "$TOP/patches/residue.rules" "$W/rules.txt" | head; }

# --- 3. 0100 and NVIDIA's GPL-only lookups (real os-mlock.c) --------------------
SHARED=${NVC_SHARED:-$TOP/../shared}
# real_mlock TAG FIXTURE: the fixture with NVIDIA's os-mlock.c of kernel-open TAG
real_mlock() {
	_tb=$SHARED/real/kernel-open/kernel-open-$1.tar.xz
	[ -f "$_tb" ] || return 1
	fixture_copy "$2" "$W/mlock-$1"
	tar -xJOf "$_tb" "kernel-open-$1/nvidia/os-mlock.c" >"$W/mlock-$1/kernel/nvidia/os-mlock.c"
}
for tv in 550.144.03:NVIDIA-Linux-x86_64-550.144.02-vgpu-kvm 570.133.20:NVIDIA-Linux-x86_64-570.133.10-vgpu-kvm; do
	tag=${tv%%:*}
	if ! real_mlock "$tag" "${tv#*:}"; then
		skip "0100 with NVIDIA's $tag os-mlock.c: $SHARED/real/kernel-open/kernel-open-$tag.tar.xz absent (no ../shared next to this checkout)"
		continue
	fi
	k=$W/mlock-$tag/kernel
	st=$(state_of "$k" 0100-follow-pfn)
	[ "$st" = needed ] && pass "$tag os-mlock.c (follow_pte/follow_pfnmap_start only under NV_IS_EXPORT_SYMBOL_PRESENT_*): 0100 is needed" ||
		fail "$tag os-mlock.c: 0100 is '$st', want needed (a GPL-only call that nvidia.ko never gets is no native fix)"
	if "$VC" apply "$k" >"$W/mlock-$tag.log" 2>&1 &&
	   [ "$(grep -c '^    return nvc_follow_pfn(vma, address, pfn);$' "$k/nvidia/os-mlock.c")" = 1 ] &&
	   ! grep -q '^    return -1;$' "$k/nvidia/os-mlock.c"; then
		pass "$tag os-mlock.c: apply replaces the -1 stub by nvc_follow_pfn(), no residue"
	else
		fail "$tag os-mlock.c: apply"; sed 's/^/    | /' "$W/mlock-$tag.log" | tail -n 5
	fi
	st=$(state_of "$k" 0100-follow-pfn)
	[ "$st" = applied ] && pass "$tag os-mlock.c: 0100 is applied after apply" || fail "$tag os-mlock.c: 0100 is '$st' after apply"
done
# The same call outside an export check (a driver allowed to make it, or
# one that answers 6.10 otherwise): a native fix, left alone.
if real_mlock 550.144.03 NVIDIA-Linux-x86_64-550.144.02-vgpu-kvm; then
	k=$W/mlock-550.144.03/kernel
	sed -i 's/^#if NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte$/#if defined(NV_FOLLOW_PTE_ARG1_VMA)/' "$k/nvidia/os-mlock.c"
	st=$(state_of "$k" 0100-follow-pfn)
	[ "$st" = fixed-natively ] && pass "follow_pte() under a conftest macro that is no export check: 0100 is fixed-natively" ||
		fail "follow_pte() under NV_FOLLOW_PTE_ARG1_VMA: 0100 is '$st', want fixed-natively"
fi
