// `lhs == rhs`: proved by simplify, or sampled at random points, or shown
// false at a point whose values the test computes on its own.

#include "check/equality.hpp"

#include <nabla/diff.hpp>
#include <nabla/print.hpp>
#include <nabla/session.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <fmt/format.h>
#include <numbers>

using namespace nabla;
using detail::compare_sides;
using outcome = detail::equality_verdict::outcome;

namespace {

const expr x = symbol("x"), y = symbol("y");

double coordinate(const detail::equality_verdict& v, const std::string& name) {
    for (const auto& [n, value] : v.point)
        if (n == name) return value;
    FAIL("no coordinate for " << name);
    return 0;
}

}  // namespace

TEST_CASE("equal sides: the same node, or a difference that simplifies to 0", "[check]") {
    CHECK(compare_sides(x * x, pow(x, 2)).result == outcome::identical);
    CHECK(compare_sides(pow(x + 1, 2), pow(x, 2) + 2 * x + 1).result == outcome::simplified);
    CHECK(compare_sides(pow(sin(x), 2) + pow(cos(x), 2), expr(1)).result == outcome::simplified);
}

TEST_CASE("sides equal as rational functions of their atoms are proved, though simplify keeps them apart", "[check]") {
    const expr u = symbol("u"), z = symbol("z"), y = symbol("y");
    // simplify leaves 1 − 1/(1 + e^(−z)) as it is: e^(−z)/(1 + e^(−z)) is larger.
    CHECK(compare_sides(1 - 1 / (1 + exp(-z)), exp(-z) / (1 + exp(-z))).result == outcome::simplified);
    CHECK(compare_sides(1 / x + 1 / y, (x + y) / (x * y)).result == outcome::simplified);
    // The logistic loss's textbook gradient: ∂/∂z of −y·log σ(z) − (1 − y)·log(1 − σ(z)) is σ(z) − y.
    const expr sigma = 1 / (1 + exp(-z));
    const expr loss = -y * log(sigma) - (1 - y) * log(1 - sigma);
    CHECK(compare_sides(diff(loss, z), sigma - y).result == outcome::simplified);
    // An atom's arguments are normalized too: the same log either way.
    CHECK(compare_sides(log(1 - 1 / (1 + u)), log(u / (1 + u))).result == outcome::simplified);
    // And what differs still differs.
    CHECK(compare_sides(diff(loss, z), sigma + y).result == outcome::differs);
    CHECK(compare_sides(u / (1 + u), expr(1)).result == outcome::differs);
}

TEST_CASE("unequal sides: a point where both are defined, with both values", "[check]") {
    // A wrong hand derivative of 2x²y by x.
    const auto v = compare_sides(4 * x * y, 4 * pow(x, 2) * y);
    REQUIRE(v.result == outcome::differs);
    const double px = coordinate(v, "x"), py = coordinate(v, "y");
    CHECK(v.left.value == Approx(4 * px * py));
    CHECK(v.right.value == Approx(4 * px * px * py));
    CHECK(std::fabs(v.left.value - v.right.value) > 1e-6);

    const auto constants = compare_sides(expr(1), expr(2));
    REQUIRE(constants.result == outcome::differs);
    CHECK(constants.point.empty());
    CHECK(constants.left.value == 1);
    CHECK(constants.right.value == 2);
}

TEST_CASE("identities simplify does not prove are sampled, and only at points that can tell", "[check]") {
    // Multiple angles are written out (proved); atan as an asin is not.
    CHECK(compare_sides(sin(2 * x), 2 * sin(x) * cos(x)).result == outcome::simplified);
    CHECK(compare_sides(sinh(2 * x), 2 * sinh(x) * cosh(x)).result == outcome::simplified);
    const auto v = compare_sides(atan(x), asin(x / sqrt(pow(x, 2) + 1)));
    CHECK(v.result == outcome::sampled);
    CHECK(v.points_agreeing == detail::equality_points);

    // sin(20πx) vanishes at every tenth: the points anywhere in the range
    // catch what the readable ones miss.
    const auto periodic = compare_sides(sin(20 * pi() * x), expr(0));
    REQUIRE(periodic.result == outcome::differs);
    const double px = coordinate(periodic, "x");
    CHECK(std::fabs(std::sin(20 * std::numbers::pi * px)) > 1e-6);
    CHECK(periodic.left.value == Approx(std::sin(20 * std::numbers::pi * px)));
}

