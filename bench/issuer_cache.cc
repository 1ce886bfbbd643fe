// Benchmark: what the issuer's caches cost with many CertificateRequests in the cluster, against
// cm-controller (all of cert-manager's controllers, which cache the same requests) on the same
// plane. Creates N issued CertificateRequests, as cert-manager leaves them (an RSA 2048 CSR in
// spec, Approved and Ready=True, the certificate and the CA in status), addressed to an issuer of
// another group so that no controller acts on them; waits until the issuer's cache holds all of
// them (its certchaos_issuer_cached_objects gauge), and prints the resident memory of both
// processes before and after, per request, against the target (issuer <= 64 MiB at 20 000).
//
//   issuer_cache_bench [N]   (default 20000; plane binaries: make controlplane)
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench_plane.h"
#include "certchaos/common/time.h"
#include "certchaos/kube/resource.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/pki/csr.h"
#include "certchaos/pki/csr_builder.h"
#include "certchaos/pki/signer.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::bench {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

const kube::ResourceRef kCertificateRequest{"cert-manager.io", "v1", "certificaterequests",
                                            "CertificateRequest", true};
constexpr double kTargetMiB = 64;  // issue 11: issuer RSS with 20 000 issued requests
constexpr int kTargetRequests = 20000;
constexpr int kWorkers = 4;

// spec.request, status.certificate and status.ca (base64), as an issued request holds them.
struct IssuedPems {
  std::string csr, certificate, ca;
};

Result<IssuedPems> issuedPems() {
  auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::kRsa2048);
  if (!key) return key.error();
  pki::CsrTemplate tmpl;
  tmpl.subject = {{"O", "certchaos bench"}, {"CN", "web.bench.internal"}};
  tmpl.dnsNames = {"web.bench.internal", "www.bench.internal", "api.bench.internal"};
  auto csrPem = pki::buildCsrPem(tmpl, *key);
  if (!csrPem) return csrPem.error();
  auto csr = pki::CertificateSigningRequest::fromPem(*csrPem);
  if (!csr) return csr.error();
  const auto now = std::chrono::system_clock::now();
  auto root = pki::SigningAuthority::generateRoot(
      "certchaos bench root", pki::KeyAlgorithm::kRsa2048, now, now + std::chrono::hours(24));
  if (!root) return root.error();
  auto issued = pki::signRequest(*csr, {}, *root, now);
  if (!issued) return issued.error();
  return IssuedPems{pki::encodeBase64(*csrPem), pki::encodeBase64(issued->bundle.chainPem),
                    pki::encodeBase64(issued->bundle.caPem)};
}

json request(const std::string& ns, int i, const IssuedPems& pems) {
  return {
      {"apiVersion", "cert-manager.io/v1"},
      {"kind", "CertificateRequest"},
      {"metadata",
       {{"name", "web-" + std::to_string(i)},
        {"namespace", ns},
        {"annotations",
         {{"cert-manager.io/certificate-name", "web-" + std::to_string(i)},
          {"cert-manager.io/certificate-revision", "1"}}}}},
      {"spec",
       {{"request", pems.csr},
        {"usages", json::array({"digital signature", "key encipherment"})},
        {"issuerRef", {{"group", "bench.example"}, {"kind", "Signer"}, {"name", "elsewhere"}}}}}};
}

json issuedStatus(const std::string& ns, int i, const IssuedPems& pems) {
  const std::string now = formatRfc3339(std::chrono::system_clock::now());
  return {{"apiVersion", "cert-manager.io/v1"},
          {"kind", "CertificateRequest"},
          {"metadata", {{"name", "web-" + std::to_string(i)}, {"namespace", ns}}},
          {"status",
           {{"conditions",
             json::array({{{"type", "Approved"},
                           {"status", "True"},
                           {"reason", "cert-manager.io"},
                           {"message", "Certificate request has been approved by cert-manager.io"},
                           {"lastTransitionTime", now}},
                          {{"type", "Ready"},
                           {"status", "True"},
                           {"reason", "Issued"},
                           {"message", "Certificate fetched from issuer successfully"},
                           {"lastTransitionTime", now}}})},
            {"certificate", pems.certificate},
            {"ca", pems.ca}}}};
}

// certchaos_issuer_cached_objects{resource="certificaterequests"} from the issuer's /metrics.
long cachedRequests(const std::string& url) {
  std::smatch m;
  static const std::regex hostPort(R"(^https?://([^:/]+):(\d+))");
  if (!std::regex_search(url, m, hostPort)) return -1;
  httplib::Client http(m[1].str(), std::stoi(m[2].str()));
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) return -1;
  static const std::regex line(
      R"re(certchaos_issuer_cached_objects\{resource="certificaterequests"\} ([0-9.e+]+))re");
  if (!std::regex_search(res->body, m, line)) return -1;
  return std::stol(m[1].str());
}

