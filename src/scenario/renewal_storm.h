// renewal-storm (28): the copies of the Certificate under test that renew with it at once. The
// run creates them in the Certificate's namespace (label certchaos.io/storm-of=<Certificate>),
// waits until each is Ready, forces their renewals together with the one under test, and deletes
// them (with their Secrets and CertificateRequests) after the run.
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "certchaos/common/clock.h"
#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"
#include "certchaos/scenario/checks.h"
#include "timeline.h"

namespace certchaos::scenario {

class StormCopies {
 public:
  // Creates (or takes over, after an interrupted run) `copies` copies of `certificate`, named
  // <name>-storm-<i> with Secret <name>-storm-<i>-tls, and waits (watching) until every one is
  // Ready and not issuing; on failure the copies are deleted again and the error says which
  // were not Ready.
  static Result<StormCopies> create(const std::shared_ptr<kube::Client>& client,
                                    const nlohmann::json& certificate, int copies,
                                    std::chrono::nanoseconds readyTimeout,
                                    const std::stop_token& abort);

  const std::vector<std::string>& names() const { return names_; }
  // Forces the renewal of every copy as cmctl renew does; the first error ends it.
  Result<void> forceRenewals(Clock& clock) const;
  // Deletes the copies, their Secrets and their CertificateRequests; says what it deleted.
  Result<std::string> remove() const;

 private:
  std::shared_ptr<kube::Client> client_;
  std::string ns_;
  std::vector<std::string> names_;
};

// What the storm did, into the timeline (so that every rendering shows it): the requests in
// flight over time, one entry a second while it changed (the highest count that second), and a
// summary: the peak, the issuance rate, the requests each Certificate needed, the retries and
// how soon after a failure they came.
void recordStorm(Timeline& timeline, const StormObservation& storm,
                 const std::string& certificateObject);

// The copies' names for the Certificate `name` (what create makes and remove deletes).
std::vector<std::string> stormCopyNames(const std::string& name, int copies);

}  // namespace certchaos::scenario
