# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, the residue check: uses of old kernel APIs left after the rewrite.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# Residue: after the patches, is any use of an old kernel API left that no
# rule covers?  Each break topic names the shape it removes (X-Residue:
# <glob> <ERE>; X-Residue-Missing: <glob> <ERE-present> <ERE-anchor>, for a
# member that must come with another) and the driver's own conftest macros
# that confine the old API to the kernels that have it (X-Native-Guard:
# <ERE> present|absent).  See "Residue" in docs/DESIGN.md.

# The sources of the modules this package builds (nvidia, nvidia-vgpu-vfio,
# and the headers they share): a distribution's tree also has nvidia-drm,
# nvidia-modeset, nvidia-uvm and nvidia-peermem, which nobody builds here.
NVC_RESIDUE_DIRS="common nvidia nvidia-vgpu-vfio"

# residue_dirs KDIR: those of them KDIR has as real directories (not
# symbolic links), on one line: Debian's trees have no nvidia-vgpu-vfio/.
residue_dirs() {
	rd_l=
	for rd_d in $NVC_RESIDUE_DIRS; do
		[ ! -d "$1/$rd_d" ] || [ -L "$1/$rd_d" ] || rd_l="$rd_l $rd_d"
	done
	printf '%s\n' "${rd_l# }"
}

# An X-Residue ERE that is a call, NAME[[:space:]]*\(... with NAME an
# identifier, maybe with (a|b) groups; \1 is NAME.  A call split after its
# name is a use too: pre_scan adds "a line ending in NAME" to the residue
# rules, cocci_gen takes every file naming NAME as a word as a candidate.
# One ERE for both (sed -E and awk read it alike).
NVC_CALL_ERE='^([A-Za-z_]([A-Za-z0-9_]|\([A-Za-z0-9_|]*\))*)\[\[:space:\]\]\*\\\('

