// LeaderElector: one active replica among many, on a coordination.k8s.io/v1 Lease, with
// client-go's timing (15 s lease, 10 s renew deadline, 2 s retry) and its rule that a lease is
// judged expired by the local clock since the record last changed (no cross-host clock trust).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>

#include "certchaos/kube/client.h"

namespace certchaos::kube {

struct LeaderElectionConfig {
  std::string leaseNamespace;
  std::string leaseName;
  std::string identity;  // unique per candidate, e.g. the pod name
  std::chrono::milliseconds leaseDuration{15'000};
  std::chrono::milliseconds renewDeadline{10'000};
  std::chrono::milliseconds retryPeriod{2'000};
  bool releaseOnCancel = true;  // on a clean stop, hand the lease back at once
  // Runs on its own thread while leading; must return soon after its stop token fires.
  std::function<void(std::stop_token)> onStartedLeading;
  std::function<void()> onStoppedLeading;
  std::function<void(const std::string& identity)> onNewLeader;
};

class LeaderElector {
 public:
  LeaderElector(std::shared_ptr<Client> client, LeaderElectionConfig config);

  // Campaigns until elected, leads until the lease cannot be renewed within renewDeadline or
  // stop is requested, then returns (after releasing the lease on a clean stop).
  void run(std::stop_token stop);

  bool isLeader() const { return leader_.load(); }
  std::string observedLeader() const;

 private:
  bool tryAcquireOrRenew();
  void release();
  // Sleeps on the client's clock; returns false if stop was requested.
  bool sleep(std::chrono::nanoseconds d, std::stop_token stop);
  void observe(const nlohmann::json& spec);

  std::shared_ptr<Client> client_;
  LeaderElectionConfig config_;
  std::atomic<bool> leader_{false};
  mutable std::mutex mu_;
  nlohmann::json observedSpec_;
  SteadyTime observedAt_{};
  std::string observedHolder_;
};

}  // namespace certchaos::kube
