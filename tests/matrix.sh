#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make matrix: the real driver x kernel matrix.  Every cell copies one of
# Debian's real NVIDIA source trees (nv-kernel.o_binary included, so nvidia.ko
# links for real), runs "vgpu-compat apply" on it, builds nvidia with the
# driver's own Makefile against one prepared kernel tree, and is judged:
#
#   built           nvidia.ko links; modpost reports no GPL-only symbol use,
#                   no namespace problem, no undefined symbol; the vermagic
#                   starts with the kernel's release; the licence is still
#                   the sources' own: "NVIDIA", or "Dual MIT/GPL" for the
#                   open-* rows (Debian's nvidia-open-kernel-source: NVIDIA's
#                   open nvidia.ko, whose RM Debian builds from NVIDIA's open
#                   sources into nv-kernel.o_binary; the open flavour of a
#                   vGPU-KVM .run); GPL-only symbols are fine there
#   declined-known  it does not build, and tests/matrix.d/declined.tsv says
#                   why this cell is unsupported on purpose
#   failed          anything else
#
# Each driver also gets a "<version> +vgpu" cell per kernel: the objects
# whose sources have NV_VGPU_KVM_BUILD branches (nv.c, nv-pci.c, nv-mmap.c,
# os-interface.c) compiled with it defined, as NVIDIA's conftest does for
# the vGPU-KVM package (VGX_KVM_BUILD set), with the one vGPU-only header
# Debian's sources lack supplied from tests/matrix.d/vgpu/.  Objects only:
# linking every object built that way fails in modpost on exactly three
# symbols, nvidia_vgpu_vfio_probe and nvidia_vgpu_vfio_remove (called by
# nv-pci.c) and os_call_vgpu_vfio (called by nv-kernel.o_binary; os-interface.c
# defines it only without NV_VGPU_KVM_BUILD), all three defined by the vGPU
# package's nvidia/nv-vgpu-vfio-interface.c, which Debian's sources lack.
# Debian's nv-kernel.o_binary itself lacks nothing for that link (checked:
# 550.54.15 on 6.1).
#
# "<tag> (kernel-open) +vgpu" cells: NVIDIA's open-gpu-kernel-modules
# kernel-open/ glue at each tag of ${NVC_SHARED:-../shared}/real/kernel-open/
# (kernel-open-<tag>.tar.xz, unpacked once per tarball checksum under
# $NVC_CACHE/matrix/kernel-open), patched with "vgpu-compat apply" and
# built like a "+vgpu" cell: the nvidia/ objects with NV_VGPU_KVM_BUILD code
# compiled with it defined.  These trees have no src/ (the core), so
# nvidia.ko cannot link; in its place, tests/matrix.d/kernel-open/
# nvc-licence.c, a stand-in with nothing but the licence tag of the
# vGPU-KVM package's nvidia.ko ("NVIDIA"): modpost then judges the linked
# objects as a GPL-incompatible module, although the trees themselves say
# "Dual MIT/GPL".  built: every object compiled, and no GPL-only symbol
# modpost reports is referenced from the compat layer or a line a patch
# changed (each reference is attributed to its source lines, inlined
# callers included); NVIDIA's open flavour uses some GPL-only symbols on its
# own lines, which are listed, not judged.  Without ../shared (a user's
# clone) these cells are skipped, with the reason.
#
# usage: tests/matrix.sh [--no-cache] [--no-vgpu] [--drivers "V..."] [--kernels "ID..."]
#        (V: a role, a version, "kernel-open" for every kernel-open tag or
#        "kernel-open-<tag>" for one)
#        tests/matrix.sh --overhead [DRIVER [KERNEL_ID]]
#
# A cell whose inputs are unchanged (the patched tree's content, the kernel
# release and its tree's Module.symvers/.config, the compilers' versions) is
# not rebuilt: its recorded result is reused and marked "(cached)".  Records:
# $NVC_CACHE/matrix/cells; compilers run through ccache ($NVC_CACHE/ccache).
# NVC_MATRIX_CACHE=<dir> keeps records, work trees, lock and ccache there
# instead (a private run beside another one); NVC_MATRIX_CCACHE_DIR moves
# the ccache alone.
#
# Output: the table on stdout, $NVC_OUT/matrix.tsv (driver, kernel ID,
# release, result, detail, seconds, cached 0/1, cell, CPU seconds),
# $NVC_OUT/matrix.md, and per cell $NVC_OUT/matrix/<cell>.log and .errors.  --overhead measures, on one cell
# (default 550.54.15 on 6.1), what a DKMS build of the imported tree runs per
# kernel (our second copy of the tree, our Makefile: apply --if-changed, the
# probes, NVIDIA's build) against NVIDIA's build of the pristine tree,
# alternating, median of 3, without ccache; the import itself (once per
# driver) is timed apart.
#
# Environment: NVC_CACHE, NVC_OUT (default tests/out), NVC_MATRIX_CACHE,
# NVC_MATRIX_CCACHE_DIR, NVC_JOBS (make -j, 2),
# NVC_MATRIX_DRIVERS, NVC_MATRIX_KERNELS, NVC_MATRIX_NOCACHE=1,
# NVC_MATRIX_VGPU=0, NVC_MATRIX_CCACHE=0, NVC_MATRIX_KEEP=1 (keep the trees),
# NVC_MATRIX_CELL_TIMEOUT (s, 1800), NVC_SKIP_SETUP=1 (do not prepare
# missing kernel trees / NVIDIA sources).
#
# Results: built, declined-known, failed, and skipped (a kernel-open cell
# without ../shared).
# Exit status: 0 every cell built, declined-known or skipped; 1 some cell
# failed; 2 usage.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/matrix.sh
. "$TOP/tests/lib/matrix.sh"
NVC_OUT=${NVC_OUT:-$TOP/tests/out}
MX_DECLINED=$TOP/tests/matrix.d/declined.tsv
MX_OVERLAY=$TOP/tests/matrix.d/vgpu
MX_LICENCE_SRC=$TOP/tests/matrix.d/kernel-open/nvc-licence.c
MX_SHARED=${NVC_SHARED:-$TOP/../shared}
MX_OPEN_DIR=$MX_SHARED/real/kernel-open
# drivers: roles of tests/setup/nvidia-sources.sh (a package and a suite,
# the version resolved at setup) or versions already unpacked
DRIVERS=${NVC_MATRIX_DRIVERS:-tesla535-bookworm tesla535-sid tesla550-sid current-trixie current-bookworm open-bookworm open-sid open-experimental kernel-open}
KERNELS=${NVC_MATRIX_KERNELS:-6.1 6.12 6.12-trixie 7-prev 7-newest}
VGPU=${NVC_MATRIX_VGPU:-1}
MODE=matrix

