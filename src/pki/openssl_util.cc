#include "openssl_util.h"

#include <arpa/inet.h>
#include <openssl/err.h>

#include <algorithm>
#include <ctime>

#include "certchaos/pki/certificate.h"

namespace certchaos::pki::detail {

std::string bioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

SystemTime asn1ToTimePoint(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return fromUnixSecondsSaturated(timegm(&tm));
}

std::string asn1ToUtf8(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string keyUsageConf(unsigned usage) {
  static const std::pair<unsigned, const char*> kNames[] = {{kDigitalSignature, "digitalSignature"},
                                                            {kContentCommitment, "nonRepudiation"},
                                                            {kKeyEncipherment, "keyEncipherment"},
                                                            {kDataEncipherment, "dataEncipherment"},
                                                            {kKeyAgreement, "keyAgreement"},
                                                            {kCertSign, "keyCertSign"},
                                                            {kCrlSign, "cRLSign"},
                                                            {kEncipherOnly, "encipherOnly"},
                                                            {kDecipherOnly, "decipherOnly"}};
  std::string out = "critical";
  for (const auto& [bit, name] : kNames) {
    if (usage & bit) out += std::string(",") + name;
  }
  return out;
}

std::string oidText(const ASN1_OBJECT* obj) {
  char buf[128];
  int len = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return len > 0 ? std::string(buf, std::min<size_t>(static_cast<size_t>(len), sizeof buf - 1))
                 : "";
}

std::vector<std::pair<std::string, std::string>> nameEntries(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(entry);
    int nid = OBJ_obj2nid(obj);
    std::string type = nid != NID_undef ? OBJ_nid2sn(nid) : oidText(obj);
    out.emplace_back(type, asn1ToUtf8(X509_NAME_ENTRY_get_data(entry)));
  }
  return out;
}

namespace {

std::string ia5Text(const ASN1_IA5STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

bool isIa5(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::string generalNameDer(const GENERAL_NAME* name) {
  unsigned char* der = nullptr;
  const int len = i2d_GENERAL_NAME(name, &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string nameDer(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  size_t len = 0;
  if (X509_NAME_get0_der(name, &der, &len) != 1) return "";
  return std::string(reinterpret_cast<const char*>(der), len);
}

Result<SubjectAltNames> splitGeneralNames(const GENERAL_NAMES* names, const std::string& where) {
  SubjectAltNames out;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    auto ia5 = [&](const char* kind, const ASN1_IA5STRING* s,
                   std::vector<std::string>& into) -> Result<void> {
      std::string v = ia5Text(s);
      if (!isIa5(v)) {
        return makeError("BadRequest", where + ": expected the " + kind + " subjectAltName #" +
                                           std::to_string(i + 1) +
                                           " to be ASCII (IA5String), found non-ASCII bytes; "
                                           "encode international names as punycode");
      }
      into.push_back(std::move(v));
      return {};
    };
    Result<void> r;
    switch (name->type) {
      case GEN_DNS:
        r = ia5("DNS", name->d.dNSName, out.dns);
        break;
      case GEN_URI:
        r = ia5("URI", name->d.uniformResourceIdentifier, out.uris);
        break;
      case GEN_EMAIL:
        r = ia5("email", name->d.rfc822Name, out.emails);
        break;
      case GEN_IPADD: {
        const ASN1_OCTET_STRING* ip = name->d.iPAddress;
        const int len = ASN1_STRING_length(ip);
        if (len != 4 && len != 16) {
          return makeError("BadRequest", where + ": expected the IP subjectAltName #" +
                                             std::to_string(i + 1) +
                                             " to be 4 (IPv4) or 16 (IPv6) bytes, found " +
                                             std::to_string(len) + "; recreate the request");
        }
        char buf[INET6_ADDRSTRLEN] = {};
        inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof buf);
        out.ips.emplace_back(buf);
        break;
      }
      default: {
        std::string der = generalNameDer(name);
        if (der.empty()) {
          return makeError("BadRequest", where + ": subjectAltName #" + std::to_string(i + 1) +
                                             " cannot be encoded again: " + lastOpensslError());
        }
        out.others.push_back(std::move(der));
        break;
      }
    }
    if (!r) return r.error();
  }
  return out;
}

Result<GeneralNamesPtr> buildGeneralNames(const SubjectAltNames& sans) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  auto push = [&](GENERAL_NAME* n) { sk_GENERAL_NAME_push(names.get(), n); };
  auto addIa5 = [&](int type, const char* kind, const std::string& v) -> Result<void> {
    if (!isIa5(v)) {
      return makeError("BadTemplate", std::string("expected an ASCII ") + kind +
                                          " subjectAltName, found '" + v + "'");
    }
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, v.data(), static_cast<int>(v.size()));
    GENERAL_NAME* n = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(n, type, s);
    push(n);
    return {};
  };
  for (const auto& v : sans.dns) {
    if (auto r = addIa5(GEN_DNS, "DNS", v); !r) return r.error();
  }
  for (const auto& v : sans.emails) {
    if (auto r = addIa5(GEN_EMAIL, "email", v); !r) return r.error();
  }
  for (const auto& v : sans.ips) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(v.c_str());
    if (ip == nullptr) {
      ERR_clear_error();
      return makeError("BadTemplate",
                       "expected an IPv4 or IPv6 address as IP subjectAltName, found '" + v + "'");
    }
    GENERAL_NAME* n = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(n, GEN_IPADD, ip);
    push(n);
  }
  for (const auto& v : sans.uris) {
    if (auto r = addIa5(GEN_URI, "URI", v); !r) return r.error();
  }
  for (const auto& der : sans.others) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    GENERAL_NAME* n = d2i_GENERAL_NAME(nullptr, &p, static_cast<long>(der.size()));
    if (n == nullptr) {
      return makeError("BadTemplate",
                       "a subjectAltName entry is not a DER GeneralName: " + lastOpensslError());
    }
    push(n);
  }
  return names;
}

}  // namespace certchaos::pki::detail
