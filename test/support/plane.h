// Test support: run the certchaos CLI and kubectl, and check for left-over plane processes.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "certchaos/localcluster/process.h"

namespace certchaos::testing {

std::string binDir();           // $CERTCHAOS_BIN_DIR, else the build tree's bin/
std::string sourceDir();        // $CERTCHAOS_SOURCE_DIR, else the source tree
std::string controlplaneDir();  // $CERTCHAOS_CONTROLPLANE_DIR (set by the Makefile)

// A fresh directory under $TMPDIR, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

localcluster::CommandOutput run(const std::vector<std::string>& argv,
                                std::chrono::seconds timeout = std::chrono::seconds(180));

// Runs `certchaos --state-dir <stateDir> args...`.
localcluster::CommandOutput certchaos(const std::string& stateDir,
                                      const std::vector<std::string>& args);

// Runs kubectl against the plane in stateDir; stdin is `input` when not empty.
localcluster::CommandOutput kubectl(const std::string& stateDir,
                                    const std::vector<std::string>& args,
                                    const std::string& input = "");

// Pids of live processes whose command line mentions `needle` (e.g. a state directory).
std::vector<int> processesMentioning(const std::string& needle);

void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);

}  // namespace certchaos::testing
