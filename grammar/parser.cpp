// Running the grammar: limits, UTF-8, comments, statements per line, and
// turning failures into diagnostics with line, column and a caret.

#include "grammar/parser.hpp"

#include "grammar/config.hpp"
#include "grammar/deep_stack.hpp"
#include "grammar/error_handler.hpp"
#include "grammar/grammar.hpp"
#include "grammar/unicode.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

namespace nabla::detail {

namespace x3 = boost::spirit::x3;

line_column locate(std::string_view text, std::size_t offset) noexcept {
    offset = std::min(offset, text.size());
    line_column lc;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++lc.line;
            line_start = i + 1;
        }
    }
    // Columns count code points: skip UTF-8 continuation bytes.
    for (std::size_t i = line_start; i < offset; ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++lc.column;
    return lc;
}

namespace {

// The longest stretch of a line shown around the caret, in code points, so a
// megabyte line still gives a readable diagnostic.
constexpr std::size_t shown_width = 72;

std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

// Byte index after skipping `count` code points from `from`.
std::size_t skip_code_points(std::string_view s, std::size_t from, std::size_t count) {
    std::size_t i = from;
    while (i < s.size() && count > 0) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
        --count;
    }
    return i;
}

}  // namespace

excerpt caret_excerpt(std::string_view line, std::size_t column) {
    std::size_t caret_cp = column > 0 ? column - 1 : 0;
    excerpt out;
    const std::size_t total = code_points(line);
    if (total > shown_width) {
        const std::size_t from_cp = caret_cp > shown_width / 2 ? caret_cp - shown_width / 2 : 0;
        const std::size_t b = skip_code_points(line, 0, from_cp);
        const std::size_t e = skip_code_points(line, b, shown_width);
        out.shown = (from_cp > 0 ? "…" : "") + std::string(line.substr(b, e - b)) + (e < line.size() ? "…" : "");
        caret_cp = caret_cp - from_cp + (from_cp > 0 ? 1 : 0);
    } else {
        out.shown = std::string(line);
    }
    // Tabs in the line stay tabs under it so the caret lines up.
    std::size_t i = 0, cp = 0;
    while (cp < caret_cp && i < out.shown.size()) {
        out.caret += out.shown[i] == '\t' ? '\t' : ' ';
        ++i;
        while (i < out.shown.size() && (static_cast<unsigned char>(out.shown[i]) & 0xC0) == 0x80) ++i;
        ++cp;
    }
    while (cp++ < caret_cp) out.caret += ' ';
    out.caret += '^';
    return out;
}

parse_error make_parse_error(std::string_view text, std::size_t offset, std::string message,
                             std::string_view origin) {
    offset = std::min(offset, text.size());
    const line_column lc = locate(text, offset);
    std::size_t line_begin = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    line_begin = (line_begin == std::string_view::npos || (offset == 0 && text[0] != '\n'))
                     ? 0
                     : (text[line_begin] == '\n' && line_begin < offset ? line_begin + 1 : 0);
    std::size_t line_end = text.find('\n', offset);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_begin, line_end - line_begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Invalid UTF-8 is reported before it can reach here, except by
    // check_utf8 itself, which passes the valid prefix only.
    std::string source_line(line);

    auto [shown, caret] = caret_excerpt(line, lc.column);
    std::string where = origin.empty() ? "line " + std::to_string(lc.line) + ", column " +
                                             std::to_string(lc.column)
                                       : std::string(origin) + ":" + std::to_string(lc.line) +
                                             ":" + std::to_string(lc.column);
    std::string diagnostic = where + ": " + message + "\n  " + shown + "\n  " + caret;
    return parse_error(diagnostic, std::move(message), lc.line, lc.column, offset,
                       std::move(source_line));
}

