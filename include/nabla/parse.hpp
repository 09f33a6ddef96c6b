#pragma once
/// \file Reading expressions written the way people write math.
///
/// `parse("2x²y + sin x")`, `parse("e^(-x^2/2)")`, `parse("∂/∂x x²")`. The
/// notation is described in README.md, "Notation". Errors are `parse_error`
/// (what() is a multi-line diagnostic with the source line and a caret) or,
/// for an input over a limit, also `parse_error` naming the limit.

#include <nabla/expr.hpp>

#include <cstddef>
#include <string_view>

namespace nabla {

/// Limits and choices for parse().
struct parse_options {
    /// Deepest nesting of parentheses, operators and function arguments;
    /// deeper input is an error (never a stack overflow).
    std::size_t max_depth = 10000;
    /// Largest input in bytes.
    std::size_t max_bytes = std::size_t(16) << 20;
    /// Read an unknown multi-letter name as a product of one-letter names
    /// (`xy` is x·y, as in `4xy`); known function names, Greek letter names
    /// and `pi` are never split. Off: `xy` is one symbol.
    bool split_names = true;
};

/// Parses one expression. Names become symbols; elementary functions (see
/// functions.inc, plus `ln` and `sqrt`) apply; `e` is Euler's number and
/// `pi`/`π` is π; unknown functions called with parentheses (`f(x)`) become
/// undefined user functions; derivative notation (`∂z/∂x`, `d/dx …`,
/// `f'(x)`, `diff(e, x)`) is differentiated. Integers are exact, decimals
/// (`0.5`, `1e-3`) are floating constants, `1/2` is the exact rational.
expr parse(std::string_view text, const parse_options& options = {});

}  // namespace nabla
