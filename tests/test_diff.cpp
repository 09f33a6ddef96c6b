// Differentiation API: orders, mixed partials, gradient, Jacobian, Hessian,
// directional derivative, Laplacian, explanations, user functions, kinks,
// bad input, deep and wide inputs, simplify, and the reverse-mode oracle.

#include "test_diff_support.hpp"

#include "diff/engine.hpp"
#include "diff/rules.hpp"
#include "eval/reverse.hpp"

#include <nabla/diff.hpp>
#include <nabla/print.hpp>

#include <algorithm>
#include <chrono>

using namespace nabla;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A bound that exponential work (a tree of 2^60 leaves, or n² over a deep
// chain) cannot meet but a loaded machine or a sanitizer build always does:
// these tests catch a lost memo, not slowness, which bench/ measures.
constexpr double linear_work_seconds = 10.0;

expr rosenbrock(const std::vector<expr>& xs) {
    std::vector<expr> terms;
    for (std::size_t i = 0; i + 1 < xs.size(); ++i)
        terms.push_back(100 * pow(xs[i + 1] - pow(xs[i], 2), 2) + pow(1 - xs[i], 2));
    return add(terms);
}

std::vector<expr> symbols(const std::string& prefix, int count) {
    std::vector<expr> out;
    for (int i = 0; i < count; ++i) out.push_back(symbol(prefix + std::to_string(i)));
    return out;
}

}  // namespace

TEST_CASE("higher orders stop at zero and refuse absurd ones", "[diff][order]") {
    const expr x = symbol("x");
    CHECK(diff(pow(x, 5), x, 3) == 60 * pow(x, 2));
    CHECK(diff(sin(x), x, 4) == sin(x));
    CHECK(diff(sin(x), x, 0) == sin(x));
    CHECK(diff(pow(x, 3), x, 1000000000) == 0);  // reaches 0 after 4 steps
    CHECK_THROWS_AS(diff(exp(x) * sin(x), x, 1000000000), limit_error);
    CHECK_THROWS_WITH(diff(exp(x), x, 1000000000), "derivative order 1000000000 is above the limit of 10000");
    // x^x grows at every order: refused, quickly, rather than exhausting memory.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(diff(pow(x, x), x, 1000000000), limit_error);
    CHECK(seconds_since(t0) < 60);  // seconds, not the hours or the memory of 10⁹ orders (generous for sanitizer builds)
}

TEST_CASE("differentiating by something other than a symbol is an error", "[diff][bad]") {
    const expr x = symbol("x"), y = symbol("y");
    CHECK_THROWS_WITH(diff(pow(x, 2), expr(2)), "can only differentiate with respect to a symbol, not 2");
    CHECK_THROWS_AS(diff(pow(x, 2), x + y), error);
    CHECK_THROWS_AS(diff(pow(x, 2), sin(x)), error);
    CHECK_THROWS_AS(gradient(x * y, {x, expr(1)}), error);
    CHECK_THROWS_AS(directional_derivative(x * y, {x, y}, {expr(1)}), error);
}

TEST_CASE("mixed partials commute and follow the variables in turn", "[diff][mixed]") {
    const expr x = symbol("x"), y = symbol("y");
    const expr f = pow(x, 2) * pow(y, 3) + sin(x * y);
    CHECK(diff(f, std::vector<expr>{x, y}) == diff(f, std::vector<expr>{y, x}));
    const auto r = test::compare_at_random_points(diff(f, std::vector<expr>{x, y}),
                                                  6 * x * pow(y, 2) + cos(x * y) - x * y * sin(x * y));
    CHECK(r.compared >= 20);
    CHECK(r.disagreed == 0);
    CHECK(diff(call("f", {x, y}), std::vector<expr>{x, y}) == diff(call("f", {x, y}), std::vector<expr>{y, x}));
}

