// The REPL session: statements, state that survives every error, commands,
// scripts, completion. Expressions are compared by node identity against
// values built with the API; strings only where the text is the point.

#include <nabla/diff.hpp>
#include <nabla/print.hpp>
#include <nabla/session.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

using namespace nabla;

namespace {

const expr x = symbol("x"), y = symbol("y"), z = symbol("z");

// Everything a statement could change, for before/after comparisons.
struct snapshot {
    std::vector<std::string> names, functions;
    std::vector<expr> values;
    std::string saved;

    explicit snapshot(const session& s)
        : names(s.variable_names()), functions(s.function_names()), saved(s.save_script()) {
        for (const auto& n : names) values.push_back(*s.variable(n));
    }
    bool operator==(const snapshot&) const = default;
};

std::string error_of(session& s, std::string_view statement) {
    try {
        s.execute(statement);
    } catch (const nabla::error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("assignment echoes in the notation it was typed in", "[session]") {
    session s;
    const statement_result r = s.execute("z = 2x²y");
    CHECK(r.kind == result_kind::assignment);
    CHECK(r.name == "z");
    CHECK(r.value == 2 * pow(x, 2) * y);
    CHECK(r.to_text(style::unicode) == "z = 2x²y");
    CHECK(r.to_text(style::ascii) == "z = 2*x^2*y");
    REQUIRE(s.variable("z") != nullptr);
    CHECK(*s.variable("z") == 2 * pow(x, 2) * y);
}

TEST_CASE("assignment is also written := or ← as in update rules", "[session]") {
    session s;
    CHECK(s.execute("z := 2x²y").name == "z");
    CHECK(*s.variable("z") == 2 * pow(x, 2) * y);
    CHECK(s.execute("f(t) := t² + 1").kind == result_kind::definition);
    CHECK(s.execute("f(2)").value == expr(5));
    // The brief's gradient step, w := w − α·∂C/∂w, and the same with ←.
    s.execute("C = (w − 3)²");
    s.execute("α = 0.25; w = 0");
    CHECK(s.execute("w := w − α ∂C/∂w").value == expr(1.5));  // 0 − 0.25·(2·(0 − 3))
    CHECK(s.execute("w ← w − α ∂C/∂w").value == expr(2.25));  // 1.5 − 0.25·(2·(1.5 − 3))
    // ':=' is not an equality, and ':' alone still starts a command.
    CHECK_THROWS_AS(s.execute("z :== 1"), parse_error);
    CHECK(s.execute(":vars").text.find("w = 2.25") != std::string::npos);
}

TEST_CASE("derivatives of a variable use its value", "[session]") {
    session s;
    s.execute("z = 2x²y");
    const statement_result r = s.execute("∂z/∂x");
    CHECK(r.kind == result_kind::value);
    CHECK(r.value == 4 * x * y);
    CHECK(r.to_text(style::unicode) == "4xy");
    CHECK(s.execute("diff(z, y)").value == 2 * pow(x, 2));
    // ans is the last value.
    CHECK(s.execute("ans + 1").value == 2 * pow(x, 2) + 1);
}

TEST_CASE("a gradient, Hessian or Jacobian at a point is evaluated entry by entry", "[session]") {
    session s;
    s.execute("f = (x1 w1 + x2 w2) w3");
    s.execute("C = (f - y)^2 / 2");
    // Backpropagation by hand at one point: with f = w₃(w₁x₁ + w₂x₂),
    // ∂C/∂w₁ = (f − y)w₃x₁, ∂C/∂w₂ = (f − y)w₃x₂, ∂C/∂w₃ = (f − y)(w₁x₁ + w₂x₂).
    const double x1 = 1, x2 = 2, w1 = 0.5, w2 = -1, w3 = 2, t = 1;
    const double inner = w1 * x1 + w2 * x2, error = w3 * inner - t;
    const std::vector<double> expected{error * w3 * x1, error * w3 * x2, error * inner};
    for (const char* statement : {"grad(C, w1, w2, w3) at x1=1, x2=2, w1=0.5, w2=-1, w3=2, y=1",
                                  "eval(grad(C, w1, w2, w3), x1=1, x2=2, w1=0.5, w2=-1, w3=2, y=1)"}) {
        const statement_result r = s.execute(statement);
        CHECK(r.kind == result_kind::vector);
        REQUIRE(r.elements.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) CHECK(evaluate(r.elements[i]) == Approx(expected[i]));
    }
    // ∇ over the implied variables, and exact points give exact entries.
    const statement_result g = s.execute("∇(x^2 y) at x=1/2, y=1/3");
    CHECK(g.elements == std::vector<expr>{rational(1, 3), rational(1, 4)});
    const statement_result h = s.execute("hessian(x^2 y) at x=1, y=2");
    CHECK(h.kind == result_kind::matrix);
    CHECK(h.rows == std::vector<std::vector<expr>>{{expr(4), expr(2)}, {expr(2), expr(0)}});
    // A point that leaves a variable free keeps it.
    CHECK(s.execute("grad(x^2 y) at x=1").elements == std::vector<expr>{2 * y, expr(1)});
}

TEST_CASE("a training step at the prompt: C's symbols read at their values, ∂C/∂w at w", "[session]") {
    session s;
    s.execute("f = (x1 w1 + x2 w2) w3");
    s.execute("C = (f - y)^2 / 2");
    for (const char* data : {"x1 = 1", "x2 = 2", "y = 1", "w1 = 1/2", "w2 = -1", "w3 = 2", "α = 1/10"}) s.execute(data);
    // By hand: f = w₃(w₁x₁ + w₂x₂) = −3, C = (f − y)²/2 = 8, ∂C/∂w₁ = (f − y)w₃x₁ = −8.
    const double x1 = 1, x2 = 2, t = 1, alpha = 0.1;
    double w1 = 0.5, w2 = -1, w3 = 2;
    auto cost = [&] { return std::pow(w3 * (w1 * x1 + w2 * x2) - t, 2) / 2; };
    CHECK(evaluate(s.execute("C").value) == Approx(cost()));
    CHECK(evaluate(s.execute("∂C/∂w1").value) == Approx((w3 * (w1 * x1 + w2 * x2) - t) * w3 * x1));
    // One step of gradient descent on all three weights, in turn as typed.
    w1 -= alpha * (w3 * (w1 * x1 + w2 * x2) - t) * w3 * x1;
    w2 -= alpha * (w3 * (w1 * x1 + w2 * x2) - t) * w3 * x2;
    w3 -= alpha * (w3 * (w1 * x1 + w2 * x2) - t) * (w1 * x1 + w2 * x2);
    s.execute("w1 = w1 - α ∂C/∂w1");
    s.execute("w2 = w2 - α ∂C/∂w2");
    s.execute("w3 = w3 - α ∂C/∂w3");
    CHECK(evaluate(*s.variable("w1")) == Approx(w1));
    CHECK(evaluate(*s.variable("w2")) == Approx(w2));
    CHECK(evaluate(*s.variable("w3")) == Approx(w3));
    CHECK(evaluate(s.execute("C").value) == Approx(cost()));
    CHECK(cost() < 1);  // from 8
    // Read twice to find its symbols, ∇ still notes a reading once.
    CHECK(s.execute("∇(4ab)").notes == std::vector<std::string>{"ab read as a·b", "by a, b, in that order"});
    // ∇C is over all of C's symbols, as stored, at the current point.
    const statement_result g = s.execute("∇C");
    CHECK(g.variables.size() == 6);
    for (const expr& e : g.elements) CHECK(e.is_number());
}

TEST_CASE("ans before any result is an error, not the product a·n·s", "[session][errors]") {
    session s;
    CHECK(error_of(s, "ans + 1").find("'ans' is the last result, and there is none yet") != std::string::npos);
    s.execute("z = 2x²y");  // an assignment is not a result
    CHECK(error_of(s, "ans").find("there is none yet") != std::string::npos);
    s.execute("z + 1");
    CHECK(s.execute("2ans").value == 2 * (2 * pow(x, 2) * y + 1));
    s.execute(":clear");
    CHECK(error_of(s, "ans").find("there is none yet") != std::string::npos);
}

TEST_CASE("function definitions substitute their arguments", "[session]") {
    session s;
    const statement_result d = s.execute("f(x, y) = x² + y");
    CHECK(d.kind == result_kind::definition);
    CHECK(d.to_text(style::unicode) == "f(x, y) = x² + y");
    CHECK(s.execute("f(1, 2)").value == expr(3));
    const expr a = symbol("a"), b = symbol("b"), c = symbol("c");
    CHECK(s.execute("f(a + b, c)").value == pow(a + b, 2) + c);
    // A parameter with a long name is one name, not a product of letters.
    s.execute("h(speed) = speed^2");
    CHECK(s.execute("h(3)").value == expr(9));
    // A parameter shadows a variable of the same name.
    s.execute("x = 5");
    s.execute("g(x) = 3x");
    CHECK(s.execute("g(2)").value == expr(6));
}

TEST_CASE("a defined function named alone is differentiated as a function of its parameters", "[session][user]") {
    session s;
    const expr t = symbol("t");
    s.execute("f(x, y) = x^2 + 3x y");
    s.execute("g(t) = t^3");
    // ∂f/∂x of f(x, y) = x² + 3xy is 2x + 3y, as a textbook means it.
    const statement_result fx = s.execute("∂f/∂x");
    CHECK(fx.value == 2 * x + 3 * y);
    CHECK(fx.notes == std::vector<std::string>{"f read as f(x, y)"});
    CHECK(s.execute("diff(f, y)").value == 3 * x);
    CHECK(s.execute("∂²f/∂x∂y").value == expr(3));
    CHECK(s.execute("dg/dt").value == 3 * pow(t, 2));
    CHECK(s.execute("d²g/dt²").value == 6 * t);
    CHECK(s.execute("d/dt g").value == 3 * pow(t, 2));
    // ∇f is over the parameters, in their order, not alphabetically.
    s.execute("h(y, x) = y^2 x");
    const statement_result grad_h = s.execute("∇h");
    CHECK(grad_h.variables == std::vector<expr>{y, x});
    CHECK(grad_h.elements == std::vector<expr>{2 * x * y, pow(y, 2)});
    // The parameters are the function's own: a variable x = 5 leaves them be.
    s.execute("x = 5");
    CHECK(s.execute("∂f/∂x").value == 2 * x + 3 * y);
    // explain and checks take it too; a wrong answer gets difference quotients.
    const statement_result steps = s.execute("explain ∂g/∂t");
    REQUIRE(steps.kind == result_kind::steps);
    CHECK(steps.value == 3 * pow(t, 2));
    CHECK(s.execute("dg/dt == 3t^2").holds == true);
    const statement_result wrong = s.execute("dg/dt == 3t");
    CHECK(wrong.holds == false);
    CHECK(wrong.text.find("(f(t + h) − f(t))/h for f = g") != std::string::npos);
    // f′ of a function of two variables points to the partial derivative.
    CHECK(error_of(s, "f'(x)").find("primes are for functions of one variable, and f(x, y) has 2: write ∂f/∂x or "
                                    "∂₁f(x, y)") != std::string::npos);
    // A function with a declared derivative keeps its name, and the declaration rules.
    s.execute("softplus(u) = log(1 + e^u)");
    s.execute("∂softplus(u) = sigmoid(u)·∂u");
    CHECK(s.execute("d softplus/du").value == call("sigmoid", {symbol("u")}));
}

TEST_CASE("grad hessian laplacian directional and jacobian take a defined function as ∇ does", "[session][user]") {
    session s;
    s.execute("h(y, x) = y^2 x");
    s.execute("g(x, y) = x + y");
    // Over the parameters in their order, y then x, as ∇h.
    const statement_result grad = s.execute("grad(h)");
    CHECK(grad.variables == std::vector<expr>{y, x});
    CHECK(grad.elements == std::vector<expr>{2 * x * y, pow(y, 2)});
    CHECK(grad.notes == std::vector<std::string>{"h read as h(y, x)"});
    CHECK(s.execute("grad(h, x)").elements == std::vector<expr>{pow(y, 2)});
    const statement_result hess = s.execute("hessian(h)");
    CHECK(hess.rows == std::vector<std::vector<expr>>{{2 * x, 2 * y}, {2 * y, expr(0)}});
    CHECK(s.execute("laplacian(h)").value == 2 * x);  // ∂²/∂y² y²x + ∂²/∂x² y²x
    CHECK(s.execute("∇²h").value == 2 * x);
    CHECK(s.execute("∇²h + 1").value == 2 * x + 1);
    CHECK(s.execute("directional(h, y=1, x=2)").value == 2 * x * y + 2 * pow(y, 2));
    // Two defined functions of the same parameters: by those, and neither is
    // taken for a variable.
    const statement_result jac = s.execute("jacobian(g, h)");
    CHECK(jac.variables == std::vector<expr>{x, y});  // g's and h's differ: the union, by name
    CHECK(jac.rows == std::vector<std::vector<expr>>{{expr(1), expr(1)}, {pow(y, 2), 2 * x * y}});
    s.execute("k(x, y) = x y");
    CHECK(s.execute("jacobian(g, k)").rows == std::vector<std::vector<expr>>{{expr(1), expr(1)}, {y, x}});
    CHECK(s.execute("jacobian(g, k, y)").rows == std::vector<std::vector<expr>>{{expr(1)}, {x}});
    // Its parameters are its own: an assigned x leaves them be.
    s.execute("x = 3");
    CHECK(s.execute("grad(h)").elements == std::vector<expr>{2 * x * y, pow(y, 2)});
}

TEST_CASE("a defined function with a declared derivative differentiates by the declaration", "[session][user]") {
    session s;
    s.execute("softplus(u) = log(1 + e^u)");
    s.execute("sigmoid(u) = 1/(1 + e^(-u))");
    // Before the declaration a call is the definition.
    CHECK(s.execute("softplus(x)").value == log(1 + exp(x)));
    s.execute("∂softplus(u) = sigmoid(u)·∂u");
    // After it, a call keeps its name and ∂ follows the declaration:
    // 2x·sigmoid(x²), not 2x·e^(x²)/(e^(x²) + 1).
    const expr z = s.execute("z = softplus(x^2)").value;
    CHECK(z == call("softplus", {pow(x, 2)}));
    CHECK(s.execute("∂z/∂x").value == 2 * x / (1 + exp(-pow(x, 2))));
    // Numbers still evaluate through the definition, exactly where they can.
    CHECK(s.execute("softplus(0)").value == log(expr(2)));
    CHECK(s.execute("z at x=0").value.is_number());
    CHECK(std::abs(evaluate(s.execute("z at x=1").value) - std::log(1 + std::exp(1.0))) < 1e-12);
    // A definition that calls itself is expanded once, not forever.
    s.execute("f(x) = f(x/2) + 1");
    s.execute("∂f(u) = 2·∂u");
    CHECK(s.execute("f(2)").value == call("f", {expr(1)}) + 1);
    CHECK_THROWS_AS(s.execute("f(x) at x=2"), error);
    // A script that fails takes back the declarations it made or replaced.
    const std::string script = (std::filesystem::temp_directory_path() / "nabla_declarations.nabla").string();
    std::ofstream(script) << "∂slope(u) = 3·∂u\n∂f(u) = 9·∂u\nx +* y\n";
    CHECK_THROWS_AS(s.execute(":load " + script), error);
    std::remove(script.c_str());
    CHECK(s.execute("diff(slope(x), x)").value == call_derivative("slope", {x}, {0}));
    // A one-letter name is a call once its derivative is declared: q(x), not q·x.
    CHECK(s.execute("q(x)").value == symbol("q") * x);
    s.execute("∂q(u) = 5·∂u");
    CHECK(s.execute("q(x)").value == call("q", {x}));
    CHECK(s.execute("diff(q(x^2), x)").value == 10 * x);
    s.execute(":clear q");
    CHECK(s.execute("q(x)").value == symbol("q") * x);
    CHECK(s.execute("diff(f(x), x)").value == expr(2));
    // A right side that is not Σ aᵢ·∂uᵢ declares nothing.
    CHECK_THROWS_WITH(s.execute("∂f(u) = 1"), Catch::Contains("every term of the right side needs a differential (∂u)"));
    CHECK_THROWS_WITH(s.execute("∂f(u) = sin(∂u)"), Catch::Contains("must be linear in the differentials"));
    CHECK(s.execute("diff(f(x), x)").value == expr(2));
    // :clear takes a declaration out of the rule table too.
    s.execute(":clear f");
    CHECK(s.execute("diff(f(x), x)").value == call_derivative("f", {x}, {0}));
    s.execute(":clear");
    CHECK(s.execute("diff(softplus(x), x)").value == call_derivative("softplus", {x}, {0}));
}

TEST_CASE("the capabilities as commands", "[session]") {
    session s;
    s.execute("z = x^2 y");
    const statement_result g = s.execute("grad(z)");
    CHECK(g.kind == result_kind::vector);
    CHECK(g.elements == std::vector<expr>{2 * x * y, pow(x, 2)});
    CHECK(s.execute("∇z").elements == g.elements);
    CHECK(s.execute("grad(z, y, x)").elements == std::vector<expr>{pow(x, 2), 2 * x * y});

    const statement_result h = s.execute("hessian(z)");
    CHECK(h.kind == result_kind::matrix);
    CHECK(h.rows == std::vector<std::vector<expr>>{{2 * y, 2 * x}, {2 * x, expr(0)}});

    const statement_result j = s.execute("jacobian(x y, x + y, x, y)");
    CHECK(j.rows == std::vector<std::vector<expr>>{{y, x}, {expr(1), expr(1)}});
    // Without variables: all free symbols in name order.
    const expr t = symbol("t");
    CHECK(s.execute("jacobian(x y, y t)").rows ==
          std::vector<std::vector<expr>>{{expr(0), y, x}, {y, expr(0), t}});

    CHECK(s.execute("expand((x + 1)^2)").value == pow(x, 2) + 2 * x + 1);
    CHECK(s.execute("subs(x y, x=y, y=x)").value == x * y);
    CHECK(s.execute("subs(z, x=y + 1)").value == pow(y + 1, 2) * y);
    const statement_result e = s.execute("explain(x^3, x)");
    CHECK(e.kind == result_kind::steps);
    CHECK(e.value == 3 * pow(x, 2));
    CHECK_FALSE(e.steps.empty());
    const statement_result dot = s.execute("dot(x + 1)");
    CHECK(dot.kind == result_kind::text);
    CHECK(dot.text.starts_with("digraph"));
}

TEST_CASE("the Laplacian and the directional derivative", "[session]") {
    session s;
    s.execute("z = x^2 y + y^3 + sin(x) z");
    // ∂²/∂x² = 2y − sin(x)z, ∂²/∂y² = 6y, ∂²/∂z² = 0.
    const expr expected = 2 * y - sin(x) * z + 6 * y;
    CHECK(s.execute("laplacian(z)").value == expected);
    CHECK(s.execute("∇²z").value == expected);
    // ∇² is a scalar, so it may stand inside an expression; ∇ may not.
    CHECK(s.execute("2∇²z + 1").value == 2 * expected + 1);
    CHECK(s.execute("laplacian(z, y)").value == 6 * y);
    CHECK(s.execute("laplacian(z, x, y)").value == 2 * y - sin(x) * z + 6 * y);
    CHECK(s.execute("∇²(u^2 + v^2 + w^2)").value == expr(6));
    // ∇z·v with v = (1, 2, 0): 2xy + cos(x)z + 2(x² + 3y²).
    CHECK(s.execute("directional(z, x=1, y=2)").value == 2 * x * y + cos(x) * z + 2 * (pow(x, 2) + 3 * pow(y, 2)));
    CHECK(s.execute("directional(x y, x=a, y=b)").value == symbol("a") * y + symbol("b") * x);
    const snapshot before(s);
    CHECK(error_of(s, "directional(z)").find("expected the direction's components") != std::string::npos);
    CHECK(error_of(s, "directional(z, x=1, x=2)").find("'x' is given twice") != std::string::npos);
    CHECK(error_of(s, "directional(z, y, x=1)").find("wrong number of arguments") != std::string::npos);
    CHECK(error_of(s, "1 + laplacian(z)").find("is a command") != std::string::npos);
    CHECK(error_of(s, "1 + ∇z").find("∇ gives a vector") != std::string::npos);
    CHECK(snapshot(s) == before);
}

TEST_CASE("a constant's name is not a variable to bind or to differentiate by", "[session][errors]") {
    // No symbol named pi or e occurs in an expression (they read as π and
    // Euler's e), so binding one or differentiating by one would silently
    // do nothing.
    session s;
    const snapshot before(s);
    CHECK(error_of(s, "eval(x^2, pi=3)") == "line 1, column 11: 'pi' is the constant π, not a variable\n"
                                           "  eval(x^2, pi=3)\n"
                                           "            ^");
    CHECK(error_of(s, "x^2 at π=2") == "line 1, column 8: 'π' is the constant π, not a variable\n"
                                      "  x^2 at π=2\n"
                                      "         ^");
    CHECK(error_of(s, "subs(x^2, e=3)").find("'e' is Euler's number, not a variable") != std::string::npos);
    CHECK(error_of(s, "grad(x^2, pi)").find("the constant π") != std::string::npos);
    CHECK(error_of(s, "directional(x^2, x=1, pi=2)").find("the constant π") != std::string::npos);
    CHECK(error_of(s, "diff(x^2, e)").find("Euler's number") != std::string::npos);
    CHECK(error_of(s, "∂(x^2)/∂π").find("the constant π") != std::string::npos);
    CHECK(snapshot(s) == before);
    // Once assigned, e is a name like any other.
    s.execute("e = 2");
    CHECK(s.execute("subs(x y, e=3)").value == x * y);
    CHECK(s.execute("grad(x^2, e)").elements == std::vector<expr>{expr(0)});
}

TEST_CASE("explain takes derivative notation and shows what each step gives", "[session][explain]") {
    session s;
    s.execute("z = 2x²y");
    const statement_result r = s.execute("explain ∂z/∂x");
    REQUIRE(r.kind == result_kind::steps);
    CHECK(r.value == 4 * x * y);
    REQUIRE(r.steps.size() == 2);
    CHECK(r.steps[0].rule == "power-rule");
    CHECK(r.steps[0].part == pow(x, 2));
    CHECK(r.steps[0].variable == x);
    CHECK(r.steps[0].result == 2 * x);
    CHECK(r.steps[1].rule == "constant-factor");
    CHECK(r.steps[1].part == 2 * pow(x, 2) * y);
    CHECK(r.to_text(style::unicode) ==
          "1. power rule on x²\n"
          "   ∂/∂x x² = 2x\n"
          "2. constant factor 2y\n"
          "   ∂/∂x 2x²y = 4xy\n"
          "= 4xy");
    CHECK(r.to_text(style::ascii).find("   diff(2*x^2*y, x) = 4*x*y\n") != std::string::npos);
    CHECK(r.to_text(style::latex).find("\\frac{\\partial}{\\partial x} x^{2} = 2 x") != std::string::npos);
    // The function form and the other notations say the same.
    CHECK(s.execute("explain(z, x)").to_text(style::unicode) == r.to_text(style::unicode));
    CHECK(s.execute("explain dz/dx").to_text(style::unicode) == r.to_text(style::unicode));

    // d/dx is an operator only where an expression starts; after the word it is one.
    const statement_result sum = s.execute("explain d/dx (x^2 + 1)");
    REQUIRE(sum.steps.size() == 2);
    CHECK(sum.steps[1].rule == "sum-rule");
    CHECK(sum.steps[1].part == pow(x, 2) + 1);
    CHECK(sum.to_text(style::unicode).find("   ∂/∂x (x² + 1) = 2x\n") != std::string::npos);

    // A mixed partial: by x, then by y, each step with its variable.
    const statement_result mixed = s.execute("explain ∂²z/∂x∂y");
    CHECK(mixed.value == 4 * x);
    REQUIRE(mixed.steps.size() == 3);
    CHECK(mixed.steps[1].variable == x);
    CHECK(mixed.steps[2].variable == y);
    CHECK(mixed.steps[2].part == 4 * x * y);

    // Nothing to do, or almost nothing, still says why.
    const statement_result constant = s.execute("explain ∂z/∂q");
    CHECK(constant.value == 0);
    CHECK(constant.steps.empty());
    CHECK(constant.notes == std::vector<std::string>{"2x²y does not depend on q"});
    const statement_result itself = s.execute("explain ∂(x)/∂x");
    REQUIRE(itself.steps.size() == 1);
    CHECK(itself.steps[0].result == 1);

    // Anything but a derivative after the word is an error at what follows it.
    try {
        s.execute("explain x^2 + 1");
        FAIL("explain x^2 + 1 ran");
    } catch (const parse_error& e) {
        CHECK(e.column() == 9);
        CHECK(e.message() == "explain takes a derivative, like explain ∂z/∂x or explain(z, x)");
    }
    try {
        s.execute("explain ∂z/∂x +");
        FAIL("explain ∂z/∂x + ran");
    } catch (const parse_error& e) {
        CHECK(e.column() == 16);
        CHECK(e.source_line() == "explain ∂z/∂x +");
    }
    CHECK(s.execute("z").value == 2 * pow(x, 2) * y);  // the session is unharmed
}

TEST_CASE("eval keeps exact results exact and evaluates closed ones", "[session]") {
    session s;
    s.execute("z = x^2 y");
    CHECK(s.execute("eval(z, x=3, y=1/2)").value == rational(9, 2));
    CHECK(s.execute("z at x=1, y=2").value == expr(2));
    CHECK(s.execute("eval(x^2, x=1/3)").value == rational(1, 9));
    // Only x given: the rest stays symbolic.
    CHECK(s.execute("eval(z, x=2)").value == 4 * y);
    // Closed but not a number: evaluated numerically.
    const expr v = s.execute("eval(sin(x), x=1)").value;
    REQUIRE(v.kind() == kind::real);
    CHECK(v.number_value() == Approx(0.8414709848078965));
    // A command may be the argument of another where a single value is
    // expected (not inside an expression: that is the grammar's error).
    CHECK(s.execute("eval(expand((x + 1)^2), x=2)").value == expr(9));
    CHECK(s.execute("grad(expand((x + 1)^2 y))").elements ==
          std::vector<expr>{2 * x * y + 2 * y, pow(x, 2) + 2 * x + 1});
    CHECK_THROWS_AS(s.execute("simplify(expand((x + 1)^2) - x^2)"), parse_error);
    CHECK(s.execute("expand((x + 1)^2) at x=2").value == expr(9));
    CHECK_THROWS_WITH(s.execute("expand(grad(x y))"), Catch::Contains("'grad' gives no single expression here"));
    // A capability's value may be assigned.
    s.execute("w = expand((x + 1)^2)");
    CHECK(*s.variable("w") == pow(x, 2) + 2 * x + 1);
}

TEST_CASE("the session is exactly as before after any error", "[session][errors]") {
    session s;
    s.execute("z = 2x²y");
    s.execute("f(t) = t^2 + 1");
    s.execute("z + 1");
    const snapshot before(s);
    const expr ans_before = s.execute("ans").value;
    s.execute("z + 1");  // restore ans to the same value

    const char* failing[] = {
        "2x^^2",                 // parse error
        "z = (x +",              // parse error in an assignment: z unchanged
        "1/0",                   // domain error
        "z = 1/0",               // domain error in an assignment
        "f(x) = 1/0",            // domain error in a definition
        "log(0)",                // domain error
        "f(1, 2)",               // wrong arity
        "sin = 3",               // not a definable name
        "z(x) = 1",              // a variable used as a function
        ":clear nothere",        // unknown name
        ":format fancy",         // unknown format
        ":hlep",                 // unknown command
        ":load /nonexistent/file.nabla",
        "grad(z, 2)",            // not a variable
        "eval(z, 1)",            // wrong arguments
        "h(u) undefined",        // split into letters, one of them the function f
    };
    for (const char* statement : failing) {
        INFO(statement);
        CHECK_THROWS_AS(s.execute(statement), nabla::error);
        CHECK(snapshot(s) == before);
        CHECK(s.execute("ans").value == ans_before);
    }
    // A name split into letters says which letter failed, and why.
    CHECK(error_of(s, "h(u) undefined").find("'undefined' reads as u·n·d·e·f·i·n·e·d, and 'f' is a function") !=
          std::string::npos);
}

TEST_CASE("input limits are errors that name the limit", "[session][errors]") {
    session s;
    s.execute("keep = 7");
    const std::string huge(10 << 20, 'x');
    CHECK_THROWS_AS(s.execute(huge), limit_error);
    CHECK(error_of(s, huge) == "input too long (10485760 bytes; the limit is 1048576)");
    // Binary garbage is a parse error, not a crash.
    const std::string binary("\xff\xfe\x00\x01\x80zz", 7);
    CHECK_THROWS_AS(s.execute(binary), parse_error);
    CHECK(*s.variable("keep") == expr(7));
}

TEST_CASE("a thousand random garbage lines never crash or lose a variable", "[session][errors][garbage]") {
    session s;
    s.execute("keep = 2x + 1");
    s.execute("g(u) = u^2");
    // Tokens of the notation (without the letter k, so `keep` cannot be
    // reassigned, and without :clear, :load, :save and :quit), and raw bytes.
    const std::vector<std::string> tokens = {
        "x", "y", "2", "0.5", "1e999999", "+", "-", "*", "/", "^", "^^", "(", ")", "[", "]", ",", "=", "==",
        "sin", "log", "√", "∂", "∇", "²", "⁻¹", "·", "−", "π", "e", "g", "f", "at", "'", "|", "d/dx", "grad",
        "eval", "diff", "hessian", "jacobian", "subs", "expand", "simplify", "explain", "dot", ":vars",
        ":help", ":hlep", ":format ascii", ":format unicode", "ans", " ", "#", "\xff", "\xc3", "\x01",
        "x=1", "1/0", "0^-1", "((((", "))))", "999999999999999999999999", "sin⁻¹", "f(x) =", "∂x/∂"};
    std::mt19937 rng(20240601);
    std::size_t failures = 0;
    for (int line = 0; line < 1000; ++line) {
        std::string text;
        const int n = std::uniform_int_distribution<int>(0, 12)(rng);
        for (int i = 0; i < n; ++i) {
            if (std::uniform_int_distribution<int>(0, 9)(rng) == 0)
                text += static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
            else
                text += tokens[std::uniform_int_distribution<std::size_t>(0, tokens.size() - 1)(rng)];
        }
        const snapshot before(s);
        try {
            s.execute(text);
        } catch (const nabla::error&) {
            ++failures;
            INFO(text);
            REQUIRE(snapshot(s) == before);
        }
        INFO(text);
        REQUIRE(s.variable("keep") != nullptr);
        REQUIRE(*s.variable("keep") == 2 * x + 1);
    }
    // Most garbage is rejected; the test would prove little otherwise.
    CHECK(failures > 500);
    CHECK(s.execute("g(3)").value == expr(9));
}

TEST_CASE("unknown commands suggest the closest one", "[session][commands]") {
    session s;
    CHECK(error_of(s, ":hlep") == "unknown command ':hlep' — did you mean :help?");
    CHECK(error_of(s, ":vrs") == "unknown command ':vrs' — did you mean :vars?");
    CHECK(error_of(s, ":zzzzzz") == "unknown command ':zzzzzz' — :help lists the commands");
    CHECK(suggest_command("grda") == "grad");
    CHECK(suggest_command("qqqqqqqq").empty());
}

TEST_CASE(":vars, :clear and :format", "[session][commands]") {
    session s;
    CHECK(s.execute(":vars").text == "no variables");
    s.execute("z = 2x²y");
    s.execute("f(x, y) = x² + y");
    s.execute("a = 3");
    CHECK(s.execute(":vars").text == "z = 2x²y\nf(x, y) = x² + y\na = 3");
    s.execute(":format ascii");
    CHECK(s.style() == style::ascii);
    CHECK(s.execute(":vars").text == "z = 2*x^2*y\nf(x, y) = x^2 + y\na = 3");
    s.execute(":clear z");
    CHECK(s.variable("z") == nullptr);
    CHECK(s.variable_names() == std::vector<std::string>{"a"});
    s.execute(":clear");
    CHECK(s.variable_names().empty());
    CHECK(s.function_names().empty());
    // :quit asks the caller to leave.
    CHECK(s.execute(":quit").kind == result_kind::quit);
}

TEST_CASE(":shared names a large shared subexpression once", "[session][commands]") {
    session s;
    CHECK_FALSE(s.shared());
    const std::string statement = "d/dx sin(x^2 + 2x + 1)^3";
    const statement_result r = s.execute(statement);
    // The derivative repeats u = x² + 2x + 1 (8 nodes as a tree) in sin(u) and cos(u).
    const expr u = pow(x, 2) + 2 * x + 1;
    REQUIRE(r.value == 3 * pow(sin(u), 2) * cos(u) * (2 * x + 2));
    CHECK(r.to_text(style::unicode) == to_string(r.value));
    s.execute(":shared on");
    CHECK(s.shared());
    CHECK(r.to_text(style::unicode, true) == "3sin(t₁)²cos(t₁)(2x + 2)\nwhere t₁ = x² + 2x + 1");
    CHECK(r.to_text(style::ascii, true) == "3*sin(t1)^2*cos(t1)*(2*x + 2)\nwhere t1 = x^2 + 2*x + 1");
    // Small repeats stay written out: sin(x)·cos(x) has nothing of 8 nodes.
    CHECK(s.execute("d/dx sin(x)^2").to_text(style::unicode, true) == "2sin(x)cos(x)");
    // Saved and replayed with the session.
    CHECK(s.save_script().find(":shared on\n") != std::string::npos);
    session replay;
    replay.run_script(s.save_script(), "saved", on_error::stop);
    CHECK(replay.shared());
    CHECK(error_of(s, ":shared maybe") == "use :shared on or :shared off");
    CHECK(s.shared());
    s.execute(":shared off");
    CHECK_FALSE(s.shared());
}

TEST_CASE(":kink chooses the derivative of max and min at the kink", "[session][commands]") {
    session s;
    // d/dx max(0, x) evaluated at x = 0 and on either side, under each convention.
    auto at = [&](int v) { return s.execute("eval(d/dx max(0, x), x=" + std::to_string(v) + ")").value; };
    CHECK(s.kink() == kink_convention::average);
    CHECK(at(0) == expr(1) / 2);
    CHECK(at(2) == expr(1));
    CHECK(at(-2) == expr(0));
    s.execute(":kink first");
    CHECK(at(0) == expr(0));  // the ReLU convention: the number is stored first
    CHECK(at(2) == expr(1));
    CHECK(s.execute("eval(diff(max(x, 0), x), x=0)").value == expr(0));
    s.execute(":kink second");
    CHECK(at(0) == expr(1));
    CHECK(at(-2) == expr(0));
    // Every form of derivative follows the setting.
    CHECK(subs(s.execute("grad(max(0, x), x)").elements.at(0), {{x, 0}}) == expr(1));
    CHECK(s.execute("subs(∂(max(0, x))/∂x, x=0)").value == expr(1));
    CHECK(s.execute("subs(laplacian(max(0, x^2)), x=0)").value ==
          s.execute("subs(diff(max(0, x^2), x, 2), x=0)").value);
    CHECK(s.save_script().find(":kink second\n") != std::string::npos);
    CHECK(error_of(s, ":kink left") == "unknown convention 'left': use average, first or second");
    CHECK(s.kink() == kink_convention::second);
}

TEST_CASE(":save writes a script that :load replays", "[session][commands]") {
    const auto path = std::filesystem::temp_directory_path() / "nabla_test_session_save.nabla";
    session s;
    s.execute("z = 2x");   // mentions x, which gets a value later
    s.execute("x = 3");
    s.execute("f(t) = t^2 + z");
    s.execute("w = z + x");  // 9: z is read with x = 3
    s.execute(":save " + path.string());

    session t;
    t.execute(":load " + path.string());
    CHECK(t.variable_names() == s.variable_names());
    for (const auto& n : s.variable_names()) {
        INFO(n);
        CHECK(*t.variable(n) == *s.variable(n));
    }
    CHECK(*t.variable("w") == 9);
    CHECK(*t.variable("z") == 2 * x);  // stored as typed, read with x = 3 when used
    CHECK(t.execute("f(1)").value == s.execute("f(1)").value);
    std::filesystem::remove(path);
}

TEST_CASE("scripts report file:line:col and stop or go on", "[session][scripts]") {
    const std::string script = "a = 1\n"
                               "b = (a +\n"
                               "     2)\n"
                               "c = 2x^^2\n"
                               "d = 4\n";
    {
        session s;
        const script_report r = s.run_script(script, "s.nabla", on_error::stop);
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].starts_with("s.nabla:4:8: error: "));
        CHECK(*s.variable("b") == expr(3));  // the continuation line joined
        CHECK(s.variable("d") == nullptr);
    }
    {
        session s;
        const script_report r = s.run_script(script, "s.nabla", on_error::resume);
        CHECK(r.errors.size() == 1);
        CHECK(*s.variable("d") == expr(4));
        CHECK(r.results.size() == 3);
    }
    // :load is all or nothing.
    const auto path = std::filesystem::temp_directory_path() / "nabla_test_session_bad.nabla";
    std::ofstream(path) << script;
    session s;
    s.execute("keep = 1");
    const std::string message = error_of(s, ":load " + path.string());
    CHECK(message.find(":4:8: error: ") != std::string::npos);
    CHECK(s.variable_names() == std::vector<std::string>{"keep"});
    std::filesystem::remove(path);
}

TEST_CASE("an error in a long script line shows the part around it, caret under the spot", "[session][scripts]") {
    // 2,000 terms, then a misspelt function, then 2,000 more: the line is
    // over 20,000 characters and the error is in its middle.
    std::string line = "y = 1";
    for (int i = 0; i < 2000; ++i) line += " + " + std::to_string(i);
    const std::size_t column = line.size() + 4;  // 1-based, after " + "
    line += " + sni(x)";
    for (int i = 0; i < 2000; ++i) line += " + " + std::to_string(i);
    session s;
    const script_report r = s.run_script(line + "\n", "long.nabla", on_error::stop);
    REQUIRE(r.errors.size() == 1);
    const std::string& d = r.errors[0];
    CHECK(d.starts_with("long.nabla:1:" + std::to_string(column) + ": error: unknown function 'sni'"));
    // Three lines: the message, the excerpt, the caret; none near the line's length.
    const std::size_t first = d.find('\n'), second = d.find('\n', first + 1);
    REQUIRE(second != std::string::npos);
    const std::string shown = d.substr(first + 1, second - first - 1), caret = d.substr(second + 1);
    CHECK(caret.find('\n') == std::string::npos);
    CHECK(shown.size() < 100);
    CHECK(shown.starts_with("    …"));
    CHECK(shown.ends_with("…"));
    // The caret stands under the 's' of "sni" (the excerpt's "…" is one
    // column wide and three bytes long).
    const std::size_t at = caret.find('^');
    REQUIRE(at != std::string::npos);
    CHECK(shown.substr(at + 2, 3) == "sni");
}

TEST_CASE("continuation lines", "[session][continuation]") {
    CHECK(needs_continuation("f(x,"));
    CHECK(needs_continuation("(x + 1"));
    CHECK(needs_continuation("x +"));
    CHECK(needs_continuation("x ·"));
    CHECK(needs_continuation("z ="));
    CHECK(needs_continuation("x + # a comment"));
    CHECK(needs_continuation("[1, 2"));
    CHECK_FALSE(needs_continuation("x + 1"));
    CHECK_FALSE(needs_continuation("(x + 1))"));
    CHECK_FALSE(needs_continuation("x # (open in a comment"));
    CHECK_FALSE(needs_continuation(":help"));
    CHECK_FALSE(needs_continuation(""));
    statement_reader reader;
    CHECK_FALSE(reader.add("f(x,"));
    CHECK(reader.add("  y)"));
    CHECK(reader.first_line() == 1);
    CHECK(reader.take() == "f(x,\n  y)");
    CHECK(reader.add("x"));
    CHECK(reader.first_line() == 3);
    reader.take();
    // A blank line ends an unfinished statement as it is.
    CHECK_FALSE(reader.add("x +"));
    CHECK(reader.add("   "));
    CHECK(reader.take() == "x +");
    CHECK(needs_continuation("x +"));
    CHECK_FALSE(needs_continuation("x +\n"));
}

TEST_CASE("completion of commands, functions and variables", "[session][completion]") {
    session s;
    s.execute("speed = 3");
    s.execute("sigma(u) = u");
    CHECK(s.completions(":he") == std::vector<std::string>{":help"});
    CHECK(s.completions(":f") == std::vector<std::string>{":format"});
    CHECK(s.completions("2 + spe") == std::vector<std::string>{"speed"});
    CHECK(s.completions("si") == std::vector<std::string>{"sigma", "sign", "simplify", "sin", "sinh"});
    CHECK(s.completions("gr") == std::vector<std::string>{"grad"});
    CHECK(s.completions(":format la") == std::vector<std::string>{"latex"});
    CHECK(s.completions("qqq").empty());
}

TEST_CASE("a cancelled statement changes nothing", "[session][cancel]") {
    session s;
    s.execute("keep = 1");
    std::atomic<bool> cancel{true};
    s.set_cancel_flag(&cancel);
    CHECK(error_of(s, "keep = expand((x + 1)^3)") == "interrupted");
    CHECK(*s.variable("keep") == expr(1));
    cancel = false;
    s.execute("keep = 2");
    CHECK(*s.variable("keep") == expr(2));
}

TEST_CASE("results as JSON", "[session][json]") {
    session s;
    CHECK(s.execute("grad(x^2 y)").to_json() ==
          R"j({"input": "grad(x^2 y)", "kind": "vector", "ascii": "[2*x*y, x^2]", "unicode": "[2xy, x²]", )j"
          R"j("latex": "\\begin{pmatrix} 2 x y & x^{2} \\end{pmatrix}", "elements": ["2*x*y", "x^2"], )j"
          R"j("variables": ["x", "y"], "notes": ["by x, y, in that order"]})j");
    CHECK(s.execute("z = 2x").to_json() ==
          R"j({"input": "z = 2x", "kind": "assignment", "name": "z", "ascii": "2*x", "unicode": "2x", "latex": "2 x"})j");
    // Invalid UTF-8 in an input still gives valid JSON.
    const parse_error e("d", "m", 1, 2, 1, "");
    CHECK(error_to_json("a\xff\"", e) ==
          R"j({"input": "a\ufffd\"", "kind": "error", "error": "parse", "message": "m", "line": 1, "column": 2})j");
}

