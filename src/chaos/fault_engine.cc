#include "certchaos/chaos/fault_engine.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "certchaos/chaos/catalog.h"
#include "certchaos/common/time.h"
#include "fault_registry.h"

namespace certchaos::chaos {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string implementedList() {
  std::string out;
  for (const auto& s : scenarioCatalog()) {
    if (s.status != ScenarioStatus::kImplemented) continue;
    out += (out.empty() ? "" : ", ") + std::to_string(s.number) + " " + s.name;
  }
  return out;
}

std::string faultTypeList() {
  std::string out;
  for (const auto* f : faultFactories()) out += (out.empty() ? "" : ", ") + f->info.type;
  return out;
}

// The scenario's own firing knobs, taken out of spec.parameters.
struct Firing {
  std::optional<double> probability;
  std::optional<std::uint64_t> seed;
};

Firing takeFiring(std::map<std::string, std::string>& params, std::vector<std::string>& problems) {
  Firing out;
  if (auto it = params.find("probability"); it != params.end()) {
    double v = -1;
    const auto& t = it->second;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || v < 0 || v > 1) {
      problems.push_back("spec.parameters.probability: expected a number from 0 to 1, found \"" +
                         t + "\"");
    } else {
      out.probability = v;
    }
    params.erase(it);
  }
  if (auto it = params.find("seed"); it != params.end()) {
    std::uint64_t v = 0;
    const auto& t = it->second;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size()) {
      problems.push_back("spec.parameters.seed: expected a non-negative integer, found \"" + t +
                         "\"");
    } else {
      out.seed = v;
    }
    params.erase(it);
  }
  return out;
}

}  // namespace

Result<FaultEngine> FaultEngine::fromSpec(const ChaosSpec& spec, Random& seedSource) {
  std::vector<std::string> problems;
  std::vector<ConfiguredFault> faults;
  auto configure = [&](const FaultFactory& factory, const std::map<std::string, std::string>& given,
                       const std::string& where, const Firing& firing, std::string origin) {
    auto params = ParameterSet::parse(factory.info.parameters, given, spec.timeScale, where);
    if (!params) {
      problems.push_back(params.error().message);
      return;
    }
    ConfiguredFault f;
    f.fault = factory.make(*params);
    f.probability = firing.probability.value_or(1.0);
    f.seed = firing.seed ? *firing.seed
             : spec.seed ? splitmix64(*spec.seed + faults.size())
                         : seedSource.next();
    if (!firing.seed && spec.seed) f.specSeed = *spec.seed;
    f.origin = std::move(origin);
    f.parameters = params->nominal();
    faults.push_back(std::move(f));
  };

  if (!spec.scenario.empty()) {
    const ScenarioInfo* info = findScenario(spec.scenario);
    if (info == nullptr) {
      problems.push_back("spec.scenario: expected a scenario number or name (" + implementedList() +
                         "), found \"" + spec.scenario + "\"; `certchaos scenarios` lists them");
    } else if (info->status == ScenarioStatus::kRunnerSide) {
      problems.push_back("spec.scenario: scenario " + std::to_string(info->number) + " (" +
                         info->name + ") is run by `certchaos run " + info->name +
                         "` around a healthy issuer, not injected by the issuer; remove it from "
                         "the issuer's spec");
    } else if (info->status == ScenarioStatus::kPlanned) {
      problems.push_back("spec.scenario: scenario " + std::to_string(info->number) + " (" +
                         info->name +
                         ") is not implemented yet; implemented: " + implementedList());
    } else {
      auto given = spec.parameters;
      Firing firing = takeFiring(given, problems);
      configure(*findFaultFactory(info->faultType), given, "spec.parameters", firing,
                "scenario " + std::to_string(info->number) + " (" + info->name + ")");
    }
  } else if (!spec.parameters.empty()) {
    problems.push_back(
        "spec.parameters: set without spec.scenario; expected a scenario to apply "
        "them to, or put the parameters on a spec.faults[] entry");
  }

  for (size_t i = 0; i < spec.faults.size(); ++i) {
    const FaultSpec& fs = spec.faults[i];
    const std::string path = "spec.faults[" + std::to_string(i) + "]";
    const FaultFactory* factory = findFaultFactory(fs.type);
    if (factory == nullptr) {
      problems.push_back(path + ".type: expected one of " + faultTypeList() + ", found \"" +
                         fs.type + "\"");
      continue;
    }
    configure(*factory, fs.parameters, path + ".parameters", Firing{fs.probability, fs.seed},
              path + " (" + fs.type + ")");
  }

  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
    return makeError("InvalidSpec", message);
  }
  return FaultEngine(std::move(faults), spec.timeScale);
}

