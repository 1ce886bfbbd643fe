// Benchmark: what certchaos-issuer itself costs, against cert-manager's own CA issuer on the same
// local control plane in the same run (issue 11, item 2). cm-controller runs with a client rate
// limit high enough that it is not the bottleneck (--kube-api-qps/--kube-api-burst, printed; the
// issuer gets the same).
//   - throughput: BENCH_CERTIFICATES (500) ECDSA P-256 Certificates through each issuer, created
//     back to back, first create to last Ready; ChaosIssuer ÷ CA issuer, target >= 1.0;
//   - the issuer's own latency, approved -> Ready=True written, from its histogram
//     certchaos_issuer_approved_to_ready_seconds, and as a watch sees it (first Approved=True
//     event to the Ready=True event), p50/p99, target p99 <= 5 ms;
//   - head-of-line: BENCH_HOL_REQUESTS (200) while BENCH_HOL_HELD (50) others are held by a
//     `sleep` fault, ÷ the same without holds (watch-observed approved -> Ready p50), <= 1.1;
//   - delay precision: BENCH_DELAY_REQUESTS (100) requests with `sleep` 5 s,
//     |Ready seen - (Approved seen + 5 s)| p99, target <= 50 ms;
//   - CPU per signature: the issuer's CPU time over the throughput batch ÷ its size, ÷ the time
//     of one ECDSA P-256 signature by `openssl speed` on this machine, target <= 3;
//   - resident memory of certchaos-issuer and cm-controller after each phase.
// Prints a table with targets and MET/MISSED and writes $BENCH_RESULTS (bench/results.json).
//
//   issuance_bench [--benchmark_counters_tabular=true]   (plane binaries: make controlplane)
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_plane.h"
#include "certchaos/api/cert_manager.h"
#include "certchaos/kube/informer.h"
#include "certchaos/localcluster/process.h"
#include "issuance_support.h"

namespace certchaos::bench {
namespace {

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n <= 0 || n > 1'000'000) {
    std::fprintf(stderr,
                 "issuance_bench: %s: expected a positive whole number, found '%s'; using %d\n",
                 name, v, fallback);
    return fallback;
  }
  return static_cast<int>(n);
}

struct Settings {
  int certificates = envInt("BENCH_CERTIFICATES", 500);
  int holRequests = envInt("BENCH_HOL_REQUESTS", 200);
  int holHeld = envInt("BENCH_HOL_HELD", 50);
  int delayRequests = envInt("BENCH_DELAY_REQUESTS", 100);
  int delaySeconds = 5;
  int cmQps = envInt("BENCH_CM_QPS", 1000);
  int cmBurst = envInt("BENCH_CM_BURST", 2000);
  // BENCH_ORDER: which throughput batch runs first, "ca,chaos" (default) or "chaos,ca".
  std::string order =
      std::getenv("BENCH_ORDER") != nullptr ? std::getenv("BENCH_ORDER") : "ca,chaos";
};
const Settings& settings() {
  static const Settings s;
  return s;
}

// ------------------------------------------------------------------------------------------
// The plane's processes and the issuer's histogram.

BenchPlane* gPlane = nullptr;
std::shared_ptr<kube::Client> gClient;

double rssMiB(const char* component) {
  auto pid = gPlane->componentPid(component);
  if (!pid) return -1;
  auto rss = residentBytes(*pid);
  return rss ? *rss / kMiB : -1;
}
double cpuOf(const char* component) {
  auto pid = gPlane->componentPid(component);
  if (!pid) return -1;
  auto cpu = cpuSeconds(*pid);
  return cpu ? *cpu : -1;
}

// Cumulative bucket counts of certchaos_issuer_approved_to_ready_seconds by upper bound.
using Buckets = std::map<double, double>;

