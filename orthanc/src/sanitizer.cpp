#include "sanitizer.h"

#include <json/json.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace dicom_sanitize_plugin {

Sanitizer::Sanitizer(OrthancPluginContext* context, Policy policy, bool log_findings)
    : context_(context), policy_(std::move(policy)), log_findings_(log_findings), log_(context) {}

OrthancPluginReceivedInstanceAction Sanitizer::Process(
    Instance& instance, OrthancPluginMemoryBuffer64* modified) const {
  Buffer output;
  ds_outcome outcome{};
  const ds_status status =
      ds_sanitize(policy_.get(), instance.data(), instance.size(), output.get(), &outcome);
  // Copy the reason before any other call replaces it.
  const char* message = status == DS_OK ? nullptr : ds_last_error_message();
  const std::string reason = Escape(message ? message : "no message");
  if (log_findings_) {
    LogFindings(instance);
  }
  if (status == DS_ERR_REJECTED) {
    log_.Error(instance.Name() + ": discarded, " + reason);
    return OrthancPluginReceivedInstanceAction_Discard;
  }
  if (status != DS_OK) {
    log_.Error(instance.Name() + ": discarded, it cannot be sanitized (" +
               ds_status_name(status) + ": " + reason + ")");
    return OrthancPluginReceivedInstanceAction_Discard;
  }
  if (outcome.unchanged) {
    return OrthancPluginReceivedInstanceAction_KeepAsIs;
  }
  return Replace(instance, output, outcome, modified);
}

OrthancPluginReceivedInstanceAction Sanitizer::Replace(
    Instance& instance, const Buffer& output, const ds_outcome& outcome,
    OrthancPluginMemoryBuffer64* modified) const {
  if (OrthancPluginCreateMemoryBuffer64(context_, modified, output.size()) !=
      OrthancPluginErrorCode_Success) {
    log_.Error(instance.Name() + ": discarded, no memory for its sanitized copy");
    return OrthancPluginReceivedInstanceAction_Discard;
  }
  std::memcpy(modified->data, output.data(), output.size());
  log_.Warning(instance.Name() + ": preamble " + outcome.before_name + ", action " +
               outcome.action_name + " (" + std::to_string(outcome.bytes_changed) +
               " bytes changed, " + std::to_string(outcome.bytes_removed) +
               " removed): storing the sanitized instance");
  return OrthancPluginReceivedInstanceAction_Modify;
}

void Sanitizer::LogFindings(Instance& instance) const {
  char* raw = nullptr;
  const ds_status status =
      ds_validate_with_policy(policy_.get(), instance.data(), instance.size(), &raw);
  const String json(raw);
  if (status != DS_OK) {
    log_.Error(instance.Name() + ": cannot list findings (" + Escape(LastError(status)) + ")");
    return;
  }
  Json::CharReaderBuilder builder;
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  const char* begin = json.get();
  Json::Value report;
  std::string errors;
  if (!reader->parse(begin, begin + std::strlen(begin), &report, &errors)) {
    log_.Error(instance.Name() + ": cannot read the validation report: " + Escape(errors));
    return;
  }
  for (const Json::Value& finding : report["findings"]) {
    const std::string severity = finding["severity"].asString();
    std::string line = instance.Name() + ": " + Escape(finding["code"].asString()) + " [" +
                       Escape(severity) + "] at offset " +
                       std::to_string(finding["offset"].asUInt64());
    if (finding["tag"].isString()) {
      line += " " + Escape(finding["tag"].asString());
    }
    line += ": " + Escape(finding["message"].asString());
    if (severity == "high" || severity == "critical") {
      log_.Error(line);
    } else if (severity == "info") {
      log_.Info(line);
    } else {
      log_.Warning(line);
    }
  }
  const uint64_t suppressed = report["suppressed"].asUInt64();
  if (suppressed > 0) {
    log_.Warning(instance.Name() + ": " + std::to_string(suppressed) +
                 " more findings not listed");
  }
}

}  // namespace dicom_sanitize_plugin
