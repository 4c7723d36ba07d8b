# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, the topics: patch headers, the awk reading C a line at a time, the scan that gives each topic its state (semantic patches through spatch).
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# Patches

# hdr_lines FILE: the DEP-3 + X-* header of a patch (all before its "---"
# line) or of a semantic patch (*.cocci: its leading "//" comment block up to
# "// ---", with the "// " taken off), without the "---" line.
hdr_lines() {
	case $1 in
	*.cocci) sed -n '\|^// ---$|q; \|^//|!q; s|^// \{0,1\}||p' "$1" ;;
	*) sed -n '/^---$/q; p' "$1" ;;
	esac
}

header_field() { # header_field PATCH|COCCI FIELD -> values, one per line
	hdr_lines "$1" | sed -n "s/^$2: //p"
}

topic_hdr_file() { # topic_hdr_file TOPICDIR: its first *.patch, else its first *.cocci
	for thf in "$1"/*.patch "$1"/*.cocci; do
		[ ! -f "$thf" ] || { printf '%s\n' "$thf"; return 0; }
	done
	printf '%s\n' "$1/none.patch"
}

targets() { # targets PATCH -> files it changes, relative to kernel/
	sed -n 's|^+++ b/kernel/\([^[:space:]]*\).*|\1|p' "$1"
}

patch_q() { # patch_q KDIR ARGS...: quiet patch -p2 in KDIR
	d=$1; shift
	patch -d "$d" -p2 -f --fuzz=0 --no-backup-if-mismatch -s "$@" \
		>/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# C sources, a line at a time, for the residue check and X-Native-Stub (see
# "Residue" in docs/DESIGN.md).  Awk functions shared by pre_scan and
# residue_scan (prepended to their programs):
#   cpp_code(LINE)    the code of a line: comments (state across lines in
#                     cpp_cm), and what is between the quotes of string and
#                     character literals, removed;
#   cpp_line(CODE)    1 when CODE is (part of) a preprocessor directive: it
#                     follows #if/#ifdef/#ifndef/#elif/#else/#endif and keeps
#                     in cpp_keys "|KEY|" for each rule a branch enclosing the
#                     next lines satisfies, and cpp_alt = 1 inside an #elif
#                     or #else branch;
#   cpp_rule(KEY, ERE, SENSE)  a rule: satisfied by a branch whose condition
#                     (or, for #elif and #else, the negation of an earlier one
#                     of its chain) has an operand that matches ERE (anchored,
#                     white space removed, defined(X) taken as X) and is true
#                     ("present") or false ("absent") there.  "#if 0" adds
#                     the key "dead".
# Conditions are read, not evaluated: "names the macro in that sense".
NVC_AWK_CPP='
function cpp_reset() { cpp_cm = 0; cpp_d = 0; cpp_keys = ""; cpp_alt = 0; cpp_cont = 0; cpp_dir = "" }
function cpp_rule(key, ere, sense) {
	cpp_nr++; cpp_rk[cpp_nr] = key; cpp_re[cpp_nr] = "^(" ere ")$"
	cpp_rs[cpp_nr] = (sense == "absent") ? -1 : 1
	cpp_any = cpp_any (cpp_any == "" ? "" : "|") "(" ere ")"
}
function cpp_code(s,   out, c, r, ok) {
	out = ""
	while (s != "") {
		if (cpp_cm) {
			if (!(c = index(s, "*/"))) return out
			s = substr(s, c + 2); cpp_cm = 0; out = out " "
			continue
		}
		if (!match(s, /\/[*\/]|["\047]/)) return out s
		out = out substr(s, 1, RSTART - 1)
		c = substr(s, RSTART, 2)
		if (c == "//") return out
		if (c == "/*") { cpp_cm = 1; s = substr(s, RSTART + 2); continue }
		c = substr(c, 1, 1); r = substr(s, RSTART + 1)
		if (c == "\"") ok = match(r, /^([^"\\]|\\.)*"/)
		else ok = match(r, /^([^\047\\]|\\.)*\047/)
		out = out c c
		if (!ok) return out
		s = substr(r, RLENGTH + 1)
	}
	return out
}
function cpp_line(code) {
	if (!cpp_cont) {
		if (code !~ /^[ \t]*#/) return 0
		cpp_dir = ""
	}
	cpp_dir = cpp_dir " " code
	if (cpp_cont = (cpp_dir ~ /\\[ \t]*$/)) { sub(/\\[ \t]*$/, "", cpp_dir); return 1 }
	cpp_directive(cpp_dir)
	return 1
}
function cpp_directive(d,   w, i) {
	sub(/^[ \t]*#[ \t]*/, "", d)
	w = d; sub(/[^a-z].*$/, "", w); d = substr(d, length(w) + 1)
	if (w == "ifdef" || w == "ifndef") {
		sub(/^[ \t]*/, "", d); sub(/[^A-Za-z0-9_].*$/, "", d)
		d = (w == "ifndef" ? "!" : "") "defined(" d ")"; w = "if"
	}
	if (w == "if") { cpp_d++; cpp_prev[cpp_d] = ""; cpp_cur[cpp_d] = d }
	else if (w == "elif" && cpp_d) { cpp_prev[cpp_d] = cpp_prev[cpp_d] "\001" cpp_cur[cpp_d]; cpp_cur[cpp_d] = d }
	else if (w == "else" && cpp_d) { cpp_prev[cpp_d] = cpp_prev[cpp_d] "\001" cpp_cur[cpp_d]; cpp_cur[cpp_d] = "" }
	else if (w == "endif" && cpp_d) cpp_d--
	else return
	if (w != "endif") {
		cpp_bk[cpp_d] = cpp_branch_keys(cpp_cur[cpp_d], cpp_prev[cpp_d])
		cpp_ba[cpp_d] = (w != "if")
	}
	cpp_keys = ""; cpp_alt = 0
	for (i = 1; i <= cpp_d; i++) { cpp_keys = cpp_keys cpp_bk[i]; if (cpp_ba[i]) cpp_alt = 1 }
}
# The keys of the rules a branch satisfies: its own condition as it is, the
# earlier ones of its chain negated.
function cpp_branch_keys(cur, prev,   n, p, i, a, r, k) {
	cpp_na = 0
	if (cur ~ /^[ \t(]*0[ \t)]*$/) return "|dead|"
	if (cpp_any == "") return ""
	if (cur != "" && (cur = cpp_norm(cur)) ~ cpp_any) cpp_atoms(cur, 1)
	n = split(prev, p, "\001")
	for (i = 2; i <= n; i++) if ((p[i] = cpp_norm(p[i])) ~ cpp_any) cpp_atoms(p[i], -1)
	k = ""
	for (a = 1; a <= cpp_na; a++)
		for (r = 1; r <= cpp_nr; r++)
			if (cpp_ap[a] == cpp_rs[r] && cpp_ac[a] ~ cpp_re[r] && !index(k, "|" cpp_rk[r] "|"))
				k = k "|" cpp_rk[r] "|"
	return k
}
function cpp_norm(e) {
	while (match(e, /defined[ \t]+[A-Za-z_][A-Za-z_0-9]*/))
		e = substr(e, 1, RSTART + 6) "(" substr(e, RSTART + 7, RLENGTH - 7) ")" substr(e, RSTART + RLENGTH)
	gsub(/[ \t]+/, "", e)
	return e
}
# The operands of condition E (normalized) with their sense: 1, or -1 under
# an odd number of "!", into cpp_ac[] / cpp_ap[].
function cpp_atoms(e, pol,   n, i, c, lvl, start, parts) {
	n = length(e); lvl = 0; start = 1; parts = 0
	for (i = 1; i < n; i++) {
		c = substr(e, i, 1)
		if (c == "(") lvl++
		else if (c == ")") lvl--
		else if (!lvl && (c == "&" || c == "|") && substr(e, i + 1, 1) == c) {
			cpp_atoms(substr(e, start, i - start), pol)
			start = i + 2; i++; parts++
		}
	}
	if (parts) { cpp_atoms(substr(e, start), pol); return }
	if (substr(e, 1, 1) == "!" && substr(e, 2, 1) != "=") { cpp_atoms(substr(e, 2), -pol); return }
	if (substr(e, 1, 1) == "(" && cpp_wraps(e)) { cpp_atoms(substr(e, 2, length(e) - 2), pol); return }
	if (e ~ /^defined\([A-Za-z_][A-Za-z_0-9]*\)$/) e = substr(e, 9, length(e) - 9)
	cpp_na++; cpp_ac[cpp_na] = e; cpp_ap[cpp_na] = pol
}
function cpp_wraps(e,   n, i, c, lvl) { # the "(" at 1 closes at the end
	n = length(e); lvl = 0
	for (i = 1; i <= n; i++) {
		c = substr(e, i, 1)
		if (c == "(") lvl++
		else if (c == ")" && !--lvl) return i == n
	}
	return 0
}
# cpp_match(S, ERE): like match(), but a match that begins (ends) with a
# letter, digit or "_" must begin (end) an identifier: strncpy\( does not
# match nvc_strncpy(, no_llseek not no_llseek_foo.  Sets cpp_ms / cpp_ml.
function cpp_match(s, re,   t, off, e) {
	t = s; off = 0
	while (match(t, re)) {
		cpp_ms = off + RSTART; cpp_ml = RLENGTH; e = cpp_ms + cpp_ml
		if ((cpp_ms == 1 || substr(s, cpp_ms, 1) !~ /[A-Za-z0-9_]/ || substr(s, cpp_ms - 1, 1) !~ /[A-Za-z0-9_]/) &&
		    (!cpp_ml || substr(s, e - 1, 1) !~ /[A-Za-z0-9_]/ || substr(s, e, 1) !~ /[A-Za-z0-9_]/))
			return 1
		off = cpp_ms; t = substr(s, off + 1)
	}
	return 0
}
'

# Every topic's state that needs no patch(1) run, in one awk pass over all
# patches (apply must stay fast with many topics).  Prints per topic:
#   "topic not-applicable -" / "topic fixed-natively VARIANT" /
#   "topic needed|applied VARIANT" (layer topics) / "topic try V1,V2,..."
# where "try" means: ask patch(1), variants in order.  Also writes the
# residue rules of every topic (X-Residue, X-Residue-Missing,
# X-Native-Guard, X-Native-Stub, from the headers and patches/residue.rules) to
# $tmp/rules, for residue_scan.
pre_scan() { # pre_scan KDIR
	ps_cat=$NVC_PATCHES/residue.rules
	[ -f "$ps_cat" ] || ps_cat=/dev/null
	ps_kd=$1
	# Each topic's semantic patches first (tried first), then its diffs.
	set --
	for ps_d in "$NVC_PATCHES"/[0-9][0-9][0-9][0-9]-*/; do
		for ps_f in "$ps_d"*.cocci "$ps_d"*.patch; do
			[ ! -f "$ps_f" ] || set -- "$@" "$ps_f"
		done
	done
	# Paths reach awk through the environment: -v would take a backslash
	# in them for an escape (a tree under /tmp/a\b found no file at all).
	NVC_AWK_KD=$ps_kd NVC_AWK_RULES=$tmp/rules NVC_AWK_CATALOG=$ps_cat NVC_AWK_CALL_ERE=$NVC_CALL_ERE \
	awk -v layer="$NVC_TREE_DIR" 'BEGIN { kd = ENVIRON["NVC_AWK_KD"]; rules = ENVIRON["NVC_AWK_RULES"]
		catalog = ENVIRON["NVC_AWK_CATALOG"]; callere = ENVIRON["NVC_AWK_CALL_ERE"] }
	'"$NVC_AWK_CPP"'
	function exists(f,   line, r) {
		if (f in ex) return ex[f]
		r = (getline line < (kd "/" f)) >= 0; close(kd "/" f); ex[f] = r; return r
	}
	function matches(f, re,   line, hit) {
		hit = 0
		while ((getline line < (kd "/" f)) > 0) if (line ~ re) { hit = 1; break }
		close(kd "/" f); return hit
	}
	# X-Native-Fix of a topic with X-Native-Stub lines: only a match in code
	# that is compiled into nvidia.ko counts (not in comments, not in a
	# branch the stub rules name).
	function live_matches(t, f, re,   line, code, hit, k) {
		cpp_reset(); cpp_nr = 0; cpp_any = ""; hit = 0
		for (k = 1; k <= ns[t]; k++) cpp_rule("stub", nse[t, k], nss[t, k])
		while ((getline line < (kd "/" f)) > 0) {
			code = cpp_code(line)
			if (cpp_line(code)) continue
			if (code ~ re && !index(cpp_keys, "|stub|") && !index(cpp_keys, "|dead|")) { hit = 1; break }
		}
		close(kd "/" f); return hit
	}
	# The variant of the first X-Native-Fix line of topic t that the
	# tree matches (live code only where the topic has X-Native-Stub
	# rules), or "".
	function native_fix(t,   j) {
		for (j = 1; j <= nn[t]; j++)
			if (exists(nf[t, j]) && (ns[t] ? live_matches(t, nf[t, j], nr[t, j]) : matches(nf[t, j], nr[t, j])))
				return nv[t, j]
		return ""
	}
	function rule(line) { if (!(line in rseen)) { rseen[line] = 1; print line > rules } }
	function residue_header(t, l,   w, r) {
		split(l, w, " "); r = l
		if (w[1] == "X-Residue:") { sub(/^X-Residue: [^ ]+ /, "", r); rule("R\t" t "\t" w[2] "\t" r); rere[r] = 1 }
		else if (w[1] == "X-Residue-Missing:") { sub(/^X-Residue-Missing: [^ ]+ [^ ]+ /, "", r); rule("M\t" t "\t" w[2] "\t" r "\t" w[3]); rere[r] = 1 }
		else if (w[1] == "X-Native-Guard:") rule("G\t" t "\t" w[2] "\t" w[3])
		# The driver branch that compiles to an error stub: a use of
		# the new API there does not count as the site rewritten.
		else if (w[1] == "X-Native-Stub:") rule("S\t" t "\t" w[2] "\t" w[3])
	}
	# patches/residue.rules: "TOPIC HEADER-LINE", the same rules, kept
	# apart so that they outlive a deleted topic directory.
	FILENAME == catalog { residue_header($1, substr($0, length($1) + 2)); next }
	FNR == 1 {
		n = split(FILENAME, parts, "/")
		topic = parts[n - 1]; variant = parts[n]; hdr = 1
		if (!(topic in seen)) { seen[topic] = 1; order[++nt] = topic }
		vars[topic] = vars[topic] (vars[topic] == "" ? "" : ",") variant
		cocci = (variant ~ /\.cocci$/)
		if (cocci) iscocci[topic] = 1
	}
	# A semantic patch: its header is the leading "//" block ("// " taken
	# off, "// ---" ends it); the rules after it are for spatch alone.
	cocci && !hdr { next }
	cocci && hdr {
		if ($0 !~ /^\/\//) { hdr = 0; next }
		line = $0; sub(/^\/\/ ?/, "", line); $0 = line
	}
	hdr && /^---$/ { hdr = 0; next }
	hdr && /^X-Native-Fix: / { nn[topic]++; nf[topic, nn[topic]] = $2; r = $0; sub(/^X-Native-Fix: [^ ]+ /, "", r); nr[topic, nn[topic]] = r; nv[topic, nn[topic]] = variant; next }
	hdr && /^X-Native-Stub: / { if (!((topic, $2, $3) in sseen)) { sseen[topic, $2, $3] = 1; ns[topic]++; nse[topic, ns[topic]] = $2; nss[topic, ns[topic]] = $3 }; residue_header(topic, $0); next }
	hdr && /^X-Needed-If: / { lf[topic] = $2; r = $0; sub(/^X-Needed-If: [^ ]+ /, "", r); lr[topic] = r; lv[topic] = variant; next }
	hdr && /^X-Site: / { no[topic]++; of[topic, no[topic]] = $2; r = $0; sub(/^X-Site: [^ ]+ /, "", r); or[topic, no[topic]] = r; next }
	hdr && /^X-(Residue|Residue-Missing|Native-Guard): / { residue_header(topic, $0); next }
	!hdr && /^\+\+\+ b\/kernel\// { f = $2; sub(/^b\/kernel\//, "", f); tg[topic] = tg[topic] " " f; isdiff[topic] = 1 }
	END {
		close(rules)
		# One ERE for grep: every old API and anchor (awk applies the globs).
		ere = ""
		for (k in rere) {
			ere = ere (ere == "" ? "" : "|") "(" k ")"
			# A call, NAME[[:space:]]*\( (NAME may hold (a|b)
			# groups): a line ending in NAME too, for a call whose
			# "(" is on the next line (the residue check joins them).
			if (match(k, callere))
				ere = ere "|((^|[^A-Za-z0-9_])" substr(k, 1, index(k, "[[:space:]]*\\(") - 1) "[[:space:]]*$)"
		}
		print ere > (rules ".ere"); close(rules ".ere")
		hooked = 0
		while ((getline line < (kd "/Kbuild")) > 0) if (index(line, layer "/nvc-compat.Kbuild")) hooked = 1
		close(kd "/Kbuild")
		haslayer = exists(layer "/nvc-compat.h")
		for (i = 1; i <= nt; i++) {
			t = order[i]
			if (!isdiff[t] && !iscocci[t]) {
				# a layer topic: X-Native-Fix lines first (a fix the
				# X-Needed-If line alone cannot tell), then X-Needed-If
				if (exists(lf[t]) && (nvar = native_fix(t)) != "") { print t, "fixed-natively", nvar; continue }
				if (!exists(lf[t])) print t, "not-applicable", "-"
				else if (!matches(lf[t], lr[t])) print t, "fixed-natively", lv[t]
				else if (haslayer && hooked) print t, "applied", lv[t]
				else print t, "needed", lv[t]
				continue
			}
			# A topic with a semantic patch finds its sites itself, in
			# whichever files have them (topic_try): its diffs\047 targets
			# and X-Site lines do not decide that it is not applicable.
			m = split(tg[t], fs, " "); any = iscocci[t]
			for (j = 1; j <= m; j++) if (exists(fs[j])) any = 1
			if (!any) { print t, "not-applicable", "-"; continue }
			done = 0
			if ((nvar = native_fix(t)) != "") { print t, "fixed-natively", nvar; done = 1 }
			# X-Site: not fixed natively and no trace of the site at all: the
			# driver does not have the code this topic patches.
			if (!done && no[t] && !iscocci[t]) {
				uses = 0
				for (j = 1; j <= no[t] && !uses; j++)
					if (exists(of[t, j]) && matches(of[t, j], or[t, j])) uses = 1
				if (!uses) { print t, "not-applicable", "-"; done = 1 }
			}
			if (!done) print t, "try", vars[t]
		}
	}' "$ps_cat" "$@"
}

# cocci_gen KDIR TOPIC COCCI: run the semantic patch COCCI on copies of the
# candidate files of KDIR: the .c and .h files of $NVC_RESIDUE_DIRS that
# name the old API (each of the topic's X-Residue EREs; where one is a call,
# NAME[[:space:]]*\(..., NAME as a word: a call split over lines is a
# candidate too; for X-Residue-Missing, its anchor ERE).  When spatch changes any, write
# $tmp/cocci/TOPIC.patch, the generated variant: COCCI's header, "---", and
# a unified diff with a/kernel/F, b/kernel/F labels (-p2 inside kernel/, as
# every patch), and return 0; else return 1.  The diff has no context lines
# (-U0): each topic's patch is made from the pristine tree, and a context
# line another topic rewrites (two rules in one function) would make it
# fail to apply after that topic, or to reverse-apply in status.  KDIR is only read.  spatch
# missing or failing: exit 9.
cocci_gen() {
	cg_kd=$1 cg_t=$2 cg_sp=$3 cg_w=$tmp/cocci/$2
	rm -rf "$cg_w" "$tmp/cocci/$2.patch"
	mkdir -p "$cg_w/a" "$cg_w/b" || { tmp_full "the semantic patch $2"; die 6 "cannot write to $tmp"; }
	# Only what is reached without a symlink (grep -r follows none below
	# its arguments): a directory of the tree that is a link is not the
	# tree's, and patch(1) refuses to write through it anyway.
	cg_dirs=$(residue_dirs "$cg_kd")
	[ -n "$cg_dirs" ] || return 1
	# X-Residue: <glob> <ERE>; X-Residue-Missing: <glob> <present> <anchor>:
	# the anchor's files.  An ERE for a call, NAME[[:space:]]*\( (NAME an
	# identifier, maybe with (a|b) groups): NAME as a word, so that a call
	# whose "(" is on the next line is a candidate too.  Any other ERE
	# (bus->iommu_ops, ->vm_flags |=, .attach_ioas =) as it is: its leading
	# identifier alone (bus, producer) names far more files.  One awk (a
	# fork costs ~10 ms on a loaded 2-core machine, and this runs per topic).
	hdr_lines "$cg_sp" | NVC_AWK_CALL_ERE=$NVC_CALL_ERE awk '
		BEGIN { call = ENVIRON["NVC_AWK_CALL_ERE"]; sp = "[[:space:]]*\\(" }
		/^X-Residue: / { sub(/^X-Residue: /, ""); g = $1; sub(/^[^ ]* /, "") }
		/^X-Residue-Missing: / { sub(/^X-Residue-Missing: /, ""); g = $1; sub(/^[^ ]* [^ ]* /, "") }
		g != "" {
			if (match($0, call)) $0 = "(^|[^A-Za-z0-9_])(" substr($0, 1, index($0, sp) - 1) ")([^A-Za-z0-9_]|$)"
			print g, $0; g = "" }' |
	while read -r cg_glob cg_ere; do
		# shellcheck disable=SC2086 # $cg_dirs: our own directory names
		(cd "$cg_kd" && grep -rlE -D skip --include='*.c' --include='*.h' -e "$cg_ere" $cg_dirs) |
		while read -r cg_f; do
			# shellcheck disable=SC2254 # the glob of the X-Residue line
			case $cg_f in $cg_glob) printf '%s\n' "$cg_f" ;; esac
		done
	done | LC_ALL=C sort -u >"$cg_w/files" || { tmp_full "the semantic patch $2"; die 1 "finding the sites of $2 failed"; }
	[ -s "$cg_w/files" ] || return 1
	cg_spatch=${NVC_SPATCH:-spatch}
	command -v "$cg_spatch" >/dev/null 2>&1 ||
		die 9 "topic $cg_t is a semantic patch ($cg_sp) and $kd has code it rewrites, but spatch ('$cg_spatch'), which applies semantic patches, is not installed. Nothing was changed. Install the Debian package coccinelle (apt-get install coccinelle) and run again."
	# Copies with our modes (--no-preserve=mode): a read-only tree's would
	# be read-only, dirs included, and neither spatch nor rm could write.
	# shellcheck disable=SC2046 # the candidates: relative paths without spaces
	(cd "$cg_kd" && cp --parents --no-preserve=mode -- $(cat "$cg_w/files") "$cg_w/a/") &&
		cp -R --no-preserve=mode "$cg_w/a/." "$cg_w/b/" ||
		{ tmp_full "the semantic patch $2"; die 6 "could not copy the files $2 rewrites from $cg_kd to $cg_w"; }
	# shellcheck disable=SC2046 # the candidates: relative paths without spaces
	(cd "$cg_w/b" && "$cg_spatch" --sp-file "$cg_sp" --in-place --very-quiet \
		--no-includes --timeout 120 $(cat "$cg_w/files")) >"$cg_w/log" 2>&1 || {
		# Our rules run Python; Debian's coccinelle (trixie's 1.3 too)
		# loads libpython at run time but does not depend on it.
		grep -q 'unable to find the Python library' "$cg_w/log" &&
			die 9 "spatch cannot load Python, which the rules of the semantic patches run ($cg_sp: $(grep . "$cg_w/log" | head -n 1 | cut -c 1-160)). Nothing was changed. Install the Debian package libpython3-dev (apt-get install libpython3-dev; the package nvidia-vgpu-compat depends on it) and run again."
		die 9 "spatch failed on the semantic patch $cg_sp ($(grep . "$cg_w/log" | head -n 2 | tr '\n' ' ')). Nothing was changed. Check that the Debian package coccinelle (spatch 1.1 or later) is installed."
	}
	: >"$cg_w/diff"
	# the files spatch changed (one diff for all, then one per changed
	# file; diff's "Files A and B differ" in the C locale, whatever the user's)
	cg_ch=$(LC_ALL=C diff -rq "$cg_w/a" "$cg_w/b") && return 1 || [ $? = 1 ] ||
		{ tmp_full "the semantic patch $2"; die 1 "diff failed for the files of $2"; }
	cg_nl='
'
	while read -r cg_f; do
		case "$cg_nl$cg_ch$cg_nl" in
		*"${cg_nl}Files $cg_w/a/$cg_f and $cg_w/b/$cg_f differ$cg_nl"*) ;;
		*) continue ;;
		esac
		diff -U0 --label "a/kernel/$cg_f" --label "b/kernel/$cg_f" \
			"$cg_w/a/$cg_f" "$cg_w/b/$cg_f" >"$cg_w/one" ||
			[ $? = 1 ] || { tmp_full "the semantic patch $2"; die 1 "diff failed for $cg_f"; }
		# A hunk that only adds lines (0004, 0201-0203: a macro line
		# after an initialiser's entry) has nothing patch(1) can find it
		# by: applied after another topic that added lines above it in
		# the same file, it would land that many lines too early.  It
		# takes the line it follows as a line removed and added again
		# (not for the file's last line, whose newline the diff may lack).
		awk 'NR == FNR { l[FNR] = $0; n = FNR; next }
		     /^@@ -[0-9]+,0 [+][0-9]+(,[0-9]+)? @@/ {
			split($2, o, ","); split($3, w, ",")
			a = substr(o[1], 2) + 0; m = substr(w[1], 2) + 0
			k = (w[2] == "" ? 1 : w[2] + 0)
			if (a > 0 && a < n) {
				print "@@ -" a ",1 +" (m - 1) "," (k + 1) " @@"
				print "-" l[a]; print "+" l[a]; next
			}
		     }
		     { print }' "$cg_w/a/$cg_f" "$cg_w/one" >>"$cg_w/diff" ||
			{ tmp_full "the semantic patch $2"; die 1 "writing the patch for $cg_f failed"; }
	done <"$cg_w/files"
	[ -s "$cg_w/diff" ] || return 1
	{ hdr_lines "$cg_sp"; echo "---"; cat "$cg_w/diff"; } >"$tmp/cocci/$cg_t.patch" ||
		{ tmp_full "the semantic patch $2"; die 6 "cannot write to $tmp"; }
}

# topic_try KDIR TOPIC V1,V2,...: needed (a variant applies), applied (a
# variant reverse-applies) or conflict.  A semantic patch (V.cocci, listed
# first) is tried first: needed when it rewrites something (its generated
# patch: state_patch); applied when the patch an earlier apply generated and
# kept in the layer (cocci/TOPIC.patch) reverse-applies; then the diffs as
# fallback; and when none of them fits, not-applicable: the tree has no code
# of the shape the semantic patch rewrites (what it may have in a shape none
# knows is the residue check's to find).
topic_try() {
	kd=$1 t=$2 tt_cocci=0
	# shellcheck disable=SC2086 # split V1,V2 at the commas, without tr
	vs=$(IFS=,; printf '%s ' $3)
	for v in $vs; do
		case $v in
		*.cocci)
			tt_cocci=1
			if cocci_gen "$kd" "$t" "$NVC_PATCHES/$t/$v"; then
				patch_q "$kd" -N --dry-run -i "$tmp/cocci/$t.patch" ||
					die 1 "the patch generated from $NVC_PATCHES/$t/$v does not apply to $kd (a bug: please report it)"
				echo "needed $v"; return
			fi
			tt_k=$NVC_TREE_DIR/cocci/$t.patch
			# (-i relative to KDIR: patch -d changes there first)
			if [ -f "$kd/$tt_k" ] && patch_q "$kd" -R --dry-run -i "$tt_k"; then
				echo "applied $tt_k"; return
			fi
			continue ;;
		esac
		patch_q "$kd" -N --dry-run -i "$NVC_PATCHES/$t/$v" && { echo "needed $v"; return; }
	done
	for v in $vs; do
		case $v in *.cocci) continue ;; esac
		patch_q "$kd" -R --dry-run -i "$NVC_PATCHES/$t/$v" && { echo "applied $v"; return; }
	done
	if [ $tt_cocci = 1 ]; then echo "not-applicable -"; else echo "conflict -"; fi
}

