// Property: for thousands of random expressions, the symbolic gradient, the
// reverse-mode gradient (an independent numeric implementation of the
// calculus) and a central difference agree at random in-domain points away
// from the kinks.

#include "test_diff_support.hpp"

#include "eval/reverse.hpp"

#include <nabla/diff.hpp>

#include <random>

using namespace nabla;

namespace {

class expression_generator {
public:
    explicit expression_generator(unsigned seed) : rng_(seed) {}

    // Depth-bounded (at most `depth` levels), so the recursion is bounded too.
    expr make(int depth) {
        if (depth == 0 || pick(4) == 0) return leaf();
        switch (pick(12)) {
        case 0: return make(depth - 1) + make(depth - 1);
        case 1: return make(depth - 1) - make(depth - 1);
        case 2:
        case 3: return make(depth - 1) * make(depth - 1);
        case 4: return make(depth - 1) / (make(depth - 1) + 3);
        case 5: {
            static const expr exponents[] = {2, 3, -1, -2, rational(1, 2), rational(3, 2)};
            return pow(make(depth - 1), exponents[pick(6)]);
        }
        case 6: return pow(sq(make(depth - 1)) + 1, make(depth - 1) / 4);  // f^g, base > 0
        default: return function_of(depth - 1);
        }
    }

private:
    static expr sq(const expr& e) { return pow(e, 2); }

    unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng_); }

    expr leaf() {
        static const expr x = symbol("x"), y = symbol("y");
        switch (pick(7)) {
        case 0:
        case 1:
        case 2: return x;
        case 3:
        case 4: return y;
        case 5: return expr(static_cast<int>(pick(3)) + 1);
        default: return rational(1, 2);
        }
    }

    expr function_of(int depth) {
        const expr u = make(depth);
        switch (pick(22)) {
        case 0: return sin(u);
        case 1: return cos(u);
        case 2: return tan(u);
        case 3: return asin(u / (sq(u) + 2));
        case 4: return acos(u / (sq(u) + 2));
        case 5: return atan(u);
        case 6: return atan2(u, make(depth));
        case 7: return sinh(u);
        case 8: return cosh(u);
        case 9: return tanh(u);
        case 10: return asinh(u);
        case 11: return acosh(sq(u) + 1);
        case 12: return atanh(u / (sq(u) + 2));
        case 13: return log(u);
        case 14: return log(abs(u));
        case 15: return erf(u);
        case 16: return abs(u);
        case 17: return sign(u) * make(depth);
        case 18: return min(u, make(depth));
        case 19: return max(expr(0), u);
        case 20: return exp(u / 2);
        default: return sqrt(sq(u) + 1);
        }
    }

    std::mt19937 rng_;
};

bool near_kink(const std::vector<expr>& kinks, const bindings& at) {
    for (const expr& k : kinks) {
        try {
            if (std::fabs(evaluate(k, at, domain_policy::strict)) < 1e-3) return true;
        } catch (const error&) {
            return true;
        }
    }
    return false;
}

bool central_difference_agrees(const expr& f, const bindings& at, const std::string& name, double d) {
    for (double h : {1e-5, 1e-4, 1e-6, 1e-3}) {
        bindings plus = at, minus = at;
        plus[name] += h;
        minus[name] -= h;
        try {
            const double fd = (evaluate(f, plus, domain_policy::strict) - evaluate(f, minus, domain_policy::strict)) / (2 * h);
            if (test::close(fd, d, 1e-4, 1e-6)) return true;
        } catch (const domain_error&) {
        }
    }
    return false;
}

}  // namespace

TEST_CASE("symbolic, reverse-mode and finite-difference gradients agree on random expressions",
          "[diff][property]") {
    const expr x = symbol("x"), y = symbol("y");
    expression_generator gen(20261127);
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> coordinate(-2.0, 2.0);
    int expressions = 0, points = 0, reverse_mismatch = 0, fd_mismatch = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        expr f;
        std::vector<expr> g;
        try {
            f = gen.make(4);  // may fold to log(0) or 1/0: not an expression
            g = gradient(f, {x, y});
        } catch (const domain_error&) {
            continue;  // or a derivative that folds to 1/0
        }
        ++expressions;
        const auto kinks = kink_conditions(f);
        for (int p = 0; p < 3; ++p) {
            const bindings at{{"x", coordinate(rng)}, {"y", coordinate(rng)}};
            double fv;
            std::vector<double> gv;
            detail::value_and_gradient rv;
            try {
                fv = evaluate(f, at, domain_policy::strict);
                if (!std::isfinite(fv) || std::fabs(fv) > 1e6 || near_kink(kinks, at)) continue;
                for (const expr& gi : g) gv.push_back(evaluate(gi, at, domain_policy::strict));
                rv = detail::reverse_gradient(f, {x, y}, at, domain_policy::strict);
            } catch (const domain_error&) {
                continue;  // out of the domain of f or of its derivative
            }
            if (std::fabs(gv[0]) > 1e6 || std::fabs(gv[1]) > 1e6) continue;
            ++points;
            INFO("f = " << to_string(f) << " at x=" << at.at("x") << " y=" << at.at("y"));
            for (int i = 0; i < 2; ++i) {
                INFO("∂/∂" << (i ? "y" : "x") << " = " << to_string(g[i]) << " = " << gv[i] << ", reverse "
                            << rv.gradient[i]);
                if (!test::close(gv[i], rv.gradient[i], 1e-7, 1e-9)) {
                    ++reverse_mismatch;
                    CHECK(test::close(gv[i], rv.gradient[i], 1e-7, 1e-9));
                }
                if (!central_difference_agrees(f, at, i ? "y" : "x", gv[i])) {
                    ++fd_mismatch;
                    CHECK(central_difference_agrees(f, at, i ? "y" : "x", gv[i]));
                }
            }
        }
    }
    INFO(expressions << " expressions, " << points << " points");
    CHECK(expressions >= 2500);
    CHECK(points >= 3000);
    CHECK(reverse_mismatch == 0);
    CHECK(fd_mismatch == 0);
}
