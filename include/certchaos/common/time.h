// RFC 3339 timestamps as the Kubernetes API writes them ("2024-05-01T12:00:00Z",
// "2024-05-01T12:00:00.123456Z", "2024-05-01T14:00:00+02:00").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"

namespace certchaos {

using SystemTime = std::chrono::system_clock::time_point;

// Parses RFC 3339 with a "Z" or "+hh:mm"/"-hh:mm" offset and an optional fraction (up to
// nanoseconds). A lower-case 't' or 'z' is accepted like Go does.
// A well-formed time outside what SystemTime holds (years 1678 to 2262) is an error with code
// "OutOfRange".
Result<SystemTime> parseRfc3339(std::string_view text);

// Seconds since the Unix epoch (e.g. from an X.509 time, which runs to the year 9999) as a
// SystemTime, saturated to the whole seconds SystemTime holds and formatRfc3339 prints (years
// 1678 to 2262): a later time is the latest of them, an earlier one the earliest, never a
// signed overflow.
SystemTime fromUnixSecondsSaturated(std::int64_t seconds);

enum class TimePrecision {
  kSeconds,       // metav1.Time: "2006-01-02T15:04:05Z"
  kMicroseconds,  // metav1.MicroTime (Lease, events.k8s.io): "2006-01-02T15:04:05.000000Z"
  kNanoseconds,   // Go's RFC3339Nano, trailing zeros trimmed
};

// Formats in UTC with a "Z" suffix.
std::string formatRfc3339(SystemTime t, TimePrecision precision = TimePrecision::kSeconds);

}  // namespace certchaos