TEST_CASE("gradient, Jacobian, Hessian, directional derivative, Laplacian", "[diff][vector]") {
    const expr x = symbol("x"), y = symbol("y"), z = symbol("z");
    // ∇ over the free symbols in name order.
    const auto g = gradient(pow(x, 2) * y + z);
    REQUIRE(g.size() == 3);
    CHECK(g[0] == 2 * x * y);
    CHECK(g[1] == pow(x, 2));
    CHECK(g[2] == 1);
    CHECK(gradient(pow(x, 2) * y, {y, x}) == std::vector<expr>{pow(x, 2), 2 * x * y});

    const auto j = jacobian({x * y, x + y, sin(z)}, {x, y});
    REQUIRE(j.size() == 3);
    CHECK(j[0] == std::vector<expr>{y, x});
    CHECK(j[1] == std::vector<expr>{1, 1});
    CHECK(j[2] == std::vector<expr>{0, 0});

    const auto h = hessian(pow(x, 2) * y + pow(y, 3), {x, y});
    CHECK(h[0] == std::vector<expr>{2 * y, 2 * x});
    CHECK(h[1] == std::vector<expr>{2 * x, 6 * y});

    CHECK(directional_derivative(pow(x, 2) + pow(y, 2), {x, y}, {1, 2}) == 2 * x + 4 * y);
    CHECK(laplacian(pow(x, 2) + pow(y, 2) + pow(z, 2), {x, y, z}) == 6);
    // 1/r is harmonic away from the origin.
    const expr r = sqrt(pow(x, 2) + pow(y, 2) + pow(z, 2));
    const auto a = test::compare_at_random_points(laplacian(1 / r, {x, y, z}), expr(0));
    CHECK(a.compared >= 20);
    CHECK(a.disagreed == 0);
}

TEST_CASE("the Hessian's entries agree with differentiating twice", "[diff][vector]") {
    const auto xs = symbols("x", 6);
    const expr f = pow(add(xs), 3) + sin(xs[0] * xs[1]) + exp(xs[2] * xs[3] * xs[4]);
    const auto h = hessian(f, xs);
    for (std::size_t i = 0; i < xs.size(); ++i)
        for (std::size_t k = 0; k < xs.size(); ++k) {
            CHECK(h[i][k] == h[k][i]);
            CHECK(h[i][k] == diff(diff(f, xs[i]), xs[k]));
        }
}

TEST_CASE("an undefined function differentiates to f′ and follows the chain rule", "[diff][user]") {
    const expr x = symbol("x"), y = symbol("y");
    const expr f = call("f", {x});
    CHECK(diff(f, x) == call_derivative("f", {x}, {0}));
    CHECK(to_string(diff(f, x)) == "f′(x)");
    CHECK(diff(call("f", {pow(x, 2)}), x) == 2 * x * call_derivative("f", {pow(x, 2)}, {0}));
    CHECK(diff(f, x, 2) == call_derivative("f", {x}, {0, 0}));
    CHECK(diff(call("f", {x, y}), y) == call_derivative("f", {x, y}, {1}));
}

TEST_CASE("declared derivatives of user functions", "[diff][user]") {
    const expr x = symbol("x"), u = symbol("u");
    declare_derivative("softplus", {u}, {1 / (1 + exp(-u))});
    CHECK(diff(call("softplus", {2 * x}), x) == 2 / (1 + exp(-2 * x)));
    // Second derivative: the declared partial differentiated again.
    const auto r = test::compare_at_random_points(diff(call("softplus", {x}), x, 2),
                                                  exp(-x) / pow(1 + exp(-x), 2));
    CHECK(r.compared >= 20);
    CHECK(r.disagreed == 0);
    forget_derivative("softplus");
    CHECK(diff(call("softplus", {x}), x) == call_derivative("softplus", {x}, {0}));

    CHECK_THROWS_WITH(declare_derivative("sin", {u}, {cos(u)}), "the derivative of sin is built in");
    CHECK_THROWS_AS(declare_derivative("g", {u, u}, {u, u}), error);
    CHECK_THROWS_AS(declare_derivative("g", {u}, {}), error);
}

TEST_CASE("derivatives declared as rules go through the rule reader", "[diff][user][rules]") {
    const expr x = symbol("x");
    declare_derivatives("∂softplus(u) = sigmoid(u)·∂u");
    CHECK(diff(call("softplus", {x}), x) == call("sigmoid", {x}));
    declare_derivatives("d-hyp: ∂hyp(a, b) = a/hyp(a, b)·∂a + b/hyp(a, b)·∂b");
    const expr y = symbol("y");
    CHECK(diff(call("hyp", {x, y}), y) == y / call("hyp", {x, y}));
    forget_derivative("softplus");
    forget_derivative("hyp");

    // A bad rule: the position of the unknown pattern variable.
    try {
        declare_derivatives("∂foo(u) = w·∂u", "repl");
        FAIL("no error");
    } catch (const parse_error& e) {
        CHECK(e.message() == "unknown pattern variable 'w' (the parameters are u)");
        CHECK(e.line() == 1);
        CHECK(e.column() == 11);
    }
    CHECK_THROWS_AS(declare_derivatives("∂foo(u) = sin(∂u)"), parse_error);
    CHECK_THROWS_AS(declare_derivatives("∂foo(u) = u"), parse_error);
    CHECK_THROWS_AS(declare_derivatives("∂foo(u) = ∂v"), parse_error);
    CHECK_THROWS_AS(declare_derivatives("∂sin(u) = cos(u)·∂u"), parse_error);
    CHECK(detail::user_rule("foo") == nullptr);  // nothing half-declared
}

