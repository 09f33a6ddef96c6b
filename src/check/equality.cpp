#include "check/equality.hpp"

#include <nabla/diff.hpp>
#include <nabla/error.hpp>

#include <algorithm>
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
    if (simplify(lhs - rhs).is_zero()) {
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
