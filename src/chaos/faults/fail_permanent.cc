// Scenario 6: Ready=False reason=Failed with failureTime and a realistic CA message.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class FailPermanent final : public Fault {
 public:
  explicit FailPermanent(const ParameterSet& params) : message_(params.text("message")) {}
  std::string_view type() const override { return "fail-permanent"; }
  FaultPhase phase() const override { return FaultPhase::kFailure; }
  std::string describe() const override { return "failed the request: " + message_; }
  std::optional<Failure> fail(const RequestContext& /*ctx*/, Random& /*random*/) const override {
    return Failure{Failure::Kind::kFailed, message_, true, std::nullopt};
  }

 private:
  std::string message_;
};

}  // namespace

const FaultFactory& failPermanent() {
  static const FaultFactory kFactory{
      {"fail-permanent",
       "fail every request: Ready=False reason=Failed with failureTime",
       {param("message", ParameterKind::kText,
              "failed to sign certificate: the CA returned 500 Internal Server Error: signing "
              "backend unavailable",
              "the failure message")}},
      &make<FailPermanent>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
