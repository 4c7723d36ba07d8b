# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, import: check a .run or a directory and create the DKMS tree, rewritten once.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# import

# makeself archives: a shell header, then the payload.  We never execute the
# header: we read the line count (offset=`head -n N "$1"` or skip=N), the
# declared checksums and the compression from it.
#
# What import unpacks or copies is unpacked the way dpkg does it: as root,
# into a private directory ($tmp, mode 0700), with tar --no-same-owner
# --no-same-permissions under umask 022, then checked on the files
# themselves (check_tree) before anything is created under the prefix: no
# device nodes, FIFOs, sockets, hard links or names with control
# characters, symbolic links only to places inside the tree, at most
# NVC_MAX_UNPACK_MB MiB (default 4096); every file then owned by the
# user running import (root) with mode 0644, or 0755 when it was
# executable, and every directory 0755 (no setuid, setgid or sticky bit).

# dec_num VAR VALUE MAX WHAT: VALUE, a decimal number of at most 15 digits
# and at most MAX (leading zeros allowed: 09 is nine), into VAR; else exit 3.
dec_num() {
	case $2 in
	''|*[!0-9]*) die 3 "$4: '$2' is not a decimal number; the file is corrupt or not a driver .run" ;;
	esac
	[ ${#2} -le 15 ] || die 3 "$4: $2 is out of range (more than 15 digits); the file is corrupt or not a driver .run"
	dn=$(printf '%s\n' "$2" | sed 's/^0*//')
	dn=${dn:-0}
	[ "$dn" -le "$3" ] || die 3 "$4: $2 is out of range (at most $3); the file is corrupt or not a driver .run"
	eval "$1=\$dn"
}

# unpack_cap: NVC_MAX_UNPACK_MB in bytes, into $cap_bytes (and $cap_mb).
unpack_cap() {
	cap_mb=${NVC_MAX_UNPACK_MB:-4096}
	case $cap_mb in ''|*[!0-9]*|0*) die 2 "NVC_MAX_UNPACK_MB=$cap_mb: a number of MiB from 1 to 1048576" ;; esac
	[ ${#cap_mb} -le 7 ] && [ "$cap_mb" -le 1048576 ] ||
		die 2 "NVC_MAX_UNPACK_MB=$cap_mb: a number of MiB from 1 to 1048576"
	cap_bytes=$((cap_mb * 1048576))
}

# tar_refuse TARFILE WHAT: before extracting, refuse members tar would
# make into something other than a file, directory or symbolic link, and
# hard links (one type letter per member, in the order of tar -t).
tar_refuse() {
	tar -tvf "$1" 2>/dev/null | cut -c1 >"$tmp/types" &&
		tar -tf "$1" >"$tmp/names" 2>/dev/null ||
		{ tmp_full "the list of files in $2"; die 3 "$2: the payload is not a tar archive; the file is corrupt"; }
	if grep -Eq '^/|(^|/)\.\.(/|$)' "$tmp/names"; then
		die 3 "$2 contains absolute paths or '..' components; refusing to extract it"
	fi
	tr_bad=$(awk 'NR == FNR { t[NR] = $0; next }
		t[FNR] ~ /^[cbps]$/ { print "special file (" (t[FNR] == "c" ? "character device" : t[FNR] == "b" ? "block device" : t[FNR] == "p" ? "FIFO" : "socket") "): " $0; exit }
		t[FNR] == "h" { print "hard link: " $0; exit }
		t[FNR] !~ /^[-dlS]$/ { print "member of tar type \047" t[FNR] "\047: " $0; exit }' "$tmp/types" "$tmp/names")
	[ -z "$tr_bad" ] ||
		die 3 "$2 contains a $tr_bad; a driver has only files, directories and symbolic links: refusing to extract it"
}

# check_tree DIR WHAT: the unpacked files in DIR (private to us) are safe to
# install: else exit 3 naming the first offending member (relative to DIR).
# Then normalize owners (root's, when run as root) and modes.
ct_rel() { printf '%s\n' "${1#"$ct"/}"; }
check_tree() {
	ct=$1
	ct_x=$(LC_ALL=C find "$ct" -name '*[[:cntrl:]]*' -print -quit)
	[ -z "$ct_x" ] || die 3 "$2 contains a file name with a control character (newline, tab ...): refusing it"
	ct_x=$(find "$ct" ! -type f ! -type d ! -type l -print -quit)
	[ -z "$ct_x" ] || die 3 "$2 contains a special file (device node, FIFO or socket): $(ct_rel "$ct_x"); a driver has only files, directories and symbolic links: refusing it"
	ct_x=$(find "$ct" -type f -links +1 -print -quit)
	[ -z "$ct_x" ] || die 3 "$2 contains a hard link: $(ct_rel "$ct_x"); refusing it"
	ct_root=$(cd "$ct" && pwd -P)
	ct_x=$(find "$ct" -type l | while IFS= read -r l; do
		t=$(readlink -m -- "$l")
		case $t in "$ct_root"|"$ct_root"/*) ;; *) printf '%s\n' "$l"; break ;; esac
	done)
	[ -z "$ct_x" ] ||
		die 3 "$2 contains links that point outside the driver tree: $(ct_rel "$ct_x") -> $(readlink -- "$ct_x"); refusing it"
	ct_x=$(find "$ct" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }')
	[ "$ct_x" -le "$cap_bytes" ] ||
		die 3 "$2 unpacks to $((ct_x / 1048576)) MiB, more than the $cap_mb MiB allowed (NVC_MAX_UNPACK_MB); refusing it"
	if [ "$(id -u)" = 0 ]; then
		chown -R -h 0:0 "$ct" || die 6 "cannot change the owner of the files in $ct"
	fi
	{ find "$ct" -type d -exec chmod u=rwx,go=rx,ug-s,-t {} + &&
	  find "$ct" -type f -perm /111 -exec chmod 0755 {} + &&
	  find "$ct" -type f ! -perm /111 -exec chmod 0644 {} +; } ||
		die 6 "cannot set the modes of the files in $ct"
}

# untar_checked TARFILE DESTDIR WHAT: extract into DESTDIR (new, inside
# $tmp) as described above.
untar_checked() {
	tar_refuse "$1" "$3"
	mkdir -p "$2" || tmp_full "$3"
	# During extraction: no single file larger than the cap (ulimit -f
	# counts 512-byte blocks; tar gets SIGXFSZ past it).
	if ! (ulimit -f $((cap_bytes / 512 + 1)) 2>/dev/null
	      exec tar -xf "$1" -C "$2" --no-same-owner --no-same-permissions \
		--no-overwrite-dir) 2>"$tmp/tar.err"; then
		tmp_full "$3"
		die 3 "extracting $3 failed: $(head -n 1 "$tmp/tar.err"); nothing was installed"
	fi
	rm -f "$1"
	check_tree "$2" "$3"
}

run_extract() { # run_extract RUNFILE DESTDIR
	run=$1 dest=$2
	[ -f "$run" ] && [ -r "$run" ] || die 3 "cannot read '$run'"
	head -c 4096 "$run" | grep -q 'makeself\|Makeself\|MAKESELF' ||
		die 3 "'$run' is not a makeself self-extracting archive (no makeself header); download the driver .run again"
	hdr=$tmp/header
	head -c 65536 "$run" >"$hdr" 2>/dev/null || tmp_full "the .run header"
	size=$(wc -c <"$run" | tr -d ' ')
	lines=$(sed -n 's/^offset=`head -n \([0-9][0-9]*\) "\$1".*/\1/p; s/^skip="\{0,1\}\([0-9][0-9]*\)"\{0,1\}$/\1/p' "$hdr" | head -n 1)
	[ -n "$lines" ] || die 3 "'$run': cannot find the payload offset in the makeself header; the file is corrupt or not a driver .run"
	dec_num lines "$lines" 100000 "'$run': the header's line count"
	offset=$(head -n "$lines" "$run" | wc -c | tr -d ' ')
	filesizes=$(sed -n 's/^filesizes="\([0-9 ]*\)".*/\1/p' "$hdr" | head -n 1)
	payload=$((size - offset))
	if [ -n "$filesizes" ]; then
		want=0
		for s in $filesizes; do
			dec_num s "$s" "$size" "'$run': a payload size in the header"
			want=$((want + s))
		done
		[ "$payload" -ge "$want" ] ||
			die 3 "'$run' is truncated: the payload has $payload of $want bytes; download the driver .run again"
	else
		want=$payload
	fi
	unpack_cap
	[ "$want" -le "$cap_bytes" ] ||
		die 3 "'$run': the payload has $((want / 1048576)) MiB, more than the $cap_mb MiB allowed (NVC_MAX_UNPACK_MB); refusing it"
	tail -c +"$((offset + 1))" "$run" | head -c "$want" >"$tmp/payload" 2>/dev/null ||
		{ tmp_full "the .run payload"; die 3 "cannot read the payload of '$run'"; }
	md5=$(sed -n 's/^MD5="\([0-9a-f]*\)".*/\1/p' "$hdr" | head -n 1)
	sha=$(sed -n 's/^SHA="\([0-9a-f]*\)".*/\1/p' "$hdr" | head -n 1)
	crc=$(sed -n 's/^CRCsum="\([0-9 ]*\)".*/\1/p' "$hdr" | head -n 1)
	checked=
	case $md5 in ""|00000000000000000000000000000000) ;; *)
		got=$(md5sum <"$tmp/payload" | cut -d' ' -f1)
		[ "$got" = "$md5" ] || die 3 "'$run' is corrupt: MD5 of the payload is $got, the header says $md5; download the driver .run again"
		checked="$checked MD5" ;;
	esac
	case $sha in ""|0000000000000000000000000000000000000000000000000000000000000000) ;; *)
		got=$(sha256sum <"$tmp/payload" | cut -d' ' -f1)
		[ "$got" = "$sha" ] || die 3 "'$run' is corrupt: SHA256 of the payload is $got, the header says $sha; download the driver .run again"
		checked="$checked SHA256" ;;
	esac
	case $crc in ""|0000000000) ;; *)
		got=$(cksum <"$tmp/payload" | cut -d' ' -f1)
		[ "$got" = "${crc%% *}" ] || die 3 "'$run' is corrupt: CRC of the payload is $got, the header says ${crc%% *}; download the driver .run again"
		checked="$checked CRC" ;;
	esac
	[ -n "$checked" ] || die 3 "'$run' declares no checksum; refusing to trust it"

	# Decompress by magic, at most the cap (and one byte more, to tell).
	case $(od -An -tx1 -N6 "$tmp/payload" | tr -d ' \n') in
	1f8b*) dec="gzip -dc" ;;
	fd377a585a00) dec="xz -dc" ;;
	425a68*) dec="bzip2 -dc" ;;
	28b52ffd*) dec="zstd -dc" ;;
	*) dec="cat" ;;
	esac
	rm -f "$tmp/dec.failed"
	{ $dec <"$tmp/payload" 2>/dev/null || : >"$tmp/dec.failed"; } |
		head -c "$((cap_bytes + 1))" >"$tmp/payload.tar" 2>/dev/null ||
		{ tmp_full "the unpacked .run"; die 3 "'$run': the payload does not decompress; the file is corrupt"; }
	rm -f "$tmp/payload"
	[ "$(wc -c <"$tmp/payload.tar")" -le "$cap_bytes" ] ||
		die 3 "'$run' unpacks to more than the $cap_mb MiB allowed (NVC_MAX_UNPACK_MB); refusing it"
	[ ! -e "$tmp/dec.failed" ] ||
		{ tmp_full "the unpacked .run"; die 3 "'$run': the payload does not decompress; the file is corrupt"; }
	untar_checked "$tmp/payload.tar" "$dest" "'$run'"
}

