// A realistic report of the seed scenario (scenario 3 "sleep", time scale ×60), shared by the
// report tests, and helpers to check documents with python3's standard library.
#pragma once

#include <string>

#include "certchaos/report/report.h"

namespace certchaos::report::testing {

// Scenario 3: base certificate served, scenario deployed, renewal forced, request held,
// certificate expired, probes failing on x509 expiry, request signed, renewed certificate
// served, recovered. Starts at 2024-05-01T12:00:00Z; nominal lifetime 1 h, sleep 1 h.
Report sampleSleepReport();

// The least a valid report has: no optional field at all.
Report minimalReport();

// Strings that would break out of HTML, XML, Markdown, Mermaid or a terminal if not escaped.
inline constexpr const char* kHostile =
    "<script>alert(\"pwned\")</script> & 'quotes' ]]> `fence` ; #x | *em* \x1b[31mred";

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr
};

// True when python3 runs here (the XML checks use its standard library only).
bool havePython();
// Writes `document` and `script` to a temporary directory and runs `python3 SCRIPT DOCUMENT`.
CommandResult runPythonOn(const std::string& script, const std::string& document);

}  // namespace certchaos::report::testing
