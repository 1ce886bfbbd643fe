#include "certchaos/chaos/decision.h"

#include <cctype>

#include "certchaos/chaos/fault.h"

namespace certchaos::chaos {

const char* actionName(Action action) {
  switch (action) {
    case Action::kIgnore:
      return "Ignore";
    case Action::kWaitForApproval:
      return "WaitForApproval";
    case Action::kReportDenied:
      return "ReportDenied";
    case Action::kDeny:
      return "Deny";
    case Action::kHold:
      return "Hold";
    case Action::kFail:
      return "Fail";
    case Action::kSign:
      return "Sign";
  }
  return "Unknown";
}

std::string eventReasonFor(std::string_view type) {
  std::string out = "Chaos";
  bool upper = true;
  for (char c : type) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

}  // namespace certchaos::chaos
