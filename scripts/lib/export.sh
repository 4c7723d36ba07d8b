# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, export: the series for distribution maintainers (quilt, mbox, run-patch).
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# export

# The compat layer as a patch that creates kernel/nvidia-vgpu-compat/...
# (kernel-open/... for the open flavour: $ex_top)
compat_layer_diff() {
	(cd "$NVC_COMPAT" && find . -type f ! -name '*.o' | sed 's|^\./||' | LC_ALL=C sort) |
	while read -r f; do
		diff -u --label /dev/null --label "b/$ex_top/$NVC_TREE_DIR/$f" \
			/dev/null "$NVC_COMPAT/$f" || true
	done
}

patch_body() { # the diff part of a patch file: all after the "---" line
	sed '1,/^---$/d' "$1"
}
patch_header() { # everything before the "---" separator
	sed -n '/^---$/q; p' "$1"
}

# export_dir_ok DIR: DIR (export's --out) is a directory, or can be one,
# reached through no symbolic link at its end; export writes nothing there
# before the series is complete.
export_dir_ok() {
	if [ -L "$1" ] || { [ -e "$1" ] && [ ! -d "$1" ]; }; then
		die 3 "--out $1 is a symbolic link or not a directory; export writes through no link: pass a plain directory"
	fi
}

# export_put [SUBDIR]: the files export made in $out ($tmp/out), in $fin
# (the --out directory): each through a new name and a rename, so that a
# link planted in $fin is replaced, never written through.
export_put() {
	mkdir -p "$fin" 2>/dev/null && [ -d "$fin" ] && [ ! -L "$fin" ] ||
		die 6 "cannot create the directory $fin"
	if [ -n "${1:-}" ]; then
		[ ! -L "$fin/$1" ] && { [ -d "$fin/$1" ] || mkdir "$fin/$1"; } 2>/dev/null ||
			die 3 "$fin/$1 is a symbolic link or cannot be created; export writes through no link: remove it"
	fi
	(cd "$out" && find . -type f | LC_ALL=C sort) >"$tmp/put.list" ||
		die 6 "cannot write to $tmp (disk full?)"
	while IFS= read -r ep_f; do
		ep_f=${ep_f#./}
		{ rm -f "$fin/$ep_f.nvc-new" && cp "$out/$ep_f" "$fin/$ep_f.nvc-new" &&
		  mv -fT "$fin/$ep_f.nvc-new" "$fin/$ep_f"; } 2>/dev/null ||
			die 6 "could not write $fin/$ep_f (disk full, or a directory in the way?)"
	done <"$tmp/put.list"
}

cmd_export() {
	drv='' fmt='' out='' allow_non_vgpu=0 flavor=''
	while [ $# -gt 0 ]; do
		case $1 in
		--flavor) [ $# -ge 2 ] || usage; flavor=$2; shift 2 ;;
		--flavor=*) flavor=${1#*=}; shift ;;
		--driver) [ $# -ge 2 ] || usage; drv=$2; shift 2 ;;
		--format) [ $# -ge 2 ] || usage; fmt=$2; shift 2 ;;
		--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
		--allow-non-vgpu) allow_non_vgpu=1; shift ;;
		*) usage ;;
		esac
	done
	[ -n "$drv" ] && [ -n "$fmt" ] && [ -n "$out" ] || usage
	case $fmt in quilt|mbox|run-patch) ;; *) usage ;; esac
	case $flavor in ''|proprietary|open) ;; *) die 2 "--flavor $flavor: proprietary or open" ;; esac
	kd=$(kdir_of "$drv")
	# The open flavour: the driver's kernel-open/ (or that directory given
	# itself); the series then patches kernel-open/..., its files named -open.
	if [ "$flavor" = open ] && [ "${kd##*/}" != kernel-open ]; then
		[ -f "$drv/kernel-open/Kbuild" ] ||
			die 4 "$drv has no kernel-open/ tree, so no open flavour (NVIDIA ships one from branch 550 on); pass the driver's top directory"
		kd=$drv/kernel-open
	elif [ "$flavor" = proprietary ] && [ "${kd##*/}" = kernel-open ]; then
		die 2 "--flavor proprietary: $drv is the open flavour's kernel-open/; pass the driver's top directory"
	fi
	ex_top=kernel ex_sfx=''
	[ "${kd##*/}" != kernel-open ] || ex_top=kernel-open ex_sfx=-open
	check_kernel_tree "$kd"
	lock_tree "$kd" shared
	refuse_interrupted "$kd"
	non_vgpu_hint=" (for a distribution's NVIDIA sources without it, pass --allow-non-vgpu)"
	check_driver "$kd" "$drv"
	mktmp
	scan "$kd"
	grep -q ' conflict ' "$tmp/state" &&
		die 5 "the driver in $drv is not pristine or not known: $(grep ' conflict ' "$tmp/state" | cut -d' ' -f1 | tr '\n' ' ')"
	grep -q ' applied ' "$tmp/state" &&
		die 5 "the driver in $drv is already patched; export needs the pristine tree"
	# The series must leave no old kernel API behind, as apply checks.
	plan "$kd"
	stage_patches "$kd"
	residue_scan "$kd" "$stage"
	residue_refuse "$drv"
	newer_branch_warn
	needed=$(awk '$2 == "needed" && $1 != "0000-compat-layer" { print $1 }' "$tmp/state")
	[ -n "$needed" ] || { say "driver $ver needs no patch"; return 0; }
	# Written in $tmp/out first, then put into $out through no symbolic
	# link (export_put): root may export into a directory a user can write.
	export_dir_ok "$out"
	fin=$out
	out=$tmp/out
	mkdir -p "$out" || die 6 "cannot write to $tmp (disk full?)"

	# Patch 1: the compat layer with its Kbuild hook; then one per break.
	# Each diff is made afresh against this driver's own files (applying the
	# topics in order to a scratch copy), so line numbers and context are
	# exact and the result equals what apply produces.
	ser=$tmp/series
	printf '0000-compat-layer\n' >"$ser"
	for n in $needed; do
		# Topics fixed inside the compat layer have no diff of their own.
		[ -z "$(targets "$(state_patch "$n")")" ] || printf '%s\n' "$n" >>"$ser"
	done
	stage=$tmp/export
	while read -r n; do
		p=$(state_patch "$n")
		for f in $(targets "$p"); do
			if [ ! -f "$stage/$f" ]; then
				mkdir -p "$stage/$(dirname "$f")"
				cp "$kd/$f" "$stage/$f"
			fi
			mkdir -p "$tmp/pre/$(dirname "$f")"
			cp "$stage/$f" "$tmp/pre/$f"
		done
		patch_q "$stage" -N -i "$p" || die 5 "patch $n does not apply to $drv"
		{
			patch_header "$p"
			echo "---"
			[ "$n" != 0000-compat-layer ] || compat_layer_diff
			for f in $(targets "$p"); do
				diff -u --label "a/$ex_top/$f" --label "b/$ex_top/$f" \
					"$tmp/pre/$f" "$stage/$f" || true
			done
			# A generated patch: apply keeps it in the layer, so does the series.
			case $p in "$tmp/cocci/"*)
				diff -u --label /dev/null --label "b/$ex_top/$NVC_TREE_DIR/cocci/$n.patch" \
					/dev/null "$p" || true
			esac
		} >"$tmp/$n.patch"
	done <"$ser"

	case $fmt in
	quilt)
		qd=patches$ex_sfx
		mkdir -p "$out/$qd"
		: >"$out/$qd/series"
		while read -r n; do
			cp "$tmp/$n.patch" "$out/$qd/$n.patch"
			echo "$n.patch" >>"$out/$qd/series"
		done <"$ser"
		export_put "$qd"
		say "wrote $fin/$qd/series for driver $ver ($(wc -l <"$ser" | tr -d ' ') patches): cd <driver top dir> && QUILT_PATCHES=$fin/$qd quilt push -a"
		;;
	mbox)
		total=$(wc -l <"$ser" | tr -d ' ') i=0
		f=$out/nvidia-vgpu-compat-$ver$ex_sfx.mbox
		: >"$f"
		# shellcheck disable=SC2094
		while read -r n; do
			i=$((i + 1))
			{
				echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
				sed "s/^Subject: \[PATCH\] /Subject: [PATCH $i\/$total] /" "$tmp/$n.patch"
				echo "-- "
				echo "nvidia-vgpu-compat $NVC_TOOL_VERSION"
				echo
			} >>"$f"
		done <"$ser"
		export_put
		say "wrote $fin/${f##*/} for driver $ver: git am $fin/${f##*/}"
		;;
	run-patch)
		f=$out/nvidia-vgpu-compat-$ver$ex_sfx.patch
		# shellcheck disable=SC2094
		{
			echo "nvidia-vgpu-compat $NVC_TOOL_VERSION: kernel compatibility patches for NVIDIA vGPU-KVM driver $ver."
			echo "Apply with: sh NVIDIA-Linux-x86_64-$ver-vgpu-kvm.run --apply-patch $(basename "$f")"
			echo "(or patch -p1 from the driver's top directory)."
			echo
			while read -r n; do
				echo "Patch $n:"
				sed -n '/^Subject: /p' "$tmp/$n.patch"
				echo
			done <"$ser"
			while read -r n; do patch_body "$tmp/$n.patch"; done <"$ser"
		} >"$f"
		export_put
		say "wrote $fin/${f##*/} for driver $ver"
		;;
	esac
}
