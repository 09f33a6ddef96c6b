// The notation of issue 3: each form parses to the DAG built by hand with the
// expression API (== is node identity, so structure is compared exactly).

#include "grammar/lower.hpp"
#include "grammar/parser.hpp"

#include <nabla/diff.hpp>
#include <nabla/expr.hpp>
#include <nabla/parse.hpp>
#include <nabla/print.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace nabla;

namespace {

const expr x = symbol("x"), y = symbol("y"), z = symbol("z"), w = symbol("w"), n = symbol("n");

// Parses and, on a mismatch, shows what came out.
#define CHECK_PARSES(text, expected)                                 \
    do {                                                             \
        const expr got_ = parse(text);                               \
        INFO(text << "  parsed as  " << to_string(got_));           \
        CHECK(got_ == (expected));                                   \
    } while (0)

std::vector<std::string> notes_of(std::string_view text) {
    const ast::statement st = detail::parse_statement(text);
    const auto& e = boost::get<ast::expression_statement>(st.get());
    std::vector<detail::note> notes;
    detail::lower(e.value, text, detail::environment{}, &notes);
    std::vector<std::string> out;
    for (auto& nt : notes) out.push_back(nt.text);
    return out;
}

}  // namespace

TEST_CASE("operators and their precedence", "[parse]") {
    CHECK_PARSES("x + y*z", x + y * z);
    CHECK_PARSES("x - y", x - y);
    CHECK_PARSES("x − y", x - y);  // Unicode minus
    CHECK_PARSES("x·y", x * y);
    CHECK_PARSES("x × y", x * y);
    CHECK_PARSES("x ÷ y", x / y);
    CHECK_PARSES("x**2", pow(x, 2));
    CHECK_PARSES("x^2", pow(x, 2));
    CHECK_PARSES("[x + 1]*2", 2 * (x + 1));
    CHECK_PARSES("+x", x);
    CHECK_PARSES("-(x + y)", -(x + y));
    // Power is right-associative and binds tighter than unary minus.
    CHECK_PARSES("2^3^2", expr(512));
    CHECK_PARSES("x^y^z", pow(x, pow(y, z)));
    CHECK_PARSES("-x^2", -pow(x, 2));
    CHECK_PARSES("2^-1", rational(1, 2));
    CHECK_PARSES("x - y - z", x - y - z);
    CHECK_PARSES("x / y / z", x / (y * z));
}

TEST_CASE("a subtracted product is the negation of the product", "[parse]") {
    // Lowering folds the −1 into the product's factors; the node must be the
    // one negating the product gives.
    CHECK_PARSES("x - 86*w^4*z^5", x - 86 * pow(w, 4) * pow(z, 5));
    CHECK_PARSES("x - 2y", x - 2 * y);
    CHECK_PARSES("x - y/z", x - y / z);
    CHECK_PARSES("x - 2/(3y)", x - expr(2) / (3 * y));
    CHECK_PARSES("x - -y*z", x - (-(y * z)));
    CHECK_PARSES("x - -2*y", x + 2 * y);
    CHECK_PARSES("x - 0.5*y", x - real(0.5) * y);
    CHECK_PARSES("x - 0.0*y", x - real(0.0) * y);
    CHECK_PARSES("x - 0*y", x);
    CHECK_PARSES("x - y*x/y", expr(0));
    CHECK_PARSES("x - (x+1)*y", x - (x + 1) * y);
    CHECK_PARSES("x - sin(y)*cos(y) + z", x - sin(y) * cos(y) + z);
    CHECK_PARSES("x*y - x*y", expr(0));
    CHECK_PARSES("1 - 2*3", expr(-5));
}