void check_utf8(std::string_view text, std::string_view origin) {
    const std::size_t bad = unicode::invalid_utf8_offset(text);
    if (bad == std::string_view::npos) return;
    throw make_parse_error(text.substr(0, bad), bad,
                           "invalid UTF-8 at byte " + std::to_string(bad), origin);
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

const char* skip_blanks(const char* p, const char* last) {
    for (;;) {
        while (p != last && is_blank(*p)) ++p;
        if (last - p >= 2 && p[0] == '\xC2' && p[1] == '\xA0') {
            p += 2;
            continue;
        }
        return p;
    }
}

// The token just before `p` (for "expected … after '+'"), or empty.
std::string previous_token(const char* base, const char* p) {
    while (p != base && (is_blank(p[-1]) || (p - base >= 2 && p[-2] == '\xC2' && p[-1] == '\xA0')))
        p -= is_blank(p[-1]) ? 1 : 2;
    if (p == base) return {};
    const char* end = p;
    // The code point that ends at `at`, and where it starts (the text is
    // valid UTF-8: it was checked before parsing).
    auto code_point_before = [base](const char* at, const char*& start) {
        start = at - 1;
        while (start != base && (static_cast<unsigned char>(*start) & 0xC0) == 0x80) --start;
        int len = 0;
        return detail::unicode::decode(start, at, len);
    };
    const char* start = p;
    if (detail::unicode::is_name_continue(code_point_before(p, start))) {
        // A whole name, w₁ or α2 as well as x2; ∂x and ∂w₁ with their sign.
        do p = start;
        while (p != base && detail::unicode::is_name_continue(code_point_before(p, start)));
        if (p != base && code_point_before(p, start) == U'∂') p = start;
    } else if (p - base >= 2 && ((p[-2] == '=' && p[-1] == '=') || (p[-2] == '*' && p[-1] == '*'))) {
        p -= 2;
    } else {
        p = start;
    }
    return std::string(p, end);
}

std::string describe_which(std::string which) {
    // X3 names literals with quotes: '=' stays, "==" becomes '=='.
    if (which.size() >= 2 && which.front() == '"' && which.back() == '"')
        which = "'" + which.substr(1, which.size() - 2) + "'";
    return which;
}

std::string leftover_message(const char* p, const char* last, bool at_start) {
    int len = 0;
    unicode::decode(p, last, len);
    const std::string token(p, std::size_t(len));
    const char c = *p;
    if (c == ')' || c == ']') return "unmatched '" + token + "'";
    if (c >= '0' && c <= '9') return "expected an operator before '" + token + "'";
    if (c == '=') return at_start ? "expected an expression before '='"
                                  : "only a name or f(x, …) can be assigned (use '==' to compare)";
    if (at_start && std::string_view("+*/^·×÷").find(token) != std::string_view::npos)
        return "expected an expression before '" + token + "'";
    return "unexpected '" + token + "'";
}

// Parses one statement (or, with `Rule` the expression rule, one expression)
// from [first, last) of `text`; offsets are into `text`.
template <class Result, class Rule>
Result parse_with(const Rule& rule, std::string_view text, const char* first, const char* last,
                  const parse_options& options, std::string_view origin) {
    parser::parse_state state;
    state.base = text.data();
    state.max_depth = 2 * options.max_depth + 4;
    const auto skipper_context = x3::make_context<x3::skipper_tag>(parser::blank);
    const auto context = x3::make_context<parser::state_tag>(state, skipper_context);

    const char* start = skip_blanks(first, last);
    if (start == last) throw make_parse_error(text, std::size_t(start - text.data()), "empty input", origin);
    Result result;
    const char* it = start;
    try {
        const bool ok = rule.parse(it, last, context, x3::unused, result);
        it = skip_blanks(it, last);
        if (!ok || it != last) {
            std::string message = leftover_message(it, last, !ok || it == start);
            if constexpr (std::is_same_v<Result, ast::operand>) {
                if (ok && *it == '=' && (it + 1 == last || it[1] != '='))
                    message = "expected an expression, not an assignment (use '==' to compare)";
            }
            throw make_parse_error(text, std::size_t(it - text.data()), std::move(message), origin);
        }
    } catch (const x3::expectation_failure<const char*>& x) {
        const char* where = skip_blanks(x.where(), last);
        std::string message = "expected " + describe_which(x.which());
        const std::string before = previous_token(text.data(), where);
        if (!before.empty()) message += " after '" + before + "'";
        if (where != last && !before.empty()) {
            int len = 0;
            unicode::decode(where, last, len);
            message += ", found '" + std::string(where, std::size_t(len)) + "'";
        }
        throw make_parse_error(text, std::size_t(where - text.data()), std::move(message), origin);
    } catch (const parser::syntax_error& e) {
        throw make_parse_error(text, e.offset, e.message, origin);
    }
    return result;
}

ast::statement parse_one(std::string_view text, const char* first, const char* last,
                         const parse_options& options, std::string_view origin) {
    return parse_with<ast::statement>(parser::statement(), text, first, last, options, origin);
}

void check_limits(std::string_view text, const parse_options& options, std::string_view origin) {
    if (text.size() > options.max_bytes)
        throw make_parse_error(text.substr(0, 0), 0,
                               "input is too large (" + std::to_string(text.size()) +
                                   " bytes; the limit is " + std::to_string(options.max_bytes) + ")",
                               origin);
    check_utf8(text, origin);
}

// The end of the code part of a line: a '#' starts a comment.
const char* comment_start(const char* first, const char* last) {
    const void* hash = std::memchr(first, '#', std::size_t(last - first));
    return hash ? static_cast<const char*>(hash) : last;
}

}  // namespace

