// BenchPlane: a local control plane of a benchmark's own (`certchaos up` in a temporary state
// directory, `certchaos down` at the end), and process measurements to report beside the timings.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"

namespace certchaos::bench {

// `certchaos up` flags that give cm-controller and certchaos-issuer the same client rate limit
// (--kube-api-qps, --kube-api-burst), high enough that neither is held back by its own.
std::vector<std::string> clientRateLimitArgs(int qps, int burst);

class BenchPlane {
 public:
  // Runs `certchaos up [upArgs...]` ($CERTCHAOS_BIN_DIR/certchaos, else the build tree's); the
  // error carries its output.
  static Result<std::unique_ptr<BenchPlane>> start(const std::vector<std::string>& upArgs = {});
  ~BenchPlane();  // `certchaos down`, then removes the temporary directory
  BenchPlane(const BenchPlane&) = delete;
  BenchPlane& operator=(const BenchPlane&) = delete;

  const std::string& stateDir() const { return stateDir_; }
  // An admin client; qps > 0 raises its rate limit to that (the benchmark is the only user).
  Result<std::shared_ptr<kube::Client>> admin(double qps = 0) const;
  // The pid of a plane component ("cm-controller", "certchaos-issuer"...) from state.json.
  Result<pid_t> componentPid(const std::string& name) const;
  // The URL of a plane component (its /metrics, /readyz) from state.json.
  Result<std::string> componentUrl(const std::string& name) const;
  // Creates a namespace.
  Result<void> createNamespace(const std::string& name) const;

 private:
  BenchPlane(std::string root, std::string stateDir);
  std::string root_;
  std::string stateDir_;
};

// Resident memory (VmRSS in /proc/<pid>/status) in bytes; 0 for "self" means this process.
Result<double> residentBytes(pid_t pid = 0);

// CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat.
Result<double> cpuSeconds(pid_t pid);

// The q-quantile (0..1) of samples by nearest rank; 0 for none.
double quantile(std::vector<double> samples, double q);

constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace certchaos::bench