TEST_CASE("superscripts", "[parse]") {
    CHECK_PARSES("x²", pow(x, 2));
    CHECK_PARSES("x⁻¹", 1 / x);
    CHECK_PARSES("x¹⁰", pow(x, 10));
    CHECK_PARSES("eˣ", exp(x));
    CHECK_PARSES("e^x", exp(x));
    CHECK_PARSES("n·xⁿ⁻¹", n * pow(x, n - 1));
    CHECK_PARSES("x⁽ⁿ⁺¹⁾", pow(x, n + 1));
    CHECK_PARSES("2x²y", 2 * pow(x, 2) * y);
    CHECK_PARSES("e^(−x²/2)", exp(-pow(x, 2) / 2));
}

TEST_CASE("roots and constants", "[parse]") {
    CHECK_PARSES("√x", sqrt(x));
    CHECK_PARSES("√(x+1)", sqrt(x + 1));
    CHECK_PARSES("sqrt(x)", sqrt(x));
    CHECK_PARSES("2√2", 2 * sqrt(expr(2)));
    CHECK_PARSES("∛x", pow(x, rational(1, 3)));
    CHECK_PARSES("pi", pi());
    CHECK_PARSES("π", pi());
    CHECK_PARSES("e", e());
    CHECK_PARSES("|x|", abs(x));
    CHECK_PARSES("2|x|", 2 * abs(x));
    // Inside bars, a '|' after an operand closes them.
    const expr a = symbol("a"), b = symbol("b"), c = symbol("c");
    CHECK_PARSES("|a|b|c|", abs(a) * b * abs(c));
    CHECK_PARSES("|x||y|", abs(x) * abs(y));
    CHECK_PARSES("|2·|x| + y|", abs(2 * abs(x) + y));
    CHECK_PARSES("|y·|x||", abs(y * abs(x)));
    CHECK_PARSES("||x|y|", abs(abs(x) * y));
    CHECK_PARSES("|(a|b|)|", abs(a * abs(b)));
    CHECK_PARSES("|sin(x|y|)|", abs(sin(x * abs(y))));
}

TEST_CASE("implicit multiplication", "[parse]") {
    CHECK_PARSES("2x", 2 * x);
    CHECK_PARSES("x y", x * y);
    CHECK_PARSES("3(x+1)", 3 * (x + 1));
    CHECK_PARSES("(x+1)(x−1)", (x + 1) * (x - 1));
    CHECK_PARSES("2 sin x", 2 * sin(x));
    CHECK_PARSES("x sin(y)", x * sin(y));
    CHECK_PARSES("x^x(log(x) + 1)", pow(x, x) * (log(x) + 1));
    CHECK_PARSES("x(y + 1)", x * (y + 1));
    // x/2y is (x/2)·y, as SymPy and Mathematica read it.
    CHECK_PARSES("x/2y", x / 2 * y);
    CHECK_PARSES("4xy", 4 * x * y);
    CHECK_PARSES("(x1 w1 + x2 w2) w3",
                 (symbol("x1") * symbol("w1") + symbol("x2") * symbol("w2")) * symbol("w3"));
}

TEST_CASE("function application", "[parse]") {
    CHECK_PARSES("sin(x)", sin(x));
    CHECK_PARSES("sin x", sin(x));
    CHECK_PARSES("sin 2x", sin(2 * x));
    CHECK_PARSES("sin x cos x", sin(x) * cos(x));
    CHECK_PARSES("sin x^2", sin(pow(x, 2)));
    CHECK_PARSES("sin x + 1", sin(x) + 1);
    CHECK_PARSES("log(x)", log(x));
    CHECK_PARSES("ln x", log(x));
    CHECK_PARSES("sin²x", pow(sin(x), 2));
    CHECK_PARSES("sin^2(x)", pow(sin(x), 2));
    CHECK_PARSES("sin(x)²", pow(sin(x), 2));
    CHECK_PARSES("sin⁻¹ x", asin(x));
    CHECK_PARSES("tan^-1(x)", atan(x));
    CHECK_PARSES("atan2(y, x)", atan2(y, x));
    CHECK_PARSES("exp(-x)", exp(-x));
    CHECK_PARSES("f(x, y)", call("f", {x, y}));
    CHECK_PARSES("f(x + 1)", call("f", {x + 1}));
}

