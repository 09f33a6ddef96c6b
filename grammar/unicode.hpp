#pragma once
// UTF-8 decoding and the character classes of the notation. Input is
// validated as UTF-8 before the grammar runs, so decoding here may assume
// well-formed sequences (and still never reads past `last`).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace nabla::detail::unicode {

/// Decodes the code point at `p` (p < last); sets `len` to its byte length.
inline char32_t decode(const char* p, const char* last, int& len) noexcept {
    const auto b0 = static_cast<unsigned char>(*p);
    auto cont = [&](int i) -> char32_t {
        return p + i < last ? static_cast<unsigned char>(p[i]) & 0x3F : 0;
    };
    if (b0 < 0x80) {
        len = 1;
        return b0;
    }
    if ((b0 >> 5) == 0x6) {
        len = 2;
        return (char32_t(b0 & 0x1F) << 6) | cont(1);
    }
    if ((b0 >> 4) == 0xE) {
        len = 3;
        return (char32_t(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    }
    len = 4;
    return (char32_t(b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
}

/// The code points in well-formed UTF-8 `s`: its width in characters.
inline std::size_t code_points(std::string_view s) noexcept {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

/// Appends the UTF-8 encoding of `c`.
inline void encode(char32_t c, std::string& out) {
    if (c < 0x80) {
        out += char(c);
    } else if (c < 0x800) {
        out += char(0xC0 | (c >> 6));
        out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += char(0xE0 | (c >> 12));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    } else {
        out += char(0xF0 | (c >> 18));
        out += char(0x80 | ((c >> 12) & 0x3F));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    }
}

/// The digit value of a subscript digit ₀…₉, or -1.
inline int subscript_digit(char32_t c) noexcept { return c >= 0x2080 && c <= 0x2089 ? int(c - 0x2080) : -1; }

/// The ASCII character a superscript stands for (⁰…⁹ ⁺ ⁻ ⁽ ⁾ and the
/// superscript letters), or 0.
inline char superscript_ascii(char32_t c) noexcept {
    switch (c) {
    case 0x2070: return '0';
    case 0x00B9: return '1';
    case 0x00B2: return '2';
    case 0x00B3: return '3';
    case 0x2074: return '4';
    case 0x2075: return '5';
    case 0x2076: return '6';
    case 0x2077: return '7';
    case 0x2078: return '8';
    case 0x2079: return '9';
    case 0x207A: return '+';
    case 0x207B: return '-';
    case 0x207D: return '(';
    case 0x207E: return ')';
    case 0x1D43: return 'a';
    case 0x1D47: return 'b';
    case 0x1D9C: return 'c';
    case 0x1D48: return 'd';
    case 0x1D49: return 'e';
    case 0x1DA0: return 'f';
    case 0x1D4D: return 'g';
    case 0x02B0: return 'h';
    case 0x2071: return 'i';
    case 0x02B2: return 'j';
    case 0x1D4F: return 'k';
    case 0x02E1: return 'l';
    case 0x1D50: return 'm';
    case 0x207F: return 'n';
    case 0x1D52: return 'o';
    case 0x1D56: return 'p';
    case 0x02B3: return 'r';
    case 0x02E2: return 's';
    case 0x1D57: return 't';
    case 0x1D58: return 'u';
    case 0x1D5B: return 'v';
    case 0x02B7: return 'w';
    case 0x02E3: return 'x';
    case 0x02B8: return 'y';
    case 0x1DBB: return 'z';
    default: return 0;
    }
}

/// True for a character that may start a name: ASCII letters and, beyond
/// ASCII, every code point outside the blocks of punctuation, operators,
/// symbols, super/subscripts and spaces (an approximation of "any Unicode
/// letter" that needs no tables).
inline bool is_letter(char32_t c) noexcept {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c <= 0xBF) return false;                    // Latin-1 punctuation, ¹²³, ·, NBSP
    if (c == 0xD7 || c == 0xF7) return false;       // × ÷
    if (c >= 0x02B0 && c <= 0x036F) return false;   // modifier letters (ʰ ʲ ˣ), combining marks
    if (c >= 0x1D2C && c <= 0x1DBF) return false;   // phonetic superscripts (ᵃ ᵏ ᵐ ᶻ)
    if (c >= 0x2000 && c <= 0x2BFF) return false;   // punctuation, super/subscripts, ∂ ∇ √, arrows, shapes
    if (c >= 0x2E00 && c <= 0x2E7F) return false;   // supplemental punctuation
    if (c >= 0x3000 && c <= 0x303F) return false;   // CJK punctuation, ideographic space
    if (c >= 0xD800 && c <= 0xF8FF) return false;   // surrogates, private use
    if (c >= 0xFE00 && c <= 0xFE0F) return false;   // variation selectors
    if (c >= 0xFF00 && c <= 0xFF20) return false;   // fullwidth punctuation
    if (c >= 0xFFF0) return c >= 0x10000 && c < 0x1F000;  // specials, emoji and symbols
    return true;
}

/// True for characters that may continue a name: letters, ASCII digits,
/// subscript digits, '_' and combining marks.
inline bool is_name_continue(char32_t c) noexcept {
    return is_letter(c) || (c >= '0' && c <= '9') || c == '_' || subscript_digit(c) >= 0 ||
           (c >= 0x0300 && c <= 0x036F);
}

/// Returns the offset of the first byte that is not valid UTF-8, or npos.
inline std::size_t invalid_utf8_offset(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // Most text is ASCII: skip it eight bytes at a time.
        for (std::uint64_t eight; i + 8 <= n; i += 8) {
            std::memcpy(&eight, p + i, 8);
            if (eight & 0x8080808080808080u) break;
        }
        if (i == n) break;
        const unsigned char b = p[i];
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        char32_t c;
        if ((b & 0xE0) == 0xC0) {
            len = 2;
            c = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3;
            c = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4;
            c = b & 0x07;
        } else {
            return i;
        }
        if (i + len > n) return i;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        // Overlong forms, surrogates and values beyond U+10FFFF are invalid.
        if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
            (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
            return i;
        i += len;
    }
    return std::string_view::npos;
}

}  // namespace nabla::detail::unicode
