#!/bin/sh
# SPDX-License-Identifier: MIT
# Root-safe (issue 11): what a user or a downloaded archive plants never
# reaches root.  One check line per bad-input class, each asserting the exit
# code, one clear message, the tree and the prefix byte-identical after a
# refusal (paths, owners, modes, contents), a root-owned canary outside
# untouched, and the owners and modes of whatever was created.  The
# privilege cases use a real unprivileged user (nvctest, added when missing)
# who owns the planted tree or checkout; root runs the verb.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/mkrun.sh"
W=$NVC_OUT/t14
rm -rf "$W"; mkdir -p "$W"
if [ "$(id -u)" != 0 ]; then
	skip "root-safe suite: needs root (root runs the verbs on a user's files)"
	exit 0
fi
U=nvctest
id -u "$U" >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin "$U"
chmod 755 "$W"
# Trees that root works on as their owner (--allow-foreign-tree) must be
# reachable by that user: not below a clone that may lie in root's home.
FW=$(mktemp -d /tmp/nvc-t14.XXXXXX)
chmod 755 "$FW"
trap 'rm -rf "$FW"' EXIT

V=550.54.16
D=NVIDIA-Linux-x86_64-$V-vgpu-kvm
fixture_copy "$D" "$W/src/$D"
RUN=$W/$D.run
mkrun "$W/src/$D" "$RUN" "$V" || { fail "makeself could not pack the fixture"; exit 0; }
SKIP=$(sed -n 's/^skip="\([0-9]*\)"$/\1/p' "$RUN" | head -n 1)
FSIZE=$(sed -n 's/^filesizes="\([0-9]*\)"$/\1/p' "$RUN" | head -n 1)

# --- helpers -------------------------------------------------------------------
# The canary: root's, mode 0600, outside every tree; planted links point
# at it and at its directory.
OUT=$W/outside
mkdir -p "$OUT/dir"
printf 'root only\n' >"$OUT/secret"; chmod 600 "$OUT/secret"
printf 'root only\n' >"$OUT/dir/nv-pci.c"; chmod 600 "$OUT/dir/nv-pci.c"
# snap DIR: paths, types, owners, modes, link targets and contents
snap() {
	[ -e "$1" ] || { echo absent; return; }
	(cd "$1" && find . -printf '%p %y %U %G %m %l\n' | LC_ALL=C sort &&
	 find . -type f -exec md5sum {} + | LC_ALL=C sort) | md5sum | cut -d' ' -f1
}
CANARY=$(snap "$OUT")
canary_ok() { [ "$(snap "$OUT")" = "$CANARY" ]; }
# owned_ok DIR: everything root's, dirs 0755, files 0644 or 0755, symlinks,
# and nothing else; prints the first offender
owned_ok() {
	_o=$(find "$1" \( ! -user 0 -o ! -group 0 \
		-o \( -type d ! -perm 0755 \) \
		-o \( -type f ! -perm 0644 ! -perm 0755 \) \
		-o \( ! -type f ! -type d ! -type l \) \) -print -quit)
	[ -z "$_o" ] || { echo "    | not root's with our modes: $(stat -c '%U:%G %a %F' "$_o") $_o"; return 1; }
}
# refused NAME CODE PATTERN DIR CMD...: CMD exits CODE, prints one error
# line matching PATTERN, DIR is byte-identical, the canary untouched.  A
# time limit: a hang (FIFO) is a failure, not a stuck test.
refused() {
	_n=$1 _c=$2 _p=$3 _d=$4; shift 4
	_b=$(snap "$_d")
	timeout -k 5 120 "$@" >"$W/last.log" 2>&1 && _rc=0 || _rc=$?
	_e=$(grep -c 'error:' "$W/last.log" || true)
	if [ "$_rc" = "$_c" ] && [ "$_e" = 1 ] && grep -Eq -- "$_p" "$W/last.log" &&
	   [ "$(snap "$_d")" = "$_b" ] && canary_ok; then
		pass "$_n: exit $_c, one message, unchanged, canary intact"
	else
		fail "$_n: exit $_rc (want $_c), $_e error lines, /$_p/, unchanged: $([ "$(snap "$_d")" = "$_b" ] && echo yes || echo NO), canary: $(canary_ok && echo intact || echo CHANGED)"
		sed 's/^/    | /' "$W/last.log" | tail -n 8
	fi
}
# payload_run NAME STAGEDIR [TAR ARGS...]: a .run whose payload is STAGEDIR
payload_run() {
	_pr=$1 _ps=$2; shift 2
	(cd "$_ps" && tar -cf - "$@" .) | xz -c >"$W/$_pr.tar.xz"
	mkrun_with_payload "$RUN" "$W/$_pr.tar.xz" "$W/$_pr.run"
}
# stage NAME: a copy of the fixture's top dir to plant things in
stage() { rm -rf "$W/stage-$1"; cp -a "$W/src/$D" "$W/stage-$1"; echo "$W/stage-$1"; }
P=$W/prefix
mkdir -p "$P"