TEST_CASE("textbook names of the inverse functions: arcsin, arctan, arsinh, arctanh", "[parse]") {
    CHECK_PARSES("arcsin(x)", asin(x));
    CHECK_PARSES("arccos x", acos(x));
    CHECK_PARSES("arctan 2x", atan(2 * x));
    CHECK_PARSES("arsinh x + arcsinh x", 2 * asinh(x));
    CHECK_PARSES("arcosh(x) + arccosh(x)", 2 * acosh(x));
    CHECK_PARSES("artanh x - arctanh x", expr(0));
    CHECK_PARSES("arctan²x", pow(atan(x), 2));
    CHECK_PARSES("arctanx", atan(x));
    CHECK_PARSES("ln x", log(x));
    CHECK(diff(parse("arctan(x)"), x) == 1 / (pow(x, 2) + 1));
}

TEST_CASE("sec, csc, cot and their hyperbolic kin are reciprocals, written as functions", "[parse]") {
    CHECK_PARSES("sec(x)", 1 / cos(x));
    CHECK_PARSES("csc x", 1 / sin(x));
    CHECK_PARSES("cot(2x)", 1 / tan(2 * x));
    CHECK_PARSES("sech x", 1 / cosh(x));
    CHECK_PARSES("csch(x)", 1 / sinh(x));
    CHECK_PARSES("coth x", 1 / tanh(x));
    CHECK_PARSES("sec²x", pow(cos(x), -2));
    CHECK_PARSES("secx", 1 / cos(x));
    CHECK_PARSES("2sec x tan x", 2 * tan(x) / cos(x));
    CHECK_PARSES("sec(0)", expr(1));
    CHECK(notes_of("sec(x)") == std::vector<std::string>{"sec(x) read as 1/cos(x)"});
    CHECK(notes_of("csc²x") == std::vector<std::string>{"csc²x read as (1/sin(x))²"});
    CHECK(notes_of("cot^2 x") == std::vector<std::string>{"cot^2 x read as (1/tan(x))^2"});
    CHECK(notes_of("sqrt(x)").empty());  // √x prints as written
    // The derivative a textbook gives: d/dx sec(x) = sec(x)tan(x) = sin(x)/cos(x)².
    CHECK(diff(parse("sec(x)"), x) == sin(x) / pow(cos(x), 2));
    CHECK(diff(parse("csc(x)"), x) == -cos(x) / pow(sin(x), 2));
}

TEST_CASE("a function's name run into one letter applies the function to it", "[parse]") {
    const expr t = symbol("t"), theta = symbol("θ"), x1 = symbol("x1");
    CHECK_PARSES("sinx", sin(x));
    CHECK_PARSES("2sinx", 2 * sin(x));
    CHECK_PARSES("cosθ", cos(theta));
    CHECK_PARSES("expx", exp(x));
    CHECK_PARSES("sqrtx", sqrt(x));
    CHECK_PARSES("sinhx", sinh(x));
    CHECK_PARSES("lnx", log(x));
    CHECK_PARSES("tanx1", tan(x1));
    CHECK_PARSES("cost", cos(t));
    // The power takes the nearest letter, as in sin x² and xy².
    CHECK_PARSES("sinx²", sin(pow(x, 2)));
    CHECK_PARSES("sinx^2 + 1", sin(pow(x, 2)) + 1);
    // Two letters after the name are a run of letters, as any unknown name.
    CHECK_PARSES("sinxy", symbol("s") * symbol("i") * symbol("n") * x * y);
    CHECK(notes_of("sinx") == std::vector<std::string>{"sinx read as sin(x)"});
    CHECK(notes_of("sinx²") == std::vector<std::string>{"sinx² read as sin(x²)"});
    CHECK(notes_of("cosθ^(2)") == std::vector<std::string>{"cosθ^(2) read as cos(θ^(2))"});
}

