#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad-input suite (issue 5): faults from outside.
#  - disk full: apply on a tree in a tmpfs with room for the tree but not for
#    the patched files or the compat layer, apply with a full TMPDIR, import
#    into a full prefix and with a full TMPDIR: exit 6, one "disk full?"
#    message, the tree byte-identical, nothing left behind; a --prefix
#    with a name or a depth too long: exit 6 with the system's reason;
#  - SIGKILL in the middle of apply, at every step (deterministic kill
#    points, NVC_TEST_KILL_AFTER) and at random moments (the whole process
#    group): status then says the apply was interrupted (no conflict), and the
#    next apply ends byte-identical to an uninterrupted apply.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mkrun.sh"
W=$NVC_OUT/t12
rm -rf "$W"; mkdir -p "$W/tmp"
SYS_TMP=${TMPDIR:-/tmp}
# Killed runs cannot remove their temporary directories: keep them here.
TMPDIR=$W/tmp; export TMPDIR
# The layer and patches as they are now, for the whole script: a reference
# apply and the interrupted ones must see the same files.
mkdir -p "$W/root"
cp -a "$TOP/compat" "$TOP/patches" "$TOP/scripts" "$TOP/Kbuild" "$TOP/Makefile" "$TOP/dkms.conf" "$W/root/"
NVC_ROOT=$W/root; export NVC_ROOT

V=535.161.05	# the fixture with the most topics to patch
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
PRISTINE=$(tree_sum "$FIXTURES/$D")
fixture_copy "$D" "$W/ref"
"$VC" apply "$W/ref/kernel" >"$W/ref.log" 2>&1
REF=$(tree_sum "$W/ref")
no_debris() { # no journal, temporary or backup file anywhere in DIR
	[ -z "$(find "$1" -name '.nvc-journal*' -o -name '*.nvc-new' -o -name '*.orig' -o -name '*.rej' | head -n 1)" ]
}

# --- disk full -----------------------------------------------------------------
# The small tmpfs goes on a directory of its own outside $NVC_OUT (run.sh
# removes that), unmounted and removed on the way out.
M=$(mktemp -d "$SYS_TMP/nvc-t12-mnt.XXXXXX")
mounted=0
unmount() {
	if [ $mounted = 1 ]; then umount "$M" 2>/dev/null || umount -l "$M"; mounted=0; fi
	rmdir "$M" 2>/dev/null || true
}
trap unmount EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pages_used() { df -B4096 --output=used "$M" | tail -n 1 | tr -d ' '; }
room() { mount -o remount,size=$(( ($(pages_used) + $1) * 4096 )) "$M"; } # room PAGES: free pages left
if [ "$(id -u)" != 0 ]; then
	skip "disk full: needs root (mounts a small tmpfs)"
elif ! mount -t tmpfs -o size=16m,mode=0755 nvc-t12 "$M" 2>"$W/mount.err"; then
	skip "disk full: cannot mount a tmpfs here: $(head -n 1 "$W/mount.err")"
