// Go duration strings ("2160h0m0s", "1h30m", "1.5h", "300ms", "-5s"), as cert-manager and
// Kubernetes write them, to and from std::chrono.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"

namespace certchaos {

// Parses a Go duration (time.ParseDuration): an optional sign, then one or more decimal numbers
// each followed by a unit among ns, us (or µs), ms, s, m, h. "0" alone is allowed.
Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

// Formats like Go's Duration.String(): "2160h0m0s", "1h30m0s", "1.5s", "300ms", "0s".
std::string formatGoDuration(std::chrono::nanoseconds d);

}  // namespace certchaos