TEST_CASE("rule file errors carry file, line and column", "[diff][rules][bad]") {
    auto error_of = [](std::string_view text) -> std::string {
        try {
            detail::read_rules(text, "bad.rules", true);
        } catch (const parse_error& e) {
            return std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": " + e.message();
        }
        return "no error";
    };
    CHECK(error_of("d-sin: ∂sin(u) = cos(w)·∂u\n") == "1:22: unknown pattern variable 'w' (the parameters are u)");
    CHECK(error_of("d-sin: ∂sin(u, v) = cos(u)·∂u\n") == "1:9: sin takes 1 argument, the rule has 2");
    CHECK(error_of("d-sin: ∂sin(u) = cos(u)·∂u\nd-sin: ∂cos(u) = −sin(u)·∂u\n") ==
          "2:1: duplicate rule name 'd-sin' (first on line 1)");
    CHECK(error_of("d-sin: ∂sin(u) = cos(u)·∂u\nd-sin2: ∂sin(u) = cos(u)·∂u\n") ==
          "2:10: second rule for sin (first on line 1)");
    CHECK(error_of("d-foo: ∂foo(u) = ∂u\n") == "1:9: unknown function 'foo'");
    CHECK(error_of("d-sin: ∂sin(u) = cos(u)·∂u\n").find("no rule for the elementary function cos") !=
          std::string::npos);
    CHECK(error_of("d-sin: ∂sin(u) = cos(∂u)\n").find("linear in the differentials") != std::string::npos);
    // The built-in file itself loads.
    CHECK(detail::builtin_rules().size() == 20);
}

TEST_CASE("kinks: conditions for numeric checks and the configurable convention", "[diff][kink]") {
    const expr x = symbol("x"), y = symbol("y");
    const auto k = kink_conditions(abs(x) + max(expr(0), y) + sin(x));
    CHECK(k.size() == 2);
    CHECK(std::find(k.begin(), k.end(), x) != k.end());
    CHECK(kink_conditions(sin(x)).empty());

    const expr relu = max(x, expr(0));
    const bool x_first = relu[0] == x;
    diff_options first, second;
    first.kink = kink_convention::first;
    second.kink = kink_convention::second;
    CHECK(evaluate(diff(relu, x), {{"x", 0.0}}) == 0.5);
    CHECK(evaluate(diff(relu, x, first), {{"x", 0.0}}) == (x_first ? 1.0 : 0.0));
    CHECK(evaluate(diff(relu, x, second), {{"x", 0.0}}) == (x_first ? 0.0 : 1.0));
    for (const diff_options& o : {diff_options{}, first, second}) {
        CHECK(evaluate(diff(relu, x, o), {{"x", 2.0}}) == 1.0);
        CHECK(evaluate(diff(relu, x, o), {{"x", -2.0}}) == 0.0);
    }
    CHECK(evaluate(diff(abs(x), x), {{"x", 0.0}}) == 0.0);
}

TEST_CASE("explain_diff lists the rules in order with intermediate results", "[diff][explain]") {
    const expr x = symbol("x"), y = symbol("y");
    const auto steps = explain_diff(2 * pow(x, 2) * y, x);
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].rule == "power-rule");
    CHECK(steps[0].description == "power rule on x²");
    CHECK(steps[0].result == 2 * x);
    CHECK(steps[0].part == pow(x, 2));
    CHECK(steps[0].variable == x);
    CHECK(steps[1].rule == "constant-factor");
    CHECK(steps[1].description == "constant factor 2y");
    CHECK(steps[1].result == 4 * x * y);

    const auto chain = explain_diff(sin(2 * x) + x * cos(x), x);
    std::vector<std::string> rules;
    for (const auto& s : chain) rules.push_back(s.rule);
    CHECK(std::find(rules.begin(), rules.end(), "d-sin") != rules.end());
    CHECK(std::find(rules.begin(), rules.end(), "d-cos") != rules.end());
    CHECK(std::find(rules.begin(), rules.end(), "product-rule") != rules.end());
    CHECK(rules.back() == "sum-rule");
    CHECK(chain.back().result == diff(sin(2 * x) + x * cos(x), x));
    for (const auto& s : chain)
        if (s.rule == "d-sin") CHECK(s.description == "chain rule on sin(2x): cos(2x)·∂(2x)");
}

