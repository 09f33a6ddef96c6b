#pragma once
// The lexical level of the grammar as X3 primitive parsers: numbers, names,
// superscripts, subscript indices and primes. Written by hand because each
// needs precise errors ("malformed number '3..4'") and Unicode classes that
// X3's char parsers don't have; the structure above them is X3 rules.

#include "grammar/ast.hpp"
#include "grammar/config.hpp"
#include "grammar/error_handler.hpp"
#include "grammar/parser.hpp"
#include "grammar/unicode.hpp"

#include <boost/spirit/home/x3.hpp>

#include <string_view>

namespace nabla::parser {

namespace x3 = boost::spirit::x3;
namespace unicode = detail::unicode;

// The elementary functions that apply without parentheses (`sin x`, `ln x`,
// `arctan x`) and may carry a power on their name (`sin²x`): those
// find_function knows, and the written functions (sqrt, sec).
inline bool is_application_name(std::string_view word) noexcept {
    // Most words are one-letter names; every function name is longer.
    if (word.size() < 2) return false;
    if (find_function(word)) return true;
    for (const auto& w : detail::written_functions)
        if (w.name == word) return true;
    return false;
}

inline std::uint32_t offset_of(const char* p, const parse_state& s) noexcept {
    return static_cast<std::uint32_t>(p - s.base);
}

inline bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Makes `attr` hold a default T and returns it: a token is then filled
/// where it will live, instead of built aside and moved in (through a
/// temporary operand, which moved its string twice).
template <class T, class Attribute>
T& emplace_into(Attribute& attr) {
    return attr.template emplace<T>();
}

/// The node `attr` will hold: `attr` itself when it is the node's type,
/// else `spare`, which the caller then moves into `attr`.
template <class T, class Attribute>
T& node_for(Attribute& attr, T& spare) {
    if constexpr (std::is_same_v<Attribute, ast::operand>) return emplace_into<T>(attr);
    else if constexpr (std::is_same_v<Attribute, T>) return attr;
    else return spare;
}
template <class T, class Attribute>
void finish_node(Attribute& attr, T& spare) {
    if constexpr (!std::is_same_v<Attribute, ast::operand> && !std::is_same_v<Attribute, T>)
        x3::traits::move_to(std::move(spare), attr);
}

// ---------------------------------------------------------------- numbers

/// ½, ⅓, ¾ …, the fractions Unicode writes as one character.
struct vulgar_fraction {
    std::string_view glyph;
    std::string_view numerator, denominator;
};
inline constexpr vulgar_fraction vulgar_fractions[] = {
    {"½", "1", "2"}, {"⅓", "1", "3"}, {"⅔", "2", "3"}, {"¼", "1", "4"}, {"¾", "3", "4"},
    {"⅕", "1", "5"}, {"⅖", "2", "5"}, {"⅗", "3", "5"}, {"⅘", "4", "5"}, {"⅙", "1", "6"},
    {"⅚", "5", "6"}, {"⅐", "1", "7"}, {"⅛", "1", "8"}, {"⅜", "3", "8"}, {"⅝", "5", "8"},
    {"⅞", "7", "8"}, {"⅑", "1", "9"}, {"⅒", "1", "10"},
};
inline const vulgar_fraction* vulgar_fraction_at(const char* p, const char* last) noexcept {
    if (p == last || static_cast<unsigned char>(*p) < 0x80) return nullptr;
    const std::string_view rest(p, std::size_t(last - p));
    for (const vulgar_fraction& f : vulgar_fractions)
        if (rest.starts_with(f.glyph)) return &f;
    return nullptr;
}

/// 12, 0.5, .5, 1e-3, 2.5E10. A following '.' or a second exponent is a
/// "malformed number" error rather than two tokens.
struct number_parser : x3::parser<number_parser> {
    using attribute_type = ast::number;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute& attr) const {
        skip(first, last, context);
        const char* p = first;
        const char* start = p;
        bool integer = true;
        while (p != last && is_ascii_digit(*p)) ++p;
        const bool int_part = p != start;
        if (p != last && *p == '.' && p + 1 != last && is_ascii_digit(p[1])) {
            integer = false;
            ++p;
            while (p != last && is_ascii_digit(*p)) ++p;
        } else if (!int_part) {
            return false;
        }
        // An exponent only when a digit follows: `2e` is 2·e, `2ex` is 2·e·x.
        if (p != last && (*p == 'e' || *p == 'E')) {
            const char* q = p + 1;
            if (q != last && (*q == '+' || *q == '-')) ++q;
            if (q != last && is_ascii_digit(*q)) {
                integer = false;
                p = q;
                while (p != last && is_ascii_digit(*p)) ++p;
            }
        }
        // 2½ is two and a half to a reader, but would multiply: neither is
        // guessed.
        if (const vulgar_fraction* f = vulgar_fraction_at(p, last)) {
            const std::string whole(start, p);
            throw syntax_error{offset_of(p, state_of(context)),
                               "'" + whole + std::string(f->glyph) + "' is ambiguous: write " + whole + " + " +
                                   std::string(f->glyph) + " for a mixed number, or " + whole + "·" +
                                   std::string(f->glyph) + " for a product"};
        }
        if (p != last && *p == '.') {
            const char* end = p;
            while (end != last && (is_ascii_digit(*end) || *end == '.' || *end == 'e' ||
                                   *end == 'E'))
                ++end;
            auto& s = state_of(context);
            throw syntax_error{offset_of(start, s),
                               "malformed number '" + std::string(start, end) + "'"};
        }
        auto& s = state_of(context);
        ast::number spare;
        ast::number& n = node_for(attr, spare);
        n.text.clear();
        // append(pointer, size) rather than assign, which allows for
        // aliasing, or append(first, last), which goes through replace.
        n.text.append(start, std::size_t(p - start));
        n.is_integer = integer;
        n.begin = offset_of(start, s);
        n.end = offset_of(p, s);
        first = p;
        finish_node(attr, spare);
        return true;
    }
};
inline constexpr number_parser number_token{};

