// Fake watch streams for FakeApiServer handlers.
#pragma once

#include <string>
#include <vector>

#include "fake_api_server.h"

namespace certchaos::testing {

inline std::string watchLine(const std::string& type, const nlohmann::json& object) {
  return nlohmann::json{{"type", type}, {"object", object}}.dump() + "\n";
}

inline nlohmann::json namedObject(const std::string& name, const std::string& rv,
                                  const std::string& ns = "ns") {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"resourceVersion", rv}}}};
}

// Answers with `chunks` written one by one, then either ends the stream or, with hold, keeps
// the connection open and silent until the server shuts down (a stalled watch).
inline void streamChunks(FakeApiServer& server, httplib::Response& res,
                         std::vector<std::string> chunks, bool hold) {
  res.status = 200;
  res.set_chunked_content_provider("application/json",
                                   [&server, chunks, hold](std::size_t, httplib::DataSink& sink) {
                                     for (const auto& c : chunks) {
                                       if (!sink.write(c.data(), c.size())) return false;
                                     }
                                     if (hold) server.holdUntilShutdown();
                                     sink.done();
                                     return true;
                                   });
}

inline nlohmann::json listOf(const std::vector<nlohmann::json>& items, const std::string& rv) {
  return {{"kind", "List"},
          {"apiVersion", "v1"},
          {"metadata", {{"resourceVersion", rv}}},
          {"items", items}};
}

}  // namespace certchaos::testing
