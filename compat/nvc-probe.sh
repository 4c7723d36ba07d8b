#!/bin/sh
# SPDX-License-Identifier: MIT
#
# nvc-probe.sh CC CFLAGS PROBE_DIR OUT_HEADER KERNELRELEASE
#
# Compiles every PROBE_DIR/*.c with "CC CFLAGS"; a probe whose second line
# is "/* NVC_PROBE: NAME */" (the first is its SPDX line) yields
# "#define NAME 1" in OUT_HEADER when it compiles, "/* #undef NAME */" when
# it does not.  OUT_HEADER is kept as it is when it was made for the same
# kernel release and probe set, so probes run once per kernel.  The baseline
# probe must compile: otherwise the flags are wrong and the script fails
# rather than produce a header full of "no".
#
# The probes are compiled in one unit (batch() below), one by one where an
# error cannot be attributed to one probe, or with NVC_PROBE_MODE=single.
# NVC_PROBE_COUNT, for the tests: a file that gets a line per compiler run;
# NVC_PROBE_KEEP=1 keeps the temporary directory (logs, batch.c) for debugging.
# NVC_PROBE_TIMES, for the benchmark: a file that gets a line per run, "ms
# WALL cpu USER SYS" (seconds of this script and its children) or "cached".
#
# Exit status: 0 header written or reused; 1 baseline probe failed; 2 usage.
set -eu

if [ $# -ne 5 ]; then
	echo "usage: nvc-probe.sh CC CFLAGS PROBE_DIR OUT_HEADER KERNELRELEASE" >&2
	exit 2
fi
cc=$1 cflags=$2 probes=$3 out=$4 release=$5

# The key: kernel release + checksum of the probe sources and of the flags.
sum=$(cat "$probes"/*.c | cksum | cut -d' ' -f1)
fsum=$(printf '%s' "$cflags" | cksum | cut -d' ' -f1)
key="$release:$sum:$fsum"
t0=''
[ -z "${NVC_PROBE_TIMES:-}" ] || t0=$(date +%s%N)
# the run's wall clock and CPU, for NVC_PROBE_TIMES
times_out() {
	[ -n "$t0" ] || return 0
	# the builtin must run in this shell, not in $(...)
	times >"$NVC_PROBE_TIMES.$$"
	# shellcheck disable=SC2046 # times: "0m0.01s 0m0.00s" twice
	set -- $(tr '\n' ' ' <"$NVC_PROBE_TIMES.$$" | sed 's/m/ /g; s/s / /g; s/s $//')
	rm -f "$NVC_PROBE_TIMES.$$"
	echo "ms $(( ($(date +%s%N) - t0) / 1000000 )) cpu $(awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v e="$5" -v f="$6" -v g="$7" -v h="$8" \
		'BEGIN { printf "%.2f %.2f", a * 60 + b + e * 60 + f, c * 60 + d + g * 60 + h }')" >>"$NVC_PROBE_TIMES"
}
if [ -f "$out" ] && grep -q "^#define NVC_PROBE_KEY \"$key\"\$" "$out" 2>/dev/null; then
	[ -z "$t0" ] || echo cached >>"$NVC_PROBE_TIMES"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvc-probe.XXXXXX")
trap '[ -n "${NVC_PROBE_KEEP:-}" ] || rm -rf "$tmp"; times_out' EXIT INT TERM

# single N...: compile the probes N (file names without .c) one compiler
# each, NVC_PROBE_JOBS (4) at a time; N.ok when it compiled.
single() {
	# shellcheck disable=SC2016
	for n in "$@"; do
		printf '%s\n' "$n"
	done | xargs -P "${NVC_PROBE_JOBS:-4}" -I{} sh -c '
		n=$1; cc=$2; cflags=$3; tmp=$4; probes=$5
		[ -z "${NVC_PROBE_COUNT:-}" ] || echo "$n" >>"$NVC_PROBE_COUNT"
		# shellcheck disable=SC2086
		if $cc $cflags -DKBUILD_MODNAME=\"nvc_probe\" -DKBUILD_BASENAME=\"$n\" \
			-c -o "$tmp/$n.o" "$probes/$n.c" >"$tmp/$n.log" 2>&1; then
			: >"$tmp/$n.ok"
		fi' nvc-probe {} "$cc" "$cflags" "$tmp" "$probes"
}

# batch N...: one compiler for all of them: a unit that #includes each
# probe by its absolute path, so that gcc names the probe file in each
# error (the headers' cost, most of a probe's, is paid once, not 25
# times).  A probe with an error in its own file is "no" (batch.no).  A
# fatal error (a missing header) ends the unit: that probe is "no" and the
# unit is compiled again without it.  An error gcc places elsewhere (a
# kernel header, the unit itself) cannot be attributed: return 1, and the
# caller compiles every probe on its own.  Each probe defines only names
# of its own (nvc_probe_<file>), so the probes do not interfere in one unit;
# t20 checks that both ways give the same header on every test kernel.
batch() {
	: >"$tmp/batch.no"
	b_left=$*
	while [ -n "$b_left" ]; do
		: >"$tmp/batch.c"
		for n in $b_left; do
			printf '#include "%s/%s.c"\n' "$probes_abs" "$n" >>"$tmp/batch.c"
		done
		[ -z "${NVC_PROBE_COUNT:-}" ] || echo batch >>"$NVC_PROBE_COUNT"
		# shellcheck disable=SC2086
		$cc $cflags -DKBUILD_MODNAME=\"nvc_probe\" -DKBUILD_BASENAME=\"nvc_probes\" \
			-c -o "$tmp/batch.o" "$tmp/batch.c" >"$tmp/batch.log" 2>&1 || :
		# "FILE:LINE:COL: error:" / "fatal error:" in a probe file: that
		# probe.  An error in a kernel header is the probe's whose file
		# the notes after it name ("in expansion of macro"), before the
		# next error.  Any other error is not attributable.
		awk -v dir="$probes_abs/" '
			function probe(l) {
				if (index(l, dir) != 1) return ""
				l = substr(l, length(dir) + 1)
				if (l !~ /^[^:\/]*\.c:[0-9]+:/) return ""
				sub(/\.c:.*/, "", l); return l
			}
			# gcc quoting source lines ("  10 | ...", "     | ^~~")
			/^ +([0-9]+ )?\|/ { next }
			/(^|[^A-Za-z_])(fatal )?error:/ {
				if (pending) print "other"
				pending = 0
				f = probe($0)
				if (f != "" && $0 ~ /^[^:]*:[0-9]+:([0-9]+:)? (fatal )?error:/)
					print ($0 ~ /fatal error:/ ? "fatal " : "no ") f
				else pending = 1
				next
			}
			pending && / note: / && (f = probe($0)) != "" { print "no " f; pending = 0 }
			END { if (pending) print "other" }' "$tmp/batch.log" | sort -u >"$tmp/batch.err"
		grep -q '^other$' "$tmp/batch.err" && return 1
		sed -n 's/^no //p; s/^fatal //p' "$tmp/batch.err" >>"$tmp/batch.no"
		fatal=$(sed -n 's/^fatal //p' "$tmp/batch.err")
		if [ -z "$fatal" ]; then
			# No error at all but no object: something else failed.
			[ -s "$tmp/batch.err" ] || [ -f "$tmp/batch.o" ] || return 1
			break
		fi
		b_next=
		for n in $b_left; do
			grep -qx "$n" "$tmp/batch.no" || b_next="$b_next $n"
		done
		[ "$b_next" != "$b_left" ] || return 1
		b_left=$b_next
		rm -f "$tmp/batch.o"
	done
	for n in "$@"; do
		grep -qx "$n" "$tmp/batch.no" || : >"$tmp/$n.ok"
	done
}