TEST_CASE("a gradient's shortcuts give the nodes the core builds from the textbook result", "[diff][vector]") {
    // The engine distributes k·(u + v), adds like terms and reuses k·S across
    // variables itself; each entry must still be the canonical node.
    const auto xs = symbols("x", 12);
    const auto g = gradient(rosenbrock(xs), xs);
    CHECK(g[0] == -400 * xs[0] * (xs[1] - pow(xs[0], 2)) + 2 * xs[0] - 2);
    for (std::size_t i = 1; i + 1 < xs.size(); ++i)
        CHECK(g[i] == -400 * xs[i] * (xs[i + 1] - pow(xs[i], 2)) - 200 * pow(xs[i - 1], 2) + 202 * xs[i] - 2);
    CHECK(g.back() == 200 * xs.back() - 200 * pow(xs[xs.size() - 2], 2));

    // Exact and floating coefficients in the distributed sum; terms that cancel.
    const expr x = symbol("x"), y = symbol("y"), z = symbol("z");
    const expr f = pow(x + 2.5 * y + z / 3, 2) - 2 * x * (x + 2.5 * y) + 7 * pow(x - y, 2);
    CHECK(diff(f, x) == 12 * x - 14.0 * y + 2 * z / 3);

    // A long sum times a constant (6·(x₀ + … + x₁₁)) is shared by a Hessian row.
    const expr cubic = pow(add(xs), 3) + sin(xs[0] * xs[1]);
    const auto h = hessian(cubic, xs);
    for (std::size_t i = 0; i < xs.size(); ++i)
        for (std::size_t k = 0; k < xs.size(); ++k) CHECK(h[i][k] == diff(diff(cubic, xs[i]), xs[k]));
    CHECK(h[3][7] == 6 * add(xs));
}

namespace {
// Helpers join a gradient only when it would last long: these tests, whose
// gradients are short, have them join after the first block of variables.
struct helpers_at_once {
    std::int64_t before = detail::gradient_helpers_after_ns.exchange(0);
    ~helpers_at_once() { detail::gradient_helpers_after_ns = before; }
};
}  // namespace

TEST_CASE("a gradient on several threads gives the nodes one thread gives", "[diff][vector][threads]") {
    const helpers_at_once helpers;
    // Enough variables that the work is split: local terms, a shared sum in
    // every derivative, functions and floating coefficients.
    // Once with float coefficients and once without: float sums round by
    // the order of their terms, which the threads must not change.
    const auto xs = symbols("x", 3000);
    const expr shared = add(xs);
    std::vector<expr> terms{sin(shared), rosenbrock(xs)}, exact_terms = terms;
    for (std::size_t i = 0; i + 2 < xs.size(); ++i) {
        terms.push_back(sin(xs[i] * xs[i + 1]) * exp(0.5 * xs[i + 2]));
        exact_terms.push_back(sin(xs[i] * xs[i + 1]) * exp(xs[i + 2] / 2));
    }
    diff_options one, several;
    one.threads = 1;
    several.threads = 3;
    // The variables in the caller's order, which is not the DAG's.
    std::vector<expr> shuffled = xs;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(5));
    expr f;
    std::vector<expr> serial;
    for (const expr& e : {add(exact_terms), add(terms)}) {
        f = e;
        serial = gradient(f, shuffled, one);
        const auto parallel = gradient(f, shuffled, several);
        REQUIRE(parallel.size() == xs.size());
        for (std::size_t i = 0; i < xs.size(); ++i) CHECK(parallel[i] == serial[i]);
        for (std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{1500}, xs.size() - 1})
            CHECK(parallel[i] == diff(f, shuffled[i]));
    }

    // An interrupt stops every thread, and the next gradient runs normally.
    request_interrupt();
    CHECK_THROWS_AS(gradient(f, xs, several), interrupted);
    clear_interrupt();
    CHECK(gradient(f, shuffled, several)[7] == serial[7]);
}

