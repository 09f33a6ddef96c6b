#pragma once
// Reverse-mode gradient evaluation over the DAG: forward values in
// post-order, then adjoints in reverse post-order, each node's local partial
// derivatives written next to its value (micrograd's layout, iterative).
// It knows the calculus numerically and independently of the rule file, so
// tests use it as a second oracle for the symbolic derivatives; it is also
// the seed of the future evaluation tape.

#include <nabla/expr.hpp>

#include <vector>

namespace nabla::detail {

/// f(p) and ∇f(p) over the given variables.
struct value_and_gradient {
    double value = 0;
    std::vector<double> gradient;
};

/// Evaluates e and its gradient at the bound point. Unbound symbols and user
/// functions throw error; under domain_policy::strict a non-finite value
/// computed from finite operands throws domain_error naming the node.
/// At the kinks it uses the conventions of the symbolic rules: |u|′ = 0 at
/// u = 0, min/max give each argument ½ where they tie.
value_and_gradient reverse_gradient(const expr& e, const std::vector<expr>& variables, const bindings& values,
                                    domain_policy policy = domain_policy::strict);

}  // namespace nabla::detail
