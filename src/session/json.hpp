#pragma once
// JSON text for the session's results.

#include <string>
#include <string_view>

namespace nabla::detail {

// A JSON string literal with its quotes. Valid UTF-8 passes through; each byte
// of an invalid sequence becomes U+FFFD, so binary garbage in an input still
// gives valid JSON.
std::string json_string(std::string_view text);

// Text safe to show on a terminal: each invalid UTF-8 byte and each control
// character other than newline and tab becomes U+FFFD.
std::string printable(std::string_view text);

}  // namespace nabla::detail
