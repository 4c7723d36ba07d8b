# shellcheck shell=sh disable=SC2034
# SPDX-License-Identifier: MIT
# Helpers of tests/matrix.sh (sourced, POSIX sh): the real driver x kernel
# matrix.  A "cell" is one NVIDIA source tree built against one kernel tree:
#
#   mx_cell_id DRIVER KERNEL [vgpu]    stable name, e.g. 550.54.15-7.3
#   mx_tree_hash DIR                   checksum of every path, mode, link and
#                                      file content under DIR
#   mx_kernel_key KERNEL_ID            release + Module.symvers + .config sums
#   mx_cc_key                          the compilers' version lines
#   mx_cache_get KEY / mx_cache_put KEY DIR
#                                      recorded results in $MX_CACHE/cells
#   mx_make TREE KERNEL_ID LOG [ARGS]  NVIDIA's own Makefile, -k, nice, C locale
#   mx_cpu                             MX_CPU: CPU seconds of waited-for children
#   mx_judge_ko TREE RELEASE LOG RC    sets MX_RESULT, MX_DETAIL for nvidia.ko
#   mx_judge_vgpu TREE LOG STAMP OBJS  the same for the NV_VGPU_KVM_BUILD objects
#   mx_errors LOG TREE                 the distinct compiler/modpost errors
#   mx_declined DRIVER KERNEL [FIELD]  reason (or errors pattern) from
#                                      tests/matrix.d/declined.tsv
#
# Results: built, failed (declined-known is decided at report time, from the
# table, so editing the table never needs a rebuild).

# Bump when the judging below changes: every cached result is then stale.
MX_SCHEMA=3
# The same for the kernel-open cells' own judging (mx_judge_gpl and what it
# calls) alone.
MX_OPEN_SCHEMA=3

: "${NVC_CACHE:=/var/cache/nvidia-vgpu-compat}"
# The matrix's own state: cell records, work trees, the ccache links and the
# lock.  NVC_MATRIX_CACHE moves it (and, unless NVC_MATRIX_CCACHE_DIR says
# otherwise, the compiler cache with it) out of $NVC_CACHE, so that a run of
# some cells does not touch the records, the lock or the ccache statistics
# (ccache -z) of another run; the kernel trees and NVIDIA sources are still
# read from $NVC_CACHE.
MX_CACHE=${NVC_MATRIX_CACHE:-$NVC_CACHE/matrix}
if [ -n "${NVC_MATRIX_CACHE:-}" ]; then
	MX_CCACHE_DIR=${NVC_MATRIX_CCACHE_DIR:-$NVC_MATRIX_CACHE/ccache}
else
	MX_CCACHE_DIR=${NVC_MATRIX_CCACHE_DIR:-$NVC_CACHE/ccache}
fi
MX_JOBS=${NVC_JOBS:-2}
MX_TIMEOUT=${NVC_MATRIX_CELL_TIMEOUT:-1800}
MX_TIMES=${TMPDIR:-/tmp}/nvc-matrix-times.$$

mx_cell_id() {
	if [ "${3:-}" = vgpu ]; then
		printf '%s+vgpu-%s\n' "$1" "$2"
	else
		printf '%s-%s\n' "$1" "$2"
	fi
}

mx_tree_hash() {
	(
		cd "$1" || exit 1
		# names, modes and link targets, then the contents
		find . -mindepth 1 -printf '%P\t%y\t%m\t%l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum
	) | md5sum | cut -d' ' -f1
}

mx_kernel_key() {
	_kb=$NVC_CACHE/kernels/$1/build
	printf '%s %s %s\n' "$(cat "$NVC_CACHE/kernels/$1/release")" \
		"$(md5sum <"$_kb/Module.symvers" | cut -d' ' -f1)" \
		"$(md5sum <"$_kb/.config" | cut -d' ' -f1)"
}

mx_cc_key() {
	for _c in gcc gcc-12 x86_64-linux-gnu-gcc-12; do
		printf '%s: %s\n' "$_c" "$("$_c" --version 2>/dev/null | head -n 1)"
	done
}

