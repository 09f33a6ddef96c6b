// Whole-expression operations: substitution, expansion, free symbols,
// counts, and numeric evaluation. Each is one iterative post-order pass over
// the DAG with a memo, so shared subexpressions are visited once.

#include "core/node.hpp"

#include <nabla/print.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace nabla::detail {
double apply_function_double(function f, double a, double b);
}

namespace nabla {

using namespace detail;

expr subs(const expr& e, const substitution& s) {
    if (s.empty()) return e;
    boost::unordered_flat_map<const node*, const expr*> table;
    for (auto& [k, v] : s) table.emplace(k.get(), &v);
    // Replaced nodes are not descended into again: the substitution is simultaneous.
    boost::unordered_flat_map<const node*, expr> done;
    std::vector<std::pair<const node*, std::size_t>> stack{{e.get(), 0}};
    while (!stack.empty()) {
        auto& [n, next] = stack.back();
        if (next == 0) {
            if (done.contains(n)) {
                stack.pop_back();
                continue;
            }
            if (auto it = table.find(n); it != table.end()) {
                done.emplace(n, *it->second);
                stack.pop_back();
                continue;
            }
        }
        if (next < n->nops) {
            const node* child = n->op(next++);
            if (!done.contains(child)) stack.emplace_back(child, 0);
            continue;
        }
        const node* finished = n;
        stack.pop_back();
        if (finished->nops == 0) {
            done.emplace(finished, expr::share(finished));
            continue;
        }
        std::vector<expr> ops;
        bool changed = false;
        for (const node* op : finished->ops()) {
            ops.push_back(done.at(op));
            changed = changed || ops.back().get() != op;
        }
        done.emplace(finished, changed ? rebuild(finished, std::move(ops)) : expr::share(finished));
    }
    return done.at(e.get());
}

namespace {

std::size_t sum_size(const expr& e) { return e.kind() == kind::sum ? e.size() : 1; }

std::vector<expr> terms_of(const expr& e) {
    if (e.kind() != kind::sum) return {e};
    std::vector<expr> t;
    for (const node* op : e.get()->ops()) t.push_back(expr::share(op));
    return t;
}

void check_terms(double count, const expand_options& options) {
    if (count > static_cast<double>(options.max_terms)) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.4g", count);
        throw limit_error(std::string("expand would produce ") + buffer + " terms (the limit is " +
                          std::to_string(options.max_terms) + ")");
    }
}

expr multiply_out(const std::vector<expr>& factors, const expand_options& options) {
    double count = 1;
    for (auto& f : factors) count *= static_cast<double>(sum_size(f));
    check_terms(count, options);
    std::vector<expr> acc{one()};
    for (auto& f : factors) {
        if (f.kind() != kind::sum) {
            for (auto& t : acc) t = make_product({t, f});
            continue;
        }
        std::vector<expr> next;
        next.reserve(acc.size() * f.size());
        for (auto& t : acc) {
            poll_interrupt();
            for (const node* u : f.get()->ops()) next.push_back(make_product({t, expr::share(u)}));
        }
        acc = terms_of(make_sum(std::move(next)));
    }
    return make_sum(std::move(acc));
}

// (t₁ + … + t_k)ⁿ by the multinomial theorem: Σ n!/(e₁!…e_k!) t₁^e₁…t_k^e_k
// over e₁ + … + e_k = n. One product per result term, instead of n rounds of
// multiplying out; the recursion is k deep, and k is small whenever the
// result fits the term limit.
class multinomial {
public:
    multinomial(const node* sum, unsigned n) : n_(n) {
        for (const node* t : sum->ops()) terms_.push_back(t);
        powers_.resize(terms_.size());
    }
    expr run() {
        std::vector<const node*> factors;
        visit(0, n_, integer_t(1), factors);
        std::vector<const node*> nodes;
        nodes.reserve(out_.size());
        for (auto& t : out_) nodes.push_back(t.get());
        return make_sum_nodes(nodes);
    }

private:
    const node* power(std::size_t i, unsigned e) {
        auto& row = powers_[i];
        if (row.empty()) row.resize(n_ + 1);
        if (!row[e]) row[e] = make_power(expr::share(terms_[i]), expr(static_cast<long long>(e)));
        return row[e]->get();
    }
    void visit(std::size_t i, unsigned rem, const integer_t& coefficient, std::vector<const node*>& factors) {
        if (i + 1 == terms_.size()) {
            if (rem > 0) factors.push_back(power(i, rem));
            poll_interrupt();
            expr c = make_number(rational_t(coefficient));
            factors.push_back(c.get());
            out_.push_back(make_product_nodes(factors));
            factors.pop_back();
            if (rem > 0) factors.pop_back();
            return;
        }
        integer_t binomial = 1;  // C(rem, e), from e = 0 upward
        for (unsigned e = 0; e <= rem; ++e) {
            if (e > 0) factors.push_back(power(i, e));
            visit(i + 1, rem - e, coefficient * binomial, factors);
            if (e > 0) factors.pop_back();
            binomial = binomial * (rem - e) / (e + 1);
        }
    }