TEST_CASE("sides defined on different domains, and sides that cannot be compared", "[check]") {
    // log(x²) = 2log(x) where both are defined (x > 0); for x < 0 only the left is.
    const auto v = compare_sides(log(pow(x, 2)), 2 * log(x));
    REQUIRE(v.result == outcome::sampled);
    CHECK(coordinate(v, "x") < 0);
    CHECK(v.left.undefined.empty());
    CHECK(v.left.value == Approx(std::log(coordinate(v, "x") * coordinate(v, "x"))));
    CHECK_FALSE(v.right.undefined.empty());

    const auto never = compare_sides(log(-pow(x, 2) - 1), expr(0));
    CHECK(never.result == outcome::undecided);
    CHECK(never.reason == "the two sides are never both defined at the points tried");

    const auto undefined_function = compare_sides(call("f", {x}), x);
    CHECK(undefined_function.result == outcome::undecided);
    CHECK(undefined_function.reason.find("'f'") != std::string::npos);
}

TEST_CASE("the REPL checks a hand derivative and shows the right one beside it", "[check][session]") {
    session s;
    s.execute("z = 2x²y");
    const auto wrong = s.execute("∂z/∂x == 4x²y");
    CHECK(wrong.kind == result_kind::check);
    CHECK(wrong.holds == false);
    REQUIRE(wrong.elements.size() == 2);
    CHECK(wrong.elements[0] == 4 * x * y);  // the derivative nabla took
    const std::string text = wrong.to_text(style::unicode);
    CHECK(text.rfind("false: at x = ", 0) == 0);
    CHECK(text.find("\n  left:  4xy\n  right: 4x²y") != std::string::npos);
    CHECK(wrong.to_json().find("\"holds\": false") != std::string::npos);

    // The numeric evidence: difference quotients of z in x at that point,
    // toward 4xy, computed here on their own from z = 2x²y.
    const auto point = compare_sides(4 * x * y, 4 * pow(x, 2) * y);
    const double px = coordinate(point, "x"), py = coordinate(point, "y");
    auto z_at = [&](double at_x) { return 2 * at_x * at_x * py; };
    for (const double h : {1e-1, 1e-4}) {
        const std::string quotient = fmt::format("{:.6g} at h = {:g}", (z_at(px + h) - z_at(px)) / h, h);
        CHECK(text.find(quotient) != std::string::npos);
    }
    CHECK(text.find("\n  (f(x + h) − f(x))/h for f = z: ") != std::string::npos);
    // The call form gives them too; a second derivative does not.
    CHECK(s.execute("diff(z, x) == 4x²y").to_text(style::unicode).find("(f(x + h)") != std::string::npos);
    CHECK(s.execute("∂²z/∂x² == 4x").to_text(style::unicode).find("(f(x + h)") == std::string::npos);

    // Names in the evidence are written as the session writes results:
    // w₁ at the Unicode prompt, w1 after :format ascii.
    s.execute("C = (w1 x1 - y)^2");
    const std::string unicode_text = s.execute("∂C/∂w1 == 2x1(w1 x1 - y) + 1").to_text(style::unicode);
    CHECK(unicode_text.find("w₁ = ") != std::string::npos);
    CHECK(unicode_text.find("(f(w₁ + h) − f(w₁))/h for f = C") != std::string::npos);
    s.execute(":format ascii");
    const std::string ascii_text = s.execute("∂C/∂w1 == 2x1(w1 x1 - y) + 1").to_text(style::ascii);
    CHECK(ascii_text.find("w1 = ") != std::string::npos);
    CHECK(ascii_text.find("(f(w1 + h) - f(w1))/h for f = C") != std::string::npos);
    s.execute(":format unicode");
    // A function named f is shown by its value: "for f = f" would say nothing.
    s.execute("f = x³ sin x");
    const std::string named_f = s.execute("d/dx f == 3x² sin x - x³ cos x").to_text(style::unicode);
    CHECK(named_f.find("for f = x³sin(x):") != std::string::npos);

    const auto right = s.execute("∂z/∂y == 2x²");
    CHECK(right.holds == true);
    CHECK(right.to_text(style::unicode) == "true");

    const auto sampled = s.execute("log(e^x + 1) == x + log(1 + e^(−x))");
    CHECK(sampled.holds == true);
    CHECK(sampled.to_text(style::unicode) ==
          "true: equal at 24 random points (not proven: the difference does not simplify to 0)");

    const auto undecided = s.execute("g(x) == x");
    CHECK(!undecided.holds.has_value());
    CHECK(undecided.to_text(style::unicode).rfind("undecided: ", 0) == 0);
    // A check changes nothing: z is still there.
    CHECK(*s.variable("z") == 2 * pow(x, 2) * y);
}

