// Printing goldens for every style, the fmt formatter, operand order, and
// printing of very deep expressions without recursion.

#include <nabla/expr.hpp>
#include <nabla/format.hpp>
#include <nabla/parse.hpp>
#include <nabla/print.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace nabla;

namespace {

struct golden {
    expr e;
    const char* unicode;
    const char* ascii;
    const char* latex;
};

void check_goldens(const std::vector<golden>& table) {
    for (const golden& g : table) {
        INFO("ascii golden: " << g.ascii);
        CHECK(to_string(g.e, style::unicode) == g.unicode);
        CHECK(to_string(g.e, style::ascii) == g.ascii);
        CHECK(to_string(g.e, style::latex) == g.latex);
    }
}

}  // namespace

static std::vector<golden> sum_goldens() {
    const expr x = symbol("x"), y = symbol("y"), z = symbol("z");
    return {
        {2 * pow(x, 2) + 3 * y, "2x² + 3y", "2*x^2 + 3*y", "2 x^{2} + 3 y"},
        {1 - 2 * x + pow(x, 2), "x² − 2x + 1", "x^2 - 2*x + 1", "x^{2} - 2 x + 1"},
        {1 + pow(x, 2) + exp(x), "e^x + x² + 1", "exp(x) + x^2 + 1", "e^{x} + x^{2} + 1"},
        {exp(-x) + 1, "1 + e^(−x)", "1 + exp(-x)", "1 + e^{-x}"},
        {1 + log(x), "log(x) + 1", "log(x) + 1", "\\log\\left(x\\right) + 1"},
        {x - x * log(x), "x − x·log(x)", "x - x*log(x)", "x - x \\log\\left(x\\right)"},
        // a sum opens with a positive term, except a longer polynomial in one variable
        {y - pow(x, 2), "y − x²", "y - x^2", "y - x^{2}"},
        {1 - pow(x, 2), "1 − x²", "1 - x^2", "1 - x^{2}"},
        {1 - x - y, "1 − x − y", "1 - x - y", "1 - x - y"},
        {-pow(x, 3) + 2 * pow(x, 2) - 1, "−x³ + 2x² − 1", "-x^3 + 2*x^2 - 1", "-x^{3} + 2 x^{2} - 1"},
        {cos(x) - x * sin(x), "cos(x) − x·sin(x)", "cos(x) - x*sin(x)",
         "\\cos\\left(x\\right) - x \\sin\\left(x\\right)"},
        {1 + sin(x) + cos(x), "cos(x) + sin(x) + 1", "cos(x) + sin(x) + 1",
         "\\cos\\left(x\\right) + \\sin\\left(x\\right) + 1"},
        {1 + z + y + x + x * y * z, "xyz + x + y + z + 1", "x*y*z + x + y + z + 1", "x y z + x + y + z + 1"},
        {3 * x * z + 2 * x * y, "2xy + 3xz", "2*x*y + 3*x*z", "2 x y + 3 x z"},
        {x * pow(y, 2) + pow(x, 2) * y, "x²y + xy²", "x^2*y + x*y^2", "x^{2} y + x y^{2}"},
        {pow(y, 2) + pow(x, 2), "x² + y²", "x^2 + y^2", "x^{2} + y^{2}"},
        {x + 2 * y, "x + 2y", "x + 2*y", "x + 2 y"},
        {real(-0.1) + x, "x − 0.1", "x - 0.1", "x - 0.1"},
        {rational(-3, 4) - x, "−x − 3/4", "-x - 3/4", "-x - \\frac{3}{4}"},
    };
}

TEST_CASE("sums print in descending degree, numbers last", "[print][golden]") { check_goldens(sum_goldens()); }

