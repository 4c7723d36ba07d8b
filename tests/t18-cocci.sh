#!/bin/sh
# SPDX-License-Identifier: MIT
# Semantic patches (patches/*/*.cocci, "Semantic patches" in docs/DESIGN.md):
# each rule rewrites the old API by its shape.
#  1. spatch missing or failing: apply exits 9 naming the package or
#     quoting spatch, the tree unchanged.
#  2. On every fixture the result equals the diffs' result (the .cocci files
#     removed), but for the generated patches kept in the layer; status says
#     applied, a second apply has nothing to do.
#  3. A reformatted copy of the 550.54.16 fixture (other spacing, a line
#     break inside the call, #if/#else, another file and function) that no
#     diff of the topic applies to: each rule rewrites every site, exactly as
#     written in expect/; no residue; idempotent.
#  4. The same sites with the rule's .cocci deleted: apply exits 5, residue
#     naming the topic (the static diff alone does not cover them).
#  3b/4b. The same for 0004 (.detach_ioas), on the 535.161.05 fixture.
#  4c. The rules for more call sites (GLUE: nvidia.ko's glue and the vGPU
#     interface): per topic, a planted file with the old API reformatted
#     (other spacing, line breaks, variable names, #if) and sites the rule
#     must leave alone comes out exactly as written in the case's "want";
#     status applied, a second apply has nothing to do; a use the rule
#     cannot match, in another file, is still refused by the residue check
#     naming file:line; with the .cocci deleted, the planted uses are
#     residue.  Then the candidate files spatch runs on: those that name
#     an X-Residue ERE that is no call (0001: nv-pci.c alone), and a call
#     split after its name (0101).  0201-0203 plant vfio_device_ops
#     initialisers (aligned, #if inside, other names, ones that have the
#     callback or our macro); 0202's file has a vfio-pci-core ops below
#     mdev ops, whose 0203 line must land after its .ioctl although 0202
#     added lines above it (cocci_gen anchors such hunks).
#  2b. Debian's prepared trees: the same result with and without the
#     semantic patches (but the layer's cocci/).
#  5. NVIDIA's real lines (../shared/real): the windows of vGPU-KVM
#     releases (in our fixtures verbatim, t16) come out rewritten; and on
#     each kernel-open tree 0150/0151 rewrite nv.c, nv-nano-timer.c,
#     os-interface.c and nv-time.h: only the call names change, no residue,
#     idempotent.
#  6. 0156, 0158-0160 (the open glue's unguarded <linux/of_gpio.h> and
#     of_get_named_gpio(), hrtimer_init() + callback, 3-argument
#     pci_resize_resource(), dma_buf_attachment_is_dynamic()), one rule at a
#     time on each kernel-open tree: the state NVIDIA's code calls for
#     (needed, or fixed-natively where NVIDIA's conftest macro handles it);
#     where needed, without the rule's .cocci apply exits 5 naming file:line
#     and the topic, tree unchanged; with it every site is rewritten (only
#     that change), no residue, status applied, idempotent; and the same
#     rules on reformatted sites in another file.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t18
rm -rf "$W"; mkdir -p "$W"
F550=NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm
RULES="0002-eventfd-signal 0006-no-llseek 0150-timer-delete-sync 0151-in-irq"
# Rules tested by their own planted files (4c), not by shapes() below.
GLUE="0003-iommufd-namespace 0100-follow-pfn 0152-dma-map-phys 0005-vgpu-symbols-gpl 0153-strncpy 0200-irqbypass-producer
	0001-iommu-bus-ops 0101-vma-start-write-gpl 0102-vma-flags-bitmap 0103-vma-write-locked
	0201-vfio-match-token-uuid 0202-vfio-region-info-mdev 0203-vfio-region-info-pci-core"
SHARED=${NVC_SHARED:-$TOP/../shared}

# root NAME: a private copy of the package (scripts, compat, patches) in
# $W/NAME, for NVC_ROOT; prints its vgpu-compat.
root() {
	rm -rf "${W:?}/$1"; mkdir -p "$W/$1"
	cp -a "$TOP/scripts" "$TOP/compat" "$TOP/patches" "$W/$1/"
	echo "$W/$1/scripts/vgpu-compat"
}
# code FILE: FILE without comment lines (" * ...", "// ...")
code() { grep -Ev '^[[:space:]]*(\*|/\*|//)' "$1" || true; }

# --- 1. spatch missing -------------------------------------------------------
fixture_copy "$F550" "$W/nospatch"
before=$(tree_sum "$W/nospatch")
check_fails "spatch missing: exit 9 naming the package coccinelle" 9 'spatch.*not installed.*package coccinelle' \
	env NVC_SPATCH="$W/no-such-dir/spatch" "$VC" apply "$W/nospatch/kernel"
[ "$(tree_sum "$W/nospatch")" = "$before" ] && pass "spatch missing: tree byte-identical" ||
	fail "spatch missing: tree changed"

# spatch_fails CASE CHECK MESSAGE ERE: a stand-in spatch that prints
# MESSAGE and exits 1; apply exits 9 with ERE (the check CHECK) and leaves
# the tree byte-identical.
spatch_fails() {
	printf '#!/bin/sh\necho "%s" >&2\nexit 1\n' "$3" >"$W/stand-in-spatch"
	chmod +x "$W/stand-in-spatch"
	check_fails "$1: $2" 9 "$4" env NVC_SPATCH="$W/stand-in-spatch" "$VC" apply "$W/nospatch/kernel"
	[ "$(tree_sum "$W/nospatch")" = "$before" ] && pass "$1: tree byte-identical" || fail "$1: tree changed"
}
# spatch there but failing: exit 9 too.
spatch_fails "spatch failing" "exit 9 quoting its error" \
	"t18: spatch broken on purpose" 'spatch failed.*t18: spatch broken on purpose'
# spatch without the Python library its Python rules need (trixie's
# coccinelle does not depend on libpython): exit 9 naming libpython3-dev.
spatch_fails "spatch without libpython" "exit 9 naming the package libpython3-dev" \
	"Py.find_library: unable to find the Python library [libpython3.13.so returned libpython3.13.so: cannot open shared object file: No such file or directory] ." \
	'spatch cannot load Python.*package libpython3-dev'

if ! command -v spatch >/dev/null 2>&1; then
	skip "spatch is not installed (Debian package coccinelle): no semantic patch to test"
	exit 0
fi
# The tests' spatch memo (tests/lib/spatch-memo): what every other test
# here runs through.  The same tree as spatch itself gives, on a miss and on
# a hit; an input changed by one byte misses; a failing run is not kept.
if [ "${NVC_SPATCH:-}" = "$TOP/tests/lib/spatch-memo" ]; then
	for m in plain miss hit; do fixture_copy "$F550" "$W/memo-$m"; done
	mkdir -p "$W/memo-dir"
	env NVC_SPATCH="$NVC_SPATCH_REAL" "$VC" apply "$W/memo-plain/kernel" >"$W/memo-plain.log" 2>&1 || :
	for m in miss hit; do
		env NVC_SPATCH_MEMO_DIR="$W/memo-dir" NVC_SPATCH_MEMO_LOG="$W/memo-$m.memolog" \
			"$VC" apply "$W/memo-$m/kernel" >"$W/memo-$m.log" 2>&1 || :
	done
	plain=$(tree_sum "$W/memo-plain")
	if [ "$(tree_sum "$W/memo-miss")" = "$plain" ] && [ "$(tree_sum "$W/memo-hit")" = "$plain" ] &&
	   grep -q '^miss ' "$W/memo-miss.memolog" && ! grep -q '^hit ' "$W/memo-miss.memolog" &&
	   grep -q '^hit ' "$W/memo-hit.memolog" && ! grep -q '^miss ' "$W/memo-hit.memolog" &&
	   [ "$(tree_sum "$W/memo-plain")" != "$(tree_sum "$FIXTURES/$F550")" ]; then
		pass "spatch memo: the same tree as spatch itself, on a miss and on a hit"
	else
		fail "spatch memo: trees or hits differ"; head -n 5 "$W"/memo-*.memolog "$W"/memo-*.log || :
	fi
	# one byte more in a candidate file: a miss
	fixture_copy "$F550" "$W/memo-changed"
	grep -rl eventfd_signal "$W/memo-changed/kernel" | head -n 1 | while IFS= read -r f; do echo '/* t18 */' >>"$f"; done
	env NVC_SPATCH_MEMO_DIR="$W/memo-dir" NVC_SPATCH_MEMO_LOG="$W/memo-changed.memolog" \
		"$VC" apply "$W/memo-changed/kernel" >"$W/memo-changed.log" 2>&1 || :
	grep -q '^miss ' "$W/memo-changed.memolog" &&
		pass "spatch memo: a changed input file is not a hit" ||
		fail "spatch memo: a changed input file was answered from the memo"
	# a failing spatch: its exit status comes through, nothing kept
	printf '#!/bin/sh\nexit 3\n' >"$W/memo-fails"; chmod +x "$W/memo-fails"
	n0=$(find "$W/memo-dir" -name 'done' | wc -l)
	env NVC_SPATCH_REAL="$W/memo-fails" NVC_SPATCH_MEMO_DIR="$W/memo-dir" \
		"$NVC_SPATCH" --sp-file "$TOP/patches/0002-eventfd-signal/eventfd-signal.cocci" --in-place "$W/memo-changed.log" && rc=0 || rc=$?
	[ "$rc" = 3 ] && [ "$(find "$W/memo-dir" -name 'done' | wc -l)" = "$n0" ] &&
		pass "spatch memo: a failing spatch's exit status comes through and is not remembered" ||
		fail "spatch memo: failing run gave exit $rc or was remembered"
else
	skip "spatch memo: not in use (NVC_SPATCH set by the caller or NVC_SPATCH_MEMO=0)"
fi

# The user's language: cocci_gen reads diff -rq's "Files A and B differ"
# to find what spatch changed, so it runs diff in the C locale (in German
# it says "Dateien A und B sind verschieden."; nothing would be rewritten).
fixture_copy "$F550" "$W/lang-c"; fixture_copy "$F550" "$W/lang-de"
"$VC" apply "$W/lang-c/kernel" >"$W/lang-c.log" 2>&1 || :
env LANGUAGE=de LANG=C.UTF-8 "$VC" apply "$W/lang-de/kernel" >"$W/lang-de.log" 2>&1 || :
if [ -s "$W/lang-c/kernel/nvidia-vgpu-compat/cocci/0002-eventfd-signal.patch" ] &&
   [ "$(tree_sum "$W/lang-de")" = "$(tree_sum "$W/lang-c")" ]; then
	pass "apply with LANGUAGE=de: the same tree as in the C locale (semantic patches applied)"
else
	fail "apply with LANGUAGE=de: another tree than in the C locale"; tail -n 3 "$W/lang-de.log"
fi

# A byte that is no UTF-8 (a Latin-1 "e" with accent in a comment) in a file
# the rules' Python reads (0004, 0201-0203 read the initialiser's text): read
# as Latin-1, whatever the locale; spatch used to fail (exit 255, apply 9).
fixture_copy "$F550" "$W/latin1"
printf '/* t18: \351t\351 */\n' >>"$W/latin1/kernel/nvidia-vgpu-vfio/vgpu-vfio-mdev.c"
if "$VC" apply "$W/latin1/kernel" >"$W/latin1.log" 2>&1 &&
   grep -q '^ *NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS$' "$W/latin1/kernel/nvidia-vgpu-vfio/vgpu-vfio-mdev.c"; then
	pass "a byte that is no UTF-8 in a file the rules' Python reads: apply rewrites it"
else
	fail "a byte that is no UTF-8 in a candidate file: $(tail -n 1 "$W/latin1.log")"
fi

