// renew: force renewal of Certificates exactly as `cmctl renew` does.
#include <iostream>

#include "certchaos/api/cert_manager.h"
#include "certchaos/scenario/renew.h"
#include "cli_context.h"

namespace certchaos::cli {

namespace {

struct RenewOptions {
  std::vector<std::string> names;
  bool all = false;
  bool allNamespaces = false;
};

int runRenew(const CliContext& cli, const RenewOptions& o) {
  if (o.names.empty() && !o.all && !o.allNamespaces) {
    return cli.usage("expected the name of a Certificate, or --all, found neither", "renew");
  }
  if (!o.names.empty() && (o.all || o.allNamespaces)) {
    return cli.usage("expected either Certificate names or --all/-A, found both", "renew");
  }
  auto target = cli.connect();
  if (!target) return cli.fail(target.error());
  auto& client = *target->client;
  std::vector<std::pair<std::string, std::string>> certificates;
  if (o.names.empty()) {
    const std::string ns = o.allNamespaces ? "" : target->ns;
    auto list = client.listAll(api::kCertificate, ns);
    if (!list) return cli.fail(list.error());
    for (const auto& c : list->items) {
      certificates.emplace_back(c["metadata"].value("namespace", ""),
                                c["metadata"].value("name", ""));
    }
    if (certificates.empty()) {
      cli.err() << "no Certificates found" << (ns.empty() ? "" : " in namespace " + ns) << "\n";
      return kExitOk;
    }
  } else {
    for (const auto& name : o.names) certificates.emplace_back(target->ns, name);
  }
  int code = kExitOk;
  for (const auto& [ns, name] : certificates) {
    auto r = scenario::forceRenewal(client, ns, name, client.clock());
    if (!r) {
      cli.fail(r.error());
      code = kExitError;
      continue;
    }
    cli.out() << "Manually triggered issuance of Certificate " << ns << "/" << name << "\n";
  }
  return code;
}

}  // namespace

void addRenewCommand(CLI::App& app, CliContext& cli) {
  auto o = std::make_shared<RenewOptions>();
  auto* cmd =
      app.add_subcommand("renew",
                         "force renewal of Certificates as cmctl renew does (Issuing=True, reason "
                         "ManuallyTriggered, retried on conflict)");
  cmd->add_option("CERT", o->names, "Certificate names (in -n's namespace)");
  cmd->add_flag("--all", o->all, "every Certificate in the namespace");
  cmd->add_flag("-A,--all-namespaces", o->allNamespaces, "every Certificate in every namespace");
  setExamples(cmd,
              "  certchaos renew demo -n demo\n"
              "  certchaos renew --all -n demo\n"
              "  certchaos renew -A\n");
  cmd->callback([&cli, o] { cli.action = [&cli, o] { return runRenew(cli, *o); }; });
}

}  // namespace certchaos::cli