// Juxtaposed letters never spell a word the parser reads otherwise: a
// function (abs, acos, ln), the keyword `at`, a Greek name (Pi), a call
// before '(', or a derivative (dx/delta).
static std::vector<golden> spelling_goldens() {
    const expr x = symbol("x"), y = symbol("y"), a = symbol("a"), b = symbol("b"), c = symbol("c"),
               l = symbol("l"), n = symbol("n"), o = symbol("o"), s = symbol("s"), t = symbol("t"),
               x2 = symbol("x2");
    return {
        {2 * a * b * pow(s, 2) * x * y, "2ab·s²xy", "2*a*b*s^2*x*y", "2 a b s^{2} x y"},
        {a * c * o * s, "aco·s", "a*c*o*s", "a c o s"},
        // cosx would read as cos(x), lnx as ln(x)
        {c * o * s * x, "co·sx", "c*o*s*x", "c o s x"},
        {c * o * s * t, "co·st", "c*o*s*t", "c o s t"},
        {l * n * x, "l·nx", "l*n*x", "l n x"},
        {a * b * s * x, "ab·sx", "a*b*s*x", "a b s x"},
        {l * n, "l·n", "l*n", "l n"},
        {a * t, "a·t", "a*t", "a t"},
        {symbol("P") * symbol("i"), "P·i", "P*i", "P i"},
        {symbol("P") * symbol("h") * symbol("i"), "Ph·i", "P*h*i", "P h i"},
        {a * b * s * (x + 1), "ab·s(x + 1)", "a*b*s*(x + 1)", "a b s \\left(x + 1\\right)"},
        {a * b * x2 * (x + 1), "abx₂·(x + 1)", "a*b*x2*(x + 1)", "a b x_{2} \\left(x + 1\\right)"},
        {a * b * (x + 1), "ab(x + 1)", "a*b*(x + 1)", "a b \\left(x + 1\\right)"},
        // a function letter in an exponent or under a root would call
        {pow(x, symbol("G2")) * (x + y), "x^G₂·(x + y)", "x^G2*(x + y)", "x^{G_{2}} \\left(x + y\\right)"},
        {sqrt(symbol("g")) * (x + y), "√g·(x + y)", "sqrt(g)*(x + y)", "\\sqrt{g} \\left(x + y\\right)"},
        {pow(x, x) * (x + y), "x^x(x + y)", "x^x*(x + y)", "x^{x} \\left(x + y\\right)"},
        // 13e1_x would read as the number 13e1
        {13 * symbol("e1_x"), "13·e1_x", "13*e1_x", "13 \\mathrm{e1_x}"},
        {2 * symbol("e1"), "2e₁", "2*e1", "2 e_{1}"},
        // dx/delta would read as a derivative
        {symbol("d") * x / symbol("delta"), "dx/(delta)", "d*x/(delta)", "\\frac{d x}{\\delta}"},
        {symbol("d") / pow(symbol("delta"), 2), "d/(delta²)", "d/(delta^2)", "\\frac{d}{\\delta^{2}}"},
        {symbol("d") * x / call("dxd", {x, y}), "dx/(dxd(x, y))", "d*x/(dxd(x, y))",
         "\\frac{d x}{\\operatorname{dxd}\\left(x, y\\right)}"},
    };
}

