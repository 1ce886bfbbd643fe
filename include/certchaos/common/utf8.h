// UTF-8 well-formedness, for text from outside (specs, CSRs, logs) that is shown to people.
#pragma once

#include <cstddef>
#include <string_view>

namespace certchaos {

// The length (1 to 4) of the well-formed UTF-8 sequence at text[i], or 0 if there is none:
// overlong forms, surrogates and values past U+10FFFF are not UTF-8.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i);

}  // namespace certchaos
