// Property: for thousands of random expressions, the symbolic gradient, the
// reverse-mode gradient (an independent numeric implementation of the
// calculus) and a central difference agree at random in-domain points away
// from the kinks.

#include "test_diff_support.hpp"

#include "check/equality.hpp"
#include "diff/engine.hpp"
#include "eval/reverse.hpp"

#include <nabla/diff.hpp>

#include <algorithm>
#include <random>
#include <set>

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

TEST_CASE("odd roots of negative numbers are real in every path, even roots are domain errors", "[diff][power]") {
    const expr x = symbol("x");
    // Exact: ∛(−8) = −2, (−8)^(2/3) = 4, (−1/8)^(−1/3) = −2, ∛(−2) = −∛2.
    CHECK(pow(expr(-8), rational(1, 3)) == expr(-2));
    CHECK(pow(expr(-8), rational(2, 3)) == expr(4));
    CHECK(pow(rational(-1, 8), rational(-1, 3)) == expr(-2));
    CHECK(pow(expr(-2), rational(1, 3)) == -pow(expr(2), rational(1, 3)));
    CHECK_THROWS_AS(sqrt(expr(-4)), domain_error);
    CHECK_THROWS_AS(pow(expr(-4), rational(3, 4)), domain_error);
    // Evaluated, symbolically differentiated, in reverse mode and by a
    // central difference, x^(m/3) at x = −8 agrees with std::cbrt(x)^m.
    for (const int m : {1, 2}) {
        const expr f = pow(x, rational(m, 3));
        auto real_root = [m](double at) { return std::pow(std::cbrt(at), m); };
        const double value = real_root(-8.0), slope = m / 3.0 * std::pow(std::cbrt(-8.0), m - 3);
        const bindings at{{"x", -8.0}};
        CHECK(evaluate(f, at) == Approx(value));
        CHECK(evaluate(diff(f, x), at) == Approx(slope));
        const detail::value_and_gradient rv = detail::reverse_gradient(f, {x}, at);
        CHECK(rv.value == Approx(value));
        CHECK(rv.gradient[0] == Approx(slope));
        const double h = 1e-5;
        CHECK((real_root(-8.0 + h) - real_root(-8.0 - h)) / (2 * h) == Approx(slope).epsilon(1e-6));
    }
    CHECK_THROWS_AS(evaluate(sqrt(x), bindings{{"x", -1.0}}), domain_error);
    CHECK(std::isnan(evaluate(pow(x, rational(1, 4)), bindings{{"x", -1.0}}, domain_policy::ieee)));
}