else
	mounted=1
	# One page that stays: a tmpfs of size 0 would have no limit at all.
	head -c 4096 /dev/zero >"$M/filler"
	T=$M/$D
	cp -a "$FIXTURES/$D" "$T"
	room 0
	check_fails "disk full: apply with no room for the first patched file: exit 6" 6 \
		"could not write $T/kernel/Kbuild \\(disk full\\?\\): [^;]*No space left[^;]*; the tree was restored" "$VC" apply "$T/kernel"
	[ "$(tree_sum "$T")" = "$PRISTINE" ] && no_debris "$T" &&
		pass "disk full, no room at all: tree byte-identical, no debris" || fail "disk full, no room at all: tree changed"

	# Ever more room, six pages at a time, until apply fits: every run
	# that does not fit must fail cleanly, wherever it runs out.
	at_file=0 at_layer=0 bad='' extra=0
	while :; do
		room "$extra"
		if "$VC" apply "$T/kernel" >"$W/full.log" 2>&1; then rc=0; else rc=$?; fi
		[ $rc != 0 ] || break
		if [ $rc = 6 ] && [ "$(tree_sum "$T")" = "$PRISTINE" ] &&
		   grep -Eq "could not write $T/kernel/[^ ]+ \\(disk full\\?\\): [^;]*No space left[^;]*; the tree was restored" "$W/full.log"; then
			if grep -q "could not write $T/kernel/nvidia-vgpu-compat " "$W/full.log"; then
				at_layer=$((at_layer + 1))
			else
				at_file=$((at_file + 1))
			fi
		else
			bad="$bad $extra:$rc"; sed 's/^/    | /' "$W/full.log"
		fi
		extra=$((extra + 6))
		[ $extra -le 300 ] || { bad="$bad never-fits"; break; }
	done
	[ -z "$bad" ] && [ $at_file -gt 0 ] && [ $at_layer -gt 0 ] &&
		pass "disk full: $at_file runs out of room in a patched file, $at_layer in the compat layer: each exit 6, 'could not write ... (disk full?)', tree byte-identical" ||
		fail "disk full: bad runs (free pages:exit)$bad; $at_file in files, $at_layer in the layer"
	[ "$(tree_sum "$T")" = "$REF" ] && pass "disk full: with $extra free pages apply fits and equals an apply elsewhere" ||
		fail "disk full: the apply that fits differs from the reference"

	# TMPDIR full: the tree is elsewhere and has room.
	rm -rf "$T"; mkdir -p "$M/tmp"; room 0
	fixture_copy "$D" "$W/t-tmpfull"
	check_fails "disk full: apply with TMPDIR full: exit 6" 6 \
		"no room left in $M/tmp for .* \\(disk full\\?\\); nothing was changed" env TMPDIR="$M/tmp" "$VC" apply "$W/t-tmpfull/kernel"
	[ "$(tree_sum "$W/t-tmpfull")" = "$PRISTINE" ] && no_debris "$W/t-tmpfull" &&
		pass "disk full, TMPDIR: tree byte-identical" || fail "disk full, TMPDIR: tree changed"

	# import: into a full prefix, and with a full TMPDIR.
	fixture_copy "$D" "$W/src/$D"
	if mkrun "$W/src/$D" "$W/$D.run" "$V"; then
		rm -rf "$M/tmp"; room 8
		used=$(pages_used)
		check_fails "disk full: import into a full prefix: exit 6" 6 \
			"could not write $M/prefix/nvidia-vgpu-compat-$V \\(disk full\\?\\): .*; nothing was installed" \
			"$VC" import "$W/$D.run" --prefix "$M/prefix" --no-dkms
		[ "$(ls -A "$M")" = filler ] && [ "$(pages_used)" = "$used" ] &&
			pass "disk full, import: nothing left behind (not even the prefix it created)" ||
			fail "disk full, import: left $(find "$M" -mindepth 1 -maxdepth 1 -printf '%f ')"
		mkdir -p "$M/tmp"; room 0
		check_fails "disk full: import with TMPDIR full: exit 6" 6 \
			"no room left in $M/tmp for the .* \\(disk full\\?\\)" \
			env TMPDIR="$M/tmp" "$VC" import "$W/$D.run" --prefix "$W/prefix" --no-dkms
		[ ! -e "$W/prefix" ] && [ -z "$(ls -A "$M/tmp")" ] &&
			pass "disk full, import with TMPDIR full: nothing left behind" || fail "disk full, import with TMPDIR full: left files"
	else
		fail "makeself could not pack the fixture"
	fi
	unmount
fi

# --- names too long ------------------------------------------------------------
# A --prefix whose last name is longer than NAME_MAX, and one so deep that
# the driver's files would pass PATH_MAX: exit 6 naming the system's reason
# (not "run as root" to root, not "disk full?"), nothing created.
LN=$W/long
mkdir -p "$LN"
n300=$(printf '%300s' '' | tr ' ' a)
check_fails "name too long: import --prefix with a 300-character name: exit 6, the reason, not 'run as root' or 'disk full?'" 6 \
	"cannot write to $LN/a+: File name too long; nothing was installed: pass a --prefix" \
	"$VC" import "$FIXTURES/$D" --prefix "$LN/$n300" --no-dkms
