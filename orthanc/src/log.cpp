#include "log.h"

#include <cstdio>

namespace dicom_sanitize_plugin {

namespace {
const std::string kPrefix = "DicomSanitize: ";
}

std::string Escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      escaped.push_back(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", byte);
      escaped += hex;
    }
  }
  return escaped;
}

void Log::Info(const std::string& message) const {
  OrthancPluginLogInfo(context_, (kPrefix + message).c_str());
}

void Log::Warning(const std::string& message) const {
  OrthancPluginLogWarning(context_, (kPrefix + message).c_str());
}

void Log::Error(const std::string& message) const {
  OrthancPluginLogError(context_, (kPrefix + message).c_str());
}

}  // namespace dicom_sanitize_plugin
