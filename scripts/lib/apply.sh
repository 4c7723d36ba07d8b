# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, apply: the journal that makes it all or nothing, staging, the rewrite, the stamp check of DKMS builds.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# Crash safety.  apply changes the tree through a journal inside it,
# $kd/.nvc-journal (see docs/DESIGN.md):
#   orig/<file>    the original of every file apply replaces (a hard link, so
#                  free: apply replaces files by rename and never writes
#                  into them; a copy where links do not work)
#   layer-absent   the tree had no compat layer before
#   layer-old/     the compat layer it had, moved aside
# It is built as .nvc-journal.new and renamed into place before the first
# change, and renamed to .nvc-journal.done and removed after the last one.
# A journal found by apply or status means an apply was killed half-way:
# the originals go back (by rename), leftovers go, and the tree is exactly
# as before that apply.  One vgpu-compat at a time per tree (flock on kd).
NVC_JOURNAL=.nvc-journal

# killpoint NAME: for tests only: NVC_TEST_KILL_AFTER=NAME makes the tool
# SIGKILL itself here, as a crash or the OOM killer would.
killpoint() {
	[ "${NVC_TEST_KILL_AFTER:-}" != "$1" ] || kill -9 $$
	# t14: stop here until the test (another user) has changed the tree
	if [ "${NVC_TEST_PAUSE_AT:-}" = "$1" ] && [ -n "${NVC_TEST_PAUSE_DIR:-}" ]; then
		printf '%s\n' "${2:-}" >"$NVC_TEST_PAUSE_DIR/paused"
		kp_n=0
		while [ ! -e "$NVC_TEST_PAUSE_DIR/go" ] && [ $kp_n -lt 600 ]; do
			sleep 0.1; kp_n=$((kp_n + 1))
		done
	fi
	# a command that fails where none should (t10: the internal error)
	[ "${NVC_TEST_FAIL_AFTER:-}" != "$1" ] || false
}

lock_tree() { # lock_tree KDIR [shared]: wait for any other vgpu-compat on this tree
	# Exclusive for apply (and a recovery); shared for the commands that only
	# read the tree (status, apply --dry-run, export, import of a directory):
	# they never see a half-applied tree, and do not block each other.
	command -v flock >/dev/null 2>&1 || return 0
	(exec 9<"$1") 2>/dev/null || return 0
	exec 9<"$1"
	lt_mode=-x
	[ "${2:-}" != shared ] || lt_mode=-s
	flock "$lt_mode" -n 9 && return 0
	warn "waiting for another vgpu-compat working on $1"
	flock "$lt_mode" -w 600 9 ||
		die 6 "another vgpu-compat has been working on $1 for 10 minutes; nothing was changed"
}

