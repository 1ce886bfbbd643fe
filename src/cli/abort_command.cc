// abort: stop the running runs (local ones by signal, ChaosRuns through the runner controller)
// and revert every ChaosIssuer and ChaosClusterIssuer to healthy, then verify each one is Ready
// at its new generation with no chaos.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/common/duration.h"
#include "certchaos/kube/errors.h"
#include "certchaos/scenario/runner.h"
#include "deploy_actions.h"
#include "issuer_spec.h"
#include "wait.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

struct AbortOptions {
  std::string timeout = "2m";
};

// Waits until the process exits (pidfd: woken by the kernel, no polling) or the deadline.
bool waitForExit(int pid, std::chrono::steady_clock::time_point deadline) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return ::kill(pid, 0) != 0;  // already gone (or not ours to watch)
  bool exited = false;
  while (!exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    exited = n > 0;
    if (n < 0 && errno != EINTR) break;
  }
  ::close(fd);
  return exited;
}

struct Reverted {
  const kube::ResourceRef* resource;
  std::string kind, ns, name, before;
  std::int64_t generation = 0;
};

int runAbort(const CliContext& cli, const AbortOptions& o) {
  auto timeout = parseGoDuration(o.timeout);
  if (!timeout || timeout->count() <= 0) {
    return cli.usage(
        "--timeout: expected a positive duration such as 2m, found '" + o.timeout + "'", "abort");
  }
  if (auto usable = checkRunsDir(cli.global.runsDir); !usable) return cli.fail(usable.error());
  auto target = cli.connect();
  if (!target) return cli.fail(target.error());
  auto& client = *target->client;
  const auto deadline = std::chrono::steady_clock::now() + *timeout;
  int code = kExitOk;

  // Runs first: told to stop, each records itself as aborted and rolls its issuer back.
  auto runs = liveRuns(cli.global.runsDir);
  for (const auto& run : runs) {
    if (::kill(run.pid, SIGINT) == 0) {
      cli.out() << "stopping run " << run.id << " (pid " << run.pid << ")\n";
    }
  }

  // ChaosRuns in the cluster that have not ended: the runner controller stops each (with its
  // rollback) and records it Aborted.
  std::vector<std::pair<std::string, std::string>> chaosRuns;
  if (auto list = client.listAll(api::kChaosRun, ""); list) {
    for (const auto& run : list->items) {
      if (chaosrun::finished(chaosrun::phaseOf(run))) continue;
      const std::string ns = run["metadata"].value("namespace", "");
      const std::string name = run["metadata"].value("name", "");
      auto marked =
          client.patch(api::kChaosRun, ns, name, kube::PatchType::kMerge,
                       {{"metadata", {{"annotations", {{chaosrun::kAbortAnnotation, "true"}}}}}},
                       patchAsCertchaos());
      if (!marked) {
        cli.fail({marked.error().code,
                  "stopping ChaosRun " + ns + "/" + name + ": " + marked.error().message});
        code = kExitError;
        continue;
      }
      cli.out() << "stopping ChaosRun " << ns << "/" << name << "\n";
      chaosRuns.emplace_back(ns, name);
    }
  } else if (!kube::isNotFound(list.error())) {
    cli.err() << "warning: the cluster's ChaosRuns were not read: " << list.error().message << "\n";
  }
  // Then every issuer, whoever set its chaos (a merge patch removes fields of any manager).
  std::vector<Reverted> reverted;
  const json revert = scenario::healthyChaosPatch();
  for (const auto* resource : {&api::kChaosIssuer, &api::kChaosClusterIssuer}) {
    auto list = client.listAll(*resource, "");
    if (!list) return cli.fail(list.error());
    for (const auto& item : list->items) {
      const auto& meta = item["metadata"];
      const std::string ns = meta.value("namespace", "");
      const std::string name = meta.value("name", "");
      const json spec = item.value("spec", json::object());
      // Exactly the fields the revert removes (a leftover seed or ttl is no chaos).
      bool any = false;
      for (const auto& [field, _] : revert["spec"].items()) any = any || spec.contains(field);
      if (!any) continue;
      auto patched =
          client.patch(*resource, ns, name, kube::PatchType::kMerge, revert, patchAsCertchaos());
      const std::string display = resource->kind + " " + (ns.empty() ? "" : ns + "/") + name;
      if (!patched) {
        cli.fail({patched.error().code, "reverting " + display + ": " + patched.error().message});
        code = kExitError;
        continue;
      }
      reverted.push_back({resource, resource->kind, ns, name, describeChaos(spec),
                          (*patched)["metadata"].value("generation", std::int64_t{0})});
    }
  }

  for (const auto& run : runs) {
    if (!waitForExit(run.pid, deadline)) {
      cli.fail({"Timeout", "run " + run.id + " (pid " + std::to_string(run.pid) +
                               ") did not stop within " + o.timeout +
                               "; it may still be rolling back; kill it with: kill " +
                               std::to_string(run.pid)});
      code = kExitError;
    } else {
      cli.out() << "run " << run.id << " stopped\n";
    }
  }

  // Each ChaosRun ended (the controller rolled it back), or says why not.
  for (const auto& [ns, name] : chaosRuns) {
    std::string phase;
    while (std::chrono::steady_clock::now() < deadline) {
      auto run = client.get(api::kChaosRun, ns, name);
      if (!run) {
        phase = kube::isNotFound(run.error()) ? chaosrun::kAborted : "";
        if (kube::isNotFound(run.error())) break;
      } else {
        phase = chaosrun::phaseOf(*run);
        if (chaosrun::finished(phase)) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (chaosrun::finished(phase)) {
      cli.out() << "ChaosRun " << ns << "/" << name << " stopped\n";
    } else {
      cli.fail({"Timeout", "ChaosRun " + ns + "/" + name + " did not end within " + o.timeout +
                               " (phase " + (phase.empty() ? "unknown" : phase) +
                               "); is the runner controller running ('certchaos status')?"});
      code = kExitError;
    }
  }
  // Verify: Ready at the new generation, and no chaos left in the spec.
  for (const auto& r : reverted) {
    const std::string display = r.kind + " " + (r.ns.empty() ? "" : r.ns + "/") + r.name;
    WaitSpec wait;
    wait.resource = *r.resource;
    wait.ns = r.ns;
    wait.name = r.name;
    wait.what = display + " to be Ready and healthy at generation " + std::to_string(r.generation);
    wait.timeout = std::max<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now(),
                                                      std::chrono::seconds(5));
    const auto generation = r.generation;
    wait.evaluate = [generation](const json* obj) {
      if (obj == nullptr) return WaitState{WaitState::kDone, "deleted"};
      if ((*obj)["metadata"].value("generation", std::int64_t{0}) < generation) {
        return WaitState{WaitState::kWaiting,
                         "waiting for generation " + std::to_string(generation)};
      }
      if (specHasChaos(obj->value("spec", json::object()))) {
        return WaitState{WaitState::kFailed,
                         "chaos is back in its spec: " + describeChaos((*obj)["spec"])};
      }
      return readyAtGeneration(obj, /*falseIsFinal=*/true);
    };
    auto ready = waitFor(client, wait, cli.err(), isTerminal(2));
    if (!ready) {
      cli.fail({ready.error().code,
                "reverted " + display + " but could not verify it: " + ready.error().message});
      code = kExitError;
      continue;
    }
    cli.out() << "reverted " << display << ": " << r.before << " -> healthy; verified Ready at "
              << "generation " << (*ready)["metadata"].value("generation", std::int64_t{0}) << "\n";
  }
  if (reverted.empty() && runs.empty()) {
    cli.out() << "nothing to abort: no issuer has chaos and no run is in progress\n";
  }
  return code;
}

}  // namespace

void addAbortCommand(CLI::App& app, CliContext& cli) {
  auto o = std::make_shared<AbortOptions>();
  auto* cmd =
      app.add_subcommand("abort",
                         "stop running runs and revert every ChaosIssuer and ChaosClusterIssuer to "
                         "healthy; verifies the revert");
  cmd->add_option("--timeout", o->timeout,
                  "how long to wait for runs to stop and issuers to "
                  "be Ready")
      ->capture_default_str();
  setExamples(cmd,
              "  certchaos abort\n"
              "  certchaos --kubeconfig ~/.kube/staging abort --timeout 5m\n");
  cmd->callback([&cli, o] { cli.action = [&cli, o] { return runAbort(cli, *o); }; });
}

}  // namespace certchaos::cli