/// ½, ⅓, ¾ …: the exact fraction, read as (1/2) would be, so `½(y − ŷ)²`
/// and `¾x` multiply as a number does.
struct vulgar_fraction_parser : x3::parser<vulgar_fraction_parser> {
    using attribute_type = ast::operand;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute& attr) const {
        skip(first, last, context);
        if (const vulgar_fraction* f = vulgar_fraction_at(first, last)) {
            const auto& s = state_of(context);
            const ast::located range{offset_of(first, s), offset_of(first + f->glyph.size(), s)};
            auto number = [&](std::string_view digits) {
                ast::number n;
                static_cast<ast::located&>(n) = range;
                n.text.assign(digits);
                return ast::operand(std::move(n));
            };
            ast::expression quotient;
            static_cast<ast::located&>(quotient) = range;
            quotient.first = number(f->numerator);
            quotient.rest.emplace_back(range, ast::op::divide, number(f->denominator));
            quotient.grouped = true;
            x3::traits::move_to(ast::operand(ast::boxed<ast::expression>(std::move(quotient))), attr);
            first += static_cast<std::ptrdiff_t>(f->glyph.size());
            return true;
        }
        return false;
    }
};
inline constexpr vulgar_fraction_parser vulgar_fraction_token{};

// ---------------------------------------------------------------- names

/// Reads one word (letter, then letters/digits/subscripts/'_') without
/// skipping; returns its end or `p` when no word starts there.
inline const char* scan_word(const char* p, const char* last) noexcept {
    if (p == last) return p;
    int len = 1;
    char32_t c = static_cast<unsigned char>(*p);
    // Most names start with an ASCII letter: no decoding for those.
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        c = unicode::decode(p, last, len);
        if (!unicode::is_letter(c)) return p;
    }
    const char* q = p + len;
    while (q != last) {
        // ASCII letters and digits continue a name without decoding; any
        // other ASCII character but '_' ends it (an operator, usually).
        const char a = *q;
        if ((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z') || (a >= '0' && a <= '9')) {
            ++q;
            continue;
        }
        if (static_cast<unsigned char>(a) < 0x80 && a != '_') break;
        c = unicode::decode(q, last, len);
        if (c == '_') {
            // `_` continues a name only before a letter or digit (`w_1`).
            const char* r = q + 1;
            if (r == last) break;
            int l2 = 0;
            char32_t d = unicode::decode(r, last, l2);
            if (!(unicode::is_letter(d) || (d >= '0' && d <= '9'))) break;
            q = r;
            continue;
        }
        if (!unicode::is_name_continue(c)) break;
        q += len;
    }
    return q;
}

/// Which words a name token accepts.
enum class name_mode {
    any,    ///< every word (function names, `at`)
    plain,  ///< not the keyword `at`, not an applicable function name
};

