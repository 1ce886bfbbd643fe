// Where the Kubernetes client's own log lines go ("watch stalled, reconnecting", "401, re-reading
// credentials"...): stderr by default. A program that draws progress on stderr (the certchaos
// CLI) routes them through its own output instead, so that a client warning never lands in the
// middle of a progress line, and can keep them in a log file.
#pragma once

#include <functional>
#include <string_view>

namespace certchaos::kube {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// `message`: one key=value line without level or time, e.g.
// `msg="watch stalled, reconnecting" resource=secrets resourceVersion=42`.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

// Replaces where the lines go; an empty sink restores stderr. Safe to call while clients log.
void setLogSink(LogSink sink);

}  // namespace certchaos::kube