TEST_CASE("numbering the DAG in memory order gives the derivatives canonical order gives", "[diff][property][dag]") {
    // Memory order (dag_index::visit_order) numbers the operands of big sums
    // and products by address, which follows the order terms were built in,
    // not the canonical order. The derivatives must not depend on it, float
    // ones included.
    using order = detail::dag_index::visit_order;
    const expr x = symbol("x"), y = symbol("y");
    std::vector<expr> zs;
    for (int k = 1; k <= 8; ++k) zs.push_back(symbol("z" + std::to_string(k)));
    expression_generator gen(7);
    std::mt19937 rng(3);
    int compared = 0, reordered = 0;
    for (int trial = 0; trial < 30; ++trial) {
        std::vector<expr> terms, factors;
        try {
            // Terms and factors made of a few shared parts, in several
            // variables: each variable's ancestors are a different part of
            // the DAG, and a part's derivative is used by many parents,
            // which must make the same of it whichever comes first. Enough
            // of them to be visited in memory order.
            std::vector<expr> parts;
            for (int k = 0; k < 16; ++k) parts.push_back(gen.make(2));
            // Floats, whose sums round by the order their terms are added
            // in, and a call to an undeclared function.
            for (int k = 0; k < 4; ++k) parts.push_back(0.1 * (k + 1) * gen.make(2) + 0.3 / (k + 1));
            parts.push_back(call("q", {gen.make(1), x}));
            auto any = [&](const std::vector<expr>& v) {
                return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
            };
            for (int k = 0; k < 300; ++k) {
                switch (k % 3) {
                case 0: terms.push_back(any(parts) * any(parts) * any(zs)); break;
                case 1: terms.push_back(pow(any(parts) + any(zs), 2)); break;
                default: terms.push_back(sin(any(parts)) * any(parts) + any(zs) * (k + 1)); break;
                }
            }
            for (int k = 0; k < 260; ++k) factors.push_back(any(parts) + k + any(zs));
        } catch (const domain_error&) {
            continue;
        }
        for (const expr& f : {add(terms), add(terms) * mul(factors), sin(add(terms)) + mul(factors)}) {
            const detail::dag_index canonical(f.get(), order::canonical), memory(f.get(), order::memory);
            REQUIRE(memory.size() == canonical.size());
            std::set<const detail::node*> nodes;
            for (std::uint32_t i = 0; i < canonical.size(); ++i) nodes.insert(canonical.at(i));
            bool same_numbers = true;
            for (std::uint32_t i = 0; i < memory.size(); ++i) {
                same_numbers = same_numbers && memory.at(i) == canonical.at(i);
                REQUIRE(nodes.count(memory.at(i)) == 1);  // the same nodes
                for (std::uint32_t c : memory.operands(i)) REQUIRE((c < i || c == memory.inert()));  // a post-order
            }
            reordered += !same_numbers;
            std::vector<expr> variables(zs.begin(), zs.end());
            variables.insert(variables.end(), {x, y});
            std::shuffle(variables.begin(), variables.end(), rng);
            std::vector<expr> by_canonical;
            try {
                detail::differentiator d(f, diff_options{}, nullptr, nullptr, order::canonical);
                for (const expr& v : variables) by_canonical.push_back(d.derive(v));
            } catch (const domain_error&) {
                continue;  // a derivative that folds to 1/0, in either order
            }
            detail::differentiator d(f, diff_options{});
            const auto by_memory = d.derive_each(variables, 1);
            for (std::size_t i = 0; i < variables.size(); ++i) {
                INFO("∂/∂" << variables[i].name() << " of " << to_string(f));
                CHECK(by_memory[i] == by_canonical[i]);
            }
            ++compared;
        }
    }
    CHECK(compared >= 50);
    CHECK(reordered >= compared / 2);  // the two orders did differ
}

TEST_CASE("numbering a DAG in parts on several threads gives the numbers one thread gives", "[diff][property][dag][threads]") {
    // A root with thousands of operands is numbered in parts, each part on
    // a thread of its own as if alone, and the parts joined in order with
    // what an earlier part numbered dropped, along with whatever a later
    // part reached only through it. Shared parts (held by terms on both
    // sides of a boundary) carry subtrees of their own that only one
    // reference holds, so they are dropped that way.
    using order = detail::dag_index::visit_order;
    // Parts of 4,096 operands, so that the roots below have two or more.
    struct parts_of_4096 {
        std::uint32_t before = detail::index_part_min_operands.exchange(4096);
        ~parts_of_4096() { detail::index_part_min_operands = before; }
    } small_parts;
    std::vector<expr> zs;
    for (int k = 1; k <= 40; ++k) zs.push_back(symbol("z" + std::to_string(k)));
    expression_generator gen(11);
    std::mt19937 rng(5);
    auto any = [&](const std::vector<expr>& v) {
        return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
    };
    int compared = 0;
    for (int trial = 0; trial < 4; ++trial) {
        std::vector<expr> roots;
        try {
            std::vector<expr> parts, terms, factors;
            for (int k = 0; k < 30; ++k) parts.push_back(sin(gen.make(2) * any(zs) + k + 1));
            for (int k = 0; k < 13000; ++k) {
                switch (k % 4) {
                case 0: terms.push_back(any(parts) * cos(any(zs) + k)); break;
                case 1: terms.push_back(pow(any(zs) - pow(any(zs), 2) + k, 2)); break;
                case 2: terms.push_back(cos(any(zs) * (k + 4) + any(zs))); break;
                default: terms.push_back(exp(any(parts) + gen.make(1) * k)); break;
                }
            }
            for (int k = 0; k < 9000; ++k) factors.push_back(any(parts) + any(zs) * (k + 1));
            roots = {add(terms), mul(factors), add(terms) + mul(factors)};
        } catch (const domain_error&) {
            continue;
        }
        // The terms and parts are held by their parents alone now, as in an
        // expression built in one go.
        for (const expr& f : roots) {
            REQUIRE(f.get()->nops >= 9000);  // two parts or more
            for (const order o : {order::canonical, order::memory}) {
                const detail::dag_index one(f.get(), o, 1);
                for (const unsigned threads : {2U, 3U}) {
                    const detail::dag_index in_parts(f.get(), o, threads);
                    REQUIRE(in_parts.size() == one.size());
                    for (std::uint32_t i = 0; i < one.size(); ++i) {
                        REQUIRE(in_parts.at(i) == one.at(i));
                        REQUIRE(std::ranges::equal(in_parts.operands(i), one.operands(i)));
                        REQUIRE(std::ranges::equal(in_parts.parents(i), one.parents(i)));
                        REQUIRE(in_parts.find(one.at(i)) == one.find(one.at(i)));
                    }
                    ++compared;
                }
            }
        }
    }
    CHECK(compared >= 30);
}

