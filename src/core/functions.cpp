// Elementary functions at construction: exact values (sin(π/6) = 1/2,
// log(e) = 1), symmetries that pick one canonical sign (sin(−x) = −sin(x),
// cos(−x) = cos(x)), inverse pairs (exp(log(x)) = x), and numeric folding
// when an argument is a float. Domain errors on exact arguments (log(0),
// asin(2)) are thrown here, with the offending call in the message.

#include "core/node.hpp"

#include <nabla/print.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

namespace nabla {

namespace {
struct function_info {
    std::string_view name;
    int arity;
};
constexpr function_info function_table[] = {
#define NABLA_FUNCTION(id, name, arity) {name, arity},
#include <nabla/functions.inc>
#undef NABLA_FUNCTION
};
}  // namespace

std::string_view function_name(function f) noexcept { return function_table[static_cast<std::size_t>(f)].name; }
int function_arity(function f) noexcept { return function_table[static_cast<std::size_t>(f)].arity; }
std::optional<function> find_function(std::string_view name) noexcept {
    // Other names textbooks use: ln, and arcsin or arsinh for asin and asinh.
    static constexpr std::pair<std::string_view, function> aliases[] = {
        {"ln", function::log},        {"arcsin", function::asin},   {"arccos", function::acos},
        {"arctan", function::atan},   {"arsinh", function::asinh},  {"arcsinh", function::asinh},
        {"arcosh", function::acosh},  {"arccosh", function::acosh}, {"artanh", function::atanh},
        {"arctanh", function::atanh},
    };
    if (name.size() >= 2 && (name[0] == 'l' || name[0] == 'a'))
        for (const auto& [alias, f] : aliases)
            if (alias == name) return f;
    // The parser asks for every call it lowers: the first letter rules out
    // most names before a memcmp call compares the rest.
    for (std::size_t i = 0; i < std::size(function_table); ++i) {
        const std::string_view known = function_table[i].name;
        if (known.size() == name.size() && known[0] == name[0] && known == name)
            return static_cast<function>(i);
    }
    return std::nullopt;
}

}  // namespace nabla

