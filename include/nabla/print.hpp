#pragma once
/// \file Printing expressions as text. One precedence table drives every style.

#include <nabla/expr.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>

namespace nabla {

/// How an expression is written.
enum class style {
    /// The way a person writes it: 4xy, 2x² + 3y, √x, π, sin(x)², e^(−x).
    unicode,
    /// Plain text that parses back: 4*x*y, 2*x^2 + 3*y. (Symbols with names
    /// of several letters read back whole with parse_options::split_names off.)
    ascii,
    /// LaTeX math: 4 x y, \frac{1}{x}, \sqrt{x}, \sin\left(x\right).
    latex,
};

/// Prints an expression. Sums in descending degree, opening with a positive
/// term when they have one (y − x², 1 − x², but −x³ + 2x² − 1), products with
/// the coefficient first, parentheses only where needed.
std::string to_string(const expr& e, style s = style::unicode);

/// Prints with each large shared subexpression named once.
///
/// A subexpression that is used more than once in the DAG and has at least
/// `min_size` nodes (counted as a tree) is written once, on a `where` line,
/// and by its name everywhere else:
///
///     t₁·sin(t₁)
///     where t₁ = x² + 2x + 1
///
/// Names are t₁, t₂, … (t1 in ASCII, t_{1} in LaTeX; another letter if the
/// expression has symbols named so), numbered so that each definition uses
/// only earlier names. Without such subexpressions this is to_string(e, s).
std::string to_string_shared(const expr& e, style s = style::unicode, std::size_t min_size = 8);

/// Writes the Unicode form.
std::ostream& operator<<(std::ostream& out, const expr& e);

}  // namespace nabla