# mx_cache_get KEY: 0 and MX_HIT=<dir> when KEY has a complete record.
mx_cache_get() {
	MX_HIT=$MX_CACHE/cells/$1
	[ "${NVC_MATRIX_NOCACHE:-0}" != 1 ] && [ -f "$MX_HIT/result" ]
}

# mx_cache_put KEY DIR: DIR holds result detail seconds errors log.gz; it is
# moved into place whole (a half-written record is never seen).
mx_cache_put() {
	mkdir -p "$MX_CACHE/cells"
	rm -rf "$MX_CACHE/cells/$1"
	mv "$2" "$MX_CACHE/cells/$1"
}

# ccache through PATH: a directory of links named like the compilers the
# kernel trees call (gcc, gcc-12, x86_64-linux-gnu-gcc-12); ccache finds the
# real compiler further down PATH.  The kernel's CC stays as it was, so
# CONFIG_CC_VERSION_TEXT still matches.
mx_ccache_setup() {
	MX_PATH=$PATH
	MX_CCACHE=
	[ "${NVC_MATRIX_CCACHE:-1}" = 1 ] || return 0
	_cc=$(command -v ccache 2>/dev/null) || {
		echo "matrix: ccache not found (tests/setup/deps.sh installs it): building without it" >&2
		return 0
	}
	mkdir -p "$MX_CACHE/bin" "$MX_CCACHE_DIR"
	for _n in cc gcc gcc-12 x86_64-linux-gnu-gcc x86_64-linux-gnu-gcc-12; do
		ln -sfn "$_cc" "$MX_CACHE/bin/$_n"
	done
	MX_PATH=$MX_CACHE/bin:$PATH
	MX_CCACHE=$MX_CCACHE_DIR
	export CCACHE_DIR="$MX_CCACHE"
	export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-4G}"
	# the copies are made just before the build: their ctimes are new
	export CCACHE_SLOPPINESS=include_file_ctime,include_file_mtime
	# statistics of this run only (runs are serialised by the matrix lock)
	ccache -z >/dev/null 2>&1 || :
}

# mx_ccache_stats: "ccache N hits, M misses" since mx_ccache_setup.
mx_ccache_stats() {
	[ -n "$MX_CCACHE" ] || { echo "ccache off"; return 0; }
	ccache --print-stats 2>/dev/null | awk -F'\t' '
		$1 ~ /^(direct|preprocessed)_cache_hit$/ { h += $2 }
		$1 == "cache_miss" { m += $2 }
		END { printf "ccache %d hits, %d misses\n", h, m }'
}

# mx_make TREE KERNEL_ID LOG [MAKE ARGS...]: build nvidia with the driver's
# own Makefile (-k: every broken object reports its errors).  The caller's
# environment passes through (VGX_KVM_BUILD for the vGPU cells).  Gcc must
# not translate its messages or quotes (Kbuild unexports LC_ALL).
mx_make() {
	_tree=$1 _kb=$NVC_CACHE/kernels/$2/build _log=$3
	shift 3
	_ks=$(sh "$TOP/scripts/kernel-source-dir" "$_kb")
	PATH=$MX_PATH LANG=C LC_ALL=C LC_CTYPE=C LC_MESSAGES=C \
		nice -n "${NVC_MATRIX_NICE:-10}" timeout -k 30 "$MX_TIMEOUT" \
		make -C "$_tree" -k -j"$MX_JOBS" SYSSRC="$_ks" SYSOUT="$_kb" \
		NV_KERNEL_MODULES=nvidia "$@" modules >"$_log" 2>&1
}

# mx_cpu: MX_CPU = CPU seconds (user + system) of every child process this
# shell has waited for.  The builtin must run in this shell, not in $(...).
mx_cpu() {
	times >"$MX_TIMES"
	MX_CPU=$(awk 'NR == 2 { s = 0; for (i = 1; i <= NF; i++) { split($i, p, "m"); s += p[1] * 60 + p[2] }
		printf "%.0f\n", s }' "$MX_TIMES")
}

