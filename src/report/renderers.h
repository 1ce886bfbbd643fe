// The concrete renderers (private to src/report); makeRenderer() picks one by format name.
#pragma once

#include <memory>

#include "certchaos/report/renderer.h"

namespace certchaos::report::detail {

std::unique_ptr<ReportRenderer> makeTextRenderer(RenderOptions options);
std::unique_ptr<ReportRenderer> makeMarkdownRenderer();
std::unique_ptr<ReportRenderer> makeHtmlRenderer();
std::unique_ptr<ReportRenderer> makeJsonRenderer();
std::unique_ptr<ReportRenderer> makeJunitRenderer();

}  // namespace certchaos::report::detail
