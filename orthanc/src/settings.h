// The plugin's settings: the "DicomSanitize" section of Orthanc's configuration.
#pragma once

#include <string>

namespace dicom_sanitize_plugin {

// Every key, with its default. Unknown keys, wrong types and unknown values are errors: a
// mistyped security setting must stop Orthanc, not be ignored.
struct Settings {
  // "Policy": "tiff" keeps a functional TIFF header (dual-personality DICOM-TIFF) and zeroes
  // any other non-zero preamble; "zero" zeroes every non-zero preamble; "strip" removes the
  // preamble and "DICM" from every file.
  std::string policy = "tiff";
  // "Reject": refuse instances whose preamble the policy does not keep, instead of clearing
  // it (with "tiff": anything but zero or a functional TIFF header; with "zero": anything but
  // zero). Not available with "strip", which keeps no preamble.
  bool reject = false;
  // "RejectAt": refuse instances with a finding of this severity or higher that sanitizing
  // does not remove: "none", "info", "low", "medium", "high" or "critical".
  std::string reject_at = "none";
  // "AllowDanglingTiff": with "tiff", also keep vestigial TIFF headers.
  bool allow_dangling_tiff = false;
  // "TrailingData": bytes after the data set: "keep", "truncate" or "reject".
  std::string trailing_data = "keep";
  // "LogFindings": validate every instance and log each finding, with its SOP Instance UID.
  bool log_findings = true;
  // "Deep": validation (LogFindings, RejectAt, TrailingData) searches Pixel Data too, so that
  // every byte of a well-formed instance is examined; otherwise every value but Pixel Data
  // is searched.
  bool deep = false;
};

// Reads the settings from Orthanc's whole configuration (JSON text); a missing section means
// the defaults. Throws std::runtime_error on a bad section.
Settings ReadSettings(const std::string& configuration);

// The policy for these settings, in the JSON form of ds_policy_from_json(). Throws
// std::runtime_error for contradictory settings; the library checks the values.
std::string PolicyJson(const Settings& settings);

}  // namespace dicom_sanitize_plugin