# --- 1. extraction of a .run, like dpkg ------------------------------------------
S=$(stage dev); mknod "$S/kernel/dev0" c 1 3
payload_run dev "$S"
refused "run: device node in the payload" 3 "special file \\(character device\\): \\./kernel/dev0" "$P" \
	"$VC" import "$W/dev.run" --prefix "$P" --no-dkms
S=$(stage fifo); mkfifo "$S/kernel/nvidia/fifo"
payload_run fifo "$S"
refused "run: FIFO in the payload" 3 "special file \\(FIFO\\): \\./kernel/nvidia/fifo" "$P" \
	"$VC" import "$W/fifo.run" --prefix "$P" --no-dkms
S=$(stage hard); ln "$S/kernel/Kbuild" "$S/kernel/Kbuild.hard"
payload_run hard "$S"
refused "run: hard link in the payload" 3 "hard link: \\./kernel/Kbuild" "$P" \
	"$VC" import "$W/hard.run" --prefix "$P" --no-dkms
grep -q 'disk full' "$W/last.log" && fail "run: hard link reported as disk full" || :
S=$(stage abs); ln -s "$OUT/secret" "$S/kernel/nvidia/escape"
payload_run abs "$S"
refused "run: symlink to an absolute path outside" 3 "links that point outside the driver tree: kernel/nvidia/escape" "$P" \
	"$VC" import "$W/abs.run" --prefix "$P" --no-dkms
S=$(stage up); ln -s ../../../outside/secret "$S/kernel/nvidia/up"
payload_run up "$S"
refused "run: relative symlink climbing out" 3 "links that point outside the driver tree: kernel/nvidia/up" "$P" \
	"$VC" import "$W/up.run" --prefix "$P" --no-dkms
S=$(stage arrow); ln -s "$OUT/secret -> inside" "$S/kernel/nvidia/arrow"
payload_run arrow "$S"
refused "run: symlink target containing ' -> '" 3 "links that point outside the driver tree: kernel/nvidia/arrow" "$P" \
	"$VC" import "$W/arrow.run" --prefix "$P" --no-dkms
# A link to a directory outside, then a file through it (tar's order).
S=$(stage thru); ln -s "$OUT/dir" "$S/kernel/d"
(cd "$S" && tar -cf "$W/thru.tar" .)
mkdir -p "$W/thru2/kernel/d"; printf 'planted\n' >"$W/thru2/kernel/d/nv-pci.c"
(cd "$W/thru2" && tar -rf "$W/thru.tar" ./kernel/d/nv-pci.c)
xz -c "$W/thru.tar" >"$W/thru.tar.xz"; mkrun_with_payload "$RUN" "$W/thru.tar.xz" "$W/thru.run"
refused "run: a file written through a symlinked directory" 3 "kernel/d" "$P" \
	"$VC" import "$W/thru.run" --prefix "$P" --no-dkms
S=$(stage ctl); printf 'x\n' >"$S/kernel/nvidia/bad
name.c"
payload_run ctl "$S"
refused "run: a member name with a newline" 3 "control character" "$P" \
	"$VC" import "$W/ctl.run" --prefix "$P" --no-dkms
S=$(stage big); head -c 3000000 /dev/urandom >"$S/kernel/blob"
payload_run big "$S"
refused "run: payload larger than NVC_MAX_UNPACK_MB" 3 "more than the 2 MiB allowed \\(NVC_MAX_UNPACK_MB\\)" "$P" \
	env NVC_MAX_UNPACK_MB=2 "$VC" import "$W/big.run" --prefix "$P" --no-dkms