grep -Eq 'disk full|\(run as root' "$NVC_LAST" && fail "name too long: the message guesses: $(tail -n 1 "$NVC_LAST" | cut -c 1-120)" || :
deep=$LN
for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do deep=$deep/$(printf '%250s' '' | tr ' ' b); done
mkdir -p "$deep"
deep=$deep/$(printf '%200s' '' | tr ' ' c)
check_fails "name too long: import --prefix ${#deep} characters deep: exit 6, 'use a shorter directory'" 6 \
	"could not write $deep/nvidia-vgpu-compat-$V: a path would be longer than the file system allows \\(.*File name too long\\): use a shorter directory; nothing was installed" \
	"$VC" import "$FIXTURES/$D" --prefix "$deep" --no-dkms
[ -z "$(find "$LN" -mindepth 1 ! -name 'b*' -print -quit)" ] &&
	pass "name too long: nothing left under the prefixes" || fail "name too long: left $(find "$LN" -mindepth 1 ! -name 'b*' | head -n 3)"

# --- SIGKILL in the middle of apply ---------------------------------------------
K=$W/kill
interrupted='was interrupted'
# killed_at POINT [TREE_SUM]: apply killed at POINT on a pristine copy (or on
# a copy of $W/start when given); leaves the tree in $K.
killed_at() {
	rm -rf "$K"
	if [ -n "${2:-}" ]; then cp -a "$W/start" "$K"; else fixture_copy "$D" "$K"; fi
	if NVC_TEST_KILL_AFTER=$1 "$VC" apply "$K/kernel" >"$W/killed.log" 2>&1; then krc=0; else krc=$?; fi
}
# Every step of apply: journal being built, complete, after each file,
# the new layer copied in, swapped, the journal retired.  Alternately the
# next command is status (which restores the tree) or apply.
bad='' n=0 seen=''
for kp in journal-dir journal file-1 file-3 file-6 layer-new layer retired; do
	killed_at "$kp"
	[ $krc = 137 ] || continue	# a step this apply does not have
	n=$((n + 1)) seen="$seen $kp"
	no_debris "$K" && bad="$bad $kp:no-journal-left"
	if [ $((n % 2)) = 1 ]; then
		if "$VC" status "$K/kernel" >"$W/st.log" 2>&1; then src=0; else src=$?; fi
		want=$PRISTINE; [ "$kp" != retired ] || want=$REF
		[ $src = 0 ] && grep -q "$interrupted" "$W/st.log" && ! grep -q conflict "$W/st.log" &&
			[ "$(tree_sum "$K")" = "$want" ] || { bad="$bad $kp:status"; sed 's/^/    | /' "$W/st.log"; }
	fi
	if "$VC" apply "$K/kernel" >"$W/again.log" 2>&1; then arc=0; else arc=$?; fi
	[ $arc = 0 ] && [ "$(tree_sum "$K")" = "$REF" ] || { bad="$bad $kp:apply($arc)"; sed 's/^/    | /' "$W/again.log"; }
	[ $((n % 2)) = 1 ] || grep -q "$interrupted" "$W/again.log" || bad="$bad $kp:silent"
done
[ $n = 8 ] && [ -z "$bad" ] &&
	pass "SIGKILL at $n steps of apply ($seen): status says it was interrupted, no conflict; the next apply equals an uninterrupted one" ||
	fail "SIGKILL during apply: $n steps, failures:$bad"
