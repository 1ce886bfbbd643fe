#include "certchaos/report/redaction.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace certchaos::report {
namespace {

constexpr std::string_view kPrivateKeyPlaceholder = "[REDACTED PRIVATE KEY]";

struct Span {
  std::size_t begin;
  std::size_t end;
  std::string_view replacement;
};

// Applies sorted spans; a span overlapping an earlier one is merged into it.
std::string replaceSpans(std::string_view text, std::vector<Span> spans) {
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (const auto& s : spans) {
    if (s.begin < pos) {  // overlaps what is already replaced: extend it
      pos = std::max(pos, s.end);
      continue;
    }
    out.append(text.substr(pos, s.begin - pos));
    out.append(s.replacement);
    pos = s.end;
  }
  out.append(text.substr(std::min(pos, text.size())));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool isBase64(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' || c == '=';
}
bool isBase64Url(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}
// Characters of a credential after "Bearer " (RFC 6750 b64token) or a key = value.
bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

std::string base64(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string decodeBase64Prefix(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) break;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// -----BEGIN ... PRIVATE KEY----- ... -----END ... PRIVATE KEY-----; an unterminated block
// (a truncated log line) is redacted as far as its body goes.
void findPemKeys(std::string_view text, std::vector<Span>& spans) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  std::size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != std::string_view::npos) {
    std::size_t labelStart = pos + kBegin.size();
    std::size_t labelEnd = text.find("-----", labelStart);
    if (labelEnd == std::string_view::npos || labelEnd - labelStart > 40) {
      pos = labelStart;
      continue;
    }
    std::string_view label = text.substr(labelStart, labelEnd - labelStart);
    if (!label.ends_with("PRIVATE KEY")) {
      pos = labelEnd;
      continue;
    }
    std::string endMarker = "-----END " + std::string(label) + "-----";
    std::size_t end = text.find(endMarker, labelEnd);
    if (end != std::string_view::npos) {
      end += endMarker.size();
    } else {
      end = labelEnd + 5;
      while (end < text.size() &&
             (isBase64(text[end]) || std::isspace(static_cast<unsigned char>(text[end])) != 0 ||
              text[end] == '\\')) {
        ++end;
      }
    }
    spans.push_back({pos, end, kPrivateKeyPlaceholder});
    pos = end;
  }
}

// A Secret's tls.key as the API returns it: base64 of a PEM private key ("LS0tLS1CRUdJTi...").
void findBase64PemKeys(std::string_view text, std::vector<Span>& spans) {
  constexpr std::string_view kEncodedBegin = "LS0tLS1CRUdJTi";  // base64("-----BEGIN")
  std::size_t pos = 0;
  while ((pos = text.find(kEncodedBegin, pos)) != std::string_view::npos) {
    std::size_t end = pos;
    while (end < text.size() && isBase64(text[end])) ++end;
    std::string head = decodeBase64Prefix(text.substr(pos, std::min<std::size_t>(end - pos, 96)));
    std::size_t line = head.find("-----", 5);
    if (line != std::string::npos && head.substr(0, line).ends_with("PRIVATE KEY")) {
      spans.push_back({pos, end, kPrivateKeyPlaceholder});
    }
    pos = end;
  }
}

// "Authorization: Bearer X", "authorization=Basic X", "\"Authorization\":\"Bearer X\"", and a
// bare "Bearer X" anywhere.
void findCredentials(std::string_view text, const std::string& lowered, std::vector<Span>& spans) {
  auto skip = [&](std::size_t p, std::string_view chars) {
    while (p < text.size() && chars.find(text[p]) != std::string_view::npos) ++p;
    return p;
  };
  auto tokenEnd = [&](std::size_t p) {
    while (p < text.size() && isTokenChar(text[p])) ++p;
    return p;
  };
  constexpr std::string_view kHeader = "authorization";
  std::size_t pos = 0;
  while ((pos = lowered.find(kHeader, pos)) != std::string::npos) {
    std::size_t p = skip(pos + kHeader.size(), "\"' \t");
    if (p < text.size() && (text[p] == ':' || text[p] == '=')) {
      p = skip(p + 1, "\"' \t[");
      std::size_t schemeEnd = p;
      while (schemeEnd < text.size() && std::isalpha(static_cast<unsigned char>(text[schemeEnd]))) {
        ++schemeEnd;
      }
      // "Bearer X" / "Basic X": keep the scheme, hide the credentials.
      if (schemeEnd > p && schemeEnd < text.size() && text[schemeEnd] == ' ') {
        p = skip(schemeEnd, " ");
      }
      std::size_t end = tokenEnd(p);
      if (end > p) spans.push_back({p, end, Redactor::kPlaceholder});
      pos = end;
    } else {
      pos += kHeader.size();
    }
  }
  constexpr std::string_view kBearer = "bearer ";
  pos = 0;
  while ((pos = lowered.find(kBearer, pos)) != std::string::npos) {
    std::size_t p = skip(pos + kBearer.size(), " ");
    std::size_t end = tokenEnd(p);
    // Short words after "bearer " are prose ("bearer token file"), not credentials.
    if (end - p >= 8 && text.substr(p, end - p) != Redactor::kPlaceholder) {
      spans.push_back({p, end, Redactor::kPlaceholder});
    }
    pos = std::max(end, pos + kBearer.size());
  }
}

// header.payload.signature, both JSON parts base64url-encoded ("eyJ..." is base64 of "{\"").
void findJwts(std::string_view text, std::vector<Span>& spans) {
  std::size_t pos = 0;
  while ((pos = text.find("eyJ", pos)) != std::string_view::npos) {
    if (pos > 0 && isBase64Url(text[pos - 1])) {
      pos += 3;
      continue;
    }
    std::size_t p = pos;
    while (p < text.size() && isBase64Url(text[p])) ++p;
    bool jwt = p - pos >= 10 && p < text.size() && text[p] == '.' && text.substr(p + 1, 3) == "eyJ";
    if (!jwt) {
      pos = p;
      continue;
    }
    p += 1;
    while (p < text.size() && isBase64Url(text[p])) ++p;
    if (p < text.size() && text[p] == '.') {
      ++p;
      while (p < text.size() && isBase64Url(text[p])) ++p;
    }
    spans.push_back({pos, p, Redactor::kPlaceholder});
    pos = p;
  }
}

// token: X, password=X, "secret": "X" — the value goes, the key stays.
void findSecretFields(std::string_view text, const std::string& lowered, std::vector<Span>& spans) {
  static constexpr std::array<std::string_view, 7> kKeys{
      "token", "password", "passwd", "secret", "client-key-data", "apikey", "api-key"};
  for (std::string_view key : kKeys) {
    std::size_t pos = 0;
    while ((pos = lowered.find(key, pos)) != std::string::npos) {
      std::size_t after = pos + key.size();
      bool wordStart = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) ||
                                     text[pos - 1] == '_' || text[pos - 1] == '-');
      pos = after;
      if (!wordStart) continue;
      std::size_t p = after;
      if (p < text.size() && (text[p] == '"' || text[p] == '\'')) ++p;
      while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
      if (p >= text.size() || (text[p] != ':' && text[p] != '=')) continue;
      ++p;
      while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
      std::size_t end = p;
      if (p < text.size() && (text[p] == '"' || text[p] == '\'')) {
        char quote = text[p];
        ++p;
        end = p;
        while (end < text.size() && text[end] != quote && text[end] != '\n') {
          end += text[end] == '\\' && end + 1 < text.size() ? 2 : 1;
        }
        end = std::min(end, text.size());
      } else {
        while (end < text.size() && isTokenChar(text[end])) ++end;
      }
      if (end > p && text.substr(p, end - p) != Redactor::kPlaceholder &&
          text.substr(p, end - p) != kPrivateKeyPlaceholder) {
        spans.push_back({p, end, Redactor::kPlaceholder});
      }
      pos = std::max(pos, end);
    }
  }
}

}  // namespace