TEST_CASE("juxtaposed letters do not spell a function, a keyword or a call", "[print][golden]") {
    check_goldens(spelling_goldens());
    for (const golden& g : spelling_goldens()) CHECK(parse(g.unicode) == g.e);
    // Past 32 letters the parser reads a run as one name, so the printer breaks it.
    expr letters = 1;
    for (const char* l : {"a", "b", "c", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w",
                          "x", "y", "z", "A", "B", "C", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P"})
        letters = letters * symbol(l);
    const std::string text = to_string(letters);
    CHECK(text == "ABCEFGHIJKLMNOPabcijklmnopqrstuv·wxyz");  // 32 letters, then ·
    CHECK(parse(text) == letters);
}

static std::vector<golden> product_goldens() {
    const expr x = symbol("x"), y = symbol("y"), z = symbol("z");
    return {
        {y * x * 4, "4xy", "4*x*y", "4 x y"},
        {-x, "−x", "-x", "-x"},
        {-pow(x, 2), "−x²", "-x^2", "-x^{2}"},
        {pow(y, 2) * x, "xy²", "x*y^2", "x y^{2}"},
        {cos(x) * sin(x) * 2, "2sin(x)cos(x)", "2*sin(x)*cos(x)",
         "2 \\sin\\left(x\\right) \\cos\\left(x\\right)"},
        {sin(x) * x, "x·sin(x)", "x*sin(x)", "x \\sin\\left(x\\right)"},
        {2 * pi() * x, "2πx", "2*pi*x", "2 \\pi x"},
        {sqrt(expr(2)) * x, "√2·x", "sqrt(2)*x", "\\sqrt{2} x"},
        {2 * pow(3, x), "2·3^x", "2*3^x", "2 \\cdot 3^{x}"},
        {x * pow(2, x), "x·2^x", "x*2^x", "x \\cdot 2^{x}"},
        {real(2.5) * x, "2.5x", "2.5*x", "2.5 x"},
        {real(1e-300) * x, "1e-300·x", "1e-300*x", "1 \\cdot 10^{-300} x"},
        {abs(x) * abs(y), "|x|·|y|", "abs(x)*abs(y)", "\\left|x\\right| \\left|y\\right|"},
        {2 * abs(x), "2|x|", "2*abs(x)", "2 \\left|x\\right|"},
        // Inside bars, juxtaposed |x| would read as the closing bar.
        {abs(2 * abs(x) + y), "|2·|x| + y|", "abs(2*abs(x) + y)",
         "\\left|2 \\left|x\\right| + y\\right|"},
        {abs(y * abs(x)), "|y·|x||", "abs(y*abs(x))", "\\left|y \\left|x\\right|\\right|"},
        {x * sqrt(y), "x√y", "x*sqrt(y)", "x \\sqrt{y}"},
        {sqrt(x) * y, "√x·y", "sqrt(x)*y", "\\sqrt{x} y"},
        {erf(x) * sign(x), "erf(x)sign(x)", "erf(x)*sign(x)",
         "\\operatorname{erf}\\left(x\\right) \\operatorname{sign}\\left(x\\right)"},
        {(x + 1) * (y + 1) * z, "z(x + 1)(y + 1)", "z*(x + 1)*(y + 1)",
         "z \\left(x + 1\\right) \\left(y + 1\\right)"},
        {x * exp(rational(-2, 1)), "xe⁻²", "x*exp(-2)", "x e^{-2}"},
    };
}

TEST_CASE("products: coefficient first, symbols, functions, powers, sums", "[print][golden]") { check_goldens(product_goldens()); }

static std::vector<golden> fraction_goldens() {
    const expr x = symbol("x"), y = symbol("y"), z = symbol("z"), n = symbol("n");
    return {
        {1 / x, "1/x", "1/x", "\\frac{1}{x}"},
        {-1 / x, "−1/x", "-1/x", "-\\frac{1}{x}"},
        {3 / (4 * x), "3/(4x)", "3/(4*x)", "\\frac{3}{4 x}"},
        {x / 2, "x/2", "x/2", "\\frac{x}{2}"},
        {-pow(x, 2) / 2, "−x²/2", "-x^2/2", "-\\frac{x^{2}}{2}"},
        {x * y / z, "xy/z", "x*y/z", "\\frac{x y}{z}"},
        {x / (y * z), "x/(yz)", "x/(y*z)", "\\frac{x}{y z}"},
        {1 / (exp(x) + 1), "1/(e^x + 1)", "1/(exp(x) + 1)", "\\frac{1}{e^{x} + 1}"},
        {pow(x, -n), "1/xⁿ", "1/x^n", "\\frac{1}{x^{n}}"},
        {pow(x, rational(-1, 2)), "1/√x", "1/sqrt(x)", "\\frac{1}{\\sqrt{x}}"},
        {pow(x, rational(-3, 2)), "1/x^(3/2)", "1/x^(3/2)", "\\frac{1}{x^{\\frac{3}{2}}}"},
        {rational(3, 4), "3/4", "3/4", "\\frac{3}{4}"},
        {rational(-3, 4), "−3/4", "-3/4", "-\\frac{3}{4}"},
        {exp(-x) / pow(1 + exp(-x), 2), "e^(−x)/(1 + e^(−x))²", "exp(-x)/(1 + exp(-x))^2",
         "\\frac{e^{-x}}{\\left(1 + e^{-x}\\right)^{2}}"},
    };
}

TEST_CASE("fractions: negative exponents go to a denominator", "[print][golden]") { check_goldens(fraction_goldens()); }

static std::vector<golden> power_goldens() {
    const expr x = symbol("x"), y = symbol("y"), n = symbol("n"), k = symbol("k");
    return {
        {pow(x, 10), "x¹⁰", "x^10", "x^{10}"},
        {pow(x, n), "xⁿ", "x^n", "x^{n}"},
        {n * pow(x, n - 1), "n·xⁿ⁻¹", "n*x^(n - 1)", "n x^{n - 1}"},
        {pow(x, k + 1), "xᵏ⁺¹", "x^(k + 1)", "x^{k + 1}"},
        {pow(x, 2 * n), "x^(2n)", "x^(2*n)", "x^{2 n}"},
        {pow(x, x), "x^x", "x^x", "x^{x}"},
        {pow(x, y + 1), "x^(y + 1)", "x^(y + 1)", "x^{y + 1}"},
        {pow(x, pow(y, 2)), "x^(y²)", "x^(y^2)", "x^{y^{2}}"},
        {pow(x, rational(3, 2)), "x^(3/2)", "x^(3/2)", "x^{\\frac{3}{2}}"},
        {pow(x, real(2.5)), "x^2.5", "x^2.5", "x^{2.5}"},
        {sqrt(x), "√x", "sqrt(x)", "\\sqrt{x}"},
        {sqrt(x + 1), "√(x + 1)", "sqrt(x + 1)", "\\sqrt{x + 1}"},
        {2 * sqrt(expr(2)), "2√2", "2*sqrt(2)", "2 \\sqrt{2}"},
        {pow(sin(x), 2), "sin(x)²", "sin(x)^2", "\\sin\\left(x\\right)^{2}"},
        {pow(sin(x), x), "sin(x)^x", "sin(x)^x", "\\sin\\left(x\\right)^{x}"},
        {pow(x + 1, x), "(x + 1)^x", "(x + 1)^x", "\\left(x + 1\\right)^{x}"},
        {pow(expr(-2), x), "(−2)^x", "(-2)^x", "\\left(-2\\right)^{x}"},
        {pow(rational(1, 2), x), "(1/2)^x", "(1/2)^x", "\\left(\\frac{1}{2}\\right)^{x}"},
        {exp(expr(2)), "e²", "exp(2)", "e^{2}"},
        {exp(n), "eⁿ", "exp(n)", "e^{n}"},
        {exp(-n), "e⁻ⁿ", "exp(-n)", "e^{-n}"},
        {exp(x), "e^x", "exp(x)", "e^{x}"},
        {exp(-pow(x, 2) / 2), "e^(−x²/2)", "exp(-x^2/2)", "e^{-\\frac{x^{2}}{2}}"},
    };
}

TEST_CASE("powers: superscripts, carets, roots", "[print][golden]") { check_goldens(power_goldens()); }

static std::vector<golden> atom_goldens() {
    const expr x = symbol("x"), y = symbol("y");
    return {
        {expr(0), "0", "0", "0"},
        {integer("-123456789012345678901234567890"), "−123456789012345678901234567890",
         "-123456789012345678901234567890", "-123456789012345678901234567890"},
        {real(0.1), "0.1", "0.1", "0.1"},
        {real(2.0), "2.0", "2.0", "2.0"},
        {pi(), "π", "pi", "\\pi"},
        {e(), "e", "e", "e"},
        {symbol("w1") * symbol("w2"), "w₁w₂", "w1*w2", "w_{1} w_{2}"},
        {pow(symbol("x12"), 2), "x₁₂²", "x12^2", "x_{12}^{2}"},
        {symbol("alpha") * x, "alpha·x", "alpha*x", "\\alpha x"},
        {symbol("θ"), "θ", "θ", "\\theta"},
        {symbol("rate"), "rate", "rate", "\\mathrm{rate}"},
        {abs(x), "|x|", "abs(x)", "\\left|x\\right|"},
        {atan2(y, x), "atan2(y, x)", "atan2(y, x)", "\\operatorname{atan2}\\left(y, x\\right)"},
        {asin(x), "asin(x)", "asin(x)", "\\arcsin\\left(x\\right)"},
        {sin(-x), "−sin(x)", "-sin(x)", "-\\sin\\left(x\\right)"},
        {cos(x + 1), "cos(x + 1)", "cos(x + 1)", "\\cos\\left(x + 1\\right)"},
        {call("f", {x}), "f(x)", "f(x)", "f\\left(x\\right)"},
        {call("f", {x, y}), "f(x, y)", "f(x, y)", "f\\left(x, y\\right)"},
        {call("g", {}), "g()", "g()", "g\\left(\\right)"},  // no arguments: nothing to print inside
        {call("phi", {x}), "phi(x)", "phi(x)", "\\operatorname{phi}\\left(x\\right)"},
        {call_derivative("f", {x}, {0}), "f′(x)", "f'(x)", "f'\\left(x\\right)"},
        {call_derivative("f", {x}, {0, 0}), "f″(x)", "f''(x)", "f''\\left(x\\right)"},
        {call_derivative("f", {x}, {0, 0, 0}), "f‴(x)", "f'''(x)", "f'''\\left(x\\right)"},
        {call_derivative("f", {x}, {0, 0, 0, 0}), "f′′′′(x)", "D[1,1,1,1](f)(x)", "f^{(4)}\\left(x\\right)"},
        {call_derivative("f", {x, y}, {0}), "∂₁f(x, y)", "D[1](f)(x, y)", "\\partial_{1} f\\left(x, y\\right)"},
        {call_derivative("f", {x, y}, {0, 1}), "∂₁∂₂f(x, y)", "D[1,2](f)(x, y)",
         "\\partial_{1} \\partial_{2} f\\left(x, y\\right)"},
        {x * call("f", {x}), "x·f(x)", "x*f(x)", "x f\\left(x\\right)"},
        // The chain rule's order: the outer derivative first, f′(g(x))·g′(x).
        {cos(x) * call_derivative("f", {sin(x)}, {0}), "f′(sin(x))cos(x)", "f'(sin(x))*cos(x)",
         "f'\\left(\\sin\\left(x\\right)\\right) \\cos\\left(x\\right)"},
        {exp(x) * call("g", {x}), "g(x)·e^x", "g(x)*exp(x)", "g\\left(x\\right) e^{x}"},
    };
}

TEST_CASE("atoms, functions and user functions", "[print][golden]") { check_goldens(atom_goldens()); }

TEST_CASE("every ASCII golden parses back to the same expression", "[print][golden][roundtrip]") {
    parse_options whole_names;
    whole_names.split_names = false;  // `rate` is one symbol, not r·a·t·e
    for (auto table : {sum_goldens, product_goldens, fraction_goldens, power_goldens, atom_goldens}) {
        for (const golden& g : table()) {
            INFO("ascii: " << g.ascii);
            CHECK(parse(g.ascii, whole_names) == g.e);
        }
    }
}

TEST_CASE("every Unicode golden parses back to the same expression", "[print][golden][roundtrip]") {
    // Not required of the Unicode style, but the grammar reads the way people
    // write, so the textbook form should read back.
    for (auto table : {sum_goldens, product_goldens, fraction_goldens, power_goldens, atom_goldens}) {
        for (const golden& g : table()) {
            INFO("unicode: " << g.unicode);
            // A multi-letter Latin name reads back as a product (r·a·t·e).
            if (std::string_view(g.unicode) == "rate") continue;
            CHECK(parse(g.unicode) == g.e);
        }
    }
}

TEST_CASE("operand order does not depend on how an expression was built", "[print][order]") {
    const expr x = symbol("x"), y = symbol("y"), z = symbol("z");
    std::vector<expr> terms{pow(x, 3), -2 * pow(x, 2) * y, 5 * y, exp(-x), log(x), sin(z), rational(7, 2), x * y * z};
    const std::string expected = to_string(add(terms));
    CHECK(expected == "x³ − 2x²y + xyz + 5y + log(x) + sin(z) + 7/2 + e^(−x)");
    std::mt19937 rng(42);
    for (int round = 0; round < 50; ++round) {
        std::shuffle(terms.begin(), terms.end(), rng);
        expr sum = 0;
        for (const expr& t : terms) sum = sum + t;
        CHECK(to_string(sum) == expected);
    }
}

TEST_CASE("fmt formatter chooses the style from the format spec", "[print][fmt]") {
    const expr x = symbol("x"), y = symbol("y");
    const expr e = 4 * x * y + 1 / x;
    CHECK(fmt::format("{}", e) == "4xy + 1/x");
    CHECK(fmt::format("{:u}", e) == "4xy + 1/x");
    CHECK(fmt::format("{:a}", e) == "4*x*y + 1/x");
    CHECK(fmt::format("{:l}", e) == "4 x y + \\frac{1}{x}");
    CHECK(fmt::format("[{}] [{:a}]", sqrt(x), sqrt(x)) == "[√x] [sqrt(x)]");
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:q}"), e), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:aa}"), e), fmt::format_error);
}

