// What the plugin does with each received instance.
#pragma once

#include <orthanc/OrthancCPlugin.h>

#include "ffi.h"
#include "instance.h"
#include "log.h"

namespace dicom_sanitize_plugin {

// Applies one policy to every received instance. Immutable after construction, so Orthanc
// may call Process() from any number of threads at once.
class Sanitizer {
 public:
  Sanitizer(OrthancPluginContext* context, Policy policy, bool log_findings);

  // Keeps the instance when the policy leaves it unchanged; replaces it with the sanitized
  // bytes (written to `modified`) when they differ; discards it when the policy refuses it,
  // and also when it cannot be sanitized at all (fail closed). With LogFindings, logs every
  // finding of the library's validation with the policy (its depth included) first.
  OrthancPluginReceivedInstanceAction Process(Instance& instance,
                                              OrthancPluginMemoryBuffer64* modified) const;

 private:
  void LogFindings(Instance& instance) const;
  OrthancPluginReceivedInstanceAction Replace(Instance& instance, const Buffer& output,
                                              const ds_outcome& outcome,
                                              OrthancPluginMemoryBuffer64* modified) const;

  OrthancPluginContext* context_;
  Policy policy_;
  bool log_findings_;
  Log log_;
};

}  // namespace dicom_sanitize_plugin