TEST_CASE("domain errors point at their place, read or computed, and keep their kind", "[session][errors]") {
    session s;
    s.execute("z = 2x²y");
    const snapshot before(s);
    auto position_of = [&](std::string_view statement) {
        try {
            s.execute(statement);
        } catch (const parse_error& e) {
            CHECK(e.why() == parse_error::cause::domain);
            return std::to_string(e.line()) + ":" + std::to_string(e.column()) + " " + e.message();
        }
        return std::string("no error");
    };
    // Read: the caret is under the function whose value does not exist.
    CHECK(position_of("w = 2 + x·log(0)") == "1:11 log of zero: log(0)");
    CHECK(position_of("3asin(2)") == "1:2 asin is undefined outside [−1, 1]: asin(2)");
    // Computed: the statement is the place; the message names the part.
    CHECK(position_of("  eval(asin(x), x=2)") == "1:3 asin is undefined outside [−1, 1]: asin(2)");
    CHECK(snapshot(s) == before);
    // The error as scripts see it: its kind in JSON, and where.
    auto json_of = [&](std::string_view statement) {
        try {
            s.execute(statement);
        } catch (const std::exception& e) {
            return error_to_json(statement, e);
        }
        return std::string("no error");
    };
    CHECK(json_of("log(0)").find("\"error\": \"domain\"") != std::string::npos);
    CHECK(json_of("2x^^2").find("\"error\": \"parse\"") != std::string::npos);
    // Too big to build is a limit, at its place too.
    const std::string power = json_of("q = 1 + 2^(2^20)");
    CHECK(power.find("\"error\": \"limit\"") != std::string::npos);
    CHECK(power.find("\"column\": 9") != std::string::npos);
    const std::string expansion = json_of("expand((x + 1)^(10^6))");
    CHECK(expansion.find("\"error\": \"limit\"") != std::string::npos);
    CHECK(expansion.find("the limit is") != std::string::npos);
    CHECK(snapshot(s) == before);
}

