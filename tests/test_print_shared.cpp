// to_string_shared: large shared subexpressions named once (`where t₁ = …`).

#include <nabla/expr.hpp>
#include <nabla/print.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace nabla;

TEST_CASE("a shared subexpression is written once and named", "[print][shared]") {
    const expr x = symbol("x");
    const expr t = pow(x, 2) + 2 * x + 1;
    const expr e = sin(t) * t + cos(t);
    CHECK(to_string_shared(e, style::unicode, 3) == "t₁·sin(t₁) + cos(t₁)\nwhere t₁ = x² + 2x + 1");
    CHECK(to_string_shared(e, style::ascii, 3) == "t1*sin(t1) + cos(t1)\nwhere t1 = x^2 + 2*x + 1");
    CHECK(to_string_shared(e, style::latex, 3) ==
          "t_{1} \\sin\\left(t_{1}\\right) + \\cos\\left(t_{1}\\right)\nwhere t_{1} = x^{2} + 2 x + 1");
}

TEST_CASE("subexpressions below the size threshold are not named", "[print][shared]") {
    const expr x = symbol("x");
    const expr t = pow(x, 2) + 2 * x + 1;  // 8 nodes as a tree: +, 1, ·, 2, x, ^, x, 2
    const expr e = sin(t) * t + cos(t);
    CHECK(to_string_shared(e, style::unicode, 9) == to_string(e));
    CHECK(to_string_shared(e, style::unicode, 8) == "t₁·sin(t₁) + cos(t₁)\nwhere t₁ = x² + 2x + 1");
    // Nothing shared at all: the plain form.
    const expr plain = sin(x) + pow(x, 3);
    CHECK(to_string_shared(plain, style::unicode, 1) == to_string(plain));
}

TEST_CASE("names are numbered so that definitions use only earlier names", "[print][shared]") {
    const expr x = symbol("x"), y = symbol("y");
    const expr t = x + y;
    const expr u = sin(t) + cos(t);  // uses t twice
    const expr e = exp(u) * u;       // uses u twice
    CHECK(to_string_shared(e, style::ascii, 3) ==
          "t2*exp(t2)\n"
          "where t1 = x + y\n"
          "      t2 = cos(t1) + sin(t1)");
}

TEST_CASE("shared names avoid the expression's own symbols", "[print][shared]") {
    const expr x = symbol("x"), t1 = symbol("t1");
    const expr s = x + t1;
    const expr e = sin(s) + cos(s);
    CHECK(to_string_shared(e, style::ascii, 3) == "cos(u1) + sin(u1)\nwhere u1 = t1 + x");
}

TEST_CASE("a deep chain of shared subexpressions prints linearly", "[print][shared][deep]") {
    // e_k = cos(e_{k−1}) + sin(e_{k−1}): as a tree it has 2^k leaves.
    const std::size_t depth = 100000;
    const expr x = symbol("x");
    expr e = x;
    for (std::size_t i = 0; i < depth; ++i) e = sin(e) + cos(e);
    const std::string text = to_string_shared(e, style::ascii, 2);
    // e_1 … e_{depth−1} are named; the root is not.
    CHECK(std::count(text.begin(), text.end(), '\n') == static_cast<std::ptrdiff_t>(depth - 1));
    const std::string last = std::to_string(depth - 1);
    CHECK(text.starts_with("cos(t" + last + ") + sin(t" + last + ")\nwhere t1 = cos(x) + sin(x)\n      t2 = cos(t1) + sin(t1)\n"));
    const std::string tail = "t" + last + " = cos(t" + std::to_string(depth - 2) + ") + sin(t" + std::to_string(depth - 2) + ")";
    CHECK(text.ends_with(tail));
}