TEST_CASE("a long superscript after d is a power, unless it is a derivative's order", "[parse]") {
    // c^N·d^N·m prints c²⁵…d²⁵…m, which starts like d²ᴺm/dx²ᴺ until no '/' comes.
    const expr big = integer("25555555555550");
    const expr e = pow(symbol("c"), big) * pow(symbol("d"), big) * symbol("m");
    CHECK(parse(to_string(e)) == e);
    CHECK_THROWS_AS(parse("∂¹⁰⁰⁰⁰⁰¹z/∂x"), parse_error);
    CHECK_THROWS_AS(parse("d²⁰⁰⁰⁰⁰⁰⁰⁰⁰z/dx²⁰⁰⁰⁰⁰⁰⁰⁰⁰"), parse_error);
}

TEST_CASE("identifiers", "[parse]") {
    CHECK_PARSES("x1", symbol("x1"));
    CHECK_PARSES("x₁", symbol("x1"));
    CHECK_PARSES("x_1", symbol("x1"));
    CHECK_PARSES("x1 w1", symbol("x1") * symbol("w1"));
    CHECK_PARSES("α + β", symbol("α") + symbol("β"));
    CHECK_PARSES("theta", symbol("theta"));
    CHECK_PARSES("theta1", symbol("theta1"));
    CHECK_PARSES("theta_1", symbol("theta1"));
    CHECK_PARSES("alpha_2 x", symbol("alpha2") * x);
    CHECK(parse("W0_1").name() == "W01");
    CHECK(symbol("w4_4_29").name() == "w4429");
    CHECK(parse("w4_4_29") == symbol("w4429"));
    CHECK(parse("my_var").name() == "my_var");
    // The parser splits the name as the symbol spells it: qe12w4_29 is qe12w429 = q·e12·w429.
    CHECK_PARSES("qe12w4_29", symbol("q") * symbol("e12") * symbol("w429"));
    // An unknown multi-letter name is a product of letters (4xy), unless asked not to.
    CHECK_PARSES("xy", x * y);
    parse_options whole;
    whole.split_names = false;
    CHECK(parse("xy", whole) == symbol("xy"));
}

TEST_CASE("numbers", "[parse]") {
    CHECK_PARSES("12", expr(12));
    CHECK_PARSES("123456789012345678901234567890", integer("123456789012345678901234567890"));
    // Decimals stay floating constants; 1/2 is the exact rational.
    CHECK_PARSES("0.5", real(0.5));
    CHECK(parse("0.5") != rational(1, 2));
    CHECK_PARSES("1/2", rational(1, 2));
    CHECK_PARSES("1e-3", real(1e-3));
    CHECK_PARSES("2.5e10", real(2.5e10));
    CHECK_PARSES(".5", real(0.5));
    CHECK_PARSES("2e", 2 * e());  // no digit after e: Euler's number
}

TEST_CASE("fractions written as one character are exact", "[parse]") {
    CHECK_PARSES("½", rational(1, 2));
    CHECK_PARSES("⅔ + ⅓", expr(1));
    CHECK_PARSES("⅒", rational(1, 10));
    // They multiply as a number does: the squared-error cost.
    const expr yhat = symbol("ŷ");
    CHECK_PARSES("½(y − ŷ)²", rational(1, 2) * pow(y - yhat, 2));
    CHECK_PARSES("¾x", rational(3, 4) * x);
    CHECK_PARSES("x¼", x / 4);
    CHECK_PARSES("½²", rational(1, 4));
    // Run into a number it is neither guessed as 2 + ½ nor as 2·½.
    CHECK_THROWS_WITH(parse("2½"), Catch::Contains("'2½' is ambiguous"));
}

TEST_CASE("user function derivatives", "[parse]") {
    CHECK_PARSES("f'(x)", call_derivative("f", {x}, {0}));
    CHECK_PARSES("f′(x)", call_derivative("f", {x}, {0}));
    CHECK_PARSES("f''(x)", call_derivative("f", {x}, {0, 0}));
    CHECK_PARSES("f″(x)", call_derivative("f", {x}, {0, 0}));
    CHECK_PARSES("∂₁f(x, y)", call_derivative("f", {x, y}, {0}));
    CHECK_PARSES("∂₁∂₂f(x, y)", call_derivative("f", {x, y}, {0, 1}));
    CHECK_PARSES("D[1](f)(x, y)", call_derivative("f", {x, y}, {0}));
    CHECK_PARSES("D[1,2](f)(x, y)", call_derivative("f", {x, y}, {0, 1}));
}

