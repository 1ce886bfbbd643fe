// Benchmark: a kube::Informer's list+watch of 10 000 ConfigMaps on a real local control plane —
// the time from start() until its cache holds all of them, and this process's resident memory
// before and after. The objects are created first (a few writer threads), untimed but reported.
//
//   kube_list_watch_bench [--benchmark_counters_tabular=true]   (plane binaries: make controlplane)
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_plane.h"
#include "certchaos/kube/informer.h"

namespace certchaos::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kObjects = 10'000;
constexpr int kWriters = 4;
constexpr auto kSyncTimeout = std::chrono::minutes(5);
const std::string kNamespace = "bench-list-watch";

double seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// A small ConfigMap, about the size of a typical configuration entry.
json configMap(int index) {
  return {{"metadata",
           {{"name", "cm-" + std::to_string(index)},
            {"namespace", kNamespace},
            {"labels", {{"app", "certchaos-bench"}, {"shard", std::to_string(index % 16)}}}}},
          {"data", {{"index", std::to_string(index)}, {"payload", std::string(128, 'x')}}}};
}

// Creates kObjects ConfigMaps with kWriters threads; the first error, if any.
Result<void> createConfigMaps(const std::shared_ptr<kube::Client>& client) {
  std::atomic<int> next{0};
  std::mutex mu;
  std::optional<Error> failure;
  std::vector<std::jthread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = next++; i < kObjects; i = next++) {
        auto created = client->create(kube::resources::kConfigMap, configMap(i));
        if (!created) {
          std::lock_guard lock(mu);
          if (!failure) failure = created.error();
          return;
        }
      }
    });
  }
  writers.clear();  // joins
  if (failure) return *failure;
  return {};
}

void benchInformerSync(benchmark::State& state) {
  auto plane = BenchPlane::start();
  if (!plane) {
    state.SkipWithError(plane.error().message.c_str());
    return;
  }
  auto writer = (*plane)->admin(/*qps=*/5000);
  auto reader = (*plane)->admin();  // client-go's default rate limit, as a controller has
  if (!writer || !reader) {
    state.SkipWithError(!writer ? writer.error().message.c_str() : reader.error().message.c_str());
    return;
  }
  if (auto ns = (*plane)->createNamespace(kNamespace); !ns) {
    state.SkipWithError(ns.error().message.c_str());
    return;
  }
  const auto createStart = SteadyClock::now();
  if (auto created = createConfigMaps(*writer); !created) {
    state.SkipWithError(created.error().message.c_str());
    return;
  }
  const double createSeconds = seconds(SteadyClock::now() - createStart);

  auto before = residentBytes();
  if (!before) {
    state.SkipWithError(before.error().message.c_str());
    return;
  }
  double syncSeconds = 0;
  double after = 0;
  size_t cached = 0;
  for (auto _ : state) {
    const auto start = SteadyClock::now();
    kube::Informer informer(*reader, kube::resources::kConfigMap, kNamespace);
    informer.start();
    if (!informer.waitForSync(kSyncTimeout)) {
      state.SkipWithError("the informer did not sync within 5 minutes");
      break;
    }
    syncSeconds = seconds(SteadyClock::now() - start);
    state.SetIterationTime(syncSeconds);
    cached = informer.cache().list().size();
    auto rss = residentBytes();  // while the informer and its cache are alive
    after = rss ? *rss : 0;
  }
  if (state.error_occurred()) return;
  if (cached != static_cast<size_t>(kObjects)) {
    state.SkipWithError(("expected " + std::to_string(kObjects) + " objects in the cache, found " +
                         std::to_string(cached))
                            .c_str());
    return;
  }
  state.counters["objects"] = static_cast<double>(cached);
  state.counters["create_per_s"] = kObjects / createSeconds;
  state.counters["sync_ms"] = syncSeconds * 1000;
  state.counters["synced_per_s"] = kObjects / syncSeconds;
  state.counters["rss_before_MiB"] = *before / kMiB;
  state.counters["rss_after_MiB"] = after / kMiB;
  state.counters["rss_delta_MiB"] = (after - *before) / kMiB;
  state.counters["bytes_per_object"] = (after - *before) / kObjects;
}

// One iteration: each needs 10 000 fresh objects on a fresh plane.
BENCHMARK(benchInformerSync)
    ->Name("InformerListWatch/configmaps:10000")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace certchaos::bench

BENCHMARK_MAIN();
