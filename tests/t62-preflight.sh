#!/bin/sh
# SPDX-License-Identifier: MIT
# vgpu-compat preflight and the kernel postinst hook.
#
# preflight on the prepared 6.1, 6.12 and 7-newest trees and on a made-up 8.0
# tree (a copy of the 7-newest build tree whose release says 8.0.0-nvc-test), for the
# fixture drivers and Debian's real NVIDIA trees: which known break each
# kernel has, how each driver handles it, the verdict and the exit status.
# Then DKMS trees (with a stub dkms that reports what the case needs): the
# modules installed, not built, a failed build, a tree that differs at a
# break, a tree judged by its own dkms.conf; no headers; no driver at all.
# Then zz-nvidia-vgpu-compat in a sandbox (NVC_HOOK_ROOT) with PATH stubs
# for uname, dkms, proxmox-boot-tool and grub-reboot that record their
# arguments: the warning, the pin on Proxmox VE and GRUB, and exit 0 always.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t62
rm -rf "$W"; mkdir -p "$W"

F550=$FIXTURES/NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm
F535=$FIXTURES/NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm

# How each driver tree handles each known break (kernel-independent), in the
# order 0001 ... 0007: p = we patch it, n = fixed natively, - = not in this
# driver (Debian's trees have no nvidia-vgpu-vfio).
drv_states='
550.54.16  p p p n p p n
535.161.05 p p p p p p p
535.216.03 n - - - - - p
535.274.02 n - - - - - n
550.54.15  p - - - - - n
550.163.01 n - - - - - n
535.261.03 n - - - - - n
'
# Debian's trees as the archive has them now (tests/setup resolves each
# role's newest version); one the table has no row for yet is left out,
# with a skip that names it.
REAL=
for _v in $(nvidia_versions); do
	if echo "$drv_states" | awk -v d="$_v" '$1 == d { f = 1 } END { exit !f }'; then
		REAL="$REAL $_v"
	else
		skip "Debian's NVIDIA $_v: no recorded break states (new in the archive): left out of the preflight rows"
	fi
done
NDRV=$((2 + $(echo "$REAL" | wc -w)))
# Which known break each kernel has: y / n by its probe; Y / N by its
# release (no compile probe can tell: 0005 is a run-time change, 0007 a
# make-level one).
kern_states='
6.1  n n n n N n N
6.12 y y n y Y y N
7-newest y y y y Y y Y
8.0  y y y y Y y Y
'
TOPICS="0001-iommu-bus-ops 0002-eventfd-signal 0003-iommufd-namespace 0004-vfio-detach-ioas 0005-vgpu-symbols-gpl 0006-no-llseek 0007-kbuild-extra-cflags"

