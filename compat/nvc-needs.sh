#!/bin/sh
# SPDX-License-Identifier: MIT
#
# nvc-needs.sh SRC NVC_DIR OBJECT...: which of our headers each object of the
# driver needs.  Run by nvc-compat.Kbuild when Kbuild reads the driver's
# Kbuild; prints one word per object that needs any, "OBJECT:H1+H2+...",
# nvc-probes.h first and the rest in the order nvc-compat.h includes them,
# or the single word ALL when it cannot tell (then every object gets all of
# nvc-compat.h, as before).
#
# Why: force-including all of nvc-compat.h into every object made NVIDIA's
# build do more work than the driver asked for.  The per-area headers pull
# in <linux/vfio.h>, <linux/iommu.h>, <linux/dma-buf.h>, <linux/mm.h>...,
# and several of NVIDIA's objects include almost nothing (the libspdm crypto
# glue, nv-pci-table.c, nv-kthread-q.c): on Debian's 550 tree for 6.1 the
# preprocessed text of the 50 nvidia.ko objects grew by 28% (121 -> 155 MB),
# about 7% more compiler time per DKMS build.  The rewrite leaves names
# prefixed nvc_ / NVC_ where it called a wrapper (or "#include "nvc-*.h""
# where it replaced a kernel include), so an object needs exactly the
# headers that define the names its source reaches, through its own text
# and the tree's headers it includes (by name, transitively).
#
# Sound by over-approximation: an include is resolved by its file name to
# every file of the tree with that name, conditional includes count, and a
# computed include (#include MACRO) reaches every name used in the tree,
# unless MACRO is defined nowhere (no #define in the tree's sources, no -D in
# its Kbuild files and Makefiles: libspdm's "#include LIBSPDM_CONFIG").
# An object whose source is not in the tree gets all of nvc-compat.h.  A
# symlink among the tree's .c / .h files, or any error: ALL.  Reads files
# only; writes nothing.
set -eu
[ $# -ge 2 ] || { echo "usage: nvc-needs.sh SRC NVC_DIR OBJECT..." >&2; exit 2; }
src=${1%/} dir=${2%/}
shift 2
[ $# -gt 0 ] || exit 0
[ -f "$dir/nvc-compat.h" ] || { echo ALL; exit 0; }

# A symlink would be read through: rather include everything.
if [ -n "$(find "$src" -path "$dir" -prune -o -name '*.[ch]' -type l -print | head -n 1)" ]; then
	echo ALL
	exit 0
fi

# The object list and the compat headers travel as awk variables; file
# names from find, one per line, on stdin (no tree path is an awk argument,
# so "=" or a leading "-" in a name means nothing to awk).
objs=$*
# macros the build defines on the command line (-DNAME, -D NAME)
dnames=$(find "$src" -path "$dir" -prune -o \( -name Kbuild -o -name '*.Kbuild' -o \
	-name Makefile -o -name '*.mk' -o -name '*.sh' \) -type f -exec cat {} + |
	LC_ALL=C grep -o -- '-D *[A-Za-z_][A-Za-z0-9_]*' | sed 's/^-D *//' | sort -u | tr '\n' ' ')
{
	find "$src" -path "$dir" -prune -o -name '*.[ch]' -type f -print
} | LC_ALL=C awk -v src="$src" -v dir="$dir" -v objs="$objs" -v dnames="$dnames" '
function base(p) { sub(/.*\//, "", p); return p }
# ids(LINE): the nvc_ / NVC_ names on LINE, space-separated
function ids(s,   out, pre, id) {
	out = ""
	while (match(s, /(nvc_|NVC_)[A-Za-z0-9_]*/)) {
		pre = RSTART > 1 ? substr(s, RSTART - 1, 1) : ""
		id = substr(s, RSTART, RLENGTH)
		if (pre !~ /[A-Za-z0-9_]/) out = out " " id
		s = substr(s, RSTART + RLENGTH)
	}
	return out
}
# scan(FILE, ISMAP): one file of the tree, or (ISMAP) one of our headers
function scan(f, ismap,   line, n, l, k, a, h) {
	while ((getline line < f) > 0) {
		if (line ~ /^[ \t]*#[ \t]*include/) {
			l = line
			sub(/^[ \t]*#[ \t]*include[ \t]*/, "", l)
			if (l ~ /^"[^"]*"/) { n = substr(l, 2); sub(/".*/, "", n) }
			else if (l ~ /^<[^>]*>/) { n = substr(l, 2); sub(/>.*/, "", n) }
			else {
				# #include MACRO: which macro ("?" if not a name)
				if (!ismap) {
					n = l; sub(/[^A-Za-z0-9_].*/, "", n)
					if (n !~ /^[A-Za-z_]/) n = "?"
					computed[f] = computed[f] " " n
				}
				continue
			}
			n = base(n)
			if (ismap) {
				if (f == dir "/nvc-compat.h" && n ~ /^nvc-/ && n != "nvc-probes.h")
					order[++norder] = n
				continue
			}
			inc[f] = inc[f] " " n
			if (n ~ /^nvc-/) use[f] = use[f] " @probes"
			continue
		}
		if (!ismap && line ~ /^[ \t]*#[ \t]*define[ \t]+[A-Za-z_]/) {
			l = line
			sub(/^[ \t]*#[ \t]*define[ \t]+/, "", l)
			sub(/[^A-Za-z0-9_].*/, "", l)
			defined[l] = 1
		}
		if (index(line, "nvc_") == 0 && index(line, "NVC_") == 0) continue
		k = split(ids(line), a, " ")
		for (; k > 0; k--) {
			if (ismap) { h = base(f); if (!(a[k] in owner)) owner[a[k]] = h }
			else { use[f] = use[f] " " a[k]; all = all " " a[k] }
		}
	}
	close(f)
}
{ files[$0] = 1; byname[base($0)] = byname[base($0)] SUBSEP $0 }
END {
	# our headers: nvc-compat.h gives the order; each name belongs to the
	# header that mentions it (unique today; the first in that order else)
	scan(dir "/nvc-compat.h", 1)
	if (norder == 0) { print "ALL"; exit }
	for (i = 1; i <= norder; i++) scan(dir "/" order[i], 1)
	for (f in files) scan(f, 0)
	k = split(dnames, u, " ")
	for (; k > 0; k--) defined[u[k]] = 1
	no = split(objs, ol, " ")
	for (j = 1; j <= no; j++) {
		o = ol[j]
		if (o !~ /\.o$/) continue
		c = src "/" substr(o, 1, length(o) - 2) ".c"
		if (!(c in files)) { print o ":nvc-probes.h+nvc-compat.h"; continue }
		# reach the files the source includes, by name, transitively
		split("", seen); split("", need); sp = 0; stack[++sp] = c; seen[c] = 1
		any = 0; everything = 0
		while (sp > 0) {
			f = stack[sp--]
			k = split(computed[f], u, " ")
			for (; k > 0; k--)
				if (u[k] == "?" || (u[k] in defined)) everything = 1
			k = split(use[f], u, " ")
			for (; k > 0; k--) {
				any = 1
				if (u[k] in owner) need[owner[u[k]]] = 1
			}
			k = split(inc[f], u, " ")
			for (; k > 0; k--) {
				m = split(byname[u[k]], g, SUBSEP)
				for (; m > 0; m--)
					if (g[m] != "" && !(g[m] in seen)) { seen[g[m]] = 1; stack[++sp] = g[m] }
			}
		}
		if (everything) {
			k = split(all, u, " ")
			for (; k > 0; k--) { any = 1; if (u[k] in owner) need[owner[u[k]]] = 1 }
		}
		if (!any) continue
		line = o ":nvc-probes.h"
		for (i = 1; i <= norder; i++)
			if (order[i] in need) line = line "+" order[i]
		print line
	}
}' || echo ALL