TEST_CASE("explain diff(…) explains each derivative in turn, and stops where they reach 0", "[session][explain]") {
    session s;
    s.execute("z = 2x²y");
    // The call form reads as the notation does.
    CHECK(s.execute("explain diff(z, x)").to_text(style::unicode) ==
          s.execute("explain ∂z/∂x").to_text(style::unicode));
    CHECK(s.execute("explain diff(z, x, y)").to_text(style::unicode) ==
          s.execute("explain ∂²z/∂x∂y").to_text(style::unicode));
    const statement_result second = s.execute("explain diff(x^3, x, 2)");
    CHECK(second.value == 6 * x);
    REQUIRE(second.steps.size() == 3);
    CHECK(second.steps[2].part == 3 * pow(x, 2));
    // x² has three derivatives that are not 0: the order asked for does not
    // set the length of the explanation.
    const statement_result high = s.execute("explain diff(x^2, x, 10000)");
    CHECK(high.value == 0);
    CHECK(high.steps.size() == 2);
    CHECK(high.notes == std::vector<std::string>{"2 does not depend on x"});
    CHECK(s.execute("explain diff(x^2, x, 10^9)").steps.size() == 2);  // an order written as an expression
    // sin never reaches 0: twenty derivatives are explained at most.
    CHECK(s.execute("explain diff(sin(x), x, 20)").value == sin(x));
    CHECK_THROWS_WITH(s.execute("explain diff(sin(x), x, 21)"), Catch::Contains("at most 20 derivatives"));
    CHECK_THROWS_WITH(s.execute("explain ∂²¹(sin(x))/∂x²¹"), Catch::Contains("at most 20 derivatives"));
    CHECK(*s.variable("z") == 2 * pow(x, 2) * y);
}

