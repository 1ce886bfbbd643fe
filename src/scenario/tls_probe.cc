#include "certchaos/scenario/tls_probe.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "certchaos/common/time.h"
#include "certchaos/pki/key.h"

namespace certchaos::scenario {
namespace {

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// An extension as `openssl x509 -text` prints it: "X509v3 Key Usage: CRL Sign"; "" when absent.
std::string extensionText(X509* cert, int nid) {
  const int at = X509_get_ext_by_NID(cert, nid, -1);
  X509_EXTENSION* ext = at < 0 ? nullptr : X509_get_ext(cert, at);
  if (ext == nullptr) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || X509V3_EXT_print(bio.get(), ext, 0, 0) != 1) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  std::string value(data, static_cast<std::size_t>(size));
  return std::string(OBJ_nid2ln(nid)) + ": " + value;
}

// Why a certificate is unfit for the purpose the client checks (a TLS server; a CA above the
// leaf): the extensions that forbid it, so that the report names the extension, not only
// "unsuitable certificate purpose". Every usage extension present when none is clearly at fault.
std::string unfitExtensions(X509* cert, int depth) {
  std::vector<std::string> culprits;
  const std::string eku = extensionText(cert, NID_ext_key_usage);
  const std::string ku = extensionText(cert, NID_key_usage);
  const std::string bc = extensionText(cert, NID_basic_constraints);
  if (depth == 0) {
    if (!eku.empty() && (X509_get_extended_key_usage(cert) & XKU_SSL_SERVER) == 0) {
      culprits.push_back(eku + " (a TLS server needs TLS Web Server Authentication)");
    }
    if (!ku.empty() && (X509_get_key_usage(cert) &
                        (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) == 0) {
      culprits.push_back(ku +
                         " (a TLS server needs Digital Signature, Key Encipherment or Key "
                         "Agreement)");
    }
  }
  if (culprits.empty()) {
    for (const auto* text : {&eku, &ku, &bc}) {
      if (!text->empty()) culprits.push_back(*text);
    }
  }
  std::string out;
  for (const auto& c : culprits) out += (out.empty() ? "" : "; ") + c;
  return out;
}

// The first certificate that failed verification, recorded by the verify callback (OpenSSL
// reports only the error code afterwards, not which certificate of the chain it concerned).
struct VerifyFailure {
  std::optional<RejectedCertificate> rejected;
};

int recordFirstFailure(int preverifyOk, X509_STORE_CTX* ctx) {
  if (preverifyOk == 1) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* failure = ssl == nullptr ? nullptr : static_cast<VerifyFailure*>(SSL_get_app_data(ssl));
  X509* cert = X509_STORE_CTX_get_current_cert(ctx);
  if (failure != nullptr && !failure->rejected && cert != nullptr && X509_up_ref(cert) == 1) {
    const pki::Certificate c{pki::X509Ptr(cert)};
    const std::string cn = c.subjectCommonName();
    const int depth = X509_STORE_CTX_get_error_depth(ctx);
    failure->rejected = RejectedCertificate{
        depth,
        cn.empty() ? "" : "CN=" + cn,
        c.serialHex(),
        c.notBefore(),
        c.notAfter(),
        X509_STORE_CTX_get_error(ctx) == X509_V_ERR_INVALID_PURPOSE ? unfitExtensions(cert, depth)
                                                                    : ""};
  }
  // Stop at the first error, as a client's default verification does; the handshake goes on
  // (SSL_VERIFY_NONE) so that the served certificate is still seen.
  return 0;
}

// "certificate has expired at depth 1 (CN=..., serial 1A, notAfter 2026-...)": names the
// certificate the error is about, which is not always the leaf; for a name mismatch, the name the
// client asked for and the names the certificate holds; for an unfit certificate, the extension.
std::string describeFailure(long verify, const std::optional<RejectedCertificate>& rejected,
                            const std::string& serverName,
                            const std::optional<pki::Certificate>& served) {
  std::string out = X509_verify_cert_error_string(verify);
  if (!rejected) return out;
  out += " at depth " + std::to_string(rejected->depth) + " (" +
         (rejected->depth == 0 ? "the leaf" : "a CA certificate") +
         (rejected->subject.empty() ? "" : " " + rejected->subject) + ", serial " +
         rejected->serial;
  if (verify == X509_V_ERR_CERT_HAS_EXPIRED)
    out += ", notAfter " + formatRfc3339(rejected->notAfter);
  if (verify == X509_V_ERR_CERT_NOT_YET_VALID) {
    out += ", notBefore " + formatRfc3339(rejected->notBefore);
  }
  out += ")";
  if ((verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) &&
      served) {
    std::string names;
    for (const auto& n : served->dnsNames()) names += (names.empty() ? "" : ", ") + ("DNS:" + n);
    for (const auto& n : served->ipAddresses()) names += (names.empty() ? "" : ", ") + ("IP:" + n);
    out += ": the client asked for " + serverName + "; the certificate names " +
           (names.empty() ? "no DNS name or IP address" : names);
  }
  if (!rejected->unfitExtensions.empty()) out += ": " + rejected->unfitExtensions;
  return out;
}

// The CRL a distribution point names, fetched as a client does (http only: CRLs are signed, and
// RFC 5280 distribution points are http or ldap).
Result<pki::Crl> fetchCrl(const std::string& url, std::chrono::milliseconds timeout) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) {
    return makeError("BadCRL", "expected an http:// CRL distribution point, found '" + url + "'");
  }
  const auto slash = url.find('/', prefix.size());
  const std::string hostPort = url.substr(prefix.size(), slash - prefix.size());
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  httplib::Client http("http://" + hostPort);
  const auto seconds = static_cast<time_t>(timeout.count() / 1000);
  const auto micros = static_cast<time_t>((timeout.count() % 1000) * 1000);
  http.set_connection_timeout(seconds, micros);
  http.set_read_timeout(seconds, micros);
  auto res = http.Get(path);
  if (!res) {
    return makeError("CRLUnavailable",
                     "cannot fetch the CRL " + url + ": " + httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return makeError("CRLUnavailable",
                     "fetching the CRL " + url + " answered HTTP " + std::to_string(res->status));
  }
  auto crl = pki::Crl::parse(res->body);
  if (!crl) return makeError(crl.error().code, "the CRL " + url + ": " + crl.error().message);
  return crl;
}

}  // namespace