TEST_CASE("a gradient that fails reports the first failing variable in the caller's order", "[diff][vector][bad]") {
    // ∂/∂u (−2)^u needs log(−2): an error. The work goes in the DAG's order
    // and over threads; the error must not depend on either.
    const helpers_at_once helpers;
    auto xs = symbols("x", 1200);
    std::vector<expr> terms;
    for (const expr& x : xs) terms.push_back(pow(x, 2) * 3);
    terms.push_back(pow(expr(-2), xs[900]));
    terms.push_back(pow(expr(-3), xs[100]));
    const expr f = add(terms);
    for (unsigned threads : {1U, 3U}) {
        diff_options options;
        options.threads = threads;
        CHECK_THROWS_WITH(gradient(f, xs, options), Catch::Contains("log(-3)"));
        std::reverse(xs.begin(), xs.end());
        CHECK_THROWS_WITH(gradient(f, xs, options), Catch::Contains("log(-2)"));
        std::reverse(xs.begin(), xs.end());
    }
}

TEST_CASE("an nth derivative equals differentiating n times one step at a time", "[diff][order]") {
    // The steps of diff(e, x, n) share the derivatives of powers and functions.
    const expr x = symbol("x"), y = symbol("y");
    // The last: floats summed in another order than one step's would round
    // differently (0.8976940783859866/x³ for 0.8976940783859864/x³ at order 4).
    for (const expr& e : {exp(x) * sin(x) * pow(x, 3), pow(x, x), pow(x, x) * sin(x * y) + log(abs(x)),
                          pow(x + y + 1, 5) * exp(x), 0.5 * pow(x, 2.5) * cos(3 * x),
                          -0.11221175979824831 * log(pow(x, x - 2))}) {
        expr step = e;
        for (std::size_t n = 1; n <= 6; ++n) {
            step = diff(step, x);
            CHECK(diff(e, x, n) == step);
        }
    }
}

TEST_CASE("shared subexpressions are differentiated once (linear cost on the DAG)", "[diff][dag]") {
    const expr x = symbol("x");
    // g_{k+1} = sin(g_k) + cos(g_k): a tree of 2^60 leaves, a DAG of ~180 nodes.
    expr g = x;
    for (int k = 0; k < 60; ++k) g = sin(g) + cos(g);
    const auto t0 = std::chrono::steady_clock::now();
    const expr d = diff(g, x);
    CHECK(seconds_since(t0) < linear_work_seconds);
    CHECK(node_count(d) < 20 * node_count(g));
    const auto r = detail::reverse_gradient(g, {x}, {{"x", 0.3}});
    CHECK(test::close(evaluate(d, {{"x", 0.3}}), r.gradient[0], 1e-9));
}

TEST_CASE("deep and wide inputs finish fast with linear-size results", "[diff][deep]") {
    const expr x = symbol("x");
    SECTION("1000-deep sin(cos(sin(…x…)))") {
        expr e = x;
        for (int k = 0; k < 1000; ++k) e = k % 2 ? sin(e) : cos(e);
        const auto t0 = std::chrono::steady_clock::now();
        const expr d = diff(e, x);
        CHECK(seconds_since(t0) < linear_work_seconds);
        CHECK(node_count(d) < 4 * node_count(e));
        const auto r = detail::reverse_gradient(e, {x}, {{"x", 0.7}});
        CHECK(test::close(evaluate(d, {{"x", 0.7}}), r.gradient[0], 1e-9));
    }
    SECTION("a product of 1000 distinct factors") {
        std::vector<expr> factors;
        for (int i = 1; i <= 1000; ++i) factors.push_back(pow(x + i, i % 7 + 1));
        const expr e = mul(factors);
        const auto t0 = std::chrono::steady_clock::now();
        const expr d = diff(e, x);
        CHECK(seconds_since(t0) < linear_work_seconds);
        CHECK(node_count(d) < 4 * node_count(e));
    }
    SECTION("gradient of the 10⁵-variable Rosenbrock function") {
        // Linear cost: 10× the variables may cost 10× (plus cache effects),
        // never 100× (measured as a ratio, so a loaded machine does not fail it).
        const auto small = symbols("x", 10000);
        const expr fs = rosenbrock(small);
        auto t0 = std::chrono::steady_clock::now();
        const auto gs = gradient(fs, small);
        const double t_small = seconds_since(t0);
        const auto xs = symbols("x", 100000);
        const expr f = rosenbrock(xs);
        t0 = std::chrono::steady_clock::now();
        const auto g = gradient(f, xs);
        const double t_large = seconds_since(t0);
        INFO("N = 10⁴: " << t_small << " s, N = 10⁵: " << t_large << " s");
        CHECK(t_large < 30 * t_small);
        CHECK(gs[0] == g[0]);
        CHECK(g[0] == -400 * xs[0] * (xs[1] - pow(xs[0], 2)) - 2 * (1 - xs[0]));
        CHECK(g[99999] == 200 * (xs[99999] - pow(xs[99998], 2)));
        std::size_t total = 0;
        for (const expr& gi : g) total += node_count(gi);
        CHECK(total < 40 * xs.size());
    }
    SECTION("a 200,000-deep chain does not overflow the stack") {
        // g_{k+1} = sin(g_k) + x: the derivative alternates products and sums,
        // so it stays linear in size.
        expr g = x;
        for (int k = 0; k < 200000; ++k) g = sin(g) + x;
        const expr d = diff(g, x);
        CHECK(depth(d) > 200000);
    }
}

