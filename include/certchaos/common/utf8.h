// UTF-8 validation for text read from outside (YAML and JSON files) before a parser sees it.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace certchaos {

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points past U+10FFFF included), or nullopt if `text` is valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

}  // namespace certchaos
