# Sourced by e2e.sh and load.sh: a private Orthanc with the DICOMweb plugin and gateways in
# front of it, on free loopback ports, each with its own files under $work; all stopped on exit.
# Orthanc 1.10 has no setting for its listening address: it refuses remote clients
# ("RemoteAccessAllowed": false) and has no DICOM port.

work=$(mktemp -d)
pids=()
log=""

cleanup() {
  local status=$? pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -n "$log" ] && [ -f "$log" ]; then
    echo "--- last lines of $(basename "$log")" >&2
    tail -n 30 "$log" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for URL PID NAME
wait_for() {
  for _ in $(seq 300); do
    curl -sf --max-time 2 "$1" >/dev/null && return 0
    kill -0 "$2" 2>/dev/null || fail "$3 exited while starting"
    sleep 0.1
  done
  fail "$3 did not answer within 30 s"
}

# start_orthanc NAME: sets orthanc_port and orthanc_url.
start_orthanc() {
  local name=$1
  orthanc_port=$(free_port)
  orthanc_url=http://127.0.0.1:$orthanc_port
  mkdir -p "$work/$name"
  cat >"$work/$name.json" <<JSON
{
  "Name": "dicom-sanitize-gateway-$name",
  "StorageDirectory": "$work/$name",
  "IndexDirectory": "$work/$name",
  "HttpPort": $orthanc_port,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "DicomServerEnabled": false,
  "HttpCompressionEnabled": false,
  "SaveJobs": false,
  "OverwriteInstances": true,
  "Plugins": ["$dicomweb_plugin"],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/" }
}
JSON
  log=$work/orthanc-$name.log
  Orthanc "$work/$name.json" >"$log" 2>&1 &
  pids+=("$!")
  wait_for "$orthanc_url/system" "$!" "Orthanc ($name)"
}

# start_gateway NAME POLICY_FILE_OR_EMPTY [EXTRA_TOML_LINE]: in front of the last Orthanc; sets
# gw_port.
start_gateway() {
  local name=$1 policy=$2 extra=${3:-}
  gw_port=$(free_port)
  {
    echo "listen = \"127.0.0.1:$gw_port\""
    echo "origin = \"http://127.0.0.1:$orthanc_port\""
    [ -z "$policy" ] || echo "policy = \"$policy\""
    [ -z "$extra" ] || echo "$extra"
    echo "[limits]"
    echo "client_idle_seconds = 30"
    echo "origin_timeout_seconds = 60"
  } >"$work/gateway-$name.toml"
  "$gateway_bin" --config "$work/gateway-$name.toml" --check-config >/dev/null ||
    fail "gateway $name: --check-config"
  log=$work/gateway-$name.log
  "$gateway_bin" --config "$work/gateway-$name.toml" >"$log" 2>&1 &
  pids+=("$!")
  wait_for "http://127.0.0.1:$gw_port/metrics" "$!" "gateway ($name)"
}