    unsigned n_;
    std::vector<const node*> terms_;
    std::vector<std::vector<std::optional<expr>>> powers_;
    std::vector<expr> out_;
};

// Number of terms of a k-term sum raised to n: C(n + k − 1, k − 1).
double multinomial_terms(double n, double k) {
    return std::exp(std::lgamma(n + k) - std::lgamma(k) - std::lgamma(n + 1));
}

}  // namespace

expr expand(const expr& e, const expand_options& options) {
    return map_post_order(
        e, [](const node*) -> std::optional<expr> { return std::nullopt; },
        [&](const node* n, std::vector<expr> ops, bool changed) -> expr {
            switch (n->kind) {
            case kind::product: return multiply_out(ops, options);
            case kind::power: {
                const expr& base = ops[0];
                const node* x = ops[1].get();
                if (base.kind() == kind::sum && x->is_exact_integer()) {
                    const integer_t& n_exp = numerator(x->number());
                    integer_t mag = abs(n_exp);
                    double terms = mag > 1000000000 ? 1e300 : multinomial_terms(mag.convert_to<double>(), double(base.size()));
                    check_terms(terms, options);
                    expr result = multinomial(base.get(), mag.convert_to<unsigned>()).run();
                    return n_exp < 0 ? make_power(result, minus_one()) : result;
                }
                return changed ? make_power(ops[0], ops[1]) : expr::share(n);
            }
            default: return changed ? rebuild(n, std::move(ops)) : expr::share(n);
            }
        });
}

void request_interrupt() noexcept { interrupt_requested.store(true); }
void clear_interrupt() noexcept { interrupt_requested.store(false); }

std::vector<expr> free_symbols(const expr& e) {
    std::vector<expr> out;
    for_each_post_order(e.get(), [&](const node* n) {
        if (n->kind == kind::symbol) out.push_back(expr::share(n));
    });
    std::sort(out.begin(), out.end(), [](const expr& a, const expr& b) { return a.name() < b.name(); });
    return out;
}

bool contains(const expr& e, const expr& part) {
    bool found = false;
    for_each_post_order(e.get(), [&](const node* n) { found = found || n == part.get(); });
    return found;
}

std::size_t node_count(const expr& e) {
    std::size_t count = 0;
    for_each_post_order(e.get(), [&](const node*) { ++count; });
    return count;
}

std::size_t depth(const expr& e) {
    boost::unordered_flat_map<const node*, std::size_t> d;
    for_each_post_order(e.get(), [&](const node* n) {
        std::size_t m = 0;
        for (const node* op : n->ops()) m = std::max(m, d.at(op));
        d.emplace(n, m + 1);
    });
    return d.at(e.get());
}

// ---------------------------------------------------------------- real powers