for t in $RULES $GLUE; do
	set -- "$TOP/patches/$t"/*.cocci
	[ -f "$1" ] && pass "$t has a semantic patch" || fail "$t: no .cocci"
done

# --- 2. fixtures: the diffs' result ------------------------------------------
VS=$(root static)
# The semantic patches of topics that have diffs too; a topic with only a
# semantic patch (0157-0160) keeps it: without it, its sites are residue.
for c in "$W"/static/patches/*/*.cocci; do
	set -- "${c%/*}"/*.patch
	[ ! -f "$1" ] || rm -f "$c"
done
for d in "$FIXTURES"/*; do
	D=${d##*/}; V=${D#NVIDIA-Linux-x86_64-}; V=${V%-vgpu-kvm}
	fixture_copy "$D" "$W/fx-$V/cocci"
	fixture_copy "$D" "$W/fx-$V/static"
	check "$V: apply" "$VC" apply "$W/fx-$V/cocci/kernel"
	NVC_ROOT=$W/static "$VS" apply "$W/fx-$V/static/kernel" >"$W/fx-$V/static.log" 2>&1 ||
		fail "$V: apply with the diffs alone"
	diff -r -x cocci "$W/fx-$V/static" "$W/fx-$V/cocci" >"$W/fx-$V/diff" 2>&1 &&
		pass "$V: same tree as with the diffs alone (but the layer's cocci/)" ||
		{ fail "$V: the semantic patches' result differs from the diffs'"; head -n 20 "$W/fx-$V/diff"; }
	"$VC" status "$W/fx-$V/cocci/kernel" >"$W/fx-$V/status" 2>&1 || true
	for t in $RULES $GLUE; do
		st=$(awk -v t="$t" '$1 == t { print $2 }' "$W/fx-$V/status")
		if [ -f "$W/fx-$V/cocci/kernel/nvidia-vgpu-compat/cocci/$t.patch" ]; then
			[ "$st" = applied ] && pass "$V $t: rewritten by the semantic patch, status applied" ||
				fail "$V $t: generated patch kept, but status says '$st'"
		fi
	done
	grep -q '^residue:' "$W/fx-$V/status" && fail "$V: residue after apply" || pass "$V: no residue after apply"
	before=$(tree_sum "$W/fx-$V/cocci")
	"$VC" apply "$W/fx-$V/cocci/kernel" >"$W/fx-$V/again.log" 2>&1 && grep -q '^nothing to do' "$W/fx-$V/again.log" &&
		[ "$(tree_sum "$W/fx-$V/cocci")" = "$before" ] &&
		pass "$V: second apply has nothing to do" || fail "$V: second apply: $(head -n 1 "$W/fx-$V/again.log")"
done
# The sites of the 550.54.16 fixture, as the diffs rewrite them.
K=$W/fx-550.54.16/cocci/kernel/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c
[ "$(grep -c '^ *nvc_eventfd_signal(trigger);$' "$K")" = 2 ] &&
	pass "0002: both fixture sites call nvc_eventfd_signal(trigger)" || fail "0002: fixture sites"
[ "$(grep -c '^    \.llseek = NVC_NO_LLSEEK,$' "$K")" = 2 ] &&
	pass "0006: both fixture initialisers use NVC_NO_LLSEEK" || fail "0006: fixture sites"

# --- 2b. Debian's trees: the diffs' result -------------------------------------
# Each distinct NVIDIA version that tests/setup/nvidia-sources.sh prepared
# (nvidia.ko's sources only: --allow-non-vgpu), applied with and without
# the semantic patches: the same tree but for the layer's cocci/.
nd=0
for v in $(nvidia_versions); do
	src=$(nvidia_src "$v")
	[ -d "$src" ] || continue
	nd=$((nd + 1))
	B=$W/deb-$v
	rm -rf "$B"; mkdir -p "$B"
	cp -a "$src" "$B/cocci"; cp -a "$src" "$B/static"
	check "Debian $v: apply" "$VC" apply --allow-non-vgpu "$B/cocci"
	NVC_ROOT=$W/static "$VS" apply --allow-non-vgpu "$B/static" >"$B/static.log" 2>&1 ||
		fail "Debian $v: apply with the diffs alone"
	gen=
	for g in "$B"/cocci/nvidia-vgpu-compat/cocci/*.patch; do
		[ ! -f "$g" ] || { g=${g##*/}; gen="$gen ${g%.patch}"; }
	done
	diff -r -x cocci "$B/static" "$B/cocci" >"$B.diff" 2>&1 &&
		pass "Debian $v: same tree as with the diffs alone (semantic patches that rewrote:${gen:- none})" ||
		{ fail "Debian $v: the semantic patches' result differs from the diffs'"; head -n 20 "$B.diff"; }
	rm -rf "$B"
done
[ "$nd" -gt 0 ] || skip "Debian trees: none prepared (tests/setup/nvidia-sources.sh)"

# --- 3. reformatted sites ----------------------------------------------------
# shapes KDIR: the old APIs in another file and function, in shapes no diff
# of ours knows; and the 550.54.16 sites of 0002 and 0006 reformatted.
shapes() {
	cat >"$1/nvidia-vgpu-vfio/nvc-t18-shapes.c" <<'EOF'
/* t18: old kernel APIs in shapes the diffs do not know */
static void t18_other_function(struct t18_dev *d, struct eventfd_ctx *ctx)
{
#if defined(T18_SOMETHING)
    eventfd_signal( ctx ,1 );
#else
    eventfd_signal(d->trigger,
                   1);
#endif
    if (in_irq ( ))
        return;
    del_timer_sync (
        &d->timer);
    del_timer_sync(&d->other_timer);
    d->busy = in_irq() ? 1 : 0;
}

static const struct file_operations t18_fops = {
	.owner		= THIS_MODULE,
	.llseek		=	no_llseek,
	.read		= t18_read
};

static void t18_setup(struct file_operations *fo)
{
	fo->llseek = no_llseek;
}
EOF
}
cat >"$W/expect.c" <<'EOF'
/* t18: old kernel APIs in shapes the diffs do not know */
static void t18_other_function(struct t18_dev *d, struct eventfd_ctx *ctx)
{
#if defined(T18_SOMETHING)
    nvc_eventfd_signal(ctx);
#else
    nvc_eventfd_signal(d->trigger);
#endif
    if (nvc_in_hardirq ( ))
        return;
    nvc_timer_delete_sync (
        &d->timer);
    nvc_timer_delete_sync(&d->other_timer);
    d->busy = nvc_in_hardirq() ? 1 : 0;
}

static const struct file_operations t18_fops = {
	.owner		= THIS_MODULE,
	.llseek		=	NVC_NO_LLSEEK,
	.read		= t18_read
};

static void t18_setup(struct file_operations *fo)
{
	fo->llseek = NVC_NO_LLSEEK;
}
EOF
reformat() { # reformat KDIR: the fixture's own 0002 and 0006 sites, respaced
	awk '!a && /^        eventfd_signal\(trigger, 1\);$/ { print "        eventfd_signal (trigger,"; print "                        1);"; a = 1; next }
	     !b && /^    \.llseek = no_llseek,$/ { print "    .llseek\t\t= no_llseek,"; b = 1; next }
	     { print }' "$1/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c" >"$W/reformat.c" &&
	cat "$W/reformat.c" >"$1/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c"
}
fixture_copy "$F550" "$W/shapes"
S=$W/shapes/kernel
shapes "$S"; reformat "$S"
for t in $RULES; do
	ok=1
	for p in "$TOP/patches/$t"/*.patch; do
		patch -d "$S" -p2 -N --dry-run --fuzz=0 -s -i "$p" >/dev/null 2>&1 && ok=0
	done
	[ $ok = 1 ] && pass "$t: no diff of the topic applies to the reformatted tree" ||
		fail "$t: a diff applies to the reformatted tree (the test would not test the semantic patch)"
done
cp -a "$W/shapes" "$W/shapes.orig"
check "reformatted: apply" "$VC" apply "$S"
X=$S/nvidia-vgpu-vfio/nvc-t18-shapes.c
cmp -s "$W/expect.c" "$X" && pass "reformatted: another file rewritten exactly as expected" ||
	{ fail "reformatted: another file"; diff "$W/expect.c" "$X" | head -n 20; }
V=$S/nvidia-vgpu-vfio/nvidia-vgpu-vfio.c
# Per rule: TOPIC@old API (none may be left in code)@new call@how many
for spec in "0002-eventfd-signal@(^|[^_[:alnum:]])eventfd_signal[[:space:]]*\(@nvc_eventfd_signal\(@4" \
	"0006-no-llseek@(^|[^_[:alnum:]])no_llseek([^_[:alnum:]]|$)@NVC_NO_LLSEEK@4" \
	"0150-timer-delete-sync@(^|[^_[:alnum:]])del_timer_sync[[:space:]]*\(@nvc_timer_delete_sync[[:space:]]*\(@2" \
	"0151-in-irq@(^|[^_[:alnum:]])in_irq[[:space:]]*\(@nvc_in_hardirq[[:space:]]*\(@2"; do
	t=${spec%%@*}; r=${spec#*@}; old=${r%%@*}; r=${r#*@}; new=${r%%@*}; n=${r#*@}
	left=$( { code "$V"; code "$X"; } | grep -cE "$old" || true)
	got=$( { code "$V"; code "$X"; } | grep -oE "$new" | wc -l | tr -d ' ')
	[ "$left" = 0 ] && [ "$got" = "$n" ] && pass "$t: every reformatted site rewritten ($n)" ||
		fail "$t: $left old site(s) left, $got of $n rewritten"
done
grep -q '^        nvc_eventfd_signal(trigger);$' "$V" && pass "0002: the call broken over two lines becomes one call" ||
	fail "0002: the call broken over two lines"
grep -q '^    \.llseek		= NVC_NO_LLSEEK,$' "$V" && pass "0006: the respaced entry keeps its spacing" ||
	fail "0006: the respaced entry"
"$VC" status "$S" >"$W/shapes.status" 2>&1 || true
grep -q '^residue:' "$W/shapes.status" && { fail "reformatted: residue"; cat "$W/shapes.status"; } ||
	pass "reformatted: no residue"
for t in $RULES; do
	[ "$(awk -v t="$t" '$1 == t { print $2 }' "$W/shapes.status")" = applied ] &&
		pass "reformatted $t: status applied" || fail "reformatted $t: status $(grep "^$t " "$W/shapes.status")"
done
before=$(tree_sum "$W/shapes")
"$VC" apply "$S" >"$W/shapes.again" 2>&1 && grep -q '^nothing to do' "$W/shapes.again" &&
	[ "$(tree_sum "$W/shapes")" = "$before" ] &&
	pass "reformatted: second apply has nothing to do" || fail "reformatted: second apply: $(head -n 1 "$W/shapes.again")"

# --- 4. without the .cocci ----------------------------------------------------
# The other file's sites only (the fixture's own are what the diffs know).
for t in $RULES; do
	VD=$(root "del-$t")
	rm -f "$W/del-$t/patches/$t"/*.cocci
	fixture_copy "$F550" "$W/del"
	shapes "$W/del/kernel"
	before=$(tree_sum "$W/del")
	NVC_ROOT=$W/del-$t "$VD" apply "$W/del/kernel" >"$W/del.log" 2>&1 && rc=0 || rc=$?
	[ "$(tree_sum "$W/del")" = "$before" ] || rc="$rc (tree changed)"
	if [ "$rc" = 5 ] && grep -Eq "^nvidia-vgpu-vfio/nvc-t18-shapes.c:[0-9]+: topic $t: (old API|'[^']*' without)" "$W/del.log"; then
		pass "$t: its .cocci deleted: apply exits 5 by residue naming $t"
	else
		fail "$t: its .cocci deleted: apply exits $rc"; sed 's/^/    | /' "$W/del.log" | tail -n 6
	fi
done

# --- 3b/4b. 0004: .detach_ioas for vfio_device_ops initialisers ----------------
# On 535.161.05 (which needs 0004): the mdev initialiser's entries aligned
# with tabs instead of spaces, and another file with two more initialisers
# (#if inside, another variable name) and one that has its .detach_ioas.
F535=NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm
ops() { # ops KDIR: re-align the mdev ops, and ops_file
	awk '/^    \.(bind_iommufd|unbind_iommufd|attach_ioas) *= /{ sub(/ *= /, "\t\t= ") } { print }' \
		"$1/nvidia-vgpu-vfio/vgpu-vfio-mdev.c" >"$W/ops.c" && cat "$W/ops.c" >"$1/nvidia-vgpu-vfio/vgpu-vfio-mdev.c"
	ops_file "$1"
}
ops_file() { # ops_file KDIR: the other file's initialisers
	cat >"$1/nvidia-vgpu-vfio/nvc-t18-ops.c" <<'EOF2'
/* t18: vfio_device_ops initialisers in other shapes */
static const struct vfio_device_ops t18_emulated_ops = {
	.name		= "t18",
#if defined(T18_IOMMUFD)
	.bind_iommufd	= vfio_iommufd_emulated_bind,
	.attach_ioas	= vfio_iommufd_emulated_attach_ioas,
#endif
	.read		= t18_read,
};

