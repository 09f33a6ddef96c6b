// The public differentiation functions of nabla/diff.hpp, on top of the
// engine (engine.hpp) and the rule table (rules.hpp).

#include "diff/engine.hpp"
#include "diff/rules.hpp"

#include <nabla/print.hpp>

#include <algorithm>

namespace nabla {

namespace {

void require_symbol(const expr& x) {
    if (x.kind() != kind::symbol)
        throw error("can only differentiate with respect to a symbol, not " + to_string(x));
}

void require_symbols(const std::vector<expr>& variables) {
    for (const expr& v : variables) require_symbol(v);
}

// Whether derivatives of e can hold floats: e holds one, or a user function
// whose declared derivative may.
bool may_give_floats(const expr& e) {
    bool found = false;
    detail::for_each_post_order(e.get(), [&](const detail::node* n) {
        found = found || n->is(kind::real) || n->is(kind::call);
    });
    return found;
}

// Orders above this are refused unless the derivative reaches 0 first.
constexpr std::size_t max_order = 10000;
// Above max_order, give up once a derivative has more nodes than this.
constexpr std::size_t max_absurd_nodes = 10000;

}  // namespace

expr diff(const expr& e, const expr& x, const diff_options& options) {
    require_symbol(x);
    return detail::differentiator(e, options).derive(x);
}

expr diff(const expr& e, const expr& x, std::size_t n, const diff_options& options) {
    require_symbol(x);
    expr d = e;
    detail::function_partial_cache partials;
    detail::derivative_memo memo;
    memo.exact = !may_give_floats(e);
    detail::differentiator step(d, options, nullptr, &partials);
    step.use_memo(&memo);
    for (std::size_t k = 0; k < n; ++k) {
        if (d.is_zero()) return d;
        if (k > 0) step.reset(d);
        // An absurd order is only worth trying while the derivatives stay
        // small: a polynomial reaches 0, anything else is refused.
        if (k == max_order || (n > max_order && node_count(d) > max_absurd_nodes))
            throw limit_error("derivative order " + std::to_string(n) + " is above the limit of " +
                              std::to_string(max_order));
        d = step.derive(x);
    }
    return d;
}

expr diff(const expr& e, const std::vector<expr>& variables, const diff_options& options) {
    require_symbols(variables);
    expr d = e;
    for (const expr& x : variables) {
        if (d.is_zero()) break;
        d = detail::differentiator(d, options).derive(x);
    }
    return d;
}

std::vector<expr> gradient(const expr& e) { return gradient(e, free_symbols(e)); }

std::vector<expr> gradient(const expr& e, const std::vector<expr>& variables, const diff_options& options) {
    require_symbols(variables);
    return detail::differentiator(e, options).derive_each(variables, options.threads);
}

std::vector<std::vector<expr>> jacobian(const std::vector<expr>& fs, const std::vector<expr>& variables,
                                        const diff_options& options) {
    require_symbols(variables);
    std::vector<std::vector<expr>> j;
    j.reserve(fs.size());
    for (const expr& f : fs) j.push_back(gradient(f, variables, options));
    return j;
}

std::vector<std::vector<expr>> hessian(const expr& e, const std::vector<expr>& variables,
                                       const diff_options& options) {
    const std::vector<expr> g = gradient(e, variables, options);
    const std::size_t n = variables.size();
    std::vector<std::vector<expr>> h(n, std::vector<expr>(n));
    detail::function_partial_cache partials;
    for (std::size_t i = 0; i < n; ++i) {
        if (g[i].is_zero()) continue;  // the whole row (and column) is 0
        detail::differentiator d(g[i], options, nullptr, &partials);
        // ∂²e/∂xᵢ∂xⱼ = ∂²e/∂xⱼ∂xᵢ: each pair once, mirrored.
        for (std::size_t j = i; j < n; ++j) h[i][j] = h[j][i] = d.derive(variables[j]);
    }
    return h;
}

expr directional_derivative(const expr& e, const std::vector<expr>& variables, const std::vector<expr>& direction,
                            const diff_options& options) {
    if (direction.size() != variables.size())
        throw error("the direction has " + std::to_string(direction.size()) + " components for " +
                    std::to_string(variables.size()) + " variables");
    const std::vector<expr> g = gradient(e, variables, options);
    std::vector<expr> terms;
    terms.reserve(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) terms.push_back(g[i] * direction[i]);
    return add(terms);
}

expr laplacian(const expr& e, const std::vector<expr>& variables, const diff_options& options) {
    const std::vector<expr> g = gradient(e, variables, options);
    std::vector<expr> terms;
    terms.reserve(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) terms.push_back(diff(g[i], variables[i], options));
    return add(terms);
}

std::vector<explanation_step> explain_diff(const expr& e, const expr& x, const diff_options& options) {
    require_symbol(x);
    std::vector<explanation_step> steps;
    detail::differentiator(e, options, &steps).derive(x);
    for (explanation_step& step : steps) step.variable = x;
    return steps;
}

void declare_derivative(const std::string& function_name, const std::vector<expr>& parameters,
                        const std::vector<expr>& partials) {
    if (find_function(function_name))
        throw error("the derivative of " + function_name + " is built in");
    if (function_name.empty()) throw error("a function needs a name");
    if (parameters.size() != partials.size())
        throw error("declare_derivative: " + std::to_string(parameters.size()) + " parameters but " +
                    std::to_string(partials.size()) + " partial derivatives");
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        if (parameters[i].kind() != kind::symbol) throw error("a parameter must be a symbol, not " + to_string(parameters[i]));
        for (std::size_t j = 0; j < i; ++j)
            if (parameters[j] == parameters[i]) throw error("parameter '" + parameters[i].name() + "' appears twice");
    }
    detail::derivative_rule rule;
    rule.label = "d-" + function_name;
    rule.function = function_name;
    rule.parameters = parameters;
    rule.partials = partials;
    std::string formula = "∂" + function_name + "(";
    for (std::size_t i = 0; i < parameters.size(); ++i) formula += (i ? ", " : "") + parameters[i].name();
    formula += ") =";
    for (std::size_t i = 0; i < parameters.size(); ++i)
        formula += (i ? " + (" : " (") + to_string(partials[i]) + ")·∂" + parameters[i].name();
    rule.formula = std::move(formula);
    detail::set_user_rule(std::move(rule));
}

void declare_derivatives(std::string_view text, std::string_view source) {
    // Read and check everything first, so a bad line declares nothing.
    std::vector<detail::derivative_rule> rules = detail::read_rules(text, source, false);
    for (detail::derivative_rule& r : rules) {
        if (r.label.empty()) r.label = "d-" + r.function;
        detail::set_user_rule(std::move(r));
    }
}

void forget_derivative(const std::string& function_name) { detail::erase_user_rule(function_name); }

bool has_declared_derivative(std::string_view function_name) { return detail::user_rule(function_name) != nullptr; }

std::vector<derivative_rule_info> derivative_rules() {
    std::vector<derivative_rule_info> out;
    for (const detail::derivative_rule& r : detail::builtin_rules())
        out.push_back({r.label, r.function, r.formula, r.parameters, r.partials});
    return out;
}

std::vector<expr> kink_conditions(const expr& e) {
    std::vector<expr> found;
    detail::for_each_post_order(e.get(), [&](const detail::node* n) {
        if (n->is_fn(function::abs) || n->is_fn(function::sign)) {
            found.push_back(expr::share(n->op(0)));
        } else if (n->is_fn(function::min) || n->is_fn(function::max)) {
            found.push_back(expr::share(n->op(0)) - expr::share(n->op(1)));
        }
    });
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
}

}  // namespace nabla