TEST_CASE("derivative notation", "[parse][diff]") {
    CHECK_PARSES("∂(x²y)/∂x", 2 * x * y);
    CHECK_PARSES("∂²(x³y)/∂x²", 6 * x * y);
    CHECK_PARSES("∂²(x³y)/∂x∂y", 3 * pow(x, 2));
    CHECK_PARSES("d/dx (x² + 1)", 2 * x);
    CHECK_PARSES("∂/∂x x²y", 2 * x * y);
    CHECK_PARSES("d(x³)/dx", 3 * pow(x, 2));
    CHECK_PARSES("∂z/∂x", expr(0));
    CHECK_PARSES("∂x/∂x", expr(1));
    CHECK_PARSES("diff(x^3, x)", 3 * pow(x, 2));
    CHECK_PARSES("diff(x^3 y^2, x, y)", 6 * pow(x, 2) * y);
    CHECK_PARSES("diff(x^3, x, 2)", 6 * x);
    // log(x, b) is to base b: exact where x is a whole power of b or b of x.
    CHECK_PARSES("log(8, 2)", expr(3));
    CHECK_PARSES("log(1/9, 3)", expr(-2));
    CHECK_PARSES("log(2, 8)", rational(1, 3));
    CHECK_PARSES("log(x, 2)", log(x) / log(expr(2)));
    CHECK_PARSES("log(x, e)", log(x));
    CHECK_PARSES("diff(log(x, 10), x)", 1 / (x * log(expr(10))));
    // The order is any whole-number expression; a polynomial reaches 0 at any order.
    CHECK_PARSES("diff(x^5, x, 2 + 1)", 60 * pow(x, 2));
    CHECK_PARSES("diff(x^3, x, 0)", pow(x, 3));
    CHECK_PARSES("diff(x^2, x, 10^9)", expr(0));
    CHECK_PARSES("sin'(x)", cos(x));
}

TEST_CASE("names resolve against the environment", "[parse]") {
    struct env final : detail::environment {
        std::optional<expr> variable(std::string_view name) const override {
            if (name == "z") return 2 * pow(x, 2) * y;
            if (name == "a") return expr(3);
            return std::nullopt;
        }
        const detail::user_function* function(std::string_view name) const override {
            static const detail::user_function f{{symbol("u"), symbol("v")}, pow(symbol("u"), 2) + symbol("v")};
            return name == "f" ? &f : nullptr;
        }
    } environment;
    auto lower_text = [&](std::string_view text) {
        const ast::statement st = detail::parse_statement(text);
        return detail::lower(boost::get<ast::expression_statement>(st.get()).value, text, environment);
    };
    CHECK(lower_text("∂z/∂x") == 4 * x * y);
    CHECK(lower_text("dz/dx") == 4 * x * y);
    CHECK(lower_text("f(1, 2)") == expr(3));
    CHECK(lower_text("f(a+b, c)") == pow(3 + symbol("b"), 2) + symbol("c"));
    CHECK(lower_text("a(x + 1)") == 3 * (x + 1));  // a variable before '(' multiplies
    CHECK(lower_text("∂₁f(x, y)") == 2 * x);
    CHECK_THROWS_AS(lower_text("f + 1"), parse_error);   // f is a function
    CHECK_THROWS_AS(lower_text("f(1)"), parse_error);    // wrong arity
}