Result<Buckets> issuerHistogram() {
  auto url = gPlane->componentUrl("certchaos-issuer");
  if (!url) return url.error();
  std::smatch m;
  static const std::regex hostPort(R"(^https?://([^:/]+):(\d+))");
  if (!std::regex_search(*url, m, hostPort)) {
    return makeError("BadUrl", "expected http://host:port for certchaos-issuer, found " + *url);
  }
  httplib::Client http(m[1].str(), std::stoi(m[2].str()));
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) {
    return makeError("NoMetrics", "GET " + *url + "/metrics failed");
  }
  static const std::regex bucket(
      R"re(certchaos_issuer_approved_to_ready_seconds_bucket\{le="([^"]+)"\} ([0-9.e+]+))re");
  Buckets out;
  for (auto it = std::sregex_iterator(res->body.begin(), res->body.end(), bucket);
       it != std::sregex_iterator(); ++it) {
    const std::string le = (*it)[1].str();
    out[le == "+Inf" ? INFINITY : std::stod(le)] = std::stod((*it)[2].str());
  }
  // The signing time alone (certchaos_issuer_signing_seconds), kept under negative keys: -1
  // its sum, -2 its count, so that a diff of two snapshots gives the mean signing time.
  static const std::regex signing(
      R"re(certchaos_issuer_signing_seconds_(sum|count) ([0-9.e+-]+))re");
  for (auto it = std::sregex_iterator(res->body.begin(), res->body.end(), signing);
       it != std::sregex_iterator(); ++it) {
    out[(*it)[1].str() == "sum" ? -1 : -2] = std::stod((*it)[2].str());
  }
  if (out.empty()) {
    return makeError("NoHistogram",
                     "expected certchaos_issuer_approved_to_ready_seconds in the issuer's "
                     "/metrics; it has none (an older certchaos-issuer?)");
  }
  return out;
}

// The q-quantile in ms of what was observed between two snapshots, interpolated linearly
// inside its bucket (as Prometheus' histogram_quantile); -1 for no observation.
double histogramQuantileMs(const Buckets& before, const Buckets& after, double q) {
  std::vector<std::pair<double, double>> diff;
  for (const auto& [le, count] : after) {
    if (le < 0) continue;  // the signing time's sum and count
    auto it = before.find(le);
    diff.emplace_back(le, count - (it == before.end() ? 0 : it->second));
  }
  if (diff.empty() || diff.back().second <= 0) return -1;
  const double rank = q * diff.back().second;
  double lower = 0, below = 0;
  for (const auto& [le, cumulative] : diff) {
    if (cumulative >= rank) {
      if (std::isinf(le)) return lower * 1000;  // past the last bound: its lower edge
      const double inBucket = cumulative - below;
      const double at = inBucket <= 0 ? 1 : (rank - below) / inBucket;
      return (lower + (le - lower) * at) * 1000;
    }
    lower = le;
    below = cumulative;
  }
  return -1;
}

// One ECDSA P-256 signature's time on this machine, in seconds, from `openssl speed`.
Result<double> opensslSignSeconds() {
  auto out = localcluster::runCommand(
      {localcluster::programOnPath("openssl"), "speed", "-seconds", "3", "ecdsap256"},
      std::chrono::seconds(60));
  if (!out) return out.error();
  std::istringstream lines(out->output);
  for (std::string line; std::getline(lines, line);) {
    const auto close = line.find("(nistp256)");
    if (close == std::string::npos || line.find("ecdsa") == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 10));
    std::string signTime, verifyTime;
    double signsPerSecond = 0;
    if (fields >> signTime >> verifyTime >> signsPerSecond && signsPerSecond > 0) {
      return 1.0 / signsPerSecond;
    }
  }
  return makeError("OpensslSpeed",
                   "expected a '256 bits ecdsa (nistp256) <sign> <verify> <sign/s> <verify/s>' "
                   "line from `openssl speed ecdsap256`; it printed:\n" +
                       out->output);
}

// ------------------------------------------------------------------------------------------
// The phases; each fills a row of the summary.

std::vector<Figure> gFigures;
json gResults = json::object();

struct Throughput {
  double settledS = 0;  // waited for a quiet plane before the batch
  double totalMs = 0;
  double cpuSeconds = 0;
  std::vector<double> approvedToReadyMs;
  Buckets before, after;
};
std::map<std::string, Throughput> gThroughput;  // "ca", "chaos"

void recordMemory(const std::string& phase) {
  gResults["memory"][phase] = {{"certchaos_issuer_MiB", rssMiB("certchaos-issuer")},
                               {"cm_controller_MiB", rssMiB("cm-controller")}};
}

