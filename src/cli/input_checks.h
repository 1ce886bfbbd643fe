// Checks of what a user types (flag values, object names) before anything is sent to a cluster,
// each with a message that says what was expected, what was found and what to do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"

namespace certchaos::cli {

// A namespace name: an RFC 1123 label (lowercase letters, digits, '-'; at most 63; starting and
// ending with a letter or digit). `what` names the input in the message ("-n", "metadata...").
Result<void> checkNamespaceName(std::string_view value, const std::string& what);
// An object name: an RFC 1123 subdomain (labels joined by '.', at most 253 characters).
Result<void> checkObjectName(std::string_view value, const std::string& what);
// A DNS name for a certificate: letters, digits and '-' in labels of 1 to 63 characters, an
// optional leading "*." wildcard, at most 253 characters.
Result<void> checkDnsName(std::string_view value, const std::string& what);
// An IPv4 or IPv6 address in its textual form.
Result<void> checkIpAddress(std::string_view value, const std::string& what);

// A seed: a decimal integer from 0 to 2^63-1 (the CRD stores an int64).
Result<std::uint64_t> parseSeed(std::string_view text, const std::string& what);
// A time scale: a whole number >= 1 (`fractional` allows 1.5 too, as `run` does).
Result<double> parseTimeScale(std::string_view text, const std::string& what, bool fractional);

}  // namespace certchaos::cli