usage() {
	sed -n '/^# usage: /,/^#$/{ /^#$/d; s/^# usage: /usage: /; s/^#        /       /; p; }' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--no-cache) NVC_MATRIX_NOCACHE=1; shift ;;
	--no-vgpu) VGPU=0; shift ;;
	--drivers) [ $# -ge 2 ] || usage; DRIVERS=$2; shift 2 ;;
	--kernels) [ $# -ge 2 ] || usage; KERNELS=$2; shift 2 ;;
	--overhead) MODE=overhead; shift; break ;;
	-h|--help) usage ;;
	*) usage ;;
	esac
done

die() { printf 'matrix: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v m="$1" 'BEGIN { printf "%.2f", m / 1000 }'; } # secs MS

# --- setup -------------------------------------------------------------------

prepare_inputs() {
	_mk='' _mn=''
	for _k in $KERNELS; do
		[ -f "$NVC_CACHE/kernels/$_k/ready" ] || _mk="$_mk $_k"
	done
	for _d in $DRIVERS; do
		case $_d in
		kernel-open*) ;;	# ../shared, not tests/setup/
		[0-9]*) [ -f "$NVC_CACHE/nvidia/$_d.ready" ] || _mn="$_mn $_d" ;;
		*) [ -f "$NVC_CACHE/nvidia/$(readlink "$NVC_CACHE/nvidia/$_d" 2>/dev/null).ready" ] || _mn="$_mn $_d" ;;
		esac
	done
	[ -n "$_mk$_mn" ] || return 0
	if [ "${NVC_SKIP_SETUP:-0}" = 1 ]; then
		echo "matrix: not prepared:$_mk$_mn (NVC_SKIP_SETUP=1): those cells fail" >&2
		return 0
	fi
	# shellcheck disable=SC2086
	[ -z "$_mk" ] || sh "$TOP/tests/setup/kernels.sh" $_mk ||
		echo "matrix: tests/setup/kernels.sh$_mk failed" >&2
	# a missing version (not a role): every role
	case " $_mn " in *" "[0-9]*) _mn=all ;; esac
	[ "$_mn" != all ] || _mn=" "
	# shellcheck disable=SC2086
	[ -z "$_mn" ] || sh "$TOP/tests/setup/nvidia-sources.sh" $_mn ||
		echo "matrix: tests/setup/nvidia-sources.sh$_mn failed" >&2
}