void benchThroughput(benchmark::State& state, bool chaos) {
  const int n = settings().certificates;
  const std::string side = chaos ? "chaos" : "ca";
  const json ref = chaos
                       ? json{{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "chaos"}}
                       : json{{"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "ca"}};
  const char* signer = chaos ? "certchaos-issuer" : "cm-controller";
  for (auto _ : state) {
    Throughput t;
    // cert-manager's tail of the previous batch (deleting private-key Secrets, events) would be
    // paid by this one: fleet_bench measured the side run second slower, whichever it was.
    t.settledS = settle(*gPlane);
    if (chaos) {
      auto h = issuerHistogram();
      if (!h) {
        state.SkipWithError(h.error().message.c_str());
        break;
      }
      t.before = *h;
    }
    const double cpuBefore = cpuOf(signer);
    auto batch = issue(gClient, "bench-" + side, ref, "cert", n);
    if (!batch) {
      state.SkipWithError(batch.error().message.c_str());
      break;
    }
    t.cpuSeconds = cpuOf(signer) - cpuBefore;
    t.totalMs = batch->totalMs;
    t.approvedToReadyMs = batch->approvedToReadyMs;
    if (chaos) {
      auto h = issuerHistogram();
      if (!h) {
        state.SkipWithError(h.error().message.c_str());
        break;
      }
      t.after = *h;
    }
    state.SetIterationTime(t.totalMs / 1000);
    gThroughput[side] = t;
  }
  if (state.error_occurred()) return;
  const auto& t = gThroughput[side];
  state.counters["certificates"] = n;
  state.counters["certs_per_s"] = n / (t.totalMs / 1000);
  state.counters["watch_approved_to_ready_p50_ms"] = quantile(t.approvedToReadyMs, 0.5);
  state.counters["watch_approved_to_ready_p99_ms"] = quantile(t.approvedToReadyMs, 0.99);
  state.counters["signer_cpu_ms_per_cert"] = t.cpuSeconds * 1000 / n;
  state.counters["settled_before_s"] = t.settledS;
  state.counters["issuer_rss_MiB"] = rssMiB("certchaos-issuer");
  state.counters["cm_controller_rss_MiB"] = rssMiB("cm-controller");
  recordMemory("throughput-" + side);
}

struct HeadOfLine {
  std::vector<double> alone, whileHeld;
  double totalAloneMs = 0, totalHeldMs = 0;
};
HeadOfLine gHol;

// A namespace where faults may act (the opt-in label) with a ChaosIssuer holding every request
// for `delay`.
Result<void> sleepingIssuer(const std::string& ns, const std::string& delay) {
  if (auto r = gPlane->createNamespace(ns); !r) return r;
  auto labelled = gClient->patch(kube::resources::kNamespace, "", ns, kube::PatchType::kMerge,
                                 {{"metadata", {{"labels", {{"certchaos.io/chaos", "enabled"}}}}}});
  if (!labelled) return labelled.error();
  return createIssuer(
      gClient, ns, "sleepy",
      {{"faults", json::array({{{"type", "sleep"}, {"parameters", {{"delay", delay}}}}})}});
}

const json kSleepyRef = {{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "sleepy"}};

void benchHeadOfLine(benchmark::State& state, bool held) {
  const int n = settings().holRequests;
  for (auto _ : state) {
    const std::string ns = held ? "bench-hol-held" : "bench-hol-alone";
    auto r = gPlane->createNamespace(ns);
    if (r) r = createIssuer(gClient, ns, "chaos", json::object());
    std::unique_ptr<NamespaceWatch> holds;
    if (r && held) {
      // The holds first, each seen held, then the measured batch.
      const std::string holdNs = "bench-hol-holds";
      r = sleepingIssuer(holdNs, "1h");
      if (r) {
        holds = std::make_unique<NamespaceWatch>(gClient, holdNs);
        r = holds->synced(holdNs);
      }
      for (int i = 0; r && i < settings().holHeld; ++i) {
        auto created = gClient->create(
            api::kCertificate, certificate(holdNs, "held-" + std::to_string(i), kSleepyRef));
        if (!created) r = created.error();
      }
      const auto want = static_cast<std::size_t>(settings().holHeld);
      if (r && !holds->waitUntil([&] { return holds->heldRequests("held") >= want; })) {
        r = makeError("NotHeld", "expected " + std::to_string(want) +
                                     " requests held by the sleep fault; " + kStalled);
      }
    }
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    auto batch = issue(gClient, ns, kHealthyRef, "hol", n);
    if (!batch) {
      state.SkipWithError(batch.error().message.c_str());
      break;
    }
    if (held && holds->heldRequests("held") < static_cast<std::size_t>(settings().holHeld)) {
      state.SkipWithError("a held request was no longer held at the end of the batch");
      break;
    }
    state.SetIterationTime(batch->totalMs / 1000);
    (held ? gHol.whileHeld : gHol.alone) = batch->approvedToReadyMs;
    (held ? gHol.totalHeldMs : gHol.totalAloneMs) = batch->totalMs;
  }
  if (state.error_occurred()) return;
  const auto& samples = held ? gHol.whileHeld : gHol.alone;
  state.counters["requests"] = n;
  state.counters["held"] = held ? settings().holHeld : 0;
  state.counters["watch_approved_to_ready_p50_ms"] = quantile(samples, 0.5);
  state.counters["watch_approved_to_ready_p99_ms"] = quantile(samples, 0.99);
  state.counters["issuer_rss_MiB"] = rssMiB("certchaos-issuer");
  state.counters["cm_controller_rss_MiB"] = rssMiB("cm-controller");
  recordMemory(held ? "head-of-line-held" : "head-of-line-alone");
}

std::vector<double> gDelayErrorsMs;

void benchDelayPrecision(benchmark::State& state) {
  const int n = settings().delayRequests;
  const std::string ns = "bench-delay";
  for (auto _ : state) {
    auto r = sleepingIssuer(ns, std::to_string(settings().delaySeconds) + "s");
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    auto batch = issue(gClient, ns, kSleepyRef, "delayed", n);
    if (!batch) {
      state.SkipWithError(batch.error().message.c_str());
      break;
    }
    state.SetIterationTime(batch->totalMs / 1000);
    gDelayErrorsMs.clear();
    for (double t : batch->approvedToReadyMs) {
      gDelayErrorsMs.push_back(std::abs(t - settings().delaySeconds * 1000.0));
    }
  }
  if (state.error_occurred()) return;
  state.counters["requests"] = n;
  state.counters["error_p50_ms"] = quantile(gDelayErrorsMs, 0.5);
  state.counters["error_p99_ms"] = quantile(gDelayErrorsMs, 0.99);
  state.counters["issuer_rss_MiB"] = rssMiB("certchaos-issuer");
  state.counters["cm_controller_rss_MiB"] = rssMiB("cm-controller");
  recordMemory("delay-precision");
}

void registerBenchmarks() {
  const auto n = std::to_string(settings().certificates);
  // BENCH_ORDER=chaos,ca runs the ChaosIssuer's batch first (default: the CA issuer's): the
  // side run first also pays for the plane's first use; run both orders.
  const bool chaosFirst = settings().order == "chaos,ca";
  for (const bool chaos :
       chaosFirst ? std::vector<bool>{true, false} : std::vector<bool>{false, true}) {
    benchmark::RegisterBenchmark(((chaos ? "Throughput/certchaos-issuer/certificates:"
                                         : "Throughput/cert-manager-ca/certificates:") +
                                  n)
                                     .c_str(),
                                 [chaos](benchmark::State& s) { benchThroughput(s, chaos); })
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  const auto hol = std::to_string(settings().holRequests);
  benchmark::RegisterBenchmark(("HeadOfLine/alone/requests:" + hol).c_str(),
                               [](benchmark::State& s) { benchHeadOfLine(s, false); })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      ("HeadOfLine/held:" + std::to_string(settings().holHeld) + "/requests:" + hol).c_str(),
      [](benchmark::State& s) { benchHeadOfLine(s, true); })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      ("DelayPrecision/sleep:5s/requests:" + std::to_string(settings().delayRequests)).c_str(),
      benchDelayPrecision)
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

void summarize(double signSeconds) {
  const auto& s = settings();
  const std::string load = loadNow();
  std::printf(
      "\ncm-controller and certchaos-issuer client rate limit: --kube-api-qps=%d "
      "--kube-api-burst=%d\n",
      s.cmQps, s.cmBurst);
  if (gThroughput.count("ca") != 0 && gThroughput.count("chaos") != 0) {
    const auto& ca = gThroughput["ca"];
    const auto& chaos = gThroughput["chaos"];
    const double caRate = s.certificates / (ca.totalMs / 1000);
    const double chaosRate = s.certificates / (chaos.totalMs / 1000);
    gFigures.push_back({"throughput, " + std::to_string(s.certificates) +
                            " ECDSA P-256 Certificates: ChaosIssuer / CA issuer",
                        fmt("%.2f (%.1f / %.1f certs/s)", chaosRate / caRate, chaosRate, caRate),
                        chaosRate / caRate, ">= 1.0", chaosRate / caRate >= 1.0, load});
    const double p50 = histogramQuantileMs(chaos.before, chaos.after, 0.5);
    const double p99 = histogramQuantileMs(chaos.before, chaos.after, 0.99);
    auto delta = [&](double key) {
      auto a = chaos.after.find(key);
      auto b = chaos.before.find(key);
      return (a == chaos.after.end() ? 0 : a->second) - (b == chaos.before.end() ? 0 : b->second);
    };
    const double signingMs = delta(-2) > 0 ? delta(-1) / delta(-2) * 1000 : -1;
    gFigures.push_back({"issuer approved -> Ready written (its histogram) p50 / p99",
                        fmt("%.2f / %.2f ms (signing alone: mean %.2f ms)", p50, p99, signingMs),
                        p99, "p99 <= 5 ms", p99 >= 0 && p99 <= 5, load});
    const double w50 = quantile(chaos.approvedToReadyMs, 0.5);
    const double w99 = quantile(chaos.approvedToReadyMs, 0.99);
    const double c50 = quantile(ca.approvedToReadyMs, 0.5);
    const double c99 = quantile(ca.approvedToReadyMs, 0.99);
    gFigures.push_back({"approved -> Ready as a watch sees it p50 / p99 (CA issuer)",
                        fmt("%.1f / %.1f ms", w50, w99) + fmt(" (%.1f / %.1f ms)", c50, c99), w99,
                        "p99 <= 5 ms", w99 <= 5, load});
    const double perSignature = chaos.cpuSeconds / s.certificates;
    const double caPerSignature = ca.cpuSeconds / s.certificates;
    const double cpuRatio = signSeconds > 0 ? perSignature / signSeconds : -1;
    gFigures.push_back(
        {"issuer CPU per signature / openssl speed ECDSA P-256 sign",
         fmt("%.1f (%.3f ms / %.4f ms)", cpuRatio, perSignature * 1000, signSeconds * 1000) +
             fmt("; cm-controller per CA issuance %.3f ms", caPerSignature * 1000),
         cpuRatio, "<= 3", cpuRatio >= 0 && cpuRatio <= 3, load});
    gResults["throughput"] = {
        {"certificates", s.certificates},
        {"ca_total_ms", ca.totalMs},
        {"chaos_total_ms", chaos.totalMs},
        {"settled_before_s", {{"ca", ca.settledS}, {"chaos", chaos.settledS}}},
        {"ratio", chaosRate / caRate},
        {"issuer_histogram_p50_ms", p50},
        {"issuer_histogram_p99_ms", p99},
        {"issuer_signing_mean_ms", signingMs},
        {"watch_p50_ms", w50},
        {"watch_p99_ms", w99},
        {"ca_watch_p50_ms", c50},
        {"ca_watch_p99_ms", c99},
        {"issuer_cpu_ms_per_signature", perSignature * 1000},
        {"cm_controller_cpu_ms_per_issuance", caPerSignature * 1000},
        {"openssl_sign_ms", signSeconds * 1000},
        {"cpu_ratio", cpuRatio}};
  }
  if (!gHol.alone.empty() && !gHol.whileHeld.empty()) {
    const double ratio = quantile(gHol.whileHeld, 0.5) / quantile(gHol.alone, 0.5);
    const double ratio99 = quantile(gHol.whileHeld, 0.99) / quantile(gHol.alone, 0.99);
    gFigures.push_back({"head-of-line: " + std::to_string(s.holRequests) + " requests with " +
                            std::to_string(s.holHeld) +
                            " held / alone (approved -> Ready p50; p99)",
                        fmt("%.2f; %.2f", ratio, ratio99) +
                            fmt(" (p50 %.1f / %.1f ms, total %.0f", quantile(gHol.whileHeld, 0.5),
                                quantile(gHol.alone, 0.5), gHol.totalHeldMs) +
                            fmt(" / %.0f ms)", gHol.totalAloneMs),
                        ratio, "<= 1.1", ratio <= 1.1, load});
    gResults["head_of_line"] = {{"requests", s.holRequests},
                                {"held", s.holHeld},
                                {"p50_ratio", ratio},
                                {"p99_ratio", ratio99},
                                {"alone_total_ms", gHol.totalAloneMs},
                                {"held_total_ms", gHol.totalHeldMs}};
  }
  if (!gDelayErrorsMs.empty()) {
    const double p99 = quantile(gDelayErrorsMs, 0.99);
    gFigures.push_back({"delay precision: |Ready - (Approved + 5 s)| p50 / p99, " +
                            std::to_string(s.delayRequests) + " requests",
                        fmt("%.1f / %.1f ms", quantile(gDelayErrorsMs, 0.5), p99), p99,
                        "p99 <= 50 ms", p99 <= 50, load});
    gResults["delay_precision"] = {{"requests", s.delayRequests},
                                   {"error_p50_ms", quantile(gDelayErrorsMs, 0.5)},
                                   {"error_p99_ms", p99}};
  }
  printFigures(gFigures);
  const json figures = figuresJson(gFigures);
  std::printf("resident memory after each phase (certchaos-issuer, cm-controller):\n");
  const json memory = gResults.value("memory", json::object());
  for (const auto& [phase, m] : memory.items()) {
    std::printf("  %-22s %.1f MiB, %.1f MiB\n", phase.c_str(),
                m["certchaos_issuer_MiB"].get<double>(), m["cm_controller_MiB"].get<double>());
  }
  std::printf("load average (1/5/15 min) at the end: %s, %ld CPUs\n", load.c_str(),
              sysconf(_SC_NPROCESSORS_ONLN));
  gResults["figures"] = figures;
  gResults["settings"] = {{"order", s.order},
                          {"certificates", s.certificates},
                          {"hol_requests", s.holRequests},
                          {"hol_held", s.holHeld},
                          {"delay_requests", s.delayRequests},
                          {"delay_seconds", s.delaySeconds},
                          {"cm_controller_kube_api_qps", s.cmQps},
                          {"cm_controller_kube_api_burst", s.cmBurst},
                          {"issuer_kube_api_qps", s.cmQps},
                          {"issuer_kube_api_burst", s.cmBurst}};
  gResults["machine"] = {{"cpus", sysconf(_SC_NPROCESSORS_ONLN)}, {"load_at_end", load}};
  const char* commit = std::getenv("BENCH_COMMIT");
  gResults["commit"] = commit != nullptr ? commit : "";
  const char* path = std::getenv("BENCH_RESULTS");
  const std::string out = path != nullptr && *path != '\0' ? path : "bench/results.json";
  std::ofstream file(out);
  file << gResults.dump(2) << "\n";
  if (file) {
    std::printf("results: %s\n", out.c_str());
  } else {
    std::fprintf(stderr, "issuance_bench: cannot write %s (set BENCH_RESULTS)\n", out.c_str());
  }
}

int run(int argc, char** argv) {
  const auto& s = settings();
  if (s.order != "ca,chaos" && s.order != "chaos,ca") {
    std::fprintf(stderr, "issuance_bench: BENCH_ORDER: expected ca,chaos or chaos,ca, found '%s'\n",
                 s.order.c_str());
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  auto signSeconds = opensslSignSeconds();
  if (!signSeconds)
    std::fprintf(stderr, "issuance_bench: %s\n", signSeconds.error().message.c_str());
  std::printf("starting a plane; cm-controller --kube-api-qps=%d --kube-api-burst=%d\n", s.cmQps,
              s.cmBurst);
  auto plane = startIssuancePlane(s.cmQps, s.cmBurst);
  if (!plane) {
    std::fprintf(stderr, "issuance_bench: %s\n", plane.error().message.c_str());
    return 1;
  }
  gPlane = plane->plane.get();
  gClient = plane->client;
  registerBenchmarks();
  benchmark::RunSpecifiedBenchmarks();
  summarize(signSeconds ? *signSeconds : -1);
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