TEST_CASE("a million-deep chain differentiates without overflowing the stack", "[diff][deep]") {
    const expr x = symbol("x");
    expr g = x;
    for (int k = 0; k < 1000000; ++k) g = sin(g) + x;
    const expr d = diff(g, x);
    CHECK(depth(d) > 1000000);
}

TEST_CASE("simplify: bounded rewriting with a stop reason", "[diff][simplify]") {
    const expr x = symbol("x"), y = symbol("y");
    CHECK(simplify(pow(sin(x), 2) + pow(cos(x), 2)) == 1);
    CHECK(simplify(3 * y * pow(sin(x), 2) + 3 * y * pow(cos(x), 2)) == 3 * y);
    CHECK(simplify(x / (x + 1) + 1 / (x + 1)) == 1);
    // Over one denominator when that is not longer written out.
    CHECK(simplify(1 / y + 1 / (y * (y + 1))) == (y + 2) / (y * (y + 1)));
    CHECK(simplify(1 / x + 1 / y) == 1 / x + 1 / y);
    CHECK(simplify(sign(x) / abs(x)) == 1 / x);
    // expand-cancel: multiplied out, the terms cancel; kept only when smaller written out.
    CHECK(simplify(pow(x + 1, 2) - pow(x, 2) - 2 * x - 1) == 0);
    CHECK(simplify(pow(x + 1, 2) - pow(x - 1, 2)) == 4 * x);
    CHECK(simplify((x + 1) * (x - 1) + 1) == pow(x, 2));
    CHECK(simplify(pow(x + y, 3) - pow(x, 3) - 3 * pow(x, 2) * y - 3 * x * pow(y, 2) - pow(y, 3)) == 0);
    CHECK(simplify(pow(x + 1, 2) + 1) == pow(x + 1, 2) + 1);  // x² + 2x + 2 is longer
    CHECK(simplify(sin(pow(x + 1, 2) - pow(x, 2))) == sin(2 * x + 1));
    const auto common = simplify(pow(x, 2) * y + x * pow(y, 2));
    CHECK(common == x * y * (x + y));
    const auto done = simplify_report(x + 1);
    CHECK(done.reason == stop_reason::fixed_point);
    CHECK(done.value == x + 1);
    simplify_options none;
    none.max_steps = 0;
    CHECK(simplify_report(pow(sin(x), 2) + pow(cos(x), 2), none).reason == stop_reason::step_limit);
    simplify_options instant;
    instant.max_seconds = -1;
    CHECK(simplify_report(pow(sin(x), 2) + pow(cos(x), 2), instant).reason == stop_reason::time_limit);
}

