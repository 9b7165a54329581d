#!/usr/bin/env bash
# Load test, bounded and local: N instances (default 2,000; half clean, half polyglots, distinct
# SOP Instance UIDs) uploaded by C concurrent STOW-RS clients (default 8), P instances per request
# (default 1), straight to a fresh Orthanc and through the gateway to another fresh Orthanc,
# ROUNDS times each (default 2, interleaved; the best and the median wall times are compared). Checks that
# nothing was lost or changed beyond the preamble, and reports the gateway's peak RSS and the
# wall-time ratio. Then one instance of BIG_MIB MiB (default 256) through the gateway, to show
# its memory does not grow with a part. Loopback only; stops by itself.
#
#   gateway/load.sh GATEWAY_BINARY [N] [C] [P] [ROUNDS]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
gateway_bin=${1:?usage: $0 GATEWAY_BINARY [N] [C] [P] [ROUNDS]}
count=${2:-2000}
clients=${3:-8}
per_request=${4:-1}
rounds=${5:-2}
big_mib=${BIG_MIB:-256}
dicomweb_plugin=${DICOMWEB_PLUGIN:-/usr/share/orthanc/plugins/libOrthancDicomWeb.so}
load=$here/scripts/load.py

# shellcheck source=gateway/scripts/servers.sh
. "$here/scripts/servers.sh"

python3 "$load" make "$work/instances" "$count"

direct_times=() gateway_times=() peak_rss=0
for round in $(seq "$rounds"); do
  start_orthanc "direct-$round"
  t=$(timeout 600 python3 "$load" upload "$orthanc_url/dicom-web" "$work/instances" "$clients" "$per_request")
  echo "round $round: straight to Orthanc: ${t} s"
  direct_times+=("$t")

  start_orthanc "gateway-$round"
  start_gateway "load-$round" ""
  gw_pid=${pids[-1]}
  t=$(timeout 600 python3 "$load" upload "http://127.0.0.1:$gw_port/dicom-web" "$work/instances" "$clients" "$per_request")
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$gw_pid/status")
  # The gateway's own CPU time (user + system), less noisy than wall times on a shared machine.
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$gw_pid/stat")
  echo "round $round: through the gateway: ${t} s, gateway peak RSS ${rss} kB, gateway CPU ${cpu} s"
  gateway_times+=("$t")
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  timeout 600 python3 "$load" check "$orthanc_url" "$work/instances" || fail "round $round: lost or wrong instances"
  grep -c '"event":"instance"' "$log" | grep -qx "$count" || fail "round $round: not one log line per instance"
done

# One large instance: the gateway's memory stays bounded whatever a part holds.
python3 "$load" big "$work/big" "$big_mib"
start_orthanc big
start_gateway big ""
gw_pid=${pids[-1]}
timeout 600 python3 "$load" upload "http://127.0.0.1:$gw_port/dicom-web" "$work/big" 1 1 >/dev/null
big_rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$gw_pid/status")
timeout 600 python3 "$load" check "$orthanc_url" "$work/big" || fail "the large instance was not stored whole"
echo "one instance of $big_mib MiB through the gateway: stored byte for byte, gateway peak RSS ${big_rss} kB"

summary=$(python3 - "${direct_times[*]}" "${gateway_times[*]}" <<'PY'
import statistics, sys
direct = [float(x) for x in sys.argv[1].split()]
gateway = [float(x) for x in sys.argv[2].split()]
print(f"best straight {min(direct):.3f} s, through the gateway {min(gateway):.3f} s "
      f"(ratio {min(gateway) / min(direct):.2f}x); median {statistics.median(direct):.3f} s and "
      f"{statistics.median(gateway):.3f} s (ratio {statistics.median(gateway) / statistics.median(direct):.2f}x)")
PY
)
echo "load: $count instances, $clients clients, $per_request per request, $rounds rounds: $summary; gateway peak RSS ${peak_rss} kB; 0 lost, 0 wrong"
