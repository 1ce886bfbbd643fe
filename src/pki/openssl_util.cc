#include "openssl_util.h"

#include <arpa/inet.h>

#include "certchaos/pki/certificate.h"

namespace certchaos::pki::detail {

std::string bioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
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

SubjectAltNames splitGeneralNames(const GENERAL_NAMES* names) {
  SubjectAltNames out;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    auto text = [](const ASN1_IA5STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    };
    switch (name->type) {
      case GEN_DNS:
        out.dns.push_back(text(name->d.dNSName));
        break;
      case GEN_URI:
        out.uris.push_back(text(name->d.uniformResourceIdentifier));
        break;
      case GEN_EMAIL:
        out.emails.push_back(text(name->d.rfc822Name));
        break;
      case GEN_IPADD: {
        const ASN1_OCTET_STRING* ip = name->d.iPAddress;
        char buf[INET6_ADDRSTRLEN] = {};
        int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
        if (inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf) != nullptr) {
          out.ips.emplace_back(buf);
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace certchaos::pki::detail
