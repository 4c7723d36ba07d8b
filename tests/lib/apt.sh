# shellcheck shell=sh
# Private apt configuration for the test setup scripts (sourced, POSIX sh).
#
# Never touches /etc/apt: sources, lists and caches live in $NVC_CACHE/apt.
#
#   nvc_apt <apt-get args...>        apt-get with the private configuration;
#                                    refreshes the lists first when they are
#                                    missing or older than 12 h
#   nvc_apt_cache <apt-cache args...> same for apt-cache
#   nvc_apt_update [force]           refresh the lists (only if needed unless
#                                    "force")
#   nvc_apt_candidate PKG            candidate version of PKG (empty if none)
#   nvc_download PKG[=VER] DESTDIR   apt-get download into DESTDIR unless the
#                                    .deb is already there; prints its path
#
# Environment: NVC_CACHE (default /var/cache/nvidia-vgpu-compat),
# NVC_APT_MIRROR (default: the Debian archive the machine's own apt sources
# name, see nvc_apt_machine_mirror),
# NVC_APT_MAX_AGE_MIN (list age in minutes that triggers an update, default 720).
#
# Also the step timing helpers of tests/setup/*.sh (nvc_setup_init,
# nvc_step_start, nvc_step_done, nvc_setup_finish), see the end of this file.

: "${NVC_CACHE:=/var/cache/nvidia-vgpu-compat}"
: "${NVC_APT_MAX_AGE_MIN:=720}"
NVC_APT_DIR=$NVC_CACHE/apt
NVC_APT_SUITES="bookworm bookworm-backports trixie trixie-backports sid experimental"
NVC_APT_COMPONENTS="main contrib non-free non-free-firmware"
NVC_APT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

nvc_apt_log() {
	printf '%s\n' "nvc-apt: $*" >&2
}

# The Debian archive of the machine's own apt configuration (sources.list
# and sources.list.d, one-line or deb822): the URI of its first Debian suite
# that is not a security suite, without the trailing slash.
nvc_apt_machine_mirror() {
	apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
		awk '$3 == "deb" && $2 !~ /-security$/ &&
			$2 ~ /^(buster|bullseye|bookworm|trixie|forky|duke|sid|unstable|testing|stable|oldstable|experimental)(-updates|-backports|-proposed-updates)?$/ {
				sub(/\/+$/, "", $1); print $1; exit }'
}

if [ -z "${NVC_APT_MIRROR:-}" ]; then
	NVC_APT_MIRROR=$(nvc_apt_machine_mirror)
fi

# Create the private directories and sources.list (rewritten only if its
# content changed; a change invalidates the lists).
nvc_apt_init() {
	if [ -z "${NVC_APT_MIRROR:-}" ]; then
		nvc_apt_log "the machine's apt sources name no Debian archive (apt-get indextargets); set NVC_APT_MIRROR=http://<mirror>/debian"
		return 1
	fi
	mkdir -p "$NVC_APT_DIR/lists/partial" "$NVC_APT_DIR/cache/archives/partial"
	_nvc_new=$NVC_APT_DIR/sources.list.new.$$
	for _nvc_suite in $NVC_APT_SUITES; do
		printf 'deb [signed-by=%s] %s %s %s\n' "$NVC_APT_KEYRING" \
			"$NVC_APT_MIRROR" "$_nvc_suite" "$NVC_APT_COMPONENTS"
	done >"$_nvc_new"
	if cmp -s "$_nvc_new" "$NVC_APT_DIR/sources.list"; then
		rm -f "$_nvc_new"
	else
		mv -f "$_nvc_new" "$NVC_APT_DIR/sources.list"
		rm -f "$NVC_APT_DIR/updated"
	fi
}

# Run apt-get / apt-cache with the private configuration, no implicit update.
# pkgcache.bin is kept (Docker images disable it: every apt-cache call would
# then parse the 6 suites' lists, 3.5 s); srcpkgcache.bin (92 MB) is not.
# Check-Valid-Until=false: the archive served here has sid/experimental
# InRelease files whose Valid-Until is in the past (this machine's own
# apt.conf.d disables the check too; a fresh CI machine may not).
_nvc_apt_raw() {
	_nvc_tool=$1
	shift
	"$_nvc_tool" \
		-o Dir::Etc::sourcelist="$NVC_APT_DIR/sources.list" \
		-o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$NVC_APT_DIR/lists" \
		-o Dir::Cache="$NVC_APT_DIR/cache" \
		-o Dir::Cache::pkgcache="$NVC_APT_DIR/cache/pkgcache.bin" \
		-o Dir::Cache::srcpkgcache= \
		-o APT::Architecture=amd64 \
		-o APT::Sandbox::User=root \
		-o Acquire::Languages=none \
		-o Acquire::Retries=3 \
		-o Acquire::Check-Valid-Until=false \
		-o Acquire::Check-Date=false \
		"$@"
}