TEST_CASE("simplify: tan(u)·cos(u) is sin(u), tanh(u)·cosh(u) is sinh(u)", "[diff][simplify]") {
    const expr x = symbol("x"), y = symbol("y");
    CHECK(simplify(tan(x) * cos(x)) == sin(x));
    // The derivative of cot(x) = 1/tan(x) is −1/sin(x)², as a table gives it.
    CHECK(simplify(diff(1 / tan(x), x)) == -1 / pow(sin(x), 2));
    CHECK(simplify(y * pow(tan(x), 3) * pow(cos(x), 2)) == y * pow(sin(x), 2) * tan(x));
    CHECK(simplify(1 / (tanh(x) * cosh(x))) == 1 / sinh(x));
    // Only powers of one sign pair up, and only whole ones; other arguments stay apart.
    CHECK(simplify(tanh(x) / cosh(x)) == tanh(x) / cosh(x));
    CHECK(simplify(sqrt(tan(x)) * cos(x)) == sqrt(tan(x)) * cos(x));
    CHECK(simplify(tan(x) * cos(y)) == tan(x) * cos(y));
}

TEST_CASE("simplify: sin² + cos² = 1 and cosh² − sinh² = 1 in all their forms", "[diff][simplify]") {
    const expr x = symbol("x"), y = symbol("y");
    CHECK(simplify(pow(sin(x), 2) + pow(cos(x), 2)) == 1);
    CHECK(simplify(1 - pow(sin(x), 2)) == pow(cos(x), 2));
    CHECK(simplify(2 - 2 * pow(cos(x), 2)) == 2 * pow(sin(x), 2));
    CHECK(simplify(y * pow(sin(x), 2) - y) == -y * pow(cos(x), 2));
    CHECK(simplify(pow(cosh(x), 2) - pow(sinh(x), 2)) == 1);
    CHECK(simplify(pow(sinh(x), 2) + 1) == pow(cosh(x), 2));
    CHECK(simplify(pow(cosh(x), 2) - 1) == pow(sinh(x), 2));
    // Partners must have the same argument and the same rest.
    CHECK(simplify(pow(sin(x), 2) + pow(cos(y), 2)) == pow(sin(x), 2) + pow(cos(y), 2));
    CHECK(simplify(pow(sin(x), 2) - 2) == pow(sin(x), 2) - 2);
}

TEST_CASE("simplify writes out multiple and sum angles where that cancels", "[diff][simplify]") {
    const expr x = symbol("x"), y = symbol("y");
    // The double-angle, triple-angle and addition formulas, from any table.
    CHECK(simplify(sin(2 * x) - 2 * sin(x) * cos(x)).is_zero());
    CHECK(simplify(cos(2 * x) + 2 * pow(sin(x), 2)) == 1);
    CHECK(simplify(cos(3 * x) - 4 * pow(cos(x), 3) + 3 * cos(x)).is_zero());
    CHECK(simplify(sin(x + y) - sin(x) * cos(y)) == cos(x) * sin(y));
    CHECK(simplify(cos(x + y) + sin(x) * sin(y)) == cos(x) * cos(y));
    // Kept only when smaller: sin(2x) alone, or beside what does not cancel, stays.
    CHECK(simplify(sin(2 * x)) == sin(2 * x));
    CHECK(simplify(sin(2 * x) + 1) == sin(2 * x) + 1);
    // And the same for sinh and cosh: the formulas with cosh(a + b)'s second term added.
    CHECK(simplify(sinh(2 * x) - 2 * sinh(x) * cosh(x)).is_zero());
    CHECK(simplify(cosh(2 * x) - pow(sinh(x), 2)) == pow(cosh(x), 2));
    CHECK(simplify(cosh(x + y) - sinh(x) * sinh(y)) == cosh(x) * cosh(y));
    CHECK(simplify(sinh(2 * x)) == sinh(2 * x));
    // tan and tanh as quotients, with 1 + tan² = 1/cos² and 1 − tanh² = 1/cosh².
    CHECK(simplify(1 / pow(cos(x), 2) - pow(tan(x), 2)) == 1);
    CHECK(simplify(1 - pow(tanh(x), 2) - 1 / pow(cosh(x), 2)).is_zero());
    CHECK(simplify(tan(x) + 1) == tan(x) + 1);
    // Multiples past 6 and long sums are left alone rather than written out.
    CHECK(simplify(sin(7 * x) - sin(x)) == sin(7 * x) - sin(x));
    const expr z = symbol("z"), w = symbol("w");
    CHECK(simplify(sin(x + y + z + w) - 1) == sin(x + y + z + w) - 1);
}