# residue_scan KDIR STAGE: the tree as apply leaves it (KDIR, with the
# patched $files from STAGE in place of their originals) against every
# topic's residue rules ($tmp/rules, from pre_scan).  Writes $tmp/residue:
# one line per residue, "file:line: topic T: old API 'M' still used (...)"
# (X-Residue) or "... topic T: 'A' without 'P' in its block (...)" (an
# X-Residue-Missing anchor A whose block lacks P),
# in file and line order.  Cost: one grep over the tree and one awk that
# reads only the files grep picked (see "Residue" in docs/DESIGN.md).
residue_scan() {
	rs_kd=$1 rs_st=$2
	: >"$tmp/residue"
	rs_ere=
	[ ! -s "$tmp/rules.ere" ] || IFS= read -r rs_ere <"$tmp/rules.ere"
	[ -n "$rs_ere" ] || return 0
	# The patched files are read from STAGE (all of them: awk skips those
	# without a candidate line itself), the others from KDIR where grep
	# finds a candidate.
	rs_staged=
	for rs_f in $files; do
		for rs_d in $NVC_RESIDUE_DIRS; do
			case $rs_f in "$rs_d"/*.[ch]) rs_staged="$rs_staged $rs_f " ;; esac
		done
	done
	set --
	for rs_f in $rs_staged; do set -- "$@" "$rs_st/$rs_f"; done
	# shellcheck disable=SC2086 # NVC_RESIDUE_DIRS and driver file names: no spaces
	for rs_f in $(cd "$rs_kd" && grep -rlE --include='*.[ch]' -e "$rs_ere" -- $NVC_RESIDUE_DIRS 2>/dev/null || :); do
		case $rs_staged in *" $rs_f "*) ;; *) set -- "$@" "$rs_kd/$rs_f" ;; esac
	done
	[ $# -gt 0 ] || return 0
	NVC_AWK_RULES=$tmp/rules NVC_AWK_KP=$rs_kd/ NVC_AWK_SP=$rs_st/ \
	awk 'BEGIN { rules = ENVIRON["NVC_AWK_RULES"]; kp = ENVIRON["NVC_AWK_KP"]; sp = ENVIRON["NVC_AWK_SP"] }
	'"$NVC_AWK_CPP"'
	function glob_re(g,   r, i, c) { # a sh pattern: * and ? also match "/"
		r = "^"
		for (i = 1; i <= length(g); i++) {
			c = substr(g, i, 1)
			if (c == "*") r = r ".*"
			else if (c == "?") r = r "."
			else if (index(".+^$(){}|\\", c)) r = r "\\" c
			else r = r c
		}
		return r "$"
	}
	function report(t, n, m) {
		gsub(/^[ \t]+|[ \t]+$/, "", m); gsub(/[ \t]+/, " ", m)
		nrep++; rk[nrep] = sprintf("%s\001%09d\001%s\001%s", rel, n, t, m)
		rl[nrep] = sprintf("%s:%d: topic %s: old API \047%s\047 still used (no rule matched this site)", rel, n, t, m)
	}
	# X-Residue-Missing: the anchor is no old API; say what its block lacks
	function human(re,   i, c, d, o) { # an ERE as the code it matches, roughly
		gsub(/\[\[:space:\]\]\*/, "", re); gsub(/\([^()]*\)\?/, "", re); gsub(/"\?/, "", re)
		gsub(/\\\(/, "\001", re); gsub(/\\\)/, "\002", re); gsub(/\\\./, ".", re)
		o = ""; d = 0 # top-level alternatives joined by: or
		for (i = 1; i <= length(re); i++) {
			c = substr(re, i, 1)
			if (c == "(") d++; else if (c == ")") d--
			o = o ((c == "|" && d == 0) ? "\047 or \047" : c)
		}
		gsub(/\001/, "(", o); gsub(/\002/, ")", o); return o
	}
	function report_missing(t, n, m, want,   l) {
		gsub(/^[ \t]+|[ \t]+$/, "", m); gsub(/[ \t]+/, " ", m)
		nrep++; rk[nrep] = sprintf("%s\001%09d\001%s\001%s", rel, n, t, m)
		rl[nrep] = sprintf("%s:%d: topic %s: \047%s\047 without \047%s\047 in its block (no rule matched this site)", rel, n, t, m, human(want))
	}
	function close_block(b,   k) { # resolve the anchors waiting in block b
		for (k = 1; k <= np; k++)
			if (plive[k] && pb[k] == b) { plive[k] = 0; if (!hp[pi[k], b]) report_missing(Mt[pi[k]], pl[k], pm[k], Mp[pi[k]]) }
	}
	function end_file() {
		if (rel == "") return
		while (bd >= 0) close_block(bs[bd--])
		rel = ""
	}
	function any(re, add) { return re == "" ? "(" add ")" : re "|(" add ")" }
	# A call split after its name ("vm_flags_clear" / "(vma, f)"): the
	# identifier that ends a line, prefixed to a next line that starts
	# with "(", so that the call EREs see the whole call.
	function tailid(s) { return match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/) ? substr(s, RSTART) : "" }
	function joined(pt, s) { return (pt != "" && s ~ /^[ \t]*\(/) ? pt s : "" }
	BEGIN {
		while ((getline line < rules) > 0) {
			split(line, f, "\t")
			if (f[1] == "R") { nR++; Rt[nR] = f[2]; Rg[nR] = glob_re(f[3]); Re[nR] = f[4] }
			else if (f[1] == "M") { nM++; Mt[nM] = f[2]; Mg[nM] = glob_re(f[3]); Me[nM] = f[4]; Mp[nM] = f[5] }
			else if (f[1] == "G") cpp_rule("g:" f[2], f[3], f[4])
			else if (f[1] == "S") cpp_rule("s:" f[2], f[3], f[4])
		}
		close(rules)
	}
	FNR == 1 {
		end_file()
		rel = FILENAME
		if (index(rel, kp) == 1) rel = substr(rel, length(kp) + 1)
		else if (index(rel, sp) == 1) rel = substr(rel, length(sp) + 1)
		# The rules whose glob covers the file, and one ERE for all their
		# old APIs: a file where it matches no line is not read further.
		nr = nm = np = 0; fu = fa = ""
		for (i = 1; i <= nR; i++) if (rel ~ Rg[i]) { fr[++nr] = i; fu = any(fu, Re[i]) }
		for (i = 1; i <= nM; i++) if (rel ~ Mg[i]) { fm[++nm] = i; fu = any(fu, Me[i]); fa = any(fa, Mp[i]) }
		hit = 0
		if (fu != "") {
			pt = ""
			while ((getline line < FILENAME) > 0) {
				if (line ~ fu || ((j = joined(pt, line)) != "" && j ~ fu)) { hit = 1; break }
				pt = tailid(line)
			}
			close(FILENAME)
		}
		if (!hit) { rel = ""; nextfile }
		if (fa != "") fu = fu "|" fa
		cpp_reset(); bd = 0; bs[0] = ++bn; ptail = ""
	}
	{
		code = cpp_code($0)
		# Directives are not code, except an #include: a header the
		# kernel removed is an old API too (0156).
		isdir = cpp_line(code)
		pt = ptail; ptail = ""
		if (index(cpp_keys, "|dead|")) next
		if (isdir && code !~ /^[ \t]*#[ \t]*include[ \t]*</) next
		if (!isdir) ptail = tailid(code)
		jc = joined(pt, code)
		if (code ~ fu || (jc != "" && jc ~ fu)) {
			for (i = 1; i <= nr; i++) {
				r = fr[i]
				if (index(cpp_keys, "|g:" Rt[r] "|")) continue
				if (cpp_match(code, Re[r]))
					report(Rt[r], FNR, substr(code, cpp_ms, cpp_ml))
				else if (jc != "" && cpp_match(jc, Re[r]))
					report(Rt[r], FNR - 1, substr(jc, cpp_ms, cpp_ml))
			}
			for (i = 1; i <= nm; i++) {
				r = fm[i]
				# the new API, unless in the branch X-Native-Stub names
				# (it compiles to an error stub where the old API is gone)
				if (cpp_match(code, Mp[r]) && !index(cpp_keys, "|s:" Mt[r] "|"))
					for (d = 0; d <= bd; d++) hp[r, bs[d]] = 1
				if (cpp_match(code, Me[r]) && !index(cpp_keys, "|g:" Mt[r] "|")) {
					np++; pi[np] = r; pb[np] = bs[bd]; pl[np] = FNR; pm[np] = substr(code, cpp_ms, cpp_ml); plive[np] = 1
				}
			}
		}
		# Blocks, for X-Residue-Missing: count braces in the first branch
		# of each #if chain only (its alternatives usually repeat the same
		# opening).
		if (!nm || cpp_alt || code !~ /[{}]/) next
		s = code
		while (match(s, /[{}]/)) {
			if (substr(s, RSTART, 1) == "{") bs[++bd] = ++bn
			else if (bd > 0) close_block(bs[bd--])
			s = substr(s, RSTART + 1)
		}
	}
	END {
		end_file()
		for (i = 2; i <= nrep; i++) { # in file, line, topic order (few)
			k = rk[i]; l = rl[i]
			for (j = i - 1; j >= 1 && rk[j] > k; j--) { rk[j + 1] = rk[j]; rl[j + 1] = rl[j] }
			rk[j + 1] = k; rl[j + 1] = l
		}
		for (i = 1; i <= nrep; i++) if (rk[i] != rk[i - 1]) print rl[i]
	}' "$@" >"$tmp/residue" ||
		{ tmp_full "the residue check"; die 1 "the residue check failed"; }
}

# residue_refuse KDIR: apply, import and export refuse a tree with residue:
# each one on stderr, then exit 5 (the caller has changed nothing yet).
residue_refuse() {
	[ -s "$tmp/residue" ] || return 0
	cat "$tmp/residue" >&2
	n=$(wc -l <"$tmp/residue" | tr -d ' ')
	die 5 "$1: residue: $n line(s) above name a use of an old kernel API that would be left after patching; no patch of nvidia-vgpu-compat covers these sites, so the build would fail (or the module misbehave) on the kernels that changed those APIs. Nothing was changed. Report the driver version and these lines."
}
