# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Sourced by tests (after tests/lib/common.sh): the Debian package of this
# checkout, as dpkg-buildpackage makes it.
#
# build_deb DIR: the checkout's files (git ls-files, tracked and untracked
# but not ignored) copied to DIR/src and built there; on success DEB is the
# path of nvidia-vgpu-compat_*_all.deb in DIR, the log DIR/build.log.
build_deb() {
	mkdir -p "$1/src"
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$1/src"
	(cd "$1/src" && dpkg-buildpackage -us -uc -b) >"$1/build.log" 2>&1 || return 1
	# shellcheck disable=SC2034 # for the test that sources this file
	DEB=$(ls "$1"/nvidia-vgpu-compat_*_all.deb) || return 1
}
