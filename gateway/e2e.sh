#!/usr/bin/env bash
# End-to-end test of the gateway in front of a real Orthanc with its DICOMweb plugin, both on
# loopback ports of their own, with a temporary configuration and storage; both are stopped on
# exit. Uploads go through the gateway with curl (and dicomweb-client when DICOMWEB_PYTHON names
# a Python that has it); the stored instances are fetched back from Orthanc and compared byte for
# byte.
#
#   gateway/e2e.sh GATEWAY_BINARY
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
samples=$root/examples/data
gateway_bin=${1:?usage: $0 GATEWAY_BINARY}
dicomweb_plugin=${DICOMWEB_PLUGIN:-/usr/share/orthanc/plugins/libOrthancDicomWeb.so}
stow=$here/scripts/stow.py

for tool in Orthanc curl python3 cmp; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done
[ -f "$dicomweb_plugin" ] || { echo "no $dicomweb_plugin (Debian package orthanc-dicomweb)" >&2; exit 2; }

# shellcheck source=gateway/scripts/servers.sh
. "$here/scripts/servers.sh"
checks=0
pass() {
  checks=$((checks + 1))
  echo "ok: $*"
}

start_orthanc pacs
start_gateway default ""
gw_default=$gw_port
printf 'preamble = "reject"\n' >"$work/reject.toml"
start_gateway reject "$work/reject.toml"
gw_reject=$gw_port
start_gateway responses "" "sanitize_responses = true"
gw_responses=$gw_port

# "$1": gateway port, then files: uploads them in one request; sets status and answer.
upload() {
  local gw=$1
  shift
  local type
  type=$(python3 "$stow" body "$work/body" "$@")
  status=$(curl -sS -o "$work/answer" -w '%{http_code}' --max-time 60 \
    -H "Content-Type: $type" -H "Accept: application/dicom+json" \
    --data-binary @"$work/body" "http://127.0.0.1:$gw/dicom-web/studies")
  answer=$(cat "$work/answer")
}

# stored FILE: the bytes Orthanc holds for FILE's SOP Instance UID, in $work/stored.
stored() {
  local id
  id=$(python3 "$stow" lookup "$orthanc_url" "$(python3 "$stow" sop "$1")")
  [ -n "$id" ] || { log=$work/gateway-default.log; fail "$(basename "$1") is not stored"; }
  curl -sSf --max-time 30 -o "$work/stored" "$orthanc_url/instances/$id/file"
}

# Reject mode first, while the store is empty: the polyglot is refused with its reason.
upload "$gw_reject" "$samples/pe_polyglot.dcm"
[ "$status" = 409 ] || fail "reject mode: status $status: $answer"
python3 - "$work/answer" <<'PY' || fail "reject mode answer: $answer"
import json, sys
answer = json.load(open(sys.argv[1]))
item = answer["00081198"]["Value"][0]
assert item["00081197"]["Value"] == [0x0110], item
assert item["00081155"]["Value"] == ["1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322"], item
PY
[ -z "$(python3 "$stow" lookup "$orthanc_url" 1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322)" ] ||
  fail "reject mode: the refused instance reached Orthanc"
pass "reject mode: the polyglot is refused (409, Failure Reason 0110H) and Orthanc never gets it"

# Clean and polyglot in one request through the default gateway (the two polyglots share no
# SOP Instance UID with clean.dcm).
upload "$gw_default" "$samples/clean.dcm" "$samples/script_polyglot.dcm"
[ "$status" = 200 ] || fail "status $status: $answer"
stored "$samples/clean.dcm"
cmp -s "$work/stored" "$samples/clean.dcm" || fail "clean.dcm is not stored byte for byte"
pass "a clean instance is stored byte for byte"
stored "$samples/script_polyglot.dcm"
python3 "$stow" expect "$samples/script_polyglot.dcm" "$work/expected" zero
cmp -s "$work/stored" "$work/expected" || fail "the script polyglot is not stored zeroed"
pass "a shell-script polyglot is stored with a zero preamble, every later byte identical"