/// A name token (ast::name).
template <name_mode Mode>
struct name_parser : x3::parser<name_parser<Mode>> {
    using attribute_type = ast::name;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute& attr) const {
        skip(first, last, context);
        const char* end = scan_word(first, last);
        if (end == first) return false;
        std::string_view word(first, std::size_t(end - first));
        if constexpr (Mode == name_mode::plain) {
            if (word == "at" || is_application_name(word)) return false;
        }
        auto& s = state_of(context);
        ast::name n;
        n.text.clear();
        n.text.append(word);  // cheaper than assign, which allows for aliasing
        n.begin = offset_of(first, s);
        n.end = offset_of(end, s);
        first = end;
        x3::traits::move_to(std::move(n), attr);
        return true;
    }
};
inline constexpr name_parser<name_mode::any> any_name{};
inline constexpr name_parser<name_mode::plain> plain_name{};

// ---------------------------------------------------------------- superscripts

/// A run of superscript characters read as a small expression:
/// `²` → 2, `⁻¹` → −1, `ⁿ⁻¹` → n − 1, `²ⁿ` → 2·n, `⁽ⁿ⁺¹⁾` → (n + 1).
class superscript_reader {
public:
    superscript_reader(const char* p, const char* last, const char* base)
        : p_(p), last_(last), base_(base) {}

    /// The end of the superscript run starting at p (p when none).
    static const char* scan(const char* p, const char* last) noexcept {
        // Every superscript is outside ASCII: the usual next byte ends it at once.
        while (p != last && static_cast<unsigned char>(*p) >= 0x80) {
            int len = 0;
            char32_t c = unicode::decode(p, last, len);
            if (!unicode::superscript_ascii(c)) break;
            p += len;
        }
        return p;
    }

    /// Parses the whole run; throws syntax_error if it is not an expression.
    ast::operand read() {
        ast::operand result = sum(0);
        if (p_ != last_) fail("unexpected superscript");
        return result;
    }

private:
    char peek(int* len = nullptr) const {
        if (p_ == last_) return 0;
        int l = 0;
        char c = unicode::superscript_ascii(unicode::decode(p_, last_, l));
        if (len) *len = l;
        return c;
    }
    void advance() {
        int l = 0;
        peek(&l);
        p_ += l;
    }
    [[noreturn]] void fail(const char* what) const {
        throw syntax_error{std::size_t(p_ - base_), what};
    }
    std::uint32_t here() const { return std::uint32_t(p_ - base_); }

    ast::operand sum(int depth) {
        if (depth > 64) fail("superscript nests too deeply");
        const std::uint32_t begin = here();
        ast::operand first = signed_term(depth);
        ast::expression chain;
        chain.first = std::move(first);
        while (peek() == '+' || peek() == '-') {
            ast::operation op;
            op.op = peek() == '+' ? ast::op::add : ast::op::subtract;
            advance();
            op.begin = here();
            op.value = product(depth);
            op.end = here();
            chain.rest.push_back(std::move(op));
        }
        if (chain.rest.empty()) return std::move(chain.first);
        chain.begin = begin;
        chain.end = here();
        return ast::operand(ast::boxed<ast::expression>(std::move(chain)));
    }
    ast::operand signed_term(int depth) {
        const std::uint32_t begin = here();
        if (peek() == '-' || peek() == '+') {
            ast::signed_ s;
            s.negative = peek() == '-';
            advance();
            s.value = product(depth);
            s.begin = begin;
            s.end = here();
            return ast::operand(ast::boxed<ast::signed_>(std::move(s)));
        }
        return product(depth);
    }
    ast::operand product(int depth) {
        const std::uint32_t begin = here();
        ast::expression chain;
        chain.first = factor(depth);
        while (peek() && peek() != '+' && peek() != '-' && peek() != ')') {
            ast::operation op;
            op.op = ast::op::juxtapose;
            op.begin = here();
            op.value = factor(depth);
            op.end = here();
            chain.rest.push_back(std::move(op));
        }
        if (chain.rest.empty()) return std::move(chain.first);
        chain.begin = begin;
        chain.end = here();
        return ast::operand(ast::boxed<ast::expression>(std::move(chain)));
    }
    ast::operand factor(int depth) {
        const std::uint32_t begin = here();
        const char c = peek();
        if (c >= '0' && c <= '9') {
            ast::number n;
            while (peek() >= '0' && peek() <= '9') {
                n.text += peek();
                advance();
            }
            n.begin = begin;
            n.end = here();
            return ast::operand(std::move(n));
        }
        if (c >= 'a' && c <= 'z') {
            ast::name n;
            n.text = c;
            advance();
            n.begin = begin;
            n.end = here();
            return ast::operand(std::move(n));
        }
        if (c == '(') {
            advance();
            ast::operand inner = sum(depth + 1);
            if (peek() != ')') fail("expected '⁾' to close '⁽'");
            advance();
            if (auto* e = std::get_if<ast::boxed<ast::expression>>(&inner.get())) e->get().grouped = true;
            return inner;
        }
        fail("expected a superscript number or letter");
    }

