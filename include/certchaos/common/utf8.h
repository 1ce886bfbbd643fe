// UTF-8 well-formedness, for text from outside (specs, CSRs, YAML and JSON files, logs) that is
// parsed or shown to people.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace certchaos {

// The length (1 to 4) of the well-formed UTF-8 sequence at text[i], or 0 if there is none:
// overlong forms, surrogates and values past U+10FFFF are not UTF-8.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i);

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence, or nullopt
// if `text` is valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

}  // namespace certchaos
