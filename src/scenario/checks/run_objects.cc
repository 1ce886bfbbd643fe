#include <algorithm>
#include <cctype>

#include "certchaos/scenario/checks.h"

namespace certchaos::scenario {

bool eventConcernsRun(const RunObjects& o, const std::string& kind, const std::string& name) {
  if (kind == "Certificate") return name == o.certificate;
  if (kind == "Secret") return name == o.secret;
  if (kind == o.issuerKind) return name == o.issuer;
  if (kind == "CertificateRequest") {
    const std::string prefix = o.certificate + "-";
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
    return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                       [](unsigned char c) { return std::isdigit(c) != 0; });
  }
  return false;
}

bool isExpectedCreateConflict(const std::string& reason, const std::string& message) {
  return reason == "RequestFailed" &&
         message.rfind("Failed to create CertificateRequest: ", 0) == 0 &&
         message.find(" already exists") != std::string::npos;
}

}  // namespace certchaos::scenario