TEST_CASE("statements", "[parse]") {
    using detail::parse_statement;
    {
        const auto st = parse_statement("z = 2x²y");
        const auto& a = boost::get<ast::assignment>(st.get());
        CHECK(a.target.text == "z");
        CHECK(a.begin == 0);
        CHECK(a.value.get().index() != 0);
    }
    {
        const auto st = parse_statement("f(x, y) = x² + y");
        const auto& d = boost::get<ast::function_definition>(st.get());
        CHECK(d.function.text == "f");
        REQUIRE(d.parameters.size() == 2);
        CHECK(d.parameters[1].text == "y");
        CHECK(d.parameters[1].begin == 5);
    }
    {
        const auto st = parse_statement("x + 1 == 1 + x");
        CHECK(boost::get<ast::equality>(&st.get()) != nullptr);
    }
    {
        const auto st = parse_statement("d-softplus: ∂softplus(u) = sigmoid(u)·∂u");
        const auto& d = boost::get<ast::derivative_declaration>(st.get());
        CHECK(d.label == "d-softplus");
        CHECK(d.function.text == "softplus");
        REQUIRE(d.parameters.size() == 1);
        detail::lower_options lo;
        lo.allow_differentials = true;
        const expr rhs = detail::lower(d.rhs, "d-softplus: ∂softplus(u) = sigmoid(u)·∂u",
                                       detail::environment{}, nullptr, lo);
        CHECK(rhs == call("sigmoid", {symbol("u")}) * detail::differential_symbol("u"));
    }
    {
        const auto st = parse_statement("z at x=1, y=2");
        const auto& at = boost::get<ast::evaluation_at>(st.get());
        REQUIRE(at.bindings.size() == 2);
        CHECK(at.bindings[1].variable.text == "y");
    }
    {
        const auto st = parse_statement("eval(z, x=1, y=2)");
        const auto& e = boost::get<ast::expression_statement>(st.get());
        const auto& c = std::get<ast::boxed<ast::call>>(e.value.get()).get();
        REQUIRE(c.args.size() == 3);
        CHECK(c.args[0].keyword.text.empty());
        CHECK(c.args[1].keyword.text == "x");
    }
    {
        const auto st = parse_statement("∇z");
        const auto& e = boost::get<ast::expression_statement>(st.get());
        const auto* g = std::get_if<ast::boxed<ast::gradient>>(&e.value.get());
        REQUIRE(g != nullptr);
        CHECK_FALSE(g->get().laplacian);
    }
    {
        const auto st = parse_statement("∇²z");
        const auto& e = boost::get<ast::expression_statement>(st.get());
        const auto* g = std::get_if<ast::boxed<ast::gradient>>(&e.value.get());
        REQUIRE(g != nullptr);
        CHECK(g->get().laplacian);
    }
    // ∇² lowers to the Laplacian over the target's free symbols.
    CHECK(parse("∇²(x^3 + x y^2)") == 6 * symbol("x") + 2 * symbol("x"));
    {
        const auto st = parse_statement("x^2  # a comment");
        CHECK(boost::get<ast::expression_statement>(&st.get()) != nullptr);
    }
    CHECK(detail::parse_program("x = 1\n# nothing\n\ny = 2; z = 3\n").statements.size() == 3);
}

TEST_CASE("rule files", "[parse]") {
    const auto rules = detail::parse_rule_file(
        "# derivatives\n"
        "d-sin:   ∂sin(u) = cos(u)·∂u\n"
        "\n"
        "d-atan2: ∂atan2(y, x) = x/(x² + y²)·∂y − y/(x² + y²)·∂x\n",
        "test.rules");
    REQUIRE(rules.size() == 2);
    CHECK(rules[0].label == "d-sin");
    CHECK(rules[1].function.text == "atan2");
    CHECK(detail::locate("# derivatives\nd-sin: …", rules[0].begin).line == 2);
    try {
        detail::parse_rule_file("d-sin: ∂sin(u) = cos(u)·\n", "test.rules");
        FAIL("no error");
    } catch (const parse_error& e) {
        CHECK(std::string(e.what()).rfind("test.rules:1:25: expected an expression after '·'", 0) == 0);
    }
    CHECK_THROWS_AS(detail::parse_rule_file("x + 1\n", "test.rules"), parse_error);
}

