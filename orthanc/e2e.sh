#!/usr/bin/env bash
# End-to-end test of the Orthanc plugin: starts real Orthanc servers with the plugin on free
# local ports, each with a temporary configuration and storage folder, uploads a polyglot, a
# dual-personality DICOM-TIFF file and a clean file through the REST API, and checks the bytes
# Orthanc stored. Then checks reject mode, Deep, the strip policy, and that a mistyped setting
# stops Orthanc.
#
#   orthanc/e2e.sh              the checks (build the plugin first: make -C orthanc)
#   orthanc/e2e.sh --bench N    also time N uploads per file with and without the plugin
#
# Orthanc 1.10 has no setting for its listening address: every instance here refuses remote
# clients ("RemoteAccessAllowed": false), has no DICOM port and is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
plugin=$here/build/libOrthancDicomSanitize.so
data=$root/tests/data/pydicom

bench=0
case "$#:${1:-}" in
  0:) ;;
  2:--bench) bench=$2 ;;
  *) echo "usage: $0 [--bench N]" >&2; exit 2 ;;
esac

[ -f "$plugin" ] || { echo "no $plugin: run make -C orthanc first" >&2; exit 2; }
for tool in Orthanc curl python3 cmp; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

work=$(mktemp -d)
pids=() # the Orthanc servers running
port="" # the last one's
log=""
checks=0

stop_orthanc() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}

