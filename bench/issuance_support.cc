#include "issuance_support.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/localcluster/process.h"

namespace certchaos::bench {

double ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

bool conditionIs(const json& object, const char* type, const char* status) {
  for (const auto& c : object.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == type && c.value("status", "") == status) return true;
  }
  return false;
}
bool isReady(const json& object) { return conditionIs(object, "Ready", "True"); }
bool isHeld(const json& request) {
  for (const auto& c : request.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready" && c.value("reason", "") == "Pending" &&
        c.value("message", "").rfind("[chaos hold]", 0) == 0) {
      return true;
    }
  }
  return false;
}

std::string loadNow() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

json certificate(const std::string& ns, const std::string& name, const json& issuerRef) {
  return {{"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"secretName", name + "-tls"},
            {"dnsNames", {name + ".bench.test"}},
            {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
            {"issuerRef", issuerRef}}}};
}

Result<Batch> issue(const std::shared_ptr<kube::Client>& client, const std::string& ns,
                    const json& issuerRef, const std::string& prefix, int count) {
  if (count <= 0) return makeError("BadCount", "expected a positive number of Certificates");
  NamespaceWatch watch(client, ns);
  if (auto r = watch.synced(ns); !r) return r.error();
  std::map<std::string, SteadyClock::time_point> createdAt;
  for (int i = 0; i < count; ++i) {
    const std::string name = prefix + "-" + std::to_string(i);
    createdAt[name] = SteadyClock::now();
    if (auto created = client->create(api::kCertificate, certificate(ns, name, issuerRef));
        !created) {
      return created.error();
    }
  }
  const auto want = static_cast<std::size_t>(count);
  if (!watch.waitUntil([&] { return watch.readyCertificates(prefix) >= want; })) {
    std::size_t ready = 0;
    watch.waitUntil([&] {  // returns at once: read under the watch's lock
      ready = watch.readyCertificates(prefix);
      return true;
    });
    return makeError("NotReady", "expected " + std::to_string(count) + " Certificates " + prefix +
                                     "-* in " + ns + " to become Ready; " + std::to_string(ready) +
                                     " did, then " + kStalled);
  }
  Batch batch;
  SteadyClock::time_point last = createdAt.begin()->second;
  watch.waitUntil([&] {  // returns at once: the Ready times, read under the watch's lock
    for (const auto& [name, created] : createdAt) {
      const auto ready = watch.certificateReady().at(name);
      batch.createToReadyMs.push_back(ms(ready - created));
      last = std::max(last, ready);
    }
    return true;
  });
  batch.totalMs = ms(last - createdAt.begin()->second);
  for (const auto& [name, r] : watch.requests()) {
    if (name.rfind(prefix + "-", 0) == 0 && r.approved && r.ready) {
      batch.approvedToReadyMs.push_back(ms(*r.ready - *r.approved));
    }
  }
  return batch;
}

