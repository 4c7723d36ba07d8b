#!/bin/sh
# Everything the tests need, cached in ${NVC_CACHE:-/var/cache/nvidia-vgpu-compat}:
#   leftovers.sh       what a killed test run left (test versions only)
#   deps.sh            host tools (apt-get install, machine's own sources)
#   kernels.sh         kernel build trees 6.1 6.12 7-newest 7-prev 6.12-trixie
#                      (series; the newest packages are resolved at run time)
#                      and the PVE-like flavours 7-newest-pve (both tiers),
#                      6.12-trixie-pve 7-prev-pve (full tier)
#   nvidia-sources.sh  Debian's NVIDIA kernel sources, each role's newest
#                      version (tesla535-bookworm tesla535-sid tesla550-sid
#                      current-trixie current-bookworm; open-sid, and in
#                      the full tier open-bookworm: nvidia-open-kernel-source;
#                      full tier, when experimental has it: open-experimental)
# Idempotent: with a warm cache it takes a few seconds and downloads nothing.
set -eu

NVC_SETUP_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/apt.sh
. "$NVC_SETUP_DIR/../lib/apt.sh"
nvc_setup_init all
export NVC_CACHE

SUMMARY=
run() {
	nvc_step_start "$1"
	_script=$1
	shift
	"$NVC_SETUP_DIR/$_script" "$@"
	set -- "$_script" "$@"
	SUMMARY="$SUMMARY$(printf '%-44s %6s s' "$*" "$(nvc_since "$NVC_STEP_T0")")
"
	NVC_STEP=
}

run leftovers.sh
run deps.sh
run kernels.sh 6.1 6.12 7-newest
if [ "${NVC_TIER:-ci}" = full ]; then
	run kernels.sh 7-prev 6.12-trixie 7-newest-pve 6.12-trixie-pve 7-prev-pve
else
	run kernels.sh 6.12-trixie 7-newest-pve
fi
run nvidia-sources.sh
# Debian's open nvidia.ko sources: the newest in CI (t80 links it), both
# in the full tier (the matrix)
if [ "${NVC_TIER:-ci}" = full ]; then
	run nvidia-sources.sh open-bookworm open-sid
	# experimental comes and goes: without it the matrix skips that row
	if ! "$NVC_SETUP_DIR/nvidia-sources.sh" open-experimental; then
		echo "[all] open-experimental: not prepared (see above); the matrix skips its row" >&2
	fi
else
	run nvidia-sources.sh open-sid
fi

echo "[all] summary (NVC_CACHE=$NVC_CACHE):"
printf '%s' "$SUMMARY" | sed 's/^/[all]   /'
for id in 6.1 6.12 6.12-trixie 7-prev 7-newest 6.12-trixie-pve 7-prev-pve 7-newest-pve; do
	[ -f "$NVC_CACHE/kernels/$id/release" ] || continue
	printf '[all]   kernel %-11s %-24s %s\n' "$id" "$(cat "$NVC_CACHE/kernels/$id/release")" \
		"$(sed -n 1p "$NVC_CACHE/kernels/$id/packages")"
done
for role in tesla535-bookworm tesla535-sid tesla550-sid current-trixie current-bookworm open-bookworm open-sid open-experimental; do
	[ -L "$NVC_CACHE/nvidia/$role" ] || continue
	printf '[all]   nvidia %-17s %s\n' "$role" "$(cat "$NVC_CACHE/nvidia/$(readlink "$NVC_CACHE/nvidia/$role").ready")"
done
printf '[all]   cache size: %s\n' "$(du -sh "$NVC_CACHE" 2>/dev/null | cut -f1)"
nvc_setup_finish
