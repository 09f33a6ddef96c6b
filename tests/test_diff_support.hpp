#pragma once
// Helpers shared by the differentiation tests: comparing expressions at
// random points (the semantic oracle) and a StringMaker so a failed check
// prints the expression.

#include <nabla/diff.hpp>
#include <nabla/print.hpp>

#include "core/node.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace Catch {
template <>
struct StringMaker<nabla::expr> {
    static std::string convert(const nabla::expr& e) { return nabla::to_string(e); }
};
}  // namespace Catch

namespace nabla::test {

/// True if e mentions a user function (it cannot be evaluated).
inline bool has_call(const expr& e) {
    bool found = false;
    detail::for_each_post_order(e.get(), [&](const detail::node* n) { found = found || n->is(kind::call); });
    return found;
}

/// True when a and b agree within a relative tolerance (or both are tiny).
inline bool close(double a, double b, double rel = 1e-9, double abs = 1e-9) {
    return std::fabs(a - b) <= abs + rel * std::max(std::fabs(a), std::fabs(b));
}

/// The result of comparing two expressions at random points.
struct agreement {
    int tried = 0;
    int compared = 0;  ///< points where both sides evaluated
    int disagreed = 0;
    std::string first_difference;  ///< "at x=…: 1.2 vs 1.3"
};

/// Compares a and b at random points of [lo, hi] for every free symbol of
/// either, skipping points where either side is out of its domain.
inline agreement compare_at_random_points(const expr& a, const expr& b, unsigned seed = 1, int points = 24,
                                          double lo = -2.0, double hi = 2.0) {
    std::vector<expr> symbols = free_symbols(a + b + symbol("x"));
    for (const expr& s : free_symbols(b)) symbols.push_back(s);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> pick(lo, hi);
    agreement r;
    for (int attempt = 0; attempt < points * 4 && r.compared < points; ++attempt) {
        ++r.tried;
        bindings at;
        for (const expr& s : symbols) at[s.name()] = pick(rng);
        double va, vb;
        try {
            va = evaluate(a, at, domain_policy::strict);
            vb = evaluate(b, at, domain_policy::strict);
        } catch (const domain_error&) {
            continue;
        }
        if (!std::isfinite(va) || !std::isfinite(vb) || std::fabs(va) > 1e12) continue;
        ++r.compared;
        if (!close(va, vb, 1e-9, 1e-9)) {
            if (r.disagreed++ == 0) {
                for (const auto& [name, v] : at) r.first_difference += name + "=" + std::to_string(v) + " ";
                r.first_difference += ": " + std::to_string(va) + " vs " + std::to_string(vb);
            }
        }
    }
    return r;
}

}  // namespace nabla::test