double mibOf(const BenchPlane& plane, const char* component) {
  auto pid = plane.componentPid(component);
  if (!pid) return -1;
  auto rss = residentBytes(*pid);
  return rss ? *rss / kMiB : -1;
}

int run(int n) {
  auto pems = issuedPems();
  if (!pems) {
    std::fprintf(stderr, "issuer_cache_bench: %s\n", pems.error().message.c_str());
    return 1;
  }
  auto plane = BenchPlane::start();
  if (!plane) {
    std::fprintf(stderr, "issuer_cache_bench: %s\n", plane.error().message.c_str());
    return 1;
  }
  auto client = (*plane)->admin(/*qps=*/2000);
  if (!client) {
    std::fprintf(stderr, "issuer_cache_bench: %s\n", client.error().message.c_str());
    return 1;
  }
  auto state = localcluster::LocalCluster((*plane)->stateDir()).loadState();
  std::string issuerUrl;
  for (const auto& c : state ? state->components : std::vector<localcluster::ComponentState>{}) {
    if (c.name == "certchaos-issuer") issuerUrl = c.url;
  }
  if (issuerUrl.empty()) {
    std::fprintf(stderr, "issuer_cache_bench: no certchaos-issuer in the plane's state\n");
    return 1;
  }
  const std::string ns = "cache-bench";
  if (auto made = (*plane)->createNamespace(ns); !made) {
    std::fprintf(stderr, "issuer_cache_bench: %s\n", made.error().message.c_str());
    return 1;
  }
  const double issuerBefore = mibOf(**plane, "certchaos-issuer");
  const double cmBefore = mibOf(**plane, "cm-controller");

  const auto started = SteadyClock::now();
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        auto created = (*client)->create(kCertificateRequest, request(ns, i, *pems));
        auto status = created ? (*client)->apply(kCertificateRequest, issuedStatus(ns, i, *pems),
                                                 {.fieldManager = "issuer-cache-bench",
                                                  .force = true,
                                                  .subresource = "status"})
                              : Result<json>(created.error());
        if (!status && failed++ == 0) {
          std::fprintf(stderr, "issuer_cache_bench: request %d: %s\n", i,
                       status.error().message.c_str());
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  if (failed > 0) {
    std::fprintf(stderr, "issuer_cache_bench: %d of %d requests could not be made\n", failed.load(),
                 n);
    return 1;
  }
  const double createSeconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  // The issuer's cache catches up through its watch.
  const auto deadline = SteadyClock::now() + std::chrono::minutes(5);
  long cached = -1;
  while ((cached = cachedRequests(issuerUrl)) < n && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (cached < n) {
    std::fprintf(stderr, "issuer_cache_bench: the issuer caches %ld of %d requests after 5 min\n",
                 cached, n);
    return 1;
  }
  const double issuerAfter = mibOf(**plane, "certchaos-issuer");
  const double cmAfter = mibOf(**plane, "cm-controller");
  const double perRequestKiB = (issuerAfter - issuerBefore) * 1024 / n;
  const double cmPerRequestKiB = (cmAfter - cmBefore) * 1024 / n;
  std::printf(
      "issued CertificateRequests in the cluster: %d (made in %.0f s; CSR %zu, certificate "
      "%zu, CA %zu bytes of base64 each)\n",
      n, createSeconds, pems->csr.size(), pems->certificate.size(), pems->ca.size());
  std::printf("%-18s %12s %12s %14s\n", "process", "RSS before", "RSS after", "per request");
  std::printf("%-18s %8.1f MiB %8.1f MiB %10.2f KiB\n", "certchaos-issuer", issuerBefore,
              issuerAfter, perRequestKiB);
  std::printf("%-18s %8.1f MiB %8.1f MiB %10.2f KiB\n", "cm-controller", cmBefore, cmAfter,
              cmPerRequestKiB);
  std::printf("issuer per request / cm-controller per request: %.2f\n",
              perRequestKiB / cmPerRequestKiB);
  if (n == kTargetRequests) {
    std::printf("target: issuer RSS <= %.0f MiB with %d requests: %s (%.1f MiB)\n", kTargetMiB,
                kTargetRequests, issuerAfter <= kTargetMiB ? "met" : "MISSED", issuerAfter);
  } else {
    std::printf("target: issuer RSS <= %.0f MiB with %d requests: not measured (N=%d)\n",
                kTargetMiB, kTargetRequests, n);
  }
  return 0;
}

}  // namespace
}  // namespace certchaos::bench

int main(int argc, char** argv) {
  int n = certchaos::bench::kTargetRequests;
  if (argc > 2 || (argc == 2 && (n = std::atoi(argv[1])) <= 0)) {
    std::fprintf(stderr,
                 "usage: issuer_cache_bench [N]: expected a positive number of requests, found "
                 "'%s'\n",
                 argc > 1 ? argv[1] : "");
    return 2;
  }
  try {
    return certchaos::bench::run(n);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "issuer_cache_bench: %s\n", e.what());
    return 1;
  }
}
