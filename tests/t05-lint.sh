#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Lint, one check per file so that a finding names the file; the findings
# are printed under the failing check.
#
#  1. shellcheck -x on every git-tracked shell script of ours: *.sh, files
#     with a sh/bash shebang (scripts/*, .ci/run, debian/prerm, the kernel
#     postinst.d hook), the sourced libraries (tests/lib/*.sh,
#     tests/devtools/patches.d/*.sh) and dkms.conf (DKMS sources it with
#     bash).  Settings and the reason for each disabled check: .shellcheckrc.
#     Not checked: tests/fixtures/ (models of NVIDIA's own scripts such as
#     conftest.sh, deliberately faithful to NVIDIA's code rather than ours to
#     restyle) and debian/rules (a Makefile; its one recipe line is a chmod).
#  2. The kernel's scripts/checkpatch.pl (from the newest prepared kernel
#     tree that has one) on the compat layer, the C that goes into the
#     driver's kernel/ tree: compat/*.h, compat/*.c, compat/probes/*.c as
#     they are in the tree (what "vgpu-compat import" copies).
#     The only check silenced is LINUX_VERSION_CODE: a compat layer may
#     have to gate on the kernel version where no probe can tell (a change
#     of behaviour without a change of signature).  The KUnit tests
#     (tests/nvc_compat_*_kunit.c) are not checked: test code, never part
#     of a driver.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t05
rm -rf "$W"; mkdir -p "$W"
cd "$TOP"

# --- 1. shellcheck ----------------------------------------------------------
# is_shell FILE: FILE is one of our shell scripts
is_shell() {
	[ -f "$1" ] || return 1
	case $1 in
	tests/fixtures/*) return 1 ;;
	scripts/lib/*) return 1 ;; # checked through scripts/vgpu-compat, below
	*.sh | dkms.conf) return 0 ;;
	esac
	head -n 1 "$1" | grep -Eq '^#! ?/(usr/)?bin/(env +)?(ba|da)?sh([[:space:]]|$)'
}

# Outside a git checkout (a source tarball): every file but the test output.
if ! git ls-files >"$W/files" 2>/dev/null || [ ! -s "$W/files" ]; then
	find . \( -name .git -o -path ./tests/out -o -path ./_build \) -prune -o -type f -print |
		sed 's|^\./||' | LC_ALL=C sort >"$W/files"
fi
set --
while IFS= read -r f; do
	if is_shell "$f"; then set -- "$@" "$f"; fi
done <"$W/files"

if ! command -v shellcheck >/dev/null 2>&1; then
	skip "shellcheck: not installed (tests/setup/deps.sh installs it)"
elif [ $# = 0 ]; then
	fail "shellcheck: found no shell scripts to check"
else
	# One run for all (a process per file takes several times as long),
	# split per file.  Exit 1 means findings; anything else, no result.
	if shellcheck -x -f gcc "$@" >"$W/shellcheck.out" 2>"$W/shellcheck.err"; then rc=0; else rc=$?; fi
	if [ "$rc" -gt 1 ] || [ -s "$W/shellcheck.err" ]; then
		fail "shellcheck $(shellcheck --version | sed -n 's/^version: //p') ran (exit $rc)"
		sed 's/^/    | /' "$W/shellcheck.err" | head -n 20
	fi
	# per_file FILE FINDINGS RC [NOTE]: FILE's findings, a check of its own
	per_file() {
		awk -v f="$1:" 'index($0, f) == 1' "$2" >"$W/one"
		cat "$W/one" >>"$W/shellcheck.seen"
		if [ -s "$W/one" ]; then
			fail "shellcheck: $1${4:-}"
			sed 's/^/    | /' "$W/one"
		elif [ "$3" -le 1 ]; then
			pass "shellcheck: $1${4:-}"
		fi
	}
	: >"$W/shellcheck.seen"
	for f; do per_file "$f" "$W/shellcheck.out" "$rc"; done
	# scripts/lib/*.sh: the verbs of scripts/vgpu-compat, which sources
	# them; they share its variables, so each is checked as part of it
	# (-a: findings in the sourced files, under their own names).
	if shellcheck -x -a -f gcc scripts/vgpu-compat >"$W/vc.out" 2>"$W/vc.err"; then vrc=0; else vrc=$?; fi
	if [ "$vrc" -gt 1 ] || [ -s "$W/vc.err" ]; then
		fail "shellcheck -a ran on scripts/vgpu-compat and scripts/lib (exit $vrc)"
		sed 's/^/    | /' "$W/vc.err" | head -n 20
	fi
	for f in scripts/lib/*.sh; do per_file "$f" "$W/vc.out" "$vrc" " (sourced by scripts/vgpu-compat)"; done
	# vgpu-compat's own findings were counted above
	grep -v '^scripts/vgpu-compat:' "$W/vc.out" >>"$W/shellcheck.out" || :
	# a finding no file above claimed (it would otherwise go unseen)
	if [ "$(wc -l <"$W/shellcheck.seen")" != "$(wc -l <"$W/shellcheck.out")" ]; then
		fail "shellcheck: findings outside the files checked"
		grep -vxF -f "$W/shellcheck.seen" "$W/shellcheck.out" | sed 's/^/    | /'
	fi
fi

# --- 2. checkpatch.pl on compat/ ----------------------------------------------
CP=$(kernel_checkpatch)
set --
for f in compat/*.h compat/*.c compat/probes/*.c; do
	if [ -f "$f" ]; then set -- "$@" "$f"; fi
done
if [ -z "$CP" ]; then
	skip "checkpatch: no prepared kernel tree has scripts/checkpatch.pl (tests/setup/kernels.sh 7-newest)"
elif ! command -v perl >/dev/null 2>&1; then
	skip "checkpatch: perl is not installed"
else
	echo "    checkpatch.pl of $(basename "$(dirname "$(dirname "$(dirname "$CP")")")"): $CP"
	if perl "$CP" --no-tree -f -q --no-summary --show-types --color=never \
		--ignore LINUX_VERSION_CODE "$@" >"$W/checkpatch.out" 2>"$W/checkpatch.err"; then rc=0; else rc=$?; fi
	if [ "$rc" -gt 1 ]; then
		fail "checkpatch.pl ran (exit $rc)"
		sed 's/^/    | /' "$W/checkpatch.err" | head -n 20
	fi
	# Findings are paragraphs: "WARNING:TYPE: ...", "#N: FILE: path:N:", code.
	dirty=0
	for f; do
		awk -v f="FILE: $f:" 'BEGIN { RS = "" } index($0, f) { if (n++) print ""; print }' \
			"$W/checkpatch.out" >"$W/one"
		if [ -s "$W/one" ]; then
			fail "checkpatch: $f"
			sed 's/^/    | /' "$W/one"
			dirty=1
		elif [ "$rc" -le 1 ]; then
			pass "checkpatch: $f"
		fi
	done
	if [ "$rc" = 1 ] && [ "$dirty" = 0 ]; then
		fail "checkpatch: exit 1 with findings no file claimed"
		sed 's/^/    | /' "$W/checkpatch.out" | head -n 40
	fi
fi
