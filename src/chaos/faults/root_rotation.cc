// Scenario 17: the CA rotates its root (Istio's 2019 root, every mesh's trust-anchor rotation).
// From when the issuer takes the scenario (status.activeSince, RequestContext::chaosSince) it
// signs with a new root; for a grace period it offers both roots (status.ca, hence the Secret's
// ca.crt, holds the new root then the old one) and, with crossSign, serves the new root
// cross-signed by the old CA so that clients still trusting only the old root verify the chain;
// after the grace period status.ca holds the new root alone and the chain ends at it.
// The new root's key is Ed25519 from the fault's seed (Ed25519 signs deterministically, and the
// serial comes from the same seed): every request, and a restarted issuer, signs under the very
// same root certificate, so ca.crt does not change between renewals of one rotation.
#include <algorithm>
#include <array>

#include "certchaos/common/random.h"
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

constexpr const char* kNewRootName = "certchaos rotated root";
// Mixed into the fault's seed so that the key stream is not the one the engine draws from.
constexpr std::uint64_t kRootKeyStream = 0x726f6f742d726f74ULL;  // "root-rot"

// The new root, the same for the same seed and rotation start.
Result<pki::SigningAuthority> rotatedRoot(std::uint64_t seed, SystemTime since) {
  SeededRandom stream(seed ^ kRootKeyStream);
  std::array<unsigned char, 32> keySeed{};
  for (std::size_t i = 0; i < keySeed.size(); i += 8) {
    const std::uint64_t v = stream.next();
    for (std::size_t b = 0; b < 8; ++b) keySeed[i + b] = static_cast<unsigned char>(v >> (8 * b));
  }
  auto key = pki::PrivateKey::ed25519FromSeed(keySeed);
  if (!key) return key.error();
  std::string serial(16, '\0');
  for (std::size_t i = 0; i < serial.size(); i += 8) {
    const std::uint64_t v = stream.next();
    for (std::size_t b = 0; b < 8; ++b) serial[i + b] = static_cast<char>(v >> (8 * b));
  }
  serial[0] = static_cast<char>((static_cast<unsigned char>(serial[0]) & 0x7f) | 0x01);
  return pki::SigningAuthority::rootWithKey(kNewRootName, std::move(*key),
                                            since - std::chrono::hours(1),
                                            since + std::chrono::hours(24 * 3650), serial);
}

class RootRotation final : public Fault {
 public:
  explicit RootRotation(const ParameterSet& params)
      : grace_(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            params.duration("grace"))),
        graceText_(durationText(params, "grace")),
        crossSign_(params.text("crossSign") == "true") {}
  std::string_view type() const override { return "root-rotation"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    // Appended piece by piece: g++ 12 at -O2 takes a chain of operator+ on a temporary for an
    // out-of-bounds memcpy (-Warray-bounds, a false positive).
    std::string out = "signed under a rotated root CA (CN=";
    out += kNewRootName;
    if (grace_.count() == 0) {
      out += "); ca.crt holds the new root alone, the old one dropped at once (no grace period)";
      return out;
    }
    out += "); ca.crt offers the new and the old root for ";
    out += graceText_;
    if (crossSign_) out += " and the chain carries the new root cross-signed by the old CA";
    out += ", then the new root alone";
    return out;
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    const auto lifetime = plan.leaf.notAfter - plan.leaf.notBefore;
    if (grace_ > lifetime) {
      return makeError(
          "InvalidParameter",
          "root-rotation: expected the grace period (parameter grace) to be between "
          "0 and the certificate's lifetime (" +
              formatGoDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(lifetime)) +
              "), found grace=" + graceText_ +
              "; choose a shorter grace period or a longer-lived certificate");
    }
    const SystemTime since =
        plan.chaosSince.value_or(std::chrono::floor<std::chrono::seconds>(plan.now));
    auto root = rotatedRoot(plan.faultSeed, since);
    if (!root) return root.error();
    const pki::Certificate& oldTop = plan.configured->chain().back();
    const bool inGrace = plan.now < since + grace_;
    std::vector<pki::Certificate> chain;
    if (inGrace && crossSign_) {
      // The leaf is signed by the new root's key; the cross-signature (the new root's name and
      // key, signed by the old CA) stands where the signing certificate goes, so the served chain
      // leads both to the new root and, through it, to the old one.
      const auto& oldCa = plan.configured->certificate();
      auto cross =
          plan.configured->crossSign(root->certificate(), root->certificate().notBefore(),
                                     std::min(root->certificate().notAfter(), oldCa.notAfter()));
      if (!cross) return cross.error();
      chain.push_back(std::move(*cross));
      for (const auto& c : plan.configured->chain()) chain.push_back(c);
    } else {
      chain.push_back(root->certificate());
    }
    plan.caPem = root->certificate().toPem() + (inGrace ? oldTop.toPem() : "");
    auto key = pki::PrivateKey::fromPem(root->keyPem());
    if (!key) return key.error();
    plan.signer = std::make_shared<const pki::SigningAuthority>(std::move(*key), std::move(chain));
    return {};
  }

 private:
  std::chrono::system_clock::duration grace_;
  std::string graceText_;
  bool crossSign_;
};

}  // namespace

const FaultFactory& rootRotation() {
  static const FaultFactory kFactory{
      {"root-rotation",
       "rotate the CA to a new root from the scenario's start: ca.crt offers the new and the old "
       "root for a grace period, then the new root alone",
       {param("grace", ParameterKind::kDuration, "1h",
              "how long after the rotation (status.activeSince) the old root is still offered in "
              "ca.crt (and the cross-signed chain served); from 0 to the certificate's lifetime"),
        param("crossSign", ParameterKind::kEnum, "true",
              "true: during the grace period the chain carries the new root cross-signed by the "
              "old CA, so clients that still trust only the old root verify it; false: only "
              "ca.crt announces the new root",
              {"true", "false"})}},
      &make<RootRotation>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
