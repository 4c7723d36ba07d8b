#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/kunit/run.sh [TREE_ID]
#
# Runs the KUnit tests of the compat wrappers (tests/nvc_compat_kunit.c) with
# the kernel's own tools/testing/kunit/kunit.py, in the full kernel source
# tree $NVC_CACHE/kernels/<TREE_ID>/source that tests/setup/kernels.sh
# prepares (TREE_ID defaults to 7-newest; 6.1-src is bookworm's linux-source-6.1,
# on the other side of the 6.8 and 6.6 breaks).
#
#  1. If the tree has no "ready" stamp, runs tests/setup/kernels.sh TREE_ID
#     (which waits for a concurrent run of itself, or builds the tree).
#  2. Links this repository into the tree, idempotently: the symlink
#     drivers/nvidia-vgpu-compat -> <repo>, one "source" line in
#     drivers/Kconfig, one "obj-$(CONFIG_NVC_COMPAT_KUNIT_TEST)" line in
#     drivers/Makefile.  The tree's O= module build directory is not touched:
#     external module builds (M=) never read drivers/Kconfig or
#     drivers/Makefile.
#  3. kunit.py run --kunitconfig=<repo>/tests/.kunitconfig (less the options
#     this kernel does not have, e.g. IOMMUFD before 6.2: kunit.py refuses a
#     kunitconfig whose options do not all end up in .config; the cases
#     that need them skip, saying why) with its own
#     --build_dir=$NVC_CACHE/kunit/<TREE_ID>, only the nvc_compat_* suites,
#     kunit.stats_enabled=2 (every suite prints "# Totals:").  The arch is
#     UML (kunit.py's default): it provides everything the cases need
#     (CONFIG_IOMMU_API, IOMMUFD, VFIO, EVENTFD), builds in half the time of
#     x86_64 under qemu, and lets built-in code call sys_eventfd2().
#  4. Sums the suites' "# Totals: pass:N fail:N skip:N total:N" lines of the
#     kernel's KTAP output (<build_dir>/test.log), checks that every suite of
#     the KTAP plan reported them, checks the object's .modinfo for
#     import_ns=NVC_KUNIT_NS, and ends with the line
#       kunit: N passed, M failed, K skipped
#
# A flock on $NVC_CACHE/kunit/.lock-<TREE_ID> serialises runs that share the
# tree's link or a build directory.  When the link pointed at another checkout
# the previous run built, this checkout's objects are rebuilt from scratch
# (timestamps cannot tell two checkouts apart).
#
# Environment:
#   NVC_CACHE          default /var/cache/nvidia-vgpu-compat
#   NVC_KUNIT_JOBS     make jobs (default 2)
#   NVC_KUNIT_TIMEOUT  seconds for the test kernel to run (default 300)
#
# Exit status: 0 every case passed or was skipped; 1 a case failed or
# crashed, the run gave no or incomplete totals, or .modinfo is wrong;
# 2 usage; 3 setup error (no tree, link, kunit.py could not build).
set -eu

usage() {
	echo "usage: tests/kunit/run.sh [TREE_ID]    (default TREE_ID: 7-newest)" >&2
	exit 2
}

die() {
	printf 'kunit/run.sh: %s\n' "$*" >&2
	exit 3
}

now() {
	date +%s.%N
}

# since START: seconds elapsed since START, one decimal
since() {
	awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'
}

case ${1:-} in -h | --help | -*) usage ;; esac
[ $# -le 1 ] || usage

T0=$(now)
ID=${1:-7-newest}
: "${NVC_CACHE:=/var/cache/nvidia-vgpu-compat}"
JOBS=${NVC_KUNIT_JOBS:-2}
TIMEOUT=${NVC_KUNIT_TIMEOUT:-300}
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
TREE=$NVC_CACHE/kernels/$ID
SRC=$TREE/source
# the UML build is keyed by the exact tree (kernels/<ID> links to
# kernels/v/<package>_<version>): a new upload gets a build of its own
BUILD_DIR=$NVC_CACHE/kunit/$ID
LINK_NAME=nvidia-vgpu-compat
KCONFIG_LINE="source \"drivers/$LINK_NAME/tests/Kconfig\""
# shellcheck disable=SC2016
MAKEFILE_LINE='obj-$(CONFIG_NVC_COMPAT_KUNIT_TEST) += '"$LINK_NAME/"
TMP=

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
	if [ -n "$TMP" ]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -f "$REPO/tests/.kunitconfig" ] || die "$REPO/tests/.kunitconfig missing"