std::unique_ptr<Random> FaultEngine::streamFor(std::size_t index, const RequestContext& ctx,
                                               bool* fires) const {
  const ConfiguredFault& f = faults_[index];
  auto stream = std::make_unique<SeededRandom>(splitmix64(f.seed ^ fnv1a(ctx.uid)));
  const double draw = stream->uniform();
  if (fires != nullptr) *fires = draw < f.probability;
  return stream;
}

Decision FaultEngine::decide(const RequestContext& ctx) const {
  Decision d;
  // Each firing fault with its stream; nothing fires outside opted-in namespaces.
  std::vector<std::pair<std::size_t, std::unique_ptr<Random>>> firing;
  if (ctx.chaosAllowed) {
    for (std::size_t i = 0; i < faults_.size(); ++i) {
      bool fires = false;
      auto stream = streamFor(i, ctx, &fires);
      if (fires) firing.emplace_back(i, std::move(stream));
    }
  }
  auto inPhase = [&](FaultPhase phase) {
    std::vector<std::pair<const Fault*, Random*>> out;
    for (auto& [i, stream] : firing) {
      if (faults_[i].fault->phase() == phase)
        out.emplace_back(faults_[i].fault.get(), stream.get());
    }
    return out;
  };
  auto record = [&d](const Fault& f, std::string message) {
    d.applied.push_back({std::string(f.type()), eventReasonFor(f.type()), std::move(message)});
  };

  // 1. Admission: another issuer's request is left alone, unless a rogue fault takes it.
  if (!ctx.issuerRefMatches) {
    for (auto [f, r] : inPhase(FaultPhase::kAdmission)) {
      if (f->admitsForeignRequest()) {
        record(*f, f->describe());
        break;
      }
    }
    if (d.applied.empty()) {
      d.action = Action::kIgnore;
      d.message = "the request is addressed to another issuer";
      return d;
    }
  }

  // 2. Approval: never sign before Approved, never sign Denied, unless a fault says otherwise.
  const auto approvalFaults = inPhase(FaultPhase::kApproval);
  if (!ctx.approved || ctx.denied) {
    const Fault* admit = nullptr;
    const Fault* deny = nullptr;
    for (auto [f, r] : approvalFaults) {
      const auto o = f->onApproval(ctx);
      if (o == ApprovalOverride::kAdmit && admit == nullptr) admit = f;
      if (o == ApprovalOverride::kDeny && deny == nullptr) deny = f;
    }
    if (admit != nullptr) {
      record(*admit, admit->describe());
    } else if (ctx.denied) {
      d.action = Action::kReportDenied;
      d.message = "The CertificateRequest was denied by an approval controller";
      return d;
    } else if (deny != nullptr) {
      d.action = Action::kDeny;
      d.message = deny->describe();
      record(*deny, deny->describe());
      return d;
    } else {
      d.action = Action::kWaitForApproval;
      d.message = "Waiting for the CertificateRequest to be approved";
      return d;
    }
  } else {
    for (auto [f, r] : approvalFaults) {
      if (f->onApproval(ctx) != ApprovalOverride::kDeny) continue;
      // Approved and Denied are exclusive and final: fail the request instead, and say why.
      d.action = Action::kFail;
      d.failure = Failure{Failure::Kind::kFailed,
                          f->describe() +
                              " (the request was already Approved, so it is failed "
                              "instead of Denied)",
                          true, std::nullopt};
      d.message = d.failure->message;
      record(*f, d.message);
      return d;
    }
  }

  // 3. Hold: the longest hold wins; its deadline comes from the persisted start.
  const SystemTime start = ctx.holdStartedAt.value_or(ctx.approvedSeenAt.value_or(ctx.now));
  std::optional<SystemTime> until;
  bool forever = false;
  std::vector<const Fault*> holders;
  for (auto [f, r] : inPhase(FaultPhase::kHold)) {
    auto hold = f->holdFor(ctx, *r);
    if (!hold) continue;
    holders.push_back(f);
    if (*hold == kHoldForever) {
      forever = true;
    } else {
      const SystemTime t =
          start + std::chrono::duration_cast<std::chrono::system_clock::duration>(*hold);
      until = until ? std::max(*until, t) : t;
    }
  }
  if (forever || (until && ctx.now < *until)) {
    d.action = Action::kHold;
    d.holdStartedAt = start;
    if (!forever) d.requeueAt = until;
    d.message = forever ? "Held by certchaos: the issuer will not answer this request"
                        : "Held by certchaos until " + formatRfc3339(*until);
    for (const Fault* f : holders) record(*f, f->describe());
    return d;
  }
  for (const Fault* f : holders) record(*f, f->describe());  // the hold is over: proof it ran

  // 4. Failure: the first failing fault answers.
  for (auto [f, r] : inPhase(FaultPhase::kFailure)) {
    auto failure = f->fail(ctx, *r);
    if (!failure) continue;
    d.action = Action::kFail;
    d.message = failure->message;
    if (failure->kind == Failure::Kind::kPending) d.requeueAt = failure->retryAt;
    d.failure = std::move(failure);
    record(*f, f->describe());
    return d;
  }

  // 5. Sign, with the signing and output faults that fired.
  d.action = Action::kSign;
  for (auto& [i, stream] : firing) {
    const auto phase = faults_[i].fault->phase();
    if (phase == FaultPhase::kSigning || phase == FaultPhase::kOutput) d.signingFaults.push_back(i);
  }
  return d;
}

