// A received instance: its bytes, and its name for log lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace dicom_sanitize_plugin {

class Instance {
 public:
  Instance(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // "instance <SOP Instance UID>", escaped; the UID is read from the File Meta group when
  // first needed, so instances with nothing to log cost nothing here.
  const std::string& Name();

 private:
  const uint8_t* data_;
  size_t size_;
  std::optional<std::string> name_;
};

}  // namespace dicom_sanitize_plugin
