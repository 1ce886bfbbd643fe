// ReportRenderer: one Report to one document (terminal text, Markdown, HTML, report.json, JUnit
// XML), in-process, with no external toolchain.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"
#include "certchaos/report/report.h"

namespace certchaos::report {

struct RenderOptions {
  bool colour = false;  // ANSI colours (text only); the CLI sets it when stdout is a terminal
};

class ReportRenderer {
 public:
  virtual ~ReportRenderer() = default;
  virtual std::string render(const Report& report) const = 0;
  // The format name ("html") and the file name extension for it ("html", "xml" for junit).
  virtual std::string_view format() const = 0;
  virtual std::string_view fileExtension() const = 0;
};

// The valid format names, in the order help texts list them: text, md, html, json, junit.
std::span<const std::string_view> rendererFormats();

// A renderer by format name. An unknown name gives an error ("BadInput") listing the valid ones.
Result<std::unique_ptr<ReportRenderer>> makeRenderer(std::string_view format,
                                                     RenderOptions options = {});

}  // namespace certchaos::report
