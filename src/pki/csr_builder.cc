#include "certchaos/pki/csr_builder.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certchaos/pki/certificate.h"
#include "openssl_util.h"

namespace certchaos::pki {
Result<std::string> buildCsrPem(const CsrTemplate& tmpl, const PrivateKey& key) {
  X509_REQ* raw = X509_REQ_new();
  struct Free {
    X509_REQ* r;
    ~Free() { X509_REQ_free(r); }
  } guard{raw};
  X509_REQ_set_version(raw, 0);
  if (!tmpl.subjectDer.empty()) {
    const auto* p = reinterpret_cast<const unsigned char*>(tmpl.subjectDer.data());
    X509_NAME* der = d2i_X509_NAME(nullptr, &p, static_cast<long>(tmpl.subjectDer.size()));
    if (der == nullptr) {
      return makeError("BadTemplate", "subjectDer is not a DER Name: " + lastOpensslError());
    }
    X509_REQ_set_subject_name(raw, der);
    X509_NAME_free(der);
  }
  X509_NAME* name = X509_REQ_get_subject_name(raw);
  for (const auto& [type, value] : tmpl.subjectDer.empty()
                                       ? tmpl.subject
                                       : std::vector<std::pair<std::string, std::string>>{}) {
    if (X509_NAME_add_entry_by_txt(name, type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) != 1) {
      return makeError("BadTemplate",
                       "cannot encode subject attribute " + type + ": " + lastOpensslError());
    }
  }
  X509_REQ_set_pubkey(raw, key.get());

  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  struct FreeExts {
    STACK_OF(X509_EXTENSION) * e;
    ~FreeExts() { sk_X509_EXTENSION_pop_free(e, X509_EXTENSION_free); }
  } extsGuard{exts};
  auto names = detail::buildGeneralNames(
      {tmpl.dnsNames, tmpl.ipAddresses, tmpl.uris, tmpl.emails, tmpl.otherSans});
  if (!names) return names.error();
  if (sk_GENERAL_NAME_num(names->get()) > 0) {
    const bool subjectEmpty = X509_NAME_entry_count(name) == 0;
    sk_X509_EXTENSION_push(
        exts, X509V3_EXT_i2d(NID_subject_alt_name, subjectEmpty ? 1 : 0, names->get()));
  }
  std::vector<std::pair<int, std::string>> confs;
  if (tmpl.keyUsage) confs.emplace_back(NID_key_usage, detail::keyUsageConf(*tmpl.keyUsage));
  if (tmpl.extKeyUsageOids && !tmpl.extKeyUsageOids->empty()) {
    std::string eku;
    for (const auto& oid : *tmpl.extKeyUsageOids) eku += (eku.empty() ? "" : ",") + oid;
    confs.emplace_back(NID_ext_key_usage, eku);
  }
  if (tmpl.isCA)
    confs.emplace_back(NID_basic_constraints,
                       *tmpl.isCA ? "critical,CA:TRUE" : "critical,CA:FALSE");
  auto encodingError = [](const std::string& value) {
    return makeError("BadTemplate", "cannot encode extension " + value + ": " + lastOpensslError());
  };
  for (const auto& [nid, value] : confs) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value.c_str());
    if (ext == nullptr) return encodingError(value);
    sk_X509_EXTENSION_push(exts, ext);
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, nullptr, nullptr, raw, nullptr, 0);
  X509V3_set_ctx_nodb(&ctx);
  for (const auto& [extName, value] : tmpl.extraExtensions) {
    X509_EXTENSION* ext = X509V3_EXT_nconf(nullptr, &ctx, extName.c_str(), value.c_str());
    if (ext == nullptr) return encodingError(extName + "=" + value);
    sk_X509_EXTENSION_push(exts, ext);
  }
  if (sk_X509_EXTENSION_num(exts) > 0) X509_REQ_add_extensions(raw, exts);
  const int id = EVP_PKEY_get_base_id(key.get());
  const bool edwards = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448;
  const EVP_MD* md = edwards ? nullptr : EVP_get_digestbyname(tmpl.digest.c_str());
  if (X509_REQ_sign(raw, key.get(), md) <= 0) {
    return makeError("SigningFailed", "signing the CSR failed: " + lastOpensslError());
  }
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), raw);
  return detail::bioToString(bio.get());
}

std::string encodeBase64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace certchaos::pki
