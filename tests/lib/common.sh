# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Sourced by every tests/t*.sh.  One behaviour per check; each check prints
# "ok - ..." or "not ok - ..." and is counted in $NVC_RESULTS, which
# tests/run.sh sums into "N passed, M failed".

NVC_CACHE=${NVC_CACHE:-/var/cache/nvidia-vgpu-compat}
TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2034 # used by the tests that source this file
VC=$TOP/scripts/vgpu-compat
FIXTURES=$TOP/tests/fixtures/drivers
NVC_RESULTS=${NVC_RESULTS:-/dev/null}
NVC_OUT=${NVC_OUT:-$TOP/tests/out}
mkdir -p "$NVC_OUT"
export NVC_CACHE

# spatch through tests/lib/spatch-memo, which remembers in-place runs by a
# hash of spatch's version, the arguments and the input files (the same
# fixture and Debian trees are rewritten hundreds of times a run).
# NVC_SPATCH_MEMO=0 runs spatch itself every time; a test that sets
# NVC_SPATCH for one command (spatch missing, failing) still gets its own.
if [ -z "${NVC_SPATCH:-}" ] && [ "${NVC_SPATCH_MEMO:-1}" != 0 ] &&
   NVC_SPATCH_REAL=$(command -v spatch 2>/dev/null); then
	NVC_SPATCH_VERSION=$("$NVC_SPATCH_REAL" --version 2>/dev/null | head -n 1)
	NVC_SPATCH_MEMO_DIR=${NVC_SPATCH_MEMO_DIR:-$NVC_CACHE/spatch-memo}
	NVC_SPATCH=$TOP/tests/lib/spatch-memo
	export NVC_SPATCH NVC_SPATCH_REAL NVC_SPATCH_VERSION NVC_SPATCH_MEMO_DIR
fi

_t_name=$(basename "$0" .sh)
# What check / check_fails last ran printed: one file per suite (run.sh
# runs two suites at once).
NVC_LAST=$NVC_OUT/last-$_t_name.log

pass() { printf 'ok - %s: %s\n' "$_t_name" "$*"; echo "pass $_t_name: $*" >>"$NVC_RESULTS"; }
fail() { printf 'not ok - %s: %s\n' "$_t_name" "$*"; echo "fail $_t_name: $*" >>"$NVC_RESULTS"; }
skip() { printf 'ok - %s: %s # SKIP\n' "$_t_name" "$*"; echo "skip $_t_name: $*" >>"$NVC_RESULTS"; }

# check DESC CMD...: passes when CMD succeeds.
check() {
	_d=$1; shift
	if "$@" >"$NVC_LAST" 2>&1; then pass "$_d"; else
		fail "$_d"; sed 's/^/    | /' "$NVC_LAST" | tail -n 15; fi
}
# check_fails DESC CODE PATTERN CMD...: passes when CMD exits with CODE and its
# stderr+stdout matches the extended regex PATTERN.
check_fails() {
	_d=$1 _code=$2 _pat=$3; shift 3
	"$@" >"$NVC_LAST" 2>&1 && _rc=0 || _rc=$?
	if [ "$_rc" = "$_code" ] && grep -Eq -- "$_pat" "$NVC_LAST"; then
		pass "$_d"
	else
		fail "$_d (exit $_rc, wanted $_code matching /$_pat/)"
		sed 's/^/    | /' "$NVC_LAST" | tail -n 15
	fi
}