std::string checkAgainstCrl(const pki::Certificate& served,
                            const std::vector<pki::Certificate>& intermediates,
                            const std::string& trustedCaPem, const pki::Crl& crl, SystemTime now,
                            bool* revoked) {
  *revoked = false;
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  BIO* bio = BIO_new_mem_buf(trustedCaPem.data(), static_cast<int>(trustedCaPem.size()));
  while (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), ca);
    X509_free(ca);
  }
  BIO_free(bio);
  ERR_clear_error();
  X509_STORE_add_crl(store.get(), crl.get());
  struct StackDeleter {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // the certificates not owned
  };
  std::unique_ptr<STACK_OF(X509), StackDeleter> chain(sk_X509_new_null());
  for (const auto& c : intermediates) sk_X509_push(chain.get(), c.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), served.get(), chain.get()) != 1) {
    return "revocation check failed: cannot set up the verification (" + pki::lastOpensslError() +
           ")";
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) == 1) return "";
  const int error = X509_STORE_CTX_get_error(ctx.get());
  const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  ERR_clear_error();
  std::string out = X509_verify_cert_error_string(error);
  out += " at depth " + std::to_string(depth);
  if (error == X509_V_ERR_CERT_REVOKED && depth == 0) {
    *revoked = true;
    out += " (the leaf, serial " + served.serialHex();
    for (const auto& entry : crl.revoked()) {
      if (entry.serialHex == served.serialHex()) {
        out += ", revoked at " + formatRfc3339(entry.revokedAt);
      }
    }
    out += ", in the CRL of CN=" + crl.issuerCommonName() + ")";
    return out;
  }
  return "revocation check failed: " + out;
}