static struct vfio_device_ops t18_physical_ops = { .attach_ioas = vfio_iommufd_physical_attach_ioas,
	.bind_iommufd = vfio_iommufd_physical_bind };

static const struct vfio_device_ops t18_done_ops = {
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};
EOF2
}
fixture_copy "$F535" "$W/ops"
O=$W/ops/kernel
ops "$O"
ok=1
for p in "$TOP/patches/0004-vfio-detach-ioas"/*.patch; do
	patch -d "$O" -p2 -N --dry-run --fuzz=0 -s -i "$p" >/dev/null 2>&1 && ok=0
done
[ $ok = 1 ] && pass "0004: no diff of the topic applies to the re-aligned tree" ||
	fail "0004: a diff applies to the re-aligned tree (the test would not test the semantic patch)"
check "0004 re-aligned: apply" "$VC" apply "$O"
[ "$(grep -c '^    NVC_VFIO_EMULATED_DETACH_IOAS$' "$O/nvidia-vgpu-vfio/vgpu-vfio-mdev.c")" = 1 ] &&
	[ "$(grep -B1 '^    NVC_VFIO_EMULATED_DETACH_IOAS$' "$O/nvidia-vgpu-vfio/vgpu-vfio-mdev.c" | head -n 1)" = "$(printf '    .attach_ioas\t\t= vfio_iommufd_emulated_attach_ioas,')" ] &&
	[ "$(grep -c '^    NVC_VFIO_PHYSICAL_DETACH_IOAS$' "$O/nvidia-vgpu-vfio/vgpu-vfio-pci-core.c")" = 1 ] &&
	pass "0004: the re-aligned mdev ops and the pci-core ops get their detach macro after .attach_ioas" ||
	fail "0004: fixture sites"
X=$O/nvidia-vgpu-vfio/nvc-t18-ops.c
awk '/^static/ { s = $0 } /NVC_VFIO_(EMULATED|PHYSICAL)_DETACH_IOAS/ { print s " / " $0 }' "$X" >"$W/ops.got"
printf '%s\n' 'static const struct vfio_device_ops t18_emulated_ops = { / 	NVC_VFIO_EMULATED_DETACH_IOAS' \
	'static struct vfio_device_ops t18_physical_ops = { .attach_ioas = vfio_iommufd_physical_attach_ioas, / 	NVC_VFIO_PHYSICAL_DETACH_IOAS' >"$W/ops.want"
cmp -s "$W/ops.want" "$W/ops.got" &&
	pass "0004: another file: the #if'd and the one-line initialiser get theirs, the one with .detach_ioas nothing" ||
	{ fail "0004: another file"; cat "$X"; }
"$VC" status "$O" >"$W/ops.status" 2>&1 || true
grep -q '^residue:' "$W/ops.status" && { fail "0004 re-aligned: residue"; cat "$W/ops.status"; } || pass "0004 re-aligned: no residue"
[ "$(awk '$1 == "0004-vfio-detach-ioas" { print $2 }' "$W/ops.status")" = applied ] &&
	pass "0004 re-aligned: status applied" || fail "0004 re-aligned: status $(grep '^0004' "$W/ops.status")"
before=$(tree_sum "$W/ops")
"$VC" apply "$O" >"$W/ops.again" 2>&1 && grep -q '^nothing to do' "$W/ops.again" &&
	[ "$(tree_sum "$W/ops")" = "$before" ] &&
	pass "0004 re-aligned: second apply has nothing to do (no second macro)" || fail "0004 re-aligned: second apply: $(head -n 1 "$W/ops.again")"
VD=$(root del-0004)
rm -f "$W"/del-0004/patches/0004-*/*.cocci
fixture_copy "$F535" "$W/del"
ops_file "$W/del/kernel"
before=$(tree_sum "$W/del")
NVC_ROOT=$W/del-0004 "$VD" apply "$W/del/kernel" >"$W/del.log" 2>&1 && rc=0 || rc=$?
[ "$(tree_sum "$W/del")" = "$before" ] || rc="$rc (tree changed)"
if [ "$rc" = 5 ] && grep -Eq "^nvidia-vgpu-vfio/nvc-t18-ops.c:[0-9]+: topic 0004-vfio-detach-ioas: '[^']*' without '.detach_ioas'" "$W/del.log"; then
	pass "0004: its .cocci deleted: apply exits 5 by residue in the other file naming 0004"
else
	fail "0004: its .cocci deleted: apply exits $rc"; sed 's/^/    | /' "$W/del.log" | tail -n 6
fi

# --- 4c. more call sites: the GLUE rules ----------------------------------------
# glue_case TOPIC: F, the file planted on the 550.54.16 fixture with the old
# API in other shapes and sites the rule must leave alone ($W/glue.in);
# what the rule must make of it ($W/glue.want); M, another file with a use
# the rule cannot match ($W/glue.miss), on the line holding MP.
# nosemi_miss WHAT LINE: $W/glue.miss, LINE (a file-scope macro use) between
# two declarations without its semicolon, which spatch does not parse as one.
nosemi_miss() {
	printf '/* t18: %s without its semicolon, which spatch does not parse as one */\nint t18_a;\n%s\n\nint t18_b(void) { return 0; }\n' \
		"$1" "$2" >"$W/glue.miss"
}
glue_case() {
	case $1 in
	0003-*)
		F=nvidia-vgpu-vfio/nvc-t18-ns.c M=nvidia-vgpu-vfio/nvc-t18-ns-nosemi.c MP='MODULE_IMPORT_NS('
		cat >"$W/glue.in" <<'EOF2'
/* t18: the namespace imports in other shapes */
MODULE_LICENSE( "Dual MIT/GPL" );
MODULE_VERSION(NV_VERSION_STRING);
#if defined(T18_IOMMUFD)
MODULE_IMPORT_NS( IOMMUFD ) ;
#endif
MODULE_IMPORT_NS(DMA_BUF);

/* Left alone: MODULE_IMPORT_NS(IOMMUFD) in a comment, a string import. */
MODULE_IMPORT_NS("T18_NS");
EOF2
		sed -e '5s/.*/NVC_MODULE_IMPORT_NS(IOMMUFD);/' \
		    -e '7s/.*/NVC_MODULE_IMPORT_NS(DMA_BUF);/' "$W/glue.in" >"$W/glue.want"
		nosemi_miss "an import" 'MODULE_IMPORT_NS(IOMMUFD)'
		;;
	0100-*)
		F=nvidia/nvc-t18-pfn.c M=nvidia/nvc-t18-pfn-unparsed.c MP='follow_pfn('
		cat >"$W/glue.in" <<'EOF2'
/* t18: follow_pfn() and the driver's -1 stub in other shapes */
static inline int nv_follow_flavors(struct vm_area_struct *v,
    unsigned long a, unsigned long *p)
{
#if defined(T18_FOLLOW_PTE)
    if (t18_follow_pte(v, a, p) == 0)
        return 0;
#endif
    return -1;
}

static int t18_lookup(struct vm_area_struct *vma, unsigned long addr, unsigned long *out)
{
    int ret;
#ifdef NV_FOLLOW_PFN_PRESENT
    ret = follow_pfn(vma, addr, out);
#else
    ret = follow_pfn (vma,
                      addr, out);
#endif
    return ret;
}

/*
 * Left alone: follow_pfn(vma, addr, pfn) in a comment, the -1 of another
 * function, and follow_pfn() where the driver's conftest found it.
 */
static int t18_other(unsigned long *pfn)
{
#if defined(NV_FOLLOW_PFN_PRESENT) && defined(CONFIG_MMU)
    if (follow_pfn(NULL, 0, pfn) == 0)
        return 0;
#endif
    return -1;
}

/* Which branch holds only where the driver's conftest found follow_pfn()? */
static int t18_branches(struct vm_area_struct *vma, unsigned long addr, unsigned long *out)
{
#if defined(T18_X)
    return follow_pfn(vma, addr, out); /* rewrite */
#elif defined(NV_FOLLOW_PFN_PRESENT) // native
    return follow_pfn(vma, addr, out); /* keep */
#else
    return follow_pfn(vma, addr, out); /* rewrite */
#endif
#ifndef NV_FOLLOW_PFN_PRESENT
    return follow_pfn(vma, addr, out); /* rewrite */
#else
    return follow_pfn(vma, addr, out); /* keep */
#endif
#if !defined(NV_FOLLOW_PFN_PRESENT)
    return -2;
#elif defined(T18_Y)
    return follow_pfn(vma, addr, out); /* keep */
#endif
#if defined(NV_FOLLOW_PFN_PRESENT) || defined(T18_Z)
    return follow_pfn(vma, addr, out); /* rewrite */
#endif
#if defined(NV_FOLLOW_PFN_PRESENT) && defined(T18_Z)
#if defined(T18_W)
    return follow_pfn(vma, addr, out); /* keep */
#endif
#endif
    return 0;
}
EOF2
		sed -e '9s/return -1;/return nvc_follow_pfn(v, a, p);/' \
		    -e '18s/follow_pfn (vma,/nvc_follow_pfn (vma,/' \
		    -e '/rewrite \*\/$/s/return follow_pfn(/return nvc_follow_pfn(/' "$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: a call in code spatch cannot parse (no ";" after it) */
static int t18_unparsed(struct vm_area_struct *vma, unsigned long *pfn)
{
    return follow_pfn(vma, vma->vm_start, pfn)
}
EOF2
		;;
	0152-*)
		F=nvidia/nvc-t18-dma.c M=nvidia/nvc-t18-dma-call.c MP='->map_resource('
		cat >"$W/glue.in" <<'EOF2'
/* t18: the DMA ops test in other shapes */
static NvBool t18_can_map(struct device *dev, const struct dma_map_ops *dma_ops)
{
#if defined(T18_GET_DMA_OPS)
    if (get_dma_ops(dev)->map_resource
            == NULL)
        return NV_FALSE;
#else
    if (!dma_ops->map_resource) return NV_FALSE;
#endif
	return(dma_ops->map_resource!=NULL);
}

/*
 * Left alone: "ops->map_resource != NULL" in a comment, another member,
 * the driver's and the kernel's functions of that name.
 */