Result<void> createIssuer(const std::shared_ptr<kube::Client>& client, const std::string& ns,
                          const std::string& name, json spec) {
  spec["selfSigned"] = json::object();
  auto created = client->create(
      kChaosIssuer, {{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", spec}});
  if (!created) return created.error();
  kube::ReflectorOptions options;
  options.fieldSelector = "metadata.name=" + name;
  kube::Informer informer(client, kChaosIssuer, ns, options);
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  auto check = [&](const kube::ObjectPtr& o) {
    std::lock_guard lock(mu);
    ready = ready || isReady(*o);
    cv.notify_all();
  };
  informer.addHandlers(
      {check, [&](const kube::ObjectPtr&, const kube::ObjectPtr& o) { check(o); }, nullptr});
  informer.start();
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, std::chrono::minutes(2), [&] { return ready; })) {
    return makeError("NotReady", "expected ChaosIssuer " + ns + "/" + name +
                                     " to become Ready within 2 minutes; it did not");
  }
  return {};
}

Result<void> prepareIssuers(BenchPlane& plane, const std::shared_ptr<kube::Client>& client) {
  for (const char* ns : {"bench-ca", "bench-chaos"}) {
    if (auto r = plane.createNamespace(ns); !r) return r;
  }
  const std::vector<json> caObjects = {
      {{"metadata", {{"name", "selfsigned"}, {"namespace", "bench-ca"}}},
       {"spec", {{"selfSigned", json::object()}}}},
      {{"metadata", {{"name", "root"}, {"namespace", "bench-ca"}}},
       {"spec",
        {{"isCA", true},
         {"commonName", "certchaos bench root"},
         {"secretName", "bench-root"},
         {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
         {"issuerRef",
          {{"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "selfsigned"}}}}}},
      {{"metadata", {{"name", "ca"}, {"namespace", "bench-ca"}}},
       {"spec", {{"ca", {{"secretName", "bench-root"}}}}}},
  };
  if (auto c = client->create(api::kIssuer, caObjects[0]); !c) return c.error();
  if (auto c = client->create(api::kCertificate, caObjects[1]); !c) return c.error();
  if (auto c = client->create(api::kIssuer, caObjects[2]); !c) return c.error();
  if (auto r = createIssuer(client, "bench-chaos", "chaos", json::object()); !r) return r;
  // The CA Issuer is Ready once its root is: the warm-up Certificate waits for both.
  if (auto warm =
          issue(client, "bench-ca",
                {{"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "ca"}}, "warm-up", 1);
      !warm) {
    return warm.error();
  }
  if (auto warm = issue(client, "bench-chaos", kHealthyRef, "warm-up", 1); !warm) {
    return warm.error();
  }
  return {};
}

Result<IssuancePlane> startIssuancePlane(int qps, int burst) {
  auto plane = BenchPlane::start(clientRateLimitArgs(qps, burst));
  if (!plane) return plane.error();
  auto client = (*plane)->admin(/*qps=*/1000);
  if (!client) return client.error();
  if (auto prepared = prepareIssuers(**plane, *client); !prepared) {
    return makeError(prepared.error().code, "preparing the issuers: " + prepared.error().message);
  }
  return IssuancePlane{std::move(*plane), std::move(*client)};
}

const char* verdict(bool met) { return met ? "MET" : "MISSED"; }

std::string fmt(const char* format, double a, double b, double c) {
  std::array<char, 160> text{};
  std::snprintf(text.data(), text.size(), format, a, b, c);
  return text.data();
}

void printFigures(const std::vector<Figure>& figures) {
  std::printf("\n%-74s %-44s %-13s %s\n", "figure", "value", "target", "result");
  for (const auto& f : figures) {
    std::printf("%-74s %-44s %-13s %s\n", f.name.c_str(), f.value.c_str(), f.target.c_str(),
                verdict(f.met));
  }
}

json figuresJson(const std::vector<Figure>& figures) {
  json out = json::array();
  for (const auto& f : figures) {
    out.push_back({{"figure", f.name},
                   {"value", f.value},
                   {"measured", f.measured},
                   {"target", f.target},
                   {"met", f.met},
                   {"load", f.load}});
  }
  return out;
}

// kube-apiserver's apiserver_request_total, summed over codes, by verb and resource.
std::map<std::string, double> apiRequests(const BenchPlane& plane) {
  std::map<std::string, double> out;
  auto metrics = localcluster::runCommand(
      {localcluster::defaultControlplaneDir() + "/bin/kubectl",
       "--kubeconfig=" + plane.stateDir() + "/kubeconfig", "get", "--raw", "/metrics"},
      std::chrono::seconds(30));
  if (!metrics || metrics->exitCode != 0) return out;
  std::istringstream in(metrics->output);
  std::string line;
  auto label = [](const std::string& l, const std::string& name) {
    const auto at = l.find(name + "=\"");
    if (at == std::string::npos) return std::string();
    const auto start = at + name.size() + 2;
    return l.substr(start, l.find('"', start) - start);
  };
  while (std::getline(in, line)) {
    if (line.rfind("apiserver_request_total{", 0) != 0) continue;
    const std::string sub = label(line, "subresource");
    const std::string key =
        label(line, "verb") + " " + label(line, "resource") + (sub.empty() ? "" : "/" + sub);
    out[key] += std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr);
  }
  return out;
}

// Waits until the plane is quiet: two samples a second apart with no write to the API server but
// the components' lease renewals. cert-manager goes on after the last Certificate is Ready
// (deleting the temporary private-key Secrets and old requests, writing events); a phase started
// before that would pay for the previous one's tail, so the side run second looked slower
// whichever issuer it was (FLEET=500: 1.29 with the CA issuer first, 0.81 with the ChaosIssuer
// first). Returns the seconds waited (at most two minutes).
double settle(const BenchPlane& plane) {
  const auto start = SteadyClock::now();
  auto writes = [&] {
    double n = 0;
    for (const auto& [key, count] : apiRequests(plane)) {
      const std::string verb = key.substr(0, key.find(' '));
      const bool write = verb == "POST" || verb == "PUT" || verb == "PATCH" || verb == "DELETE" ||
                         verb == "APPLY" || verb == "DELETECOLLECTION";
      if (write && key.find(" leases") == std::string::npos) n += count;
    }
    return n;
  };
  double last = writes();
  int quiet = 0;
  while (quiet < 2 && SteadyClock::now() - start < std::chrono::minutes(2)) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double now = writes();
    quiet = now == last ? quiet + 1 : 0;
    last = now;
  }
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace certchaos::bench