TEST_CASE("check before an equality asks the same and takes = for ==", "[check][session]") {
    session s;
    s.execute("f = (x1 w1 + x2 w2) w3");
    s.execute("C = ½(f − y)²");
    // By the chain rule: ∂C/∂w₁ = (f − y)·∂f/∂w₁ = (f − y)·x₁w₃.
    const auto right = s.execute("check ∂C/∂w1 == (f − y) x1 w3");
    CHECK(right.kind == result_kind::check);
    CHECK(right.holds == true);
    CHECK(s.execute("check ∂C/∂w1 = (f − y) x1 w3").holds == true);
    // The factor w₃ forgotten: false, with the derivative nabla took.
    const auto wrong = s.execute("check ∂C/∂w1 = (f − y) x1");
    CHECK(wrong.holds == false);
    REQUIRE(wrong.elements.size() == 2);
    const expr w1 = symbol("w1"), w2 = symbol("w2"), w3 = symbol("w3"), x1 = symbol("x1"), x2 = symbol("x2");
    CHECK(wrong.elements[0] == ((x1 * w1 + x2 * w2) * w3 - symbol("y")) * x1 * w3);
    CHECK(wrong.to_text(style::unicode).find("(f(w₁ + h) − f(w₁))/h for f = C") != std::string::npos);
    // d/dx sin(x)² = 2sin(x)cos(x), which a table writes sin(2x): proved, not sampled.
    CHECK(s.execute("check d/dx sin(x)² = sin(2x)").to_text(style::unicode) == "true");
    CHECK(s.execute("check d/dx sin(x)cos(x) = cos(2x)").to_text(style::unicode) == "true");
    // A gradient checked entry by entry, as without the word.
    CHECK(s.execute("check ∇(x²y) == [2x y, x²]").holds == true);

    // The word is reserved: alone, assigned, called or inside an expression
    // it is an error that shows the form, and the session keeps its state.
    for (const char* bad : {"check", "check = 2", "2 check + 1"})
        CHECK_THROWS_WITH(s.execute(bad), Catch::Contains("'check' is a command"));
    CHECK_THROWS_WITH(s.execute("check(x, x)"), Catch::Contains("check lhs == rhs"));
    CHECK_THROWS_WITH(s.execute("check x + 1"), Catch::Contains("expected '==' after '1'"));
    CHECK(s.variable("C") != nullptr);
}