topic_title() { # topic_title TOPICDIR: "<release> <subject>"
	p=$(topic_hdr_file "$1")
	rel=$(header_field "$p" X-Kernel-Release | head -n 1)
	subj=$(hdr_lines "$p" | sed -n 's/^Subject: \(\[PATCH[^]]*\] \)\{0,1\}//p' | head -n 1)
	printf '%s %s\n' "${rel:--}" "$subj"
}

# Compat layer state in KDIR: applied, outdated or needed.  Only our own
# files count (a build adds nvc-probes.h and objects next to them).
compat_state() {
	kd=$1
	if [ -d "$kd/$NVC_TREE_DIR" ]; then
		files=$(cd "$NVC_COMPAT" && find . -type f ! -name '*.o' | LC_ALL=C sort)
		# shellcheck disable=SC2086
		a=$(cd "$NVC_COMPAT" && cat $files | cksum)
		# shellcheck disable=SC2086
		b=$(cd "$kd/$NVC_TREE_DIR" && cat $files 2>/dev/null | cksum)
		if [ "$a" = "$b" ]; then echo applied; else echo outdated; fi
	else
		echo needed
	fi
}

# scan KDIR: fills $tmp/state with lines "topic state variant", one per
# topic (variant: the file name of the patch in patches/<topic>/, or -).
scan() {
	kd=$1
	pre_scan "$kd" >"$tmp/prescan" ||
		{ tmp_full "the state of $kd"; die 1 "reading the patches failed"; }
	scan_ok=1 scan_conflict=0
	while read -r t st v; do
		if [ "$st" = try ]; then
			r=$(topic_try "$kd" "$t" "$v") || exit $?
			case $r in conflict*) scan_conflict=1 ;; esac
			printf '%s %s\n' "$t" "$r" 2>/dev/null || scan_ok=0
		else
			printf '%s %s %s\n' "$t" "$st" "$v" 2>/dev/null || scan_ok=0
		fi
	done <"$tmp/prescan" >"$tmp/state"
	[ $scan_ok = 1 ] || { tmp_full "the state of $kd"; die 1 "writing $tmp/state failed"; }
	# patch(1) needs room in TMPDIR too: without it every topic it tries
	# looks like a conflict.
	[ $scan_conflict = 0 ] || tmp_full "patch(1)'s temporary files"
}

state_patch() { # state_patch TOPIC -> path of the selected variant
	while read -r sp_t _ sp_v; do
		[ "$sp_t" = "$1" ] || continue
		# A semantic patch: the patch it generated for this tree.
		case $sp_v in
		*.cocci) printf '%s\n' "$tmp/cocci/$1.patch" ;;
		*) printf '%s\n' "$NVC_PATCHES/$1/$sp_v" ;;
		esac
		return 0
	done <"$tmp/state"
}