# expected_rows KERNEL_ID DRIVER: the break table rows preflight must print.
expected_rows() {
	_k=$(echo "$kern_states" | awk -v k="$1" '$1 == k { $1 = ""; print }')
	_d=$(echo "$drv_states" | awk -v d="$2" '$1 == d { $1 = ""; print }')
	for _t in $TOPICS; do
		_since=$(sed -n 's/^X-Kernel-Release: //p' "$TOP/patches/$_t"/*.patch | head -n 1)
		# shellcheck disable=SC2086
		_ks=$(echo $_k | cut -d' ' -f"$(( ${_t%%-*} + 0 ))")
		# shellcheck disable=SC2086
		_ds=$(echo $_d | cut -d' ' -f"$(( ${_t%%-*} + 0 ))")
		case $_ks in y) _ks=yes ;; n) _ks=no ;; Y) _ks=yes-by-release ;; N) _ks=no-by-release ;; esac
		case $_ds in p) _ds=patched ;; n) _ds=fixed-natively ;; -) _ds=not-applicable ;; esac
		printf '  %-32s %-6s %-16s %s\n' "$_t" "$_since" "$_ks" "$_ds"
	done
}

# block OUT VERSION: the report of one driver in preflight's output
block() {
	awk -v v="$2" 'index($0, "driver " v ": ") == 1 { on = 1 } on && /^$/ { exit } on' "$1"
}

# check_rows KERNEL_ID OUT: every driver's break table, row by row
check_rows() {
	for _v in 550.54.16 535.161.05 $REAL; do
		expected_rows "$1" "$_v" >"$W/want"
		block "$2" "$_v" | grep -E '^  000[1-7]-' >"$W/got" || true
		if diff -U0 "$W/want" "$W/got" >"$W/diff"; then
			pass "$1: driver $_v: each known break, in the kernel or not, and how the driver handles it"
		else
			fail "$1: driver $_v: break table differs"; sed 's/^/    | /' "$W/diff"
		fi
	done
}

# summary OUT VERSION: the summary line that the driver's rows add up to
# (every topic, also those added after this test was written).
summary() {
	block "$1" "$2" | awk '
		/^preflight|^driver/ { next }
		/^  in Linux / { rel = $3; sub(/:$/, "", rel) }
		/^  [0-9][0-9][0-9][0-9]-/ && $3 ~ /^yes/ {
			n++; id = substr($1, 1, 4)
			if ($4 == "patched") p = p " " id
			else if ($4 == "fixed-natively") f = f " " id
			else if ($4 == "not-applicable") a = a " " id
			else u = u " " id
		}
		function list(s,   k) { k = split(s, x, " "); return k ? k " (" substr(s, 2) ")" : "0" }
		END {
			printf "  in Linux %s: %d known breaks; we patch %s, fixed natively %s, not in this driver %s, unknown %s\n",
				rel, n, list(p), list(f), list(a), list(u)
		}'
}
check_summaries() {
	_bad=
	for _v in 550.54.16 535.161.05 $REAL; do
		summary "$2" "$_v" >"$W/want"
		block "$2" "$_v" | grep '^  in Linux ' >"$W/got" || true
		cmp -s "$W/want" "$W/got" || { _bad="$_bad $_v"; diff "$W/want" "$W/got" | sed 's/^/    | /'; }
	done
	[ -z "$_bad" ] && pass "$1: each driver's summary (breaks in this kernel, patched, fixed natively, not in the driver, unknown) adds up its rows" ||
		fail "$1: summary lines of$_bad"
}

drivers_args() {
	printf -- '--driver %s ' "$F550" "$F535"
	for _v in $REAL; do printf -- '--driver %s ' "$(nvidia_src "$_v")"; done
}

# --- the prepared kernels --------------------------------------------------
for id in 6.1 6.12 7-newest; do
	kernel_ready "$id" || { fail "kernel tree $id is not prepared"; continue; }
	rel=$(kernel_release "$id")
	t0=$(date +%s)
	# shellcheck disable=SC2046
	if "$VC" preflight --kernel "$(kernel_build "$id")" $(drivers_args) >"$W/$id.out" 2>&1; then rc=0; else rc=$?; fi
	echo "    preflight on $id for $NDRV drivers: $(( $(date +%s) - t0 )) s"
	[ "$rc" = 0 ] && pass "$id: exit 0 (every known break handled)" ||
		{ fail "$id: exit $rc, wanted 0"; tail -n 20 "$W/$id.out"; }
	grep -q "^preflight for Linux $rel " "$W/$id.out" &&
		pass "$id: names the kernel release $rel" || fail "$id: release $rel not named"
	check_rows "$id" "$W/$id.out"
	n=$(grep -c '^  verdict: ok$' "$W/$id.out" || true)
	[ "$n" = "$NDRV" ] && pass "$id: verdict ok for all $NDRV drivers" || fail "$id: $n of $NDRV verdicts ok"
	grep -q '^  dkms: - (not a DKMS tree)$' "$W/$id.out" &&
		pass "$id: a driver that is not a DKMS tree gets no DKMS status" || fail "$id: dkms line"
	tail -n 1 "$W/$id.out" | grep -q "^result: OK: driver 550.54.16: it builds on Linux $rel" &&
		pass "$id: last line is the result" || { fail "$id: result line"; tail -n 1 "$W/$id.out"; }
done
for id in 6.1 6.12 7-newest; do
	[ -f "$W/$id.out" ] && check_summaries "$id" "$W/$id.out"
done

# --- a kernel newer than anything we know ------------------------------------
K8=$W/k8/build
mkdir -p "$W/k8"
cp -a "$(kernel_build 7-newest)" "$K8"
ln -sfn "$NVC_CACHE/kernels/7-newest/source" "$K8/source"
sed -i "s|^export KBUILD_OUTPUT = .*|export KBUILD_OUTPUT = $K8|" "$K8/Makefile"
echo 8.0.0-nvc-test >"$K8/include/config/kernel.release"
sed -i 's/^#define UTS_RELEASE .*/#define UTS_RELEASE "8.0.0-nvc-test"/' "$K8/include/generated/utsrelease.h"
# shellcheck disable=SC2046
if "$VC" preflight --kernel "$K8" $(drivers_args) >"$W/8.0.out" 2>&1; then rc=0; else rc=$?; fi
[ "$rc" = 7 ] && pass "8.0: exit 7 (kernel unknown)" || { fail "8.0: exit $rc, wanted 7"; tail -n 20 "$W/8.0.out"; }
check_rows 8.0 "$W/8.0.out"
# One paragraph: what is wrong, what DKMS does, what to do.
block "$W/8.0.out" 550.54.16 | sed -n '2,/known break/p' | sed '$d' | tr '\n' ' ' | tr -s ' ' >"$W/para"
for want in "Linux 8.0.0-nvc-test is newer than every kernel this nvidia-vgpu-compat knows (6.1 to 7.3)" \
	"DKMS declines to build nvidia.ko and nvidia-vgpu-vfio.ko for it" \
	"no vGPU VM starts" "Keep booting the kernel you run now" \
	"check for a newer nvidia-vgpu-compat release that knows Linux 8.0."; do
	grep -qF "$want" "$W/para" && pass "8.0: the paragraph says: $want" ||
		{ fail "8.0: the paragraph lacks: $want"; cat "$W/para"; }
done
block "$W/8.0.out" 550.54.16 | grep -q 'in Linux 8.0.0-nvc-test: [0-9]* breaks nvidia-vgpu-compat knows (it may have others);' &&
	pass "8.0: the known breaks are listed as possibly not all" || fail "8.0: summary wording"
tail -n 1 "$W/8.0.out" | grep -q '^result: NOT OK: driver 550.54.16: Linux 8.0.0-nvc-test is newer than every kernel nvidia-vgpu-compat knows (6.1 to 7.3)' &&
	pass "8.0: result line" || { fail "8.0: result line"; tail -n 1 "$W/8.0.out"; }

# --- no headers; too old ------------------------------------------------------
mkdir -p "$W/nomods"
check_fails "no headers for a Proxmox kernel: exit 7, names proxmox-headers" 7 \
	'headers: missing for Linux 7.1.0-1-pve .*apt install proxmox-headers-7\.1\.0-1-pve' \
	env NVC_MODULES_DIR="$W/nomods" "$VC" preflight --kernel 7.1.0-1-pve --driver "$F550"
check_fails "no headers for a Debian kernel: exit 7, names linux-headers" 7 \
	'result: NOT OK: .*no headers for Linux 6\.12\.99-amd64.*apt install linux-headers-6\.12\.99-amd64' \
	env NVC_MODULES_DIR="$W/nomods" "$VC" preflight --kernel 6.12.99-amd64 --driver "$F550"
check_fails "a kernel older than 6.1: exit 7, says older" 7 \
	'verdict: NOT OK: Linux 5\.15\.0-1-pve is older than every kernel nvidia-vgpu-compat knows \(6\.1 to 7\.3\)' \
	env NVC_MODULES_DIR="$W/nomods" "$VC" preflight --kernel 5.15.0-1-pve --driver "$F550"
check_fails "--kernel a directory that is no build tree: exit 7" 7 'not a kernel build directory' \
	"$VC" preflight --kernel "$W/nomods" --driver "$F550"
check_fails "--driver that is no driver: exit 3" 3 'is not an NVIDIA driver tree' \
	"$VC" preflight --kernel 6.1.0-nvc --driver "$W/nomods"

# --- DKMS trees, with a stub dkms ------------------------------------------------
STUBS=$W/stubs
mkdir -p "$STUBS" "$W/log"
cat >"$STUBS/dkms" <<'EOF'
#!/bin/sh
# stub: "dkms status -m M [-v V] [-k K]" prints the lines of $STUB_DKMS_STATUS
# that match V and K, as dkms 3.0.10 does; every call is logged.
echo "dkms $*" >>"$STUB_LOG/dkms"
[ "$1" != --version ] || { echo "dkms-${STUB_DKMS_VERSION:-3.2.2}"; exit 0; }
[ "$1" = status ] || exit 0
shift; v='' k=''
while [ $# -gt 0 ]; do
	case $1 in -v) v=$2; shift 2 ;; -k) k=$2; shift 2 ;; *) shift ;; esac