S=$(stage bomb); head -c 30000000 /dev/zero >"$S/kernel/zeros"
payload_run bomb "$S"
refused "run: payload unpacking past NVC_MAX_UNPACK_MB (a bomb)" 3 "unpacks to more than the 8 MiB allowed" "$P" \
	env NVC_MAX_UNPACK_MB=8 "$VC" import "$W/bomb.run" --prefix "$P" --no-dkms
refused "NVC_MAX_UNPACK_MB not a number" 2 "NVC_MAX_UNPACK_MB=lots" "$P" \
	env NVC_MAX_UNPACK_MB=lots "$VC" import "$RUN" --prefix "$P" --no-dkms
# Header numbers: decimal within bounds, exit 3, never a shell arithmetic crash.
sed "s/^skip=\"$SKIP\"\$/skip=\"12345678901234567890\"/" "$RUN" >"$W/h20.run"
refused "run header: 20-digit line count" 3 "line count: 12345678901234567890 is out of range" "$P" \
	"$VC" import "$W/h20.run" --prefix "$P" --no-dkms
sed "s/^filesizes=\"$FSIZE\"\$/filesizes=\"98765432109876543210\"/" "$RUN" >"$W/f20.run"
refused "run header: 20-digit payload size" 3 "payload size in the header: 98765432109876543210 is out of range" "$P" \
	"$VC" import "$W/f20.run" --prefix "$P" --no-dkms
sed "s/^filesizes=\"$FSIZE\"\$/filesizes=\"09\"/" "$RUN" >"$W/f09.run"
refused "run header: payload size 09 (decimal, not octal)" 3 "is corrupt: (MD5|CRC)" "$P" \
	"$VC" import "$W/f09.run" --prefix "$P" --no-dkms
sed "s/^skip=\"$SKIP\"\$/skip=\"0$SKIP\"/; s/^filesizes=\"$FSIZE\"\$/filesizes=\"00$FSIZE\"/" "$RUN" >"$W/lead0.run"
"$VC" import "$W/lead0.run" --prefix "$W/p-lead0" --no-dkms >"$W/last.log" 2>&1 &&
	[ -f "$W/p-lead0/nvidia-vgpu-compat-$V/kernel/Kbuild" ] &&
	pass "run header: leading zeros read as decimal (0$SKIP, 00$FSIZE): imported" ||
	{ fail "run header: leading zeros"; sed 's/^/    | /' "$W/last.log"; }

# What import creates: root's, our modes, whatever the payload and umask say.
S=$(stage modes)
chmod 4755 "$S/kernel/conftest.sh"; chmod 2755 "$S/kernel/nvidia"
chmod 0666 "$S/kernel/Kbuild"; chmod 0777 "$S/kernel/nvidia-vgpu-vfio"
payload_run modes "$S" --owner=4321 --group=4321
(umask 000; "$VC" import "$W/modes.run" --prefix "$W/p-modes" --no-dkms) >"$W/last.log" 2>&1 &&
	T=$W/p-modes/nvidia-vgpu-compat-$V && owned_ok "$W/p-modes" &&
	[ "$(stat -c %a "$T/kernel/conftest.sh")" = 755 ] && [ "$(stat -c %a "$T/dkms.conf")" = 644 ] &&
	[ "$(stat -c %a "$T/scripts/vgpu-compat")" = 755 ] && canary_ok &&
	pass "run: setuid/setgid, 0666/0777, foreign owners, umask 000: all root's, 0644/0755, no s bits" ||
	{ fail "run: owners and modes of the imported tree"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }

