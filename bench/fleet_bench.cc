// Benchmark: the fleet (issue 11, item 3). FLEET (20000) ECDSA P-256 Certificates brought to Ready
// on cert-manager's CA issuer and on one ChaosIssuer in the same run, then every one of them forced
// to renew at once (the storm, as `cmctl renew` forces it). cm-controller runs with a client rate
// limit high enough that it is not the bottleneck (--kube-api-qps/--kube-api-burst, printed; the
// issuer gets the same).
// Figures, each with its target and MET/MISSED:
//   - time to all Ready, ChaosIssuer ÷ CA issuer, target <= 1.0 (and the same for the storm);
//   - peak resident memory of certchaos-issuer over the whole run (sampled every 250 ms),
//     target <= 64 MiB (cm-controller's printed beside it);
//   - peak requests in flight (created, not yet Ready) during each phase, at most one per
//     Certificate;
//   - requests lost: Certificates not Ready at their renewed revision, and requests never
//     answered, at the end; target 0.
// Where the time went, for each side and phase: the CPU seconds each plane process (and this
// benchmark) used, and how busy the machine was (of its CPUs × the phase's wall time): a ratio
// above 1 on a saturated machine is the extra CPU work of one side, measured. Each phase starts
// once the plane is quiet (settle()). Each side runs on a fresh plane of its own, one after the
// other: on a shared plane the second side found the first one's objects in the cluster and paid
// for them (FLEET=5000, ChaosIssuer second: cm-controller 130 ms of CPU an issuance against 100 on
// the CA side, and the plane still busy with the first side's tail after settle()'s 2 minutes).
// FLEET_ORDER=chaos,ca runs the ChaosIssuer's side first (default ca,chaos).
// Writes the figures under "fleet" in $BENCH_RESULTS (bench/results.json), keeping what
// issuance_bench wrote there.
//
//   FLEET=500 fleet_bench     (make bench-fleet FLEET=500; plane binaries: make controlplane)
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/localcluster/process.h"
#include "certchaos/scenario/renew.h"
#include "issuance_support.h"

namespace certchaos::bench {
namespace {

constexpr int kStormThreads = 4;  // renewals forced in parallel, as many clients would

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n <= 0 || n > 1'000'000) {
    std::fprintf(stderr,
                 "fleet_bench: %s: expected a positive whole number, found '%s'; using %d\n", name,
                 v, fallback);
    return fallback;
  }
  return static_cast<int>(n);
}

