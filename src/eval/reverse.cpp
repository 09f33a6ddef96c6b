// Reverse-mode gradient evaluation (see reverse.hpp).

#include "eval/reverse.hpp"

#include "core/node.hpp"

#include <nabla/print.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <cmath>
#include <numbers>

namespace nabla::detail {

namespace {

double sign_of(double u) { return u > 0 ? 1.0 : u < 0 ? -1.0 : 0.0; }

// The weight of min/max's first argument: 1 when it is the one chosen, ½ at a tie.
double first_weight(bool is_max, double u, double v) {
    if (u == v) return 0.5;
    return (u > v) == is_max ? 1.0 : 0.0;
}

double apply_value(function f, double u, double v) {
    switch (f) {
    case function::sin: return std::sin(u);
    case function::cos: return std::cos(u);
    case function::tan: return std::tan(u);
    case function::asin: return std::asin(u);
    case function::acos: return std::acos(u);
    case function::atan: return std::atan(u);
    case function::atan2: return std::atan2(u, v);
    case function::sinh: return std::sinh(u);
    case function::cosh: return std::cosh(u);
    case function::tanh: return std::tanh(u);
    case function::asinh: return std::asinh(u);
    case function::acosh: return std::acosh(u);
    case function::atanh: return std::atanh(u);
    case function::log: return u > 0 ? std::log(u) : u == 0 ? -HUGE_VAL : NAN;
    case function::erf: return std::erf(u);
    case function::abs: return std::fabs(u);
    case function::sign: return sign_of(u);
    case function::min: return std::fmin(u, v);
    case function::max: return std::fmax(u, v);
    case function::exp: return std::exp(u);
    }
    return NAN;
}

// ∂f/∂u (and ∂f/∂v for two arguments) at (u, v), given y = f(u, v).
void apply_partials(function f, double u, double v, double y, double& du, double& dv) {
    dv = 0;
    switch (f) {
    case function::sin: du = std::cos(u); return;
    case function::cos: du = -std::sin(u); return;
    case function::tan: du = 1 + y * y; return;
    case function::asin: du = 1 / std::sqrt(1 - u * u); return;
    case function::acos: du = -1 / std::sqrt(1 - u * u); return;
    case function::atan: du = 1 / (1 + u * u); return;
    case function::atan2: {
        const double r = u * u + v * v;
        du = v / r;
        dv = -u / r;
        return;
    }
    case function::sinh: du = std::cosh(u); return;
    case function::cosh: du = std::sinh(u); return;
    case function::tanh: du = 1 - y * y; return;
    case function::asinh: du = 1 / std::sqrt(u * u + 1); return;
    case function::acosh: du = 1 / std::sqrt(u * u - 1); return;
    case function::atanh: du = 1 / (1 - u * u); return;
    case function::log: du = 1 / u; return;
    case function::erf: du = 2 / std::sqrt(std::numbers::pi) * std::exp(-u * u); return;
    case function::abs: du = sign_of(u); return;
    case function::sign: du = 0; return;
    case function::min:
        du = first_weight(false, u, v);
        dv = 1 - du;
        return;
    case function::max:
        du = first_weight(true, u, v);
        dv = 1 - du;
        return;
    case function::exp: du = y; return;
    }
    du = NAN;
}

}  // namespace

value_and_gradient reverse_gradient(const expr& e, const std::vector<expr>& variables, const bindings& values,
                                    domain_policy policy) {
    std::vector<const node*> order;
    boost::unordered_flat_map<const node*, std::uint32_t> number;
    for_each_post_order(e.get(), [&](const node* n) {
        number.emplace(n, static_cast<std::uint32_t>(order.size()));
        order.push_back(n);
    });
    const std::size_t count = order.size();
    std::vector<double> val(count);
    auto at = [&](const node* n) { return number.find(n)->second; };

    // Forward: values in post-order.
    for (std::size_t i = 0; i < count; ++i) {
        const node* n = order[i];
        double y = 0;
        bool operands_finite = true;
        for (const node* c : n->ops()) operands_finite = operands_finite && std::isfinite(val[at(c)]);
        switch (n->kind) {
        case kind::number: y = n->number().convert_to<double>(); break;
        case kind::real: y = n->real(); break;
        case kind::constant: y = n->constant_id() == constant::pi ? std::numbers::pi : std::numbers::e; break;
        case kind::symbol: {
            auto it = values.find(n->name());
            if (it == values.end()) throw error("no value for " + n->name());
            y = it->second;
            break;
        }
        case kind::sum:
            for (const node* c : n->ops()) y += val[at(c)];
            break;
        case kind::product:
            y = 1;
            for (const node* c : n->ops()) y *= val[at(c)];
            break;
        case kind::power: y = real_power(val[at(n->op(0))], val[at(n->op(1))], n->op(1)); break;
        case kind::apply:
            y = apply_value(n->fn(), val[at(n->op(0))], n->nops > 1 ? val[at(n->op(1))] : 0.0);
            break;
        case kind::call: throw error("cannot evaluate the user function " + n->name());
        }
        if (policy == domain_policy::strict && operands_finite && !std::isfinite(y))
            throw domain_error("undefined value", to_string(expr::share(n), style::ascii));
        val[i] = y;
    }

    // Reverse: adjoints, from the root down.
    std::vector<double> adj(count, 0.0);
    adj[count - 1] = 1;
    std::vector<double> prefix;
    for (std::size_t i = count; i-- > 0;) {
        const node* n = order[i];
        const double a = adj[i];
        if (a == 0) continue;
        switch (n->kind) {
        case kind::sum:
            for (const node* c : n->ops()) adj[at(c)] += a;
            break;
        case kind::product: {
            // ∂(Π cₖ)/∂cₖ = Π_{j≠k} cⱼ, by prefix and suffix products (exact at zeros).
            prefix.assign(n->nops + 1, 1.0);
            for (std::size_t k = 0; k < n->nops; ++k) prefix[k + 1] = prefix[k] * val[at(n->op(k))];
            double suffix = 1;
            for (std::size_t k = n->nops; k-- > 0;) {
                const std::uint32_t c = at(n->op(k));
                adj[c] += a * prefix[k] * suffix;
                suffix *= val[c];
            }
            break;
        }
        case kind::power: {
            const node* b = n->op(0);
            const node* x = n->op(1);
            const double bv = val[at(b)], xv = val[at(x)];
            // ∂(b^x)/∂b = x·b^(x−1); ∂(b^x)/∂x = b^x·log(b), only where x varies.
            if (!b->is_number() && !b->is(kind::constant)) adj[at(b)] += a * xv * real_power(bv, xv, x, -1);
            if (!x->is_number() && !x->is(kind::constant)) adj[at(x)] += a * val[i] * std::log(bv);
            break;
        }
        case kind::apply: {
            const double u = val[at(n->op(0))];
            const double v = n->nops > 1 ? val[at(n->op(1))] : 0.0;
            double du = 0, dv = 0;
            apply_partials(n->fn(), u, v, val[i], du, dv);
            adj[at(n->op(0))] += a * du;
            if (n->nops > 1) adj[at(n->op(1))] += a * dv;
            break;
        }
        case kind::number:
        case kind::real:
        case kind::constant:
        case kind::symbol:
        case kind::call: break;
        }
    }

    value_and_gradient out;
    out.value = val[count - 1];
    out.gradient.reserve(variables.size());
    for (const expr& x : variables) {
        auto it = number.find(x.get());
        out.gradient.push_back(it == number.end() ? 0.0 : adj[it->second]);
    }
    return out;
}

}  // namespace nabla::detail
