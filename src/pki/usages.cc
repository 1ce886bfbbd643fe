#include "certchaos/pki/usages.h"

#include <openssl/x509v3.h>

#include <utility>

#include "certchaos/pki/certificate.h"

namespace certchaos::pki {
namespace {

// "signing" is an alias of "digital signature", as in cert-manager; the canonical name comes
// first so that keyUsageNames() prints it.
const std::vector<std::pair<std::string, unsigned>>& keyUsageTable() {
  static const std::vector<std::pair<std::string, unsigned>> kTable = {
      {"digital signature", kDigitalSignature},
      {"signing", kDigitalSignature},
      {"content commitment", kContentCommitment},
      {"key encipherment", kKeyEncipherment},
      {"key agreement", kKeyAgreement},
      {"data encipherment", kDataEncipherment},
      {"cert sign", kCertSign},
      {"crl sign", kCrlSign},
      {"encipher only", kEncipherOnly},
      {"decipher only", kDecipherOnly},
  };
  return kTable;
}

// "s/mime" is an alias of "email protection".
const std::vector<std::pair<std::string, std::string>>& extKeyUsageTable() {
  static const std::vector<std::pair<std::string, std::string>> kTable = {
      {"any", "2.5.29.37.0"},
      {"server auth", "1.3.6.1.5.5.7.3.1"},
      {"client auth", "1.3.6.1.5.5.7.3.2"},
      {"code signing", "1.3.6.1.5.5.7.3.3"},
      {"email protection", "1.3.6.1.5.5.7.3.4"},
      {"s/mime", "1.3.6.1.5.5.7.3.4"},
      {"ipsec end system", "1.3.6.1.5.5.7.3.5"},
      {"ipsec tunnel", "1.3.6.1.5.5.7.3.6"},
      {"ipsec user", "1.3.6.1.5.5.7.3.7"},
      {"timestamping", "1.3.6.1.5.5.7.3.8"},
      {"ocsp signing", "1.3.6.1.5.5.7.3.9"},
      {"microsoft sgc", "1.3.6.1.4.1.311.10.3.3"},
      {"netscape sgc", "2.16.840.1.113730.4.1"},
  };
  return kTable;
}

}  // namespace

const std::vector<std::string>& defaultUsageNames() {
  static const std::vector<std::string> kDefaults = {"digital signature", "key encipherment"};
  return kDefaults;
}

Result<Usages> usagesFromNames(const std::vector<std::string>& names, bool isCA) {
  Usages out;
  if (isCA) out.keyUsage |= kCertSign;
  std::vector<std::string> unknown;
  for (const auto& name : names.empty() ? defaultUsageNames() : names) {
    bool found = false;
    for (const auto& [n, bit] : keyUsageTable()) {
      if (n == name) {
        out.keyUsage |= bit;
        found = true;
        break;
      }
    }
    for (const auto& [n, oid] : extKeyUsageTable()) {
      if (!found && n == name) {
        out.extKeyUsageOids.push_back(oid);
        found = true;
      }
    }
    if (!found) unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::string list, known;
    for (const auto& u : unknown) list += (list.empty() ? "'" : ", '") + u + "'";
    for (const auto& [n, bit] : keyUsageTable()) known += (known.empty() ? "" : ", ") + n;
    for (const auto& [n, oid] : extKeyUsageTable()) known += ", " + n;
    return makeError("BadUsages", "spec.usages: unknown usage " + list +
                                      "; expected cert-manager "
                                      "usage names: " +
                                      known);
  }
  return out;
}

std::vector<std::string> keyUsageNames(unsigned keyUsage) {
  std::vector<std::string> out;
  unsigned seen = 0;
  for (const auto& [name, bit] : keyUsageTable()) {
    if ((keyUsage & bit) && !(seen & bit)) out.push_back(name);
    seen |= bit;
  }
  return out;
}

std::vector<std::string> extKeyUsageNames(const std::vector<std::string>& oids) {
  std::vector<std::string> out;
  for (const auto& oid : oids) {
    std::string name = oid;
    for (const auto& [n, o] : extKeyUsageTable()) {
      if (o == oid) {
        name = n;
        break;
      }
    }
    out.push_back(name);
  }
  return out;
}

unsigned keyUsageFromOpenssl(std::uint32_t flags) {
  if (flags == UINT32_MAX) return 0;
  static const std::pair<std::uint32_t, unsigned> kMap[] = {
      {KU_DIGITAL_SIGNATURE, kDigitalSignature},
      {KU_NON_REPUDIATION, kContentCommitment},
      {KU_KEY_ENCIPHERMENT, kKeyEncipherment},
      {KU_DATA_ENCIPHERMENT, kDataEncipherment},
      {KU_KEY_AGREEMENT, kKeyAgreement},
      {KU_KEY_CERT_SIGN, kCertSign},
      {KU_CRL_SIGN, kCrlSign},
      {KU_ENCIPHER_ONLY, kEncipherOnly},
      {KU_DECIPHER_ONLY, kDecipherOnly}};
  unsigned out = 0;
  for (const auto& [from, to] : kMap) {
    if ((flags & from) != 0) out |= to;
  }
  return out;
}

}  // namespace certchaos::pki