# roles_to_versions: DRIVERS with every role replaced by its version and
# "kernel-open" by kernel-open-<tag> for each tarball of $MX_OPEN_DIR (it
# stays "kernel-open" when there is none: skipped cells), duplicates
# dropped, after prepare_inputs
roles_to_versions() {
	for _d in $DRIVERS; do
		if [ "$_d" = kernel-open ]; then
			_t=$(mx_open_tags "$MX_OPEN_DIR" | sed 's/^/kernel-open-/')
			printf '%s\n' "${_t:-kernel-open}"
		elif [ -L "$NVC_CACHE/nvidia/$_d" ]; then readlink "$NVC_CACHE/nvidia/$_d"; else echo "$_d"; fi
	done | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

# A private copy of a pristine tree (files there are read-only).
copy_tree() {
	rm -rf "$2"
	cp -a "$NVC_CACHE/nvidia/$1" "$2"
	chmod -R u+w "$2"
}

# --- the overhead of the layer on one cell ------------------------------------

overhead() {
	_d=${1:-tesla550-sid} _k=${2:-6.1}
	KERNELS=$_k DRIVERS=$_d
	prepare_inputs
	_d=$(roles_to_versions) DRIVERS=$(roles_to_versions)
	[ -f "$NVC_CACHE/kernels/$_k/ready" ] || die "kernel tree $_k is not prepared"
	[ -f "$NVC_CACHE/nvidia/$_d.ready" ] || die "NVIDIA sources $_d are not prepared"
	NVC_MATRIX_CCACHE=0
	mx_ccache_setup
	export CCACHE_DISABLE=1
	_w=$MX_CACHE/work/overhead
	rm -rf "${_w:?}"
	mkdir -p "$_w" "$NVC_OUT/matrix"
	: >"$_w/probe-times"
	# Once per driver: import rewrites kernel/ (Debian's tree has no
	# nvidia-vgpu-vfio: --allow-non-vgpu, no DKMS registration).
	copy_tree "$_d" "$_w/src"
	_t0=$(now_ms)
	"$TOP/scripts/vgpu-compat" import --no-dkms --allow-non-vgpu --prefix "$_w/imp" "$_w/src" \
		>"$NVC_OUT/matrix/overhead-import.log" 2>&1 ||
		die "import failed: $(tail -n 1 "$NVC_OUT/matrix/overhead-import.log")"
	_imp_s=$(secs $(( $(now_ms) - _t0 )))
	_imp=$_w/imp/nvidia-vgpu-compat-$_d
	_kb=$NVC_CACHE/kernels/$_k/build
	_plain='' _layer='' _plain_cpu='' _layer_cpu='' _pairs=''
	_rounds=${NVC_OVERHEAD_ROUNDS:-5}
	# alternate, starting with the other variant each round
	_round=0
	while [ "$_round" -lt "$_rounds" ]; do
		_round=$((_round + 1))
		case $((_round % 2)) in 0) _order="layer plain" ;; *) _order="plain layer" ;; esac
		_pw='' _lw=''
		for _v in $_order; do
			_log=$NVC_OUT/matrix/overhead-$_v-$_round.log
			rm -rf "${_w:?}/$_v"
			# DKMS copies the source tree into its build directory
			# either way (untimed); ours copies it once more, into
			# build.nvc-<kernel> (timed), and runs our Makefile there.
			[ "$_v" = layer ] || copy_tree "$_d" "$_w/$_v"
			_t0=$(now_ms)
			mx_cpu
			_c0=$MX_CPU
			if [ "$_v" = layer ]; then
				cp -a "$_imp" "$_w/$_v" &&
				NVC_PROBE_TIMES=$_w/probe-times PATH=$MX_PATH LANG=C LC_ALL=C nice -n "${NVC_MATRIX_NICE:-10}" \
					timeout -k 30 "$MX_TIMEOUT" make -C "$_w/$_v" KVER="$(cat "$NVC_CACHE/kernels/$_k/release")" \
					KDIR="$_kb" NVC_JOBS="$MX_JOBS" MODULES=nvidia modules >"$_log" 2>&1 ||
					die "$_v build failed, see $_log"
				grep -q 'nothing to rewrite' "$_log" || die "the layer build rewrote kernel/ again, see $_log"
				_ko=$_w/$_v/kernel/nvidia.ko
			else
				mx_make "$_w/$_v" "$_k" "$_log" || die "$_v build failed, see $_log"
				_ko=$_w/$_v/nvidia.ko
			fi
			_s=$(( $(now_ms) - _t0 ))
			mx_cpu
			_c=$((MX_CPU - _c0))
			[ -f "$_ko" ] || die "$_v build made no nvidia.ko"
			echo "overhead: round $_round, $_v: $(secs "$_s") s wall clock, $_c s CPU"
			if [ "$_v" = layer ]; then
				_layer="$_layer $_s" _layer_cpu="$_layer_cpu $_c" _lw=$_s
			else
				_plain="$_plain $_s" _plain_cpu="$_plain_cpu $_c" _pw=$_s
			fi
			# the last layer build stays, for the compiler-input count
			[ "$_v" = layer ] && [ "$_round" = "$_rounds" ] || rm -rf "${_w:?}/$_v"
		done
		_pairs="$_pairs $(awk -v a="$_lw" -v b="$_pw" 'BEGIN { printf "%.3f", a / b }')"
	done
	# The layer's own steps, each timed alone (ms): the stamp check and the
	# probe runner as the build calls it (cold: no header yet).
	_kr=$(cat "$NVC_CACHE/kernels/$_k/release")
	_t0=$(now_ms)
	"$_w/layer/scripts/vgpu-compat" apply --if-changed "$_w/layer/kernel" >/dev/null 2>&1 || :
	_stamp_ms=$(( $(now_ms) - _t0 ))
	_cin=$(overhead_input "$_w/layer/kernel" "$_kb") || _cin="n/a (the count failed)"
	# shellcheck disable=SC2086
	_mp=$(median $_plain)
	# shellcheck disable=SC2086
	_ml=$(median $_layer)
	# shellcheck disable=SC2086
	_mpc=$(median $_plain_cpu)
	# shellcheck disable=SC2086
	_mlc=$(median $_layer_cpu)
	{
		echo "cell: $_d on $_kr, make -j$MX_JOBS, no ccache, alternating, $_rounds rounds, medians"
		echo "import (rewrite, once per driver): $_imp_s s"
		echo "without the layer (NVIDIA's build):                wall (ms)$_plain, median $(secs "$_mp") s; CPU$_plain_cpu s, median $_mpc s"
		echo "with the layer (copy, stamp check, probes, build): wall (ms)$_layer, median $(secs "$_ml") s; CPU$_layer_cpu s, median $_mlc s"
		echo "ratio with/without: wall $(awk -v a="$_ml" -v b="$_mp" 'BEGIN { printf "%.3f", a / b }'), CPU $(awk -v a="$_mlc" -v b="$_mpc" 'BEGIN { printf "%.3f", a / b }')"
		# shellcheck disable=SC2086
		echo "wall ratio of each round (same round, back to back):$_pairs; median $(median $_pairs), spread $(printf '%s\n' $_pairs | sort -n | sed -n '1p;$p' | tr '\n' ' ' | sed 's/ $//;s/ / to /')"
		echo "the layer's own steps, timed alone: stamp check $(secs "$_stamp_ms") s; probe runner in each build (ms wall, CPU s): $(overhead_probe "$_w/probe-times")"
		echo "compiler input (preprocessed text of every object of the build, with / without our flags): $_cin"
	} | tee "$NVC_OUT/matrix-overhead.txt"
	rm -rf "${_w:?}/layer"
}

# median N...: the middle value (the lower one of an even count)
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

