#pragma once
/// \file Differentiation: partial derivatives, gradient, Jacobian, Hessian,
/// directional derivative, Laplacian, and step-by-step explanations.
/// Derivatives are memoized per node: a shared subexpression is
/// differentiated once and its derivative is shared in the result.

#include <nabla/expr.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace nabla {

/// ∂e/∂x; x must be a symbol (error otherwise).
expr diff(const expr& e, const expr& x);
/// ∂ⁿe/∂xⁿ; n ≥ 0. Stops early once the result is 0; refuses (limit_error)
/// an order above 10000 that does not reach 0.
expr diff(const expr& e, const expr& x, std::size_t n);
/// ∂ⁿe/∂x₁…∂xₙ: differentiates by each variable in turn (mixed partials).
expr diff(const expr& e, const std::vector<expr>& variables);

/// ∇e over its free symbols in name order.
std::vector<expr> gradient(const expr& e);
/// ∇e over the given variables, in that order.
std::vector<expr> gradient(const expr& e, const std::vector<expr>& variables);
/// The Jacobian: row i is ∇ of fs[i] over the variables.
std::vector<std::vector<expr>> jacobian(const std::vector<expr>& fs, const std::vector<expr>& variables);
/// The Hessian over the variables; each symmetric pair is computed once.
std::vector<std::vector<expr>> hessian(const expr& e, const std::vector<expr>& variables);
/// The directional derivative ∇e·v over the variables.
expr directional_derivative(const expr& e, const std::vector<expr>& variables, const std::vector<expr>& direction);
/// The Laplacian Σ ∂²e/∂xᵢ².
expr laplacian(const expr& e, const std::vector<expr>& variables);

/// One step of a derivation: the rule used, in words, and the expression after it.
struct explanation_step {
    std::string rule;         ///< stable rule name ("d-sin", "product-rule")
    std::string description;  ///< "chain rule on sin(2x): cos(2x)·∂(2x)/∂x"
    expr result;              ///< the derivative of the part the step worked on
};
/// Differentiates and records the rules applied, in order.
std::vector<explanation_step> explain_diff(const expr& e, const expr& x);

/// Declares the partial derivatives of a user function: partials[i] is
/// ∂f/∂(argument i) written in terms of `parameters`. Later derivatives of
/// f(...) follow the chain rule with it. Replaces an earlier declaration.
void declare_derivative(const std::string& function_name, const std::vector<expr>& parameters,
                        const std::vector<expr>& partials);

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
/// rational normalization, sin² + cos² = 1.
simplify_result simplify_report(const expr& e, const simplify_options& options = {});
/// simplify_report(e).value.
expr simplify(const expr& e, const simplify_options& options = {});

}  // namespace nabla