probes_abs=$(cd "$probes" && pwd)
names=$(for p in "$probes"/*.c; do basename "$p" .c; done)
# shellcheck disable=SC2086 # probe file names: no spaces (t05)
case ${NVC_PROBE_MODE:-batch} in
single) single $names ;;
*)
	# Broken flags fail every probe, the baseline too: then the probes
	# one by one, which report the baseline's errors below.
	if ! batch $names || [ ! -f "$tmp/baseline.ok" ]; then
		rm -f "$tmp"/*.ok
		single $names
	fi ;;
esac

if [ ! -f "$tmp/baseline.ok" ]; then
	echo "nvc-probe: the baseline probe does not compile against kernel $release;" >&2
	echo "nvc-probe: the kernel build tree is incomplete or the compiler does not match it:" >&2
	head -n 20 "$tmp/baseline.log" >&2
	exit 1
fi

{
	echo "/* Generated by nvc-probe.sh for Linux $release: do not edit. */"
	echo "#ifndef NVC_PROBES_H"
	echo "#define NVC_PROBES_H"
	echo "#define NVC_PROBE_KEY \"$key\""
	echo "#define NVC_PROBED_KERNEL_RELEASE \"$release\""
	for p in "$probes"/*.c; do
		n=$(basename "$p" .c)
		name=$(sed -n '2s|^/\* NVC_PROBE: \([A-Z0-9_]*\) \*/$|\1|p' "$p")
		[ -n "$name" ] || { echo "nvc-probe: $p lacks its NVC_PROBE line (line 2)" >&2; exit 2; }
		if [ -f "$tmp/$n.ok" ]; then
			echo "#define $name 1"
		else
			echo "/* #undef $name */"
		fi
	done
	echo "#endif"
} >"$tmp/out.h"

if ! cmp -s "$tmp/out.h" "$out" 2>/dev/null; then
	cp "$tmp/out.h" "$out.tmp.$$"
	mv -f "$out.tmp.$$" "$out"
fi