# overhead_input KERNEL_DIR KBUILD: the bytes of preprocessed text the
# compiler read for every object of a built tree (the commands Kbuild saved
# in .*.o.cmd), with and without our -I / -include flags: deterministic,
# where times on a shared machine vary by +-10% from one build to the next.
overhead_input() {
	_oi_w=$(mktemp -d "${TMPDIR:-/tmp}/nvc-oi.XXXXXX")
	_oi_with=0 _oi_without=0 _oi_n=0 _oi_ours=0
	for _oi_c in "$1"/*/.*.o.cmd; do
		[ -f "$_oi_c" ] || continue
		_oi_cmd=$(sed -n 's/^\(saved\)\{0,1\}cmd_[^ ]* := //p' "$_oi_c" | head -n 1)
		case $_oi_cmd in *" -c -o "*.c*) ;; *) continue ;; esac
		_oi_cmd=$(printf '%s\n' "$_oi_cmd" | sed -e 's/ ; .*//' -e 's/ -Wp,-MMD,[^ ]*//' -e "s| -c -o [^ ]*| -E -o $_oi_w/o.i|")
		# our flags name the tree's own nvidia-vgpu-compat/ (absolute, or
		# relative to the module's directory from 6.13 on)
		_oi_bare=$(printf '%s\n' "$_oi_cmd" | awk -v t="$1" '
			function ours(d) { return d == t "/nvidia-vgpu-compat" || d == "./nvidia-vgpu-compat" || d == "nvidia-vgpu-compat" }
			{ o = ""
			  for (i = 1; i <= NF; i++) {
				if ($i == "-include" && i < NF) { d = $(i + 1); sub(/\/[^\/]*$/, "", d); if (ours(d)) { i++; continue } }
				if ($i ~ /^-I/ && ours(substr($i, 3))) continue
				o = o " " $i
			  }
			  print o }')
		case $_oi_cmd in *"nvidia-vgpu-compat/nvc-"*.h" "*) _oi_ours=$((_oi_ours + 1)) ;; esac
		for _oi_v in with without; do
			[ $_oi_v = with ] && _oi_x=$_oi_cmd || _oi_x=$_oi_bare
			rm -f "$_oi_w/o.i"
			(cd "$2" && sh -c "$_oi_x") >/dev/null 2>&1 || (cd "$1" && sh -c "$_oi_x") >/dev/null 2>&1 || :
			[ -s "$_oi_w/o.i" ] || { rm -rf "$_oi_w"; echo "n/a (could not preprocess ${_oi_c#"$1"/})"; return 0; }
			_oi_b=$(grep -v '^#' "$_oi_w/o.i" | wc -c)
			eval "_oi_$_oi_v=\$((_oi_$_oi_v + _oi_b))"
		done
		_oi_n=$((_oi_n + 1))
	done
	rm -rf "$_oi_w"
	[ "$_oi_n" -gt 0 ] || { echo "n/a (no object commands)"; return 0; }
	echo "$_oi_with / $_oi_without bytes over $_oi_n objects ($_oi_ours with headers of ours force-included): $(awk -v a="$_oi_with" -v b="$_oi_without" 'BEGIN { printf "%.4f", a / b }')"
}

# overhead_probe TIMES: the probe runner's own lines (NVC_PROBE_TIMES of
# compat/nvc-probe.sh), one per layer build.
overhead_probe() {
	[ -s "$1" ] || { echo "n/a (no record)"; return 0; }
	awk '$1 == "ms" { w = w " " $2; c = c " " $4 + $5; n++ } $1 == "cached" { k++ }
		END { printf "%s; CPU%s (%d cold, %d cached)\n", w, c, n, k }' "$1"
}

# --- the matrix ----------------------------------------------------------------

# record DRIVER KERNEL_ID RELEASE RESULT DETAIL SECONDS CACHED CELL CPU
record() {
	_r=$4 _det=$5
	_rwhy=$(mx_declined "$1" "$2")
	if [ -n "$_rwhy" ]; then
		if [ "$_r" = failed ]; then
			# with an errors pattern, only a cell whose every error is
			# the break named is declined; anything else still fails
			_pat=$(mx_declined "$1" "$2" 4)
			_other=
			if [ -n "$_pat" ]; then
				if [ -s "$OUTD/$8.errors" ]; then
					_other=$(grep -Ev -- "$_pat" "$OUTD/$8.errors" | head -n 1)
				else
					_other="no error recorded"
				fi
			fi
			if [ -z "$_other" ]; then
				_r=declined-known _det="$_rwhy (failed: $_det)"
			else
				_det="$_det; not only what declined.tsv names: $_other"
			fi
		else
			_det="$_det; note: declined.tsv still lists this cell"
		fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$_r" "$_det" "$6" "$7" "$8" "${9:-0}" >>"$TSV.tmp"
	N=$((N + 1))
	_c=
	[ "$7" = 1 ] && _c=" (cached)"
	printf '[%2d/%d] %-18s %-22s %s%s, %s s: %s\n' "$N" "$TOTAL" "$1" "$3" "$_r" "$_c" "$6" "$_det"
}

# from_cache DRIVER KERNEL_ID RELEASE CELL: report a recorded result
from_cache() {
	zcat "$MX_HIT/log.gz" >"$OUTD/$4.log" 2>/dev/null || :
	cp "$MX_HIT/errors" "$OUTD/$4.errors"
	if [ -f "$MX_HIT/gpl" ]; then cp "$MX_HIT/gpl" "$OUTD/$4.gpl"; fi
	record "$1" "$2" "$3" "$(cat "$MX_HIT/result")" "$(cat "$MX_HIT/detail")" \
		"$(cat "$MX_HIT/seconds")" 1 "$4" "$(cat "$MX_HIT/cpu" 2>/dev/null || echo 0)"
}

# store KEY CELL: record MX_RESULT/MX_DETAIL, the log and errors under KEY
store() {
	_rec=$MX_CACHE/cells/.tmp-$1.$$
	rm -rf "$_rec"
	mkdir -p "$_rec"
	printf '%s\n' "$MX_RESULT" >"$_rec/result"
	printf '%s\n' "$MX_DETAIL" >"$_rec/detail"
	printf '%s\n' "$SECS" >"$_rec/seconds"
	printf '%s\n' "$CPU" >"$_rec/cpu"
	printf '%s\n' "$2" >"$_rec/cell"
	cp "$OUTD/$2.errors" "$_rec/errors"
	if [ -f "$OUTD/$2.gpl" ]; then cp "$OUTD/$2.gpl" "$_rec/gpl"; fi
	gzip -c "$OUTD/$2.log" >"$_rec/log.gz"
	mx_cache_put "$1" "$_rec"
}