    const char* p_;
    const char* last_;
    const char* base_;
};

/// A superscript exponent (attribute: ast::operand).
struct superscript_parser : x3::parser<superscript_parser> {
    using attribute_type = ast::operand;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute& attr) const {
        // No skipping: `x ²` is not x².
        const char* end = superscript_reader::scan(first, last);
        if (end == first) return false;
        auto& s = state_of(context);
        superscript_reader reader(first, end, s.base);
        ast::operand value = reader.read();
        first = end;
        x3::traits::move_to(std::move(value), attr);
        return true;
    }
};
inline constexpr superscript_parser superscript_token{};

/// Above any order lowering accepts: a longer superscript reads as this.
inline constexpr std::uint64_t max_superscript_order = 1000001;

/// A superscript of digits only (the order on ∂² or ∂x²): an unsigned.
struct superscript_order_parser : x3::parser<superscript_order_parser> {
    using attribute_type = std::uint32_t;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const&, RContext&,
               Attribute& attr) const {
        const char* p = first;
        std::uint64_t value = 0;
        int digits = 0;
        while (p != last) {
            int len = 0;
            const char c = unicode::superscript_ascii(unicode::decode(p, last, len));
            if (!(c >= '0' && c <= '9')) break;
            // Saturates rather than throws: this may be a tentative parse
            // (c²⁵⁵⁵⁵⁵⁵⁵⁵d²⁵⁵⁵⁵⁵⁵⁵⁵m, a product, starts like d²x/dy²);
            // lowering refuses an order this large where it is one.
            value = std::min<std::uint64_t>(value * 10 + std::uint64_t(c - '0'), max_superscript_order);
            p += len;
            ++digits;
        }
        if (!digits) return false;
        first = p;
        x3::traits::move_to(std::uint32_t(value), attr);
        return true;
    }
};
inline constexpr superscript_order_parser superscript_order{};

/// A subscript index ₁…₉ (after ∂ in ∂₁f): an argument position, 1-based.
struct subscript_index_parser : x3::parser<subscript_index_parser> {
    using attribute_type = std::uint8_t;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute& attr) const {
        const char* p = first;
        unsigned value = 0;
        int digits = 0;
        while (p != last) {
            int len = 0;
            const int d = unicode::subscript_digit(unicode::decode(p, last, len));
            if (d < 0) break;
            value = value * 10 + unsigned(d);
            if (value > 255) {
                auto& s = state_of(context);
                throw syntax_error{offset_of(first, s), "argument position is too large"};
            }
            p += len;
            ++digits;
        }
        if (!digits || value == 0) return false;
        first = p;
        x3::traits::move_to(std::uint8_t(value), attr);
        return true;
    }
};
inline constexpr subscript_index_parser subscript_index{};

/// Primes after a function name: ' ′ count 1, ″ counts 2, ‴ counts 3.
struct primes_parser : x3::parser<primes_parser> {
    using attribute_type = std::uint8_t;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const&, RContext&,
               Attribute& attr) const {
        const char* p = first;
        unsigned count = 0;
        while (p != last && count < 200) {
            if (*p == '\'') {
                ++p;
                ++count;
                continue;
            }
            if (static_cast<unsigned char>(*p) < 0x80) break;  // ′ ″ ‴ are outside ASCII
            int len = 0;
            const char32_t c = unicode::decode(p, last, len);
            if (c == 0x2032) count += 1;
            else if (c == 0x2033) count += 2;
            else if (c == 0x2034) count += 3;
            else break;
            p += len;
        }
        if (!count) return false;
        first = p;
        x3::traits::move_to(std::uint8_t(count), attr);
        return true;
    }
};
inline constexpr primes_parser primes_token{};

}  // namespace nabla::parser
