// Base64 (RFC 4648, standard alphabet with padding) for kubeconfig *-data fields and Secret data.
#pragma once

#include <string>
#include <string_view>

#include "certchaos/common/result.h"

namespace certchaos::kube {

std::string base64Encode(std::string_view bytes);

// Strict decoding; whitespace (as in wrapped PEM-like blocks) is skipped.
Result<std::string> base64Decode(std::string_view text);

}  // namespace certchaos::kube