cleanup() {
  local status=$?
  stop_orthanc
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

pass() {
  checks=$((checks + 1))
  echo "ok: $*"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# write_config NAME PLUGINS_JSON [SECTION_JSON]: a configuration with its own port and storage.
write_config() {
  local name=$1 plugins=$2 section=""
  [ -z "${3:-}" ] || section=",
  \"DicomSanitize\": $3"
  port=$(free_port)
  mkdir -p "$work/$name"
  cat >"$work/$name.json" <<EOF
{
  "Name": "dicom-sanitize-e2e-$name",
  "StorageDirectory": "$work/$name",
  "IndexDirectory": "$work/$name",
  "HttpPort": $port,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "DicomServerEnabled": false,
  "HttpCompressionEnabled": false,
  "SaveJobs": false,
  "OverwriteInstances": true,
  "Plugins": $plugins$section
}
EOF
  log=$work/$name.log
}

# start_orthanc NAME PLUGINS_JSON [SECTION_JSON]
start_orthanc() {
  write_config "$@"
  Orthanc "$work/$1.json" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/system" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "Orthanc ($1) exited while starting"
    sleep 0.1
  done
  fail "Orthanc ($1) did not answer within 20 s"
}

api() {
  local path=$1
  shift
  curl -sS --fail-with-body "http://127.0.0.1:$port$path" "$@"
}

field() {
  python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

upload() {
  api /instances -X POST --data-binary "@$1"
}

# stored ID FILE: downloads the stored bytes of an instance.
stored() {
  api "/instances/$1/file" -o "$2"
}

instance_count() {
  api /statistics | field CountInstances
}

# zeroed_copy ORIGINAL STORED: the preamble is all zero and every later byte is the original's.
zeroed_copy() {
  [ "$(stat -c %s "$1")" -eq "$(stat -c %s "$2")" ] || return 1
  [ "$(head -c 128 "$2" | tr -d '\0' | wc -c)" -eq 0 ] || return 1
  cmp -s <(tail -c +129 "$1") <(tail -c +129 "$2")
}

fixtures=$work/fixtures
python3 "$here/fixtures.py" "$data/CT_small.dcm" "$fixtures"
cp "$data/rtplan.dcm" "$fixtures/clean.dcm"
uid=1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322 # CT_small.dcm's SOP Instance UID
with_plugin="[\"$plugin\"]"

echo "== default policy: zero every preamble but a functional TIFF header"
start_orthanc sanitize "$with_plugin" '{"Policy": "tiff", "LogFindings": true}'

reply=$(upload "$fixtures/polyglot.dcm")
[ "$(field Status <<<"$reply")" = Success ] || fail "polyglot not stored: $reply"
id=$(field ID <<<"$reply")
stored "$id" "$work/polyglot.stored"
cmp -s "$fixtures/polyglot.dcm" "$work/polyglot.stored" && fail "polyglot stored unchanged"
zeroed_copy "$fixtures/polyglot.dcm" "$work/polyglot.stored" ||
  fail "polyglot: stored bytes are not the original with a zero preamble"
pass "polyglot stored with its preamble zeroed, every byte after offset 128 identical"
grep -q "DicomSanitize: instance $uid: preamble.script \[high\] at offset 0" "$log" ||
  fail "no finding logged with the SOP Instance UID"
grep -q "DicomSanitize: instance $uid: preamble script, action zero" "$log" ||
  fail "no action logged"
pass "finding and action logged with the SOP Instance UID"
api "/instances/$id" -X DELETE >/dev/null

reply=$(upload "$fixtures/forged.dcm")
api "/instances/$(field ID <<<"$reply")" -X DELETE >/dev/null
grep -qF "DicomSanitize: instance ${uid%???????}\\x0AFORGED: preamble.script" "$log" ||
  fail "the UID with a newline is not logged escaped"
grep -q "^FORGED" "$log" && fail "a UID from the file forged a log line"
pass "UIDs from files are escaped in the log (no forged lines)"

reply=$(upload "$fixtures/tiff.dcm")
id=$(field ID <<<"$reply")
stored "$id" "$work/tiff.stored"
cmp -s "$fixtures/tiff.dcm" "$work/tiff.stored" || fail "TIFF file not stored byte for byte"
pass "dual-personality DICOM-TIFF file stored byte for byte"
api "/instances/$id" -X DELETE >/dev/null

reply=$(upload "$fixtures/clean.dcm")
id=$(field ID <<<"$reply")
stored "$id" "$work/clean.stored"
cmp -s "$fixtures/clean.dcm" "$work/clean.stored" || fail "clean file not stored byte for byte"
pass "clean file stored byte for byte"
stop_orthanc

echo "== reject mode: refuse what the policy does not keep"
start_orthanc reject "$with_plugin" '{"Policy": "tiff", "Reject": true}'
reply=$(upload "$fixtures/polyglot.dcm")
[ "$(field Status <<<"$reply")" = FilteredOut ] || fail "polyglot not refused: $reply"
[ "$(instance_count)" -eq 0 ] || fail "something was stored"
[ "$(api /instances | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" -eq 0 ] ||
  fail "instances listed"
grep -q "DicomSanitize: instance $uid: discarded, rejected by policy" "$log" ||
  fail "no rejection logged"
pass "polyglot refused (FilteredOut), nothing stored, rejection logged"
reply=$(upload "$fixtures/tiff.dcm")
stored "$(field ID <<<"$reply")" "$work/tiff.stored"
cmp -s "$fixtures/tiff.dcm" "$work/tiff.stored" || fail "TIFF file refused or changed"
[ "$(instance_count)" -eq 1 ] || fail "expected exactly one stored instance"
pass "functional TIFF file still accepted byte for byte"
stop_orthanc

echo "== Deep: an executable in Pixel Data is refused only when Pixel Data is searched"
start_orthanc shallow "$with_plugin" '{"RejectAt": "high"}'
reply=$(upload "$fixtures/pixels.dcm")
[ "$(field Status <<<"$reply")" = Success ] || fail "not stored without Deep: $reply"
pass "without Deep, Pixel Data is not searched: the instance is stored"
stop_orthanc
start_orthanc deep "$with_plugin" '{"RejectAt": "high", "Deep": true}'
reply=$(upload "$fixtures/pixels.dcm")
[ "$(field Status <<<"$reply")" = FilteredOut ] || fail "not refused with Deep: $reply"
[ "$(instance_count)" -eq 0 ] || fail "something was stored"
grep -q "DicomSanitize: instance $uid: value.executable \[critical\] at offset 7300 (7FE0,0010)" "$log" ||
  fail "the executable in Pixel Data is not logged"
pass "with Deep, the ELF in Pixel Data is logged and the instance refused"
stop_orthanc

echo "== strip policy: store files without preamble and DICM"
start_orthanc strip "$with_plugin" '{"Policy": "strip"}'
reply=$(upload "$fixtures/polyglot.dcm")
id=$(field ID <<<"$reply")
stored "$id" "$work/polyglot.stored"
cmp -s <(tail -c +133 "$fixtures/polyglot.dcm") "$work/polyglot.stored" ||
  fail "stored bytes are not the original without its first 132 bytes"
[ "$(api "/instances/$id/simplified-tags" | field SOPInstanceUID)" = "$uid" ] ||
  fail "Orthanc cannot read the stripped instance"
pass "polyglot stored without its first 132 bytes, and readable"
stop_orthanc

echo "== a mistyped setting stops Orthanc"
write_config typo "$with_plugin" '{"Policy": "tiff", "Rejct": true}'
if timeout 30 Orthanc "$work/typo.json" >"$log" 2>&1; then
  fail "Orthanc started with an unknown DicomSanitize setting"
fi
grep -q "unknown setting DicomSanitize.Rejct" "$log" || fail "the error does not name the setting"
pass "unknown setting refused at startup"

if [ "$bench" -gt 0 ]; then
  echo "== $bench uploads per file and server, alternating, each stored (OverwriteInstances)"
  start_orthanc bench-without '[]'
  port_without=$port
  start_orthanc bench-with "$with_plugin" '{}' # the defaults
  for file in "$data/CT_small.dcm" "$data/rtplan.dcm"; do
    python3 "$here/bench.py" "$file" "$bench" "$port_without" "$port"
  done
  stop_orthanc
fi

echo "$checks passed, 0 failed"
