#include "certchaos/report/report_json.h"

#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <utility>

#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "json_pointer.h"

namespace certchaos::report {
namespace {

using nlohmann::json;

// ---- writing ----

std::string timeText(SystemTime t) { return formatRfc3339(t, TimePrecision::kNanoseconds); }
std::string durationText(Duration d) { return formatGoDuration(d); }

json stringMap(const std::map<std::string, std::string>& m) {
  json out = json::object();
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

json certificateJson(const CertificateInfo& c) {
  return json{{"serial", c.serial},
              {"notBefore", timeText(c.notBefore)},
              {"notAfter", timeText(c.notAfter)},
              {"issuer", c.issuer},
              {"subject", c.subject},
              {"dnsNames", c.dnsNames},
              {"ipAddresses", c.ipAddresses}};
}

// ---- reading: collects every problem, each with the JSON Pointer of the field ----

class Problems {
 public:
  void add(const std::string& path, const std::string& message) {
    list_.push_back((path.empty() ? std::string("/") : path) + ": " + message);
  }
  bool empty() const { return list_.empty(); }
  std::string joined() const {
    std::string out;
    for (const auto& p : list_) out += "\n  " + p;
    return out;
  }
  std::size_t size() const { return list_.size(); }

 private:
  std::vector<std::string> list_;
};

std::string found(const json& j) {
  if (j.is_string()) return "the string \"" + j.get<std::string>() + "\"";
  if (j.is_number() || j.is_boolean() || j.is_null()) return j.dump();
  return std::string("an ") + (j.is_object() ? "object" : "array");
}

enum class Need { kRequired, kOptional };

// An object being read: hands out its fields by name; finish() then reports the unknown ones.
class ObjectReader {
 public:
  ObjectReader(Problems& problems, const json* j, std::string path)
      : problems_(problems), path_(std::move(path)) {
    if (j == nullptr) return;
    if (!j->is_object()) {
      problems_.add(path_, "expected an object, found " + found(*j));
      return;
    }
    j_ = j;
  }
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  ~ObjectReader() = default;

  void finish() {
    if (j_ == nullptr) return;
    for (const auto& [key, value] : j_->items()) {
      if (seen_.count(key) == 0) {
        problems_.add(pathOf(key),
                      "unknown field; check its spelling against "
                      "schema/report.schema.json");
      }
    }
  }

  bool valid() const { return j_ != nullptr; }
  std::string pathOf(std::string_view key) const { return detail::childPointer(path_, key); }
  Problems& problems() { return problems_; }

  const json* get(std::string_view key, Need need) {
    if (j_ == nullptr) return nullptr;
    seen_.insert(std::string(key));
    auto it = j_->find(key);
    if (it == j_->end()) {
      if (need == Need::kRequired) problems_.add(pathOf(key), "required field is missing");
      return nullptr;
    }
    return &*it;
  }

  bool string(std::string_view key, std::string& out, Need need, bool nonEmpty = false) {
    const json* v = get(key, need);
    if (v == nullptr) return false;
    if (!v->is_string()) return typeError(key, "a string", *v);
    out = v->get<std::string>();
    if (nonEmpty && out.empty()) {
      problems_.add(pathOf(key), "expected a non-empty string");
      return false;
    }
    return true;
  }

  bool integer(std::string_view key, int& out, int min) {
    const json* v = get(key, Need::kRequired);
    if (v == nullptr) return false;
    if (!v->is_number_integer()) return typeError(key, "an integer", *v);
    if (v->is_number_unsigned() ? v->get<std::uint64_t>() > std::numeric_limits<int>::max()
                                : v->get<std::int64_t>() < min) {
      problems_.add(pathOf(key), "expected an integer from " + std::to_string(min) + " to " +
                                     std::to_string(std::numeric_limits<int>::max()) + ", found " +
                                     v->dump());
      return false;
    }
    out = v->get<int>();
    return true;
  }

  bool unsigned64(std::string_view key, std::uint64_t& out) {
    const json* v = get(key, Need::kRequired);
    if (v == nullptr) return false;
    if (!v->is_number_unsigned()) return typeError(key, "a non-negative integer", *v);
    out = v->get<std::uint64_t>();
    return true;
  }

  bool positiveNumber(std::string_view key, double& out) {
    const json* v = get(key, Need::kRequired);
    if (v == nullptr) return false;
    if (!v->is_number()) return typeError(key, "a number", *v);
    double d = v->get<double>();
    if (!(d > 0) || !std::isfinite(d)) {
      problems_.add(pathOf(key), "expected a number greater than 0, found " + v->dump());
      return false;
    }
    out = d;
    return true;
  }

  bool boolean(std::string_view key, bool& out) {
    const json* v = get(key, Need::kRequired);
    if (v == nullptr) return false;
    if (!v->is_boolean()) return typeError(key, "true or false", *v);
    out = v->get<bool>();
    return true;
  }

  bool time(std::string_view key, SystemTime& out) {
    std::string text;
    if (!string(key, text, Need::kRequired)) return false;
    auto t = parseRfc3339(text);
    if (!t) {
      problems_.add(pathOf(key), t.error().message);
      return false;
    }
    out = *t;
    return true;
  }

  bool duration(std::string_view key, std::optional<Duration>& out, Need need) {
    std::string text;
    if (!string(key, text, need)) return false;
    auto d = parseGoDuration(text);
    if (!d) {
      problems_.add(pathOf(key), d.error().message);
      return false;
    }
    out = *d;
    return true;
  }

  bool stringMap(std::string_view key, std::map<std::string, std::string>& out, Need need) {
    const json* v = get(key, need);
    if (v == nullptr) return false;
    if (!v->is_object()) return typeError(key, "an object of strings", *v);
    bool ok = true;
    for (const auto& [k, value] : v->items()) {
      if (!value.is_string()) {
        problems_.add(detail::childPointer(pathOf(key), k),
                      "expected a string, found " + found(value));
        ok = false;
        continue;
      }
      out[k] = value.get<std::string>();
    }
    return ok;
  }

  bool stringArray(std::string_view key, std::vector<std::string>& out) {
    const json* v = get(key, Need::kRequired);
    if (v == nullptr) return false;
    if (!v->is_array()) return typeError(key, "an array of strings", *v);
    bool ok = true;
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        problems_.add(pathOf(key) + "/" + std::to_string(i),
                      "expected a string, found " + found((*v)[i]));
        ok = false;
        continue;
      }
      out.push_back((*v)[i].get<std::string>());
    }
    return ok;
  }

