// to_dot: Graphviz pictures of the DAG, deterministic and iterative.

#include <nabla/dot.hpp>
#include <nabla/expr.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>

using namespace nabla;

namespace {

std::size_t count_lines_with(const std::string& text, const std::string& part) {
    std::istringstream in(text);
    std::size_t k = 0;
    for (std::string line; std::getline(in, line);) k += line.find(part) != std::string::npos;
    return k;
}

}  // namespace

TEST_CASE("dot output of a small expression", "[print][dot]") {
    const expr x = symbol("x");
    CHECK(to_dot(sin(pow(x, 2))) ==
          "digraph \"expr\" {\n"
          "  node [fontname=\"Helvetica\"];\n"
          "  n0 [label=\"x\", shape=box];\n"
          "  n1 [label=\"2\", shape=box];\n"
          "  n2 [label=\"^\", shape=ellipse];\n"
          "  n2 -> n0 [label=\"base\"];\n"
          "  n2 -> n1 [label=\"exponent\"];\n"
          "  n3 [label=\"sin\", shape=ellipse];\n"
          "  n3 -> n2;\n"
          "}\n");
}

TEST_CASE("dot draws a shared subexpression once", "[print][dot]") {
    const expr x = symbol("x");
    const expr t = x + 1;
    const expr e = sin(t) * cos(t);
    const std::string dot = to_dot(e);
    // One DOT node per distinct node of the DAG.
    CHECK(count_lines_with(dot, "shape=") == node_count(e));
    CHECK(count_lines_with(dot, "label=\"+\"") == 1);
    // x + 1 has two parents (sin and cos): find its name and count edges into it.
    const std::size_t at = dot.find("label=\"+\"");
    const std::size_t start = dot.rfind("  n", at) + 2;
    const std::string name = dot.substr(start, dot.find(' ', start) - start);
    CHECK(count_lines_with(dot, "-> " + name + ";") == 2);
}

TEST_CASE("dot output does not depend on construction order or runs", "[print][dot]") {
    const expr x = symbol("x"), y = symbol("y");
    const expr a = exp(x * y) + pow(y, 3) - atan2(y, x);
    const expr b = -atan2(y, x) + pow(y, 3) + exp(y * x);
    CHECK(to_dot(a) == to_dot(b));
    CHECK(to_dot(a).find("[label=\"1\"]") != std::string::npos);  // atan2's first argument
}

TEST_CASE("dot labels are escaped and follow the label style", "[print][dot]") {
    const expr x = symbol("w1");
    dot_options latex;
    latex.label_style = style::latex;
    latex.graph_name = "my \"graph\"";
    const std::string dot = to_dot(pi() * x, latex);
    CHECK(dot.starts_with("digraph \"my \\\"graph\\\"\" {\n"));
    CHECK(dot.find("[label=\"\\\\pi\", shape=box]") != std::string::npos);
    CHECK(dot.find("[label=\"w_{1}\", shape=box]") != std::string::npos);
    CHECK(to_dot(x).find("[label=\"w₁\", shape=box]") != std::string::npos);
    CHECK(to_dot(call_derivative("f", {x}, {0})).find("[label=\"f′\", shape=ellipse]") != std::string::npos);
}

TEST_CASE("dot handles a million-deep chain", "[print][dot][deep]") {
    const std::size_t depth = 1000000;
    expr e = symbol("x");
    for (std::size_t i = 0; i < depth; ++i) e = sin(e);
    const std::string dot = to_dot(e);
    CHECK(std::count(dot.begin(), dot.end(), '\n') == static_cast<std::ptrdiff_t>(2 + (depth + 1) + depth + 1));
    CHECK(dot.ends_with("  n1000000 -> n999999;\n}\n"));
}