Result<ProbeTarget> parseProbeUrl(const std::string& url) {
  const std::string prefix = "https://";
  if (url.rfind(prefix, 0) != 0) {
    return makeError("BadInput",
                     "expected an https://HOST:PORT URL for the application, found '" + url + "'");
  }
  std::string rest = url.substr(prefix.size());
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  ProbeTarget t;
  t.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  try {
    t.port = colon == std::string::npos ? 443 : std::stoi(rest.substr(colon + 1));
  } catch (const std::exception&) {
    return makeError("BadInput", "expected a port number in '" + url + "'");
  }
  if (t.port <= 0 || t.port > 65535 || t.host.empty()) {
    return makeError("BadInput", "expected https://HOST:PORT, found '" + url + "'");
  }
  return t;
}

ProbeResult probeTls(const ProbeTarget& target, std::chrono::milliseconds timeout) {
  ProbeResult result;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(target.port));
  if (inet_pton(AF_INET, target.host.c_str(), &addr.sin_addr) != 1) {
    result.error = "the probe needs an IPv4 address, found '" + target.host + "'";
    return result;
  }
  Socket sock(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    result.error = std::string("connect: ") + std::strerror(errno);
    return result;
  }

  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_client_method()));
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
  BIO* bio =
      BIO_new_mem_buf(target.trustedCaPem.data(), static_cast<int>(target.trustedCaPem.size()));
  while (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, ca);
    X509_free(ca);
  }
  BIO_free(bio);
  ERR_clear_error();
  // Verification is judged after the handshake, so that the served certificate is seen even
  // when it does not verify.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(ctx.get()));
  VerifyFailure failure;
  SSL_set_app_data(ssl.get(), &failure);
  SSL_set_verify(ssl.get(), SSL_VERIFY_NONE, &recordFirstFailure);
  SSL_set_fd(ssl.get(), sock.get());
  SSL_set_tlsext_host_name(ssl.get(), target.serverName.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (!target.serverName.empty()) {
    if (inet_pton(AF_INET, target.serverName.c_str(), &addr.sin_addr) == 1) {
      X509_VERIFY_PARAM_set1_ip_asc(param, target.serverName.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, target.serverName.c_str(), 0);
    }
  }
  if (SSL_connect(ssl.get()) != 1) {
    result.error = "TLS handshake failed: " + pki::lastOpensslError();
    return result;
  }
  if (X509* peer = SSL_get1_peer_certificate(ssl.get())) {
    result.served.emplace(pki::X509Ptr(peer));
  }
  long verify = SSL_get_verify_result(ssl.get());
  if (!result.served) {
    result.error = "the server presented no certificate";
  } else if (verify != X509_V_OK) {
    result.rejected = failure.rejected;
    result.error = describeFailure(verify, failure.rejected, target.serverName, result.served);
  } else {
    result.ok = true;
  }
  const auto points =
      result.served ? result.served->crlDistributionPoints() : std::vector<std::string>{};
  if (result.ok && target.checkRevocation && !points.empty()) {
    std::vector<pki::Certificate> intermediates;
    STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl.get());  // the leaf first, on a client
    for (int i = 1; sent != nullptr && i < sk_X509_num(sent); ++i) {
      X509* c = sk_X509_value(sent, i);
      if (X509_up_ref(c) == 1) intermediates.emplace_back(pki::X509Ptr(c));
    }
    auto crl = fetchCrl(points.front(), timeout);
    if (!crl) {
      // As a client that checks revocation (hard fail): no CRL, no trust.
      result.ok = false;
      result.error = "revocation check failed: " + crl.error().message;
    } else {
      result.error = checkAgainstCrl(*result.served, intermediates, target.trustedCaPem, *crl,
                                     std::chrono::system_clock::now(), &result.revoked);
      result.ok = result.error.empty();
    }
  }
  SSL_shutdown(ssl.get());
  return result;
}

}  // namespace certchaos::scenario