# vgpu_build TREE KERNEL_ID CELL MODPOST_WARN OBJS...: compile OBJS of TREE
# with NV_VGPU_KVM_BUILD (VGX_KVM_BUILD=1) into $OUTD/CELL.log, KBUILD_MODPOST_WARN
# set to MODPOST_WARN ("" or 1); SECS and CPU of the build, then
# mx_judge_vgpu (MX_RESULT, MX_DETAIL).  A "+vgpu" cell of either kind.
vgpu_build() {
	_vb_tree=$1 _vb_k=$2 _vb_log=$OUTD/$3.log _vb_warn=$4
	shift 4
	_vb_stamp=$_vb_tree/.nvc-matrix-stamp
	: >"$_vb_stamp"
	_vb_srcs=$(printf '%s\n' "$@" | sed 's/\.o$/.c/' | paste -sd' ' -)
	_vb_t0=$(now)
	mx_cpu
	_vb_c0=$MX_CPU
	VGX_KVM_BUILD=1 KBUILD_MODPOST_WARN=$_vb_warn \
		mx_make "$_vb_tree" "$_vb_k" "$_vb_log" NVIDIA_SOURCES="$_vb_srcs" || :
	SECS=$(( $(now) - _vb_t0 ))
	mx_cpu
	CPU=$((MX_CPU - _vb_c0))
	mx_judge_vgpu "$_vb_tree" "$_vb_log" "$_vb_stamp" "$@"
}

# pair DRIVER KERNEL_ID: the nvidia cell and the +vgpu cell
pair() {
	_d=$1 _k=$2
	_cell=$(mx_cell_id "$_d" "$_k")
	_vcell=$(mx_cell_id "$_d" "$_k" vgpu)
	_tree=$MX_CACHE/work/$_cell
	if [ "$_d" = open-experimental ]; then
		# a role still unresolved: experimental had no package (setup said why)
		_why="experimental has no nvidia-open-kernel-source prepared (tests/setup/nvidia-sources.sh open-experimental)"
		record "$_d" "$_k" "$_k" skipped "$_why" 0 0 "$_cell"
		[ "$VGPU" != 1 ] || record "$_d +vgpu" "$_k" "$_k" skipped "$_why" 0 0 "$_vcell"
		return 0
	fi
	if [ ! -f "$NVC_CACHE/kernels/$_k/ready" ] || [ ! -f "$NVC_CACHE/nvidia/$_d.ready" ]; then
		_why="not prepared: kernel tree $_k or NVIDIA sources $_d (tests/setup/)"
		record "$_d" "$_k" "$_k" failed "$_why" 0 0 "$_cell"
		[ "$VGPU" != 1 ] || record "$_d +vgpu" "$_k" "$_k" failed "$_why" 0 0 "$_vcell"
		return 0
	fi
	_rel=$(cat "$NVC_CACHE/kernels/$_k/release")

	copy_tree "$_d" "$_tree"
	"$TOP/scripts/vgpu-compat" apply --allow-non-vgpu "$_tree" >"$OUTD/$_cell.apply" 2>&1 && _rc=0 || _rc=$?
	if [ "$_rc" != 0 ]; then
		_why="vgpu-compat apply exited $_rc: $(grep -m1 'error' "$OUTD/$_cell.apply" || tail -n 1 "$OUTD/$_cell.apply")"
		# the errors a declined.tsv pattern is matched against
		printf '%s\n' "$_why" >"$OUTD/$_cell.errors"
		cp "$OUTD/$_cell.errors" "$OUTD/$_vcell.errors"
		record "$_d" "$_k" "$_rel" failed "$_why" 0 0 "$_cell"
		[ "$VGPU" != 1 ] || record "$_d +vgpu" "$_k" "$_rel" failed "$_why" 0 0 "$_vcell"
		[ "${NVC_MATRIX_KEEP:-0}" = 1 ] || rm -rf "$_tree"
		return 0
	fi
	_base=$(printf 'schema %s\ntree %s\nkernel %s\n%s\n' "$MX_SCHEMA" \
		"$(mx_tree_hash "$_tree")" "$(mx_kernel_key "$_k")" "$CCKEY")

	# nvidia.ko
	_key=$(printf '%s\nnvidia\n' "$_base" | md5sum | cut -d' ' -f1)
	_built=0
	if mx_cache_get "$_key"; then
		from_cache "$_d" "$_k" "$_rel" "$_cell"
	else
		_t0=$(now)
		mx_cpu
		_c0=$MX_CPU
		if mx_make "$_tree" "$_k" "$OUTD/$_cell.log"; then _rc=0; else _rc=$?; fi
		SECS=$(( $(now) - _t0 ))
		mx_cpu
		CPU=$((MX_CPU - _c0))
		MX_PRISTINE=$NVC_CACHE/nvidia/$_d
		mx_judge_ko "$_tree" "$_rel" "$OUTD/$_cell.log" "$_rc"
		MX_PRISTINE=
		mx_judge_conftest "$_tree" "$_k"
		mx_errors "$OUTD/$_cell.log" "$_tree" >"$OUTD/$_cell.errors"
		store "$_key" "$_cell"
		BUILT=$((BUILT + 1))
		_built=1
		record "$_d" "$_k" "$_rel" "$MX_RESULT" "$MX_DETAIL" "$SECS" 0 "$_cell" "$CPU"
	fi

	# +vgpu: the same tree with NV_VGPU_KVM_BUILD, objects only
	if [ "$VGPU" = 1 ]; then
		cp -R "$MX_OVERLAY/." "$_tree/"
		_objs=$(mx_vgpu_objects "$_tree")
		_vkey=$(printf '%s\nvgpu\n%s\n%s\n' "$_base" "$(mx_tree_hash "$MX_OVERLAY")" "$_objs" |
			md5sum | cut -d' ' -f1)
		if mx_cache_get "$_vkey"; then
			from_cache "$_d +vgpu" "$_k" "$_rel" "$_vcell"
		else
			if [ "$_built" = 1 ]; then
				# conftest ran without VGX_KVM_BUILD: redo its generic.h only
				rm -f "$_tree/conftest/compile-tests/nvidia_vgpu_kvm_build.h" \
					"$_tree/conftest/generic.h"
				for _o in $_objs; do rm -f "$_tree/$_o"; done
			fi
			# shellcheck disable=SC2086
			vgpu_build "$_tree" "$_k" "$_vcell" '' $_objs
			# only these objects are linked: modpost's complaints mean nothing
			mx_errors "$OUTD/$_vcell.log" "$_tree" | grep -v 'modpost' >"$OUTD/$_vcell.errors" || :
			store "$_vkey" "$_vcell"
			BUILT=$((BUILT + 1))
			record "$_d +vgpu" "$_k" "$_rel" "$MX_RESULT" "$MX_DETAIL" "$SECS" 0 "$_vcell" "$CPU"
		fi
	fi
	[ "${NVC_MATRIX_KEEP:-0}" = 1 ] || rm -rf "$_tree"
}

