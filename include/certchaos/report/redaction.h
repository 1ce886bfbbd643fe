// Redaction of secrets from collected logs and report strings: PEM private keys (also
// base64-wrapped, as in a Secret's data), bearer and basic credentials, JWT-looking tokens,
// token/password fields, and any value the caller names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/report/report.h"

namespace certchaos::report {

class Redactor {
 public:
  // What every redaction leaves in place of the secret.
  static constexpr std::string_view kPlaceholder = "[REDACTED]";
  // Shorter secrets would shred ordinary text if redacted everywhere; they are refused.
  static constexpr std::size_t kMinSecretLength = 4;

  // Also redacts the value's standard base64 encoding (Secrets carry their data that way).
  // Fails ("BadInput") for values shorter than kMinSecretLength.
  Result<void> addSecret(std::string_view value);

  // The text with every secret replaced. Linear in the text size (no backtracking regex).
  std::string redact(std::string_view text) const;

  // Redacts every free-text string of the report (messages, evidence, summary, parameters,
  // object names); identifiers, enums and times are left alone.
  void redact(Report& report) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret containing another goes whole
};

}  // namespace certchaos::report
