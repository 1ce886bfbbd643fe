// Go durations (spec.ttl, fault parameters, report.json) and RFC 3339 times (report.json, exec
// credential expiry): never a crash, and what parses formats back to the same value.
#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "fuzz_check.h"

using certchaos::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = certchaos::fuzz::asText(data, size);
  if (auto d = certchaos::parseGoDuration(text)) {
    auto again = certchaos::parseGoDuration(certchaos::formatGoDuration(*d));
    check(again.ok(), "a formatted duration parses");
    check(again.ok() && *again == *d, "a duration survives format + parse");
  }
  if (auto t = certchaos::parseRfc3339(text)) {
    auto formatted = certchaos::formatRfc3339(*t, certchaos::TimePrecision::kNanoseconds);
    auto again = certchaos::parseRfc3339(formatted);
    check(again.ok(), "a formatted time parses");
    check(again.ok() && *again == *t, "a time survives format + parse");
  }
  return 0;
}
