#pragma once
// The derivative rule table: the built-in rules of grammar/derivatives.rules
// (embedded in the library, read by the one grammar and validated on first
// use) and the rules users declare for their own functions.
//
// A rule `d-f: ∂f(u, v) = A·∂u + B·∂v` is kept as its partials A = ∂f/∂u and
// B = ∂f/∂v, written over the pattern variables u and v (symbols). Applying
// it to f(a, b) substitutes a for u and b for v, all at once.

#include <nabla/diff.hpp>

#include "core/node.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nabla::detail {

struct derivative_rule {
    std::string label;             // "d-sin"
    std::string function;          // "sin", or a user function's name
    std::string formula;           // "∂sin(u) = cos(u)·∂u"
    std::vector<expr> parameters;  // the pattern variables, as symbols
    std::vector<expr> partials;    // ∂f/∂parameters[i]
};

// The symbol that rules for min and max use for the weight of the first
// argument where both are equal; replaced by ½, 1 or 0 (kink_convention).
const expr& kink_symbol();

// The value kink_symbol() takes under a convention.
expr kink_weight(kink_convention c);

// The built-in rules, in file order; loaded and validated on first use
// (throws parse_error, with the rule file's name, line and column, on a bad file).
const std::vector<derivative_rule>& builtin_rules();
// The built-in rule of an elementary function.
const derivative_rule& builtin_rule(nabla::function f);

// The rule declared for a user function, or null.
std::shared_ptr<const derivative_rule> user_rule(std::string_view name);
// Declares (replaces) the rule of a user function.
void set_user_rule(derivative_rule rule);
void erase_user_rule(std::string_view name);

// ∂f/∂uᵢ stated by the right side of a declaration ∂f(u, …) = Σ aᵢ·∂uᵢ: the
// coefficient of each differential. Empty, with `why` set, when the right
// side is not of that form (a differential in a function or a power, two in
// one product, a term with none).
std::vector<expr> declared_partials(const expr& rhs, const std::vector<expr>& differentials, std::string& why);

// Reads rule statements from text and validates them (unknown pattern
// variables, arity, duplicate labels or functions, a differential that is not
// a parameter, a right side that is not linear in the differentials).
// `builtin` = the rules are for the elementary functions: each must name one,
// and every elementary function must have exactly one rule.
std::vector<derivative_rule> read_rules(std::string_view text, std::string_view source, bool builtin);

// rule.partials[k] with the arguments substituted for the parameters and the
// kink weight for kink_symbol().
expr instantiate(const derivative_rule& rule, std::size_t k, std::span<const node* const> args,
                 const expr& kink_weight);

}  // namespace nabla::detail