TEST_CASE("simplify cancels common polynomial factors of a fraction", "[diff][simplify]") {
    const expr x = symbol("x"), y = symbol("y"), a = symbol("a");
    // One variable: Euclid's gcd.
    CHECK(simplify((pow(x, 2) - 1) / (x - 1)) == x + 1);
    CHECK(simplify((pow(x, 2) - 2 * x + 1) / (pow(x, 2) - 1)) == (x - 1) / (x + 1));
    CHECK(simplify((2 * x - 2) / (pow(x, 2) - 1)) == 2 / (x + 1));
    CHECK(simplify(pow(x + 1, 3) / (pow(x, 2) - 1)) == pow(x + 1, 2) / (x - 1));
    CHECK(simplify((pow(sin(x), 2) - 1) / (sin(x) - 1)) == sin(x) + 1);  // sin(x) is the variable
    // Several variables: a factor that divides the other exactly.
    CHECK(simplify((pow(x, 2) - pow(y, 2)) / (x - y)) == x + y);
    CHECK(simplify((x - y) / (pow(x, 2) - pow(y, 2))) == 1 / (x + y));
    CHECK(simplify((pow(x, 2) + 2 * x * y + pow(y, 2)) / (x + y)) == x + y);
    CHECK(simplify(a * (pow(x, 3) - x) / (pow(x, 2) - 1)) == a * x);
    // Nothing in common, or a quotient longer than the fraction: kept.
    CHECK(simplify((pow(x, 2) + 1) / (x + 1)) == (pow(x, 2) + 1) / (x + 1));
    CHECK(simplify((pow(x, 10) - 1) / (x - 1)) == (pow(x, 10) - 1) / (x - 1));
    // The quotient, independently: (x³ − 1)/(x − 1) = x² + x + 1 at x = 3 is 13.
    CHECK(evaluate(simplify((pow(x, 3) - 1) / (x - 1)), {{"x", 3.0}}) == 13.0);
    CHECK(simplify((pow(x, 3) - 1) / (x - 1)) == pow(x, 2) + x + 1);
}

TEST_CASE("simplify takes out common powers with symbolic exponents and clears fractions in denominators", "[diff][simplify]") {
    const expr x = symbol("x"), y = symbol("y"), z = symbol("z");
    // The second derivative of e^(−x²), as a textbook writes it.
    CHECK(simplify(diff(exp(-pow(x, 2)), x, 2)) == 2 * exp(-pow(x, 2)) * (2 * pow(x, 2) - 1));
    CHECK(simplify(4 * pow(x, 2) * exp(y) - 2 * exp(y)) == 2 * exp(y) * (2 * pow(x, 2) - 1));
    CHECK(simplify(pow(x, y) + 2 * pow(x, y) * z) == pow(x, y) * (2 * z + 1));
    // d/dx atan(x/2) = 2/(x² + 4).
    CHECK(simplify(diff(atan(x / 2), x)) == 2 / (pow(x, 2) + 4));
    CHECK(simplify(1 / (x / 2 + rational(1, 3))) == 6 / (3 * x + 2));
    CHECK(simplify(pow(x / 2 + 1, -2)) == 4 / pow(x + 2, 2));
    // Floats are left alone; a sum that is not a denominator is too.
    CHECK(simplify(1 / (x + 0.5)) == 1 / (x + 0.5));
    CHECK(simplify(x / 2 + y / 2) == x / 2 + y / 2);
}

TEST_CASE("reverse mode: values and gradients at a point", "[diff][reverse]") {
    const expr x = symbol("x"), y = symbol("y");
    auto r = detail::reverse_gradient(pow(x, 2) * y, {x, y}, {{"x", 3.0}, {"y", 2.0}});
    CHECK(r.value == 18.0);
    CHECK(r.gradient == std::vector<double>{12.0, 9.0});
    // A zero factor: the prefix/suffix products keep the other partials exact.
    r = detail::reverse_gradient(x * y * sin(x), {x, y}, {{"x", 0.0}, {"y", 5.0}});
    CHECK(r.gradient == std::vector<double>{0.0, 0.0});
    r = detail::reverse_gradient(atan2(y, x), {x, y}, {{"x", 1.0}, {"y", 1.0}});
    CHECK(test::close(r.gradient[0], -0.5));
    CHECK(test::close(r.gradient[1], 0.5));
    CHECK_THROWS_AS(detail::reverse_gradient(log(x), {x}, {{"x", -1.0}}), domain_error);
    CHECK_THROWS_AS(detail::reverse_gradient(call("f", {x}), {x}, {{"x", 1.0}}), error);
    CHECK_THROWS_AS(detail::reverse_gradient(x + y, {x}, {{"x", 1.0}}), error);
}
