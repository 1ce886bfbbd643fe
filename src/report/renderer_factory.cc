#include <array>

#include "certchaos/report/renderer.h"
#include "renderers.h"

namespace certchaos::report {
namespace {
constexpr std::array<std::string_view, 5> kFormats{"text", "md", "html", "json", "junit"};
}  // namespace

std::span<const std::string_view> rendererFormats() { return kFormats; }

Result<std::unique_ptr<ReportRenderer>> makeRenderer(std::string_view format,
                                                     RenderOptions options) {
  if (format == "text") return detail::makeTextRenderer(options);
  if (format == "md") return detail::makeMarkdownRenderer();
  if (format == "html") return detail::makeHtmlRenderer();
  if (format == "json") return detail::makeJsonRenderer();
  if (format == "junit") return detail::makeJunitRenderer();
  std::string valid;
  for (auto f : kFormats) {
    valid += valid.empty() ? "" : ", ";
    valid += f;
  }
  return makeError("BadInput", "unknown report format \"" + std::string(format) +
                                   "\"; valid formats: " + valid + " (e.g. -o html)");
}

}  // namespace certchaos::report