killed_at file-2
check "status on an interrupted tree: exit 0" "$VC" status "$K/kernel"
grep -Eq "^vgpu-compat: warning: an earlier vgpu-compat apply on $K/kernel was interrupted; restored the tree as it was before it \\(2 files put back\\)\$" "$NVC_LAST" &&
	! grep -q conflict "$NVC_LAST" &&
	pass "status on an interrupted tree: one line says so, no conflict" || { fail "status on an interrupted tree: message"; sed 's/^/    | /' "$NVC_LAST"; }

# Killed again while restoring: the restore starts over.
killed_at file-4
if NVC_TEST_KILL_AFTER=undo-2 "$VC" apply "$K/kernel" >/dev/null 2>&1; then rc=0; else rc=$?; fi
"$VC" apply "$K/kernel" >"$W/again.log" 2>&1 && [ $rc = 137 ] && [ "$(tree_sum "$K")" = "$REF" ] &&
	pass "SIGKILL while undoing an interrupted apply: the next apply still ends as an uninterrupted one" ||
	{ fail "SIGKILL while undoing: exit $rc"; sed 's/^/    | /' "$W/again.log"; }

# Replacing an outdated compat layer: the old one is kept in the journal.
cp -a "$W/ref" "$W/start"
echo '/* an older release of the layer */' >>"$W/start/kernel/nvidia-vgpu-compat/nvc-compat.h"
OLD=$(tree_sum "$W/start")
bad='' n=0
for kp in layer-new layer-old layer; do
	killed_at "$kp" start
	[ $krc = 137 ] || { bad="$bad $kp:not-killed($krc)"; continue; }
	n=$((n + 1))
	"$VC" status "$K/kernel" >"$W/st.log" 2>&1 && [ "$(tree_sum "$K")" = "$OLD" ] || bad="$bad $kp:status"
	"$VC" apply "$K/kernel" >/dev/null 2>&1 && [ "$(tree_sum "$K")" = "$REF" ] || bad="$bad $kp:apply"
done
[ -z "$bad" ] && pass "SIGKILL while replacing an outdated layer ($n steps): restored, then replaced" ||
	fail "SIGKILL while replacing an outdated layer:$bad"

# At random moments, the whole process group (patch, cp and tar with it).
bad='' killed=0 mid=0
for d in 0.02 0.05 0.08 0.11 0.14 0.18 0.23 0.3; do
	fixture_copy "$D" "$K"
	setsid "$VC" apply "$K/kernel" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "-$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null || true
	"$VC" apply "$K/kernel" >"$W/again.log" 2>&1 && [ "$(tree_sum "$K")" = "$REF" ] && no_debris "$K" ||
		{ bad="$bad $d"; sed 's/^/    | /' "$W/again.log"; }
	! grep -q "$interrupted" "$W/again.log" || mid=$((mid + 1))
done
[ -z "$bad" ] && pass "SIGKILL of apply's process group after 0.02-0.3 s ($killed killed, $mid of them with the tree half-changed): the next apply equals an uninterrupted one" ||
	fail "SIGKILL at random moments: wrong after$bad s"

# Two applies at once on one tree: one waits for the other.
fixture_copy "$D" "$K"
"$VC" apply "$K/kernel" >"$W/a1.log" 2>&1 & p1=$!
"$VC" apply "$K/kernel" >"$W/a2.log" 2>&1 & p2=$!
r1=0 r2=0; wait $p1 || r1=$?; wait $p2 || r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ] && [ "$(tree_sum "$K")" = "$REF" ] && cat "$W/a1.log" "$W/a2.log" | grep -q 'nothing to do' &&
	pass "two applies at once on one tree: both succeed, one finds nothing to do" ||
	fail "two applies at once: exits $r1 $r2"

# Commands that only read a tree refuse a half-changed one.
killed_at file-2
check_fails "export of an interrupted tree: exit 3, says how to restore it" 3 \
	"left half-changed by an interrupted vgpu-compat apply; run: vgpu-compat status" \
	"$VC" export --driver "$K" --format quilt --out "$W/export"
check_fails "apply --dry-run of an interrupted tree: exit 3" 3 "interrupted vgpu-compat apply" "$VC" apply --dry-run "$K/kernel"