# copy_checked SRCDIR DESTDIR WHAT [MEMBER...]: import of an extracted
# driver directory (and of our own files, from a checkout someone else may
# own): the same checks as for a .run, on a copy made with tar (hard links
# show as such, owners and modes are not kept).  As root, SRCDIR is read
# with the rights of its owner when that is another user.  MEMBERs
# (default: all of SRCDIR) are relative to SRCDIR.
copy_checked() {
	unpack_cap
	cc_src=$1 cc_dest=$2 cc_what=$3
	shift 3
	[ $# -gt 0 ] || set -- .
	cc_x=$(cd "$cc_src" && find "$@" ! -type f ! -type d ! -type l -print -quit 2>/dev/null)
	[ -z "$cc_x" ] || die 3 "$cc_what contains a special file (device node, FIFO or socket): ${cc_x#./}; a driver has only files, directories and symbolic links: refusing it"
	cc_x=$(cd "$cc_src" && find "$@" -type f -links +1 -print -quit 2>/dev/null)
	[ -z "$cc_x" ] || die 3 "$cc_what contains a hard link: ${cc_x#./}; refusing it"
	cc_uid=$(stat -c %u "$cc_src")
	if [ "$(id -u)" = 0 ] && [ "$cc_uid" != 0 ] && command -v setpriv >/dev/null 2>&1; then
		set -- setpriv --reuid="$cc_uid" --regid="$(stat -c %g "$cc_src")" --clear-groups tar -cf - -- "$@"
	else
		set -- tar -cf - -- "$@"
	fi
	rm -f "$tmp/dec.failed"
	{ (cd "$cc_src" && exec "$@") 2>"$tmp/tar.err" || : >"$tmp/dec.failed"; } |
		head -c "$((cap_bytes + 1))" >"$tmp/payload.tar" 2>/dev/null ||
		{ tmp_full "a copy of $cc_what"; die 3 "cannot read $cc_what"; }
	[ "$(wc -c <"$tmp/payload.tar")" -le "$cap_bytes" ] ||
		die 3 "$cc_what has more than the $cap_mb MiB allowed (NVC_MAX_UNPACK_MB); refusing it"
	[ ! -e "$tmp/dec.failed" ] ||
		{ tmp_full "a copy of $cc_what"; die 3 "cannot read $cc_what: $(head -n 1 "$tmp/tar.err")"; }
	untar_checked "$tmp/payload.tar" "$cc_dest" "$cc_what"
}

# install_staged DIR: a fresh copy of the driver's kernel/ (import's) gets
# the staged files and the layer; no journal: the copy is not in place yet.
install_staged() {
	for f in $files; do
		cp -p "$stage/$f" "$1/$f" || return 1
	done
	[ $layer = 0 ] || cp -pR "$stage/$NVC_TREE_DIR" "$1/$NVC_TREE_DIR"
}

# The stamp of a rewritten tree, KDIR/.nvc-rewritten: the sha256sum of each
# of its files (not the big *_binary objects, which no rule touches), as
# import left them.  A DKMS build whose copy still matches it needs no new
# rewrite (apply --if-changed): the residue check passed on exactly these.
NVC_STAMP=.nvc-rewritten
stamp_files() { # stamp_files KDIR: NUL-separated, sorted, relative to KDIR
	(cd "$1" && find . -type f ! -name "$NVC_STAMP" ! -name '*_binary' \
		! -path './.nvc-*' -print0 | LC_ALL=C sort -z)
}
write_stamp() {
	stamp_files "$1" | (cd "$1" && xargs -0 -r sha256sum) >"$1/$NVC_STAMP"
}
# stamp_ok KDIR: 0 when KDIR matches its stamp; else 1, $stamp_why says why.
stamp_ok() {
	if [ ! -f "$1/$NVC_STAMP" ] || [ -L "$1/$NVC_STAMP" ]; then
		stamp_why="no $NVC_STAMP (not made by vgpu-compat import)"
		return 1
	fi
	if ! stamp_bad=$(cd "$1" && sha256sum -c --quiet "$NVC_STAMP" 2>/dev/null); then
		stamp_why="$(printf '%s\n' "$stamp_bad" | sed -n '1{s/: [A-Z ]*$//; s|^\./||; p;}') changed since import"
		[ -n "${stamp_why%% changed since import}" ] || stamp_why="$NVC_STAMP is unreadable"
		return 1
	fi
}

# The flavours of a vGPU-KVM driver (from branch 550 on, NVIDIA's .run
# ships both trees): proprietary = kernel/ (nvidia.ko under NVIDIA's
# licence; what hosts with GPUs before Blackwell use), open = kernel-open/
# (nvidia.ko "Dual MIT/GPL", NVIDIA's open kernel modules, which Blackwell
# and later GPUs need).  The DKMS tree keeps both, each rewritten, and its
# FLAVOR file says which one DKMS builds (our Makefile and dkms.conf read it).
flavor_dir() { # flavor_dir FLAVOR -> the tree's directory name
	case $1 in open) echo kernel-open ;; *) echo kernel ;; esac
}