# open_cell kernel-open-TAG KERNEL_ID: the "+vgpu" cell of NVIDIA's
# kernel-open/ tree at TAG (see the top of this file)
open_cell() {
	_tag=${1#kernel-open-} _k=$2
	_row="$_tag (kernel-open) +vgpu"
	_vcell=$(mx_cell_id "$1" "$_k" vgpu)
	_tb=$MX_OPEN_DIR/kernel-open-$_tag.tar.xz
	if [ "$1" = kernel-open ] || [ ! -f "$_tb" ]; then
		if [ "$1" = kernel-open ]; then
			_row="kernel-open +vgpu" _tb="$MX_OPEN_DIR/kernel-open-*.tar.xz"
		fi
		printf 'no %s (NVIDIA'"'"'s kernel-open trees come with ../shared, which a user'"'"'s clone has not; NVC_SHARED names another place)\n' \
			"$_tb" >"$OUTD/$_vcell.errors"
		record "$_row" "$_k" "$(cat "$NVC_CACHE/kernels/$_k/release" 2>/dev/null || echo "$_k")" skipped \
			"$(cat "$OUTD/$_vcell.errors")" 0 0 "$_vcell"
		return 0
	fi
	if [ ! -f "$NVC_CACHE/kernels/$_k/ready" ]; then
		record "$_row" "$_k" "$_k" failed "not prepared: kernel tree $_k (tests/setup/)" 0 0 "$_vcell"
		return 0
	fi
	_rel=$(cat "$NVC_CACHE/kernels/$_k/release")
	if ! mx_open_unpack "$_tb" "$_tag"; then
		printf '%s\n' "$MX_OPEN_ERR" >"$OUTD/$_vcell.errors"
		record "$_row" "$_k" "$_rel" failed "$MX_OPEN_ERR" 0 0 "$_vcell"
		return 0
	fi
	_tree=$MX_CACHE/work/$_vcell
	rm -rf "$_tree"
	cp -a "$MX_OPEN_SRC" "$_tree"
	chmod -R u+w "$_tree"
	"$TOP/scripts/vgpu-compat" apply --allow-non-vgpu "$_tree" >"$OUTD/$_vcell.apply" 2>&1 && _rc=0 || _rc=$?
	if [ "$_rc" != 0 ]; then
		grep -m1 'error' "$OUTD/$_vcell.apply" >"$OUTD/$_vcell.errors" || tail -n 1 "$OUTD/$_vcell.apply" >"$OUTD/$_vcell.errors"
		record "$_row" "$_k" "$_rel" failed "vgpu-compat apply exited $_rc: $(cat "$OUTD/$_vcell.errors")" 0 0 "$_vcell"
		[ "${NVC_MATRIX_KEEP:-0}" = 1 ] || rm -rf "$_tree"
		return 0
	fi
	cp -R "$MX_OVERLAY/." "$_tree/"
	# the core's place: the licence stand-in (see the top of this file)
	if ! gcc -c -o "$_tree/nvidia/nv-kernel.o_binary" "$MX_LICENCE_SRC" >"$OUTD/$_vcell.errors" 2>&1; then
		record "$_row" "$_k" "$_rel" failed "cannot compile the licence stand-in: $(head -n 1 "$OUTD/$_vcell.errors")" 0 0 "$_vcell"
		[ "${NVC_MATRIX_KEEP:-0}" = 1 ] || rm -rf "$_tree"
		return 0
	fi
	_objs=$(mx_vgpu_objects "$_tree")
	_vkey=$(printf 'schema %s %s\ntree %s\nkernel %s\n%s\nkernel-open vgpu\n%s\n' "$MX_SCHEMA" "$MX_OPEN_SCHEMA" \
		"$(mx_tree_hash "$_tree")" "$(mx_kernel_key "$_k")" "$CCKEY" "$_objs" | md5sum | cut -d' ' -f1)
	if mx_cache_get "$_vkey"; then
		from_cache "$_row" "$_k" "$_rel" "$_vcell"
	else
		# KBUILD_MODPOST_WARN: the symbols of the absent core and of the
		# other objects are warnings; a GPL-only symbol stays an error
		# shellcheck disable=SC2086
		vgpu_build "$_tree" "$_k" "$_vcell" 1 $_objs
		mx_judge_conftest "$_tree" "$_k"
		if [ "$MX_RESULT" = built ]; then
			# shellcheck disable=SC2086
			mx_judge_gpl "$_tree" "$MX_OPEN_SRC" "$OUTD/$_vcell.log" "$OUTD/$_vcell.gpl" $_objs
		fi
		# modpost's complaints are judged above, not here
		mx_errors "$OUTD/$_vcell.log" "$_tree" | grep -v 'modpost' >"$OUTD/$_vcell.errors" || :
		store "$_vkey" "$_vcell"
		BUILT=$((BUILT + 1))
		record "$_row" "$_k" "$_rel" "$MX_RESULT" "$MX_DETAIL" "$SECS" 0 "$_vcell" "$CPU"
	fi
	[ "${NVC_MATRIX_KEEP:-0}" = 1 ] || rm -rf "$_tree"
}

md_escape() { sed -e 's/|/\\|/g'; }

# The Markdown report: a grid, the table, the errors of every cell that is
# not built.
write_md() {
	_rev=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
	_dirty=$(git -C "$TOP" status --porcelain -- patches compat scripts 2>/dev/null | grep -c . || true)
	_psum=$( (cd "$TOP" && find patches compat -type f | LC_ALL=C sort | xargs md5sum) | md5sum | cut -c1-12)
	{
		echo "# Real driver x kernel matrix"
		echo
		echo "Debian's real NVIDIA sources (\`nv-kernel.o_binary\` linked), patched with"
		echo "\`vgpu-compat apply\`, \`nvidia\` built with the driver's own Makefile."
		echo "\`+vgpu\`: the objects with \`NV_VGPU_KVM_BUILD\` code only (nv.c, nv-pci.c, nv-mmap.c,"
		echo "os-interface.c) compiled with it defined; a full link would also need the vGPU"
		echo "package's \`nv-vgpu-vfio-interface.c\` (\`nvidia_vgpu_vfio_probe\`/\`_remove\`,"
		echo "\`os_call_vgpu_vfio\`), which Debian's sources lack."
		echo "\`(kernel-open) +vgpu\`: NVIDIA's open \`kernel-open/\` glue at that tag, patched, the"
		echo "same objects compiled with \`NV_VGPU_KVM_BUILD\`, linked with a stand-in for the absent"
		echo "core that carries only the licence \`NVIDIA\` (the trees say \`Dual MIT/GPL\`), so that"
		echo "modpost reports every GPL-only symbol; none may be referenced from the compat layer"
		echo "or a patched line (the references on NVIDIA's own open-flavour lines are listed below)."
		echo "Made by \`make matrix\` on $(date -u +%Y-%m-%d), commit $_rev ($_dirty uncommitted"
		echo "files in patches/, compat/, scripts/; patches+compat sum $_psum)."
		echo
		printf '| driver |'
		for _k in $KERNELS; do printf ' %s |' "$(cat "$NVC_CACHE/kernels/$_k/release" 2>/dev/null || echo "$_k")"; done
		printf '\n|---|'
		for _k in $KERNELS; do printf -- '---|'; done
		printf '\n'
		cut -f1 "$TSV" | awk '!seen[$0]++' | while IFS= read -r _d; do
			printf '| %s |' "$_d"
			for _k in $KERNELS; do
				_r=$(awk -F'\t' -v d="$_d" -v k="$_k" '$1 == d && $2 == k { print $4 }' "$TSV")
				printf ' %s |' "${_r:--}"
			done
			printf '\n'
		done
		echo
		echo "| driver | kernel | result | modpost findings | seconds |"
		echo "|---|---|---|---|---|"
		while IFS="$(printf '\t')" read -r _d _k _rel _r _det _s _c _cell; do
			[ "$_c" = 1 ] && _r="$_r (cached)"
			printf '| %s | %s | %s | %s | %s |\n' "$_d" "$_rel" "$_r" "$(printf '%s' "$_det" | md_escape)" "$_s"
		done <"$TSV"
		echo
		echo "$SUMMARY"
		if awk -F'\t' '$1 ~ /\(kernel-open\)/ && $4 == "built"' "$TSV" | grep -q .; then
			echo
			echo "## GPL-only symbols of the kernel-open cells (modpost, licence NVIDIA)"
			echo
			echo "Each symbol, then the outermost source line of each reference (its caller in the"
			echo "object; the full chains of inlined functions are in tests/out/matrix/<cell>.gpl);"
			echo "\`layer\` would mark a reference from the compat layer or a patched line."
			awk -F'\t' '$1 ~ /\(kernel-open\)/ && $4 == "built" { print $1 "\t" $3 "\t" $8 }' "$TSV" |
				while IFS="$(printf '\t')" read -r _d _rel _cell; do
					echo
					echo "### $_d on $_rel"
					echo
					if [ -s "$OUTD/$_cell.gpl" ]; then
						awk -F'\t' '
							{ n = split($5, fr, " "); w = fr[n]; if ($2 != "nvidia") w = "**" $2 "** " w
							  if (!($1 in seen)) order[++k] = $1
							  if (!(($1, w) in got)) { got[$1, w] = 1; seen[$1] = seen[$1] (seen[$1] == "" ? "" : ", ") w } }
							END { for (i = 1; i <= k; i++) print "- `" order[i] "`: " seen[order[i]] }' "$OUTD/$_cell.gpl"
					else
						echo "none"
					fi
				done
		fi
		if awk -F'\t' '$4 != "built"' "$TSV" | grep -q .; then
			echo
			echo "## Errors of the cells that did not build"
			awk -F'\t' '$4 != "built" { print $1 "\t" $3 "\t" $8 }' "$TSV" |
				while IFS="$(printf '\t')" read -r _d _rel _cell; do
					echo
					echo "### $_d on $_rel"
					echo
					echo '```'
					head -n 40 "$OUTD/$_cell.errors" 2>/dev/null || :
					_n=$(wc -l <"$OUTD/$_cell.errors" 2>/dev/null || echo 0)
					[ "$_n" -le 40 ] || echo "... $((_n - 40)) more in tests/out/matrix/$_cell.errors"
					echo '```'
				done
		fi
	} >"$NVC_OUT/matrix.md"
}

main() {
	prepare_inputs
	DRIVERS=$(roles_to_versions)
	mkdir -p "$MX_CACHE/work" "$MX_CACHE/cells" "$NVC_OUT"
	exec 8>"$MX_CACHE/.lock"
	if ! flock -n 8; then
		echo "matrix: another matrix run holds $MX_CACHE/.lock, waiting" >&2
		flock 8
	fi
	rm -rf "$MX_CACHE"/cells/.tmp-*
	mx_ccache_setup
	# the conftest diff's table is part of every judgement
	CCKEY="$(mx_cc_key)
conftest-map $(md5sum <"$TOP/tests/matrix.d/conftest-map.tsv" | cut -d' ' -f1)"
	OUTD=$NVC_OUT/matrix
	TSV=$NVC_OUT/matrix.tsv
	rm -rf "$OUTD" "$TSV" "$TSV.tmp"
	mkdir -p "$OUTD"
	: >"$TSV.tmp"
	N=0 BUILT=0
	# kernel-open trees have "+vgpu" cells only: none without them
	[ "$VGPU" = 1 ] || DRIVERS=$(echo "$DRIVERS" | tr ' ' '\n' | grep -v '^kernel-open' | paste -sd' ' -)
	_nopen=$(echo "$DRIVERS" | tr ' ' '\n' | grep -c '^kernel-open' || true)
	_ndeb=$(( $(echo "$DRIVERS" | wc -w) - _nopen ))
	TOTAL=$(( _ndeb * $(echo "$KERNELS" | wc -w) ))
	[ "$VGPU" != 1 ] || TOTAL=$((TOTAL * 2))
	TOTAL=$(( TOTAL + _nopen * $(echo "$KERNELS" | wc -w) ))
	echo "matrix: $TOTAL cells, make -j$MX_JOBS, ccache ${MX_CCACHE:-off}, records in $MX_CACHE/cells"
	# the exact versions this run used (IDs name series and roles)
	for _k in $KERNELS; do
		printf 'matrix: kernel %-11s %s (%s)\n' "$_k" "$(cat "$NVC_CACHE/kernels/$_k/release" 2>/dev/null || echo '?')" \
			"$(tr '\n' ' ' <"$NVC_CACHE/kernels/$_k/packages" 2>/dev/null | sed 's/ $//')"
	done
	for _d in $DRIVERS; do
		case $_d in
		kernel-open) printf 'matrix: nvidia kernel-open skipped: no %s\n' "$MX_OPEN_DIR" ;;
		kernel-open-*)
			printf 'matrix: nvidia %-11s %s\n' "${_d#kernel-open-}" "kernel-open, $(sha256sum "$MX_OPEN_DIR/$_d.tar.xz" 2>/dev/null |
				sed 's/^\(.\{12\}\)[^ ]*  .*\//sha256 \1... /' || echo 'no tarball')" ;;
		*) printf 'matrix: nvidia %-11s %s\n' "$_d" "$(cat "$NVC_CACHE/nvidia/$_d.ready" 2>/dev/null || echo 'not prepared')" ;;
		esac
	done
	MX_START=$(now)
	mx_cpu
	MX_CPU0=$MX_CPU
	for _d in $DRIVERS; do
		for _k in $KERNELS; do
			case $_d in
			kernel-open*) open_cell "$_d" "$_k" ;;
			*) pair "$_d" "$_k" ;;
			esac
		done
	done
	_wall=$(( $(now) - MX_START ))
	mv "$TSV.tmp" "$TSV"

	_ok=$(awk -F'\t' '$4 == "built"' "$TSV" | grep -c . || true)
	_dk=$(awk -F'\t' '$4 == "declined-known"' "$TSV" | grep -c . || true)
	_bad=$(awk -F'\t' '$4 == "failed"' "$TSV" | grep -c . || true)
	_sk=$(awk -F'\t' '$4 == "skipped"' "$TSV" | grep -c . || true)
	_cold=$(awk -F'\t' '{ s += $6 } END { print s + 0 }' "$TSV")
	_ccpu=$(awk -F'\t' '{ s += $9 } END { print s + 0 }' "$TSV")
	mx_cpu
	SUMMARY="$N cells: $_ok built, $_dk declined-known, $_bad failed$([ "$_sk" = 0 ] || echo ", $_sk skipped"). This run: $BUILT built, $(awk -F'\t' '$7 == 1' "$TSV" | grep -c . || true) cached, $_wall s wall clock, $((MX_CPU - MX_CPU0)) s CPU, $(mx_ccache_stats). Building every cell (sum of the recorded build times): $_cold s wall clock, $_ccpu s CPU."
	echo
	{
		printf 'driver\tkernel\tresult\tmodpost findings\tseconds\n'
		awk -F'\t' 'BEGIN { OFS = "\t" } { r = $4; if ($7 == 1) r = r " (cached)"; print $1, $3, r, $5, $6 }' "$TSV"
	} | column -t -s "$(printf '\t')"
	echo
	echo "matrix: $SUMMARY"
	write_md
	rm -f "$MX_TIMES"
	echo "matrix: $NVC_OUT/matrix.md, logs and errors in $OUTD"
	[ "$_bad" -eq 0 ]
}

dispatch() {
	case $MODE in
	overhead) overhead "$@" ;;
	*) [ $# -eq 0 ] || usage; main ;;
	esac
}

# one line: the shell has read all of it before it runs (safe against edits
# of this file while a matrix is running)
dispatch "$@"; exit $?