TEST_CASE("a gradient or Hessian is checked entry by entry against a written vector or matrix", "[check][session]") {
    session s;
    const expr w1 = symbol("w1"), w2 = symbol("w2"), x1 = symbol("x1"), x2 = symbol("x2");
    s.execute("C = (w1 x1 + w2 x2 − y)²");
    const expr residual = w1 * x1 + w2 * x2 - y;
    // The backpropagated gradient, written by hand: right.
    const statement_result right = s.execute("grad(C, w1, w2) == [2x₁(w₁x₁ + w₂x₂ − y), 2x₂(w₁x₁ + w₂x₂ − y)]");
    CHECK(right.kind == result_kind::check);
    CHECK(right.holds == true);
    // Wrong in the second entry only (x₁ for x₂): that entry and its sides
    // are shown, and its values at the point are recomputed here.
    const statement_result wrong = s.execute("grad(C, w1, w2) == [2x₁(w₁x₁ + w₂x₂ − y), 2x₁(w₁x₁ + w₂x₂ − y)]");
    CHECK(wrong.holds == false);
    CHECK(wrong.elements == std::vector<expr>{2 * x2 * residual, 2 * x1 * residual});
    const std::string text = wrong.to_text(style::ascii);
    CHECK(text.find("false: entry 2 (∂/∂w₂) differs: at ") == 0);  // named as the session writes names
    const auto point = compare_sides(2 * x2 * residual, 2 * x1 * residual);
    const double r = coordinate(point, "w1") * coordinate(point, "x1") + coordinate(point, "w2") * coordinate(point, "x2") -
                     coordinate(point, "y");
    CHECK(text.find(fmt::format("the left side is {:.6g} and the right side {:.6g}", 2 * coordinate(point, "x2") * r,
                                2 * coordinate(point, "x1") * r)) != std::string::npos);
    // A one-entry gradient compares with a plain expression.
    CHECK(s.execute("grad(C, w1) == 2x1(w1 x1 + w2 x2 − y)").holds == true);
    // ∇ of a defined function, and a Hessian against a matrix.
    s.execute("f(x, y) = x²y");
    CHECK(s.execute("∇f == [2x y, x²]").holds == true);
    CHECK(s.execute("hessian(f) == [[2y, 2x], [2x, 0]]").holds == true);
    // What the REPL prints for a vector or matrix reads back as one, in both styles.
    for (const char* statement : {"∇f", "hessian(f)", "grad(C, w1, w2)", "jacobian(x y, x + y², x, y)"})
        for (const style st : {style::unicode, style::ascii}) {
            const std::string printed = s.execute(statement).to_text(st);
            INFO(statement << " printed " << printed);
            CHECK(s.execute(std::string(statement) + " == " + printed).holds == true);
        }
    const statement_result h = s.execute("hessian(f) == [[2y, 2x], [2x, 1]]");
    CHECK(h.holds == false);
    CHECK(h.text.find("entry (2, 2) differs") == 0);
    CHECK(h.elements == std::vector<expr>{expr(0), expr(1)});
    // Shapes must agree; a vector does not stand inside an expression.
    CHECK_THROWS_WITH(s.execute("∇f == [1, 2, 3]"), Catch::Contains("the sides differ in shape: a vector of 2 and a vector of 3"));
    CHECK_THROWS_WITH(s.execute("∇f == x"), Catch::Contains("the left side is a vector of 2"));
    CHECK_THROWS_WITH(s.execute("[x, y] + 1"), Catch::Contains("a vector [a, b, …] stands alone or on a side of '=='"));
    CHECK_THROWS_WITH(s.execute("[[1, 2], [3]]"), Catch::Contains("this row has 1 entry and the first 2"));
    // Written alone, a vector is its entries, read and evaluated.
    const statement_result v = s.execute("[x², 2y] at x = 3, y = 1/2");
    CHECK(v.kind == result_kind::vector);
    CHECK(v.elements == std::vector<expr>{expr(9), expr(1)});
    CHECK(s.execute("[[1, x], [x, 1]]").rows == std::vector<std::vector<expr>>{{expr(1), x}, {x, expr(1)}});
}