# mx_errors LOG TREE: distinct errors, paths relative to the tree, ASCII
# quotes (a log made with a UTF-8 locale has gcc's typographic ones).
mx_errors() {
	grep -E '(^|[^a-zA-Z])(error|fatal error):|ERROR: modpost|Bailing out|^nvc-probe: |No rule to make target|make.*: \*\*\* .*(Killed|Terminated)' "$1" |
		grep -v '^NV_CONFTEST_CFLAGS=\|^KBUILD_CFLAGS=' |
		sed -e "s|$2/||g" -e 's|^\(\./\)*||' -e "s/\xe2\x80\x98/'/g; s/\xe2\x80\x99/'/g" \
			-e 's/ \[-Werror=[^]]*\]$//' |
		awk '!seen[$0]++' || true
}

# mx_findings LOG: modpost's complaints (GPL-only symbols, namespaces,
# undefined symbols), shortened, one per line; empty when clean.
mx_findings() {
	grep -E 'modpost: .*(GPL-incompatible|GPL-only|namespace|undefined)' "$1" |
		sed -e 's/^.*modpost: //' -e "s/\xe2\x80\x98/'/g; s/\xe2\x80\x99/'/g" |
		awk '!seen[$0]++' || true
}

# mx_short LIST: the first three lines of LIST joined with "; ", and how
# many more there are.
mx_short() {
	printf '%s\n' "$1" | awk 'NF { n++; if (n <= 3) s = s (n > 1 ? "; " : "") $0 }
		END { if (n > 3) s = s sprintf(" (+%d more)", n - 3); print s }'
}

# mx_judge_ko TREE RELEASE LOG RC: green when make succeeded, nvidia.ko
# links, modpost reports no GPL-only use, no namespace problem, no undefined
# symbol, the vermagic starts with the kernel's release, and the licence is
# still NVIDIA's own (the layer never turns nvidia.ko into a GPL module).
mx_judge_ko() {
	_tree=$1 _rel=$2 _log=$3 _rc=$4
	_f=$(mx_findings "$_log")
	_nerr=$(mx_errors "$_log" "$_tree" | grep -c . || true)
	MX_RESULT=failed
	if [ ! -f "$_tree/nvidia.ko" ]; then
		if [ -n "$_f" ]; then
			MX_DETAIL=$(mx_short "$_f")
		elif [ "$_rc" = 124 ] || [ "$_rc" = 137 ]; then
			MX_DETAIL="timed out after $MX_TIMEOUT s"
		else
			MX_DETAIL="no nvidia.ko: $_nerr errors in $(mx_error_files "$_log" "$_tree")"
		fi
		return 0
	fi
	_vm=$(modinfo -F vermagic "$_tree/nvidia.ko" 2>/dev/null | cut -d' ' -f1)
	_lic=$(modinfo -F license "$_tree/nvidia.ko" 2>/dev/null)
	# the licence the sources declare, unchanged: "NVIDIA" (proprietary),
	# "Dual MIT/GPL" (Debian's nvidia-open-kernel-source)
	# (nv.c from 550 on, nv-frontend.c in 535)
	# (nv.c from 550 on, nv-frontend.c in 535), read from the pristine tree
	# when the caller names it ($MX_PRISTINE), so a rewrite cannot change it
	_pt=${MX_PRISTINE:-$_tree}
	_want=$(cat "$_pt/nvidia/nv.c" "$_pt/nvidia/nv-frontend.c" 2>/dev/null |
		sed -n 's/^MODULE_LICENSE("\([^"]*\)");.*/\1/p' | head -n 1)
	if [ -n "$_f" ]; then
		MX_DETAIL=$(mx_short "$_f")
	elif [ "$_vm" != "$_rel" ]; then
		MX_DETAIL="vermagic '$_vm', not $_rel"
	elif [ "$_lic" != "${_want:-NVIDIA}" ]; then
		MX_DETAIL="licence '$_lic', not ${_want:-NVIDIA} (the sources' own)"
	elif [ "$_rc" != 0 ]; then
		MX_DETAIL="nvidia.ko linked, but make exited $_rc ($_nerr errors)"
	else
		MX_RESULT=built
		MX_DETAIL=clean
	fi
}

