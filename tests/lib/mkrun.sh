# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Sourced by tests: make NVIDIA-style .run files from fixture trees with
# Debian's makeself (never executed by the code under test).

# mkrun DRIVER_TOP_DIR OUT.run VERSION
mkrun() {
	makeself --nox11 --xz "$1" "$2" \
		"NVIDIA Accelerated Graphics Driver for Linux-x86_64 $3" ./nvidia-installer \
		>/dev/null 2>&1
}

# mkrun_with_payload TEMPLATE.run PAYLOAD_FILE OUT.run: TEMPLATE's makeself
# header with another (already compressed) payload and correct checksums, to
# build archives that makeself itself would not produce.
mkrun_with_payload() {
	_skip=$(sed -n 's/^skip="\([0-9]*\)"$/\1/p' "$1" | head -n 1)
	_size=$(wc -c <"$2" | tr -d ' ')
	_md5=$(md5sum <"$2" | cut -d' ' -f1)
	_crc=$(cksum <"$2" | cut -d' ' -f1)
	head -n "$_skip" "$1" | sed \
		-e "s/^filesizes=\"[0-9 ]*\"/filesizes=\"$_size\"/" \
		-e "s/^MD5=\"[0-9a-f]*\"/MD5=\"$_md5\"/" \
		-e "s/^CRCsum=\"[0-9 ]*\"/CRCsum=\"$_crc\"/" >"$3"
	cat "$2" >>"$3"
}