TEST_CASE("a gradient over implied variables says their order", "[session]") {
    session s;
    const statement_result g = s.execute("grad(x y²)");
    CHECK(g.variables == std::vector<expr>{x, y});
    CHECK(g.notes == std::vector<std::string>{"by x, y, in that order"});
    CHECK(g.elements == std::vector<expr>{pow(y, 2), 2 * x * y});
    // Named variables need no note; one variable is no order.
    const statement_result named = s.execute("grad(x y², y, x)");
    CHECK(named.variables == std::vector<expr>{y, x});
    CHECK(named.notes.empty());
    CHECK(s.execute("grad(x²)").notes.empty());
    CHECK(s.execute("∇(x y z)").notes == std::vector<std::string>{"by x, y, z, in that order"});
    CHECK(s.execute("hessian(x y)").variables == std::vector<expr>{x, y});
    CHECK(s.execute("jacobian(x y, y z)").variables == std::vector<expr>{x, y, z});
}

TEST_CASE("a derivative by a variable that has a value is taken at that value", "[session]") {
    session s;
    s.execute("z = 2x²y");
    s.execute("x = 3");
    // ∂z/∂x is 4xy, taken at x = 3: 12y, and a note says so.
    const statement_result stored = s.execute("∂z/∂x");
    CHECK(stored.value == 12 * y);
    CHECK(stored.notes == std::vector<std::string>{"∂z/∂x read as its value at x = 3 (assigned); :clear x to keep it a variable"});
    // x² typed now is differentiated as x², not as 9: 2x at 3 is 6 (27 for x³).
    CHECK(s.execute("diff(x^2, x)").value == 6);
    CHECK(s.execute("d/dx x^3").value == 27);
    CHECK(s.execute("diff(x^3, x, 2)").value == 18);
    // Other names are read at their values too: ∂z/∂y is 2x² at x = 3, and z is 18y.
    CHECK(s.execute("∂z/∂y").value == 18);
    const statement_result z_now = s.execute("z");
    CHECK(z_now.value == 18 * y);
    CHECK(z_now.notes == std::vector<std::string>{"z read as its value with x = 3 (assigned since)"});
    CHECK(*s.variable("z") == 2 * pow(x, 2) * y);  // as stored
    // A wrong hand answer is shown against 12y, with difference quotients at x = 3.
    const std::string wrong = s.execute("∂z/∂x == 4y").to_text(style::unicode);
    CHECK(wrong.find("left:  12y") != std::string::npos);
    CHECK(wrong.find("for f = z with x = 3: ") != std::string::npos);
    // Explained step by step symbolically, then taken at 3.
    const statement_result explained = s.execute("explain d/dx x^2");
    REQUIRE(explained.steps.size() == 1);
    CHECK(explained.steps[0].rule == "power-rule");
    CHECK(explained.value == 6);
    // A gradient step: after w = 0, w − α·∂C/∂w of C = (w − 3)² is 0.6.
    s.execute("C = (w - 3)^2");
    s.execute("α = 1/10");
    s.execute("w = 0");
    CHECK(s.execute("∂C/∂w").value == -6);
    CHECK(s.execute("w = w - α ∂C/∂w").value == rational(3, 5));
    CHECK(s.execute("w = w - α ∂C/∂w").value == rational(27, 25));  // 0.6 − (2·0.6 − 6)/10
    // Gradients and Hessians likewise, by implied or named variables.
    s.execute(":clear w");
    s.execute("D = (w - 3)^2 + v^2");
    s.execute("w = 2");
    const expr v = symbol("v");
    const statement_result g = s.execute("grad(D)");
    CHECK(g.variables == std::vector<expr>{v, symbol("w")});
    CHECK(g.elements == std::vector<expr>{2 * v, expr(-2)});
    CHECK(g.notes.back() == "grad(D) read as its value at w = 2 (assigned); :clear w to keep it a variable");
    CHECK(s.execute("∇D").elements == g.elements);
    CHECK(s.execute("grad(w^2 v, w, v)").elements == std::vector<expr>{4 * v, expr(4)});
    CHECK(s.execute("hessian(w^3, w)").rows == std::vector<std::vector<expr>>{{expr(12)}});
    s.execute(":clear x");
    CHECK(s.execute("diff(x^2, x)").value == 2 * x);
    CHECK(s.execute("diff(x^2, x)").notes.empty());
}