done
[ -f "${STUB_DKMS_STATUS:-}" ] || exit 0
while IFS= read -r l; do
	[ -z "$v" ] || case $l in "nvidia-vgpu-compat/$v,"* | "nvidia-vgpu-compat/$v:"*) ;; *) continue ;; esac
	[ -z "$k" ] || case $l in *": added" | *", $k, "*) ;; *) continue ;; esac
	printf '%s\n' "$l"
done <"$STUB_DKMS_STATUS"
EOF
cat >"$STUBS/uname" <<'EOF'
#!/bin/sh
if [ "${1:-}" = -r ]; then echo "$STUB_RUNNING"; exit 0; fi
exec /bin/uname "$@"
EOF
for t in proxmox-boot-tool grub-reboot grub-set-default; do
	printf '#!/bin/sh\necho "$*" >>"$STUB_LOG/%s"\nexit ${STUB_PIN_RC:-0}\n' "$t" >"$W/$t"
	chmod +x "$W/$t"
done
chmod +x "$STUBS"/*
export STUB_LOG="$W/log" STUB_DKMS_STATUS="$W/status" STUB_RUNNING=6.12.95+deb12-amd64
SPATH=$STUBS:$PATH

V=550.54.16
SRC=$W/src
"$VC" import "$F550" --prefix "$SRC" >/dev/null
T=$SRC/nvidia-vgpu-compat-$V
K61=$(kernel_build 6.1) R61=$(kernel_release 6.1)
pfd() { env PATH="$SPATH" NVC_SRC_PREFIX="$SRC" NVC_DKMS_TREE="$W/dkms" "$VC" preflight "$@"; }

printf 'nvidia-vgpu-compat/%s, %s, x86_64: installed\n' "$V" "$R61" >"$W/status"
if pfd --kernel "$K61" >"$W/d1.out" 2>&1; then rc=0; else rc=$?; fi
[ "$rc" = 0 ] && pass "dkms tree, modules installed: exit 0" || { fail "dkms installed: exit $rc"; tail -n 15 "$W/d1.out"; }
grep -q "^driver $V: $T/kernel\$" "$W/d1.out" &&
	pass "without --driver: finds the tree under the source prefix" || fail "tree not found by default"
grep -q "^  dkms: nvidia-vgpu-compat/$V is installed for $R61\$" "$W/d1.out" &&
	pass "dkms tree: reports the modules installed for $R61" || fail "dkms installed line"
tail -n 1 "$W/d1.out" | grep -q "^result: OK: driver $V: its modules are installed for Linux $R61" &&
	pass "dkms tree, installed: result OK" || fail "dkms installed: result"

printf 'nvidia-vgpu-compat/%s: added\n' "$V" >"$W/status"
check_fails "dkms tree, not built for the kernel: exit 8, says how to build" 8 \
	"dkms: nvidia-vgpu-compat/$V is not built for $R61: dkms autoinstall -k $R61" pfd --kernel "$K61" --driver "$T"

mkdir -p "$W/dkms/nvidia-vgpu-compat/$V/build"
printf 'DKMS make.log for nvidia-vgpu-compat-%s for kernel %s (x86_64)\nerror\n' "$V" "$R61" \
	>"$W/dkms/nvidia-vgpu-compat/$V/build/make.log"
check_fails "dkms tree, the build failed: exit 8, names make.log" 8 \
	"result: NOT OK: driver $V: the DKMS build of nvidia-vgpu-compat/$V for Linux $R61 failed \(see $W/dkms/nvidia-vgpu-compat/$V/build/make.log\)" \
	pfd --kernel "$K61"
rm -rf "$W/dkms"

: >"$W/status"
check_fails "dkms tree not registered: exit 8, says dkms add" 8 "dkms: nvidia-vgpu-compat/$V is not registered with DKMS: dkms add $T" \
	pfd --kernel "$K61"

# A tree whose code differs at a known break: apply refuses it, so the build fails.
cp -a "$T" "$SRC/nvidia-vgpu-compat-550.54.99"
C=$SRC/nvidia-vgpu-compat-550.54.99
echo 550.54.99 >"$C/DRIVER_VERSION"
# the Kbuild lines around the layer's include line, changed by someone else
# (every C site is a semantic patch: no conflict there, only residue)
sed -i 's|^# For any object files that depend on conftest, declare the dependency here.$|# Objects that need conftest (changed by someone else).|' "$C/kernel/Kbuild"
printf 'nvidia-vgpu-compat/%s, %s, x86_64: installed\nnvidia-vgpu-compat/550.54.99: added\n' "$V" "$R61" >"$W/status"
if pfd --kernel "$K61" >"$W/d5.out" 2>&1; then rc=0; else rc=$?; fi
[ "$rc" = 5 ] && pass "two trees, one differs at a break: exit 5 (the worst)" || { fail "conflict: exit $rc, wanted 5"; tail -n 20 "$W/d5.out"; }
tail -n 1 "$W/d5.out" | grep -q '^result: NOT OK: driver 550.54.99: the driver differs from every version nvidia-vgpu-compat knows at 0000-compat-layer' &&
	pass "conflict: result names the break" || fail "conflict: result line"
rm -rf "$C"

# A DKMS tree is judged by its own dkms.conf (what DKMS will use).
sed -i 's/^BUILD_EXCLUSIVE_KERNEL=.*/BUILD_EXCLUSIVE_KERNEL="^6\\.([1-9]|1[0-2])([.+-].*)?$"/' "$T/dkms.conf"
printf 'nvidia-vgpu-compat/%s: added\n' "$V" >"$W/status"
R73=$(kernel_release 7-newest)
if pfd --kernel "$(kernel_build 7-newest)" >"$W/d6.out" 2>&1; then rc=0; else rc=$?; fi
[ "$rc" = 7 ] && tr '\n' ' ' <"$W/d6.out" | tr -s ' ' |
	grep -qF "Linux $R73 is newer than every kernel this nvidia-vgpu-compat knows (6.1 to 6.12)" &&
	pass "a DKMS tree's own dkms.conf decides which kernels it knows (exit 7)" || { fail "own dkms.conf: exit $rc"; tail -n 20 "$W/d6.out"; }
