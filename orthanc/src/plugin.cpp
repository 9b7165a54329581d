// Orthanc plugin: sanitizes every received instance (REST, DICOMweb, C-STORE, WebDAV) with
// dicom-sanitize before Orthanc stores it. See ../README.md.

#include <orthanc/OrthancCPlugin.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "ffi.h"
#include "instance.h"
#include "log.h"
#include "sanitizer.h"
#include "settings.h"

namespace {

using dicom_sanitize_plugin::Log;
using dicom_sanitize_plugin::Sanitizer;

// Set once by OrthancPluginInitialize(), before the callback is registered; read-only after.
OrthancPluginContext* g_context = nullptr;
std::unique_ptr<Sanitizer> g_sanitizer;

OrthancPluginReceivedInstanceAction OnReceivedInstance(OrthancPluginMemoryBuffer64* modified,
                                                       const void* data, uint64_t size,
                                                       OrthancPluginInstanceOrigin /*origin*/) {
  try {
    if (size > SIZE_MAX) {
      Log(g_context).Error("an instance larger than this platform's memory was discarded");
      return OrthancPluginReceivedInstanceAction_Discard;
    }
    dicom_sanitize_plugin::Instance instance(static_cast<const uint8_t*>(data),
                                             static_cast<size_t>(size));
    return g_sanitizer->Process(instance, modified);
  } catch (const std::exception& e) {
    Log(g_context).Error(std::string("an instance was discarded: ") + e.what());
  } catch (...) {
    Log(g_context).Error("an instance was discarded: unknown error");
  }
  return OrthancPluginReceivedInstanceAction_Discard;  // fail closed
}

// Reads the settings and builds the sanitizer; throws on a bad configuration.
std::unique_ptr<Sanitizer> CreateSanitizer(const Log& log) {
  char* raw = OrthancPluginGetConfiguration(g_context);
  if (raw == nullptr) {
    throw std::runtime_error("cannot read Orthanc's configuration");
  }
  const std::string configuration(raw);
  OrthancPluginFreeString(g_context, raw);

  const auto settings = dicom_sanitize_plugin::ReadSettings(configuration);
  const std::string json = dicom_sanitize_plugin::PolicyJson(settings);
  ds_policy* policy = nullptr;
  const ds_status status = ds_policy_from_json(json.c_str(), &policy);
  if (status != DS_OK) {
    throw std::runtime_error("invalid policy " + json + ": " +
                             dicom_sanitize_plugin::LastError(status));
  }
  dicom_sanitize_plugin::Policy owned(policy);
  log.Warning(std::string("dicom-sanitize ") + ds_version() + ", policy " + json +
              (settings.log_findings ? ", logging findings" : ""));
  char* raw_statement = nullptr;
  const ds_status statement_status = ds_policy_conformance_statement(owned.get(), &raw_statement);
  const dicom_sanitize_plugin::String statement(raw_statement);
  if (statement_status == DS_OK) {
    log.Info(std::string("conformance statement:\n") + statement.get());
  }
  return std::make_unique<Sanitizer>(g_context, std::move(owned), settings.log_findings);
}

}  // namespace

extern "C" {

ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context) {
  g_context = context;
  const Log log(context);
  // OrthancPluginRegisterReceivedInstanceCallback() is new in Orthanc 1.10.0.
  if (!OrthancPluginCheckVersionAdvanced(context, 1, 10, 0)) {
    log.Error(std::string("needs Orthanc 1.10.0 or later, this is ") +
              context->orthancVersion);
    return -1;
  }
  try {
    g_sanitizer = CreateSanitizer(log);
  } catch (const std::exception& e) {
    log.Error(std::string("not started: ") + e.what());
    return -1;
  }
  if (OrthancPluginRegisterReceivedInstanceCallback(context, OnReceivedInstance) !=
      OrthancPluginErrorCode_Success) {
    log.Error("cannot register the received-instance callback (another plugin holds it?)");
    g_sanitizer.reset();
    return -1;
  }
  return 0;
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize() { g_sanitizer.reset(); }

ORTHANC_PLUGINS_API const char* OrthancPluginGetName() { return "dicom-sanitize"; }

ORTHANC_PLUGINS_API const char* OrthancPluginGetVersion() { return ds_version(); }

}  // extern "C"
