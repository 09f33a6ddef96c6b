#pragma once
/// \file Printing expressions as text. One precedence table drives every style.

#include <nabla/expr.hpp>

#include <iosfwd>
#include <string>

namespace nabla {

/// How an expression is written.
enum class style {
    /// The way a person writes it: 4xy, 2x² + 3y, √x, π, sin(x)², e^(−x).
    unicode,
    /// Plain text that parses back: 4*x*y, 2*x^2 + 3*y.
    ascii,
    /// LaTeX math: 4 x y, \frac{1}{x}, \sqrt{x}, \sin\left(x\right).
    latex,
};

/// Prints an expression. Sums in descending degree, products with the
/// coefficient first, parentheses only where needed.
std::string to_string(const expr& e, style s = style::unicode);

/// Writes the Unicode form.
std::ostream& operator<<(std::ostream& out, const expr& e);

}  // namespace nabla