# The PE polyglot and the DICOM-TIFF file share a SOP Instance UID: one request each.
upload "$gw_default" "$samples/pe_polyglot.dcm"
[ "$status" = 200 ] || fail "status $status: $answer"
stored "$samples/pe_polyglot.dcm"
python3 "$stow" expect "$samples/pe_polyglot.dcm" "$work/expected" zero
cmp -s "$work/stored" "$work/expected" || fail "the PE polyglot is not stored zeroed"
pass "a PE polyglot is stored with a zero preamble"
upload "$gw_default" "$samples/dual_personality.dcm"
[ "$status" = 200 ] || fail "status $status: $answer"
stored "$samples/dual_personality.dcm"
cmp -s "$work/stored" "$samples/dual_personality.dcm" || fail "the DICOM-TIFF header was not kept"
pass "a functional DICOM-TIFF file keeps its header"

# Everything else passes through: QIDO-RS answers as Orthanc does.
curl -sSf --max-time 30 "http://127.0.0.1:$gw_default/dicom-web/studies" -o "$work/via-gateway"
curl -sSf --max-time 30 "$orthanc_url/dicom-web/studies" -o "$work/direct"
cmp -s "$work/via-gateway" "$work/direct" || fail "QIDO-RS through the gateway differs"
pass "QIDO-RS passes through unchanged"

# WADO-RS on the way out: a polyglot stored straight into Orthanc (not through the gateway)
# comes back as it is through a plain gateway, zeroed through one with sanitize_responses.
id=$(curl -sSf --max-time 30 -X POST --data-binary @"$samples/pe_polyglot.dcm" "$orthanc_url/instances" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["ID"])')
python3 "$stow" wado "$orthanc_url" "$id" "http://127.0.0.1:$gw_default/dicom-web" "$work/plain"
cmp -s "$work/plain" "$samples/pe_polyglot.dcm" || fail "WADO-RS through a plain gateway changed the instance"
python3 "$stow" wado "$orthanc_url" "$id" "http://127.0.0.1:$gw_responses/dicom-web" "$work/sanitized"
python3 "$stow" expect "$samples/pe_polyglot.dcm" "$work/expected" zero
cmp -s "$work/sanitized" "$work/expected" || fail "WADO-RS with sanitize_responses did not zero the preamble"
pass "WADO-RS: a stored polyglot is retrieved with a zero preamble with sanitize_responses, untouched without"

# A real DICOMweb client, when there is one.
if [ -n "${DICOMWEB_PYTHON:-}" ]; then
  "$DICOMWEB_PYTHON" - "http://127.0.0.1:$gw_default/dicom-web" "$samples/pe_polyglot.dcm" <<'PY' ||
import sys
import pydicom
from dicomweb_client.api import DICOMwebClient

client = DICOMwebClient(url=sys.argv[1])
ds = pydicom.dcmread(sys.argv[2])
assert ds.preamble[:2] == b"MZ", "pydicom keeps the preamble it read, and writes it"
answer = client.store_instances(datasets=[ds])
assert len(answer.get("FailedSOPSequence", [])) == 0, answer
assert len(answer.ReferencedSOPSequence) == 1, answer
PY
    fail "dicomweb-client upload"
  stored "$samples/pe_polyglot.dcm"
  head -c 128 "$work/stored" | cmp -s - <(head -c 128 /dev/zero) ||
    fail "dicomweb-client: the stored preamble is not zero"
  pass "dicomweb-client: store_instances of a polyglot through the gateway stores a zero preamble"
fi

# The gateway logged one JSON line per decision, and counts them.
grep -q '"action":"zero","event":"instance"' "$work/gateway-default.log" ||
  fail "no decision logged"
curl -sSf "http://127.0.0.1:$gw_default/metrics" | grep -q '^dicom_gateway_instances_forwarded_total{action="zero"} [1-9]' ||
  fail "/metrics does not count the zeroed instances"
pass "decisions logged as JSON lines and counted on /metrics"

echo "gateway e2e: $checks checks passed"
