# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, status: the state of every topic, then any residue.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
cmd_status() {
	allow_non_vgpu=0 allow_foreign=0 kd=''
	while [ $# -gt 0 ]; do
		case $1 in
		--allow-non-vgpu) allow_non_vgpu=1; shift ;;
		--allow-foreign-tree) allow_foreign=1; shift ;;
		-*) usage ;;
		*) [ -z "$kd" ] || usage; kd=$1; shift ;;
		esac
	done
	take_tree "$kd"
	refuse_foreign "$kd"
	# Shared: status only reads, unless it has to restore an interrupted
	# apply first.
	lock_tree "$kd" shared
	journal_sane "$kd"
	! journal_left "$kd" || lock_tree "$kd"
	recover "$kd"
	non_vgpu_hint=" (for a distribution's NVIDIA sources without it, pass --allow-non-vgpu)"
	check_driver "$kd" "$kd"
	mktmp
	scan "$kd"
	say "driver $ver in $kd"
	while read -r name state _; do
		title=$(topic_title "$NVC_PATCHES/$name")
		printf '%-32s %-15s Linux %-5s %s\n' "$name" "$state" "${title%% *}" "${title#* }"
	done <"$tmp/state"
	# What apply would leave: the residue lines after the topics, under a
	# line of their own ("residue:" never is a topic name).
	plan "$kd"
	stage_patches "$kd"
	residue_scan "$kd" "$tmp/stage"
	if [ -s "$tmp/residue" ]; then
		echo "residue: $(wc -l <"$tmp/residue" | tr -d ' ') line(s): uses of old kernel APIs that no patch covers; apply refuses this tree:"
		sed 's/^/  /' "$tmp/residue"
	else
		newer_branch_warn
	fi
}
