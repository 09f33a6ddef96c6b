#pragma once
/// \file The library's parsing entry points (internal: the REPL session and
/// the rule loader use them; users call nabla::parse).
///
/// Text → statements (grammar, positions kept) → expr (lower.hpp).

#include "grammar/ast.hpp"

#include <nabla/error.hpp>
#include <nabla/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nabla::detail {

/// An interpretation chosen for ambiguous input, for the REPL to show:
/// "x/2y read as (x/2)·y", "sin x y read as sin(x·y)", "xy read as x·y".
/// Lowering (lower.hpp) reports them: it sees the tree and the names.
struct note {
    std::uint32_t begin = 0;  ///< byte range of the ambiguous text
    std::uint32_t end = 0;
    std::string text;         ///< the interpretation, in Unicode notation
};

/// One parsed line or file: its statements in order.
struct program {
    std::vector<ast::statement> statements;
};

/// Parses text holding statements separated by newlines or ';'. Blank lines
/// and `#` comments are skipped. Throws parse_error (line/column/caret).
/// `origin` (a file name) prefixes diagnostics: "rules.txt:3:7: …".
program parse_program(std::string_view text, const parse_options& options = {},
                      std::string_view origin = {});

/// Parses exactly one statement (the REPL's line). Empty or comment-only
/// text is the error "empty input".
ast::statement parse_statement(std::string_view text, const parse_options& options = {});

/// parse_statement and parse_program on the caller's stack, without the
/// size and UTF-8 checks (done by the caller); for code that already runs
/// on a deep stack (see deep_stack.hpp).
ast::statement parse_checked_statement(std::string_view text, const parse_options& options);
/// One expression, not a statement (nabla::parse): the expression rule
/// alone, without trying the statement forms first.
ast::operand parse_checked_expression(std::string_view text, const parse_options& options);
program parse_checked_program(std::string_view text, const parse_options& options,
                              std::string_view origin);

/// Parses a rule file: every non-blank, non-comment line must be a labelled
/// derivative declaration (`d-sin: ∂sin(u) = cos(u)·∂u`). Errors carry the
/// file name: "derivatives.rules:4:12: expected …".
std::vector<ast::derivative_declaration> parse_rule_file(std::string_view text,
                                                         std::string_view file_name);

/// Names read as an expression of their one argument rather than functions
/// of the core, as √ is a power: sqrt(u) = u^(1/2), sec(u) = 1/cos(u), and
/// so on. The grammar applies them like functions (sec x, sec²x, secx);
/// lowering builds what they stand for.
struct written_function {
    std::string_view name;
    std::optional<function> reciprocal_of;  // empty: sqrt
};
inline constexpr written_function written_functions[] = {
    {"sqrt", std::nullopt}, {"sec", function::cos},   {"csc", function::sin},   {"cot", function::tan},
    {"sech", function::cosh}, {"csch", function::sinh}, {"coth", function::tanh},
};

/// Builds the parse_error for a byte offset of `text`: computes line and
/// column (code points), extracts the line, draws the caret. Used by the
/// grammar, by lowering and by the session for its own semantic errors.
parse_error make_parse_error(std::string_view text, std::size_t offset, std::string message,
                             std::string_view origin = {});

/// The part of a source line a diagnostic shows, and the caret line under
/// `column` (1-based, in code points). A line over 72 code points is cut to
/// 72 around the column, with "…" where it was cut, so that an error in a
/// megabyte line stays one screen line.
struct excerpt {
    std::string shown;
    std::string caret;
};
excerpt caret_excerpt(std::string_view line, std::size_t column);

/// The line/column of a byte offset (1-based; column counts code points).
struct line_column {
    std::size_t line = 1;
    std::size_t column = 1;
};
line_column locate(std::string_view text, std::size_t offset) noexcept;

/// Checks that text is valid UTF-8; throws parse_error naming the byte
/// offset of the first invalid byte.
void check_utf8(std::string_view text, std::string_view origin = {});

}  // namespace nabla::detail
