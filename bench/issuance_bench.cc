// Benchmark: issuance latency and throughput through certchaos-issuer (a healthy, selfSigned
// ChaosIssuer) against cert-manager's own CA issuer (a CA Issuer on a self-signed root), on one
// local control plane in one run. Each side issues kCertificates ECDSA P-256 Certificates,
// created back to back; a watch times each from create to Ready=True. Also the resident memory
// of the certchaos-issuer and cm-controller processes. Ends with a summary table.
//
//   issuance_bench [--benchmark_counters_tabular=true]   (plane binaries: make controlplane)
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bench_plane.h"
#include "certchaos/kube/informer.h"

namespace certchaos::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kCertificates = 50;
constexpr auto kReadyTimeout = std::chrono::minutes(5);
const kube::ResourceRef kChaosIssuer{"certchaos.io", "v1alpha1", "chaosissuers", "ChaosIssuer",
                                     true};

double ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

bool isReady(const json& object) {
  for (const auto& c : object.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready" && c.value("status", "") == "True") return true;
  }
  return false;
}

// Waits, on a watch, until the named object is Ready=True.
Result<void> waitReady(const std::shared_ptr<kube::Client>& client,
                       const kube::ResourceRef& resource, const std::string& ns,
                       const std::string& name) {
  kube::ReflectorOptions options;
  options.fieldSelector = "metadata.name=" + name;
  kube::Informer informer(client, resource, ns, options);
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  auto check = [&](const kube::ObjectPtr& o) {
    std::lock_guard lock(mu);
    ready = ready || isReady(*o);
    cv.notify_all();
  };
  informer.addHandlers(
      {check, [&](const kube::ObjectPtr&, const kube::ObjectPtr& o) { check(o); }, nullptr});
  informer.start();
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, kReadyTimeout, [&] { return ready; })) {
    return makeError("NotReady", "expected " + resource.kind + " " + ns + "/" + name +
                                     " to become Ready within 5 minutes; it did not (see the "
                                     "plane's logs)");
  }
  return {};
}

struct Batch {
  std::vector<double> latenciesMs;         // create to Ready, per Certificate
  std::vector<double> requestLatenciesMs;  // first seen to Ready, per CertificateRequest
  double totalMs = 0;                      // first create to last Ready
};

// Creates `count` Certificates named prefix-<i> for issuerRef back to back and waits until all
// are Ready. Their CertificateRequests are timed too, from first sight to Ready: the issuer's
// part (approval, signing, status) without the Certificate controllers around it.
Result<Batch> issue(const std::shared_ptr<kube::Client>& client, const std::string& ns,
                    const json& issuerRef, const std::string& prefix, int count) {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, SteadyClock::time_point> readyAt;
  std::map<std::string, SteadyClock::time_point> requestSeenAt;
  std::map<std::string, SteadyClock::time_point> requestReadyAt;
  auto ours = [&](const std::string& certificateName) {
    return certificateName.rfind(prefix + "-", 0) == 0;
  };
  auto checkCertificate = [&](const kube::ObjectPtr& o) {
    if (!isReady(*o) || !ours((*o)["metadata"]["name"].get<std::string>())) return;
    std::lock_guard lock(mu);
    readyAt.emplace((*o)["metadata"]["name"].get<std::string>(), SteadyClock::now());
    cv.notify_all();
  };
  auto checkRequest = [&](const kube::ObjectPtr& o) {
    const auto& meta = (*o)["metadata"];
    const json annotations = meta.value("annotations", json::object());
    if (!ours(annotations.value("cert-manager.io/certificate-name", ""))) return;
    const auto name = meta["name"].get<std::string>();
    std::lock_guard lock(mu);
    requestSeenAt.emplace(name, SteadyClock::now());  // emplace: the first time only
    if (isReady(*o)) requestReadyAt.emplace(name, SteadyClock::now());
  };
  kube::Informer certificates(client, kube::resources::kCertificate, ns);
  certificates.addHandlers(
      {checkCertificate,
       [&](const kube::ObjectPtr&, const kube::ObjectPtr& o) { checkCertificate(o); }, nullptr});
  kube::Informer requests(client, kube::resources::kCertificateRequest, ns);
  requests.addHandlers({checkRequest,
                        [&](const kube::ObjectPtr&, const kube::ObjectPtr& o) { checkRequest(o); },
                        nullptr});
  certificates.start();
  requests.start();
  for (const auto* informer : {&certificates, &requests}) {
    if (!informer->waitForSync(std::chrono::seconds(60))) {
      return makeError("NoSync", "the watches in " + ns + " did not sync within 60 s");
    }
  }

  std::map<std::string, SteadyClock::time_point> createdAt;
  for (int i = 0; i < count; ++i) {
    const std::string name = prefix + "-" + std::to_string(i);
    json certificate = {{"metadata", {{"name", name}, {"namespace", ns}}},
                        {"spec",
                         {{"secretName", name + "-tls"},
                          {"dnsNames", {name + ".bench.test"}},
                          {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
                          {"issuerRef", issuerRef}}}};
    createdAt[name] = SteadyClock::now();
    if (auto created = client->create(kube::resources::kCertificate, certificate); !created) {
      return created.error();
    }
  }
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, kReadyTimeout, [&] { return readyAt.size() == createdAt.size(); })) {
    return makeError("NotReady", "expected " + std::to_string(count) + " Certificates " + prefix +
                                     "-* in " + ns + " to become Ready within 5 minutes; " +
                                     std::to_string(readyAt.size()) + " did");
  }
  Batch batch;
  auto first = createdAt.begin()->second;
  auto last = first;
  for (const auto& [name, created] : createdAt) {
    batch.latenciesMs.push_back(ms(readyAt[name] - created));
    first = std::min(first, created);
    last = std::max(last, readyAt[name]);
  }
  batch.totalMs = ms(last - first);
  for (const auto& [name, ready] : requestReadyAt) {
    batch.requestLatenciesMs.push_back(ms(ready - requestSeenAt[name]));
  }
  return batch;
}