# import_open: the open flavour's tree, $tmp/x/kernel-open, when the driver
# has one, rewritten the way apply rewrites a tree (apply runs on it, in a
# process of its own: its own temporary files and state).  $open_done:
# what that did (empty: the driver has no open tree, or it was left out).
import_open() {
	open_kd=$tmp/x/kernel-open open_done='' open_note=''
	if ! is_driver_tree "$open_kd"; then
		[ "$flavor" = proprietary ] ||
			die 4 "driver $ver has no kernel-open/ tree, so no open flavour (NVIDIA ships one from branch 550 on); import it with --flavor proprietary. Nothing was installed."
		open_note=" (the driver has no kernel-open/)"
		return 0
	fi
	io_v=$(driver_version "$open_kd")
	[ "$io_v" = "$ver" ] ||
		die 3 "'$src': kernel-open/ is driver '$io_v', kernel/ is $ver; the file is corrupt or not NVIDIA's. Nothing was installed."
	io_rc=0
	(unset NVC_ARGV; exec sh "$self" apply "$open_kd") >"$tmp/open.log" 2>&1 || io_rc=$?
	if [ $io_rc != 0 ]; then
		io_why=$(sed -n 's/^[^:]*: error: //p' "$tmp/open.log" | head -n 1)
		[ -n "$io_why" ] || io_why=$(tail -n 1 "$tmp/open.log")
		if [ "$flavor" = open ]; then
			sed 's/^/  /' "$tmp/open.log" >&2
			die $io_rc "driver $ver: the open flavour's kernel-open/ cannot be rewritten: $io_why. Nothing was installed."
		fi
		warn "driver $ver: the open flavour's kernel-open/ cannot be rewritten ($io_why): it is left out; the proprietary flavour is imported"
		open_note=" (kernel-open/ left out: see the warning above)"
		return 0
	fi
	write_stamp "$open_kd" || tmp_full "the stamp of kernel-open/"
	open_done=$(sed -n 's/^done: \(.*\)/rewritten too (\1)/p; s/^nothing to do: .*(\(.*\))$/already handles every known kernel change (\1)/p' "$tmp/open.log" | head -n 1)
	[ -n "$open_done" ] || open_done="rewritten too"
}

