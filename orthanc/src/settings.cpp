#include "settings.h"

#include <json/json.h>

#include <memory>
#include <stdexcept>

namespace dicom_sanitize_plugin {

namespace {

const char kSection[] = "DicomSanitize";

Json::Value Parse(const std::string& text) {
  Json::CharReaderBuilder builder;
  Json::CharReaderBuilder::strictMode(&builder.settings_);
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value value;
  std::string errors;
  if (!reader->parse(text.data(), text.data() + text.size(), &value, &errors)) {
    throw std::runtime_error("cannot parse the configuration: " + errors);
  }
  return value;
}

std::string Key(const std::string& key) { return std::string(kSection) + "." + key; }

std::string StringSetting(const Json::Value& value, const std::string& key) {
  if (!value.isString()) {
    throw std::runtime_error(Key(key) + " must be a string");
  }
  return value.asString();
}

bool BoolSetting(const Json::Value& value, const std::string& key) {
  if (!value.isBool()) {
    throw std::runtime_error(Key(key) + " must be true or false");
  }
  return value.asBool();
}

}  // namespace

Settings ReadSettings(const std::string& configuration) {
  const Json::Value root = Parse(configuration);
  Settings settings;
  if (!root.isObject() || !root.isMember(kSection)) {
    return settings;
  }
  const Json::Value& section = root[kSection];
  if (!section.isObject()) {
    throw std::runtime_error(std::string(kSection) + " must be an object");
  }
  for (const std::string& key : section.getMemberNames()) {
    const Json::Value& value = section[key];
    if (key == "Policy") {
      settings.policy = StringSetting(value, key);
    } else if (key == "Reject") {
      settings.reject = BoolSetting(value, key);
    } else if (key == "RejectAt") {
      settings.reject_at = StringSetting(value, key);
    } else if (key == "AllowDanglingTiff") {
      settings.allow_dangling_tiff = BoolSetting(value, key);
    } else if (key == "TrailingData") {
      settings.trailing_data = StringSetting(value, key);
    } else if (key == "LogFindings") {
      settings.log_findings = BoolSetting(value, key);
    } else if (key == "Deep") {
      settings.deep = BoolSetting(value, key);
    } else {
      throw std::runtime_error("unknown setting " + Key(key) +
                               " (known: Policy, Reject, RejectAt, AllowDanglingTiff, "
                               "TrailingData, LogFindings, Deep)");
    }
  }
  return settings;
}

std::string PolicyJson(const Settings& settings) {
  Json::Value policy(Json::objectValue);
  if (settings.policy == "tiff") {
    policy["preamble"] = "tiff";
    policy["otherwise"] = settings.reject ? "reject" : "zero";
  } else if (settings.policy == "zero") {
    policy["preamble"] = settings.reject ? "reject" : "zero";
  } else if (settings.policy == "strip") {
    if (settings.reject) {
      throw std::runtime_error(Key("Reject") + " needs Policy \"tiff\" or \"zero\": \"strip\" "
                               "keeps no preamble");
    }
    policy["preamble"] = "strip";
  } else {
    throw std::runtime_error(Key("Policy") + ": unknown value \"" + settings.policy +
                             "\", expected one of tiff, zero, strip");
  }
  policy["allow_dangling_tiff"] = settings.allow_dangling_tiff;
  policy["trailing"] = settings.trailing_data;
  if (settings.reject_at != "none") {
    policy["reject_at"] = settings.reject_at;  // absent: findings never reject
  }
  policy["deep"] = settings.deep;
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  return Json::writeString(writer, policy);
}

}  // namespace dicom_sanitize_plugin