Result<void> Redactor::addSecret(std::string_view value) {
  if (value.size() < kMinSecretLength) {
    return makeError("BadInput", "a secret to redact must have at least " +
                                     std::to_string(kMinSecretLength) + " characters, found " +
                                     std::to_string(value.size()) +
                                     "; redacting shorter strings would erase ordinary text");
  }
  secrets_.emplace_back(value);
  std::string encoded = base64(value);
  // Strip the padding: the value may sit inside a longer base64 string that continues.
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  if (encoded.size() >= kMinSecretLength) secrets_.push_back(std::move(encoded));
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
  return {};
}

std::string Redactor::redact(std::string_view input) const {
  // Caller-named secrets first, as exact strings, before the patterns reshape the text.
  std::string text(input);
  for (const auto& secret : secrets_) {
    std::vector<Span> spans;
    std::size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      spans.push_back({pos, pos + secret.size(), kPlaceholder});
      pos += secret.size();
    }
    if (!spans.empty()) text = replaceSpans(text, std::move(spans));
  }
  {
    std::vector<Span> spans;
    findPemKeys(text, spans);
    findBase64PemKeys(text, spans);
    findJwts(text, spans);
    text = replaceSpans(text, std::move(spans));
  }
  {
    std::vector<Span> spans;
    std::string lowered = lower(text);
    findCredentials(text, lowered, spans);
    text = replaceSpans(text, std::move(spans));
  }
  {
    std::vector<Span> spans;
    std::string lowered = lower(text);
    findSecretFields(text, lowered, spans);
    text = replaceSpans(text, std::move(spans));
  }
  return text;
}

void Redactor::redact(Report& r) const {
  auto clean = [this](std::string& s) { s = redact(s); };
  clean(r.run.cluster);
  for (auto& [key, value] : r.run.scenario.parameters) clean(value);
  clean(r.verdict.hypothesis);
  clean(r.verdict.summary);
  for (auto& p : r.proofOfInjection) clean(p.evidence);
  for (auto& e : r.timeline) {
    clean(e.message);
    clean(e.object);
  }
  for (auto& link : r.chain) clean(link.message);
  if (r.prediction) clean(r.prediction->text);
  if (r.run.certManagerBackoff) clean(r.run.certManagerBackoff->note);
  // An API error quoted in full (a 403's message) is free text too.
  for (auto& log : r.artifacts.logSources) clean(log.error);
}

}  // namespace certchaos::report