# True when the lists are present and younger than NVC_APT_MAX_AGE_MIN.
nvc_apt_lists_fresh() {
	[ -f "$NVC_APT_DIR/updated" ] &&
		ls "$NVC_APT_DIR"/lists/*_Packages* >/dev/null 2>&1 &&
		[ -n "$(find "$NVC_APT_DIR/updated" -mmin "-$NVC_APT_MAX_AGE_MIN" 2>/dev/null)" ]
}

nvc_apt_update() {
	nvc_apt_init || return
	if [ "${1:-}" != force ] && nvc_apt_lists_fresh; then
		return 0
	fi
	# Serialise concurrent runs: apt-get update fails instead of waiting for
	# the lock of the lists directory.
	(
		flock 8
		if [ "${1:-}" != force ] && nvc_apt_lists_fresh; then
			exit 0
		fi
		nvc_apt_log "updating private package lists ($NVC_APT_SUITES)"
		_nvc_apt_raw apt-get -q update >"$NVC_APT_DIR/update.log" 2>&1 || {
			cat "$NVC_APT_DIR/update.log" >&2
			exit 1
		}
		# apt-get update exits 0 even when a suite failed to download
		if grep -E '^(E: |W: (Failed to fetch|Some index files failed))' "$NVC_APT_DIR/update.log" >&2; then
			nvc_apt_log "apt-get update failed (see above)"
			exit 1
		fi
		grep '^W: ' "$NVC_APT_DIR/update.log" >&2 || true
		touch "$NVC_APT_DIR/updated"
	) 8>"$NVC_APT_DIR/.lock"
}

nvc_apt() {
	for _nvc_arg in "$@"; do
		if [ "$_nvc_arg" = update ]; then
			nvc_apt_update force
			return
		fi
	done
	nvc_apt_update || return
	_nvc_apt_raw apt-get "$@"
}

nvc_apt_cache() {
	nvc_apt_update || return
	_nvc_apt_raw apt-cache "$@"
}

# Candidate version of a package (highest version across all suites, since
# no suite is pinned).
nvc_apt_candidate() {
	nvc_apt_cache policy "$1" | sed -n 's/^  Candidate: //p' | grep -v '^(none)$' || true
}

# nvc_download PKG[=VER] DESTDIR: prints the path of the .deb.
nvc_download() {
	_nvc_pkg=${1%%=*}
	_nvc_ver=
	case $1 in *=*) _nvc_ver=${1#*=} ;; esac
	_nvc_dest=$2
	if [ -z "$_nvc_ver" ]; then
		_nvc_ver=$(nvc_apt_candidate "$_nvc_pkg")
		[ -n "$_nvc_ver" ] || {
			nvc_apt_log "no such package: $_nvc_pkg"
			return 1
		}
	fi
	# .deb names escape the epoch colon
	_nvc_fver=$(printf '%s' "$_nvc_ver" | sed 's/:/%3a/g')
	for _nvc_deb in "$_nvc_dest/${_nvc_pkg}_${_nvc_fver}_"*.deb; do
		if [ -f "$_nvc_deb" ]; then
			printf '%s\n' "$_nvc_deb"
			return 0
		fi
	done
	mkdir -p "$_nvc_dest"
	_nvc_tmp=$(mktemp -d "$_nvc_dest/.download.XXXXXX")
	if ! (cd "$_nvc_tmp" && nvc_apt -q download "$_nvc_pkg=$_nvc_ver" >"$_nvc_tmp/log" 2>&1); then
		cat "$_nvc_tmp/log" >&2
		rm -rf "$_nvc_tmp"
		nvc_apt_log "download of $_nvc_pkg=$_nvc_ver failed"
		return 1
	fi
	for _nvc_deb in "$_nvc_tmp/${_nvc_pkg}_${_nvc_fver}_"*.deb; do
		if [ -f "$_nvc_deb" ]; then
			mv -f "$_nvc_deb" "$_nvc_dest/"
			rm -rf "$_nvc_tmp"
			printf '%s\n' "$_nvc_dest/${_nvc_deb##*/}"
			return 0
		fi
	done
	cat "$_nvc_tmp/log" >&2
	rm -rf "$_nvc_tmp"
	nvc_apt_log "download of $_nvc_pkg=$_nvc_ver produced no .deb"
	return 1
}

# ---------------------------------------------------------------------------
# Step timing for the tests/setup scripts:
#   nvc_step_start "name"; ...; nvc_step_done ["detail"]
# prints "[<script>] name: detail (12.3 s)". With set -e a failing command
# exits the script; nvc_setup_trap (installed by nvc_setup_init) then reports
# the open step as FAILED.

nvc_now() {
	date +%s.%N
}

# nvc_since START: seconds elapsed since START, one decimal
nvc_since() {
	awk -v s="$1" -v e="$(nvc_now)" 'BEGIN { printf "%.1f", e - s }'
}

nvc_setup_init() {
	NVC_TAG=$1
	NVC_SCRIPT_T0=$(nvc_now)
	NVC_STEP=
	NVC_CLEANUP=
	trap nvc_setup_trap EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

nvc_setup_trap() {
	_nvc_rc=$?
	trap - EXIT
	if [ -n "${NVC_CLEANUP:-}" ]; then
		"$NVC_CLEANUP" || true
	fi
	if [ -n "${NVC_STEP:-}" ]; then
		printf '[%s] %s: FAILED (exit %s) after %s s\n' "$NVC_TAG" "$NVC_STEP" \
			"$_nvc_rc" "$(nvc_since "$NVC_STEP_T0")" >&2
	fi
	if [ "$_nvc_rc" -ne 0 ]; then
		printf '[%s] FAILED after %s s\n' "$NVC_TAG" "$(nvc_since "$NVC_SCRIPT_T0")" >&2
	fi
	exit "$_nvc_rc"
}

nvc_step_start() {
	NVC_STEP=$1
	NVC_STEP_T0=$(nvc_now)
}

nvc_step_done() {
	if [ -n "${1:-}" ]; then
		printf '[%s] %s: %s (%s s)\n' "$NVC_TAG" "$NVC_STEP" "$1" "$(nvc_since "$NVC_STEP_T0")"
	else
		printf '[%s] %s: done (%s s)\n' "$NVC_TAG" "$NVC_STEP" "$(nvc_since "$NVC_STEP_T0")"
	fi
	NVC_STEP=
}

nvc_setup_finish() {
	printf '[%s] total: %s s\n' "$NVC_TAG" "$(nvc_since "$NVC_SCRIPT_T0")"
}