TEST_CASE("ordering the operands of a sum or product by hand gives the node the factory gives", "[diff][property][core]") {
    // The gradient puts the operands of the sums and products it builds in
    // order itself when that is all the factory would do; where it says so,
    // the node must be the factory's, and where it does not, the factory
    // must have had more to do than ordering.
    expression_generator gen(20261128);
    std::mt19937 rng(3);
    int ordered_sums = 0, other_sums = 0, ordered_products = 0, other_products = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::vector<expr> parts;
        const int count = 2 + static_cast<int>(rng() % 4);
        try {
            for (int k = 0; k < count; ++k) {
                expr part = gen.make(2);
                if (rng() % 3 == 0) part = part * static_cast<int>(rng() % 7 - 3);
                parts.push_back(part);
            }
        } catch (const domain_error&) {
            continue;
        }
        std::vector<const detail::node*> nodes;
        for (const expr& p : parts) nodes.push_back(p.get());
        boost::container::small_vector<const detail::node*, 8> ops;
        if (detail::ordered_sum_ops(nodes, ops)) {
            REQUIRE(detail::intern_ops(kind::sum, 0, ops).get() == detail::make_sum_nodes(nodes).get());
            ++ordered_sums;
        } else {
            const expr sum = detail::make_sum_nodes(nodes);
            // Not mere ordering: fewer operands came out, or not a sum.
            CHECK((sum.kind() != kind::sum || sum.get()->nops != nodes.size() ||
                   std::any_of(nodes.begin(), nodes.end(), [](const detail::node* t) { return t->is(kind::sum); })));
            ++other_sums;
        }
        static const expr coefficients[] = {expr::adopt(nullptr), expr(2), expr(-3), rational(1, 2), expr(1.5)};
        const expr& coefficient = coefficients[rng() % 5];
        ops.clear();
        if (detail::ordered_product_ops(coefficient.get(), nodes, ops)) {
            std::vector<const detail::node*> all(nodes);
            if (coefficient.get()) all.insert(all.begin(), coefficient.get());
            REQUIRE(detail::intern_ops(kind::product, 0, ops).get() == detail::make_product_nodes(all).get());
            ++ordered_products;
        } else {
            ++other_products;
        }
    }
    INFO(ordered_sums << " " << other_sums << " " << ordered_products << " " << other_products);
    CHECK(ordered_sums > 500);
    CHECK(other_sums > 100);
    CHECK(ordered_products > 200);
    CHECK(other_products > 100);
}