command -v python3 >/dev/null 2>&1 || die "python3 not found: run tests/setup/deps.sh"
command -v flock >/dev/null 2>&1 || die "flock not found (util-linux)"

# --- 1. the kernel source tree ----------------------------------------------
t=$(now)
if [ ! -f "$TREE/ready" ]; then
	echo "[kunit] $TREE is not ready: running tests/setup/kernels.sh $ID"
	sh "$REPO/tests/setup/kernels.sh" "$ID" || die "tests/setup/kernels.sh $ID failed"
	[ -f "$TREE/ready" ] || die "tests/setup/kernels.sh $ID left no $TREE/ready"
fi
[ -x "$SRC/tools/testing/kunit/kunit.py" ] ||
	die "$SRC has no tools/testing/kunit/kunit.py: tree $ID keeps no full kernel source (7-newest and 6.1-src do)"
printf '[kunit] tree %s: %s (%s s)\n' "$ID" "$(cat "$TREE/release" 2>/dev/null || echo '?')" "$(since "$t")"

if [ -L "$TREE" ]; then BUILD_DIR=$NVC_CACHE/kunit/$(basename "$(readlink "$TREE")"); fi
mkdir -p "$NVC_CACHE/kunit"
exec 9>"$NVC_CACHE/kunit/.lock-$ID"
if ! flock -n 9; then
	echo "[kunit] another run holds $NVC_CACHE/kunit/.lock-$ID: waiting"
	flock 9
fi

# --- 2. link the repository into the tree -----------------------------------
t=$(now)
link=$SRC/drivers/$LINK_NAME
if [ -L "$link" ]; then
	if [ "$(readlink "$link")" != "$REPO" ]; then
		echo "[kunit] $link pointed at $(readlink "$link"): now $REPO"
		ln -sfn "$REPO" "$link"
	fi
elif [ -e "$link" ]; then
	die "$link exists and is not a symlink: remove it"
else
	ln -s "$REPO" "$link"
fi

if ! grep -qxF "$KCONFIG_LINE" "$SRC/drivers/Kconfig"; then
	# before the last "endmenu", i.e. inside the "Device Drivers" menu
	awk -v add="$KCONFIG_LINE" '
		{ line[NR] = $0 }
		/^endmenu/ { last = NR }
		END {
			if (!last) exit 1
			for (i = 1; i <= NR; i++) {
				if (i == last) print add "\n"
				print line[i]
			}
		}' "$SRC/drivers/Kconfig" >"$SRC/drivers/Kconfig.nvc.$$" || {
		rm -f "$SRC/drivers/Kconfig.nvc.$$"
		die "no endmenu in $SRC/drivers/Kconfig"
	}
	mv -f "$SRC/drivers/Kconfig.nvc.$$" "$SRC/drivers/Kconfig"
fi
if ! grep -qxF "$MAKEFILE_LINE" "$SRC/drivers/Makefile"; then
	printf '%s\n' "$MAKEFILE_LINE" >>"$SRC/drivers/Makefile"
fi

# objects built from another checkout through the same link: start afresh
mkdir -p "$BUILD_DIR"
if [ "$(cat "$BUILD_DIR/.nvc-repo" 2>/dev/null || true)" != "$REPO" ]; then
	rm -rf "$BUILD_DIR/drivers/$LINK_NAME"
	printf '%s\n' "$REPO" >"$BUILD_DIR/.nvc-repo"
fi
printf '[kunit] link: drivers/%s -> %s (%s s)\n' "$LINK_NAME" "$REPO" "$(since "$t")"

# --- 3. kunit.py ---------------------------------------------------------------
t=$(now)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nvc-kunit.XXXXXX")
LOG=$BUILD_DIR/run.log
rm -f "$BUILD_DIR/test.log"

# The Kconfig symbols this tree defines (ours come from tests/Kconfig).
find "$SRC" -path "$SRC/drivers/$LINK_NAME" -prune -o -name 'Kconfig*' -type f \
	-exec sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config \([A-Za-z0-9_]*\).*/\2/p' {} + >"$TMP/symbols"
sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config \([A-Za-z0-9_]*\).*/\2/p' "$REPO/tests/Kconfig" >>"$TMP/symbols"
KUNITCONFIG=$REPO/tests/.kunitconfig
dropped=
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		sym=${line%%=*}
		if ! grep -qxF "${sym#CONFIG_}" "$TMP/symbols"; then
			dropped="$dropped $sym"
			continue
		fi
		;;
	esac
	printf '%s\n' "$line"
