// Ownership of what the dicom-sanitize C ABI hands out, and its error messages.
#pragma once

#include <dicom_sanitize.h>

#include <memory>
#include <string>

namespace dicom_sanitize_plugin {

struct PolicyDeleter {
  void operator()(ds_policy* policy) const { ds_policy_free(policy); }
};
using Policy = std::unique_ptr<ds_policy, PolicyDeleter>;

struct StringDeleter {
  void operator()(char* string) const { ds_string_free(string); }
};
using String = std::unique_ptr<char, StringDeleter>;

// A ds_buffer freed when it goes out of scope.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { ds_buffer_free(&buffer_); }

  ds_buffer* get() { return &buffer_; }
  const uint8_t* data() const { return buffer_.data; }
  size_t size() const { return buffer_.len; }

 private:
  ds_buffer buffer_{nullptr, 0};
};

// "status-name: message" for the last failed call on this thread.
inline std::string LastError(ds_status status) {
  const char* message = ds_last_error_message();
  return std::string(ds_status_name(status)) + ": " + (message ? message : "no message");
}

}  // namespace dicom_sanitize_plugin