TEST_CASE("simplify keeps the value of random expressions and of their derivatives", "[diff][property][simplify]") {
    const expr x = symbol("x"), y = symbol("y");
    expression_generator gen(20261128);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> coordinate(-2.0, 2.0);
    // Rational functions with a common factor multiplied out, for
    // cancel-fraction: expand(p·q)/expand(q·r).
    auto polynomial = [&](int degree) {
        expr p = static_cast<int>(rng() % 5) - 2 + (static_cast<int>(rng() % 3) - 1) * y;
        for (int k = 1; k <= degree; ++k) p = p + (static_cast<int>(rng() % 7) - 3) * pow(x, k);
        return p;
    };
    auto fraction = [&] {
        const expr q = polynomial(1 + static_cast<int>(rng() % 2));
        return expand(polynomial(2) * q) / expand(q * polynomial(1));
    };
    int compared = 0, changed = 0, mismatches = 0, fractions_shortened = 0;
    for (int trial = 0; trial < 400; ++trial) {
        std::vector<expr> cases;
        try {
            const expr f = gen.make(3);
            cases = {f, diff(f, x), fraction()};
        } catch (const domain_error&) {
            continue;
        }
        for (const expr& e : cases) {
            expr s;
            try {
                s = simplify(e);
            } catch (const domain_error&) {
                continue;
            }
            if (!(s == e)) ++changed;
            if (&e == &cases.back() && node_count(s) < node_count(e)) ++fractions_shortened;
            for (int p = 0; p < 2; ++p) {
                const bindings at{{"x", coordinate(rng)}, {"y", coordinate(rng)}};
                double before, after;
                try {
                    before = evaluate(e, at, domain_policy::strict);
                    after = evaluate(s, at, domain_policy::strict);
                } catch (const domain_error&) {
                    continue;  // a point outside the domain of one form
                }
                if (!std::isfinite(before) || std::fabs(before) > 1e6) continue;
                ++compared;
                if (!test::close(before, after, 1e-7, 1e-9)) {
                    ++mismatches;
                    INFO(to_string(e) << "  simplified to  " << to_string(s) << " at x=" << at.at("x") << " y=" << at.at("y"));
                    CHECK(test::close(before, after, 1e-7, 1e-9));
                }
            }
        }
    }
    INFO(compared << " points compared, " << changed << " expressions changed by simplify, " << fractions_shortened
                  << " fractions shortened");
    CHECK(compared >= 1500);
    CHECK(changed >= 150);
    CHECK(fractions_shortened >= 100);
    CHECK(mismatches == 0);
}

TEST_CASE("a check proves only what holds: sides it calls equal agree at random points", "[check][property]") {
    // Pairs that are equal in many written forms (f against f expanded, a
    // sum over a common denominator by hand, the double angle) and pairs
    // that are not (f against f with x moved a little, f + g against f − g).
    const expr x = symbol("x");
    expression_generator gen(1128);
    int proved = 0, compared = 0, proved_unequal = 0;
    for (unsigned trial = 0; trial < 300; ++trial) {
        std::vector<std::pair<expr, expr>> pairs;
        try {
            const expr f = gen.make(3), g = gen.make(2);
            const expr ratio = f / (pow(g, 2) + 1);
            pairs = {{f, expand(f)},
                     {ratio + g, (f + g * (pow(g, 2) + 1)) / (pow(g, 2) + 1)},
                     {sin(2 * f), 2 * sin(f) * cos(f)},
                     {f, subs(f, {{x, x + rational(1, 1000)}})},
                     {f + g, f - g}};
        } catch (const error&) {
            continue;
        }
        for (const auto& [lhs, rhs] : pairs) {
            detail::equality_verdict v;
            try {
                v = detail::compare_sides(lhs, rhs);
            } catch (const error&) {
                continue;
            }
            using outcome = detail::equality_verdict::outcome;
            if (v.result != outcome::identical && v.result != outcome::simplified) continue;
            ++proved;
            const test::agreement a = test::compare_at_random_points(lhs, rhs, trial, 3);
            compared += a.compared;
            if (a.disagreed) {
                ++proved_unequal;
                INFO(to_string(lhs) << "  ==  " << to_string(rhs) << " differs " << a.first_difference);
                CHECK(a.disagreed == 0);
            }
        }
    }
    INFO(proved << " pairs proved equal, " << compared << " points compared");
    CHECK(proved >= 300);
    CHECK(compared >= 600);
    CHECK(proved_unequal == 0);
}