# --- import <dir> and our own files (sudo make install from a user's checkout) --
UD=$W/user-drv/$D
mkdir -p "$W/user-drv"; cp -a "$W/src/$D" "$UD"
chown -R "$U:" "$W/user-drv"
chmod 4777 "$UD/kernel/conftest.sh"; chmod 0666 "$UD/kernel/Kbuild"
"$VC" import "$UD" --prefix "$W/p-dir" --no-dkms >"$W/last.log" 2>&1 && owned_ok "$W/p-dir" &&
	imported_as_applied "$W/src/$D/kernel" "$W/p-dir/nvidia-vgpu-compat-$V/kernel" >/dev/null && canary_ok &&
	pass "import <dir> a user owns (setuid, 0666): copied without owners, all root's, 0644/0755" ||
	{ fail "import <dir> a user owns"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
dir_case() { # dir_case NAME PATTERN PLANT-CMD...: a user's dir with something planted
	_dn=$1 _dp=$2; shift 2
	rm -rf "$W/udir"; mkdir -p "$W/udir"; cp -a "$W/src/$D" "$W/udir/$D"
	chown -R -h "$U:" "$W/udir"
	(cd "$W/udir/$D" && "$@")
	refused "import <dir>: $_dn" 3 "$_dp" "$P" "$VC" import "$W/udir/$D" --prefix "$P" --no-dkms
}
dir_case "FIFO (no hang)" "special file .*: nvidia/fifo" mkfifo kernel/nvidia/fifo
dir_case "device node" "special file .*: dev0" mknod kernel/dev0 c 1 3
dir_case "hard link to a root file outside" "hard link: nvidia/stolen" ln "$OUT/secret" kernel/nvidia/stolen
dir_case "symlink to a root file outside" "links that point outside the driver tree: nvidia/peek" \
	ln -s "$OUT/secret" kernel/nvidia/peek
dir_case "socket" "special file .*: nvidia/sock" \
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("kernel/nvidia/sock")'
dir_case "driver version with '..' in Kbuild" "is not digits and dots" \
	sed -i "s/$V/550.54..16/" kernel/Kbuild

# A prefix a user can write, with links planted where import creates the tree.
PP=$W/p-plant
mkdir -p "$PP"; ln -s "$OUT/dir" "$PP/nvidia-vgpu-compat-$V.nvc-new"; chown -R -h "$U:" "$PP"
"$VC" import "$RUN" --prefix "$PP" --no-dkms >"$W/last.log" 2>&1 && canary_ok &&
	[ -d "$PP/nvidia-vgpu-compat-$V" ] && [ ! -L "$PP/nvidia-vgpu-compat-$V" ] &&
	owned_ok "$PP/nvidia-vgpu-compat-$V" && [ ! -e "$PP/nvidia-vgpu-compat-$V.nvc-new" ] &&
	pass "import into a prefix a user can write: a planted *.nvc-new symlink is removed, not followed; canary intact" ||
	{ fail "import into a user-writable prefix with a planted link"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }

# sudo make install runs "<checkout>/scripts/vgpu-compat import" (dkms-install):
# a checkout a user owns and can write.
CO=$W/checkout
mkdir -p "$CO"; cp -a "$TOP/compat" "$TOP/patches" "$TOP/scripts" "$TOP/Kbuild" "$TOP/Makefile" "$TOP/dkms.conf" "$CO/"
chown -R "$U:" "$CO"
chmod 0666 "$CO/compat/nvc-compat.h"; chmod 0777 "$CO/scripts/dkms-install"; chmod 4755 "$CO/scripts/vgpu-compat"
(umask 000; "$CO/scripts/vgpu-compat" import "$RUN" --prefix "$W/p-co" --no-dkms) >"$W/last.log" 2>&1 &&
	owned_ok "$W/p-co" && [ "$(stat -c %a "$W/p-co/nvidia-vgpu-compat-$V/scripts/dkms-install")" = 755 ] && canary_ok &&
	pass "make install from a checkout a user owns (0666, 0777, setuid, umask 000): compat/, scripts/, ... root's, 0644/0755" ||
	{ fail "make install from a user's checkout"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
ln -s "$OUT/secret" "$CO/compat/evil.h"; chown -h "$U:" "$CO/compat/evil.h"
refused "make install: a symlink out of the user's checkout" 3 "own files in $CO contains links that point outside.*compat/evil.h" "$P" \
	"$CO/scripts/vgpu-compat" import "$RUN" --prefix "$P" --no-dkms
rm -f "$CO/compat/evil.h"; mkfifo "$CO/compat/fifo.h"
refused "make install: a FIFO in the user's checkout (no hang)" 3 "special file .*compat/fifo.h" "$P" \
	"$CO/scripts/vgpu-compat" import "$RUN" --prefix "$P" --no-dkms
rm -f "$CO/compat/fifo.h"
# make's own exit code for a failed recipe is 2; the message is the tool's.
refused "make install DRIVER= with a ' in it: the recipe survives" 2 "cannot read '$W/no such'x.run'" "$P" \
	make -s -C "$TOP" install DRIVER="$W/no such'x.run" PREFIX="$P" KERNELS=none

# --- 2. root and a tree another user controls --------------------------------------
FT=$W/foreign/$D
mkdir -p "$W/foreign"; cp -a "$W/src/$D" "$FT"; chown -R "$U:" "$W/foreign"
refused "root apply on a tree a user owns" 6 "refusing to work as root on .*chown -R root:root.*--allow-foreign-tree" "$FT" \
	"$VC" apply "$FT/kernel"
refused "root status on a tree a user owns" 6 "refusing to work as root on" "$FT" "$VC" status "$FT/kernel"
GT=$W/gw/$D
mkdir -p "$W/gw"; cp -a "$W/src/$D" "$GT"; chmod o+w "$GT/kernel/nvidia"
refused "root apply on a root tree with a world-writable directory" 6 "refusing to work as root on .*kernel/nvidia" "$GT" \
	"$VC" apply "$GT/kernel"
# ... and with --allow-foreign-tree too: no one user owns it to work as, and
# as root the swap between check and write (below) cannot be stopped.
refused "--allow-foreign-tree on a root tree with a world-writable directory" 6 "even with --allow-foreign-tree: .*kernel/nvidia .*no one user to work as.*chmod -R go-w" "$GT" \
	"$VC" apply --allow-foreign-tree "$GT/kernel"
chmod o-w "$GT/kernel/nvidia"; chgrp nogroup "$GT/kernel"; chmod g+w "$GT/kernel"
refused "--allow-foreign-tree on a root tree a group may write" 6 "even with --allow-foreign-tree: .*kernel .*root:nogroup" "$GT" \
	"$VC" status --allow-foreign-tree "$GT/kernel"
PT=$W/userparent
mkdir -p "$PT"; cp -a "$W/src/$D" "$PT/$D"; chown "$U:" "$PT"
refused "root apply on a root tree inside a directory a user owns" 6 "refusing to work as root on .*$PT " "$PT/$D" \
	"$VC" apply "$PT/$D/kernel"
# --allow-foreign-tree: root goes on, but only through no-follow checks.
NT=$FW/nvcnew/$D
mkdir -p "$FW/nvcnew"; cp -a "$W/src/$D" "$NT"
ln -s "$OUT/secret" "$NT/kernel/nvidia/nv-pci.c.nvc-new"
ln -s "$OUT/dir/nv-pci.c" "$NT/kernel/Kbuild.nvc-new"
chown -R -h "$U:" "$FW/nvcnew"
"$VC" apply --allow-foreign-tree "$NT/kernel" >"$W/last.log" 2>&1 && canary_ok &&
	[ -f "$NT/kernel/nvidia/nv-pci.c" ] && [ ! -L "$NT/kernel/nvidia/nv-pci.c" ] &&
	grep -q nvc_dev_iommu_present "$NT/kernel/nvidia/nv-pci.c" &&
	[ -z "$(find "$NT" -name '*.nvc-new')" ] &&
	pass "--allow-foreign-tree: planted *.nvc-new symlinks are removed, not written through; canary intact" ||
	{ fail "--allow-foreign-tree: planted *.nvc-new symlinks"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
[ -z "$(find "$NT" ! -user "$U")" ] && grep -q "belongs to $U: working on it as that user, not as root" "$W/last.log" &&
	pass "--allow-foreign-tree: root works on the tree as its owner $U (everything in it still $U's, the layer too)" ||
	{ fail "--allow-foreign-tree: not done as the tree's owner: $(find "$NT" ! -user "$U" | head -n 3 | tr '\n' ' ')"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
# The race no check made as root can close: between apply's check of a file
# and its write, the user swaps the file's directory for a link to a
# directory of root's.  As the tree's owner the write fails there (exit 6,
# the real error named) and root's files stay as they were; as root it would
# rename C source over root's file.
RT=$FW/race/$D RP=$FW/race-pause
mkdir -p "$FW/race" "$RP"; cp -a "$W/src/$D" "$RT"; chown -R "$U:" "$FW/race" "$RP"
(rrc=0; NVC_TEST_PAUSE_AT=checked:nvidia/nv-pci.c NVC_TEST_PAUSE_DIR=$RP timeout -k 5 180 \
	"$VC" apply --allow-foreign-tree "$RT/kernel" >"$W/race.log" 2>&1 || rrc=$?
 echo "$rrc" >"$W/race.rc") &
n=0; while [ ! -s "$RP/paused" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
rf=$(cat "$RP/paused" 2>/dev/null || :)
rd=${rf%/*}
if [ -z "$rf" ] || [ "$rd" = "$rf" ]; then
	touch "$RP/go"; wait
	fail "race under --allow-foreign-tree: apply did not stop before writing nvidia/nv-pci.c ('$rf')"
else
	# root's file of that name, in root's directory the link will point to
	RD=$W/race-root; rm -rf "$RD"; mkdir -p "$RD"; printf 'root only\n' >"$RD/${rf##*/}"; chmod 600 "$RD/${rf##*/}"
	RB=$(snap "$RD")
	setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups -- \
		sh -c 'mv "$1/$2" "$1/$2.moved" && ln -s "$3" "$1/$2"' nvc "$RT/kernel" "$rd" "$RD"
	touch "$RP/go"; wait
	rrc=$(cat "$W/race.rc")
	[ "$rrc" = 6 ] && [ "$(snap "$RD")" = "$RB" ] && canary_ok && grep -q "could not write .*Permission denied" "$W/race.log" &&
		pass "race under --allow-foreign-tree: $rd swapped for a link to root's directory after the check: exit 6, 'Permission denied', root's $rd/${rf##*/} untouched" ||
		{ fail "race under --allow-foreign-tree: exit $rrc, root's file $( [ "$(snap "$RD")" = "$RB" ] && echo kept || echo CHANGED)"; sed 's/^/    | /' "$W/race.log" | tail -n 5; }
fi
JT=$FW/journal/$D
mkdir -p "$FW/journal"; cp -a "$W/src/$D" "$JT"
mkdir -p "$JT/kernel/.nvc-journal/orig/x" "$JT/kernel/.nvc-journal/orig/common"
printf 'planted\n' >"$JT/kernel/.nvc-journal/orig/x/secret"
ln -s "$OUT" "$JT/kernel/x"
ln -s "$OUT/dir" "$JT/kernel/.nvc-journal/orig/nvidia"
chown -R -h "$U:" "$FW/journal"
JB=$(snap "$JT/kernel/nvidia")
"$VC" status --allow-foreign-tree "$JT/kernel" >"$W/last.log" 2>&1 && canary_ok &&
	[ "$(snap "$JT/kernel/nvidia")" = "$JB" ] && [ ! -e "$JT/kernel/.nvc-journal" ] &&
	pass "--allow-foreign-tree: planted .nvc-journal/orig entries and symlinked dirs: nothing moved from or to outside" ||
	{ fail "--allow-foreign-tree: planted journal"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
LT=$W/target-link/$D
mkdir -p "$W/target-link"; cp -a "$W/src/$D" "$LT"
cp "$LT/kernel/nvidia/nv-pci.c" "$W/nv-pci.c.outside"
ln -sf "$W/nv-pci.c.outside" "$LT/kernel/nvidia/nv-pci.c"
OB=$(md5sum <"$W/nv-pci.c.outside")
"$VC" apply --allow-foreign-tree "$LT/kernel" >"$W/last.log" 2>&1 && lrc=0 || lrc=$?
[ "$lrc" != 0 ] && [ "$(md5sum <"$W/nv-pci.c.outside")" = "$OB" ] && [ -L "$LT/kernel/nvidia/nv-pci.c" ] && canary_ok &&
	pass "a patch target that is a symlink out of the tree: refused (exit $lrc), the file outside untouched" ||
	{ fail "a symlinked patch target: exit $lrc"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
# A directory of the tree replaced by a symlink to a copy outside: refused
# before anything is read or written (its code would be built unchecked,
# and the semantic patches and the residue check follow no link).
DT=$W/dir-link/$D
mkdir -p "$W/dir-link"; cp -a "$W/src/$D" "$DT"
mv "$DT/kernel/nvidia-vgpu-vfio" "$OUT/vfio"; ln -s "$OUT/vfio" "$DT/kernel/nvidia-vgpu-vfio"
CANARY=$(snap "$OUT")
refused "a directory of the tree that is a symlink out of it" 3 "kernel/nvidia-vgpu-vfio is a symbolic link, not a directory of the tree" "$DT" \
	"$VC" apply --allow-foreign-tree "$DT/kernel"
SJ=$W/stray/$D
mkdir -p "$W/stray"; cp -a "$W/src/$D" "$SJ"; printf 'stray\n' >"$SJ/kernel/.nvc-journal"
refused "a stray regular file named .nvc-journal" 3 "\\.nvc-journal is not a journal directory of vgpu-compat.*rm " "$SJ" \
	"$VC" apply "$SJ/kernel"
grep -q 'disk full' "$W/last.log" && fail "stray .nvc-journal reported as disk full" || :
rm -f "$SJ/kernel/.nvc-journal"; ln -s "$OUT" "$SJ/kernel/.nvc-journal"
refused "a symlink named .nvc-journal" 3 "\\.nvc-journal is not a journal directory" "$SJ" "$VC" status "$SJ/kernel"

# --- 3. temporary directories --------------------------------------------------------
for td in "tmp with space" "tmp*glob?[x]"; do
	mkdir -p "$W/$td" "$W/tmp" "$W/tmpx"; : >"$W/tmp/keep"; : >"$W/tmpx/keep"
	TT=$W/tt/$D; rm -rf "$W/tt"; fixture_copy "$D" "$TT"
	TMPDIR="$W/$td" "$VC" apply "$TT/kernel" >"$W/last.log" 2>&1 &&
		[ -f "$W/tmp/keep" ] && [ -f "$W/tmpx/keep" ] && [ -z "$(ls -A "$W/$td")" ] &&
		pass "TMPDIR '$td': apply works, its temp dir removed, sibling directories survive" ||
		{ fail "TMPDIR '$td'"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
done

# A backslash in the tree's path or in TMPDIR: awk's -v took it for an
# escape, every topic came out not-applicable and apply said "nothing to do".
BT='tree\with\backslash'
mkdir -p "$W/$BT" "$W/tmp\b"; fixture_copy "$D" "$W/$BT/$D"
TMPDIR="$W/tmp\b" "$VC" apply "$W/$BT/$D/kernel" >"$W/last.log" 2>&1 &&
	grep -q '^applied  0001-iommu-bus-ops$' "$W/last.log" &&
	"$VC" status "$W/$BT/$D/kernel" >>"$W/last.log" 2>&1 &&
	grep -Eq '^0001-iommu-bus-ops +applied ' "$W/last.log" &&
	pass "a backslash in the tree's path and in TMPDIR: apply patches, status sees it" ||
	{ fail "backslash in the tree's path"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }

# --- 4. validation ------------------------------------------------------------------
mkdir -p "$W/un/lib"; : >"$W/un/lib/keep"
refused "dkms-uninstall DRIVER_VERSION=550.54.16/../../lib" 2 "is not a driver version" "$W/un" \
	sh "$TOP/scripts/dkms-uninstall" "550.54.16/../../lib" "$W/un/a/b"
refused "make uninstall DRIVER_VERSION with a ' and ../" 2 "is not a driver version" "$W/un" \
	make -s -C "$TOP" uninstall DRIVER_VERSION="1'/../../lib" PREFIX="$W/un/a/b"
refused "dkms-build with a release containing /.." 2 "is not a kernel release" "$W/un" \
	"$VC" dkms-build "6.1/../.." /nonexistent "$W/un/550.54.16"
refused "dkms-build with a DKMS dir not ending in a version" 2 "does not end in a driver version" "$W/un" \
	"$VC" dkms-build 6.1.0 /nonexistent "$W/un/lib"
QT=$W/fifo-tree/$D
mkdir -p "$W/fifo-tree"; cp -a "$W/src/$D" "$QT"; mkfifo "$QT/kernel/nvidia/nv-fifo.c"
refused "a FIFO in the tree where scans read: status does not hang" 3 "nv-fifo.c is not a regular file" "$QT" \
	"$VC" status "$QT/kernel"
rm -f "$QT/kernel/nvidia/nv-fifo.c"; ln -s /dev/zero "$QT/kernel/nvidia/nv-zero.h"
refused "a symlink to /dev/zero in the tree: apply does not spin" 3 "nv-zero.h is not a regular file" "$QT" \
	"$VC" apply "$QT/kernel"
refused "export of a tree with a link to a device" 3 "nv-zero.h is not a regular file" "$QT" \
	"$VC" export --driver "$QT" --format quilt --out "$W/x-out"

# export --out into a directory a user can write: planted links are
# replaced, never written through; a linked --out or patches/ is refused.
XO=$W/x-user; rm -rf "$XO"; mkdir -p "$XO/patches"
ln -s "$OUT/secret" "$XO/patches/series"
ln -s "$OUT/secret" "$XO/patches/0000-compat-layer.patch.nvc-new"
ln -s "$OUT/secret" "$XO/nvidia-vgpu-compat-$V.mbox"
chown -R "$U:" "$XO"
"$VC" export --driver "$W/src/$D" --format quilt --out "$XO" >"$W/last.log" 2>&1 &&
	"$VC" export --driver "$W/src/$D" --format mbox --out "$XO" >>"$W/last.log" 2>&1 && canary_ok &&
	[ -f "$XO/patches/series" ] && [ ! -L "$XO/patches/series" ] && [ -f "$XO/nvidia-vgpu-compat-$V.mbox" ] &&
	[ ! -L "$XO/nvidia-vgpu-compat-$V.mbox" ] && grep -q '^0000-compat-layer.patch$' "$XO/patches/series" &&
	[ -z "$(find "$XO" -name '*.nvc-new')" ] &&
	pass "export --out a user's directory with planted links: links replaced by the files, canary intact" ||
	{ fail "export into planted links"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
rm -rf "$XO"; mkdir -p "$XO"; ln -s "$OUT/dir" "$XO/patches"; chown -hR "$U:" "$XO"
refused "export --format quilt into a patches/ that is a link" 3 "patches is a symbolic link" "$XO" \
	"$VC" export --driver "$W/src/$D" --format quilt --out "$XO"
ln -s "$OUT/dir" "$W/x-link"
refused "export --out a symbolic link" 3 "is a symbolic link or not a directory" "$W/x-link" \
	"$VC" export --driver "$W/src/$D" --format run-patch --out "$W/x-link"

# --- 5. locks -----------------------------------------------------------------------
LK=$W/lock/$D
mkdir -p "$W/lock"; cp -a "$W/src/$D" "$LK"
lock_case() { # lock_case NAME CMD...: CMD waits for an exclusive lock (apply) on the tree
	_ln=$1; shift
	flock -x "$LK/kernel" sleep 3 & _lp=$!
	sleep 1
	_t0=$(date +%s)
	"$@" >"$W/last.log" 2>&1 && _rc=0 || _rc=$?
	_dt=$(( $(date +%s) - _t0 ))
	wait $_lp || :
	[ "$_rc" = 0 ] && [ "$_dt" -ge 1 ] && grep -q 'waiting for another vgpu-compat' "$W/last.log" &&
		pass "locks: $_ln waits for an apply on the tree (shared lock)" ||
		{ fail "locks: $_ln (exit $_rc, ${_dt}s)"; sed 's/^/    | /' "$W/last.log" | tail -n 5; }
}
lock_case "status" "$VC" status "$LK/kernel"
lock_case "apply --dry-run" "$VC" apply --dry-run "$LK/kernel"
lock_case "export" "$VC" export --driver "$LK" --format quilt --out "$W/lock-out"
lock_case "import <dir>" "$VC" import "$LK" --prefix "$W/p-lock" --no-dkms
flock -s "$LK/kernel" sleep 3 & lp=$!
sleep 1
"$VC" status "$LK/kernel" >"$W/last.log" 2>&1 && ! grep -q waiting "$W/last.log" &&
	pass "locks: status does not wait for another reader" || fail "locks: status waited for a reader"
wait $lp || :
"$VC" import "$RUN" --prefix "$W/p-two" --no-dkms >"$W/i1.log" 2>&1 & p1=$!
"$VC" import "$RUN" --prefix "$W/p-two" --no-dkms >"$W/i2.log" 2>&1 & p2=$!
r1=0 r2=0; wait $p1 || r1=$?; wait $p2 || r2=$?
[ "$(printf '%s\n' "$r1" "$r2" | sort | tr '\n' ' ')" = "0 6 " ] &&
	cat "$W/i1.log" "$W/i2.log" | grep -q 'already exists' &&
	imported_as_applied "$W/src/$D/kernel" "$W/p-two/nvidia-vgpu-compat-$V/kernel" >/dev/null &&
	[ -z "$(find "$W/p-two" -maxdepth 1 -name '*.nvc-new')" ] &&
	pass "locks: two imports of one version at once: one imports, one says it exists; the tree is complete" ||
	{ fail "locks: two imports at once: exits $r1 $r2"; sed 's/^/    | /' "$W/i1.log" "$W/i2.log"; }
