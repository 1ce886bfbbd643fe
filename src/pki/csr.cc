#include "certchaos/pki/csr.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "openssl_util.h"

namespace certchaos::pki {
namespace {

using detail::BioPtr;

// Base64 as `format: byte` fields carry it (whitespace tolerated); a wrong byte is named, not
// guessed at, so the message points at the real problem.
Result<std::string> decodeBase64(std::string_view in) {
  std::string compact;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (!std::isalnum(c) && c != '+' && c != '/' && c != '=') {
      char found[8];
      std::snprintf(found, sizeof found, "0x%02x", c);
      return makeError("BadRequest",
                       "spec.request: expected base64 (A-Z a-z 0-9 + / =), found "
                       "byte " +
                           std::string(found) + " at offset " + std::to_string(i) +
                           "; cert-manager sends base64 of the "
                           "PEM CSR, so check what created this CertificateRequest");
    }
    compact.push_back(static_cast<char>(c));
  }
  if (compact.size() % 4 != 0) {
    return makeError("BadRequest",
                     "spec.request: expected base64 whose length is a multiple of "
                     "4, found " +
                         std::to_string(compact.size()) + " characters; the request was truncated");
  }
  std::string out(compact.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(compact.data()),
                                static_cast<int>(compact.size()));
  if (n < 0) {
    return makeError("BadRequest",
                     "spec.request: expected base64, found misplaced padding; "
                     "the request was altered");
  }
  // EVP_DecodeBlock counts the bytes that padding stands for; drop them.
  size_t pad = 0;
  while (pad < 2 && pad < compact.size() && compact[compact.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string curveName(EVP_PKEY* key) {
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    return "";
  }
  return std::string(name, len);
}

}  // namespace

std::string PublicKeyInfo::describe() const {
  switch (type) {
    case PublicKeyType::kRsa:
      return "RSA " + std::to_string(bits);
    case PublicKeyType::kEcdsa:
      return "ECDSA " + curve;
    case PublicKeyType::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

KeyAlgorithm PublicKeyInfo::algorithm() const {
  switch (type) {
    case PublicKeyType::kRsa:
      return bits >= 4096   ? KeyAlgorithm::kRsa4096
             : bits >= 3072 ? KeyAlgorithm::kRsa3072
                            : KeyAlgorithm::kRsa2048;
    case PublicKeyType::kEcdsa:
      return curve == "P-521"   ? KeyAlgorithm::kEcdsaP521
             : curve == "P-384" ? KeyAlgorithm::kEcdsaP384
                                : KeyAlgorithm::kEcdsaP256;
    case PublicKeyType::kEd25519:
      return KeyAlgorithm::kEd25519;
  }
  return KeyAlgorithm::kEcdsaP256;
}

Result<PublicKeyInfo> checkKeyPolicy(EVP_PKEY* key) {
  static const char* kAccepted =
      "accepted keys are RSA 2048 to 4096 bits, ECDSA P-256, P-384 or P-521, and Ed25519; set "
      "the Certificate's spec.privateKey.algorithm and size to one of them";
  PublicKeyInfo info;
  const int id = EVP_PKEY_get_base_id(key);
  const int bits = EVP_PKEY_get_bits(key);
  if (id == EVP_PKEY_RSA) {
    info.type = PublicKeyType::kRsa;
    info.bits = bits;
    if (bits < 2048 || bits > 4096) {
      return makeError("WeakKey", "expected an RSA key of 2048 to 4096 bits, found RSA " +
                                      std::to_string(bits) + "; " + kAccepted);
    }
    return info;
  }
  if (id == EVP_PKEY_EC) {
    const std::string group = curveName(key);
    info.type = PublicKeyType::kEcdsa;
    info.bits = bits;
    if (group == "prime256v1" || group == "P-256") {
      info.curve = "P-256";
    } else if (group == "secp384r1" || group == "P-384") {
      info.curve = "P-384";
    } else if (group == "secp521r1" || group == "P-521") {
      info.curve = "P-521";
    } else {
      return makeError("UnsupportedKey",
                       "expected an ECDSA key on P-256, P-384 or P-521, found "
                       "curve '" +
                           group + "'; " + kAccepted);
    }
    return info;
  }
  if (id == EVP_PKEY_ED25519) {
    info.type = PublicKeyType::kEd25519;
    info.bits = 256;
    return info;
  }
  const char* name = OBJ_nid2sn(id);
  return makeError("UnsupportedKey", std::string("found a key of type ") +
                                         (name != nullptr ? name : "unknown") + "; " + kAccepted);
}

Result<CertificateSigningRequest> CertificateSigningRequest::fromBase64Pem(
    std::string_view base64) {
  if (base64.find_first_not_of(" \t\r\n") == std::string_view::npos) return fromPem("");
  // Tolerate a bare PEM: some tools (and humans with kubectl) put the PEM itself there.
  if (base64.find("-----BEGIN") != std::string_view::npos) return fromPem(base64);
  auto pem = decodeBase64(base64);
  if (!pem) return pem.error();
  if (pem->find("-----BEGIN") == std::string::npos) {
    return makeError("BadRequest",
                     "spec.request: expected base64 of a PEM block \"-----BEGIN CERTIFICATE "
                     "REQUEST-----\", found base64 of " +
                         std::to_string(pem->size()) +
                         " bytes without a PEM header (DER instead of PEM?)");
  }
  return fromPem(*pem);
}

Result<CertificateSigningRequest> CertificateSigningRequest::fromPem(std::string_view pem) {
  if (pem.empty()) {
    return makeError("BadRequest",
                     "spec.request: expected a PEM CERTIFICATE REQUEST, found an "
                     "empty request");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509_REQ* raw = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) {
    return makeError("BadRequest",
                     "spec.request: expected a PEM CERTIFICATE REQUEST (PKCS#10), found data "
                     "OpenSSL cannot read (" +
                         lastOpensslError() + "); recreate the request");
  }
  CertificateSigningRequest csr{X509ReqPtr(raw)};
  EVP_PKEY* key = csr.publicKey();
  if (key == nullptr) {
    return makeError("BadRequest",
                     "spec.request: the CSR's public key cannot be decoded: " + lastOpensslError());
  }
  auto info = checkKeyPolicy(key);
  if (!info) return info.error();
  csr.keyInfo_ = *info;
  if (X509_REQ_verify(raw, key) != 1) {
    ERR_clear_error();
    return makeError("BadSignature",
                     "spec.request: expected a CSR signed by its own " + info->describe() +
                         " key, found a signature that does not verify; the request was altered "
                         "or built wrongly, recreate it");
  }
  csr.subject_ = detail::nameEntries(X509_REQ_get_subject_name(raw));
  if (auto r = csr.readExtensions(); !r) return r.error();
  return csr;
}

EVP_PKEY* CertificateSigningRequest::publicKey() const { return X509_REQ_get0_pubkey(req_.get()); }

std::string CertificateSigningRequest::commonName() const {
  for (const auto& [type, value] : subject_) {
    if (type == "CN") return value;
  }
  return "";
}

std::string CertificateSigningRequest::toPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req_.get());
  return detail::bioToString(bio.get());
}

std::string CertificateSigningRequest::subjectDer() const {
  return detail::nameDer(X509_REQ_get_subject_name(req_.get()));
}

Result<void> CertificateSigningRequest::readExtensions() {
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req_.get());
  if (exts == nullptr) {
    // No extensions, or an extensionRequest attribute OpenSSL cannot decode: tell them apart.
    if (X509_REQ_get_attr_by_NID(req_.get(), NID_ext_req, -1) >= 0) {
      return makeError("BadRequest",
                       "spec.request: the CSR's extensionRequest attribute is not valid DER: " +
                           lastOpensslError() + "; recreate the request");
    }
    ERR_clear_error();
    return {};
  }
  struct Free {
    STACK_OF(X509_EXTENSION) * e;
    ~Free() { sk_X509_EXTENSION_pop_free(e, X509_EXTENSION_free); }
  } guard{exts};
  auto bad = [](const char* what) {
    return makeError("BadRequest", std::string("spec.request: the CSR's ") + what +
                                       " extension is not valid DER: " + lastOpensslError());
  };
  std::vector<int> seen;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    const std::string name = nid != NID_undef ? OBJ_nid2ln(nid) : "";
    const std::string oid = detail::oidText(X509_EXTENSION_get_object(ext));
    if (nid != NID_undef && std::find(seen.begin(), seen.end(), nid) != seen.end()) {
      return makeError("BadRequest", "spec.request: expected each extension once, found " + name +
                                         " twice; recreate the request");
    }
    seen.push_back(nid);
    switch (nid) {
      case NID_subject_alt_name: {
        detail::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
        if (!names) return bad("subjectAltName");
        auto sans = detail::splitGeneralNames(names.get(), "spec.request");
        if (!sans) return sans.error();
        dnsNames_ = std::move(sans->dns);
        ipAddresses_ = std::move(sans->ips);
        uris_ = std::move(sans->uris);
        emails_ = std::move(sans->emails);
        otherSans_ = std::move(sans->others);
        const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
        subjectAltNameDer_.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                                  static_cast<size_t>(ASN1_STRING_length(value)));
        break;
      }
      case NID_name_constraints: {
        auto* nc = static_cast<NAME_CONSTRAINTS*>(X509V3_EXT_d2i(ext));
        if (nc == nullptr) return bad("nameConstraints");
        NAME_CONSTRAINTS_free(nc);
        const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
        nameConstraints_ =
            RawExtension{std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                                     static_cast<size_t>(ASN1_STRING_length(value))),
                         X509_EXTENSION_get_critical(ext) == 1};
        break;
      }
      case NID_key_usage: {
        auto* bits = static_cast<ASN1_BIT_STRING*>(X509V3_EXT_d2i(ext));
        if (bits == nullptr) return bad("keyUsage");
        unsigned usage = 0;
        for (int bit = 0; bit < 9; ++bit) {
          if (ASN1_BIT_STRING_get_bit(bits, bit)) usage |= 1u << bit;
        }
        ASN1_BIT_STRING_free(bits);
        keyUsage_ = usage;
        break;
      }
      case NID_ext_key_usage: {
        auto* ekus = static_cast<EXTENDED_KEY_USAGE*>(X509V3_EXT_d2i(ext));
        if (ekus == nullptr) return bad("extendedKeyUsage");
        std::vector<std::string> oids;
        for (int j = 0; j < sk_ASN1_OBJECT_num(ekus); ++j) {
          oids.push_back(detail::oidText(sk_ASN1_OBJECT_value(ekus, j)));
        }
        EXTENDED_KEY_USAGE_free(ekus);
        extKeyUsage_ = std::move(oids);
        break;
      }
      case NID_basic_constraints: {
        auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(ext));
        if (bc == nullptr) return bad("basicConstraints");
        BasicConstraints out;
        out.isCA = bc->ca != 0;
        if (bc->pathlen != nullptr)
          out.maxPathLength = static_cast<int>(ASN1_INTEGER_get(bc->pathlen));
        BASIC_CONSTRAINTS_free(bc);
        basicConstraints_ = out;
        break;
      }
      default:
        // cert-manager's CA issuer drops what it does not know; an issuer that cannot honour an
        // extension says so instead of issuing a certificate without it.
        return makeError("UnsupportedExtension",
                         "spec.request: the CSR asks for the extension " +
                             (name.empty() ? oid : name + " (" + oid + ")") +
                             ", which this issuer cannot put in a certificate; it honours "
                             "subjectAltName, keyUsage, extendedKeyUsage, basicConstraints and "
                             "nameConstraints. Remove it from the request, or use an issuer "
                             "that supports it");
    }
  }
  return {};
}

}  // namespace certchaos::pki