enum class Side { kCertManagerCa, kCertchaos };

struct SideSetup {
  const char* label;
  std::string ns;
  json issuerRef;
  const char* signer;  // the plane component that signs
};

SideSetup setupOf(Side side) {
  if (side == Side::kCertManagerCa) {
    return {"cert-manager CA issuer",
            "bench-ca",
            {{"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "ca"}},
            "cm-controller"};
  }
  return {"certchaos-issuer (healthy)",
          "bench-chaos",
          {{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "chaos"}},
          "certchaos-issuer"};
}

struct SideResult {
  double p50 = 0, p95 = 0, max = 0, total = 0;
  double requestP50 = 0, requestP95 = 0;  // CertificateRequest seen -> Ready
};

// Shared by main and the benchmarks: one plane for the whole run.
BenchPlane* gPlane = nullptr;
std::shared_ptr<kube::Client> gClient;
std::map<Side, SideResult> gResults;

// The issuers, each Ready, and one Certificate through each so that neither side pays for a
// first use (connections, caches) in its measured batch.
Result<void> prepareIssuers(const BenchPlane& plane, const std::shared_ptr<kube::Client>& client) {
  for (Side side : {Side::kCertManagerCa, Side::kCertchaos}) {
    if (auto r = plane.createNamespace(setupOf(side).ns); !r) return r;
  }
  const std::string caNs = setupOf(Side::kCertManagerCa).ns;
  const std::vector<std::pair<kube::ResourceRef, json>> objects = {
      {kube::resources::kIssuer,
       {{"metadata", {{"name", "selfsigned"}, {"namespace", caNs}}},
        {"spec", {{"selfSigned", json::object()}}}}},
      {kube::resources::kCertificate,
       {{"metadata", {{"name", "root"}, {"namespace", caNs}}},
        {"spec",
         {{"isCA", true},
          {"commonName", "certchaos bench root"},
          {"secretName", "bench-root"},
          {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
          {"issuerRef",
           {{"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "selfsigned"}}}}}}},
      {kube::resources::kIssuer,
       {{"metadata", {{"name", "ca"}, {"namespace", caNs}}},
        {"spec", {{"ca", {{"secretName", "bench-root"}}}}}}},
      {kChaosIssuer,
       {{"metadata", {{"name", "chaos"}, {"namespace", setupOf(Side::kCertchaos).ns}}},
        {"spec", {{"selfSigned", json::object()}}}}},
  };
  for (const auto& [resource, object] : objects) {
    if (auto created = client->create(resource, object); !created) return created.error();
    const auto& meta = object["metadata"];
    if (auto r = waitReady(client, resource, meta["namespace"], meta["name"]); !r) return r;
  }
  for (Side side : {Side::kCertManagerCa, Side::kCertchaos}) {
    const auto s = setupOf(side);
    if (auto warm = issue(client, s.ns, s.issuerRef, "warm-up", 1); !warm) return warm.error();
  }
  return {};
}

void benchIssuance(benchmark::State& state, Side side) {
  const auto s = setupOf(side);
  for (auto _ : state) {
    auto batch = issue(gClient, s.ns, s.issuerRef, "cert", kCertificates);
    if (!batch) {
      state.SkipWithError(batch.error().message.c_str());
      break;
    }
    state.SetIterationTime(batch->totalMs / 1000);
    SideResult r{
        quantile(batch->latenciesMs, 0.50),        quantile(batch->latenciesMs, 0.95),
        quantile(batch->latenciesMs, 1.0),         batch->totalMs,
        quantile(batch->requestLatenciesMs, 0.50), quantile(batch->requestLatenciesMs, 0.95)};
    gResults[side] = r;
  }
  if (state.error_occurred()) return;
  const SideResult& r = gResults[side];
  state.counters["certificates"] = kCertificates;
  state.counters["p50_ms"] = r.p50;
  state.counters["p95_ms"] = r.p95;
  state.counters["max_ms"] = r.max;
  state.counters["total_ms"] = r.total;
  state.counters["certs_per_s"] = kCertificates / (r.total / 1000);
  state.counters["request_p50_ms"] = r.requestP50;
  state.counters["request_p95_ms"] = r.requestP95;
  if (auto pid = gPlane->componentPid(s.signer); pid) {
    if (auto rss = residentBytes(*pid); rss) state.counters["signer_rss_MiB"] = *rss / kMiB;
  }
  if (side == Side::kCertchaos && gResults.count(Side::kCertManagerCa) != 0) {
    const SideResult& ca = gResults[Side::kCertManagerCa];
    state.counters["p50_ratio_vs_ca"] = r.p50 / ca.p50;
    state.counters["total_ratio_vs_ca"] = r.total / ca.total;
    state.counters["request_p50_ratio_vs_ca"] = r.requestP50 / ca.requestP50;
  }
}

// The CA side first, so that the certchaos row can carry the ratio.
BENCHMARK_CAPTURE(benchIssuance, cert_manager_ca, Side::kCertManagerCa)
    ->Name("Issuance/cert-manager-ca/certificates:50")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(benchIssuance, certchaos_issuer, Side::kCertchaos)
    ->Name("Issuance/certchaos-issuer/certificates:50")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

std::string mib(const BenchPlane& plane, const char* component) {
  auto pid = plane.componentPid(component);
  if (!pid) return "?";
  auto rss = residentBytes(*pid);
  if (!rss) return "?";
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f MiB", *rss / kMiB);
  return text.data();
}

void printSummary(const BenchPlane& plane) {
  std::printf("\nIssuance of %d ECDSA P-256 Certificates per issuer, created back to back\n",
              kCertificates);
  std::printf("%-28s %27s %8s %8s %17s\n", "", "Certificate create -> Ready", "", "",
              "request -> Ready");
  std::printf("%-28s %8s %8s %8s %8s %8s %8s %8s\n", "issuer", "p50 ms", "p95 ms", "max ms",
              "total ms", "certs/s", "p50 ms", "p95 ms");
  for (Side side : {Side::kCertManagerCa, Side::kCertchaos}) {
    if (gResults.count(side) == 0) continue;
    const auto& r = gResults[side];
    std::printf("%-28s %8.0f %8.0f %8.0f %8.0f %8.2f %8.0f %8.0f\n", setupOf(side).label, r.p50,
                r.p95, r.max, r.total, kCertificates / (r.total / 1000), r.requestP50,
                r.requestP95);
  }
  if (gResults.count(Side::kCertManagerCa) != 0 && gResults.count(Side::kCertchaos) != 0) {
    const auto& ca = gResults[Side::kCertManagerCa];
    const auto& chaos = gResults[Side::kCertchaos];
    std::printf("%-28s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f\n", "ratio certchaos / CA",
                chaos.p50 / ca.p50, chaos.p95 / ca.p95, chaos.max / ca.max, chaos.total / ca.total,
                ca.total / chaos.total, chaos.requestP50 / ca.requestP50,
                chaos.requestP95 / ca.requestP95);
  }
  std::printf("resident memory after the run: certchaos-issuer %s, cm-controller %s\n",
              mib(plane, "certchaos-issuer").c_str(), mib(plane, "cm-controller").c_str());
}

}  // namespace
}  // namespace certchaos::bench

namespace certchaos::bench {
namespace {

int run(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  auto plane = BenchPlane::start();
  if (!plane) {
    std::fprintf(stderr, "issuance_bench: %s\n", plane.error().message.c_str());
    return 1;
  }
  gPlane = plane->get();
  auto client = gPlane->admin(/*qps=*/500);
  if (!client) {
    std::fprintf(stderr, "issuance_bench: %s\n", client.error().message.c_str());
    return 1;
  }
  gClient = *client;
  if (auto prepared = prepareIssuers(*gPlane, gClient); !prepared) {
    std::fprintf(stderr, "issuance_bench: preparing the issuers: %s\n",
                 prepared.error().message.c_str());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  printSummary(*gPlane);
  benchmark::Shutdown();
  gClient.reset();
  return 0;
}

}  // namespace
}  // namespace certchaos::bench

int main(int argc, char** argv) {
  try {
    return certchaos::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "issuance_bench: %s\n", e.what());
    return 1;
  }
}
