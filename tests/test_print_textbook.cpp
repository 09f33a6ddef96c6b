// The textbook outputs required by issue 4 (item 5), built by hand with the
// expression API: they are the golden printed forms of the derivatives.

#include <nabla/expr.hpp>
#include <nabla/print.hpp>

#include <catch2/catch.hpp>

using namespace nabla;

TEST_CASE("textbook forms of the required derivatives", "[print][textbook]") {
    const expr x = symbol("x"), y = symbol("y"), n = symbol("n");

    // ∂/∂x 2x²y
    CHECK(to_string(4 * x * y) == "4xy");
    // ∂/∂y 2x²y
    CHECK(to_string(2 * pow(x, 2)) == "2x²");
    // d/dx xⁿ: never n·xⁿ/x
    CHECK(to_string(n * pow(x, n - 1)) == "n·xⁿ⁻¹");
    // d/dx sin(x)²
    CHECK(to_string(2 * sin(x) * cos(x)) == "2sin(x)cos(x)");
    // d/dx x^x
    CHECK(to_string(pow(x, x) * (log(x) + 1)) == "x^x(log(x) + 1)");
    // d/dx e^(−x²/2)
    CHECK(to_string(-x * exp(-pow(x, 2) / 2)) == "−x·e^(−x²/2)");
    // d/dx 1/(1 + e^(−x))
    CHECK(to_string(exp(-x) / pow(1 + exp(-x), 2)) == "e^(−x)/(1 + e^(−x))²");
    // d/dx tan(x)
    CHECK(to_string(1 / pow(cos(x), 2)) == "1/cos(x)²");
}

TEST_CASE("textbook forms do not depend on construction order", "[print][textbook]") {
    const expr x = symbol("x"), y = symbol("y"), n = symbol("n");
    CHECK(to_string(y * x * 4) == "4xy");
    CHECK(to_string(cos(x) * sin(x) * 2) == "2sin(x)cos(x)");
    CHECK(to_string((1 + log(x)) * pow(x, x)) == "x^x(log(x) + 1)");
    CHECK(to_string(pow(x, n + (-1)) * n) == "n·xⁿ⁻¹");
    CHECK(to_string(exp(-x) * pow(exp(-x) + 1, -2)) == "e^(−x)/(1 + e^(−x))²");
}