cmd_import() {
	src='' prefix=/usr/src force=0 dkms=auto kernels='' allow_non_vgpu=0 flavor=proprietary
	while [ $# -gt 0 ]; do
		case $1 in
		--no-dkms) dkms=no; shift ;;
		--flavor) [ $# -ge 2 ] || usage; flavor=$2; shift 2 ;;
		--flavor=*) flavor=${1#*=}; shift ;;
		--kernel) [ $# -ge 2 ] || usage; kernels="$kernels $2"; shift 2 ;;
		--prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
		--prefix=*) prefix=${1#*=}; shift ;;
		--force) force=1; shift ;;
		--allow-non-vgpu) allow_non_vgpu=1; shift ;;
		-*) usage ;;
		*) [ -z "$src" ] || usage; src=$1; shift ;;
		esac
	done
	[ -n "$src" ] || usage
	case $flavor in proprietary|open) ;; *) die 2 "--flavor $flavor: proprietary or open" ;; esac
	# A tree without nvidia-vgpu-vfio/ (a distribution's nvidia.ko sources,
	# for benches and tests) has nothing DKMS could install.
	[ "$allow_non_vgpu" = 0 ] || [ "$dkms" = no ] ||
		die 2 "import --allow-non-vgpu makes a tree DKMS cannot build (no nvidia-vgpu-vfio); pass --no-dkms too"
	# "/usr/src/" is /usr/src (DKMS registration depends on it)
	while :; do case $prefix in ?*/) prefix=${prefix%/} ;; *) break ;; esac; done
	mktmp
	if [ -d "$src" ]; then
		# The driver's kernel/ only, copied and checked like a .run's
		# payload; read under the tree lock (no apply half-way through).
		kd=$(kdir_of "$src")
		is_driver_tree "$kd" ||
			die 3 "'$src' is not an NVIDIA Linux driver (no kernel/Kbuild and kernel/nvidia)"
		lock_tree "$kd" shared
		refuse_interrupted "$kd"
		copy_checked "$kd" "$tmp/x/kernel" "'$src'"
		exec 9<&-
		# the open flavour's tree beside it (a driver directory, not a
		# kernel/ directory given alone)
		if [ "$kd" = "$src/kernel" ] && is_driver_tree "$src/kernel-open"; then
			lock_tree "$src/kernel-open" shared
			refuse_interrupted "$src/kernel-open"
			copy_checked "$src/kernel-open" "$tmp/x/kernel-open" "'$src/kernel-open'"
			exec 9<&-
		fi
	else
		run_extract "$src" "$tmp/x"
	fi
	kd=$(kdir_of "$tmp/x")
	is_driver_tree "$kd" ||
		die 3 "'$src' is not an NVIDIA Linux driver (no kernel/Kbuild and kernel/nvidia)"
	refuse_interrupted "$kd"
	non_vgpu_hint=''
	check_driver "$kd" "$src"
	# Every patch must be applicable, applied or unnecessary, and leave no
	# old kernel API behind: check before creating anything.
	scan "$kd"
	if grep -q ' conflict ' "$tmp/state"; then
		name=$(grep ' conflict ' "$tmp/state" | head -n 1 | cut -d' ' -f1)
		die 5 "driver $ver: patch $name does not apply to its kernel/ tree; this driver build is not one we know. Nothing was installed."
	fi
	plan "$kd"
	stage_patches "$kd"
	residue_scan "$kd" "$stage"
	residue_refuse "driver $ver"
	newer_branch_warn
	# The rewrite does not depend on the kernel (the wrappers' gates do):
	# the DKMS tree gets kernel/ rewritten once, here, and each DKMS build
	# only checks that it is unchanged (.nvc-rewritten) and runs the probes.
	cocci_layer
	stage_layer "$kd"
	import_open

	# Our own files (compat/, patches/, scripts/, ...: DKMS and the kernel
	# hook run them as root), from a checkout that may be a user's: copied
	# and checked like the driver, owned by root, modes ours.
	copy_checked "$NVC_ROOT" "$tmp/own" "nvidia-vgpu-compat's own files in $NVC_ROOT" \
		compat patches scripts Kbuild Makefile dkms.conf

	dest=$prefix/nvidia-vgpu-compat-$ver
	if [ -e "$dest" ] && [ $force = 0 ]; then
		die 6 "$dest already exists; remove it (dkms remove nvidia-vgpu-compat/$ver --all; rm -rf '$dest') or pass --force"
	fi
	made_prefix=0
	[ -d "$prefix" ] || made_prefix=1
	# The reason is mkdir's (a name too long, a file in the way, a
	# read-only file system); "run as root" only to one who is not.
	if ! im_e=$(mkdir -p -- "$prefix" 2>&1) || [ ! -w "$prefix" ]; then
		im_e=$(printf '%s\n' "$im_e" | head -n 1)
		im_e=${im_e##*: }
		[ -n "$im_e" ] || im_e="not writable"
		if [ "$(id -u)" = 0 ]; then
			die 6 "cannot write to $prefix: $im_e; nothing was installed: pass a --prefix that root can create and write"
		fi
		die 6 "cannot write to $prefix: $im_e; nothing was installed: run as root, or pass a --prefix you can write"
	fi
	# One import into a prefix at a time: a second import of the same
	# version waits, then finds the first one's tree.
	if command -v flock >/dev/null 2>&1; then
		exec 7<"$prefix"
		flock -n 7 || { warn "waiting for another vgpu-compat import into $prefix"; flock -w 600 7; } ||
			die 6 "another vgpu-compat import into $prefix has been running for 10 minutes; nothing was installed"
	fi
	if [ -e "$dest" ] && [ $force = 0 ]; then
		die 6 "$dest already exists; remove it (dkms remove nvidia-vgpu-compat/$ver --all; rm -rf '$dest') or pass --force"
	fi
	new=$dest.nvc-new
	rm -rf "$new"
	if ! { mkdir "$new" &&
	       cp -pR "$kd" "$new/kernel" &&
	       install_staged "$new/kernel" &&
	       write_stamp "$new/kernel" &&
	       cp -pR "$tmp/own/compat" "$tmp/own/patches" "$tmp/own/scripts" \
			"$tmp/own/Kbuild" "$tmp/own/Makefile" "$new/" &&
	       sed "s/@DRIVER_VERSION@/$ver/g" "$tmp/own/dkms.conf" >"$new/dkms.conf" &&
	       printf '%s\n' "$ver" >"$new/DRIVER_VERSION" &&
	       printf '%s\n' "$flavor" >"$new/FLAVOR" &&
	       { [ -z "$open_done" ] || cp -pR "$open_kd" "$new/kernel-open"; } &&
	       dkms_makefile >"$new/dkms-build.mk"; } 2>"$tmp/err"; then
		rm -rf "$new"
		[ $made_prefix = 0 ] || rmdir "$prefix" 2>/dev/null || true
		die 6 "could not write $(write_failed "$dest" "$(head -n 1 "$tmp/err")"); nothing was installed"
	fi
	rm -rf "$dest"
	mv -T "$new" "$dest"
	exec 7<&-
	mark_applied
	what="vGPU-KVM driver"
	[ "$allow_non_vgpu" = 0 ] || [ -d "$kd/nvidia-vgpu-vfio" ] || what="NVIDIA driver (not vGPU-KVM)"
	if [ -n "$needed" ] || [ $layer = 1 ]; then
		say "imported $what $ver into $dest, its kernel/ rewritten for the new kernel APIs ($(summary))"
	else
		say "imported $what $ver into $dest; it already handles every known kernel change ($(summary))"
	fi
	if [ -n "$open_done" ]; then
		say "the open flavour's kernel-open/ $open_done"
		say "DKMS builds the $flavor flavour ($(flavor_dir "$flavor")/); switch with: vgpu-compat flavor $ver proprietary|open"
	else
		say "DKMS builds the $flavor flavour ($(flavor_dir "$flavor")/)$open_note"
	fi
	# Into /usr/src as root with DKMS present: register and build right away
	# (the running kernel, or each --kernel), as the Debian package promises.
	if [ "$dkms" = auto ] && [ "$prefix" = /usr/src ] && [ "$(id -u)" = 0 ] &&
	   command -v dkms >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		sh "$NVC_ROOT/scripts/dkms-install" --skip-missing-headers "$dest" "$prefix" \
			${kernels:-"$(uname -r)"} || die $? "DKMS could not build nvidia-vgpu-compat/$ver (see above); the driver stays registered: fix the cause and run dkms autoinstall"
	elif [ "$allow_non_vgpu" = 0 ]; then
		say "next: dkms add '$dest' && dkms build nvidia-vgpu-compat/$ver && dkms install nvidia-vgpu-compat/$ver"
	fi
}