Result<SignedOutput> FaultEngine::sign(const Decision& decision, const RequestContext& ctx,
                                       const pki::CertificateSigningRequest& csr,
                                       const pki::RequestSpec& spec,
                                       const pki::SigningAuthority& authority) const {
  auto tmpl = pki::templateForRequest(csr, spec, ctx.now);
  if (!tmpl) return tmpl.error();

  SigningPlan plan;
  plan.leaf = std::move(*tmpl);
  plan.csr = &csr;
  plan.now = ctx.now;
  plan.crlUrl = ctx.crlUrl;
  plan.revokedSinceChaos = ctx.revokedSinceChaos;
  plan.configured = &authority;
  plan.chaosSince = ctx.chaosSince;
  plan.signer =
      std::shared_ptr<const pki::SigningAuthority>(&authority, [](const pki::SigningAuthority*) {});
  if (timeScale_ > 1) {
    const auto lifetime = (plan.leaf.notAfter - plan.leaf.notBefore) / timeScale_;
    plan.leaf.notAfter =
        plan.leaf.notBefore + std::max(std::chrono::duration_cast<std::chrono::seconds>(lifetime),
                                       std::chrono::seconds(1));
  }

  SignedOutput out;
  std::vector<std::pair<const Fault*, std::unique_ptr<Random>>> outputFaults;
  for (std::size_t i : decision.signingFaults) {
    if (i >= faults_.size()) continue;  // a decision from another engine: ignore, never crash
    const Fault& f = *faults_[i].fault;
    auto stream = streamFor(i, ctx, nullptr);
    if (f.phase() == FaultPhase::kOutput) {
      outputFaults.emplace_back(&f, std::move(stream));
      continue;
    }
    plan.faultSeed = faults_[i].seed;
    if (auto r = f.shape(plan, *stream); !r) return r.error();
    out.applied.push_back({std::string(f.type()), eventReasonFor(f.type()),
                           plan.appliedNote.empty() ? f.describe() : plan.appliedNote});
    plan.appliedNote.clear();
  }

  EVP_PKEY* key = plan.substituteKey ? plan.substituteKey->get() : csr.publicKey();
  auto issued = pki::issueCertificate(plan.leaf, key, *plan.signer);
  if (!issued) return issued.error();
  out.certificatePem = plan.omitIntermediates ? issued->leaf.toPem() : issued->bundle.chainPem;
  if (!plan.omitIntermediates) {
    for (const auto& extra : plan.extraChain) out.certificatePem += extra.toPem();
  }
  out.caPem = plan.caPem.value_or(issued->bundle.caPem);
  out.revokeAt = plan.revokeAt;

  for (auto& [f, stream] : outputFaults) {
    f->reshape(out, *stream);
    out.applied.push_back({std::string(f->type()), eventReasonFor(f->type()), f->describe()});
  }
  return out;
}

std::string FaultEngine::summary() const {
  if (faults_.empty()) return "healthy";
  std::string out;
  for (const auto& f : faults_) {
    std::string params;
    for (const auto& [k, v] : f.parameters) params += (params.empty() ? "" : ", ") + k + "=" + v;
    char probability[32];
    std::snprintf(probability, sizeof probability, "%g", f.probability);
    out += (out.empty() ? "" : "; ") + std::string(f.fault->type()) + "(" + params +
           ") p=" + probability + " seed=" + std::to_string(f.seed);
    // A seed derived from the spec's: say so, since the spec's seed is the one reports show.
    if (f.specSeed) out += " (from spec.seed " + std::to_string(*f.specSeed) + ")";
  }
  if (timeScale_ > 1) out += "; time scale " + std::to_string(timeScale_);
  return out;
}

}  // namespace certchaos::chaos