grep -qF "dkms: nvidia-vgpu-compat/$V is not built for $R73 (DKMS declines this kernel)" "$W/d6.out" &&
	pass "...and the DKMS line says DKMS declines that kernel" || fail "own dkms.conf: dkms line"
! grep -q 'before 3.0.11' "$W/d6.out" && pass "dkms 3.2.2: no word about the autoinstall bug of older DKMS" ||
	fail "dkms 3.2.2: autoinstall note printed"
export STUB_DKMS_VERSION=3.0.10
pfd --kernel "$(kernel_build 7-newest)" >"$W/d7.out" 2>&1 || true
! grep -q 'before 3.0.11' "$W/d7.out" &&
	pass "dkms 3.0.10, a tree whose dkms.conf skips declined kernels in autoinstall: no word about the bug" ||
	{ fail "dkms 3.0.10 note printed for a dkms.conf with nvc-autoinstall-skip"; cat "$W/d7.out"; }
# A tree imported before that (its dkms.conf without the block).
cp "$T/dkms.conf" "$W/dkms.conf.skip"
without_autoinstall_skip "$T/dkms.conf"
pfd --kernel "$(kernel_build 7-newest)" >"$W/d8.out" 2>&1 || true
cp "$W/dkms.conf.skip" "$T/dkms.conf"
unset STUB_DKMS_VERSION
tr '\n' ' ' <"$W/d8.out" | tr -s ' ' | grep -qF 'With dkms 3.0.10 (before 3.0.11) the decline also makes "dkms autoinstall" fail, and with it the configuration of the kernel package' &&
	pass "dkms 3.0.10, an older tree's dkms.conf: the paragraph says the decline fails the kernel package's configuration" || { fail "dkms 3.0.10 note"; cat "$W/d8.out"; }

