// The runs kept in the cluster: ChaosRuns and the report.json of the ConfigMap each one owns,
// as entries of the same list as the runs directory's (source "cluster").
#pragma once

#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"
#include "runs_dir.h"

namespace certchaos::cli {

// Every ChaosRun in `ns` ("" = all namespaces), those with a report first by start time, then
// those without one yet (Waiting, Running, or ended without a report: `problem` says which).
Result<std::vector<RunEntry>> listClusterRuns(kube::Client& client, const std::string& ns);

// Local and cluster runs in one list, oldest first by the report's start time (entries without a
// report last).
std::vector<RunEntry> mergeRuns(std::vector<RunEntry> local, std::vector<RunEntry> cluster);

}  // namespace certchaos::cli
