// Helpers shared by the renderers (private to src/report): escaping, time labels, and the
// sequence of messages between participants derived from the timeline.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/report/report.h"

namespace certchaos::report::detail {

// ---- text ----

// Replaces invalid UTF-8 with U+FFFD, so XML/HTML/JSON consumers never choke on a log line.
std::string sanitizeUtf8(std::string_view s);
// For XML and HTML text and attribute values: sanitizeUtf8, then & < > " ' as entities, and
// characters XML 1.0 forbids (C0 controls but tab, LF, CR) as U+FFFD.
std::string escapeXml(std::string_view s);
// For a terminal: sanitizeUtf8, then control characters (ESC included, so log lines cannot
// drive the terminal) as visible escapes ("\n", "\x1b").
std::string printable(std::string_view s);
// Code points, which is the terminal width for the text we print.
std::size_t displayWidth(std::string_view s);
// At most maxChars code points, with "…" when cut.
std::string truncate(std::string_view s, std::size_t maxChars);

// ---- time ----

// "12:00:05.250" (UTC time of day, milliseconds).
std::string clockTime(SystemTime t);
// "2024-05-01 12:00:05Z".
std::string dateTime(SystemTime t);
// Offset from the start of the run: "+1 min 5 s".
std::string wallOffset(const Report& r, SystemTime t);
// "+1 h 5 min" (the entry's nominal time, already scaled).
std::string nominalLabel(Duration nominal);
// "a = 1, b = 2" for a string map, "none" when empty.
std::string joinMap(const std::map<std::string, std::string>& m);
std::string joinList(const std::vector<std::string>& v, std::string_view sep = ", ");

// ---- content shared by the renderers (plain text; each renderer escapes for its format) ----

struct Fact {
  std::string label;
  std::string value;
};
// Run, Scenario, Parameters, Time scale, Cluster, Versions, Started, Ended.
std::vector<Fact> runFacts(const Report& r);
// Time to failure, Time to recovery, CertificateRequests, Circuit breaker.
std::vector<Fact> outcomeFacts(const Report& r);

// One line per collected log, saying where it came from: "issuer: file /x.log → logs/issuer.log",
// "app: pods/log demo/app-1/app could not be read: ..."; a report without sources lists its paths.
std::vector<std::string> logLines(const Report& r);

struct CertificateRow {
  std::string label;  // "Serial", "Not after"...
  std::optional<std::string> before;
  std::optional<std::string> after;
};
std::vector<CertificateRow> certificateRows(const Report& r);

// One check of the hypothesis as plain text: "HELD", "VIOLATED", "NOT EVALUATED"; its tolerance
// ("margin = 0s", "none"; a run's --check says so: "limit = 5 (set by --check for this run; the
// scenario declares limit = 3)"); when it was decided ("12:00:50.000 (+50 s)", "-" when not
// evaluated).
std::string checkOutcomeLabel(CheckOutcome outcome);
std::string toleranceText(const CheckResult& check);
std::string checkTime(const Report& r, const CheckResult& check);

// "13 s = 13 min nominal", or nullopt on the first link.
std::optional<std::string> sincePrevious(const Report& r, const ChainLink& link);

// ---- sequence diagram ----

enum class Participant { kRunner, kIssuer, kCertManager, kApplication, kProbe };
inline constexpr std::array<Participant, 5> kParticipants{
    Participant::kRunner, Participant::kIssuer, Participant::kCertManager,
    Participant::kApplication, Participant::kProbe};
std::string_view participantName(Participant p);  // "ChaosIssuer", "cert-manager"...
std::string_view participantId(Participant p);    // Mermaid-safe ids: "Runner", "CM"...

struct SequenceMessage {
  Participant from = Participant::kRunner;
  Participant to = Participant::kRunner;
  bool note = false;     // a note over `from` rather than an arrow
  bool failure = false;  // drawn as a failed call / in the failure colour
  std::string kind;
  std::string label;    // the first message of the group (or its kind when empty)
  SystemTime at{};      // first occurrence
  SystemTime lastAt{};  // last occurrence when count > 1
  Duration nominal{};   // nominal time of the first occurrence
  int count = 1;        // consecutive identical observations folded into one message
};

// The timeline as messages between participants: arrows for the kinds in report::kinds that
// name a receiver, notes for the rest; runs of the same kind between the same participants
// (probes every second) are folded into one message with a count.
std::vector<SequenceMessage> buildSequence(const Report& r);

// Timeline kinds that mean something went wrong (drawn red).
bool isFailureKind(std::string_view kind);

}  // namespace certchaos::report::detail
