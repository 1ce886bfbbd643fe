// A watch response body as a server (or a proxy in between) may send it, cut into chunks where
// the input has a 0xff byte: lines, events, ERROR Statuses. Also every line as the body of a
// non-2xx reply. No crash, and every line the buffer hands out is whole.
#include "certchaos/kube/errors.h"
#include "certchaos/kube/watch.h"
#include "fuzz_check.h"

using namespace certchaos::kube;
using certchaos::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body = certchaos::fuzz::asText(data, size);
  const RequestDescription request{"watch", "configmaps", "ns/*"};
  LineBuffer lines(4096);
  auto onLine = [&](std::string_view line) {
    check(line.find('\n') == std::string_view::npos, "a line has no newline");
    check(line.size() <= 4096, "a line fits the buffer's limit");
    auto event = decodeWatchLine(line, request, "v1", "ConfigMap");
    if (!event) {
      check(!event.error().message.empty(), "a refused line says why");
      return true;
    }
    (void)resourceVersionOf(*event);
    check(event->object.contains("apiVersion") || event->type == WatchEventType::kBookmark,
          "a delivered object has an apiVersion");
    (void)statusToError(request, 500, line);
    return true;
  };
  while (!body.empty()) {
    auto cut = body.find('\xff');
    if (!lines.append(body.substr(0, cut), onLine)) break;
    body = cut == std::string_view::npos ? std::string_view() : body.substr(cut + 1);
  }
  return 0;
}