TEST_CASE("statements separated by ';' run in order and take effect together", "[session]") {
    session s;
    // The brief's training step starts with a line of data and weights.
    const statement_result r = s.execute("x1 = 1; x2 = 2; w1 = 0.5; w2 = -0.5; w3 = 2");
    CHECK(r.kind == result_kind::assignment);  // the last statement's result
    CHECK(r.name == "w3");
    CHECK(*s.variable("x1") == expr(1));
    CHECK(*s.variable("w2") == expr(-0.5));
    CHECK(s.execute("x1 w1 + x2 w2").value == expr(-0.5));

    // A later statement sees an earlier one's assignment.
    CHECK(s.execute("z = 2x²y; ∂z/∂x").value == 4 * x * y);
    // A trailing ';' shows nothing, and the statement still runs.
    CHECK(s.execute("q = 5;").kind == result_kind::none);
    CHECK(*s.variable("q") == expr(5));
    // Blank statements are skipped; a ';' in a comment separates nothing.
    CHECK(s.execute("k = 1;; k + 1").value == expr(2));
    CHECK(s.execute("k + 1 # one; two").value == expr(2));
    // Every statement's notes are kept, in order.
    const statement_result noted = s.execute("c = ab; d = uv");
    REQUIRE(noted.notes.size() == 2);
    CHECK(noted.notes[0].find("ab") != std::string::npos);
    CHECK(noted.notes[1].find("uv") != std::string::npos);
    // A command may follow; a line that starts with one is the command's.
    CHECK(s.execute("t = 7; :vars").text.find("t = 7") != std::string::npos);

    // A failing statement fails the line: nothing of it takes effect, and the
    // caret is under the spot in the whole line.
    const snapshot before(s);
    try {
        s.execute("a = 1; b = 1/0");
        FAIL("expected a domain error");
    } catch (const parse_error& e) {
        CHECK(e.why() == parse_error::cause::domain);
        CHECK(e.column() == 14);  // the 0 of 1/0, counted in the whole line
        CHECK(e.source_line() == "a = 1; b = 1/0");
    }
    CHECK(snapshot(s) == before);
    std::size_t alone = 0;  // the same error in the statement alone
    std::string alone_message;
    try {
        session().execute("b = 2x^^2");
    } catch (const parse_error& e) {
        alone = e.column();
        alone_message = e.message();
    }
    REQUIRE(alone > 0);
    try {
        s.execute("a = 1; b = 2x^^2");
        FAIL("expected a syntax error");
    } catch (const parse_error& e) {
        CHECK(e.why() == parse_error::cause::syntax);
        CHECK(e.column() == alone + 7);  // "a = 1; " comes before
        CHECK(e.message() == alone_message);
    }
    CHECK(s.variable("a") == nullptr);
}
