// lease-candidate: one LeaderElector in its own process, so that a test can kill it for real.
// Reports what it sees on stdout, one flushed line each: "leader <identity>" when it observes a
// new holder, "leading" once elected, "stopped-leading" when that ends, "exiting" last.
// SIGTERM or SIGINT is a clean stop (the lease is released); SIGKILL is a crash.
//
//   lease-candidate KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "certchaos/kube/client.h"
#include "certchaos/kube/leader_election.h"

namespace {

std::mutex outMu;

void say(const std::string& line) {
  std::lock_guard lock(outMu);
  std::cout << line << std::endl;  // flushed: the test reads it through a pipe
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: lease-candidate KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS "
                 "RETRY_MS (expected 7 arguments, found "
              << argc - 1 << ")\n";
    return 2;
  }
  // Block the stop signals before any thread starts, so that only sigwait below sees them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  auto client = certchaos::kube::Client::fromKubeconfig(argv[1]);
  if (!client) {
    std::cerr << "lease-candidate: " << client.error().message << "\n";
    return 1;
  }
  certchaos::kube::LeaderElectionConfig config;
  config.leaseNamespace = argv[2];
  config.leaseName = argv[3];
  config.identity = argv[4];
  config.leaseDuration = std::chrono::milliseconds(std::stoll(argv[5]));
  config.renewDeadline = std::chrono::milliseconds(std::stoll(argv[6]));
  config.retryPeriod = std::chrono::milliseconds(std::stoll(argv[7]));
  config.onStartedLeading = [](const std::stop_token&) { say("leading"); };
  config.onStoppedLeading = [] { say("stopped-leading"); };
  config.onNewLeader = [](const std::string& identity) { say("leader " + identity); };
  certchaos::kube::LeaderElector elector(*client, config);

  std::stop_source stop;
  std::thread signals([&] {
    int signal = 0;
    sigwait(&stopSignals, &signal);
    stop.request_stop();
  });
  signals.detach();  // blocked in sigwait until the process ends
  elector.run(stop.get_token());
  say("exiting");
  return 0;
}
