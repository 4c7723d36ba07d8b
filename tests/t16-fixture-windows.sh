#!/bin/sh
# SPDX-License-Identifier: MIT
# The fixture drivers carry NVIDIA's real lines at every break site, so that
# our patches, made from the fixtures, apply to NVIDIA's real trees:
#  1. every block of ../shared/real/windows/<ver>/kernel/<path>.windows
#     (NVIDIA's unchanged lines around a site, headed "@@ N") appears
#     verbatim, as consecutive lines, in kernel/<path> of the fixture of
#     that version (line numbers differ: the fixtures are much smaller);
#  2. the diff hunks quoted by seed 001 (a blog post with a community 6.8
#     patch for 550.54.16, indentation lost) apply, as they stand, to the
#     550.54.16 fixture with patch -l, one hunk at a time.  patch -l lets a
#     run of blanks match another run, not none, and the post lost the
#     indentation of the context lines entirely but kept one blank of the
#     removed ones: so the leading blanks are dropped on both sides (the
#     hunk's lines and the target file, in a copy of the fixture) first.
#  3. the fixtures that follow NVIDIA's open kernel-open glue (580.65.05,
#     595.45.04) and the fixtures' kernel-open/ trees (550.54.16: the open
#     flavour, listed as "550.54.16/kernel-open") carry its lines at every
#     site listed in tests/fixtures/kernel-open-sites: lines <first>..<last>
#     of ../shared/real/kernel-open/kernel-open-<tag>.tar.xz's <path> stand
#     verbatim, as consecutive lines, in the fixture's kernel/<path> (or
#     kernel-open/<path>); and every block any fixture tree (kernel/ or
#     kernel-open/) marks as NVIDIA's ("/* --- NVIDIA kernel-open <tag>
#     lines: --- */" ... "/* --- end of NVIDIA's lines --- */") is exactly
#     one listed block of that tree, so no line is claimed as NVIDIA's
#     unchecked.
#  4. a Makefile site: the fixture's kernel/Makefile has the pahole awk
#     program (PAHOLE_VARIABLES, 0154) exactly when NVIDIA's kernel-open
#     Makefile of the nearest tag has it (535.161.07 ... 570.133.20: none;
#     580.65.06, 595.45.04: yes).  Without it NVIDIA's Makefile passes no
#     PAHOLE, and the module BTF step works on every kernel.
# ../shared is not part of a user's clone: without it, every part skips.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t16
rm -rf "$W"; mkdir -p "$W"
SHARED=${NVC_SHARED:-$TOP/../shared}
WINDOWS=$SHARED/real/windows
SEED=$SHARED/seeds/001_b680861c4535c2eb.txt

# --- 1. windows ---------------------------------------------------------------
# split_blocks FILE DIR: block K of FILE into DIR/K (its lines) and DIR/K.at
# (its N).  The header lines before the first "@@ N" are comments.  A last
# line "- " of the file's last block is dropped: it is the "-- " signature
# line that git format-patch puts after the last hunk of a patch, read as a
# removed line (535.161.05 nv.c; NVIDIA's line there is a declaration).
split_blocks() {
	awk -v d="$2" '
		/^@@ [0-9]+$/ { k++; at[k] = $2; n[k] = 0; next }
		k { line[k, ++n[k]] = $0 }
		END {
			if (k && n[k] && line[k, n[k]] == "- ") { n[k]--; print "" >(d "/" k ".note") }
			for (i = 1; i <= k; i++) {
				f = d "/" i; printf "" >f
				for (j = 1; j <= n[i]; j++) print line[i, j] >f
				close(f); print at[i] >(f ".at"); close(f ".at")
			}
		}' "$1"
}
# find_block BLOCK FILE: the first line of FILE where BLOCK's lines stand,
# byte for byte (compared as strings), one after the other; exit 1 if none.
find_block() {
	awk 'NR == FNR { b[++n] = $0; next }
		{ l[++m] = $0 }
		END {
			for (i = 1; n && i + n - 1 <= m; i++) {
				for (j = 1; j <= n && l[i + j - 1] "" == b[j] ""; j++) ;
				if (j > n) { print i; exit 0 }
			}
			exit 1
		}' "$1" "$2"
}