TEST_CASE("operator<< writes the Unicode form", "[print][stream]") {
    std::ostringstream out;
    out << 2 * pow(symbol("x"), 2) << " | " << -symbol("y");
    CHECK(out.str() == "2x² | −y");
}

TEST_CASE("a million nested functions print without stack overflow", "[print][deep]") {
    const std::size_t depth = 1000000;
    const expr x = symbol("x");
    expr e = x;
    for (std::size_t i = 0; i < depth; ++i) e = sin(e);
    const std::string text = to_string(e);
    std::string expected;
    expected.reserve(depth * 5 + 1);
    for (std::size_t i = 0; i < depth; ++i) expected += "sin(";
    expected += "x";
    expected.append(depth, ')');
    CHECK(text == expected);
    CHECK(to_string(e, style::ascii) == text);
}

TEST_CASE("a million nested sums and products print without stack overflow", "[print][deep]") {
    // x(x(x(…) + 1) + 1) + 1: alternating sums and products, each sorted;
    // two nodes per level, so a million nested nodes.
    const std::size_t depth = 500000;
    const expr x = symbol("x");
    expr e = x;
    for (std::size_t i = 0; i < depth; ++i) e = x * e + 1;
    const std::string text = to_string(e, style::ascii);
    // Level 1 is x*x + 1 = x^2 + 1; level k is x*(level k−1) + 1.
    std::string expected;
    for (std::size_t i = 1; i < depth; ++i) expected += "x*(";
    expected += "x^2 + 1";
    for (std::size_t i = 1; i < depth; ++i) expected += ") + 1";
    CHECK(text == expected);
}
