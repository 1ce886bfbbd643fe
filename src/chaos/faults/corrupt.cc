// Scenario 22: malformed bytes in status.certificate: a truncated PEM, garbage, invalid base64
// inside the PEM armour, or a certificate that parses but whose signature is broken.
#include <openssl/pem.h>

#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

// The first PEM block of `pem` with one byte of its DER flipped at `offsetFromEnd`.
std::string flipDerByte(const std::string& pem, size_t offsetFromEnd) {
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  std::string out = pem;
  if (PEM_read_bio(in, &name, &header, &data, &len) == 1 && len > 0) {
    data[len - 1 - static_cast<long>(offsetFromEnd % static_cast<size_t>(len))] ^= 0x01;
    BIO* mem = BIO_new(BIO_s_mem());
    PEM_write_bio(mem, name, header, data, len);
    char* text = nullptr;
    long n = BIO_get_mem_data(mem, &text);
    out.assign(text, static_cast<size_t>(n));
    BIO_free(mem);
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  BIO_free(in);
  return out;
}

class Corrupt final : public Fault {
 public:
  explicit Corrupt(const ParameterSet& params) : mode_(params.text("mode")) {}
  std::string_view type() const override { return "corrupt"; }
  FaultPhase phase() const override { return FaultPhase::kOutput; }
  std::string describe() const override {
    if (mode_ == "truncate") return "returned status.certificate cut in the middle";
    if (mode_ == "garbage") return "returned random bytes as status.certificate";
    if (mode_ == "bad-base64") return "returned a PEM block whose body is not base64";
    return "returned a certificate whose signature bytes are altered";
  }
  void reshape(SignedOutput& out, Random& random) const override {
    std::string& pem = out.certificatePem;
    if (mode_ == "truncate") {
      pem.resize(pem.size() / 2);
    } else if (mode_ == "garbage") {
      std::string bytes(512, '\0');
      for (auto& b : bytes) b = static_cast<char>(random.next() & 0xff);
      pem = bytes;
    } else if (mode_ == "bad-base64") {
      const size_t body = pem.find('\n') + 1;
      for (size_t i = body; i < body + 16 && i < pem.size(); ++i) pem[i] = '!';
    } else {
      // The signature is the DER's tail: flipping its last byte keeps it parseable.
      const std::string leaf = pem.substr(0, pem.find("-----END CERTIFICATE-----") + 26);
      pem = flipDerByte(leaf, 0) + pem.substr(leaf.size());
    }
  }

 private:
  std::string mode_;
};

}  // namespace

const FaultFactory& corrupt() {
  static const FaultFactory kFactory{
      {"corrupt",
       "return malformed bytes in status.certificate",
       {param(
           "mode", ParameterKind::kEnum, "truncate",
           "truncate: the PEM cut in half; garbage: 512 random bytes; bad-base64: invalid "
           "characters inside the PEM armour; bad-signature: parses, but the signature is altered",
           {"truncate", "garbage", "bad-base64", "bad-signature"})}},
      &make<Corrupt>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