static NvBool t18_other(struct device *dev, const struct dma_map_ops *ops)
{
    if (ops->map_page != NULL && nv_dma_use_map_resource(dev))
        return dma_map_resource(dev, 0, 4096, DMA_BIDIRECTIONAL, 0) != 0;
    return NV_FALSE;
}
EOF2
		sed -e '5,6c\    if (!nvc_dma_ops_can_map_resource(get_dma_ops(dev)))' \
		    -e 's/^    if (!dma_ops->map_resource)/    if (!nvc_dma_ops_can_map_resource(dma_ops))/' \
		    -e 's/^	return(dma_ops->map_resource!=NULL);/	return nvc_dma_ops_can_map_resource(dma_ops);/' \
			"$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: a call through the member is no test the rule rewrites */
static dma_addr_t t18_map(const struct dma_map_ops *o, struct device *d, phys_addr_t p)
{
    return o->map_resource(d, p, 4096, DMA_BIDIRECTIONAL, 0);
}
EOF2
		;;
	0005-*)
		F=nvidia/nvc-t18-export.c M=nvidia/nvc-t18-export-nosemi.c MP='EXPORT_SYMBOL('
		cat >"$W/glue.in" <<'EOF2'
/* t18: the vGPU interface's exports in other shapes */
NV_STATUS nvidia_vgpu_vfio_set_ops(vgpu_vfio_ops_t *ops)
{
    return NV_OK;
}
EXPORT_SYMBOL( nvidia_vgpu_vfio_set_ops );

#if defined(T18_VGPU)
NV_STATUS nvidia_vgpu_vfio_get_ops(rm_vgpu_vfio_ops_t *ops)
{
    return NV_OK;
}
EXPORT_SYMBOL (nvidia_vgpu_vfio_get_ops)  ;
#endif

/* Left alone: other exports, and an export that is GPL-only already. */
int t18_other(void) { return 0; }
EXPORT_SYMBOL(t18_other);
EXPORT_SYMBOL_GPL(nvidia_vgpu_vfio_probe);
EOF2
		sed -e 's/^EXPORT_SYMBOL( nvidia_vgpu_vfio_set_ops );$/NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(nvidia_vgpu_vfio_set_ops);/' \
		    -e 's/^EXPORT_SYMBOL (nvidia_vgpu_vfio_get_ops)  ;$/NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(nvidia_vgpu_vfio_get_ops);/' \
			"$W/glue.in" >"$W/glue.want"
		nosemi_miss "an export" 'EXPORT_SYMBOL(nvidia_vgpu_vfio_get_ops)'
		;;
	0153-*)
		F=nvidia/nvc-t18-strncpy.c M=nvidia/nvc-t18-strncpy-decl.c MP='extern char'
		cat >"$W/glue.in" <<'EOF2'
/* t18: strncpy() in other shapes */
static char *t18_copy(char *to, const char *from, size_t n, char *p)
{
#if defined(T18_STRNCPY)
    strncpy (to,
             from, n - 1);
#else
    p = strncpy(to, from,n);
#endif
    to[n - 1] = '\0';
    return strncpy(to, from, n);
}

/* Left alone: strncpy in a comment and in a string, other copies. */
static void t18_other(char *to, const char *from, size_t n)
{
    strscpy(to, from, n);
    strncpy_from_user(to, (const char __user *)from, n);
    pr_debug("strncpy(%s)\n", to);
}
EOF2
		sed -E 's/(^|[^_[:alnum:]])strncpy( ?\((to|dest))/\1nvc_strncpy\2/' "$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: a declaration of strncpy() is no call the rule rewrites */
extern char *strncpy(char *dest, const char *src, __kernel_size_t count);
EOF2
		;;
	0200-*)
		F=nvidia-vgpu-vfio/nvc-t18-irqbypass.c M=nvidia-vgpu-vfio/nvc-t18-irqbypass-bare.c MP='= irq_bypass_register_producer('
		cat >"$W/glue.in" <<'EOF2'
/* t18: IRQ bypass producers registered in other shapes */
static int t18_register(struct t18_vec *v, struct eventfd_ctx *ctx, int host_irq)
{
    int err;

    v->bypass.irq   = host_irq;
    v->bypass.token = ctx;
    err = irq_bypass_register_producer(
              &v->bypass);
    if (err) {
        pr_info("t18: %d\n", err);
        v->bypass.token = NULL;
    }
    return err;
}

static int t18_register_ptr(struct irq_bypass_producer *prod, void *tok, unsigned int line)
{
    int rc;
#if defined(T18_BYPASS)
    prod->token = tok;
    prod->irq = line;
    rc = irq_bypass_register_producer(prod);
    if (unlikely(rc)) {
        pr_info("t18: %d\n", rc);
        prod->token = NULL;
    }
#else
    rc = 0;
#endif
    return rc;
}

/* Left alone: unregistration, and a producer's token read. */
static void t18_unregister(struct irq_bypass_producer *prod)
{
    if (prod->token != NULL)
        irq_bypass_unregister_producer(prod);
}
EOF2
		awk '/^    v->bypass\.irq   = host_irq;$/ { next }
		     /^    v->bypass\.token = ctx;$/ { next }
		     /^    err = irq_bypass_register_producer\($/ { print "    err = nvc_irq_bypass_register_producer(&v->bypass, ctx, host_irq);"; getline; next }
		     /^    prod->(token = tok|irq = line);$/ { next }
		     /^    rc = irq_bypass_register_producer\(prod\);$/ { print "    rc = nvc_irq_bypass_register_producer(prod, tok, line);"; next }
		     /^        (v->bypass\.|prod->)token = NULL;$/ { next }
		     { print }' "$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: a registration whose token is not set right before it: the
   eventfd is not known here, so the rule cannot rewrite it */
static int t18_bare(struct irq_bypass_producer *producer)
{
    int ret;

    ret = irq_bypass_register_producer(producer);
    return ret;
}
EOF2
		;;
	0001-*)
		F=nvidia/nvc-t18-iommu.c M=nvidia/nvc-t18-iommu-ops.c MP='bus->iommu_ops'
		cat >"$W/glue.in" <<'EOF2'
/* t18: the test of the bus's IOMMU ops in other shapes */
static int t18_iommu(struct pci_dev *pdev, struct device *dev, struct nv_t18 *t)
{
#if defined(T18_IOMMU)
    if (!pdev->dev.bus->iommu_ops)
        return 1;
#else
    if (NULL == dev->bus->iommu_ops) return 2;
#endif
    if (t->pci_dev->dev.bus->iommu_ops
            != NULL && t->sriov)
        return 3;
    return to_pci_dev(dev)->dev.bus->iommu_ops == NULL;
}

/*
 * Left alone: "pdev->dev.bus->iommu_ops == NULL" in a comment, another
 * member of the bus, the driver's own helper.
 */
static int t18_other(struct pci_dev *pdev)
{
    if (pdev->dev.bus->dma_configure != NULL && nv_iommu_present(pdev))
        return pdev->dev.bus != NULL;
    return 0;
}
EOF2
		sed -e 's/^    if (!pdev->dev\.bus->iommu_ops)$/    if (!nvc_dev_iommu_present(\&pdev->dev))/' \
		    -e 's/^    if (NULL == dev->bus->iommu_ops) return 2;$/    if (!nvc_dev_iommu_present(dev)) return 2;/' \
		    -e '10,11c\    if (nvc_dev_iommu_present(\&t->pci_dev->dev) \&\& t->sriov)' \
		    -e 's/^    return to_pci_dev(dev)->dev\.bus->iommu_ops == NULL;$/    return !nvc_dev_iommu_present(\&to_pci_dev(dev)->dev);/' \
			"$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: the ops read for another use is no test the rule rewrites */
static const void *t18_ops(struct pci_dev *pdev)
{
    return pdev->dev.bus->iommu_ops;
}
EOF2
		;;
	0101-*)
		F=nvidia/nvc-t18-vmflags.c M=nvidia/nvc-t18-vmflags-decl.c MP='extern void'
		cat >"$W/glue.in" <<'EOF2'
/* t18: vm_flags_set() and vm_flags_clear() in other shapes */
static void t18_mmap_flags(struct vm_area_struct *area, unsigned long extra)
{
#if defined(T18_CONST_VM_FLAGS)
    vm_flags_set (area,
                  VM_IO | VM_PFNMAP | extra);
#else
    vm_flags_clear(area,VM_MAYWRITE);
#endif
    if (extra)
        vm_flags_set(area, VM_DONTDUMP);
}

/* Left alone: NVIDIA's wrappers, vm_flags_set in a comment and a string. */
static void t18_other(struct vm_area_struct *vma)
{
    nv_vm_flags_set(vma, VM_MIXEDMAP);
    nv_vm_flags_clear(vma, VM_WRITE);
    pr_debug("vm_flags_set(%d)\n", 1);
}
EOF2
		sed -E 's/(^|[^_[:alnum:]])vm_flags_(set|clear)( ?\(area)/\1nvc_vm_flags_\2\3/' "$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: a declaration of vm_flags_set() is no call the rule rewrites */
extern void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags);
EOF2
		;;
	0102-*)
		F=nvidia/nvc-t18-vmflags-word.c M=nvidia/nvc-t18-vmflags-assign.c MP='->vm_flags ='
		cat >"$W/glue.in" <<'EOF2'
/* t18: the flag word written in place, in other shapes */
static void t18_set(struct vm_area_struct *area, unsigned long bits)
{
#if !defined(T18_WORD)
    area->vm_flags|=bits;
#else
    ACCESS_PRIVATE(area, __vm_flags) |=
        bits | VM_IO;
#endif
}

static void t18_clear(struct nv_t18_map *m, unsigned long bits)
{
    m->vma->vm_flags &= ~(bits | VM_WRITE);
    ACCESS_PRIVATE(m->vma,__vm_flags) &= ~bits;
}

/* Left alone: "vma->vm_flags |= bits;" in a comment, reads of the flags,
   ACCESS_PRIVATE() of another member. */
static bool t18_other(struct vm_area_struct *vma)
{
    if ((vma->vm_flags & VM_WRITE) && vma->vm_flags != VM_IO)
        return ACCESS_PRIVATE(vma, __vm_other) != 0;
    return false;
}
EOF2
		sed -e 's/^    area->vm_flags|=bits;$/    nvc_vm_flags_set(area, bits);/' \
		    -e '7,8c\    nvc_vma_flags_set_word(area, bits | VM_IO);' \
		    -e 's/^    m->vma->vm_flags &= ~(bits | VM_WRITE);$/    nvc_vm_flags_clear(m->vma, (bits | VM_WRITE));/' \
		    -e 's/^    ACCESS_PRIVATE(m->vma,__vm_flags) &= ~bits;$/    nvc_vma_flags_clear_word(m->vma, bits);/' \
			"$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: a plain assignment of the flags is no write the rule rewrites */
static void t18_assign(struct vm_area_struct *vma)
{
    vma->vm_flags = VM_IO;
}
EOF2
		;;
	0103-*)
		F=nvidia/nvc-t18-vmalock.c M=nvidia/nvc-t18-vmalock-decl.c MP='extern bool'
		cat >"$W/glue.in" <<'EOF2'
/* t18: the VMA lock internals in other shapes */
static bool t18_lock(struct vm_area_struct *area, unsigned int *seq)
{
    unsigned int bias = VMA_LOCK_OFFSET + 1;
#if defined(T18_LOCKED)
    if (__is_vma_write_locked (area,
                               seq))
        return true;
#else
    if (__is_vma_write_locked(area, seq)) return true;
#endif
    return refcount_add_not_zero(VMA_LOCK_OFFSET,&area->vm_refcnt) && bias;
}

/* Left alone: VMA_LOCK_OFFSET in a comment, 7.0's one-argument form,
   names that contain these. */
