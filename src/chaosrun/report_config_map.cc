#include "certchaos/chaosrun/report_config_map.h"

#include <cctype>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/common/utf8.h"

namespace certchaos::chaosrun {

using nlohmann::json;

namespace {

// Bytes that are not UTF-8 become U+FFFD: a ConfigMap's data is text.
std::string validUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8SequenceLength(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

// The last `room` bytes of `text`, starting at a line (or at least at a UTF-8 sequence).
std::string tail(const std::string& text, std::size_t room) {
  if (text.size() <= room) return text;
  std::size_t from = text.size() - room;
  const auto newline = text.find('\n', from);
  if (newline != std::string::npos && newline + 1 < text.size()) from = newline + 1;
  while (from < text.size() && utf8SequenceLength(text, from) == 0) ++from;
  return text.substr(from);
}

// report.json made to fit `room`: timeline entries dropped from the middle (the start and the
// end of a story matter most). Returns the text and how many entries went.
std::pair<std::string, std::size_t> fitReport(const std::string& reportJson, std::size_t room) {
  if (reportJson.size() <= room) return {reportJson, 0};
  json report = json::parse(reportJson, nullptr, false);
  if (report.is_discarded() || !report.contains("timeline") || !report["timeline"].is_array()) {
    return {reportJson, 0};
  }
  auto& timeline = report["timeline"];
  std::size_t dropped = 0;
  std::string text = report.dump(2);
  while (text.size() > room && timeline.size() > 2) {
    // Drop a share at a time so that a large report does not take one dump per entry.
    const std::size_t excess = text.size() - room;
    const std::size_t perEntry = text.size() / (timeline.size() + 1) + 1;
    std::size_t n = std::min(timeline.size() - 2, excess / perEntry + 1);
    const std::size_t first = (timeline.size() - n) / 2;
    timeline.erase(timeline.begin() + static_cast<std::ptrdiff_t>(first),
                   timeline.begin() + static_cast<std::ptrdiff_t>(first + n));
    dropped += n;
    text = report.dump(2);
  }
  return {text, dropped};
}

// A label value (at most 63 characters, alphanumeric at both ends) for an object's name.
std::string labelValue(const std::string& name) {
  std::string v = name.substr(0, 63);
  while (!v.empty() && std::isalnum(static_cast<unsigned char>(v.back())) == 0) v.pop_back();
  return v;
}

}  // namespace

ReportConfigMap buildReportConfigMap(const json& run, const std::string& reportJson,
                                     const std::map<std::string, std::string>& logs,
                                     const std::string& whereFull, std::size_t budget) {
  const auto& meta = run["metadata"];
  const std::string name = meta.value("name", "");
  std::string notes;
  // The note itself needs room; keep it out of the budget the content shares.
  constexpr std::size_t kNoteRoom = 4096;
  const std::size_t room = budget > kNoteRoom ? budget - kNoteRoom : budget / 2;

  auto [report, dropped] = fitReport(validUtf8(reportJson), room);
  if (dropped > 0) {
    notes += "report.json: " + std::to_string(dropped) +
             " timeline entries dropped from the middle to fit one ConfigMap\n";
  }
  json data = json::object();
  data[kReportKey] = report;
  std::size_t left = room > report.size() ? room - report.size() : 0;
  // Each log gets an equal share of what is left (a short log leaves its unused share to the
  // next), its tail kept: the end of a log is where a run ends.
  std::size_t remaining = logs.size();
  for (const auto& [source, content] : logs) {
    const std::size_t share = remaining > 0 ? left / remaining : 0;
    --remaining;
    const std::string text = validUtf8(content);
    std::string kept = tail(text, share);
    if (kept.size() < text.size()) {
      notes += source + ".log: the first " + std::to_string(text.size() - kept.size()) + " of " +
               std::to_string(text.size()) + " bytes cut to fit one ConfigMap\n";
    }
    left -= std::min(left, kept.size());
    data[source + ".log"] = std::move(kept);
  }
  if (!notes.empty()) {
    notes += "The whole run (report and logs) is kept in " + whereFull + "\n";
    data["trimmed.txt"] = notes;
  }
  json object = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata",
                  {{"name", reportConfigMapName(name)},
                   {"namespace", meta.value("namespace", "")},
                   {"labels", {{kRunLabel, labelValue(name)}}},
                   {"ownerReferences", json::array({{{"apiVersion", api::kChaosRun.apiVersion()},
                                                     {"kind", api::kChaosRun.kind},
                                                     {"name", name},
                                                     {"uid", meta.value("uid", "")},
                                                     {"controller", true},
                                                     {"blockOwnerDeletion", true}}})}}},
                 {"data", data}};
  if (!notes.empty()) notes.pop_back();
  return {object, notes};
}

}  // namespace certchaos::chaosrun