TEST_CASE("interpretations are reported as notes", "[parse]") {
    CHECK(notes_of("x/2y") == std::vector<std::string>{"x/2y read as (x/2)·y"});
    CHECK(notes_of("sin x y") == std::vector<std::string>{"sin x y read as sin(x·y)"});
    CHECK(notes_of("xy") == std::vector<std::string>{"xy read as x·y"});
    // An index ends a name: x₁w₁ needs no note; a run of letters does, in the notation typed.
    CHECK(notes_of("x₁w₁ + x2w2").empty());
    CHECK(notes_of("xw₁") == std::vector<std::string>{"xw₁ read as x·w₁"});
    CHECK(notes_of("sin⁻¹ x") == std::vector<std::string>{"sin⁻¹ x read as asin(x)"});
    // The argument's own parentheses are not doubled.
    CHECK(notes_of("sin^-1(x)") == std::vector<std::string>{"sin^-1(x) read as asin(x)"});
    CHECK(notes_of("tan⁻¹[x²]") == std::vector<std::string>{"tan⁻¹[x²] read as atan(x²)"});
    CHECK(notes_of("sin⁻¹(x + 1)") == std::vector<std::string>{"sin⁻¹(x + 1) read as asin(x + 1)"});
    CHECK(notes_of("x(y + 1)") == std::vector<std::string>{"x(y + 1) read as x·(y + 1)"});
    CHECK(notes_of("x + y").empty());
    CHECK(notes_of("sin 2x").empty());
}

TEST_CASE("limits instead of crashes", "[parse][limits]") {
    // Under AddressSanitizer a nesting level needs several times the stack,
    // and exceptions cannot unwind stacks over 64 MB: test a smaller budget.
#if NABLA_SANITIZED
    const std::size_t budget = 1000;
#else
    const std::size_t budget = parse_options{}.max_depth;
#endif
    parse_options options;
    options.max_depth = budget;
    SECTION("100,000 nested parentheses") {
        const std::string deep = std::string(100000, '(') + "x" + std::string(100000, ')');
        try {
            parse(deep, options);
            FAIL("no error");
        } catch (const parse_error& e) {
            CHECK(e.message() == "input nests too deeply (more than " + std::to_string(budget) + " levels)");
        }
    }
    SECTION("nesting under the budget parses") {
        const std::string deep = std::string(budget * 9 / 10, '(') + "x" + std::string(budget * 9 / 10, ')');
        CHECK(parse(deep, options) == x);
        std::string sines;
        for (std::size_t i = 0; i < budget / 2; ++i) sines += "sin ";
        CHECK(depth(parse(sines + "x", options)) == budget / 2 + 1);
    }
    SECTION("a megabyte identifier is a name") {
        const std::string name(1 << 20, 'a');
        CHECK(parse(name) == symbol(name));
    }
    SECTION("invalid UTF-8 names its byte offset") {
        try {
            parse("x + \xff y");
            FAIL("no error");
        } catch (const parse_error& e) {
            CHECK(e.message() == "invalid UTF-8 at byte 4");
            CHECK(e.offset() == 4);
        }
        CHECK_THROWS_AS(parse("x\xe2\x82"), parse_error);   // truncated sequence
        CHECK_THROWS_AS(parse("\xc0\xaf"), parse_error);     // overlong
    }
    SECTION("input size is capped") {
        parse_options small;
        small.max_bytes = 10;
        CHECK_THROWS_AS(parse("x + y + z + w", small), parse_error);
        CHECK(parse("x + y", small) == x + y);
    }
    SECTION("a long sum stays flat") {
        std::string text = "x";
        for (int i = 0; i < 100000; ++i) text += "+x";
        CHECK(parse(text) == 100001 * x);
    }
    SECTION("huge numbers are refused, not converted for minutes") {
        CHECK_THROWS_AS(parse(std::string(100000, '9')), parse_error);
    }
}