# mx_error_files LOG TREE: the files the errors are in, e.g. "nv.c os-mlock.c"
# (the first four, and how many more).
mx_error_files() {
	_ef=$(mx_errors "$1" "$2" | sed -n 's/^\([^: ]*\.[ch]\):[0-9].*/\1/p' |
		sed 's|.*/||' | awk '!seen[$0]++ { n++; if (n <= 4) s = s (n > 1 ? " " : "") $0 }
			END { if (n > 4) s = s sprintf(" (+%d more)", n - 4); print s }')
	printf '%s\n' "${_ef:-the build (see log)}"
}

# mx_vgpu_objects TREE: the nvidia/*.o whose sources have NV_VGPU_KVM_BUILD
# code, among those nvidia.ko is built from.
mx_vgpu_objects() {
	sed -n 's|^NVIDIA_SOURCES += \(nvidia/[^ ]*\.c\)$|\1|p' "$1/nvidia/nvidia-sources.Kbuild" |
		while IFS= read -r _s; do
			if grep -q 'NV_VGPU_KVM_BUILD' "$1/$_s"; then
				printf '%s\n' "${_s%.c}.o"
			fi
		done
}

# mx_judge_vgpu TREE LOG STAMP OBJS...: every object was rebuilt (newer than
# STAMP) with NV_VGPU_KVM_BUILD defined, and nv-pci.o calls into the vGPU
# interface (its vGPU branch was compiled, not preprocessed away).
mx_judge_vgpu() {
	_tree=$1 _log=$2 _stamp=$3
	shift 3
	MX_RESULT=failed
	if ! grep -q '^#define NV_VGPU_KVM_BUILD' "$_tree/conftest/generic.h" 2>/dev/null; then
		MX_DETAIL="conftest did not define NV_VGPU_KVM_BUILD$(grep -m1 'Bailing out' "$_log" | sed 's/^/: /')"
		return 0
	fi
	_missing=
	for _o in "$@"; do
		[ -n "$(find "$_tree/$_o" -newer "$_stamp" 2>/dev/null)" ] ||
			_missing="$_missing ${_o#nvidia/}"
	done
	if [ -n "$_missing" ]; then
		_n=$(mx_errors "$_log" "$_tree" | grep -c ': error:' || true)
		MX_DETAIL="not compiled:$_missing ($_n errors in $(mx_error_files "$_log" "$_tree"))"
		return 0
	fi
	if [ -f "$_tree/nvidia/nv-pci.o" ] &&
		! nm -u "$_tree/nvidia/nv-pci.o" | grep -qw nvidia_vgpu_vfio_probe; then
		MX_DETAIL="nv-pci.o has no vGPU code (nvidia_vgpu_vfio_probe not called)"
		return 0
	fi
	MX_RESULT=built
	MX_DETAIL="objects only: $(printf '%s\n' "$@" | sed 's|.*/||' | paste -sd' ' -) compiled with NV_VGPU_KVM_BUILD"
}

# mx_declined DRIVER KERNEL_ID [FIELD]: the documented reason (FIELD 3,
# the default) or the errors pattern (FIELD 4, may be empty), if the cell
# is declined on purpose (driver column may end in " +vgpu"; "*" matches
# any; a driver column ending in "*" matches every driver it begins, so
# "open-555.*" covers each upload of that branch and its +vgpu cell).
mx_declined() {
	[ -f "$MX_DECLINED" ] || return 0
	awk -F'\t' -v d="$1" -v k="$2" -v f="${3:-3}" '
		/^#/ || NF < 3 { next }
		($1 == d || $1 == "*" || ($1 ~ /\*$/ && index(d, substr($1, 1, length($1) - 1)) == 1)) &&
		($2 == k || $2 == "*") { print $f; exit }' "$MX_DECLINED"
}

# --- NVIDIA's open kernel-open/ trees ------------------------------------------
#
#   mx_open_tags DIR                   tags of DIR/kernel-open-<tag>.tar.xz
#   mx_open_unpack TARBALL TAG         MX_OPEN_SRC: the pristine tree
#   mx_layer_lines PRISTINE TREE F...  "file:line" of every line a patch made
#   mx_gpl_refs TREE SYMS OBJS...      where each GPL-only symbol is referenced
#   mx_judge_gpl TREE PRISTINE LOG OUT OBJS...
#                                      the licence check of a kernel-open cell

mx_open_tags() {
	for _f in "$1"/kernel-open-*.tar.xz; do
		[ -f "$_f" ] || continue
		_f=${_f##*/kernel-open-}
		printf '%s\n' "${_f%.tar.xz}"
	done | sort -V
}

# mx_open_unpack TARBALL TAG: unpack once per tarball checksum, into
# $MX_CACHE/kernel-open/<sha256>/kernel-open-TAG (read-only, like the Debian
# trees: cells work on copies).  Every member must be a file or directory
# inside kernel-open-TAG/, without "..".  0 and MX_OPEN_SRC, or 1 and
# MX_OPEN_ERR.
mx_open_unpack() {
	_tb=$1 _tag=$2
	_sum=$(sha256sum <"$_tb" | cut -d' ' -f1)
	_ud=$MX_CACHE/kernel-open/$_sum
	MX_OPEN_SRC=$_ud/kernel-open-$_tag
	if [ -f "$_ud/ready" ] && [ -d "$MX_OPEN_SRC" ]; then return 0; fi
	_ut=$_ud.tmp.$$
	rm -rf "$_ut"
	mkdir -p "$_ut"
	if ! tar -tJf "$_tb" >"$_ut.names" 2>&1 || ! tar -tvJf "$_tb" >"$_ut.list" 2>&1; then
		MX_OPEN_ERR="cannot list $_tb: $(tail -n 1 "$_ut.names" "$_ut.list" | grep . | tail -n 1)"
		rm -rf "$_ut" "$_ut.names" "$_ut.list"
		return 1
	fi
	_bad=$(awk -v top="kernel-open-$_tag" '
		!(index($0, top "/") == 1 || $0 == top) || $0 ~ /(^|\/)\.\.(\/|$)/ { print; exit }' "$_ut.names")
	[ -n "$_bad" ] || _bad=$(awk 'substr($0, 1, 1) != "-" && substr($0, 1, 1) != "d" { print; exit }' "$_ut.list")
	rm -f "$_ut.names" "$_ut.list"
	if [ -n "$_bad" ]; then
		MX_OPEN_ERR="$_tb: unexpected member: $_bad"
		rm -rf "$_ut"
		return 1
	fi
	if ! tar -xJf "$_tb" -C "$_ut" --no-same-owner --no-same-permissions 2>"$_ut.err" ||
		[ ! -f "$_ut/kernel-open-$_tag/Kbuild" ]; then
		MX_OPEN_ERR="cannot unpack $_tb: $(tail -n 1 "$_ut.err")"
		rm -rf "$_ut" "$_ut.err"
		return 1
	fi
	rm -f "$_ut.err"
	chmod -R a-w "$_ut/kernel-open-$_tag"
	printf '%s %s\n' "$_sum" "${_tb##*/}" >"$_ut/ready"
	if [ -d "$_ud" ]; then chmod -R u+w "$_ud"; rm -rf "$_ud"; fi
	mv "$_ut" "$_ud"
}

# mx_layer_lines PRISTINE TREE FILE...: "FILE:LINE" for every line of
# TREE/FILE that a patch added or changed (diff against PRISTINE/FILE);
# "FILE:*" for a file PRISTINE has not (the compat layer's own).
mx_layer_lines() {
	_p=$1 _t=$2
	shift 2
	for _f in "$@"; do
		if [ ! -f "$_p/$_f" ]; then
			printf '%s:*\n' "$_f"
			continue
		fi
		diff -U0 "$_p/$_f" "$_t/$_f" | awk -v f="$_f" '
			/^@@ / { split(substr($3, 2), a, ","); n = (a[2] == "" ? 1 : a[2])
				for (i = 0; i < n; i++) print f ":" (a[1] + i) }'
	done
}

# mx_gpl_refs TREE SYMS OBJS...: one line per reference to one of SYMS (a
# list of symbol names) in the objects: symbol, object, section+offset,
# and the source lines that make it, innermost first (addr2line -i: an
# inlined function's own line, then each caller's), paths relative to
# TREE ("include/..." for the kernel's headers).  A reference outside code
# (data) has no source line: "?".  Kbuild names a header found through a
# relative -I as "././common/inc/nv-mm.h": the "./" go, so that the path is
# the one the patches and the compat layer use.
mx_gpl_refs() {
	_tree=$1 _gsyms=" $(printf '%s\n' "$2" | tr '\n' ' ')"
	shift 2
	[ -n "$(printf '%s' "$_gsyms" | tr -d ' ')" ] || return 0
	for _o in "$@"; do
		objdump -r "$_tree/$_o" | awk -v syms="$_gsyms" '
			/^RELOCATION RECORDS FOR \[/ { sec = $4; gsub(/^\[|\]:$/, "", sec); next }
			sec !~ /^\.debug/ && NF == 3 && $1 ~ /^[0-9a-f]+$/ {
				s = $3; sub(/[-+]0x[0-9a-f]+$/, "", s)
				if (index(syms, " " s " ")) print sec "\t" $1 "\t" s }' >"$MX_TIMES.refs"
		cut -f1 "$MX_TIMES.refs" | awk '!seen[$0]++' | while IFS= read -r _sec; do
			# shellcheck disable=SC2046 # offsets: one word each
			addr2line -a -i -j "$_sec" -e "$_tree/$_o" \
				$(awk -F'\t' -v s="$_sec" '$1 == s { print "0x" $2 }' "$MX_TIMES.refs") 2>/dev/null |
				sed -e 's/ (discriminator [0-9]*)$//' -e "s|^$_tree/||" -e 's|^\(\./\)*||' \
					-e 's|^/.*/include/|include/|' |
				awk -F'\t' -v s="$_sec" -v o="$_o" -v refs="$MX_TIMES.refs" '
					function flush() { if (n) { x = off[n]; sub(/^0+/, "", x)
						printf "%s\t%s\t%s+0x%s\t%s\n", sym[n], o, s, (x == "" ? "0" : x), (ch == "" ? "?" : ch) } }
					BEGIN { while ((getline l <refs) > 0) { split(l, f, "\t"); if (f[1] == s) { m++; off[m] = f[2]; sym[m] = f[3] } } }
					/^0x[0-9a-f]+$/ { flush(); n++; ch = ""; next }
					/^\?\?:/ { next }
					{ ch = ch (ch == "" ? "" : " ") $0 }
					END { flush() }'
		done
	done
	rm -f "$MX_TIMES.refs"
}

# mx_judge_gpl TREE PRISTINE LOG OUT OBJS...: the licence check of a
# kernel-open "+vgpu" cell whose objects compiled (MX_RESULT built).  These
# trees say MODULE_LICENSE("Dual MIT/GPL"); the build linked the objects
# with tests/matrix.d/kernel-open/nvc-licence.c, a stand-in for the core
# with nothing but the licence tag the vGPU-KVM package's nvidia.ko has
# ("NVIDIA"), so the kernel's modpost reported every GPL-only symbol the
# objects use as it would for that module.  NVIDIA's open flavour uses
# some on purpose (code the proprietary flavour has not); what matters is
# that none is reached from the compat layer: every reference is
# attributed to its source lines (mx_gpl_refs), and a reference whose lines
# include one of the layer's files or a line a patch changed (against
# PRISTINE) fails the cell, as does a symbol no source line explains.
# Writes the attribution to OUT (symbol, layer|nvidia|?, object,
# section+offset, source lines).
mx_judge_gpl() {
	_tree=$1 _pris=$2 _log=$3 _out=$4
	shift 4
	: >"$_out"
	# (objcopy writes nothing to a pipe: through a file)
	_lic=
	if objcopy -O binary -j .modinfo "$_tree/nvidia.o" "$_out.modinfo" 2>/dev/null; then
		_lic=$(tr '\0' '\n' <"$_out.modinfo" | sed -n 's/^license=//p' | paste -sd, -)
	fi
	rm -f "$_out.modinfo"
	case ",$_lic," in
	*,NVIDIA,*) ;;
	*)
		MX_RESULT=failed
		MX_DETAIL="$MX_DETAIL; no licence check: nvidia.o not linked with the licence stand-in (licence tags: ${_lic:-none})"
		return 0
		;;
	esac
	if ! grep -q 'MODPOST' "$_log"; then
		MX_RESULT=failed MX_DETAIL="$MX_DETAIL; no licence check: modpost did not run"
		return 0
	fi
	_syms=$(sed -n "s/.*GPL-only symbol '\([^']*\)'.*/\1/p" "$_log" | LC_ALL=C sort -u)
	mx_gpl_refs "$_tree" "$_syms" "$@" >"$_out.refs"
	# shellcheck disable=SC2046 # file names: one word each
	mx_layer_lines "$_pris" "$_tree" $(cut -f4 "$_out.refs" | tr ' ' '\n' |
		sed -n 's/^\([^/?][^:]*\):[0-9]*$/\1/p' | grep -v '^include/' | LC_ALL=C sort -u) >"$_out.layer"
	printf '%s\n' "$_syms" | grep . | awk -F'\t' -v layer="$_out.layer" -v refs="$_out.refs" '
		BEGIN {
			while ((getline l <layer) > 0) { if (l ~ /:\*$/) whole[substr(l, 1, length(l) - 2)] = 1; else mine[l] = 1 }
			while ((getline l <refs) > 0) {
				split(l, f, "\t"); c = "nvidia"
				if (f[4] == "?") c = "?"
				nfr = split(f[4], fr, " ")
				for (i = 1; i <= nfr; i++) {
					file = fr[i]; sub(/:[0-9]+$/, "", file)
					if (fr[i] in mine || file in whole || file ~ /^nvidia-vgpu-compat\//) c = "layer"
				}
				print f[1] "\t" c "\t" f[2] "\t" f[3] "\t" f[4]
				seen[f[1]] = 1
			}
		}
		!($0 in seen) { print $0 "\t?\t-\t-\tno reference in the objects" }' >"$_out"
	rm -f "$_out.refs" "$_out.layer"
	_n=$(printf '%s\n' "$_syms" | grep -c . || true)
	_mine=$(awk -F'\t' '$2 == "layer" { print $1 " (" $5 ")" }' "$_out" | awk '!seen[$0]++')
	_unk=$(awk -F'\t' '$2 == "?" { print $1 " (" $3 " " $4 ")" }' "$_out" | awk '!seen[$0]++')
	if [ -n "$_mine" ]; then
		MX_RESULT=failed
		MX_DETAIL="GPL-only symbol reached from the compat layer or a patched line (licence NVIDIA): $(mx_short "$_mine")"
	elif [ -n "$_unk" ]; then
		MX_RESULT=failed
		MX_DETAIL="GPL-only symbol not attributed to a source line (licence NVIDIA): $(mx_short "$_unk")"
	elif [ "$_n" = 0 ]; then
		MX_DETAIL="$MX_DETAIL; modpost as licence NVIDIA: no GPL-only symbol"
	else
		MX_DETAIL="$MX_DETAIL; modpost as licence NVIDIA: $_n GPL-only symbols, all on NVIDIA's open-flavour lines, none from the layer"
	fi
}

# --- the conftest diff -----------------------------------------------------------
#
#   mx_conftest_diff TREE KERNEL_ID   0: NVIDIA's conftest agrees with our
#                                     probes on every macro of
#                                     tests/matrix.d/conftest-map.tsv it
#                                     generated; 1 and MX_CONFTEST_DIFF
#                                     ("NV_X defined, the kernel has not
#                                     (NVC_Y no); ...") where it does not.
#                                     MX_CONFTEST_N: how many it compared.
# Our probes of KERNEL_ID are run once per run ($OUTD/probes-KERNEL_ID).
mx_conftest_diff() {
	_cd_tree=$1 _cd_k=$2
	MX_CONFTEST_DIFF='' MX_CONFTEST_N=0
	_cd_p=$OUTD/probes-$_cd_k
	if [ ! -s "$_cd_p" ]; then
		"$TOP/scripts/vgpu-compat" probe --kernel "$NVC_CACHE/kernels/$_cd_k/build" >"$_cd_p.tmp" 2>&1 ||
			{ MX_CONFTEST_DIFF="our probes failed on $_cd_k: $(tail -n 1 "$_cd_p.tmp")"; rm -f "$_cd_p.tmp"; return 1; }
		mv "$_cd_p.tmp" "$_cd_p"
	fi
	# "NAME 1|0" for each macro the conftest headers define or undefine
	cat "$_cd_tree"/conftest/*.h 2>/dev/null |
		awk '$1 == "#define" && $2 ~ /^NV_/ { print $2, 1 } $1 == "#undef" && $2 ~ /^NV_/ { print $2, 0 }' >"$_cd_p.$$.nv"
	_cd_out=$(awk -F'\t' -v nvf="$_cd_p.$$.nv" -v prf="$_cd_p" '
		BEGIN {
			while ((getline l < nvf) > 0) { split(l, a, " "); nv[a[1]] = a[2] }
			while ((getline l < prf) > 0) { n = split(l, a, " "); if (n == 2 && (a[1] == "yes" || a[1] == "no")) pr[a[2]] = (a[1] == "yes") }
		}
		/^#/ || NF < 2 { next }
		!($1 in nv) { next }
		{
			p = $2; inv = sub(/^!/, "", p)
			if (p == "always") want = 1
			else if (p in pr) want = inv ? !pr[p] : pr[p]
			else { bad = bad (bad == "" ? "" : "; ") "no probe " p " for " $1; next }
			n++
			if (nv[$1] != want)
				bad = bad (bad == "" ? "" : "; ") $1 (nv[$1] ? " defined" : " undefined") ", the kernel " \
					(want ? "has it" : "has not") " (" (p == "always" ? "every kernel we support" : ($2 " " (pr[p] ? "yes" : "no"))) "; " $3 ")"
		}
		END { print n + 0; print bad }' "$TOP/tests/matrix.d/conftest-map.tsv")
	rm -f "$_cd_p.$$.nv"
	MX_CONFTEST_N=$(printf '%s\n' "$_cd_out" | sed -n 1p)
	MX_CONFTEST_DIFF=$(printf '%s\n' "$_cd_out" | sed -n 2p)
	[ -z "$MX_CONFTEST_DIFF" ]
}

# mx_judge_conftest TREE KERNEL_ID: after the build, built or not, where
# conftest ran: a cell whose conftest disagrees with our probes fails, and
# its detail names the misdetected macros first (a build that then failed
# failed for that reason); a built cell says how many macros agreed.
mx_judge_conftest() {
	ls "$1"/conftest/*.h >/dev/null 2>&1 || return 0
	if mx_conftest_diff "$1" "$2"; then
		[ "$MX_RESULT" != built ] ||
			MX_DETAIL="$MX_DETAIL; conftest agrees with our probes ($MX_CONFTEST_N macros)"
	else
		MX_RESULT=failed
		MX_DETAIL="NVIDIA's conftest misdetects: $MX_CONFTEST_DIFF; $MX_DETAIL"
	fi
}
