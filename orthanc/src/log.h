// Logging through Orthanc, with every string from a file escaped.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <string>
#include <string_view>

namespace dicom_sanitize_plugin {

// Escapes text that comes from a received file (a UID, a finding's message) before it
// reaches a log: every byte outside printable ASCII, and the backslash, becomes \xNN, so a
// hostile file cannot forge log lines.
std::string Escape(std::string_view text);

// The plugin's log lines, each prefixed with "DicomSanitize: ".
class Log {
 public:
  explicit Log(OrthancPluginContext* context) : context_(context) {}

  void Info(const std::string& message) const;
  void Warning(const std::string& message) const;
  void Error(const std::string& message) const;

 private:
  OrthancPluginContext* context_;
};

}  // namespace dicom_sanitize_plugin