static bool t18_other(struct vm_area_struct *vma)
{
    return __is_vma_write_locked(vma) && NV_VMA_LOCK_OFFSET != VMA_LOCK_OFFSET_X;
}
EOF2
		sed -E -e '/^    (unsigned int bias|return refcount)/s/VMA_LOCK_OFFSET/NVC_VMA_LOCK_OFFSET/' \
		    -e 's/__is_vma_write_locked( ?\(area)/nvc_is_vma_write_locked\1/' \
		    -e 's/^( +seq\)\))$/  \1/' "$W/glue.in" >"$W/glue.want"
		cat >"$W/glue.miss" <<'EOF2'
/* t18: a declaration of __is_vma_write_locked() is no call the rule rewrites */
extern bool __is_vma_write_locked(struct vm_area_struct *vma, unsigned int *mm_lock_seq);
EOF2
		;;
	0201-*)
		F=nvidia-vgpu-vfio/nvc-t18-match.c M=nvidia-vgpu-vfio/nvc-t18-match-set.c MP='.match = vfio_pci_core_match;'
		cat >"$W/glue.in" <<'EOF2'
/* t18: vfio-pci-core ops with .match in other shapes */
static const struct vfio_device_ops t18_aligned_ops = {
	.name		= "t18",
	.match		= vfio_pci_core_match,
	.read		= vfio_pci_core_read,
};

static struct vfio_device_ops t18_if_ops = {
    .release = vfio_pci_core_release_dev,
#if defined(T18_MATCH)
    .match =
        vfio_pci_core_match,
#endif
};

static struct vfio_device_ops t18_line_ops = { .match = vfio_pci_core_match,
	.read = vfio_pci_core_read };

/* Left alone: ops with the callback or our macro, another .match. */
static const struct vfio_device_ops t18_done_ops = {
    .match = vfio_pci_core_match,
    .match_token_uuid = vfio_pci_core_match_token_uuid,
};

static const struct vfio_device_ops t18_macro_ops = {
    .match = vfio_pci_core_match,
    NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
};

static const struct vfio_device_ops t18_other_ops = {
    .match = t18_match,
};
EOF2
		cat >"$W/glue.want" <<'EOF2'
/* t18: vfio-pci-core ops with .match in other shapes */
static const struct vfio_device_ops t18_aligned_ops = {
	.name		= "t18",
	.match		= vfio_pci_core_match,
	NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
	.read		= vfio_pci_core_read,
};

static struct vfio_device_ops t18_if_ops = {
    .release = vfio_pci_core_release_dev,
#if defined(T18_MATCH)
    .match =
        vfio_pci_core_match,
        NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
#endif
};

static struct vfio_device_ops t18_line_ops = { .match = vfio_pci_core_match,
	NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
	.read = vfio_pci_core_read };

/* Left alone: ops with the callback or our macro, another .match. */
static const struct vfio_device_ops t18_done_ops = {
    .match = vfio_pci_core_match,
    .match_token_uuid = vfio_pci_core_match_token_uuid,
};

static const struct vfio_device_ops t18_macro_ops = {
    .match = vfio_pci_core_match,
    NVC_VFIO_PCI_CORE_MATCH_TOKEN_UUID
};

static const struct vfio_device_ops t18_other_ops = {
    .match = t18_match,
};
EOF2
		cat >"$W/glue.miss" <<'EOF2'
/* t18: .match set outside an initialiser is no entry the rule extends */
static void t18_setup(struct vfio_device_ops *ops)
{
    ops->name = "t18";
    t18_ops.match = vfio_pci_core_match;
}
EOF2
		;;
	0202-*)
		F=nvidia-vgpu-vfio/nvc-t18-mdev-ops.c M=nvidia-vgpu-vfio/nvc-t18-mdev-ops-set.c MP='.ioctl = t18_ioctl;'
		cat >"$W/glue.in" <<'EOF2'
/* t18: mdev ops with .ioctl in other shapes */
static const struct vfio_device_ops t18_mdev_ops = {
	.name		= "t18-mdev",
	.ioctl		= t18_mdev_ioctl,
	.mmap		= t18_mdev_mmap,
};

static struct vfio_device_ops t18_mdev_if_ops = {
    .read = t18_read,
#if defined(T18_IOCTL)
    .ioctl = t18_ioctl,
#endif
};

/* Left alone: ops with the callback or a macro of ours, and a
   vfio-pci-core driver's ops (0203's, which get 0203's macro). */
static const struct vfio_device_ops t18_caps_ops = {
    .ioctl = t18_ioctl,
#if defined(T18_CAPS)
    .get_region_info_caps = t18_get_region_info,
#endif
};

static const struct vfio_device_ops t18_macro_ops = {
    .ioctl = t18_ioctl,
    NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
};

static const struct vfio_device_ops t18_core_ops = {
    .ioctl = t18_pci_ioctl,
    .read = vfio_pci_core_read,
};
EOF2
		cat >"$W/glue.want" <<'EOF2'
/* t18: mdev ops with .ioctl in other shapes */
static const struct vfio_device_ops t18_mdev_ops = {
	.name		= "t18-mdev",
	.ioctl		= t18_mdev_ioctl,
	NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
	.mmap		= t18_mdev_mmap,
};

static struct vfio_device_ops t18_mdev_if_ops = {
    .read = t18_read,
#if defined(T18_IOCTL)
    .ioctl = t18_ioctl,
    NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
#endif
};

/* Left alone: ops with the callback or a macro of ours, and a
   vfio-pci-core driver's ops (0203's, which get 0203's macro). */
static const struct vfio_device_ops t18_caps_ops = {
    .ioctl = t18_ioctl,
#if defined(T18_CAPS)
    .get_region_info_caps = t18_get_region_info,
#endif
};

static const struct vfio_device_ops t18_macro_ops = {
    .ioctl = t18_ioctl,
    NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
};

static const struct vfio_device_ops t18_core_ops = {
    .ioctl = t18_pci_ioctl,
    NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
    .read = vfio_pci_core_read,
};
EOF2
		cat >"$W/glue.miss" <<'EOF2'
/* t18: .ioctl set outside an initialiser is no entry the rule extends */
static void t18_setup(void)
{
    t18_mdev_ops.ioctl = t18_ioctl;
}
EOF2
		;;
	0203-*)
		F=nvidia-vgpu-vfio/nvc-t18-pci-ops.c M=nvidia-vgpu-vfio/nvc-t18-pci-ops-set.c MP='.ioctl = t18_pci_ioctl;'
		cat >"$W/glue.in" <<'EOF2'
/* t18: vfio-pci-core ops with .ioctl in other shapes */
static const struct vfio_device_ops t18_pci_ops = {
	.release	= vfio_pci_core_release_dev,
	.ioctl		= t18_pci_ioctl,
	.mmap		= vfio_pci_core_mmap,
};

static struct vfio_device_ops t18_pci_if_ops = {
#if defined(T18_IOCTL)
    .ioctl = t18_pci_ioctl,
#endif
    .device_feature = vfio_pci_core_ioctl_feature,
};

/* Left alone: ops with the callback or a macro of ours, an mdev
   driver's ops (0202's, which get 0202's macro). */
static const struct vfio_device_ops t18_pci_caps_ops = {
    .get_region_info_caps = vfio_pci_ioctl_get_region_info,
    .ioctl = t18_pci_ioctl,
    .read = vfio_pci_core_read,
};

static const struct vfio_device_ops t18_pci_macro_ops = {
    .ioctl = t18_pci_ioctl,
    NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
    .read = vfio_pci_core_read,
};

static const struct vfio_device_ops t18_mdev_ops = {
    .ioctl = t18_mdev_ioctl,
};
EOF2
		cat >"$W/glue.want" <<'EOF2'
/* t18: vfio-pci-core ops with .ioctl in other shapes */
static const struct vfio_device_ops t18_pci_ops = {
	.release	= vfio_pci_core_release_dev,
	.ioctl		= t18_pci_ioctl,
	NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
	.mmap		= vfio_pci_core_mmap,
};

static struct vfio_device_ops t18_pci_if_ops = {
#if defined(T18_IOCTL)
    .ioctl = t18_pci_ioctl,
    NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
#endif
    .device_feature = vfio_pci_core_ioctl_feature,
};

/* Left alone: ops with the callback or a macro of ours, an mdev
   driver's ops (0202's, which get 0202's macro). */
static const struct vfio_device_ops t18_pci_caps_ops = {
    .get_region_info_caps = vfio_pci_ioctl_get_region_info,
    .ioctl = t18_pci_ioctl,
    .read = vfio_pci_core_read,
};

static const struct vfio_device_ops t18_pci_macro_ops = {
    .ioctl = t18_pci_ioctl,
    NVC_VFIO_PCI_CORE_GET_REGION_INFO_CAPS
    .read = vfio_pci_core_read,
};

static const struct vfio_device_ops t18_mdev_ops = {
    .ioctl = t18_mdev_ioctl,
    NVC_VFIO_IOCTL_GET_REGION_INFO_CAPS
};
EOF2
		cat >"$W/glue.miss" <<'EOF2'
/* t18: .ioctl set outside an initialiser is no entry the rule extends */
static void t18_setup(void)
{
    t18_pci_ops.ioctl = t18_pci_ioctl;
}
EOF2
		;;
	*) return 1 ;;
	esac
}
for t in $GLUE; do
	glue_case "$t" || { fail "$t: no case in glue_case"; continue; }
	cmp -s "$W/glue.in" "$W/glue.want" && fail "$t: the case expects no change (a broken test)"
	G=$W/glue-$t
	fixture_copy "$F550" "$G"
	cp "$W/glue.in" "$G/kernel/$F"
	check "$t planted: apply" "$VC" apply "$G/kernel"
	cmp -s "$W/glue.want" "$G/kernel/$F" &&
		pass "$t: every reformatted use rewritten, the other sites left alone, exactly as expected" ||
		{ fail "$t: the planted file"; diff "$W/glue.want" "$G/kernel/$F" | head -n 20; }
	"$VC" status "$G/kernel" >"$G.status" 2>&1 || true
	grep -q '^residue:' "$G.status" && { fail "$t planted: residue"; cat "$G.status"; } || pass "$t planted: no residue"
	[ "$(awk -v t="$t" '$1 == t { print $2 }' "$G.status")" = applied ] &&
		pass "$t planted: status applied" || fail "$t planted: status $(grep "^$t " "$G.status")"
	before=$(tree_sum "$G")
	"$VC" apply "$G/kernel" >"$G.again" 2>&1 && grep -q '^nothing to do' "$G.again" &&
		[ "$(tree_sum "$G")" = "$before" ] &&
		pass "$t planted: second apply has nothing to do" || fail "$t planted: second apply: $(head -n 1 "$G.again")"
	# A use the rule cannot match, beside the planted file: residue.
	fixture_copy "$F550" "$G.miss"
	cp "$W/glue.in" "$G.miss/kernel/$F"; cp "$W/glue.miss" "$G.miss/kernel/$M"
	ml=$(grep -nF -- "$MP" "$W/glue.miss" | head -n 1 | cut -d: -f1)
	before=$(tree_sum "$G.miss")
	check_fails "$t: a use the rule cannot match ($M:$ml) is residue: exit 5 naming it" 5 \
		"^$M:$ml: topic $t: (old API|'[^']*' without)" "$VC" apply "$G.miss/kernel"
	[ "$(tree_sum "$G.miss")" = "$before" ] && pass "$t: refused apply left the tree byte-identical" ||
		fail "$t: refused apply changed the tree"
	# Without the .cocci, the planted uses are residue (no diff covers them).
	VD=$(root "del-$t")
	rm -f "$W/del-$t/patches/$t"/*.cocci
	fixture_copy "$F550" "$W/del"
	cp "$W/glue.in" "$W/del/kernel/$F"
	check_fails "$t: its .cocci deleted: apply exits 5 by residue in $F naming $t" 5 \
		"^$F:[0-9]+: topic $t: (old API|'[^']*' without)" env NVC_ROOT="$W/del-$t" "$VD" apply "$W/del/kernel"
done

# Candidate files (cocci_gen): an X-Residue ERE that is no call is looked
# for as it is.  0001's (bus->iommu_ops) names nv-pci.c alone on the
# fixture, not every file that names "bus" (nv.h, nv-linux.h); a call's
# name is looked for as a word (vm_flags_(set|clear), a (a|b) group in it),
# so that a call split over lines is a candidate too.
cat >"$W/log-spatch" <<EOF2
#!/bin/sh
echo "\$*" >>"$W/spatch.args"
exec spatch "\$@"
EOF2
chmod +x "$W/log-spatch"
fixture_copy "$F550" "$W/cand"
printf '%s\n' 'static void t18_split(struct vm_area_struct *vma)' '{' '    vm_flags_clear' '        (vma, VM_WRITE);' '}' \
	>"$W/cand/kernel/nvidia/nvc-t18-split.c"
: >"$W/spatch.args"
check "candidates: apply with a spatch that logs its arguments" \
	env NVC_SPATCH="$W/log-spatch" "$VC" apply "$W/cand/kernel"
args=$(grep -F /0001-iommu-bus-ops/ "$W/spatch.args" | sed 's/.*--timeout 120 //')
[ "$args" = nvidia/nv-pci.c ] && pass "0001: spatch runs on nv-pci.c alone (the files that name bus->iommu_ops)" ||
	fail "0001: spatch ran on: $args"
args=$(grep -F /0101-vma-start-write-gpl/ "$W/spatch.args" | sed 's/.*--timeout 120 //')
[ "$args" = nvidia/nvc-t18-split.c ] && grep -q '^    nvc_vm_flags_clear$' "$W/cand/kernel/nvidia/nvc-t18-split.c" &&
	pass "0101: a call split after its name is a candidate, and rewritten" ||
	fail "0101: spatch ran on: '$args'"

# --- 4d. 0003: an import of another namespace is not the IOMMUFD import ------------
# A file of nvidia-vgpu-vfio with MODULE_LICENSE and a string import of
# another namespace, beside the 535.161.05 fixture (which imports nothing):
# with 0003's .cocci the IOMMUFD import is added there too; without it the
# file is residue (X-Residue-Missing asks for IOMMUFD, not any namespace).
fixture_copy "$F535" "$W/ns"
printf '/* t18: a licence and an import of another namespace only */\nMODULE_LICENSE("Dual MIT/GPL");\nMODULE_IMPORT_NS("DMA_BUF");\n' \
	>"$W/ns/kernel/nvidia-vgpu-vfio/nvc-t18-ns2.c"
