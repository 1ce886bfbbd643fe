#include "certchaos/kube/leader_election.h"

#include <thread>

#include "certchaos/common/time.h"
#include "log.h"

namespace certchaos::kube {

LeaderElector::LeaderElector(std::shared_ptr<Client> client, LeaderElectionConfig config)
    : client_(std::move(client)), config_(std::move(config)) {}

std::string LeaderElector::observedLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return observedHolder_;
}

bool LeaderElector::sleep(std::chrono::nanoseconds d, std::stop_token stop) {
  return sleepUnlessStopped(client_->clock(), d, stop);
}

void LeaderElector::observe(const nlohmann::json& spec) {
  std::string holder;
  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (spec != observedSpec_) {
      observedSpec_ = spec;
      observedAt_ = client_->clock().steadyNow();
    }
    holder = spec.value("holderIdentity", "");
    changed = holder != observedHolder_;
    observedHolder_ = holder;
  }
  if (changed && !holder.empty() && config_.onNewLeader) config_.onNewLeader(holder);
}

bool LeaderElector::tryAcquireOrRenew() {
  auto now = formatRfc3339(client_->clock().now(), TimePrecision::kMicroseconds);
  auto leaseSeconds = std::chrono::duration_cast<std::chrono::seconds>(config_.leaseDuration);
  auto current = client_->get(resources::kLease, config_.leaseNamespace, config_.leaseName);
  if (!current.ok()) {
    if (!isNotFound(current.error())) {
      logger()->warn("msg=\"cannot read the lease\" lease={}/{} error=\"{}\"",
                     config_.leaseNamespace, config_.leaseName, current.error().message);
      return false;
    }
    nlohmann::json spec = {{"holderIdentity", config_.identity},
                           {"leaseDurationSeconds", leaseSeconds.count()},
                           {"acquireTime", now},
                           {"renewTime", now},
                           {"leaseTransitions", 0}};
    nlohmann::json lease = {
        {"metadata", {{"name", config_.leaseName}, {"namespace", config_.leaseNamespace}}},
        {"spec", spec}};
    auto created = client_->create(resources::kLease, lease);
    if (!created.ok()) return false;  // another candidate created it first
    observe((*created)["spec"]);
    return true;
  }

  nlohmann::json spec = current->value("spec", nlohmann::json::object());
  observe(spec);
  std::string holder = spec.value("holderIdentity", "");
  auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", leaseSeconds.count()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool heldByOther = !holder.empty() && holder != config_.identity;
    if (heldByOther && observedAt_ + duration > client_->clock().steadyNow()) return false;
  }
  nlohmann::json next = spec;
  next["holderIdentity"] = config_.identity;
  next["leaseDurationSeconds"] = leaseSeconds.count();
  next["renewTime"] = now;
  if (holder != config_.identity) {
    next["acquireTime"] = now;
    next["leaseTransitions"] = spec.value("leaseTransitions", 0) + (holder.empty() ? 0 : 1);
  }
  nlohmann::json lease = *current;
  lease["spec"] = next;
  auto updated = client_->update(resources::kLease, lease);  // Conflict if someone raced us
  if (!updated.ok()) return false;
  observe((*updated)["spec"]);
  return true;
}

void LeaderElector::release() {
  auto current = client_->get(resources::kLease, config_.leaseNamespace, config_.leaseName);
  if (!current.ok()) return;
  nlohmann::json spec = current->value("spec", nlohmann::json::object());
  if (spec.value("holderIdentity", "") != config_.identity) return;
  auto now = formatRfc3339(client_->clock().now(), TimePrecision::kMicroseconds);
  spec["holderIdentity"] = "";
  spec["leaseDurationSeconds"] = 1;
  spec["renewTime"] = now;
  spec["acquireTime"] = now;
  nlohmann::json lease = *current;
  lease["spec"] = spec;
  auto updated = client_->update(resources::kLease, lease);
  if (updated.ok()) {
    logger()->info("msg=\"released the lease\" lease={}/{} identity={}", config_.leaseNamespace,
                   config_.leaseName, config_.identity);
  }
}

void LeaderElector::run(std::stop_token stop) {
  Clock& clock = client_->clock();
  Random& random = client_->random();
  while (!stop.stop_requested() && !tryAcquireOrRenew()) {
    if (!sleep(random.jitter(config_.retryPeriod, 1.2), stop)) return;
  }
  if (stop.stop_requested()) return;
  leader_ = true;
  logger()->info("msg=\"became leader\" lease={}/{} identity={}", config_.leaseNamespace,
                 config_.leaseName, config_.identity);
  std::stop_source leading;
  std::thread work;
  if (config_.onStartedLeading) {
    work = std::thread([this, token = leading.get_token()] { config_.onStartedLeading(token); });
  }

  while (!stop.stop_requested()) {
    if (!sleep(config_.retryPeriod, stop)) break;
    auto deadline = clock.steadyNow() + config_.renewDeadline;
    bool renewed = false;
    while (!stop.stop_requested() && clock.steadyNow() < deadline) {
      if (tryAcquireOrRenew()) {
        renewed = true;
        break;
      }
      auto left = deadline - clock.steadyNow();
      sleep(std::min<std::chrono::nanoseconds>(config_.retryPeriod, left), stop);
    }
    if (!renewed && !stop.stop_requested()) {
      logger()->warn(
          "msg=\"lost the lease: not renewed within the renew deadline\" lease={}/{} "
          "identity={}",
          config_.leaseNamespace, config_.leaseName, config_.identity);
      break;
    }
  }
  leader_ = false;
  leading.request_stop();
  if (work.joinable()) work.join();
  if (config_.onStoppedLeading) config_.onStoppedLeading();
  if (stop.stop_requested() && config_.releaseOnCancel) release();
}

}  // namespace certchaos::kube
