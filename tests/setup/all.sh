#!/bin/sh
# Everything the tests need, cached in ${NVC_CACHE:-/var/cache/nvidia-vgpu-compat}:
#   deps.sh            host tools (apt-get install, machine's own sources)
#   kernels.sh         kernel build trees 6.1 6.12 7.3 7.2 6.12.107
#   nvidia-sources.sh  NVIDIA kernel sources 550.54.15 535.216.03 535.274.02 550.163.01
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

run deps.sh
run kernels.sh 6.1 6.12 7.3
run kernels.sh 7.2 6.12.107
run nvidia-sources.sh 550.54.15 535.216.03
run nvidia-sources.sh 535.274.02 550.163.01

echo "[all] summary (NVC_CACHE=$NVC_CACHE):"
printf '%s' "$SUMMARY" | sed 's/^/[all]   /'
for id in 6.1 6.12 7.3; do
	printf '[all]   kernel %-5s %-22s %s\n' "$id" "$(cat "$NVC_CACHE/kernels/$id/release")" \
		"$NVC_CACHE/kernels/$id/build"
done
for id in 550.54.15 535.216.03; do
	printf '[all]   nvidia %-10s %s\n' "$id" "$NVC_CACHE/nvidia/$id"
done
printf '[all]   cache size: %s\n' "$(du -sh "$NVC_CACHE" 2>/dev/null | cut -f1)"
nvc_setup_finish
