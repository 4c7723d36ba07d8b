#!/bin/sh
# SPDX-License-Identifier: MIT
# vfio-ops-check.sh MODULE.ko FIELD...
#
# The check vfio makes when a driver registers a device (6.6+, 9048c7341c4d:
# __vfio_register_dev() refuses, with a WARN and -EINVAL, a device whose
# vfio_device_ops lack one of the iommufd callbacks when the kernel has
# IOMMUFD), made at build time on the built module: for every
# struct vfio_device_ops object in MODULE.ko, is each FIELD set?
#
# Found by shape, not by name: the struct's layout comes from the module's
# own debug info (pahole -C vfio_device_ops: the kernel headers it was built
# with), an ops object is a data symbol of exactly that size with
# relocations at two or more of the struct's function-pointer offsets, and a
# field is set when a relocation stands at its offset (a relocatable module
# cannot hold a non-NULL function pointer without one).
#
# Prints one line per ops object: "SYMBOL FIELD=TARGET|NULL ...".
# Exit: 0 every object has every FIELD; 1 one lacks one; 2 no ops object or
# no layout (a module without debug info, or without vfio_device_ops).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 MODULE.ko FIELD..." >&2; exit 2; }
ko=$1
shift
[ -f "$ko" ] || { echo "vfio-ops-check: $ko: no such file" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvc-opscheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pahole -C vfio_device_ops "$ko" >"$tmp/layout" 2>"$tmp/pahole.err" || :
# "	int (*bind_iommufd)(...); /*    32     8 */" and "/* size: 216, ..."
awk '
	/\(\*[a-z_0-9]+\)\(/ && match($0, /\/\* *[0-9]+ +[0-9]+ *\*\//) {
		name = $0; sub(/^[^(]*\(\*/, "", name); sub(/\).*/, "", name)
		split(substr($0, RSTART + 2, RLENGTH - 4), a, " ")
		print "field", name, a[1]
	}
	match($0, /size: [0-9]+,/) { print "size", substr($0, RSTART + 6, RLENGTH - 7) }
' "$tmp/layout" >"$tmp/fields"
grep -q '^size ' "$tmp/fields" && grep -q '^field ' "$tmp/fields" || {
	echo "vfio-ops-check: $ko: no layout of struct vfio_device_ops in its debug info ($(head -c 200 "$tmp/pahole.err"))" >&2
	exit 2
}
readelf -SW "$ko" >"$tmp/sections"
readelf -sW "$ko" >"$tmp/symbols"
readelf -rW "$ko" >"$tmp/relocs"
awk -v want="$*" '
	function hex(s,    i, v) {
		v = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	FILENAME == ARGV[1] {
		if ($1 == "size") size = $2
		else { off[$2] = $3; isfield[$3] = 1 }
		next
	}
	FILENAME == ARGV[2] {
		# "  [ 5] .rodata  PROGBITS ...": index -> name
		if (match($0, /^ *\[ *[0-9]+\] /)) {
			idx = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", idx)
			rest = substr($0, RSTART + RLENGTH); split(rest, f, " ")
			secname[idx] = f[1]
		}
		next
	}
	FILENAME == ARGV[3] {
		# Num: Value Size Type Bind Vis Ndx Name
		if ($4 == "OBJECT" && $3 == size && $7 ~ /^[0-9]+$/) {
			n++; oname[n] = $8; osec[n] = secname[$7]
			oval[n] = hex($2)
		}
		next
	}
	{
		if (match($0, /^Relocation section .\.rela[^ ]*. /)) {
			cur = $3; gsub(/\047/, "", cur); sub(/^\.rela/, "", cur)
			next
		}
		if ($1 ~ /^[0-9a-f]+$/ && NF >= 5) {
			tgt = $5; for (i = 6; i <= NF; i++) tgt = tgt " " $i
			rel[cur, hex($1)] = tgt
		}
	}
	END {
		nw = split(want, w, " ")
		found = 0; bad = 0
		for (i = 1; i <= n; i++) {
			hits = 0
			for (o in isfield) if ((osec[i], oval[i] + o) in rel) hits++
			if (hits < 2) continue
			found++
			line = oname[i]
			for (j = 1; j <= nw; j++) {
				if (!(w[j] in off)) { line = line " " w[j] "=(no such field)"; bad = 1; continue }
				k = osec[i] SUBSEP (oval[i] + off[w[j]])
				if (k in rel) { t = rel[k]; sub(/ \+ 0$/, "", t); line = line " " w[j] "=" t }
				else { line = line " " w[j] "=NULL"; bad = 1 }
			}
			print line
		}
		if (!found) { print "no struct vfio_device_ops object (" size " bytes) in the module"; exit 2 }
		exit bad
	}
' "$tmp/fields" "$tmp/sections" "$tmp/symbols" "$tmp/relocs"