if [ ! -d "$WINDOWS" ]; then
	skip "windows: no $WINDOWS (NVIDIA's lines at the sites come with ../shared, which a user's clone has not)"
else
	find "$WINDOWS" -name '*.windows' -type f | LC_ALL=C sort >"$W/windows.list"
	[ -s "$W/windows.list" ] || fail "windows: no *.windows file under $WINDOWS"
	while IFS= read -r wf; do
		rel=${wf#"$WINDOWS"/}		# <ver>/kernel/<path>.windows
		ver=${rel%%/*}
		path=${rel#*/}; path=${path%.windows}
		fx=$FIXTURES/NVIDIA-Linux-x86_64-$ver-vgpu-kvm/$path
		bd=$W/blocks/$ver/$path
		rm -rf "$bd"; mkdir -p "$bd"
		split_blocks "$wf" "$bd"
		[ -f "$bd/1" ] || { fail "$ver $path: no '@@ N' block in $wf"; continue; }
		k=1
		while [ -f "$bd/$k" ]; do
			at=$(cat "$bd/$k.at")
			d="$ver $path @@$at"
			[ -f "$bd/$k.note" ] && d="$d (without its last line '- ', git's '-- ' signature)"
			if [ ! -f "$fx" ]; then
				fail "$d: the fixture has no $path"
			elif ln=$(find_block "$bd/$k" "$fx"); then
				pass "$d: verbatim in the fixture (line $ln)"
			else
				fail "$d: not verbatim in the fixture"
				sed 's/^/    | /' "$bd/$k"
			fi
			k=$((k + 1))
		done
	done <"$W/windows.list"
fi

# --- 2. seed 001's hunks ---------------------------------------------------------
# extract_hunks FILE DIR: each hunk of the diffs inside the fenced blocks
# (```patch, ```diff, ...) of the markdown FILE as a patch of its own,
# DIR/K.patch, and "K<TAB>path<TAB>@@ line" in DIR/list.  The post lost the
# indentation, with it the space that starts a context line: a line that
# starts with none of ' ', '-', '+', '\' is a context line; the blanks
# after the first character are dropped (see 2. above).  A hunk ends when
# its line counts are used up (so git's "-- " signature line after the
# last one is not read as a removed line); one cut short by the end of its
# block is listed with path "TRUNCATED".
extract_hunks() {
	awk -v d="$2" '
		{ sub(/\r$/, "") }
		/^[ \t]*```/ {
			if (ro > 0 || rn > 0) { print k "\tTRUNCATED\t" hd >>(d "/list"); ro = rn = 0 }
			fence = !fence; path = ""; next
		}
		!fence { next }
		ro > 0 || rn > 0 {
			c = substr($0, 1, 1); t = substr($0, 2)
			if (c == "-") ro--
			else if (c == "+") rn--
			else if (c != "\\") { if (c != " ") { t = $0; c = " " } ro--; rn-- }
			sub(/^[ \t]+/, "", t)
			print c t >f
			if (ro <= 0 && rn <= 0) { close(f); print k "\t" path "\t" hd >>(d "/list") }
			next
		}
		/^--- / { from = $2; next }
		/^\+\+\+ / { path = $2; sub(/^b\//, "", path); to = $2; next }
		/^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@/ && path != "" {
			split($2, o, ","); split($3, nw, ",")
			ro = ($2 ~ /,/) ? o[2] + 0 : 1; rn = ($3 ~ /,/) ? nw[2] + 0 : 1
			hd = $1 " " $2 " " $3 " " $4
			k++; f = d "/" k ".patch"
			print "--- " from >f; print "+++ " to >f; print >f
			next
		}' "$1"
}

F550=$FIXTURES/NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm
if [ ! -f "$SEED" ]; then
	skip "seed 001: no $SEED (comes with ../shared)"
elif ! command -v patch >/dev/null 2>&1; then
	skip "seed 001: no patch(1)"
else
	mkdir -p "$W/seed"; : >"$W/seed/list"
	extract_hunks "$SEED" "$W/seed"
	[ -s "$W/seed/list" ] || fail "seed 001: no diff hunk found in $SEED"
	fixture_copy NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm "$W/550.54.16"
	while IFS="$(printf '\t')" read -r k path hd; do
		d="seed 001 hunk $k ($path $hd)"
		if [ "$path" = TRUNCATED ]; then
			fail "seed 001 hunk $k ($hd): cut short by the end of its block"
		elif [ ! -f "$F550/$path" ]; then
			skip "$d: the 550.54.16 fixture has no $path"
		else
			sed 's/^[[:blank:]]*//' "$F550/$path" >"$W/550.54.16/$path"
			check "$d applies to the 550.54.16 fixture (patch -p1 -l --fuzz=0, indentation dropped)" \
				patch -d "$W/550.54.16" -p1 -l --fuzz=0 --dry-run -i "$W/seed/$k.patch"
		fi
	done <"$W/seed/list"
fi

# --- 3. NVIDIA's kernel-open lines at the sites of the 580 / 595 fixtures ---------
# ... and of the fixtures' kernel-open/ trees (the open flavour, 550 on).
SITES=$TOP/tests/fixtures/kernel-open-sites
KO=$SHARED/real/kernel-open
# fixture_tree FV: the tree a fixture version of kernel-open-sites names:
# "<ver>" its kernel/, "<ver>/kernel-open" its kernel-open/.
fixture_tree() {
	case $1 in
	*/kernel-open) echo "$FIXTURES/NVIDIA-Linux-x86_64-${1%/kernel-open}-vgpu-kvm/kernel-open" ;;
	*) echo "$FIXTURES/NVIDIA-Linux-x86_64-$1-vgpu-kvm/kernel" ;;
	esac
}
if [ ! -d "$KO" ]; then
	skip "kernel-open sites: no $KO (NVIDIA's kernel-open trees come with ../shared, which a user's clone has not)"
else
	mkdir -p "$W/ko" "$W/sites"
	grep -v '^#' "$SITES" | grep -v '^[[:space:]]*$' >"$W/sites/list"
	[ -s "$W/sites/list" ] || fail "kernel-open sites: $SITES lists no block"
	# One tar run per tag, for every path listed with it.
	# shellcheck disable=SC2013 # tags: one word each
	for tag in $(awk '{ print $2 }' "$W/sites/list" | sort -u); do
		tb=$KO/kernel-open-$tag.tar.xz
		[ -f "$tb" ] || continue
		# shellcheck disable=SC2046 # paths: one word each
		tar -xJf "$tb" -C "$W/ko" $(awk -v t="$tag" '$2 == t { print "kernel-open-" t "/" $3 }' "$W/sites/list" | sort -u) 2>/dev/null || :
	done
	k=0
	while read -r fv tag path first last what; do
		k=$((k + 1))
		d="$fv $path $first-$last ($what) = kernel-open $tag"
		tb=$KO/kernel-open-$tag.tar.xz
		fx=$(fixture_tree "$fv")/$path
		if [ ! -f "$tb" ]; then fail "$d: no $tb"; continue; fi
		real=$W/ko/kernel-open-$tag/$path
		if [ ! -f "$real" ]; then fail "$d: kernel-open $tag has no $path"; continue; fi
		sed -n "${first},${last}p" "$real" >"$W/sites/$k"
		printf '%s %s\n' "$fv" "$path" >"$W/sites/$k.at"
		printf '%s\n' "$tag" >"$W/sites/$k.tag"
		if [ "$(wc -l <"$W/sites/$k")" -ne $((last - first + 1)) ]; then
			fail "$d: kernel-open $tag's $path has fewer than $last lines"
		elif [ ! -f "$fx" ]; then
			fail "$d: the fixture has no $path"
		elif ln=$(find_block "$W/sites/$k" "$fx"); then
			pass "$d: verbatim in the fixture (line $ln)"
		else
			fail "$d: not verbatim in the fixture"
		fi
	done <"$W/sites/list"
	# Every block a fixture marks as NVIDIA's is one listed block: in every
	# listed tree, and in any other fixture tree that marks a block.
	# shellcheck disable=SC2013 # fixture versions: one word each
	for fv in $(awk '{ print $1 }' "$W/sites/list" | sort -u); do
		[ -d "$(fixture_tree "$fv")" ] || fail "$fv: listed in $SITES, but no such fixture tree ($(fixture_tree "$fv"))"
	done
	for fk in "$FIXTURES"/*/kernel "$FIXTURES"/*/kernel-open; do
		[ -d "$fk" ] || continue
		fv=${fk%/*}; fv=${fv##*/NVIDIA-Linux-x86_64-}; fv=${fv%-vgpu-kvm}
		case $fk in */kernel-open) fv=$fv/kernel-open ;; esac
		mk=$W/sites/marked-$(printf '%s' "$fv" | tr / _)
		grep -rl --include='*.[ch]' '^/\* --- NVIDIA kernel-open ' "$fk" | LC_ALL=C sort >"$mk"
		[ -s "$mk" ] || continue
		while IFS= read -r f; do
			rel=${f#"$fk"/}
			rm -rf "$W/sites/m"; mkdir -p "$W/sites/m"
			# Block N's lines in m/N.blk, the tag its marker names in m/N.tag.
			awk -v d="$W/sites/m" '
				/^\/\* --- NVIDIA kernel-open [0-9.]+ lines: --- \*\/$/ {
					n++; on = 1; printf "" >(d "/" n ".blk"); print $5 >(d "/" n ".tag"); close(d "/" n ".tag"); next }
				/^\/\* --- end of NVIDIA.s lines --- \*\/$/ { on = 0; close(d "/" n ".blk"); next }
				on { print >(d "/" n ".blk") }' "$f"
			for m in "$W/sites/m"/*.blk; do
				[ -f "$m" ] || continue
				hit=
				# shellcheck disable=SC2013 # file names of ours: one word each
				for a in $(grep -lxF "$fv $rel" "$W/sites"/[0-9]*.at); do
					cmp -s "$m" "${a%.at}" && cmp -s "${m%.blk}.tag" "${a%.at}.tag" && { hit=1; break; }
				done
				b=${m##*/}; b=${b%.blk}
				[ -n "$hit" ] && pass "$fv $rel: marked block $b is a listed kernel-open $(cat "${m%.blk}.tag") block" ||
					fail "$fv $rel: marked block $b is no listed block of kernel-open $(cat "${m%.blk}.tag") (tests/fixtures/kernel-open-sites)"
			done
		done <"$mk"
	done
fi

# --- 4. the pahole awk program: only where NVIDIA's Makefile of the branch has it ------
if [ ! -d "$KO" ]; then
	skip "Makefile pahole: no $KO"
else
	for pair in 535.161.05:535.161.07 550.54.16:550.54.14 550.144.02:550.144.03 570.133.10:570.133.20 \
		580.65.05:580.65.06 595.45.04:595.45.04; do
		fv=${pair%%:*} tag=${pair#*:}
		tb=$KO/kernel-open-$tag.tar.xz
		[ -f "$tb" ] || { skip "Makefile pahole: no $tb"; continue; }
		real=$(tar -xJOf "$tb" --wildcards '*/Makefile' 2>/dev/null | grep -c '^  PAHOLE_VARIABLES' || true)
		ours=$(grep -c '^  PAHOLE_VARIABLES' "$FIXTURES/NVIDIA-Linux-x86_64-$fv-vgpu-kvm/kernel/Makefile" || true)
		[ "$real" = "$ours" ] && pass "$fv Makefile: PAHOLE_VARIABLES lines $ours, as kernel-open $tag's Makefile" ||
			fail "$fv Makefile: $ours PAHOLE_VARIABLES lines, kernel-open $tag's Makefile has $real"
	done
fi
