#pragma once
/// \file Differentiation: partial derivatives, gradient, Jacobian, Hessian,
/// directional derivative, Laplacian, and step-by-step explanations.
/// Derivatives are memoized per node: a shared subexpression is
/// differentiated once and its derivative is shared in the result.
///
/// The derivatives of the elementary functions are data: the rule file
/// grammar/derivatives.rules (one labelled rule per function, in nabla's own
/// notation, `d-sin: ∂sin(u) = cos(u)·∂u`), read by the one grammar and
/// validated when first used. Variables are real: d/dx |x| = sign(x),
/// d/dx log|x| = 1/x, and no re/im/conjugate ever appears.

#include <nabla/expr.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nabla {

/// What the derivative of min/max is where both arguments are equal (the kink).
/// Away from the kink the derivative is that of the active argument. At it,
/// `average` takes ½ of each (the midpoint of the subgradient, so
/// d/dx max(0, x) at 0 is ½), `first` the first argument's derivative and
/// `second` the second's, in the order the arguments are stored.
enum class kink_convention { average, first, second };

/// Options of the differentiation functions.
struct diff_options {
    /// The derivative of min/max where their arguments are equal.
    kink_convention kink = kink_convention::average;
    /// A product with more than this many factors that depend on the
    /// variable is differentiated as f·Σ fᵢ′/fᵢ (linear size, valid where no
    /// factor is 0) instead of Σ fᵢ′·Π_{j≠i} fⱼ (quadratic size).
    std::size_t product_rule_limit = 6;
    /// Threads a derivative may use (0: one per core, at most 8): a gradient's
    /// variables are shared out among them, and an expression that is a sum
    /// or product of thousands of terms is indexed in parts. Every
    /// derivative is the same node whichever thread makes it, so the result
    /// does not depend on this. Small ones always run on the caller's
    /// thread, and a gradient starts there alone: other threads join it
    /// when its first variables show that the rest would take more than
    /// about 15 ms, which repays their start and their cold caches.
    unsigned threads = 0;
};

/// ∂e/∂x; x must be a symbol (error otherwise).
expr diff(const expr& e, const expr& x, const diff_options& options = {});
/// ∂ⁿe/∂xⁿ; n ≥ 0. Stops early once the result is 0; refuses (limit_error)
/// an order above 10000 that does not reach 0.
expr diff(const expr& e, const expr& x, std::size_t n, const diff_options& options = {});
/// ∂ⁿe/∂x₁…∂xₙ: differentiates by each variable in turn (mixed partials).
expr diff(const expr& e, const std::vector<expr>& variables, const diff_options& options = {});

/// ∇e over its free symbols in name order.
std::vector<expr> gradient(const expr& e);
/// ∇e over the given variables, in that order.
std::vector<expr> gradient(const expr& e, const std::vector<expr>& variables,
                           const diff_options& options = {});
/// The Jacobian: row i is ∇ of fs[i] over the variables.
std::vector<std::vector<expr>> jacobian(const std::vector<expr>& fs, const std::vector<expr>& variables,
                                        const diff_options& options = {});
/// The Hessian over the variables; each symmetric pair is computed once.
std::vector<std::vector<expr>> hessian(const expr& e, const std::vector<expr>& variables,
                                       const diff_options& options = {});
/// The directional derivative ∇e·v over the variables.
expr directional_derivative(const expr& e, const std::vector<expr>& variables,
                            const std::vector<expr>& direction, const diff_options& options = {});
/// The Laplacian Σ ∂²e/∂xᵢ².
expr laplacian(const expr& e, const std::vector<expr>& variables, const diff_options& options = {});

/// The places where `e` may fail to be differentiable: a list of expressions
/// gᵢ such that e is differentiable wherever no gᵢ is 0 (|u| and sign(u)
/// give u, min(a, b) and max(a, b) give a − b). Numeric checks skip points
/// near them.
std::vector<expr> kink_conditions(const expr& e);

/// One step of a derivation: the rule used, in words, and what it gave:
/// ∂part/∂variable = result.
struct explanation_step {
    std::string rule;         ///< stable rule name ("d-sin", "product-rule")
    std::string description;  ///< "chain rule on sin(2x): cos(2x)·∂(2x)"
    expr part;                ///< the subexpression the step differentiated (sin(2x))
    expr variable;            ///< the variable it differentiated by
    expr result;              ///< ∂part/∂variable (2cos(2x))
};
/// Differentiates and records the rules applied, in order (innermost first).
std::vector<explanation_step> explain_diff(const expr& e, const expr& x, const diff_options& options = {});

/// Declares the partial derivatives of a user function: partials[i] is
/// ∂f/∂(argument i) written in terms of `parameters`. Later derivatives of
/// f(...) follow the chain rule with it. Replaces an earlier declaration.
/// Throws error if the parameters are not distinct symbols or the counts differ.
void declare_derivative(const std::string& function_name, const std::vector<expr>& parameters,
                        const std::vector<expr>& partials);
/// Declares derivatives written as rules, one per line, in the notation of
/// grammar/derivatives.rules: `∂softplus(u) = sigmoid(u)·∂u` (a label
/// `d-softplus:` in front is optional). `source` names the text in errors.
/// Throws parse_error (with line and column) on a bad rule; declares nothing then.
void declare_derivatives(std::string_view text, std::string_view source = "<input>");
/// Forgets the derivative declared for a user function (no-op if none).
void forget_derivative(const std::string& function_name);
/// Whether a derivative is declared for this user function. The parser reads
/// such a name before `(` as a call: q(x) is q applied to x, not q·x.
bool has_declared_derivative(std::string_view function_name);

/// A derivative rule as loaded from the rule file, for listings and tests.
struct derivative_rule_info {
    std::string label;     ///< "d-sin"
    std::string function;  ///< "sin"
    std::string formula;   ///< the rule as written, "∂sin(u) = cos(u)·∂u"
    std::vector<expr> parameters;  ///< the pattern variables (u)
    std::vector<expr> partials;    ///< ∂f/∂parameterᵢ in terms of the parameters
};
/// The built-in rules, in file order (one per elementary function).
std::vector<derivative_rule_info> derivative_rules();

/// Options for simplify().
struct simplify_options {
    std::size_t max_steps = 1000;     ///< rewrite steps before stopping
    double max_seconds = 1.0;         ///< wall time before stopping
};
/// Why simplify() stopped.
enum class stop_reason { fixed_point, step_limit, time_limit };
/// The result of simplify() with the reason it stopped.
struct simplify_result {
    expr value;
    stop_reason reason;
    std::size_t steps;
};
/// Bounded rewriting for what canonical form leaves: common factors,
/// rational normalization, sin² + cos² = 1, and sums whose multiplied-out
/// form is smaller ((x + 1)² − x² − 2x − 1 is 0).
simplify_result simplify_report(const expr& e, const simplify_options& options = {});
/// simplify_report(e).value.
expr simplify(const expr& e, const simplify_options& options = {});

}  // namespace nabla
