#include "instance.h"

#include "ffi.h"
#include "log.h"

namespace dicom_sanitize_plugin {

const std::string& Instance::Name() {
  if (!name_) {
    char* raw = nullptr;
    const ds_status status = ds_sop_instance_uid(data_, size_, &raw);
    const String uid(raw);
    name_ = status == DS_OK && uid ? "instance " + Escape(uid.get())
                                   : "instance without a readable SOP Instance UID";
  }
  return *name_;
}

}  // namespace dicom_sanitize_plugin
