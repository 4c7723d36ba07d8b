#!/bin/sh
# Install the host tools the tests need, with the machine's own apt
# configuration. Packages already installed are skipped; apt-get update runs
# only when a missing package has no candidate (lists absent or stale).
# Refuses to go on if the installation would bring in a kernel image (or any
# linux-headers package: kernel trees come from tests/setup/kernels.sh).
set -eu

NVC_SETUP_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/apt.sh
. "$NVC_SETUP_DIR/../lib/apt.sh"
nvc_setup_init deps

# gcc-12 and make: Debian's 6.1/6.12 headers call gcc-12 by name
# qemu-system-x86, busybox-static (and cpio): the boot test (t68, make boot-check)
# debootstrap: the Debian chroots of the apt upgrade test (t66)
PACKAGES="dkms makeself quilt coccinelle bc flex bison libelf-dev libssl-dev dwarves
xz-utils kmod python3 rsync cpio patch git shellcheck openssl gcc-12 make
debhelper lintian fakeroot dpkg-dev
ccache
qemu-system-x86 busybox-static
debootstrap"

export DEBIAN_FRONTEND=noninteractive
# wait for other apt/dpkg users instead of failing on their lock
APT_OPTS="-o DPkg::Lock::Timeout=600 -o APT::Get::Assume-Yes=true"

[ "$(id -u)" -eq 0 ] || {
	echo "deps.sh: must run as root (apt-get install)" >&2
	exit 1
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

nvc_step_start "check installed packages"
missing=
for p in $PACKAGES; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	nvc_step_done "all $(echo "$PACKAGES" | wc -w) packages installed"
	nvc_setup_finish
	exit 0
fi
nvc_step_done "missing:$missing"

nvc_step_start "apt-get update (if needed)"
# one apt-cache call (each call rebuilds the package cache on Docker images)
# shellcheck disable=SC2086
need_update=$(apt-cache policy $missing 2>/dev/null | awk -v want="$missing" '
	BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) miss[w[i]] = 1 }
	/^[^ ].*:$/ { pkg = substr($0, 1, length($0) - 1) }
	/^  Candidate: / && $2 != "(none)" { delete miss[pkg] }
	END { for (p in miss) printf " %s", p }')
if [ -n "$need_update" ]; then
	# shellcheck disable=SC2086
	apt-get $APT_OPTS -q update >/dev/null
	nvc_step_done "updated (no candidate for:$need_update)"
else
	nvc_step_done "not needed"
fi

# Simulate first: what would be installed? No kernel image, no headers.
nvc_step_start "simulate install"
# shellcheck disable=SC2086
if ! sim=$(apt-get $APT_OPTS -s install --no-install-recommends $missing 2>&1); then
	# stale lists (404 on a superseded version) show up here: update, retry
	# shellcheck disable=SC2086
	apt-get $APT_OPTS -q update >/dev/null
	# shellcheck disable=SC2086
	sim=$(apt-get $APT_OPTS -s install --no-install-recommends $missing 2>&1) || {
		printf '%s\n' "$sim" >&2
		exit 1
	}
fi
new=$(printf '%s\n' "$sim" | sed -n 's/^Inst \([^ ]*\) .*/\1/p')
bad=$(printf '%s\n' "$new" | grep -E '^linux-(image|headers|kbuild)-' || true)
if [ -n "$bad" ]; then
	printf 'deps.sh: installing%s would pull in kernel packages:\n%s\n' "$missing" "$bad" >&2
	exit 1
fi
nvc_step_done "$(printf '%s\n' "$new" | grep -c .) packages to install, no kernel packages"

nvc_step_start "apt-get install"
# shellcheck disable=SC2086
apt-get $APT_OPTS -q install --no-install-recommends $missing >"${TMPDIR:-/tmp}/nvc-deps.$$.log" 2>&1 || {
	cat "${TMPDIR:-/tmp}/nvc-deps.$$.log" >&2
	rm -f "${TMPDIR:-/tmp}/nvc-deps.$$.log"
	exit 1
}
rm -f "${TMPDIR:-/tmp}/nvc-deps.$$.log"
for p in $missing; do
	installed "$p" || {
		echo "deps.sh: $p is still not installed" >&2
		exit 1
	}
done
nvc_step_done "installed:$missing"

nvc_step_start "versions"
nvc_step_done "$(dpkg-query -W -f='${Package} ${Version}, ' dkms dwarves makeself quilt | sed 's/, $//')"
nvc_setup_finish
