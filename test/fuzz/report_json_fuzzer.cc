// report.json as `certchaos report` reads it back (a run directory anyone may have edited): the
// strict reader, then, for a report it accepts, the canonical form re-reads to itself and every
// renderer renders it.
#include "certchaos/report/renderer.h"
#include "certchaos/report/report_json.h"
#include "fuzz_check.h"

using namespace certchaos::report;
using certchaos::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto report = parseReport(certchaos::fuzz::asText(data, size));
  if (!report) {
    check(!report.error().message.empty(), "a refused report says why");
    return 0;
  }
  std::string canonical = toJsonText(*report);
  auto again = parseReport(canonical);
  check(again.ok(), "a written report reads back");
  check(again.ok() && toJsonText(*again) == canonical, "report.json is canonical");
  for (auto format : rendererFormats()) {
    auto renderer = makeRenderer(format);
    check(renderer.ok(), "every listed format has a renderer");
    (void)(*renderer)->render(*report);
  }
  return 0;
}