# Kernel trees prepared by tests/setup/kernels.sh. IDs name series, not
# versions (the newest package of each is resolved at setup): 6.1, 6.12
# (bookworm-backports), 6.12-trixie, 7-prev and 7-newest (the two newest 7.x
# series the package supports), 6.1-src (KUnit only).
#
# Tiers (README, "Run the tests"): NVC_TIER=ci (make check, what .ci/run
# runs, fits CI's 90 minutes from an empty cache) leaves out 7-prev, the
# second newest 7.x, the matrix (t80) and the parallel DKMS builds (t64),
# runs KUnit on 7-newest only, t32 / t34 on 6.1 and 7-newest, t33 on 6.1,
# 6.12-trixie and 7-newest (bookworm-backports' 6.12 stays for t20, t30,
# t60, t62, t90); NVC_TIER=full (make check-full, the maintainer's
# run before a release) has every kernel and the matrix.
NVC_TIER=${NVC_TIER:-ci}
case $NVC_TIER in ci|full) ;; *) echo "NVC_TIER=$NVC_TIER: ci or full" >&2; exit 2 ;; esac
export NVC_TIER
# Every prepared kernel of the tier.
# shellcheck disable=SC2034 # used by the tests that source this file
case $NVC_TIER in
full) NVC_ALL_KERNELS="6.1 6.12 6.12-trixie 7-prev 7-newest" ;;
*) NVC_ALL_KERNELS="6.1 6.12-trixie 7-newest" ;;
esac
kernel_ids() { echo "${NVC_KERNELS:-6.1 6.12 7-newest}"; }
kernel_build() { echo "$NVC_CACHE/kernels/$1/build"; }
kernel_release() { cat "$NVC_CACHE/kernels/$1/release"; }
kernel_ready() { [ -f "$NVC_CACHE/kernels/$1/ready" ]; }
# kernel_checkpatch: scripts/checkpatch.pl of the newest prepared kernel
# tree that has one (7-newest keeps its full source; 7-prev, 6.12-trixie and
# 6.1-src have it too); prints nothing when none has.
kernel_checkpatch() {
	for _kd in "$NVC_CACHE"/kernels/*/; do
		if [ -f "$_kd/ready" ]; then printf '%s %s\n' "$(cat "$_kd/release")" "$(basename "$_kd")"; fi
	done | sort -rV | while IFS=' ' read -r _rel _id; do
		for _cp in source build; do
			_cp=$NVC_CACHE/kernels/$_id/$_cp/scripts/checkpatch.pl
			if [ -f "$_cp" ]; then echo "$_cp"; fi
		done
	done | head -n 1
}

# tree_sum DIR: a checksum of every file's path, mode and content (and each
# link's target).  Two finds and one md5sum, not two forks a file: the
# kernel-open trees have some 600 files, and t18 sums them 28 times.
tree_sum() {
	(cd "$1" && {
		find . \( -type f -o -type l -o -type d \) -printf '%p %m %y %l\n'
		find . -type f -print0 | xargs -0r md5sum
	 } | LC_ALL=C sort) | md5sum | cut -d' ' -f1
}

# fixture_copy NAME DEST: a private copy of a fixture driver top dir.
fixture_copy() {
	rm -rf "$2"; mkdir -p "$(dirname "$2")"
	cp -a "$FIXTURES/$1" "$2"
}

# imported_as_applied DRIVER_KERNEL IMPORTED_KERNEL: import rewrote the
# DKMS tree's kernel/ once (docs/DESIGN.md, "Rewrite once per driver"): it
# equals the driver's kernel/ after "vgpu-compat apply", but for the stamp
# (.nvc-rewritten), which holds the checksums of exactly those files.
imported_as_applied() {
	_ia=$(mktemp -d "$NVC_OUT/imported.XXXXXX")
	cp -a "$1" "$_ia/kernel" && chown -R 0:0 "$_ia/kernel" 2>/dev/null || :
	chmod -R go-w "$_ia/kernel"
	"$VC" apply "$_ia/kernel" >"$_ia/apply.log" 2>&1 &&
		diff -r -x .nvc-rewritten "$_ia/kernel" "$2" >"$_ia/diff.log" 2>&1 &&
		(cd "$2" && sha256sum -c --quiet .nvc-rewritten) >"$_ia/stamp.log" 2>&1 &&
		{ rm -rf "$_ia"; return 0; }
	cat "$_ia"/*.log | head -n 20
	rm -rf "$_ia"
	return 1
}

# Real NVIDIA sources unpacked by tests/setup/nvidia-sources.sh, by role
# (package and suite; the version is resolved at setup) or by version.
NVC_NVIDIA_ROLES="tesla535-bookworm tesla535-sid tesla550-sid current-trixie current-bookworm"
# nvidia_version ROLE|VERSION: the upstream version (a version: itself)
nvidia_version() {
	if [ -L "$NVC_CACHE/nvidia/$1" ]; then readlink "$NVC_CACHE/nvidia/$1"; else echo "$1"; fi
}
# nvidia_versions: the distinct versions of every role, in role order
nvidia_versions() {
	for _nr in $NVC_NVIDIA_ROLES; do nvidia_version "$_nr"; done | awk '!seen[$0]++'
}
nvidia_src() { echo "$NVC_CACHE/nvidia/$(nvidia_version "$1")"; }
# Debian's open nvidia.ko sources (nvidia-open-kernel-source; prepared by
# name, tests/setup/all.sh): nvidia_open_versions, those prepared
NVC_NVIDIA_OPEN_ROLES="open-bookworm open-sid"
nvidia_open_versions() {
	for _nr in $NVC_NVIDIA_OPEN_ROLES; do
		[ -L "$NVC_CACHE/nvidia/$_nr" ] && [ -f "$NVC_CACHE/nvidia/$(readlink "$NVC_CACHE/nvidia/$_nr").ready" ] &&
			readlink "$NVC_CACHE/nvidia/$_nr"
	done | awk '!seen[$0]++'
}

# Table rows for the final report: driver kernel result detail seconds.
table_row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$NVC_OUT/table.tsv"; }

# build_driver KDIR KERNEL_ID LOG [MODULES]: build with the driver's own
# kernel/Makefile against a prepared kernel tree; exit status of make.
# -k: a failing build reports every object's errors, not only the first.
build_driver() {
	_kd=$1 _kb=$(kernel_build "$2") _log=$3 _mods=${4:-nvidia nvidia-vgpu-vfio}
	_ks=$(sh "$TOP/scripts/kernel-source-dir" "$_kb")
	LC_ALL=C LANG=C LC_MESSAGES=C LC_CTYPE=C make -C "$_kd" -k -j"$(nproc)" SYSSRC="$_ks" SYSOUT="$_kb" \
		NV_KERNEL_MODULES="$_mods" modules >"$_log" 2>&1
}

# modpost_findings LOG: modpost's complaints (GPL-only use, namespaces,
# undefined symbols), one per line; empty when clean.
modpost_findings() {
	grep -E 'modpost: .*(GPL-incompatible|GPL-only|namespace|undefined)|ERROR: modpost' "$1" || true
}

# Topic states as "vgpu-compat status" reports them, for the fixtures and
# for Debian's trees alike (--allow-non-vgpu: those have no nvidia-vgpu-vfio/).
# state_of KDIR TOPIC: one topic's state.
state_of() {
	"$VC" status --allow-non-vgpu "$1" | awk -v t="$2" '$1 == t { print $2 }'
}
# expect_states LABEL KDIR "topic=state ...": one check per topic.
expect_states() {
	_es_l=$1
	"$VC" status --allow-non-vgpu "$2" >"$NVC_OUT/states-$_t_name.txt" 2>&1 || :
	for _es in $3; do
		_es_want=${_es#*=}
		_es_got=$(awk -v t="${_es%%=*}" '$1 == t { print $2 }' "$NVC_OUT/states-$_t_name.txt")
		if [ "$_es_got" = "$_es_want" ]; then pass "$_es_l: ${_es%%=*} is $_es_want"
		else fail "$_es_l: ${_es%%=*} is '$_es_got', want $_es_want"; fi
	done
}
# expect_topic_states LABEL KDIR "state ...": the states of $TOPICS, in order.
expect_topic_states() {
	_ets=
	_ets_w=$3
	for _et in $TOPICS; do
		_ets="$_ets $_et=${_ets_w%% *}"
		_ets_w=${_ets_w#* }
	done
	expect_states "$1" "$2" "$_ets"
}

# Kernels that are not running, made visible to DKMS: /lib/modules/<release>/
# build pointing at a prepared tree.  link_kernel ID sets KREL to the
# release; unlink_kernels removes what link_kernel made (call it from the
# EXIT trap; not from a $(...) subshell, which would lose the record).
NVC_MADE_LINKS=
link_kernel() {
	KREL=$(kernel_release "$1")
	if [ ! -e "/lib/modules/$KREL/build" ]; then
		mkdir -p "/lib/modules/$KREL"
		ln -s "$(kernel_build "$1")" "/lib/modules/$KREL/build"
		NVC_MADE_LINKS="$NVC_MADE_LINKS $KREL"
	fi
}
unlink_kernels() {
	for _r in $NVC_MADE_LINKS; do rm -rf "/lib/modules/$_r"; done
	NVC_MADE_LINKS=
}

# apply_real VERSION DEST "state ...": one of Debian's real trees: its
# $TOPICS states pristine (expect_topic_states), a copy at DEST patched by
# apply (log in DEST.log), and its states after (needed -> applied).
# Returns 1, after a fail, when the sources are missing or apply fails.
# An empty "state ..." (a version the archive brought after the expectations
# were recorded) skips the state checks, saying which states it found; apply
# must still work.
apply_real() {
	_ar_src=$(nvidia_src "$1")
	[ -d "$_ar_src" ] || { fail "real $1 sources missing (tests/setup/nvidia-sources.sh)"; return 1; }
	if [ -z "$3" ]; then
		skip "real $1: no states recorded for this version (new in the archive), found: $("$VC" status "$_ar_src" 2>/dev/null | awk -v t=" $TOPICS " 'index(t, " " $1 " ") { printf "%s=%s ", $1, $2 }')"
	else
		expect_topic_states "real $1" "$_ar_src" "$3"
	fi
	rm -rf "$2"; cp -a "$_ar_src" "$2"; chmod -R u+w "$2"
	if ! "$VC" apply --allow-non-vgpu "$2" >"$2.log" 2>&1; then
		fail "real $1: apply"; tail -n 5 "$2.log"; return 1
	fi
	pass "real $1: apply"
	[ -z "$3" ] || expect_topic_states "real $1 after apply" "$2" "$(echo "$3" | sed 's/needed/applied/g')"
}

# mods_sum RELEASE: one checksum of every module DKMS installed for it
# (the same value as for a release with none: mods_sum /nonexistent).
# without_autoinstall_skip DKMS_CONF: DKMS_CONF as an import before the
# block "nvc-autoinstall-skip" wrote it (the dkms#302 workaround removed).
without_autoinstall_skip() { sed -i '/^# nvc-autoinstall-skip begin$/,/^# nvc-autoinstall-skip end$/d' "$1"; }
mods_sum() { (cd "/lib/modules/$1/updates/dkms" 2>/dev/null && md5sum ./* 2>/dev/null | sort) | md5sum; }

# modbuild DIR KERNEL_ID LOG [MAKE ARGS...]: an external module in DIR,
# cleaned first, built against a prepared kernel tree (-k: every error).
modbuild() {
	_mb_d=$1 _mb_kb=$(kernel_build "$2") _mb_log=$3; shift 3
	make -C "$_mb_kb" M="$_mb_d" clean >/dev/null 2>&1 || true
	LC_ALL=C LANG=C LC_MESSAGES=C LC_CTYPE=C nice make -C "$_mb_kb" M="$_mb_d" -k -j2 "$@" \
		modules >"$_mb_log" 2>&1
}

# compat_module DIR NAME: an external module directory built the way the
# driver is: the compat layer copied in as nvidia-vgpu-compat/, NAME.o
# listed in NV_OBJECTS_DEPEND_ON_CONFTEST, nvc-compat.Kbuild included.  The
# caller writes DIR/NAME.c.
compat_module() {
	mkdir -p "$1"
	cp -pR "$TOP/compat" "$1/nvidia-vgpu-compat"
	printf '%s\n' "obj-m += $2.o" "NV_OBJECTS_DEPEND_ON_CONFTEST := $2.o" \
		'include $(src)/nvidia-vgpu-compat/nvc-compat.Kbuild' >"$1/Kbuild"
}