cp -a "$W/ns" "$W/ns-del"
if "$VC" apply "$W/ns/kernel" >"$W/ns.log" 2>&1 &&
   [ "$(grep -c 'IOMMUFD' "$W/ns/kernel/nvidia-vgpu-vfio/nvc-t18-ns2.c")" = 1 ] &&
   grep -qx 'NVC_MODULE_IMPORT_NS(IOMMUFD);' "$W/ns/kernel/nvidia-vgpu-vfio/nvc-t18-ns2.c"; then
	pass "0003: a file importing DMA_BUF only gets the IOMMUFD import"
else
	fail "0003: a file importing DMA_BUF only: no IOMMUFD import"; sed 's/^/    | /' "$W/ns.log" | tail -n 6
fi
VD=$(root del-0003)
rm -f "$W"/del-0003/patches/0003-*/*.cocci
before=$(tree_sum "$W/ns-del")
NVC_ROOT=$W/del-0003 "$VD" apply "$W/ns-del/kernel" >"$W/ns-del.log" 2>&1 && rc=0 || rc=$?
[ "$(tree_sum "$W/ns-del")" = "$before" ] || rc="$rc (tree changed)"
if [ "$rc" = 5 ] && grep -Eq "^nvidia-vgpu-vfio/nvc-t18-ns2.c:[0-9]+: topic 0003-iommufd-namespace: 'MODULE_LICENSE\\(' without 'MODULE_IMPORT_NS\\(IOMMUFD\\)' in its block" "$W/ns-del.log"; then
	pass "0003: its .cocci deleted: a file importing DMA_BUF only is residue (exit 5, names 0003: 'MODULE_LICENSE(' without 'MODULE_IMPORT_NS(IOMMUFD)')"
else
	fail "0003: its .cocci deleted, DMA_BUF import only: apply exits $rc"; sed 's/^/    | /' "$W/ns-del.log" | tail -n 6
fi

# --- 5. NVIDIA's real lines ----------------------------------------------------
WINDOWS=$SHARED/real/windows
if [ -d "$WINDOWS" ]; then
	for wd in "$WINDOWS"/*/; do
		V=${wd%/}; V=${V##*/}
		A=$W/fx-$V/cocci/kernel
		if [ ! -d "$A" ]; then skip "windows $V: no fixture of that version"; continue; fi
		# Each block with an eventfd_signal(X, 1) line, so rewritten, must be
		# in the applied fixture (the pristine block is there: t16).
		# shellcheck disable=SC2016 # a Python program
		out=$(python3 -c '
import glob, os, re, sys
wd, applied = sys.argv[1], sys.argv[2]
n = bad = 0
for w in sorted(glob.glob(os.path.join(wd, "kernel", "**", "*.windows"), recursive=True)):
    rel = os.path.relpath(w, os.path.join(wd, "kernel"))[:-len(".windows")]
    blocks, cur = [], None
    for line in open(w).read().split("\n"):
        if line.startswith("@@ "):
            cur = []; blocks.append(cur)
        elif cur is not None:
            cur.append(line)
    text = open(os.path.join(applied, rel)).read() if os.path.exists(os.path.join(applied, rel)) else ""
    for b in blocks:
        while b and b[-1] == "": b.pop()
        if not any(re.search(r"\beventfd_signal\(.*, *1\)", l) for l in b): continue
        n += 1
        want = "\n".join(re.sub(r"\beventfd_signal\((.*), *1\)", r"nvc_eventfd_signal(\1)", l) for l in b)
        if want + "\n" not in text:
            bad += 1; print("not rewritten: %s block %d" % (rel, n), file=sys.stderr)
print(n, bad)' "$wd" "$A")
		n=${out% *}; bad=${out#* }
		if [ "$n" = 0 ]; then skip "windows $V: no eventfd_signal site"
		elif [ "$bad" = 0 ]; then pass "windows $V: NVIDIA's $n eventfd_signal block(s) come out rewritten"
		else fail "windows $V: $bad of $n block(s) not rewritten"; fi
	done
else
	skip "windows: no $WINDOWS (NVIDIA's lines come with ../shared, which a user's clone has not)"
fi

KO=$SHARED/real/kernel-open
set -- "$KO"/kernel-open-*.tar.xz
if [ ! -f "$1" ]; then
	skip "kernel-open: no $KO (NVIDIA's trees come with ../shared, which a user's clone has not)"
	exit 0
fi
# Only the two rules under test (and the layer's hook): these trees have
# other sites no topic covers yet, which the residue check would refuse.
VK=$(root ko)
for p in "$W"/ko/patches/[0-9]*/; do
	case ${p%/} in */0000-compat-layer | */0150-timer-delete-sync | */0151-in-irq) ;; *) rm -rf "$p" ;; esac
done
grep -E '^(0150|0151)-' "$TOP/patches/residue.rules" >"$W/ko/patches/residue.rules" || true
for tb in "$@"; do
	tag=${tb##*/kernel-open-}; tag=${tag%.tar.xz}
	rm -rf "$W/ko-$tag"; mkdir -p "$W/ko-$tag"
	tar -xJf "$tb" -C "$W/ko-$tag"
	P=$(echo "$W/ko-$tag"/*/); P=${P%/}
	cp -a "$P" "$P.orig"
	NVC_ROOT=$W/ko "$VK" status --allow-non-vgpu "$P" >"$W/ko-$tag.before" 2>&1 || true
	need=$(awk '$1 ~ /^015[01]-/ && $2 == "needed" { print $1 }' "$W/ko-$tag.before" | tr '\n' ' ')
	if [ -z "$need" ]; then
		skip "kernel-open $tag: 0150/0151 not needed ($(awk '$1 ~ /^015[01]-/ { printf "%s %s; ", $1, $2 }' "$W/ko-$tag.before"))"
		continue
	fi
	t0=$(date +%s.%N)
	check "kernel-open $tag: apply (${need% })" env NVC_ROOT="$W/ko" "$VK" apply --allow-non-vgpu "$P"
	t1=$(date +%s.%N)
	echo "    kernel-open $tag: apply took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
	# Only the call names change.
	diff -r -x nvidia-vgpu-compat -x Kbuild "$P.orig" "$P" >"$W/ko-$tag.diff" 2>&1 || true
	sed -n 's/^< //p' "$W/ko-$tag.diff" |
		sed -E 's/(^|[^_[:alnum:]])del_timer_sync([[:space:]]*\()/\1nvc_timer_delete_sync\2/g; s/(^|[^_[:alnum:]])in_irq([[:space:]]*\()/\1nvc_in_hardirq\2/g' >"$W/ko-$tag.want"
	sed -n 's/^> //p' "$W/ko-$tag.diff" >"$W/ko-$tag.got"
	n=$(wc -l <"$W/ko-$tag.got" | tr -d ' ')
	[ "$n" -gt 0 ] && cmp -s "$W/ko-$tag.want" "$W/ko-$tag.got" &&
		pass "kernel-open $tag: $n line(s) rewritten, only the call names changed ($(grep -c '^diff ' "$W/ko-$tag.diff") files)" ||
		{ fail "kernel-open $tag: the rewrite"; diff "$W/ko-$tag.want" "$W/ko-$tag.got" | head; }
	for t in $need; do
		case $t in
		0150-*) old='(^|[^_[:alnum:]])del_timer_sync[[:space:]]*\(' ;;
		*) old='(^|[^_[:alnum:]])in_irq[[:space:]]*\([[:space:]]*\)' ;;
		esac
		# shellcheck disable=SC2046 # file names from grep: no spaces
		left=$(cd "$P" && grep -rlE --include='*.[ch]' "$old" common nvidia 2>/dev/null | tr '\n' ' ')
		[ -z "$left" ] && pass "kernel-open $tag $t: no old call left in common/ nvidia/" ||
			fail "kernel-open $tag $t: old calls left in $left"
	done
	NVC_ROOT=$W/ko "$VK" status --allow-non-vgpu "$P" >"$W/ko-$tag.after" 2>&1 || true
	grep -q '^residue:' "$W/ko-$tag.after" && fail "kernel-open $tag: residue after apply" ||
		pass "kernel-open $tag: no residue after apply"
	for t in $need; do
		[ "$(awk -v t="$t" '$1 == t { print $2 }' "$W/ko-$tag.after")" = applied ] &&
			pass "kernel-open $tag $t: status applied" || fail "kernel-open $tag $t: status $(grep "^$t " "$W/ko-$tag.after")"
	done
	before=$(tree_sum "$P")
	NVC_ROOT=$W/ko "$VK" apply --allow-non-vgpu "$P" >"$W/ko-$tag.again" 2>&1 &&
		grep -q '^nothing to do' "$W/ko-$tag.again" && [ "$(tree_sum "$P")" = "$before" ] &&
		pass "kernel-open $tag: second apply has nothing to do" ||
		fail "kernel-open $tag: second apply: $(head -n 1 "$W/ko-$tag.again")"
done

# --- 0157 on NVIDIA's open glue, with every topic ------------------------------
# MODULE_IMPORT_NS(DMA_BUF) in the identifier form (535's nv-frontend.c,
# 550.54.14's nv.c) fails on 6.13+; NVIDIA chooses the form itself from 570
# on (fixed-natively).  With the whole package: apply exits 0 with no
# residue, the import goes through NVC_MODULE_IMPORT_NS(); without 0157's
# semantic patch the residue check refuses the tree, naming file:line.
VN=$(root ko-no0157)
rm -rf "$W/ko-no0157/patches/0157-import-ns-dma-buf"
n0157=0
for tb in "$@"; do
	tag=${tb##*/kernel-open-}; tag=${tag%.tar.xz}
	P=$W/ko-$tag/kernel-open-$tag
	[ -d "$P.orig" ] || { fail "kernel-open $tag: no pristine copy at $P.orig"; continue; }
	F=$W/ko-full-$tag; rm -rf "$F"; cp -a "$P.orig" "$F"
	"$VC" status --allow-non-vgpu "$F" >"$F.before" 2>&1 || true
	st=$(awk '$1 == "0157-import-ns-dma-buf" { print $2 }' "$F.before")
	if [ "$st" != needed ]; then
		pass "kernel-open $tag: 0157 is ${st:-missing} (NVIDIA chooses the form itself)"
		[ "$st" = fixed-natively ] || fail "kernel-open $tag: 0157 state '$st'"
		continue
	fi
	n0157=$((n0157 + 1))
	site=$(cd "$F" && grep -rnE '^[[:space:]]*MODULE_IMPORT_NS\([[:space:]]*DMA_BUF[[:space:]]*\)' nvidia | head -n 1 | cut -d: -f1,2)
	cp -a "$F" "$F.no0157"
	before=$(tree_sum "$F.no0157")
	check_fails "kernel-open $tag without 0157's semantic patch: residue, exit 5, naming $site" 5 \
		"$site: topic 0157-import-ns-dma-buf" env NVC_ROOT="$W/ko-no0157" "$VN" apply --allow-non-vgpu "$F.no0157"
	[ "$(tree_sum "$F.no0157")" = "$before" ] && pass "kernel-open $tag without 0157: tree unchanged" ||
		fail "kernel-open $tag without 0157: tree changed"
	check "kernel-open $tag: apply with every topic" "$VC" apply --allow-non-vgpu "$F"
	"$VC" status --allow-non-vgpu "$F" >"$F.after" 2>&1 || true
	grep -q '^residue:' "$F.after" && fail "kernel-open $tag (every topic): residue after apply" ||
		pass "kernel-open $tag (every topic): no residue after apply"
	f=${site%%:*}
	grep -qE '^[[:space:]]*NVC_MODULE_IMPORT_NS\(DMA_BUF\);' "$F/$f" &&
		! grep -qE '^[[:space:]]*MODULE_IMPORT_NS\([[:space:]]*DMA_BUF' "$F/$f" &&
		pass "kernel-open $tag: $f imports DMA_BUF through NVC_MODULE_IMPORT_NS()" ||
		fail "kernel-open $tag: $f: $(grep -n 'MODULE_IMPORT_NS' "$F/$f" | tr '\n' ' ')"
done
[ "$n0157" -ge 2 ] && pass "0157 was needed and rewritten in $n0157 of NVIDIA's open trees (535.161.07, 550.54.14)" ||
	fail "0157 needed in only $n0157 kernel-open trees, wanted 535.161.07 and 550.54.14"

# --- 6. 0158-0160 on NVIDIA's open glue, one rule at a time ----------------------
# Sites verified on the tarballs: hrtimer_init() + ".function =" in
# nv-nano-timer.c (535.161.07 ... 570.133.20; 580.65.06 and 595.45.04 call
# hrtimer_setup() under NV_IS_EXPORT_SYMBOL_PRESENT_hrtimer_setup);
# pci_resize_resource(pci_dev, NV_GPU_BAR1, requested_size) in nv-pci.c
# (535.161.07 ... 580.65.06; 595.45.04 has both forms under
# NV_PCI_RESIZE_RESOURCE_HAS_EXCLUDE_BARS_ARG); dma_buf_attachment_is_dynamic()
# in nv-dmabuf.c (535.161.07 ... 570.133.20; 580 and 595 test importer_ops).
# 0156: <linux/of_gpio.h> included without a conftest guard in nv-linux.h
# and of_get_named_gpio() in nv-dsi-parse-panel-props.c and nv-gpio.c
# (580.65.06, 595.45.04; 535 to 570 guard the include with
# NV_LINUX_OF_GPIO_H_PRESENT and call nothing).
OPEN_RULES="0156-of-gpio 0158-hrtimer-setup 0159-pci-resize-exclude-bars 0160-dma-buf-attachment-dynamic"
want_open() { # want_open TOPIC TAG: the topic's state in NVIDIA's pristine tree
	case $1:$2 in
	0156-*:535.* | 0156-*:550.* | 0156-*:570.*) echo fixed-natively ;;
	0156-*:580.* | 0156-*:595.*) echo needed ;;
	0158-*:535.* | 0158-*:550.* | 0158-*:570.*) echo needed ;;
	0158-*:580.* | 0158-*:595.*) echo fixed-natively ;;
	0159-*:535.* | 0159-*:550.* | 0159-*:570.* | 0159-*:580.*) echo needed ;;
	0159-*:595.*) echo fixed-natively ;;
	0160-*:535.* | 0160-*:550.* | 0160-*:570.*) echo needed ;;
	0160-*:580.* | 0160-*:595.*) echo fixed-natively ;;
	*) echo unknown ;;
	esac
}
# only_topic DIR TOPIC: keep the layer and TOPIC's directory and TOPIC's
# residue rules (these trees have sites of other topics).
only_topic() {
	for p in "$1"/patches/[0-9]*/; do
		case ${p%/} in */0000-compat-layer | */"$2") ;; *) rm -rf "$p" ;; esac
	done
	grep -E "^$2 " "$TOP/patches/residue.rules" >"$1/patches/residue.rules" || true
}
for t in $OPEN_RULES; do
	case $t in
	0156-*) f=nvidia/nv-dsi-parse-panel-props.c old='(^|[^_[:alnum:]])of_get_named_gpio[[:space:]]*\(' ;;
	0158-*) f=nvidia/nv-nano-timer.c old='(^|[^_[:alnum:]])hrtimer_init[[:space:]]*\(' ;;
	0159-*) f=nvidia/nv-pci.c old='(^|[^_[:alnum:]])pci_resize_resource[[:space:]]*\([^,]*,[^,]*,[^,]*\)' ;;
	*) f=nvidia/nv-dmabuf.c old='(^|[^_[:alnum:]])dma_buf_attachment_is_dynamic[[:space:]]*\(' ;;
	esac
	RW=$(root "ko-$t"); only_topic "$W/ko-$t" "$t"
	RN=$(root "ko-no-$t"); only_topic "$W/ko-no-$t" "$t"; rm -f "$W/ko-no-$t/patches/$t"/*.cocci
	n=0 nw=0
	for tb in "$@"; do
		tag=${tb##*/kernel-open-}; tag=${tag%.tar.xz}
		P=$W/ko-$tag/kernel-open-$tag.orig
		[ -d "$P" ] || { fail "kernel-open $tag: no pristine copy at $P"; continue; }
		want=$(want_open "$t" "$tag")
		A=$W/ko-$t-$tag; rm -rf "$A" "$A.no"; cp -a "$P" "$A"
		st=$(NVC_ROOT=$W/ko-$t "$RW" status --allow-non-vgpu "$A" 2>/dev/null | awk -v t="$t" '$1 == t { print $2 }')
		if [ "$want" = unknown ]; then
			skip "kernel-open $tag: no recorded state of $t for this tag (it says '$st')"; continue
		fi
		[ "$want" = needed ] && nw=$((nw + 1))
		[ "$st" = "$want" ] && pass "kernel-open $tag: $t is $st" ||
			{ fail "kernel-open $tag: $t is '$st', want $want"; continue; }
		[ "$st" = needed ] || continue
		site=$(cd "$A" && grep -nE "$old" "$f" | head -n 1 | cut -d: -f1)
		cp -a "$A" "$A.no"
		before=$(tree_sum "$A.no")
		check_fails "kernel-open $tag without $t's semantic patch: exit 5, residue naming $f:$site" 5 \
			"^$f:$site: topic $t: (old API|'[^']*' without)" env NVC_ROOT="$W/ko-no-$t" "$RN" apply --allow-non-vgpu "$A.no"
		[ "$(tree_sum "$A.no")" = "$before" ] && pass "kernel-open $tag without $t: tree unchanged" ||
			fail "kernel-open $tag without $t: tree changed"
		check "kernel-open $tag: apply with $t" env NVC_ROOT="$W/ko-$t" "$RW" apply --allow-non-vgpu "$A"
		left=$(code "$A/$f" | grep -cE "$old" || true)
		# What changed in $f: the rule's rewrite and nothing else.
		diff -U0 "$P/$f" "$A/$f" >"$A.diff" || true
		sed -n 's/^-\([^-]\)/\1/p' "$A.diff" >"$A.old"
		sed -n 's/^+\([^+]\)/\1/p' "$A.diff" >"$A.got"
		case $t in
		0158-*) # the init line and the callback line become one call
			cb=$(sed -n 's/^.*\.function[[:space:]]*=[[:space:]]*\(.*\);[[:space:]]*$/\1/p' "$A.old")
			sed -n 's/^\([[:space:]]*\)hrtimer_init(\(.*\), *\([^,]*\), *\([^,]*\));[[:space:]]*$/\1nvc_hrtimer_setup(\2, '"$cb"', \3, \4);/p' "$A.old" >"$A.want" ;;
		0159-*) sed -E 's/(^|[^_[:alnum:]])pci_resize_resource([[:space:]]*\()/\1nvc_pci_resize_resource\2/g' "$A.old" >"$A.want" ;;
		0156-*) sed -E 's/(^|[^_[:alnum:]])of_get_named_gpio([[:space:]]*\()/\1nvc_of_get_named_gpio\2/g' "$A.old" >"$A.want" ;;
		*) sed -E 's/(^|[^_[:alnum:]])dma_buf_attachment_is_dynamic([[:space:]]*\()/\1nvc_dma_buf_attachment_is_dynamic\2/g' "$A.old" >"$A.want" ;;
		esac
		if [ "$left" = 0 ] && [ -s "$A.got" ] && cmp -s "$A.want" "$A.got"; then
			n=$((n + 1))
			pass "kernel-open $tag: $t rewrote $f ($(wc -l <"$A.old" | tr -d ' ') line(s) -> $(wc -l <"$A.got" | tr -d ' ')), no old call left"
		else
			fail "kernel-open $tag: $t: $left old call(s) left, or not only the rewrite"; diff "$A.want" "$A.got" | head -n 6
		fi
		# 0156 has sites in three files: the include and every call of the
		# tree, not only those of $f.
		if [ "${t%%-*}" = 0156 ]; then
			grep -qx '#include "nvc-of-gpio.h"' "$A/common/inc/nv-linux.h" &&
				! (cd "$A" && grep -rqE '#[[:space:]]*include[[:space:]]*<linux/of_gpio\.h>|(^|[^_[:alnum:]])of_get_named_gpio[[:space:]]*\(' common nvidia) &&
				pass "kernel-open $tag: 0156 rewrote the include in nv-linux.h and every call (nv-gpio.c's too)" ||
				fail "kernel-open $tag: 0156 left an include or a call"
		fi
		NVC_ROOT=$W/ko-$t "$RW" status --allow-non-vgpu "$A" >"$A.status" 2>&1 || true
		grep -q '^residue:' "$A.status" && fail "kernel-open $tag $t: residue after apply" ||
			pass "kernel-open $tag $t: no residue after apply"
		[ "$(awk -v t="$t" '$1 == t { print $2 }' "$A.status")" = applied ] &&
			pass "kernel-open $tag $t: status applied" || fail "kernel-open $tag $t: status $(grep "^$t " "$A.status")"
		before=$(tree_sum "$A")
		NVC_ROOT=$W/ko-$t "$RW" apply --allow-non-vgpu "$A" >"$A.again" 2>&1 &&
			grep -q '^nothing to do' "$A.again" && [ "$(tree_sum "$A")" = "$before" ] &&
			pass "kernel-open $tag $t: second apply has nothing to do" ||
			fail "kernel-open $tag $t: second apply: $(head -n 1 "$A.again")"
	done
	[ "$n" -gt 0 ] && [ "$n" = "$nw" ] && pass "$t rewrote every kernel-open tree that needs it ($n)" ||
		fail "$t rewrote $n of the $nw kernel-open trees that need it"
