// completion bash|zsh: a completion script generated from the command tree itself, so it never
// falls behind the commands and flags.
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "certchaos/chaos/catalog.h"
#include "cli_context.h"

namespace certchaos::cli {

namespace {

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::vector<std::string> flagsOf(const CLI::App* app) {
  std::vector<std::string> flags;
  for (const auto* option : app->get_options()) {
    for (const auto& l : option->get_lnames()) flags.push_back("--" + l);
    for (const auto& s : option->get_snames()) flags.push_back("-" + s);
  }
  return flags;
}

// path ("deploy issuer") -> words to offer there.
void collect(const CLI::App* app, const std::string& path,
             std::map<std::string, std::vector<std::string>>& words) {
  auto& here = words[path];
  for (const auto* sub : app->get_subcommands({})) {
    here.push_back(sub->get_name());
    collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), words);
  }
  for (auto& f : flagsOf(app)) here.push_back(f);
}

std::string bashScript(const CLI::App& root) {
  std::map<std::string, std::vector<std::string>> words;
  collect(&root, "", words);
  const std::string globals = join(flagsOf(&root));
  std::vector<std::string> scenarios;
  for (const auto& s : chaos::scenarioCatalog()) {
    scenarios.push_back(std::to_string(s.number));
    scenarios.push_back(s.name);
  }
  std::ostringstream out;
  out << "# certchaos bash completion: source <(certchaos completion bash)\n"
         "_certchaos() {\n"
         "  local cur prev path w i words\n"
         "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
         "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
         "  case \"$prev\" in\n"
         "    --kubeconfig|--state-dir|--runs-dir|-f|--filename|--output|--controlplane-dir|"
         "--deploy-dir|--crds)\n"
         "      COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
         "    --scenario) COMPREPLY=($(compgen -W \"healthy "
      << join(scenarios)
      << "\" -- \"$cur\")); return;;\n"
         "    -o|--format) COMPREPLY=($(compgen -W \"text wide json yaml md html junit\" -- "
         "\"$cur\")); return;;\n"
         "    --issuer-kind) COMPREPLY=($(compgen -W \"ChaosIssuer ChaosClusterIssuer Issuer "
         "ClusterIssuer\" -- \"$cur\")); return;;\n"
         "    --key-algorithm) COMPREPLY=($(compgen -W \"RSA ECDSA Ed25519\" -- \"$cur\")); "
         "return;;\n"
         "  esac\n"
         "  path=\"\"\n"
         "  for ((i=1; i<COMP_CWORD; i++)); do\n"
         "    w=\"${COMP_WORDS[i]}\"\n"
         "    case \"$w\" in -*) continue;; esac\n"
         "    case \"${path:+$path }$w\" in\n";
  for (const auto& [path, _] : words) {
    if (!path.empty()) out << "      \"" << path << "\") path=\"" << path << "\";;\n";
  }
  out << "    esac\n"
         "  done\n"
         "  case \"$path\" in\n";
  for (const auto& [path, list] : words) {
    std::string offer = join(list);
    if (path == "run") offer += " " + join(scenarios);
    if (path == "completion") offer += " bash zsh";
    if (!path.empty()) offer += " " + globals;
    out << "    \"" << path << "\") words=\"" << offer << "\";;\n";
  }
  out << "  esac\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "}\n"
         "complete -F _certchaos certchaos\n"
         "complete -F _certchaos kubectl-certchaos\n";
  return out.str();
}

}  // namespace

void addCompletionCommand(CLI::App& app, CliContext& cli) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "print a shell completion script (bash or zsh)");
  cmd->add_option("SHELL", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  setExamples(cmd,
              "  source <(certchaos completion bash)\n"
              "  certchaos completion bash > /etc/bash_completion.d/certchaos\n"
              "  source <(certchaos completion zsh)     # in ~/.zshrc\n");
  const CLI::App* root = &app;
  cmd->callback([&cli, shell, root] {
    cli.action = [&cli, shell, root] {
      if (*shell == "zsh") {
        // zsh runs the bash function through its bashcompinit layer.
        cli.out() << "#compdef certchaos kubectl-certchaos\n"
                     "autoload -U +X compinit && compinit\n"
                     "autoload -U +X bashcompinit && bashcompinit\n";
      }
      cli.out() << bashScript(*root);
      return kExitOk;
    };
  });
}

}  // namespace certchaos::cli
