#include "check/equality.hpp"

#include "core/node.hpp"
#include "core/traverse.hpp"

#include <nabla/diff.hpp>
#include <nabla/error.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <set>

namespace nabla::detail {

namespace {

side_at_point evaluate_side(const expr& e, const bindings& at) {
    side_at_point s;
    try {
        s.value = evaluate(e, at);
        if (!std::isfinite(s.value)) s.undefined = "overflows";
    } catch (const domain_error& d) {
        s.undefined = d.what();
    }
    return s;
}

// Whether e is 0 as a rational function of what it is made of: every sum
// over a common denominator, products and integer powers multiplied out,
// and anything else (e^(−z), sin(x), √x, a log) an atom, its own operands
// so normalized first. This proves what simplify, which keeps a form only
// when it is smaller, leaves apart: the hand-derived σ(z) − y of a logistic
// loss against ∂L/∂z, with 1 − 1/(1 + e^(−z)) in a denominator. Gives up
// (false) past `max_terms` terms or half a second, and the check then samples.
bool vanishes_as_rational_function(const expr& e) {
    constexpr std::size_t max_terms = 2000;
    constexpr auto max_time = std::chrono::milliseconds(500);
    const auto start = std::chrono::steady_clock::now();
    struct out_of_time {};
    expand_options bounded;
    bounded.max_terms = max_terms;
    struct fraction {
        expr numerator, denominator;
    };
    boost::unordered_flat_map<const node*, fraction> normal;
    auto whole = [](const fraction& f) { return f.denominator.is_one() ? f.numerator : f.numerator / f.denominator; };
    try {
        for_each_post_order(e.get(), [&](const node* n) {
            if (std::chrono::steady_clock::now() - start > max_time) throw out_of_time{};
            const expr self = expr::share(n);
            fraction f{self, expr(1)};
            if (n->is(kind::sum)) {
                f = {expr(0), expr(1)};
                for (const node* t : n->ops()) {
                    const fraction& g = normal.find(t)->second;
                    if (g.denominator == f.denominator) {
                        f.numerator = f.numerator + g.numerator;
                    } else {
                        f.numerator = f.numerator * g.denominator + g.numerator * f.denominator;
                        f.denominator = f.denominator * g.denominator;
                    }
                }
                f.numerator = expand(f.numerator, bounded);
            } else if (n->is(kind::product)) {
                f = {expr(1), expr(1)};
                for (const node* t : n->ops()) {
                    const fraction& g = normal.find(t)->second;
                    f.numerator = f.numerator * g.numerator;
                    f.denominator = f.denominator * g.denominator;
                }
                f.numerator = expand(f.numerator, bounded);
            } else if (n->is(kind::power) && n->op(1)->is(kind::number) && self[1].is_integer()) {
                const fraction& b = normal.find(n->op(0))->second;
                const expr k = self[1];
                f = k.is_negative_number() ? fraction{pow(b.denominator, -k), pow(b.numerator, -k)}
                                           : fraction{pow(b.numerator, k), pow(b.denominator, k)};
                f.numerator = expand(f.numerator, bounded);
            } else if (n->nops > 0) {
                // An atom, built again from its operands' normal forms.
                std::vector<expr> ops;
                bool changed = false;
                for (const node* c : n->ops()) {
                    ops.push_back(whole(normal.find(c)->second));
                    changed = changed || ops.back().get() != c;
                }
                if (changed) f.numerator = rebuild(n, std::move(ops));
            }
            if (f.numerator.is_zero()) f.denominator = expr(1);
            normal.emplace(n, std::move(f));
        });
    } catch (const limit_error&) {
        return false;
    } catch (const domain_error&) {
        return false;
    } catch (const out_of_time&) {
        return false;
    }
    return normal.find(e.get())->second.numerator.is_zero();
}

// Equal up to the rounding of evaluating each side in doubles.
bool close(double a, double b) {
    return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

}  // namespace

equality_verdict compare_sides(const expr& lhs, const expr& rhs) {
    equality_verdict v;
    if (lhs == rhs) {
        v.result = equality_verdict::outcome::identical;
        return v;
    }
    const expr difference = lhs - rhs;
    if (simplify(difference).is_zero() || vanishes_as_rational_function(difference)) {
        v.result = equality_verdict::outcome::simplified;
        return v;
    }
    std::set<std::string> names;
    for (const expr& s : free_symbols(lhs)) names.insert(s.name());
    for (const expr& s : free_symbols(rhs)) names.insert(s.name());

    // The first points are tenths in [−3, 3] without 0, which a person can
    // check by hand; the rest are anywhere in that range, which no periodic
    // coincidence at tenths can fool. The seed is fixed: the same question
    // gets the same answer.
    std::mt19937_64 random(20261128);
    std::uniform_int_distribution<int> tenths(1, 30);
    std::uniform_real_distribution<double> anywhere(-3.0, 3.0);
    bool one_side_only = false;
    for (std::size_t attempt = 0; attempt < equality_attempts && v.points_agreeing < equality_points; ++attempt) {
        bindings at;
        std::vector<std::pair<std::string, double>> point;
        for (const std::string& name : names) {
            double value;
            if (attempt < equality_points / 2) {
                const int t = tenths(random);
                value = (random() & 1 ? -t : t) / 10.0;
            } else {
                value = anywhere(random);
            }
            at.emplace(name, value);
            point.emplace_back(name, value);
        }
        side_at_point left, right;
        try {
            left = evaluate_side(lhs, at);
            right = evaluate_side(rhs, at);
        } catch (const error& e) {
            // Not a domain error: something with no value at all, such as
            // an undefined function f(x).
            v.result = equality_verdict::outcome::undecided;
            v.reason = e.what();
            return v;
        }
        const bool left_defined = left.undefined.empty(), right_defined = right.undefined.empty();
        if (left_defined && right_defined) {
            if (!close(left.value, right.value)) {
                v.result = equality_verdict::outcome::differs;
                v.point = std::move(point);
                v.left = std::move(left);
                v.right = std::move(right);
                return v;
            }
            ++v.points_agreeing;
        } else if (left_defined != right_defined && !one_side_only) {
            one_side_only = true;
            v.point = std::move(point);
            v.left = std::move(left);
            v.right = std::move(right);
        }
        if (names.empty()) break;  // constants: one evaluation says it all
    }
    if (v.points_agreeing == 0) {
        v.result = equality_verdict::outcome::undecided;
        v.reason = one_side_only ? "the two sides are never both defined at the points tried"
                                 : "neither side is defined at the points tried";
        return v;
    }
    v.result = equality_verdict::outcome::sampled;
    return v;
}

}  // namespace nabla::detail