# all_targets: every file a patch may change (all apply journals), one a
# line: the only names journal_undo puts back, whatever else is in orig/.
all_targets() {
	for at_p in "$NVC_PATCHES"/[0-9][0-9][0-9][0-9]-*/*.patch; do
		[ ! -f "$at_p" ] || targets "$at_p"
	done | LC_ALL=C sort -u
}

# journal_undo KDIR: put back what an unfinished apply changed (idempotent:
# safe to be interrupted and run again).  Sets $undone: files restored.
# Only files a patch may change, only regular files reached through real
# directories, in orig/ and in the tree: a planted entry or symbolic link
# never makes it move anything from or to outside the tree.
journal_undo() {
	ju=$1/$NVC_JOURNAL undone=0 ujn=0
	if [ -d "$ju/orig" ] && [ ! -L "$ju/orig" ]; then
		for jf in $(all_targets); do
			tree_regular "$ju/orig" "$jf" || continue
			if ! tree_regular "$1" "$jf"; then
				warn "not restoring $1/$jf from the journal: it is not a regular file of the tree (a symbolic link, or under one)"
				continue
			fi
			rm -rf "$1/$jf.nvc-new"
			# Not replaced yet: the link is the file itself.
			# shellcheck disable=SC3013 # -ef: dash, bash, busybox all have it
			if [ "$ju/orig/$jf" -ef "$1/$jf" ]; then
				rm -f "$ju/orig/$jf"
			else
				mv -fT "$ju/orig/$jf" "$1/$jf"
				undone=$((undone + 1))
			fi
			ujn=$((ujn + 1))
			killpoint undo-$ujn
		done
	fi
	rm -rf "${1:?}/$NVC_TREE_DIR.nvc-new"
	if [ -d "$ju/layer-old" ] && [ ! -L "$ju/layer-old" ]; then
		rm -rf "${1:?}/$NVC_TREE_DIR"
		mv -T "$ju/layer-old" "$1/$NVC_TREE_DIR"
	elif [ -e "$ju/layer-absent" ]; then
		rm -rf "${1:?}/$NVC_TREE_DIR"
	fi
	mv "$ju" "$ju.done" && rm -rf "$ju.done"
}

# journal_sane KDIR: the journal names hold nothing but the directories
# apply makes; a file or symbolic link there (a stray file, something
# planted) is refused with exit 3 before anything reads or moves it.
journal_sane() {
	for js in "$1/$NVC_JOURNAL" "$1/$NVC_JOURNAL.new" "$1/$NVC_JOURNAL.done"; do
		if [ -L "$js" ] || { [ -e "$js" ] && [ ! -d "$js" ]; }; then
			die 3 "$js is not a journal directory of vgpu-compat (a file or symbolic link that something else left there); nothing was changed: remove it (rm '$js') and run again"
		fi
	done
}

# journal_left KDIR: true when an apply left a journal behind.
journal_left() {
	[ -e "$1/$NVC_JOURNAL" ] || [ -e "$1/$NVC_JOURNAL.new" ] || [ -e "$1/$NVC_JOURNAL.done" ]
}

# recover KDIR: an apply that was killed left a journal: undo it, say so.
recover() {
	kd_=$1 rj=$1/$NVC_JOURNAL
	journal_sane "$1"
	journal_left "$1" || return 0
	[ -w "$kd_" ] ||
		die 6 "an interrupted vgpu-compat apply left its journal in $kd_, which is not writable: run vgpu-compat status or apply on it as its owner to restore it"
	if [ -d "$rj" ]; then
		rm -rf "$rj.new" "$rj.done"
		journal_undo "$kd_"
		warn "an earlier vgpu-compat apply on $kd_ was interrupted; restored the tree as it was before it ($undone files put back)"
	elif [ -e "$rj.done" ]; then
		# Killed after the journal was retired: every change was in place.
		rm -rf "$rj.done" "$rj.new"
		warn "an earlier vgpu-compat apply on $kd_ was interrupted after it had finished; removed its journal"
	else
		# Killed before the journal was complete: nothing had changed.
		rm -rf "$rj.new"
		warn "an earlier vgpu-compat apply on $kd_ was interrupted before it changed anything; removed its journal"
	fi
}

refuse_interrupted() { # refuse_interrupted KDIR: for commands that only read it
	journal_sane "$1"
	[ ! -d "$1/$NVC_JOURNAL" ] ||
		die 3 "$1 was left half-changed by an interrupted vgpu-compat apply; run: vgpu-compat status '$1' (it restores the tree), then try again"
}

# ---------------------------------------------------------------------------
# apply: stage every change in a temporary copy of the files it touches, and
# only when all of them succeeded put the results in place.

# plan KDIR: from $tmp/state, what apply does: $needed (the topics to patch,
# the Kbuild hook first), $layer (1: install the compat layer), $nothing (1:
# the tree already handles every known change).
plan() {
	# The breaks (every topic but the compat layer's Kbuild hook).
	breaks_needed=$(awk '$2 == "needed" && $1 != "0000-compat-layer" { print $1 }' "$tmp/state")
	breaks_applied=$(awk '$2 == "applied" && $1 != "0000-compat-layer" { print $1 }' "$tmp/state")
	cstate=$(compat_state "$1")
	hook_state=$(awk '$1 == "0000-compat-layer" { print $2 }' "$tmp/state")
	nothing=0
	if [ -z "$breaks_needed" ] &&
	   { [ -z "$breaks_applied" ] || [ "$cstate" = applied ]; }; then
		nothing=1 needed='' layer=0
		return 0
	fi
	needed=$breaks_needed
	[ "$hook_state" != needed ] || needed="0000-compat-layer $needed"
	layer=0
	[ "$cstate" = applied ] || layer=1
}

# stage_patches KDIR: copy each file the $needed topics change to
# $tmp/stage and patch it there; $files: their paths.  KDIR is only read.
stage_patches() {
	stage=$tmp/stage
	mkdir -p "$stage" || die 6 "cannot write to $tmp (disk full?)"
	files=
	for n in $needed; do
		p=$(state_patch "$n")
		tg=$(targets "$p")
		# A topic fixed inside the compat layer has nothing to patch.
		[ -n "$tg" ] || continue
		for f in $tg; do
			case " $files " in *" $f "*) continue ;; esac
			files="$files $f"
			case $f in */*) fd=${f%/*} ;; *) fd=. ;; esac
			{ mkdir -p "$stage/$fd" && cp -p "$1/$f" "$stage/$f"; } 2>/dev/null ||
				die 6 "could not copy $1/$f to $stage (is ${TMPDIR:-/tmp} full?); nothing was changed"
		done
		patch_q "$stage" -N -i "$p" ||
			{ tmp_full "staging the patches"; die 5 "patch $n failed while staging (nothing was changed in $1)"; }
	done
}

# cocci_layer: after plan, the topics whose patch spatch generated
# ($cocci_needed).  Those patches are kept in the layer (cocci/TOPIC.patch),
# so that status and the next apply recognise the result (reverse dry-run):
# such a topic installs the layer anew, with the patches kept there before.
cocci_layer() {
	cocci_needed=
	for n in $needed; do
		case $(state_patch "$n") in "$tmp/cocci/"*) cocci_needed="$cocci_needed $n" ;; esac
	done
	[ -z "$cocci_needed" ] || layer=1
}

# stage_layer KDIR: with $layer = 1, the compat layer as it will stand in
# KDIR, in $stage/$NVC_TREE_DIR (the patches spatch generated included).
stage_layer() {
	[ $layer = 1 ] || return 0
	{ mkdir -p "$stage/$NVC_TREE_DIR" &&
	  (cd "$NVC_COMPAT" && tar -cf - --exclude='*.o' .) |
		(cd "$stage/$NVC_TREE_DIR" && tar --no-same-owner --no-same-permissions -xf -); } 2>/dev/null ||
		die 6 "could not copy the compat layer to $stage (is ${TMPDIR:-/tmp} full?); nothing was changed"
	if [ -d "$1/$NVC_TREE_DIR/cocci" ]; then
		cp -pR "$1/$NVC_TREE_DIR/cocci" "$stage/$NVC_TREE_DIR/" 2>/dev/null ||
			die 6 "could not copy $1/$NVC_TREE_DIR/cocci to $stage (is ${TMPDIR:-/tmp} full?); nothing was changed"
	fi
	for n in $cocci_needed; do
		{ mkdir -p "$stage/$NVC_TREE_DIR/cocci" &&
		  cp "$tmp/cocci/$n.patch" "$stage/$NVC_TREE_DIR/cocci/$n.patch"; } 2>/dev/null ||
			die 6 "could not copy the patch generated for $n to $stage (is ${TMPDIR:-/tmp} full?); nothing was changed"
	done
}

cmd_apply() {
	kd='' kbuild='' dry=0 allow_non_vgpu=0 allow_foreign=0 if_changed=0
	while [ $# -gt 0 ]; do
		case $1 in
		--allow-foreign-tree) allow_foreign=1; shift ;;
		--if-changed) if_changed=1; shift ;;
		--kernel) [ $# -ge 2 ] || usage; kbuild=$2; shift 2 ;;
		--kernel=*) kbuild=${1#*=}; shift ;;
		--dry-run|-n) dry=1; shift ;;
		--allow-non-vgpu) allow_non_vgpu=1; shift ;;
		-*) usage ;;
		*) [ -z "$kd" ] || usage; kd=$1; shift ;;
		esac
	done
	take_tree "$kd"
	if [ $dry = 0 ]; then
		refuse_foreign "$kd"
		lock_tree "$kd"
		recover "$kd"
	else
		lock_tree "$kd" shared
		refuse_interrupted "$kd"
	fi
	# A DKMS build (our Makefile): a tree that import rewrote and nobody
	# changed since needs no scan; the per-kernel work is the probes.
	if [ $if_changed = 1 ]; then
		if stamp_ok "$kd"; then
			say "$kd is as vgpu-compat import rewrote it ($(wc -l <"$kd/$NVC_STAMP" | tr -d ' ') files unchanged): nothing to rewrite"
			[ -z "$kbuild" ] || { mktmp; probe_report; }
			return 0
		fi
		say "$kd: $stamp_why; rewriting it again"
	fi
	non_vgpu_hint=" (for a distribution's NVIDIA sources without it, pass --allow-non-vgpu)"
	check_driver "$kd" "$kd"
	mktmp
	scan "$kd"

	if grep -q ' conflict ' "$tmp/state"; then
		name=$(grep ' conflict ' "$tmp/state" | head -n 1 | cut -d' ' -f1)
		for p in "$NVC_PATCHES/$name"/*.patch; do break; done
		files=$(targets "$p" | tr '\n' ' ')
		die 5 "patch $name does not apply to $kd: ${files% } differs from every driver version we know and is neither pristine, already patched by us, nor fixed natively. Nothing was changed. Restore the driver's original kernel/ tree (re-extract the .run) and run apply again; if the tree is pristine, report the driver version."
	fi

	# Stage the patched files, then check the result for residue before
	# anything in the tree changes.
	plan "$kd"
	stage_patches "$kd"
	residue_scan "$kd" "$stage"
	residue_refuse "$kd"
	newer_branch_warn
	cocci_layer
	if [ $nothing = 1 ]; then
		say "nothing to do: $kd already handles every known kernel change ($(summary))"
		probe_report
		return 0
	fi

	if [ $dry = 1 ]; then
		say "would apply to $kd:"
		[ $layer = 0 ] || say "  compat layer -> $NVC_TREE_DIR/"
		for n in $needed; do say "  $n"; done
		return 0
	fi

	stage_layer "$kd"

	# Can we write everything we are about to replace?  Only regular files
	# of the tree, reached through no symbolic link.
	for f in $files; do
		case $f in */*) fd=${f%/*} ;; *) fd=. ;; esac
		tree_regular "$kd" "$f" ||
			die 3 "$kd/$f is not a regular file of the tree (a symbolic link, or under one); nothing was changed: re-extract the driver's kernel/ tree"
		[ -w "$kd/$f" ] && [ -w "$kd/$fd" ] ||
			die 6 "$kd/$f is not writable; nothing was changed (run as the tree's owner, or copy the tree somewhere writable)"
	done
	[ -w "$kd" ] || die 6 "$kd is not writable; nothing was changed"

	# The journal, complete before the first change (see "Crash safety").
	j=$kd/$NVC_JOURNAL
	# shellcheck disable=SC2086 # $files: relative paths without spaces
	if ! { mkdir "$j.new" "$j.new/orig" &&
	       killpoint journal-dir &&
	       { [ -z "$files" ] ||
	         (cd "$kd" && cp -l --parents $files "$NVC_JOURNAL.new/orig/") ||
	         { rm -rf "$j.new/orig" && mkdir "$j.new/orig" &&
	           (cd "$kd" && cp -p --parents $files "$NVC_JOURNAL.new/orig/"); }; } &&
	       { [ $layer = 0 ] || [ -d "$kd/$NVC_TREE_DIR" ] || : >"$j.new/layer-absent"; } &&
	       mv "$j.new" "$j"; } 2>"$tmp/err"; then
		rm -rf "$j.new"
		die 6 "could not write $(write_failed "$j" "$(head -n 1 "$tmp/err")"); nothing was changed"
	fi
	killpoint journal

	# Install: each file via a same-directory temporary and rename(2).
	i=0
	# A planted $f.nvc-new is removed, not followed; cp then creates the
	# new name (O_EXCL: it does not write through a symbolic link that
	# appears meanwhile); rename(2) replaces the tree's entry itself.
	for f in $files; do
		if ! tree_regular "$kd" "$f"; then
			journal_undo "$kd"
			die 3 "$kd/$f stopped being a regular file of the tree while apply ran (someone else changes the tree); the tree was restored"
		fi
		killpoint "checked:$f" "$f"
		if ! { rm -rf "$kd/$f.nvc-new" && cp -p "$stage/$f" "$kd/$f.nvc-new" &&
		       mv -fT "$kd/$f.nvc-new" "$kd/$f"; } 2>"$tmp/err"; then
			journal_undo "$kd"
			die 6 "could not write $(write_failed "$kd/$f" "$(head -n 1 "$tmp/err")"); the tree was restored"
		fi
		i=$((i + 1))
		killpoint file-$i
	done
	if [ $layer = 1 ]; then
		rm -rf "$kd/$NVC_TREE_DIR.nvc-new"
		if ! cp -pR "$stage/$NVC_TREE_DIR" "$kd/$NVC_TREE_DIR.nvc-new" 2>"$tmp/err"; then
			journal_undo "$kd"
			die 6 "could not write $(write_failed "$kd/$NVC_TREE_DIR" "$(head -n 1 "$tmp/err")"); the tree was restored"
		fi
		killpoint layer-new
		if [ -d "$kd/$NVC_TREE_DIR" ]; then
			mv "$kd/$NVC_TREE_DIR" "$j/layer-old"
			killpoint layer-old
		fi
		mv -T "$kd/$NVC_TREE_DIR.nvc-new" "$kd/$NVC_TREE_DIR"
		killpoint layer
	fi
	# Done: retire the journal (one rename; the rest is clean-up).
	mv "$j" "$j.done"
	killpoint retired
	rm -rf "$j.done"

	for n in $needed; do say "applied  $n"; done
	[ $layer = 0 ] || say "installed compat layer in $kd/$NVC_TREE_DIR"
	mark_applied
	say "done: $(summary)"
	probe_report
}

# mark_applied: the new state without a second scan: what was needed is
# applied now (t10 checks that "status" agrees).
mark_applied() {
	# shellcheck disable=SC2086 # one line of names
	needed=$(printf '%s ' $needed)
	while read -r t st v; do
		case " $needed " in *" $t "*) st=applied ;; esac
		printf '%s %s %s\n' "$t" "$st" "$v"
	done <"$tmp/state" >"$tmp/state.new" && mv "$tmp/state.new" "$tmp/state"
}

summary() { # one-line counts from $tmp/state
	awk '{ c[$2]++ } END {
		n = split("applied fixed-natively needed not-applicable conflict", k, " ")
		s = ""
		for (i = 1; i <= n; i++) if (c[k[i]]) s = s (s ? ", " : "") c[k[i]] " " k[i]
		print s }' "$tmp/state"
}

# After apply --kernel: show which gates the kernel takes.
probe_report() {
	[ -n "${kbuild:-}" ] || return 0
	run_probes "$kbuild" "$tmp/probes.h"
	say "probes for Linux $(sed -n 's/^#define NVC_PROBED_KERNEL_RELEASE "\(.*\)"/\1/p' "$tmp/probes.h"):"
	sed -n 's|^#define \(NVC_[A-Z0-9_]*\) 1$|  yes  \1|p; s|^/\* #undef \(NVC_[A-Z0-9_]*\) \*/$|  no   \1|p' \
		"$tmp/probes.h" | grep -v BASELINE
}