namespace nabla::detail {

std::string number_text(const node* n) {
    if (n->kind == kind::real) return real_text(n->real());
    return n->number().str();
}

std::string real_text(double v) {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    std::string text(buffer, end);
    // A float must read back as a float: 2.0, not the integer 2.
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    return text;
}

namespace {

// If e is q·π for a rational q, returns q.
std::optional<rational_t> pi_multiple(const node* e) {
    if (e->kind == kind::constant && e->constant_id() == constant::pi) return rational_t(1);
    if (e->kind == kind::product && e->nops == 2 && e->op(0)->kind == kind::number && e->op(1)->kind == kind::constant &&
        e->op(1)->constant_id() == constant::pi)
        return e->op(0)->number();
    return std::nullopt;
}

expr num(long long p, long long q = 1) { return make_number(rational_t(p, q)); }
expr root(long long n) { return make_power(num(n), half()); }

// sin(qπ) for q in [0, 2) with denominator 1, 2, 3, 4 or 6.
std::optional<expr> exact_sin(rational_t q) {
    // reduce to [0, 2)
    integer_t twice = numerator(q) / (denominator(q) * 2);
    q -= rational_t(twice * 2);
    if (q < 0) q += 2;
    int sign = 1;
    if (q >= 1) {
        q -= 1;
        sign = -1;
    }
    if (q > rational_t(1, 2)) q = 1 - q;  // sin(π − t) = sin(t)
    expr v;
    if (q == 0) v = num(0);
    else if (q == rational_t(1, 6)) v = num(1, 2);
    else if (q == rational_t(1, 4)) v = make_product({num(1, 2), root(2)});
    else if (q == rational_t(1, 3)) v = make_product({num(1, 2), root(3)});
    else if (q == rational_t(1, 2)) v = num(1);
    else return std::nullopt;
    return sign < 0 ? make_product({minus_one(), v}) : v;
}

std::optional<expr> exact_cos(const rational_t& q) { return exact_sin(q + rational_t(1, 2)); }

// True if the argument prints with a leading minus: −x, −2x, −x + y? No —
// only a product with a negative coefficient or a negative number, so the
// choice of sign is canonical.
bool negative_form(const node* a) {
    if (a->kind == kind::number) return a->number() < 0;
    if (a->kind == kind::real) return a->real() < 0;
    // The coefficient's sign, read without converting it to a double.
    if (a->kind == kind::product && a->op(0)->is_number()) return negative_form(a->op(0));
    return false;
}

expr negate(const expr& a) { return make_product({minus_one(), a}); }

[[noreturn]] void domain(std::string_view what, function f, const function_args& args) {
    std::string where = std::string(function_name(f)) + "(";
    for (std::size_t i = 0; i < args.size(); ++i) where += (i ? ", " : "") + to_string(args[i], style::ascii);
    where += ")";
    throw domain_error(std::string(what) + ": " + where, where);
}

double apply_double(function f, double a, double b) {
    switch (f) {
    case function::sin: return std::sin(a);
    case function::cos: return std::cos(a);
    case function::tan: return std::tan(a);
    case function::asin: return std::asin(a);
    case function::acos: return std::acos(a);
    case function::atan: return std::atan(a);
    case function::atan2: return std::atan2(a, b);
    case function::sinh: return std::sinh(a);
    case function::cosh: return std::cosh(a);
    case function::tanh: return std::tanh(a);
    case function::asinh: return std::asinh(a);
    case function::acosh: return std::acosh(a);
    case function::atanh: return std::atanh(a);
    case function::log: return std::log(a);
    case function::erf: return std::erf(a);
    case function::abs: return std::fabs(a);
    case function::sign: return a > 0 ? 1.0 : a < 0 ? -1.0 : 0.0;
    case function::min: return std::fmin(a, b);
    case function::max: return std::fmax(a, b);
    case function::exp: return std::exp(a);
    }
    return std::nan("");
}

bool odd_function(function f) {
    switch (f) {
    case function::sin:
    case function::tan:
    case function::asin:
    case function::atan:
    case function::sinh:
    case function::tanh:
    case function::asinh:
    case function::atanh:
    case function::erf:
    case function::sign: return true;
    default: return false;
    }
}

}  // namespace

// Exposed for the evaluator so that both fold numbers the same way.
double apply_function_double(function f, double a, double b) { return apply_double(f, a, b); }

expr make_apply(function f, function_args args) {
    const int arity = function_arity(f);
    if (static_cast<int>(args.size()) != arity)
        throw error(std::string(function_name(f)) + " takes " + std::to_string(arity) + " argument" +
                    (arity == 1 ? "" : "s") + ", got " + std::to_string(args.size()));

    bool all_numbers = true, any_real = false;
    for (auto& a : args) {
        all_numbers = all_numbers && a.get()->is_number();
        any_real = any_real || a.kind() == kind::real;
    }
    if (all_numbers && any_real) {
        double r = apply_double(f, args[0].number_value(), arity > 1 ? args[1].number_value() : 0.0);
        if (std::isnan(r)) domain("outside the domain", f, args);
        if (std::isinf(r)) domain("floating-point overflow", f, args);
        return make_real(r);
    }

    const node* a = args[0].get();
    const bool exact = a->kind == kind::number;
    const rational_t* q = exact ? &a->number() : nullptr;

    // Odd and even symmetry: one sign is canonical.
    if (arity == 1 && negative_form(a)) {
        if (odd_function(f)) return negate(make_apply(f, {negate(args[0])}));
        if (f == function::cos || f == function::cosh || f == function::abs) return make_apply(f, {negate(args[0])});
    }

    switch (f) {
    case function::sin:
        if (exact && *q == 0) return zero();
        if (auto m = pi_multiple(a))
            if (auto v = exact_sin(*m)) return *v;
        if (a->is_fn(function::asin)) return expr::share(a->op(0));
        break;
    case function::cos:
        if (exact && *q == 0) return one();
        if (auto m = pi_multiple(a))
            if (auto v = exact_cos(*m)) return *v;
        if (a->is_fn(function::acos)) return expr::share(a->op(0));
        break;
    case function::tan:
        if (exact && *q == 0) return zero();
        if (auto m = pi_multiple(a)) {
            auto s = exact_sin(*m), c = exact_cos(*m);
            if (s && c) {
                if (c->is_zero()) domain("tan is undefined at odd multiples of π/2", f, args);
                return make_product({*s, make_power(*c, minus_one())});
            }
        }
        if (a->is_fn(function::atan)) return expr::share(a->op(0));
        break;
    case function::asin:
        if (exact) {
            if (*q == 0) return zero();
            if (*q == 1) return make_product({half(), pi()});
            if (*q == rational_t(1, 2)) return make_product({num(1, 6), pi()});
            if (abs(*q) > 1) domain("asin is undefined outside [−1, 1]", f, args);
        }
        break;
    case function::acos:
        if (exact) {
            if (*q == 1) return zero();
            if (*q == 0) return make_product({half(), pi()});
            if (*q == -1) return pi();
            if (*q == rational_t(1, 2)) return make_product({num(1, 3), pi()});
            if (abs(*q) > 1) domain("acos is undefined outside [−1, 1]", f, args);
        }
        break;
    case function::atan:
        if (exact && *q == 0) return zero();
        if (exact && *q == 1) return make_product({num(1, 4), pi()});
        break;
    case function::atan2: {
        const node* x = args[1].get();
        if (exact && x->kind == kind::number) {
            const rational_t& y = *q;
            const rational_t& xv = x->number();
            if (y == 0 && xv == 0) domain("atan2 is undefined at (0, 0)", f, args);
            if (y == 0) return xv > 0 ? zero() : pi();
            if (xv == 0) return make_product({y > 0 ? half() : num(-1, 2), pi()});
            if (xv > 0) return make_apply(function::atan, {make_number(y / xv)});
        }
        break;
    }
    case function::sinh:
    case function::tanh:
    case function::asinh:
    case function::erf:
        if (exact && *q == 0) return zero();
        break;
    case function::atanh:
        if (exact && *q == 0) return zero();
        if (exact && abs(*q) >= 1) domain("atanh is undefined outside (−1, 1)", f, args);
        break;
    case function::cosh:
        if (exact && *q == 0) return one();
        break;
    case function::acosh:
        if (exact && *q == 1) return zero();
        if (exact && *q < 1) domain("acosh is undefined below 1", f, args);
        break;
    case function::log:
        if (exact) {
            if (*q == 1) return zero();
            if (*q == 0) domain("log of zero", f, args);
            if (*q < 0) domain("log of a negative number", f, args);
        }
        if (a->kind == kind::constant && a->constant_id() == constant::e) return one();
        if (a->is_fn(function::exp)) return expr::share(a->op(0));  // real arguments: log(eˣ) = x
        // log(e^k) for a power of e is caught above, since e^k is exp(k).
        break;
    case function::exp:
        if (exact && *q == 0) return one();
        if (exact && *q == 1) return e();
        if (a->is_fn(function::log)) return expr::share(a->op(0));
        break;
    case function::abs:
        if (exact) return make_number(abs(*q));
        if (a->is_fn(function::abs)) return args[0];
        if (a->kind == kind::constant) return args[0];
        if (a->is_fn(function::exp)) return args[0];
        break;
    case function::sign:
        if (exact) return make_number(*q > 0 ? 1 : *q < 0 ? -1 : 0);
        if (a->kind == kind::constant || a->is_fn(function::exp)) return one();
        break;
    case function::min:
    case function::max: {
        const node* b = args[1].get();
        if (a == b) return args[0];
        if (exact && b->kind == kind::number) {
            bool first = f == function::min ? *q <= b->number() : *q >= b->number();
            return first ? args[0] : args[1];
        }
        // Commutative: order the arguments canonically.
        if (compare(a, b) > 0) std::swap(args[0], args[1]);
        break;
    }
    }

    std::vector<const node*> ops;
    for (auto& x : args) ops.push_back(x.get());
    return intern_ops(kind::apply, static_cast<std::uint8_t>(f), ops);
}

expr rebuild(const node* n, std::vector<expr> ops) {
    switch (n->kind) {
    case kind::sum: return make_sum(std::move(ops));
    case kind::product: return make_product(std::move(ops));
    case kind::power: return make_power(ops[0], ops[1]);
    case kind::apply: return make_apply(n->fn(), function_args(std::make_move_iterator(ops.begin()), std::make_move_iterator(ops.end())));
    case kind::call: return make_call(n->call().name, std::move(ops), n->call().derivative_indices);
    case kind::number:
    case kind::real:
    case kind::symbol:
    case kind::constant: return expr::share(n);
    }
    return expr::share(n);
}

}  // namespace nabla::detail

