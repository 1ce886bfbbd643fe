#include "certchaos/report/report_json.h"
#include "renderers.h"

namespace certchaos::report::detail {
namespace {

class JsonRenderer final : public ReportRenderer {
 public:
  std::string render(const Report& report) const override { return toJsonText(report); }
  std::string_view format() const override { return "json"; }
  std::string_view fileExtension() const override { return "json"; }
};

}  // namespace

std::unique_ptr<ReportRenderer> makeJsonRenderer() { return std::make_unique<JsonRenderer>(); }

}  // namespace certchaos::report::detail
