// Scenario 19: the certificate does not name what was asked: names replaced, one dropped, or
// each misspelt. Hostname verification fails; cert-manager does not notice.
#include <algorithm>

#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class WrongSan final : public Fault {
 public:
  explicit WrongSan(const ParameterSet& params)
      : mode_(params.text("mode")), name_(params.text("name")) {}
  std::string_view type() const override { return "wrong-san"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    if (mode_ == "replace") return "replaced the requested names with " + name_;
    if (mode_ == "drop") return "dropped the first requested name";
    return "misspelt every requested DNS name";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    auto& leaf = plan.leaf;
    std::vector<std::string> removed;
    if (mode_ == "replace") {
      removed = leaf.dnsNames;
      removed.insert(removed.end(), leaf.ipAddresses.begin(), leaf.ipAddresses.end());
      const bool hadIps = !leaf.ipAddresses.empty();
      leaf.dnsNames = {name_};
      leaf.ipAddresses =
          hadIps ? std::vector<std::string>{"192.0.2.1"} : std::vector<std::string>{};
    } else if (mode_ == "drop") {
      auto& from = leaf.dnsNames.empty() ? leaf.ipAddresses : leaf.dnsNames;
      if (!from.empty()) {
        removed.push_back(from.front());
        from.erase(from.begin());
      }
    } else {
      for (auto& n : leaf.dnsNames) {
        removed.push_back(n);
        n = n.rfind("*.", 0) == 0 ? "*.wrong-" + n.substr(2) : "wrong-" + n;
      }
    }
    // A common name equal to a removed name would still match for clients that read the CN.
    auto isRemoved = [&removed](const std::string& v) {
      return std::find(removed.begin(), removed.end(), v) != removed.end();
    };
    for (auto& [type, value] : leaf.subject) {
      if (type == "CN" && isRemoved(value))
        value = leaf.dnsNames.empty() ? name_ : leaf.dnsNames[0];
    }
    if (isRemoved(leaf.commonName))
      leaf.commonName = leaf.dnsNames.empty() ? name_ : leaf.dnsNames[0];
    return {};
  }

 private:
  std::string mode_;
  std::string name_;
};

}  // namespace

const FaultFactory& wrongSan() {
  static const FaultFactory kFactory{
      {"wrong-san",
       "replace, drop or misspell the requested DNS/IP names",
       {param(
            "mode", ParameterKind::kEnum, "replace",
            "replace: every DNS name becomes `name` (IPs become 192.0.2.1); drop: remove the first "
            "name; typo: prefix every DNS name with \"wrong-\"",
            {"replace", "drop", "typo"}),
        param("name", ParameterKind::kText, "wrong.certchaos.invalid",
              "replace mode: the name used")}},
      &make<WrongSan>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
