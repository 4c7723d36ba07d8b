# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Sourced by tests (tests/boot/boot.sh, t36): one topic taken out of a
# patched driver, for the controls that show what its break does.
#
# topic_applied DIR TOPIC: a variant of TOPIC's patch ($TOP/patches/
# TOPIC-*/) reverse-applies to the patched driver top dir DIR, i.e. apply
# patched that topic there; TOPIC_PATCH is the first such variant.
topic_applied() {
	TOPIC_PATCH=
	for _ta_p in "$TOP"/patches/"$2"-*/*.patch; do
		if patch -R -p1 -s --dry-run --fuzz=0 -d "$1" <"$_ta_p" >/dev/null 2>&1; then
			TOPIC_PATCH=$_ta_p
			return 0
		fi
	done
	return 1
}

# revert_topic DIR TOPIC: TOPIC's patch (the first variant of
# $TOP/patches/TOPIC-*/ that reverse-applies) taken out of the patched
# driver top dir DIR, and the objects of the files it touches removed, so
# that make rebuilds only those; REVERTED is that patch.  False, DIR
# unchanged, when no variant reverse-applies.
revert_topic() {
	REVERTED=
	topic_applied "$1" "$2" || return 1
	_rt_p=$TOPIC_PATCH
	patch -R -p1 -s --fuzz=0 -d "$1" <"$_rt_p" >/dev/null
	sed -n 's|^+++ b/\(kernel/.*\)\.c\([[:space:]].*\)\{0,1\}$|\1.o|p' "$_rt_p" | while read -r _rt_o; do
		rm -f "$1/$_rt_o"
	done
	# shellcheck disable=SC2034 # for the caller
	REVERTED=$_rt_p
}
