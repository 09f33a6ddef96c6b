#pragma once
// Whether two expressions are equal as real functions: `lhs == rhs` in the
// REPL, the first of the numeric checks. A symbolic proof is tried first (the
// difference simplifies to 0); failing that, both sides are evaluated at
// random points, and a point where they differ is the answer a person can
// check by hand.

#include <nabla/expr.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace nabla::detail {

// One side at one point: its value, or why it has none there.
struct side_at_point {
    double value = 0;
    std::string undefined;  // the domain error ("log of a negative number: log(-0.7)"); empty when defined
};

struct equality_verdict {
    enum class outcome {
        identical,   // the same expression
        simplified,  // the difference simplifies to 0
        sampled,     // equal at every sampled point where both sides are defined
        differs,     // a point where both are defined and differ
        undecided,   // no point where both are defined, or a side cannot be evaluated
    };
    outcome result = outcome::undecided;
    std::size_t points_agreeing = 0;
    // `differs`: where; otherwise a point where only one side is defined, if any.
    std::vector<std::pair<std::string, double>> point;
    side_at_point left, right;  // at `point`
    std::string reason;         // `undecided`: why
};

// Points tried before giving up on finding enough where both sides are defined.
constexpr std::size_t equality_attempts = 64;
// Agreeing points that make `sampled`.
constexpr std::size_t equality_points = 24;

equality_verdict compare_sides(const expr& lhs, const expr& rhs);

}  // namespace nabla::detail