done

# The same rules on sites shaped as no NVIDIA tree has them, in another
# file: a pointer timer and a call split over lines; a statement between
# init and callback that does not use the timer (the call goes where the
# callback was set); an #if branch; a 3-argument call broken inside its
# parentheses; a 4-argument call (already the new form: left alone, and no
# residue).  Not two old APIs of different topics on one line: each topic's
# patch is made from the pristine tree without context, so the second one
# to touch a line no longer applies (apply refuses, nothing changed).
tag=535.161.07
P=$W/ko-$tag/kernel-open-$tag.orig
if [ -d "$P" ]; then
	RS=$(root ko-open-shapes)
	for p in "$W"/ko-open-shapes/patches/[0-9]*/; do
		case ${p%/} in */0000-compat-layer | */0158-* | */0159-* | */0160-*) ;; *) rm -rf "$p" ;; esac
	done
	grep -E '^01(58|59|60)-' "$TOP/patches/residue.rules" >"$W/ko-open-shapes/patches/residue.rules"
	S=$W/ko-open-shapes-tree; rm -rf "$S"; cp -a "$P" "$S"
	cat >"$S/nvidia/nvc-t18-open-shapes.c" <<'EOF'
/* t18: the open glue's old APIs in shapes NVIDIA's trees do not have */
static void t18_open_shapes(struct t18_dev *d, struct hrtimer *ht,
                            struct pci_dev *pdev, struct dma_buf_attachment *a)
{
    hrtimer_init (ht,
                  CLOCK_REALTIME, HRTIMER_MODE_ABS);
    ht->function = t18_cb;
#if defined(T18_SOMETHING)
    hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
    d->busy = 0;
    d->timer.function = &t18_cb2;
#else
    d->busy = 1;
#endif
    if (pci_resize_resource( pdev,
                             1, d->size ) == 0 &&
        dma_buf_attachment_is_dynamic (a))
        return;
    d->r = pci_resize_resource(pdev, 1, d->size, 0);
    d->dyn = !dma_buf_attachment_is_dynamic(d->attachments[0]);
}
EOF
	cat >"$W/open-shapes.want" <<'EOF'