// The peak resident memory of the plane's components while the benchmark runs.
class RssSampler {
 public:
  explicit RssSampler(const BenchPlane& plane) : plane_(plane) {
    thread_ = std::jthread([this](const std::stop_token& stop) {
      while (!stop.stop_requested()) {
        sample();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    });
  }
  double peakIssuerMiB() const { return issuer_.load(); }
  double peakCmControllerMiB() const { return cm_.load(); }
  void sample() {
    raise(issuer_, "certchaos-issuer");
    raise(cm_, "cm-controller");
  }

 private:
  void raise(std::atomic<double>& peak, const char* component) {
    auto pid = plane_.componentPid(component);
    if (!pid) return;
    auto rss = residentBytes(*pid);
    if (!rss) return;
    double seen = peak.load();
    while (*rss / kMiB > seen && !peak.compare_exchange_weak(seen, *rss / kMiB)) {
    }
  }
  const BenchPlane& plane_;
  std::atomic<double> issuer_{0}, cm_{0};
  std::jthread thread_;
};

// CPU seconds used by each plane process and this benchmark, and the machine's busy CPU seconds
// (all CPUs, from /proc/stat), at one moment; a phase's use is the difference of two.
struct CpuUse {
  std::map<std::string, double> seconds;   // component → CPU s
  std::map<std::string, double> requests;  // "VERB resource[/subresource]" → API requests served
  double machineBusy = 0;
  double wall = 0;  // steady clock, s
};

constexpr const char* kCpuComponents[] = {"kube-apiserver", "etcd", "cm-controller",
                                          "certchaos-issuer"};

double machineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

CpuUse cpuNow(const BenchPlane& plane) {
  CpuUse use;
  use.requests = apiRequests(plane);
  for (const char* c : kCpuComponents) {
    if (auto pid = plane.componentPid(c)) {
      if (auto s = cpuSeconds(*pid)) use.seconds[c] = *s;
    }
  }
  if (auto self = cpuSeconds(getpid())) use.seconds["benchmark"] = *self;
  use.machineBusy = machineBusySeconds();
  use.wall = std::chrono::duration<double>(SteadyClock::now().time_since_epoch()).count();
  return use;
}

CpuUse operator-(const CpuUse& after, const CpuUse& before) {
  CpuUse d;
  for (const auto& [c, s] : after.seconds) {
    auto b = before.seconds.find(c);
    d.seconds[c] = s - (b == before.seconds.end() ? 0 : b->second);
  }
  for (const auto& [k, n] : after.requests) {
    auto b = before.requests.find(k);
    const double delta = n - (b == before.requests.end() ? 0 : b->second);
    if (delta > 0) d.requests[k] = delta;
  }
  d.machineBusy = after.machineBusy - before.machineBusy;
  d.wall = after.wall - before.wall;
  return d;
}

std::string describe(const CpuUse& u) {
  std::string out;
  for (const auto& [c, s] : u.seconds) out += c + fmt(" %.1f, ", s);
  const double available = u.wall * static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
  out += fmt("machine busy %.1f of %.1f CPU s", u.machineBusy, available);
  out += fmt(" (%.0f%%)", available > 0 ? 100 * u.machineBusy / available : 0);
  // The API requests the phase made, the most frequent first.
  std::vector<std::pair<double, std::string>> byCount;
  double total = 0;
  for (const auto& [k, n] : u.requests) {
    byCount.emplace_back(n, k);
    total += n;
  }
  std::sort(byCount.rbegin(), byCount.rend());
  out += fmt("; %.0f API requests:", total);
  for (std::size_t i = 0; i < byCount.size() && i < 8; ++i) {
    out += " " + byCount[i].second + fmt(" %.0f", byCount[i].first);
  }
  return out;
}

json cpuJson(const CpuUse& u) {
  json j = {{"wall_s", u.wall}, {"machine_busy_cpu_s", u.machineBusy}};
  for (const auto& [c, s] : u.seconds) j["cpu_s"][c] = s;
  for (const auto& [k, n] : u.requests) j["api_requests"][k] = n;
  return j;
}

struct Side {
  CpuUse readyCpu, stormCpu;
  double readyMs = 0;  // first create to last Ready
  int peakInFlight = 0;
  double settledS = 0, stormSettledS = 0;  // waited for the plane to be quiet before each phase
  double stormMs = 0;  // first forced renewal to the last Certificate Ready at revision 2
  int stormPeakInFlight = 0;
  int notRenewed = 0;  // Certificates not Ready at revision 2 at the end
  int unanswered = 0;  // requests not Ready at the end
  int requests = 0;    // of the fleet, at the end
  // Certificates that needed more than one request per revision (2 in all), and one of them.
  int moreThanTwo = 0;
  std::string example;
};

// Forces the renewal of fleet-0..n-1 from kStormThreads threads; the first error is returned.
Result<void> storm(const std::shared_ptr<kube::Client>& client, const std::string& ns, int n) {
  std::atomic<int> next{0};
  std::mutex mu;
  std::optional<Error> failed;
  {
    std::vector<std::jthread> threads;
    threads.reserve(kStormThreads);
    for (int t = 0; t < kStormThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = next++; i < n; i = next++) {
          auto forced =
              scenario::forceRenewal(*client, ns, "fleet-" + std::to_string(i), client->clock());
          if (!forced) {
            std::lock_guard lock(mu);
            if (!failed) failed = forced.error();
            return;
          }
        }
      });
    }
  }
  if (failed) return *failed;
  return {};
}

Result<Side> runSide(const BenchPlane& plane, const std::shared_ptr<kube::Client>& client,
                     const std::string& ns, const json& issuerRef, int n) {
  Side side;
  NamespaceWatch watch(client, ns);
  if (auto r = watch.synced(ns); !r) return r.error();
  side.settledS = settle(plane);
  const CpuUse start = cpuNow(plane);
  auto batch = issue(client, ns, issuerRef, "fleet", n);
  if (!batch) return batch.error();
  const CpuUse issued = cpuNow(plane);
  side.readyCpu = issued - start;
  side.readyMs = batch->totalMs;
  side.peakInFlight = watch.peakInFlight();

  side.stormSettledS = settle(plane);
  watch.resetPeak();
  const CpuUse stormStart = cpuNow(plane);
  const auto forcedAt = SteadyClock::now();
  if (auto forced = storm(client, ns, n); !forced) return forced.error();
  const auto want = static_cast<std::size_t>(n);
  const bool renewed = watch.waitUntil([&] { return watch.readyAtRevision(2) >= want; });
  side.stormMs = ms(SteadyClock::now() - forcedAt);
  side.stormCpu = cpuNow(plane) - stormStart;
  side.stormPeakInFlight = watch.peakInFlight();
  watch.waitUntil([&] {  // returns at once: read under the watch's lock
    side.notRenewed = n - static_cast<int>(watch.readyAtRevision(2));
    return true;
  });
  if (!renewed) side.stormMs = -1;
  std::map<std::string, int> perCertificate;  // cert-manager names them <certificate>-<n>
  for (const auto& [name, r] : watch.requests()) {
    if (name.rfind("fleet-", 0) != 0) continue;
    ++side.requests;
    if (!r.ready) ++side.unanswered;
    ++perCertificate[name.substr(0, name.rfind('-'))];
  }
  for (const auto& [certificate, count] : perCertificate) {
    if (count <= 2) continue;
    ++side.moreThanTwo;
    if (side.example.empty()) side.example = certificate + " (" + std::to_string(count) + ")";
  }
  return side;
}