  // Calls each(element, path) for every element of the array field.
  void array(std::string_view key, Need need,
             const std::function<void(const json&, const std::string&)>& each) {
    const json* v = get(key, need);
    if (v == nullptr) return;
    if (!v->is_array()) {
      typeError(key, "an array", *v);
      return;
    }
    for (std::size_t i = 0; i < v->size(); ++i)
      each((*v)[i], pathOf(key) + "/" + std::to_string(i));
  }

  template <typename E>
  bool enumeration(std::string_view key, E& out, Result<E> (*parse)(std::string_view)) {
    std::string text;
    if (!string(key, text, Need::kRequired)) return false;
    auto e = parse(text);
    if (!e) {
      problems_.add(pathOf(key), e.error().message);
      return false;
    }
    out = *e;
    return true;
  }

 private:
  bool typeError(std::string_view key, std::string_view expected, const json& v) {
    problems_.add(pathOf(key), "expected " + std::string(expected) + ", found " + found(v));
    return false;
  }

  Problems& problems_;
  const json* j_ = nullptr;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

bool isKebabCase(std::string_view s) {
  if (s.empty() || s.front() < 'a' || s.front() > 'z' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::optional<CertificateInfo> readCertificate(ObjectReader& parent, std::string_view key) {
  const json* j = parent.get(key, Need::kOptional);
  if (j == nullptr) return std::nullopt;
  ObjectReader o(parent.problems(), j, parent.pathOf(key));
  if (!o.valid()) return std::nullopt;
  CertificateInfo c;
  o.string("serial", c.serial, Need::kRequired, true);
  o.time("notBefore", c.notBefore);
  o.time("notAfter", c.notAfter);
  o.string("issuer", c.issuer, Need::kRequired);
  o.string("subject", c.subject, Need::kRequired);
  o.stringArray("dnsNames", c.dnsNames);
  o.stringArray("ipAddresses", c.ipAddresses);
  o.finish();
  return c;
}

void readRun(ObjectReader& parent, Run& run) {
  ObjectReader o(parent.problems(), parent.get("run", Need::kRequired), parent.pathOf("run"));
  if (!o.valid()) return;
  o.string("id", run.id, Need::kRequired, true);
  {
    ObjectReader s(o.problems(), o.get("scenario", Need::kRequired), o.pathOf("scenario"));
    if (s.valid()) {
      s.integer("number", run.scenario.number, 0);
      s.string("name", run.scenario.name, Need::kRequired, true);
      s.stringMap("parameters", run.scenario.parameters, Need::kRequired);
      s.unsigned64("seed", run.scenario.seed);
      s.stringMap("defaults", run.scenario.defaults, Need::kOptional);
      s.finish();
    }
  }
  o.positiveNumber("timeScale", run.timeScale);
  o.string("cluster", run.cluster, Need::kRequired);
  o.stringMap("versions", run.versions, Need::kRequired);
  o.time("startedAt", run.startedAt);
  o.time("endedAt", run.endedAt);
  if (const json* b = o.get("certManagerBackoff", Need::kOptional)) {
    ObjectReader bo(o.problems(), b, o.pathOf("certManagerBackoff"));
    if (bo.valid()) {
      CertManagerBackoff backoff;
      std::optional<Duration> minimum, maximum;
      bo.boolean("scaled", backoff.scaled);
      bo.duration("minimum", minimum, Need::kRequired);
      bo.duration("maximum", maximum, Need::kRequired);
      bo.string("note", backoff.note, Need::kRequired);
      bo.finish();
      backoff.minimum = minimum.value_or(Duration{});
      backoff.maximum = maximum.value_or(Duration{});
      run.certManagerBackoff = std::move(backoff);
    }
  }
  o.finish();
}

void readCheck(Problems& problems, const json& e, const std::string& path,
               std::vector<CheckResult>& out) {
  ObjectReader c(problems, &e, path);
  if (!c.valid()) return;
  CheckResult check;
  if (c.string("name", check.name, Need::kRequired) && !isKebabCase(check.name)) {
    problems.add(
        c.pathOf("name"),
        R"(expected a kebab-case check name such as "probes-valid", found ")" + check.name + "\"");
  }
  c.string("description", check.description, Need::kRequired, true);
  c.stringMap("tolerance", check.tolerance, Need::kRequired);
  c.enumeration("outcome", check.outcome, &parseCheckOutcome);
  c.string("evidence", check.evidence, Need::kRequired);
  if (c.get("at", Need::kOptional) != nullptr) {
    SystemTime at{};
    if (c.time("at", at)) check.at = at;
  }
  // Optional: absent in reports of runs without --check, and in those written before it.
  if (c.get("origin", Need::kOptional) != nullptr) {
    c.enumeration("origin", check.origin, &parseCheckOrigin);
  }
  c.stringMap("scenarioTolerance", check.scenarioTolerance, Need::kOptional);
  c.finish();
  out.push_back(std::move(check));
}

void readVerdict(ObjectReader& parent, Verdict& verdict) {
  ObjectReader o(parent.problems(), parent.get("verdict", Need::kRequired),
                 parent.pathOf("verdict"));
  if (!o.valid()) return;
  o.enumeration("result", verdict.result, &parseVerdictResult);
  o.string("hypothesis", verdict.hypothesis, Need::kRequired, true);
  if (o.string("failingStep", verdict.failingStep, Need::kOptional) &&
      !isKebabCase(verdict.failingStep)) {
    o.problems().add(o.pathOf("failingStep"),
                     R"(expected a kebab-case step name such as "probe-failed", found ")" +
                         verdict.failingStep + "\"");
  }
  o.string("summary", verdict.summary, Need::kRequired);
  // Optional on reading: reports written before checks existed have none.
  o.array("checks", Need::kOptional, [&](const json& e, const std::string& path) {
    readCheck(o.problems(), e, path, verdict.checks);
  });
  o.finish();
}

}  // namespace

nlohmann::json toJson(const Report& r) {
  json run{{"id", r.run.id},
           {"scenario",
            {{"number", r.run.scenario.number},
             {"name", r.run.scenario.name},
             {"parameters", stringMap(r.run.scenario.parameters)},
             {"seed", r.run.scenario.seed},
             {"defaults", stringMap(r.run.scenario.defaults)}}},
           {"timeScale", r.run.timeScale},
           {"cluster", r.run.cluster},
           {"versions", stringMap(r.run.versions)},
           {"startedAt", timeText(r.run.startedAt)},
           {"endedAt", timeText(r.run.endedAt)}};
  if (const auto& b = r.run.certManagerBackoff) {
    run["certManagerBackoff"] = {{"scaled", b->scaled},
                                 {"minimum", durationText(b->minimum)},
                                 {"maximum", durationText(b->maximum)},
                                 {"note", b->note}};
  }

  json verdict{{"result", toString(r.verdict.result)},
               {"hypothesis", r.verdict.hypothesis},
               {"summary", r.verdict.summary}};
  if (!r.verdict.failingStep.empty()) verdict["failingStep"] = r.verdict.failingStep;
  json checks = json::array();
  for (const auto& c : r.verdict.checks) {
    json check{{"name", c.name},
               {"description", c.description},
               {"tolerance", stringMap(c.tolerance)},
               {"outcome", toString(c.outcome)},
               {"evidence", c.evidence}};
    if (c.at) check["at"] = timeText(*c.at);
    if (c.origin != CheckOrigin::kScenario) check["origin"] = toString(c.origin);
    if (c.origin == CheckOrigin::kOverridden) {
      check["scenarioTolerance"] = stringMap(c.scenarioTolerance);
    }
    checks.push_back(std::move(check));
  }
  verdict["checks"] = std::move(checks);

  json proofs = json::array();
  for (const auto& p : r.proofOfInjection) {
    proofs.push_back({{"fault", p.fault},
                      {"source", toString(p.source)},
                      {"evidence", p.evidence},
                      {"at", timeText(p.at)}});
  }

  json timeline = json::array();
  for (const auto& e : r.timeline) {
    json entry{{"wallTime", timeText(e.wallTime)},
               {"nominalTime", durationText(e.nominalTime)},
               {"source", toString(e.source)},
               {"kind", e.kind},
               {"message", e.message}};
    if (!e.object.empty()) entry["object"] = e.object;
    timeline.push_back(std::move(entry));
  }

  json chain = json::array();
  for (const auto& link : r.chain) {
    json entry{{"step", link.step}, {"at", timeText(link.at)}};
    if (link.durationFromPrevious) {
      entry["durationFromPrevious"] = durationText(*link.durationFromPrevious);
    }
    if (!link.message.empty()) entry["message"] = link.message;
    chain.push_back(std::move(entry));
  }

  json certificates = json::object();
  if (r.certificates.before) certificates["before"] = certificateJson(*r.certificates.before);
  if (r.certificates.after) certificates["after"] = certificateJson(*r.certificates.after);

  json out{{"schemaVersion", r.schemaVersion},
           {"run", std::move(run)},
           {"verdict", std::move(verdict)},
           {"proofOfInjection", std::move(proofs)},
           {"timeline", std::move(timeline)},
           {"chain", std::move(chain)},
           {"certificates", std::move(certificates)},
           {"certificateRequestCount", r.certificateRequestCount},
           {"circuitBreakerTripped", r.circuitBreakerTripped},
           {"artifacts", {{"logs", r.artifacts.logs}}}};
  if (!r.artifacts.logSources.empty()) {
    json sources = json::array();
    for (const auto& l : r.artifacts.logSources) {
      json s{{"component", l.component}, {"origin", l.origin}, {"from", l.from}};
      if (l.previous) s["previous"] = true;
      if (!l.path.empty()) s["path"] = l.path;
      if (!l.error.empty()) s["error"] = l.error;
      sources.push_back(std::move(s));
    }
    out["artifacts"]["logSources"] = std::move(sources);
  }
  if (r.timeToFailure) out["timeToFailure"] = durationText(*r.timeToFailure);
  if (r.timeToRecovery) out["timeToRecovery"] = durationText(*r.timeToRecovery);
  if (r.prediction) {
    out["prediction"] = {{"text", r.prediction->text},
                         {"assumptions", stringMap(r.prediction->assumptions)}};
  }
  return out;
}

Result<Report> fromJson(const nlohmann::json& j) {
  Problems problems;
  Report r;
  {
    ObjectReader o(problems, &j, "");
    if (o.valid()) {
      // The version first: a report from a newer certchaos fails with one clear message.
      if (o.integer("schemaVersion", r.schemaVersion, 0) &&
          r.schemaVersion != kReportSchemaVersion) {
        return makeError("BadReport", "report.json has schemaVersion " +
                                          std::to_string(r.schemaVersion) +
                                          " but this certchaos reads version " +
                                          std::to_string(kReportSchemaVersion) +
                                          "; use the certchaos release that wrote the report");
      }
      readRun(o, r.run);
      readVerdict(o, r.verdict);
      o.array("proofOfInjection", Need::kRequired, [&](const json& e, const std::string& path) {
        ObjectReader p(problems, &e, path);
        if (!p.valid()) return;
        InjectionProof proof;
        p.string("fault", proof.fault, Need::kRequired, true);
        p.enumeration("source", proof.source, &parseEvidenceSource);
        p.string("evidence", proof.evidence, Need::kRequired);
        p.time("at", proof.at);
        p.finish();
        r.proofOfInjection.push_back(std::move(proof));
      });
      o.array("timeline", Need::kRequired, [&](const json& e, const std::string& path) {
        ObjectReader t(problems, &e, path);
        if (!t.valid()) return;
        TimelineEntry entry;
        t.time("wallTime", entry.wallTime);
        std::optional<Duration> nominal;
        if (t.duration("nominalTime", nominal, Need::kRequired)) entry.nominalTime = *nominal;
        t.enumeration("source", entry.source, &parseSource);
        t.string("kind", entry.kind, Need::kRequired, true);
        t.string("message", entry.message, Need::kRequired);
        t.string("object", entry.object, Need::kOptional);
        t.finish();
        r.timeline.push_back(std::move(entry));
      });
      o.array("chain", Need::kRequired, [&](const json& e, const std::string& path) {
        ObjectReader c(problems, &e, path);
        if (!c.valid()) return;
        ChainLink link;
        if (c.string("step", link.step, Need::kRequired) && !isKebabCase(link.step)) {
          problems.add(c.pathOf("step"),
                       R"(expected a kebab-case step name such as "request-held", found ")" +
                           link.step + "\"");
        }
        c.time("at", link.at);
        c.duration("durationFromPrevious", link.durationFromPrevious, Need::kOptional);
        c.string("message", link.message, Need::kOptional);
        c.finish();
        r.chain.push_back(std::move(link));
      });
      {
        ObjectReader c(problems, o.get("certificates", Need::kRequired), o.pathOf("certificates"));
        if (c.valid()) {
          r.certificates.before = readCertificate(c, "before");
          r.certificates.after = readCertificate(c, "after");
          c.finish();
        }
      }
      o.duration("timeToFailure", r.timeToFailure, Need::kOptional);
      o.duration("timeToRecovery", r.timeToRecovery, Need::kOptional);
      o.integer("certificateRequestCount", r.certificateRequestCount, 0);
      o.boolean("circuitBreakerTripped", r.circuitBreakerTripped);
      if (const json* p = o.get("prediction", Need::kOptional)) {
        ObjectReader po(problems, p, o.pathOf("prediction"));
        if (po.valid()) {
          Prediction prediction;
          po.string("text", prediction.text, Need::kRequired, true);
          po.stringMap("assumptions", prediction.assumptions, Need::kRequired);
          po.finish();
          r.prediction = std::move(prediction);
        }
      }
      {
        ObjectReader a(problems, o.get("artifacts", Need::kRequired), o.pathOf("artifacts"));
        if (a.valid()) {
          a.stringArray("logs", r.artifacts.logs);
          a.array("logSources", Need::kOptional, [&](const json& e, const std::string& path) {
            ObjectReader l(problems, &e, path);
            if (!l.valid()) return;
            CollectedLog log;
            l.string("component", log.component, Need::kRequired, true);
            if (l.string("origin", log.origin, Need::kRequired) && log.origin != kLogFromFile &&
                log.origin != kLogFromPods) {
              problems.add(l.pathOf("origin"),
                           R"(expected "file" or "pods/log", found ")" + log.origin + "\"");
            }
            l.string("from", log.from, Need::kRequired, true);
            if (l.get("previous", Need::kOptional) != nullptr) l.boolean("previous", log.previous);
            l.string("path", log.path, Need::kOptional);
            l.string("error", log.error, Need::kOptional);
            l.finish();
            r.artifacts.logSources.push_back(std::move(log));
          });
          a.finish();
        }
      }
      o.finish();
    }
  }
  if (!problems.empty()) {
    return makeError("BadReport", "report.json is not a valid certchaos report (" +
                                      std::to_string(problems.size()) + " problem" +
                                      (problems.size() == 1 ? "" : "s") +
                                      "; fix them or regenerate the report):" + problems.joined());
  }
  return r;
}

Result<Report> parseReport(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // a syntax error (with its offset), a number overflow
    return makeError("BadReport", std::string("report.json is not valid JSON: ") + e.what());
  }
  return fromJson(j);
}

std::string toJsonText(const Report& report) {
  // Log lines can carry invalid UTF-8; replace it (U+FFFD) rather than fail the whole report.
  return toJson(report).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace certchaos::report