check_fails "no driver installed: exit 4" 4 '^result: no nvidia-vgpu-compat driver is installed' \
	env PATH="$SPATH" NVC_SRC_PREFIX="$W/none" STUB_DKMS_STATUS=/dev/null "$VC" preflight --kernel "$K61"

# --- the kernel postinst hook ---------------------------------------------------
HOOK=$TOP/scripts/kernel-postinst.d/zz-nvidia-vgpu-compat
R=$W/root
RUN=6.12.95+deb12-amd64
mkdir -p "$R/usr/src" "$R/lib/modules/8.0.0-nvc-test" "$R/lib/modules/$(kernel_release 7-newest)" "$R/boot/grub" "$R/etc/default"
"$VC" import "$F550" --prefix "$R/usr/src" >/dev/null
ln -s "$K8" "$R/lib/modules/8.0.0-nvc-test/build"
ln -s "$(kernel_build 7-newest)" "$R/lib/modules/$(kernel_release 7-newest)/build"
touch "$R/boot/vmlinuz-$RUN" "$R/boot/vmlinuz-8.0.0-nvc-test"
U=0123abcd-4567-89ef-0123-456789abcdef
cat >"$R/boot/grub/grub.cfg" <<EOF
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-$U' {
	linux /boot/vmlinuz-8.0.0-nvc-test root=UUID=$U ro quiet
}
submenu 'Advanced options for Debian GNU/Linux' \$menuentry_id_option 'gnulinux-advanced-$U' {
	menuentry 'Debian GNU/Linux, with Linux 8.0.0-nvc-test' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-8.0.0-nvc-test-advanced-$U' {
		linux /boot/vmlinuz-8.0.0-nvc-test root=UUID=$U ro quiet
	}
	menuentry 'Debian GNU/Linux, with Linux $RUN (recovery mode)' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-$RUN-recovery-$U' {
		linux /boot/vmlinuz-$RUN root=UUID=$U ro single
	}
	menuentry 'Debian GNU/Linux, with Linux $RUN' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-$RUN-advanced-$U' {
		linux /boot/vmlinuz-$RUN root=UUID=$U ro quiet
	}
}
EOF
printf 'nvidia-vgpu-compat/%s, %s, x86_64: installed\n' "$V" "$RUN" >"$W/hstatus"
# hook CASE TOOLS KERNEL: run the hook with the stubs plus the boot tools
# named in TOOLS; stdout/stderr/exit in $W/h-CASE.{out,err,rc}.
hook() {
	_c=$1 _tools=$2; shift 2
	rm -rf "$W/hbin-$_c"; mkdir -p "$W/hbin-$_c"
	for _t in $_tools; do cp "$W/$_t" "$W/hbin-$_c/"; done
	_rc=0
	env PATH="$W/hbin-$_c:$SPATH" NVC_HOOK_ROOT="$R" STUB_DKMS_STATUS="$W/hstatus" STUB_RUNNING=$RUN \
		STUB_LOG="$W/log" sh "$HOOK" "$@" >"$W/h-$_c.out" 2>"$W/h-$_c.err" || _rc=$?
	echo "$_rc" >"$W/h-$_c.rc"
}
hook_ok() { [ "$(cat "$W/h-$1.rc")" = 0 ]; }
rm -f "$W/log"/*

hook pve proxmox-boot-tool 8.0.0-nvc-test /boot/vmlinuz-8.0.0-nvc-test
hook_ok pve && pass "hook, Proxmox VE, unknown kernel: exit 0" || fail "hook pve: exit $(cat "$W/h-pve.rc")"
tr '\n' ' ' <"$W/h-pve.err" | grep -q 'nvidia-vgpu-compat: WARNING: Linux 8.0.0-nvc-test has no working NVIDIA vGPU modules: driver 550.54.16: Linux 8.0.0-nvc-test is newer' &&
	pass "hook: one warning paragraph on stderr naming the kernel and the reason" || { fail "hook pve: warning"; cat "$W/h-pve.err"; }
[ "$(grep -c '^####' "$W/h-pve.err")" = 2 ] && [ ! -s "$W/h-pve.out" ] &&
	pass "hook: the warning is one framed paragraph, nothing on stdout" || fail "hook pve: framing"
[ "$(cat "$W/log/proxmox-boot-tool" 2>/dev/null)" = "kernel pin $RUN --next-boot" ] &&
	pass "hook, Proxmox VE: proxmox-boot-tool kernel pin $RUN --next-boot" ||
	{ fail "hook pve: pin: $(cat "$W/log/proxmox-boot-tool" 2>/dev/null)"; }
tr '\n' ' ' <"$W/h-pve.err" | tr -s ' ' | grep -qF "The running kernel $RUN stays the default for the next boot (proxmox-boot-tool kernel pin $RUN --next-boot; undo: proxmox-boot-tool kernel unpin --next-boot)" &&
	pass "hook: says what it pinned and how to undo it" || fail "hook pve: pin sentence"
rm -f "$W/log"/*

echo 'NVC_KEEP_KERNEL=always' >"$R/etc/default/nvidia-vgpu-compat"
hook pve-always proxmox-boot-tool 8.0.1-nvc-test
[ "$(cat "$W/log/proxmox-boot-tool" 2>/dev/null)" = "kernel pin $RUN" ] &&
	pass "hook, NVC_KEEP_KERNEL=always: a lasting pin (kernel pin $RUN)" || fail "hook pve-always: $(cat "$W/log/proxmox-boot-tool" 2>/dev/null)"
rm -f "$W/log"/*
echo 'NVC_KEEP_KERNEL=no' >"$R/etc/default/nvidia-vgpu-compat"
hook pve-no proxmox-boot-tool 8.0.1-nvc-test
hook_ok pve-no && [ ! -e "$W/log/proxmox-boot-tool" ] && grep -q WARNING "$W/h-pve-no.err" &&
	pass "hook, NVC_KEEP_KERNEL=no: warns, pins nothing" || fail "hook pve-no"
rm -f "$R/etc/default/nvidia-vgpu-compat" "$W/log"/*

echo 'GRUB_DEFAULT=saved' >"$R/etc/default/grub"
hook grub grub-reboot 8.0.1-nvc-test
[ "$(cat "$W/log/grub-reboot" 2>/dev/null)" = "gnulinux-advanced-$U>gnulinux-$RUN-advanced-$U" ] &&
	pass "hook, GRUB_DEFAULT=saved: grub-reboot to the running kernel's entry in its submenu" ||
	{ fail "hook grub: $(cat "$W/log/grub-reboot" 2>/dev/null)"; cat "$W/h-grub.err"; }
hook_ok grub && pass "hook, GRUB: exit 0" || fail "hook grub: exit"
rm -f "$W/log"/*
echo 'GRUB_DEFAULT=0' >"$R/etc/default/grub"
mkdir -p "$R/etc/default/grub.d"
hook grub0 grub-reboot 8.0.1-nvc-test
[ ! -e "$W/log/grub-reboot" ] && tr '\n' ' ' <"$W/h-grub0.err" | grep -q "GRUB_DEFAULT is '0', not 'saved'" &&
	pass "hook, GRUB_DEFAULT=0: no grub-reboot, says how to enable it" || fail "hook grub0"
echo 'GRUB_DEFAULT=saved' >"$R/etc/default/grub.d/50-test.cfg"
hook grubd grub-reboot 8.0.1-nvc-test
[ -s "$W/log/grub-reboot" ] && pass "hook: GRUB_DEFAULT from /etc/default/grub.d/*.cfg counts" || fail "hook grub.d"
rm -rf "$R/etc/default/grub" "$R/etc/default/grub.d" "$W/log"/*

hook none "" 8.0.1-nvc-test
hook_ok none && tr '\n' ' ' <"$W/h-none.err" | grep -q 'The boot loader was not changed (neither proxmox-boot-tool nor' &&
	pass "hook without boot tooling: warns only, exit 0" || fail "hook none"

printf 'nvidia-vgpu-compat/%s, %s, x86_64: installed\n' "$V" "$(kernel_release 7-newest)" >>"$W/hstatus"
hook good proxmox-boot-tool "$(kernel_release 7-newest)"
hook_ok good && [ ! -s "$W/h-good.err" ] && [ ! -e "$W/log/proxmox-boot-tool" ] &&
	grep -q "Linux $(kernel_release 7-newest) has working NVIDIA vGPU modules" "$W/h-good.out" &&
	pass "hook, kernel with working modules: one line on stdout, no warning, no pin" ||
	{ fail "hook good"; cat "$W/h-good.out" "$W/h-good.err"; }

# The image before its headers (apt's usual order): postinst.d sees no
# headers, says so and pins nothing; header_postinst.d, after DKMS built
# the modules, finds them working.
R73=$(kernel_release 7-newest)
rm -f "$R/lib/modules/$R73/build"
hook img-first proxmox-boot-tool "$R73" "/boot/vmlinuz-$R73"
hook_ok img-first && [ ! -e "$W/log/proxmox-boot-tool" ] &&
	tr '\n' ' ' <"$W/h-img-first.err" | grep -q "its headers are not installed .* DKMS builds the modules and nvidia-vgpu-compat checks again. The boot loader was not changed" &&
	pass "hook, image configured before its headers: says so, pins nothing" || { fail "hook img-first"; cat "$W/h-img-first.err"; }
ln -s "$(kernel_build 7-newest)" "$R/lib/modules/$R73/build"
hook hdr-then proxmox-boot-tool "$R73"
hook_ok hdr-then && [ ! -e "$W/log/proxmox-boot-tool" ] && grep -q "Linux $R73 has working NVIDIA vGPU modules" "$W/h-hdr-then.out" &&
	pass "hook from header_postinst.d, modules built: working, nothing to undo" || { fail "hook hdr-then"; cat "$W/h-hdr-then.out" "$W/h-hdr-then.err"; }

# A failed DKMS build is known not to build: pin, and record how to undo it;
# when the modules appear (a fixed build), the pin is undone.
grep -v ", $R73, " "$W/hstatus" >"$W/hstatus.new"; mv "$W/hstatus.new" "$W/hstatus"
mkdir -p "$R/var/lib/dkms/nvidia-vgpu-compat/$V/build"
printf 'DKMS make.log for nvidia-vgpu-compat-%s for kernel %s (x86_64)\nerror\n' "$V" "$R73" \
	>"$R/var/lib/dkms/nvidia-vgpu-compat/$V/build/make.log"
hook failed proxmox-boot-tool "$R73"
[ "$(cat "$W/log/proxmox-boot-tool" 2>/dev/null)" = "kernel pin $RUN --next-boot" ] &&
	grep -qx 'undo-next-boot: proxmox-boot-tool kernel unpin --next-boot' "$R/var/lib/nvidia-vgpu-compat/pin-$R73" &&
	pass "hook, the DKMS build failed: pins the running kernel for the next boot and records the undo" ||
	{ fail "hook failed: $(cat "$W/log/proxmox-boot-tool" 2>/dev/null)"; cat "$W/h-failed.err"; }
rm -f "$W/log"/*
rm -rf "$R/var/lib/dkms"
printf 'nvidia-vgpu-compat/%s, %s, x86_64: installed\n' "$V" "$R73" >>"$W/hstatus"
hook fixed proxmox-boot-tool "$R73"
[ "$(cat "$W/log/proxmox-boot-tool" 2>/dev/null)" = "kernel unpin --next-boot" ] && [ ! -e "$R/var/lib/nvidia-vgpu-compat/pin-$R73" ] &&
	grep -q "pin made when Linux $R73 had no modules is undone" "$W/h-fixed.out" &&
	pass "hook, modules there now: the next-boot pin is undone" || { fail "hook fixed: $(cat "$W/log/proxmox-boot-tool" 2>/dev/null)"; cat "$W/h-fixed.out"; }
rm -f "$W/log"/*
# a state file someone planted never runs its command
mkdir -p "$R/var/lib/nvidia-vgpu-compat"
printf 'undo-next-boot: grub-reboot planted\n' >"$R/var/lib/nvidia-vgpu-compat/pin-$R73"
hook planted "proxmox-boot-tool grub-reboot" "$R73"
[ ! -e "$W/log/grub-reboot" ] && [ ! -e "$W/log/proxmox-boot-tool" ] && [ ! -e "$R/var/lib/nvidia-vgpu-compat/pin-$R73" ] &&
	pass "hook: a planted undo command is not run" || fail "hook planted: $(cat "$W/log"/* 2>/dev/null)"
rm -f "$W/log"/*

printf 'nvidia-vgpu-compat/%s: added\n' "$V" >"$W/hstatus"
hook broken-too proxmox-boot-tool 8.0.1-nvc-test
[ ! -e "$W/log/proxmox-boot-tool" ] && tr '\n' ' ' <"$W/h-broken-too.err" | grep -q "the running kernel $RUN has no NVIDIA vGPU modules either" &&
	pass "hook: no pin when the running kernel has no modules either" || fail "hook broken-too"
printf 'nvidia-vgpu-compat/%s, %s, x86_64: installed\n' "$V" "$RUN" >"$W/hstatus"
hook older proxmox-boot-tool 6.0.9-nvc-test
[ ! -e "$W/log/proxmox-boot-tool" ] && tr '\n' ' ' <"$W/h-older.err" | grep -q "older than the running $RUN" &&
	pass "hook: no pin for a kernel older than the running one" || fail "hook older"

export STUB_PIN_RC=1
hook pinfail proxmox-boot-tool 8.0.1-nvc-test
unset STUB_PIN_RC
hook_ok pinfail && tr '\n' ' ' <"$W/h-pinfail.err" | grep -q 'failed (proxmox-boot-tool kernel pin .* exited 1)' &&
	pass "hook: a failing pin is reported, exit still 0" || { fail "hook pinfail"; cat "$W/h-pinfail.err"; }

printf '#!/bin/sh\ncmd_preflight() { :; }\necho "garbage"; exit 1\n' >"$W/bad-vgpu-compat"
export NVC_VGPU_COMPAT="$W/bad-vgpu-compat"
rm -f "$W/log"/*
hook badtool proxmox-boot-tool 8.0.1-nvc-test
unset NVC_VGPU_COMPAT
hook_ok badtool && tr '\n' ' ' <"$W/h-badtool.err" | grep -q 'vgpu-compat preflight failed (exit 1)' &&
	[ ! -e "$W/log/proxmox-boot-tool" ] && tr '\n' ' ' <"$W/h-badtool.err" | grep -q 'The boot loader was not changed' &&
	pass "hook: an internal error of preflight: exit 0, warns, pins nothing" || { fail "hook badtool"; cat "$W/h-badtool.err"; }

# A preflight that hangs: timeout (--kill-after) ends it, the hook warns and
# changes nothing.
printf '#!/bin/sh
cmd_preflight() { :; }
trap "" TERM
sleep 30
' >"$W/slow-vgpu-compat"
t0=$(date +%s)
export NVC_VGPU_COMPAT="$W/slow-vgpu-compat" NVC_HOOK_TIMEOUT=1
hook slow proxmox-boot-tool 8.0.1-nvc-test
unset NVC_VGPU_COMPAT NVC_HOOK_TIMEOUT
secs=$(( $(date +%s) - t0 ))
hook_ok slow && [ ! -e "$W/log/proxmox-boot-tool" ] && [ "$secs" -lt 25 ] &&
	tr '\n' ' ' <"$W/h-slow.err" | grep -q 'did not finish within 1 s.*The boot loader was not changed' &&
	pass "hook: a preflight that ignores TERM is killed ($secs s), warns, pins nothing" ||
	{ fail "hook slow ($secs s)"; cat "$W/h-slow.err"; }
hook noarg proxmox-boot-tool
hook_ok noarg && [ ! -s "$W/h-noarg.err" ] && pass "hook without a release: exit 0, silent" || fail "hook noarg"
rm -rf "$R/usr/src"/*
hook nodriver proxmox-boot-tool 8.0.1-nvc-test
hook_ok nodriver && [ ! -s "$W/h-nodriver.err" ] && [ ! -s "$W/h-nodriver.out" ] &&
	pass "hook with no driver installed: exit 0, silent" || fail "hook nodriver"
rm -rf "$W/k8" "$R"