int run() {
  const int n = envInt("FLEET", 20000);
  const int cmQps = envInt("BENCH_CM_QPS", 1000);
  const int cmBurst = envInt("BENCH_CM_BURST", 2000);
  std::printf(
      "fleet_bench: %d Certificates per issuer, each side on a fresh plane; cm-controller "
      "--kube-api-qps=%d --kube-api-burst=%d\n",
      n, cmQps, cmBurst);
  std::map<std::string, Side> sides;
  double peakIssuerMiB = 0, peakCmMiB = 0;  // over both planes
  const char* orderEnv = std::getenv("FLEET_ORDER");
  const std::string order = orderEnv != nullptr && *orderEnv != '\0' ? orderEnv : "ca,chaos";
  if (order != "ca,chaos" && order != "chaos,ca") {
    std::fprintf(stderr, "fleet_bench: FLEET_ORDER: expected ca,chaos or chaos,ca, found '%s'\n",
                 order.c_str());
    return 2;
  }
  std::vector<std::tuple<const char*, const char*, json>> plan = {
      {"ca", "bench-ca", kCaRef}, {"chaos", "bench-chaos", kHealthyRef}};
  if (order == "chaos,ca") std::swap(plan[0], plan[1]);
  for (const auto& [name, ns, ref] : plan) {
    std::printf("%s: a fresh plane, %d Certificates to Ready, then the storm...\n", name, n);
    std::fflush(stdout);
    auto plane = startIssuancePlane(cmQps, cmBurst);
    if (!plane) {
      std::fprintf(stderr, "fleet_bench: %s\n", plane.error().message.c_str());
      return 1;
    }
    RssSampler rss(*plane->plane);
    auto side = runSide(*plane->plane, plane->client, ns, ref, n);
    if (!side) {
      std::fprintf(stderr, "fleet_bench: %s: %s\n", name, side.error().message.c_str());
      return 1;
    }
    rss.sample();
    peakIssuerMiB = std::max(peakIssuerMiB, rss.peakIssuerMiB());
    peakCmMiB = std::max(peakCmMiB, rss.peakCmControllerMiB());
    sides[name] = *side;
    std::printf(
        "%s: all Ready in %.1f s, storm renewed in %.1f s (the plane quiet after %.1f s / %.1f s "
        "before each)\n",
        name, side->readyMs / 1000, side->stormMs / 1000, side->settledS, side->stormSettledS);
    std::printf("  CPU s while issuing: %s\n  CPU s during the storm: %s\n",
                describe(side->readyCpu).c_str(), describe(side->stormCpu).c_str());
  }

  const auto& ca = sides["ca"];
  const auto& chaos = sides["chaos"];
  const std::string load = loadNow();
  std::vector<Figure> figures;
  const double readyRatio = chaos.readyMs / ca.readyMs;
  figures.push_back(
      {"time to all Ready, " + std::to_string(n) + " Certificates: ChaosIssuer / CA issuer",
       fmt("%.2f (%.1f s / %.1f s)", readyRatio, chaos.readyMs / 1000, ca.readyMs / 1000),
       readyRatio, "<= 1.0", readyRatio <= 1.0, load});
  const bool stormDone = chaos.stormMs > 0 && ca.stormMs > 0;
  const double stormRatio = stormDone ? chaos.stormMs / ca.stormMs : -1;
  figures.push_back({"storm: all renewed at once, time to all Ready: ChaosIssuer / CA issuer",
                     stormDone ? fmt("%.2f (%.1f s / %.1f s)", stormRatio, chaos.stormMs / 1000,
                                     ca.stormMs / 1000)
                               : std::string("not all renewed: ") + kStalled,
                     stormRatio, "<= 1.0", stormDone && stormRatio <= 1.0, load});
  figures.push_back({"peak certchaos-issuer RSS over the run (cm-controller)",
                     fmt("%.1f MiB (%.1f MiB)", peakIssuerMiB, peakCmMiB), peakIssuerMiB,
                     "<= 64 MiB", peakIssuerMiB > 0 && peakIssuerMiB <= 64, load});
  const int peak = std::max(chaos.peakInFlight, chaos.stormPeakInFlight);
  figures.push_back({"peak requests in flight, ChaosIssuer: issuance / storm (CA issuer)",
                     fmt("%.0f / %.0f", chaos.peakInFlight, chaos.stormPeakInFlight) +
                         fmt(" (%.0f / %.0f)", ca.peakInFlight, ca.stormPeakInFlight),
                     static_cast<double>(peak), "<= " + std::to_string(n), peak <= n, load});
  const int lost = chaos.notRenewed + chaos.unanswered;
  figures.push_back({"requests lost, ChaosIssuer: not renewed + unanswered (CA issuer)",
                     fmt("%.0f + %.0f", chaos.notRenewed, chaos.unanswered) +
                         fmt(" (%.0f + %.0f)", ca.notRenewed, ca.unanswered),
                     static_cast<double>(lost), "0", lost == 0, load});
  std::printf(
      "\ncm-controller and certchaos-issuer client rate limit: --kube-api-qps=%d "
      "--kube-api-burst=%d\n",
      cmQps, cmBurst);
  printFigures(figures);
  std::printf(
      "requests of the fleet at the end: ChaosIssuer %d, CA issuer %d (2 per Certificate "
      "expected); Certificates with more: ChaosIssuer %d %s, CA issuer %d %s\nload average "
      "(1/5/15 min) at the end: %s, %ld CPUs\n",
      chaos.requests, ca.requests, chaos.moreThanTwo, chaos.example.c_str(), ca.moreThanTwo,
      ca.example.c_str(), load.c_str(), sysconf(_SC_NPROCESSORS_ONLN));

  const char* path = std::getenv("BENCH_RESULTS");
  const std::string out = path != nullptr && *path != '\0' ? path : "bench/results.json";
  json results = json::object();
  if (std::ifstream in(out); in) {
    results = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!results.is_object()) results = json::object();
  }
  auto sideJson = [](const Side& s) {
    return json{{"ready_ms", s.readyMs},
                {"peak_in_flight", s.peakInFlight},
                {"storm_ms", s.stormMs},
                {"settled_before_s", {{"issuing", s.settledS}, {"storm", s.stormSettledS}}},
                {"storm_peak_in_flight", s.stormPeakInFlight},
                {"not_renewed", s.notRenewed},
                {"unanswered", s.unanswered},
                {"requests", s.requests},
                {"certificates_with_more_than_two_requests", s.moreThanTwo},
                {"cpu_issuing", cpuJson(s.readyCpu)},
                {"cpu_storm", cpuJson(s.stormCpu)}};
  };
  const char* commit = std::getenv("BENCH_COMMIT");
  results["fleet"] = {{"certificates", n},
                      {"ca", sideJson(ca)},
                      {"chaos", sideJson(chaos)},
                      {"ready_ratio", readyRatio},
                      {"storm_ratio", stormRatio},
                      {"peak_issuer_rss_MiB", peakIssuerMiB},
                      {"peak_cm_controller_rss_MiB", peakCmMiB},
                      {"figures", figuresJson(figures)},
                      {"settings",
                       {{"fleet", n},
                        {"cm_controller_kube_api_qps", cmQps},
                        {"cm_controller_kube_api_burst", cmBurst},
                        {"issuer_kube_api_qps", cmQps},
                        {"issuer_kube_api_burst", cmBurst},
                        {"storm_threads", kStormThreads},
                        {"order", order},
                        {"plane", "a fresh one for each side"}}},
                      {"machine", {{"cpus", sysconf(_SC_NPROCESSORS_ONLN)}, {"load_at_end", load}}},
                      {"commit", commit != nullptr ? commit : ""}};
  std::ofstream file(out);
  file << results.dump(2) << "\n";
  if (file) {
    std::printf("results: %s (\"fleet\")\n", out.c_str());
  } else {
    std::fprintf(stderr, "fleet_bench: cannot write %s (set BENCH_RESULTS)\n", out.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace certchaos::bench

int main() {
  try {
    return certchaos::bench::run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleet_bench: %s\n", e.what());
    return 1;
  }
}