ast::statement parse_statement(std::string_view text, const parse_options& options) {
    check_limits(text, options, {});
    return on_deep_stack(text.size(), options.max_depth, [&] { return parse_checked_statement(text, options); });
}

ast::operand parse_checked_expression(std::string_view text, const parse_options& options) {
    const char* first = text.data();
    const char* last = first + text.size();
    if (std::memchr(first, '#', text.size()) != nullptr) {
        // Rare: go through the statement path, which blanks comments.
        ast::statement st = parse_checked_statement(text, options);
        if (auto* e = boost::get<ast::expression_statement>(&st.get())) return std::move(e->value);
        const std::size_t at =
            boost::apply_visitor([](const auto& n) { return std::size_t(n.begin); }, st.get());
        throw make_parse_error(text, at, "expected an expression, not a statement");
    }
    return parse_with<ast::operand>(parser::expression(), text, first, last, options, {});
}

ast::statement parse_checked_statement(std::string_view text, const parse_options& options) {
    if (std::memchr(text.data(), '#', text.size()) == nullptr)
        return parse_one(text, text.data(), text.data() + text.size(), options, {});
    // Comments become blanks of the same length, so offsets stay those of
    // the text as typed (a statement may span lines: `f(x,⏎ y)`).
    std::string code(text);
    bool in_comment = false;
    for (char& c : code) {
        if (c == '\n') in_comment = false;
        else if (c == '#') in_comment = true;
        if (in_comment) c = ' ';
    }
    try {
        return parse_one(code, code.data(), code.data() + code.size(), options, {});
    } catch (const parse_error& e) {
        throw make_parse_error(text, e.offset(), e.message());
    }
}

program parse_program(std::string_view text, const parse_options& options, std::string_view origin) {
    check_limits(text, options, origin);
    return on_deep_stack(text.size(), options.max_depth, [&] {
        return parse_checked_program(text, options, origin);
    });
}

program parse_checked_program(std::string_view text, const parse_options& options,
                              std::string_view origin) {
    program result;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        const char* line_end = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
        if (!line_end) line_end = end;
        const char* code_end = comment_start(p, line_end);
        // Statements on one line are separated by ';'.
        const char* s = p;
        while (s <= code_end) {
            const char* semi = static_cast<const char*>(std::memchr(s, ';', std::size_t(code_end - s)));
            const char* stop = semi ? semi : code_end;
            if (skip_blanks(s, stop) != stop)
                result.statements.push_back(parse_one(text, s, stop, options, origin));
            if (!semi) break;
            s = semi + 1;
        }
        p = line_end + 1;
    }
    return result;
}

std::vector<ast::derivative_declaration> parse_rule_file(std::string_view text,
                                                         std::string_view file_name) {
    program prog = parse_program(text, {}, file_name);
    std::vector<ast::derivative_declaration> rules;
    rules.reserve(prog.statements.size());
    for (auto& st : prog.statements) {
        auto* decl = boost::get<ast::derivative_declaration>(&st);
        const std::size_t at = boost::apply_visitor([](const auto& n) { return std::size_t(n.begin); }, st);
        if (!decl)
            throw make_parse_error(text, at,
                                   "expected a labelled derivative declaration like "
                                   "'d-sin: ∂sin(u) = cos(u)·∂u'",
                                   file_name);
        if (decl->label.empty())
            throw make_parse_error(text, at, "a rule needs a label, like 'd-sin: ∂sin(u) = …'",
                                   file_name);
        rules.push_back(std::move(*decl));
    }
    return rules;
}

}  // namespace nabla::detail