done <"$KUNITCONFIG" >"$TMP/kunitconfig"
if [ -n "$dropped" ]; then
	KUNITCONFIG=$NVC_CACHE/kunit/kunitconfig-$ID
	cp "$TMP/kunitconfig" "$KUNITCONFIG"
	echo "[kunit] not in this kernel:$dropped: left out of $KUNITCONFIG (the cases that need them skip)"
fi

set -- python3 tools/testing/kunit/kunit.py run \
	--kunitconfig="$KUNITCONFIG" \
	--build_dir="$BUILD_DIR" \
	--jobs="$JOBS" \
	--timeout="$TIMEOUT" \
	--kernel_args=kunit.stats_enabled=2 \
	'nvc_compat_*'
echo "[kunit] (cd $SRC && $*)"
{
	rc=0
	(cd "$SRC" && "$@") || rc=$?
	echo "$rc" >"$TMP/rc"
} 2>&1 | tee "$LOG"
kunit_rc=$(cat "$TMP/rc")
printf '[kunit] kunit.py: exit %s (%s s)\n' "$kunit_rc" "$(since "$t")"

# --- 4. results ------------------------------------------------------------------
if [ ! -s "$BUILD_DIR/test.log" ]; then
	printf '[kunit] no kernel output (%s): the build or the boot failed, see %s\n' \
		"$BUILD_DIR/test.log" "$LOG" >&2
	echo "kunit: 0 passed, 0 failed, 0 skipped (no results)"
	[ "$kunit_rc" -ne 0 ] || exit 1
	exit 3
fi

# Suite-level lines have no indentation in KTAP; a console timestamp may
# precede them.  Prints: plan totals_seen pass fail skip total
results=$(sed -e 's/^\[ *[0-9.]*\] //' "$BUILD_DIR/test.log" | awk '
	BEGIN { plan = -1; n = 0; p = 0; f = 0; s = 0; t = 0 }
	plan < 0 && /^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0 }
	/^# Totals: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:[0-9]+$/ {
		n++
		split($0, w, /[ :]/)
		p += w[5]; f += w[7]; s += w[9]; t += w[11]
	}
	END { print plan, n, p, f, s, t }')
# shellcheck disable=SC2086
set -- $results
plan=$1 seen=$2 passed=$3 failed=$4 skipped=$5 total=$6
status=0
if [ "$plan" -le 0 ] || [ "$seen" -eq 0 ]; then
	echo "[kunit] the run produced no totals (KTAP plan: $plan suites)" >&2
	status=1
elif [ "$seen" -ne "$plan" ]; then
	echo "[kunit] only $seen of $plan suites reported totals: the kernel crashed or hung" >&2
	status=1
fi
[ "$failed" -eq 0 ] || status=1
[ "$total" -eq $((passed + failed + skipped)) ] || status=1
if [ "$status" -eq 0 ] && [ "$kunit_rc" -ne 0 ]; then
	echo "[kunit] kunit.py failed although every suite passed: see $LOG" >&2
	status=1
fi

# The real NVC_MODULE_IMPORT_NS() of the test object, as modpost reads it.
obj=$BUILD_DIR/drivers/$LINK_NAME/tests/nvc_compat_kunit.o
if objcopy -O binary --only-section=.modinfo "$obj" "$TMP/modinfo" 2>/dev/null &&
	tr '\0' '\n' <"$TMP/modinfo" | grep -qE '(^|\.)import_ns=NVC_KUNIT_NS$'; then
	echo "[kunit] .modinfo: $(tr '\0' '\n' <"$TMP/modinfo" | grep -E 'import_ns=')"
else
	echo "[kunit] .modinfo of $obj lacks import_ns=NVC_KUNIT_NS:" >&2
	tr '\0' '\n' <"$TMP/modinfo" 2>/dev/null | grep import_ns >&2 || true
	status=1
fi

printf '[kunit] %s, arch um, %s suites, total %s s; kernel log %s\n' \
	"$(cat "$TREE/release" 2>/dev/null || echo "$ID")" "$seen" "$(since "$T0")" \
	"$BUILD_DIR/test.log"
echo "kunit: $passed passed, $failed failed, $skipped skipped"
exit "$status"