/* t18: the open glue's old APIs in shapes NVIDIA's trees do not have */
static void t18_open_shapes(struct t18_dev *d, struct hrtimer *ht,
                            struct pci_dev *pdev, struct dma_buf_attachment *a)
{
    nvc_hrtimer_setup(ht, t18_cb, CLOCK_REALTIME, HRTIMER_MODE_ABS);
#if defined(T18_SOMETHING)
    d->busy = 0;
    nvc_hrtimer_setup(&d->timer, &t18_cb2, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
#else
    d->busy = 1;
#endif
    if (nvc_pci_resize_resource( pdev,
                                1, d->size ) == 0 &&
        nvc_dma_buf_attachment_is_dynamic (a))
        return;
    d->r = pci_resize_resource(pdev, 1, d->size, 0);
    d->dyn = !nvc_dma_buf_attachment_is_dynamic(d->attachments[0]);
}
EOF
	check "open shapes ($tag, another file): apply with 0158-0160" env NVC_ROOT="$W/ko-open-shapes" "$RS" apply --allow-non-vgpu "$S"
	cmp -s "$W/open-shapes.want" "$S/nvidia/nvc-t18-open-shapes.c" &&
		pass "open shapes: every site rewritten as expected, the 4-argument call left alone" ||
		{ fail "open shapes: the other file"; diff "$W/open-shapes.want" "$S/nvidia/nvc-t18-open-shapes.c" | head -n 20; }
	NVC_ROOT=$W/ko-open-shapes "$RS" status --allow-non-vgpu "$S" >"$W/open-shapes.status" 2>&1 || true
	if grep -q '^residue:' "$W/open-shapes.status"; then
		fail "open shapes: residue"; grep -A4 '^residue' "$W/open-shapes.status"
	else
		pass "open shapes: no residue (a 4-argument pci_resize_resource() is none)"
	fi
else
	skip "open shapes: no kernel-open $tag tree"
fi

# 0156 in shapes NVIDIA's trees do not have, in another file of the 580
# tree (535 to 570 guard their include: the topic is fixed natively there,
# and an unguarded use in another file is residue, not rewritten): a
# spaced "#  include" in an #if branch, and a call split over lines.
tag=580.65.06
P=$W/ko-$tag/kernel-open-$tag.orig
if [ -d "$P" ]; then
	RG=$(root ko-gpio-shapes)
	for p in "$W"/ko-gpio-shapes/patches/[0-9]*/; do
		case ${p%/} in */0000-compat-layer | */0156-*) ;; *) rm -rf "$p" ;; esac
	done
	grep -E '^0156-' "$TOP/patches/residue.rules" >"$W/ko-gpio-shapes/patches/residue.rules"
	S=$W/ko-gpio-shapes-tree; rm -rf "$S"; cp -a "$P" "$S"
	printf '%s\n' '/* t18: 0156 in other shapes */' '#if defined(T18_OTHER)' '#  include  <linux/of_gpio.h>' '#endif' \
		'static void t18_gpio_shapes(struct t18_dev *d)' '{' \
		'    d->gpio = of_get_named_gpio (d->np,' '                                 "t18-gpio", d->i + 1);' '}' \
		>"$S/nvidia/nvc-t18-gpio-shapes.c"
	printf '%s\n' '/* t18: 0156 in other shapes */' '#if defined(T18_OTHER)' '#include "nvc-of-gpio.h"' '#endif' \
		'static void t18_gpio_shapes(struct t18_dev *d)' '{' \
		'    d->gpio = nvc_of_get_named_gpio (d->np,' '                                 "t18-gpio", d->i + 1);' '}' \
		>"$W/gpio-shapes.want"
	check "0156 shapes ($tag, another file): apply" env NVC_ROOT="$W/ko-gpio-shapes" "$RG" apply --allow-non-vgpu "$S"
	cmp -s "$W/gpio-shapes.want" "$S/nvidia/nvc-t18-gpio-shapes.c" &&
		pass "0156 shapes: the spaced include in an #if and the split call rewritten" ||
		{ fail "0156 shapes: the other file"; diff "$W/gpio-shapes.want" "$S/nvidia/nvc-t18-gpio-shapes.c" | head -n 12; }
else
	skip "0156 shapes: no kernel-open $tag tree"
fi

# --- 0152 on NVIDIA's open glue ------------------------------------------------
# The map_resource test of nv-dma.c, with 0152 alone (and the layer's hook):
# the semantic patch rewrites it in every tree that has it, 580's too, where
# the line after it differs and the diff is refused; where the diff applies,
# both results are the same tree.
R152=$(root ko-0152); S152=$(root ko-0152-static)
for r in ko-0152 ko-0152-static; do
	for p in "$W/$r"/patches/[0-9]*/; do
		case ${p%/} in */0000-compat-layer | */0152-dma-map-phys) ;; *) rm -rf "$p" ;; esac
	done
	grep -E '^0152-' "$TOP/patches/residue.rules" >"$W/$r/patches/residue.rules" || true
done
rm -f "$W"/ko-0152-static/patches/0152-*/*.cocci
printf '%s\n' '    return (ops->map_resource != NULL);' '    return nvc_dma_ops_can_map_resource(ops);' >"$W/ko152.want"
n152=0 refused=
for tb in "$@"; do
	tag=${tb##*/kernel-open-}; tag=${tag%.tar.xz}
	P=$W/ko-$tag/kernel-open-$tag
	[ -d "$P.orig" ] || { fail "kernel-open $tag: no pristine copy at $P.orig"; continue; }
	C=$W/ko152-$tag
	rm -rf "$C" "$C.static"; cp -a "$P.orig" "$C"; cp -a "$P.orig" "$C.static"
	st=$(NVC_ROOT=$W/ko-0152 "$R152" status --allow-non-vgpu "$C" 2>/dev/null | awk '$1 == "0152-dma-map-phys" { print $2 }')
	if [ "$st" != needed ]; then
		[ "$st" = fixed-natively ] && pass "kernel-open $tag: 0152 is fixed-natively (NVIDIA tests map_phys itself)" ||
			fail "kernel-open $tag: 0152 state '$st'"
		continue
	fi
	n152=$((n152 + 1))
	t0=$(date +%s.%N)
	check "kernel-open $tag: apply with 0152" env NVC_ROOT="$W/ko-0152" "$R152" apply --allow-non-vgpu "$C"
	t1=$(date +%s.%N)
	echo "    kernel-open $tag: apply with 0152 took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
	diff -r -x nvidia-vgpu-compat -x Kbuild "$P.orig" "$C" >"$C.diff" 2>&1 || true
	sed -n 's/^[<>] //p' "$C.diff" >"$C.got"
	[ "$(grep -c '^diff ' "$C.diff")" = 1 ] && grep -q '^diff .*/nvidia/nv-dma.c ' "$C.diff" && cmp -s "$W/ko152.want" "$C.got" &&
		pass "kernel-open $tag: nv-dma.c's map_resource test, and nothing else, becomes nvc_dma_ops_can_map_resource(ops)" ||
		{ fail "kernel-open $tag: 0152's rewrite"; head -n 12 "$C.diff"; }
	if NVC_ROOT=$W/ko-0152-static "$S152" apply --allow-non-vgpu "$C.static" >"$C.static.log" 2>&1; then
		diff -r -x cocci "$C.static" "$C" >/dev/null 2>&1 && pass "kernel-open $tag: the same tree as the diff's" ||
			fail "kernel-open $tag: the semantic patch's tree differs from the diff's"
	else
		refused="$refused $tag"
		grep -q 'patch 0152-dma-map-phys does not apply' "$C.static.log" &&
			pass "kernel-open $tag: the diff alone is refused; the semantic patch rewrites the site" ||
			{ fail "kernel-open $tag: the diff alone fails otherwise"; tail -n 3 "$C.static.log"; }
	fi
	NVC_ROOT=$W/ko-0152 "$R152" status --allow-non-vgpu "$C" >"$C.after" 2>&1 || true
	! grep -q '^residue:' "$C.after" && [ "$(awk '$1 == "0152-dma-map-phys" { print $2 }' "$C.after")" = applied ] &&
		pass "kernel-open $tag: 0152 applied, no residue" || fail "kernel-open $tag: after apply: $(grep -E '^(0152|residue)' "$C.after" | tr '\n' ' ')"
	rm -rf "$C.static"
done
[ "$n152" -ge 5 ] && pass "0152 rewrote $n152 of NVIDIA's open trees (535 to 580; the diff refused:${refused:- none})" ||
	fail "0152 needed in only $n152 kernel-open trees, wanted 535.161.07 to 580.65.06"
case " $refused " in *" 580.65.06 "*) pass "580.65.06, where the diff is refused, is rewritten by the semantic patch" ;;
*) skip "580.65.06: not among the trees where the diff is refused (${refused:-none})" ;; esac