namespace nabla {

using namespace detail;

expr apply(function f, const std::vector<expr>& args) { return make_apply(f, function_args(args.begin(), args.end())); }

expr call(std::string_view name, const std::vector<expr>& args) {
    if (name.empty()) throw error("a function needs a name");
    if (find_function(name)) return make_apply(*find_function(name), function_args(args.begin(), args.end()));
    return make_call(std::string(name), args, {});
}

expr call_derivative(std::string_view name, const std::vector<expr>& args, std::vector<std::uint8_t> indices) {
    for (auto i : indices)
        if (i >= args.size()) throw error("derivative index out of range for " + std::string(name));
    std::sort(indices.begin(), indices.end());  // ∂₁∂₂f = ∂₂∂₁f for smooth f
    return make_call(std::string(name), args, std::move(indices));
}

#define NABLA_UNARY(id) \
    expr id(const expr& x) { return make_apply(function::id, {x}); }
NABLA_UNARY(exp)
NABLA_UNARY(log)
NABLA_UNARY(sin)
NABLA_UNARY(cos)
NABLA_UNARY(tan)
NABLA_UNARY(asin)
NABLA_UNARY(acos)
NABLA_UNARY(atan)
NABLA_UNARY(sinh)
NABLA_UNARY(cosh)
NABLA_UNARY(tanh)
NABLA_UNARY(asinh)
NABLA_UNARY(acosh)
NABLA_UNARY(atanh)
NABLA_UNARY(abs)
NABLA_UNARY(sign)
NABLA_UNARY(erf)
#undef NABLA_UNARY
namespace {
// k with base^k = x, for exact x > 0 and base > 0, base ≠ 1, when there is
// one. The powers of base (or of 1/base) are walked towards x; |k| is at
// most the bit length of x, as |base^k| doubles at least every few steps.
std::optional<long long> whole_logarithm(const rational_t& x, const rational_t& base) {
    if (x <= 0 || base <= 0 || base == 1) return std::nullopt;
    if (x == 1) return 0;
    const bool same_side = (x > 1) == (base > 1);
    const rational_t step = same_side ? base : 1 / base;
    rational_t power = step;
    for (long long k = 1;; ++k) {
        if (power == x) return same_side ? k : -k;
        if ((x > 1) ? power > x : power < x) return std::nullopt;
        power *= step;
    }
}
}  // namespace

expr log(const expr& x, const expr& base) {
    if (x.kind() == kind::number && base.kind() == kind::number) {
        const rational_t& a = x.get()->number();
        const rational_t& b = base.get()->number();
        if (const auto k = whole_logarithm(a, b)) return expr(*k);
        if (const auto k = whole_logarithm(b, a); k && *k != 0) return 1 / expr(*k);  // log(2, 8) = 1/3
    }
    if (base.is_one()) {
        const std::string where = "log(" + to_string(x, style::ascii) + ", 1)";
        throw domain_error("log to base 1: " + where, where);
    }
    return log(x) / log(base);
}

expr atan2(const expr& y, const expr& x) { return make_apply(function::atan2, {y, x}); }
expr min(const expr& a, const expr& b) { return make_apply(function::min, {a, b}); }
expr max(const expr& a, const expr& b) { return make_apply(function::max, {a, b}); }

}  // namespace nabla
