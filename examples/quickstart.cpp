// A program that links nabla: build an expression, differentiate it, print
// it in every style, evaluate it, and read one from text.
//
//   build/examples/example_quickstart

#include <nabla/nabla.hpp>

#include <fmt/core.h>

int main() {
    using namespace nabla;
    const expr x = symbol("x"), y = symbol("y");

    const expr z = 2 * pow(x, 2) * y;
    fmt::print("z = {}\n", z);                     // z = 2x²y
    fmt::print("∂z/∂x = {}\n", diff(z, x));        // ∂z/∂x = 4xy
    fmt::print("ascii: {:a}   latex: {:l}\n", z, z);

    // The toy network of the brief: f = (x₁w₁ + x₂w₂)w₃, cost C = (f − t)².
    const expr x1 = symbol("x1"), x2 = symbol("x2"), w1 = symbol("w1"), w2 = symbol("w2"),
               w3 = symbol("w3"), t = symbol("t");
    const expr cost = pow((x1 * w1 + x2 * w2) * w3 - t, 2);
    fmt::print("∂C/∂w₁ = {}\n", diff(cost, w1));
    const bindings point{{"x1", 1.0}, {"x2", 2.0}, {"w1", 0.5}, {"w2", -0.25}, {"w3", 2.0}, {"t", 1.0}};
    fmt::print("at the point: C = {}, ∂C/∂w₁ = {}\n", evaluate(cost, point), evaluate(diff(cost, w1), point));

    // Text in, the same nodes out.
    const expr parsed = parse("2x²y");
    fmt::print("parse(\"2x²y\") is z: {}\n", parsed == z);

    try {
        (void)evaluate(log(x), {{"x", -1.0}});
    } catch (const domain_error& e) {
        fmt::print("error: {}\n", e.what());
    }
}