namespace {
// p/q in lowest terms with q odd and not 1, p's parity: a root of a negative
// base that is real. Empty for anything else.
std::optional<bool> odd_root_numerator_is_odd(const node* exponent) {
    if (exponent->kind != kind::number || exponent->is_small_integer()) return std::nullopt;
    const rational_t& e = exponent->number();
    if (denominator(e) == 1 || !bit_test(denominator(e), 0)) return std::nullopt;
    return bit_test(abs(numerator(e)), 0);
}
}  // namespace

bool detail::has_real_root_of_negative(const node* exponent) {
    return exponent->is_exact_integer() || odd_root_numerator_is_odd(exponent).has_value();
}

double detail::real_power(double b, double x, const node* exponent, int shift) {
    if (b < 0) {
        if (const std::optional<bool> odd = odd_root_numerator_is_odd(exponent)) {
            // q odd, so p + shift·q has the parity of p + shift.
            const bool negative = *odd != ((shift & 1) != 0);
            const double magnitude = std::pow(-b, x + shift);
            return negative ? -magnitude : magnitude;
        }
    }
    return std::pow(b, x + shift);
}

// ---------------------------------------------------------------- evaluate

namespace {

[[noreturn]] void domain_failure(const std::string& what, const node* n) {
    std::string where = to_string(expr::share(n), style::ascii);
    throw domain_error(what + " in " + where, where);
}

}  // namespace

double evaluate(const expr& e, const bindings& values, domain_policy policy) {
    const bool strict = policy == domain_policy::strict;
    boost::unordered_flat_map<const node*, double> value;
    for_each_post_order(e.get(), [&](const node* n) {
        double v = 0;
        auto arg = [&](std::size_t i) { return value.at(n->op(i)); };
        switch (n->kind) {
        case kind::number: v = n->number().convert_to<double>(); break;
        case kind::real: v = n->real(); break;
        case kind::constant: v = n->constant_id() == constant::pi ? std::numbers::pi : std::numbers::e; break;
        case kind::symbol: {
            auto it = values.find(n->name());
            if (it == values.end()) throw error("no value for '" + n->name() + "'");
            v = it->second;
            break;
        }
        case kind::call: throw error("'" + n->name() + "' is a function with no definition");
        case kind::sum:
            for (std::size_t i = 0; i < n->nops; ++i) v += arg(i);
            break;
        case kind::product:
            v = 1;
            for (std::size_t i = 0; i < n->nops; ++i) v *= arg(i);
            break;
        case kind::power: {
            double b = arg(0), x = arg(1);
            if (strict) {
                if (b == 0 && x < 0) domain_failure("division by zero", n);
                if (b < 0 && x != std::floor(x) && !has_real_root_of_negative(n->op(1)))
                    domain_failure("a negative number to a fractional power", n);
            }
            v = real_power(b, x, n->op(1));
            break;
        }
        case kind::apply: {
            double a = arg(0), b = n->nops > 1 ? arg(1) : 0.0;
            if (strict) {
                switch (n->fn()) {
                case function::log:
                    if (a <= 0) domain_failure(a == 0 ? "log of zero" : "log of a negative number", n);
                    break;
                case function::asin:
                case function::acos:
                    if (a < -1 || a > 1) domain_failure(std::string(function_name(n->fn())) + " outside [-1, 1]", n);
                    break;
                case function::atanh:
                    if (a <= -1 || a >= 1) domain_failure("atanh outside (-1, 1)", n);
                    break;
                case function::acosh:
                    if (a < 1) domain_failure("acosh below 1", n);
                    break;
                case function::atan2:
                    if (a == 0 && b == 0) domain_failure("atan2 at (0, 0)", n);
                    break;
                default: break;
                }
            }
            v = apply_function_double(n->fn(), a, b);
            break;
        }
        }
        if (strict && !std::isfinite(v)) {
            bool inputs_finite = true;
            for (const node* op : n->ops()) inputs_finite = inputs_finite && std::isfinite(value.at(op));
            if (inputs_finite) domain_failure(std::isnan(v) ? "undefined value" : "overflow or division by zero", n);
        }
        value.emplace(n, v);
    });
    return value.at(e.get());
}

}  // namespace nabla
