// The printing engine: human operand order (print_cache) and iterative text
// emission (writer). See printer.hpp for the design.

#include "print/printer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

namespace nabla::detail {

namespace {

// ---------------------------------------------------------------- small predicates

bool is_negative_number(const node* n) {
    if (n->kind == kind::number) return n->number() < 0;
    if (n->kind == kind::real) return n->real() < 0;
    return false;
}

// The numeric coefficient of a product, if it has one (canonical form puts it first).
const node* coefficient_of(const node* n) {
    if (n->kind == kind::product && n->nops > 0 && n->op(0)->is_number()) return n->op(0);
    return nullptr;
}

bool is_rational(const node* n, long p, long q) {
    return n->kind == kind::number && n->number() == rational_t(p, q);
}

// Index letters may appear in a superscript: xⁿ, xⁿ⁻¹, x²ᵏ⁺¹ is not one (2k).
bool is_index_letter(const node* n) {
    if (n->kind != kind::symbol) return false;
    const std::string& s = n->name();
    return s == "n" || s == "m" || s == "k" || s == "i" || s == "j";
}

// An integer, an index letter, or minus an index letter.
bool is_simple_exponent(const node* t) {
    if (t->is_exact_integer() || is_index_letter(t)) return true;
    return t->kind == kind::product && t->nops == 2 && is_rational(t->op(0), -1, 1) && is_index_letter(t->op(1));
}

// UTF-8 code points in s.
std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A symbol's name split into its letters and its trailing ASCII digits.
std::pair<std::string_view, std::string_view> split_digits(std::string_view name) {
    std::size_t i = name.size();
    while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9') --i;
    if (i == 0) return {name, {}};
    return {name.substr(0, i), name.substr(i)};
}

constexpr std::array<std::string_view, 10> superscript_digits{"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
constexpr std::array<std::string_view, 10> subscript_digits{"₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"};

std::string map_digits(std::string_view digits, const std::array<std::string_view, 10>& table) {
    std::string out;
    for (char c : digits) {
        if (c >= '0' && c <= '9')
            out += table[static_cast<std::size_t>(c - '0')];
        else
            out += c;
    }
    return out;
}

struct greek_letter {
    std::string_view word, letter, latex;
};
constexpr greek_letter greek[] = {
    {"alpha", "α", "\\alpha"},     {"beta", "β", "\\beta"},       {"gamma", "γ", "\\gamma"},
    {"delta", "δ", "\\delta"},     {"epsilon", "ε", "\\epsilon"}, {"zeta", "ζ", "\\zeta"},
    {"eta", "η", "\\eta"},         {"theta", "θ", "\\theta"},     {"iota", "ι", "\\iota"},
    {"kappa", "κ", "\\kappa"},     {"lambda", "λ", "\\lambda"},   {"mu", "μ", "\\mu"},
    {"nu", "ν", "\\nu"},           {"xi", "ξ", "\\xi"},           {"omicron", "ο", "o"},
    {"pi", "π", "\\pi"},           {"rho", "ρ", "\\rho"},         {"sigma", "σ", "\\sigma"},
    {"tau", "τ", "\\tau"},         {"upsilon", "υ", "\\upsilon"}, {"phi", "φ", "\\phi"},
    {"chi", "χ", "\\chi"},         {"psi", "ψ", "\\psi"},         {"omega", "ω", "\\omega"},
    {"Gamma", "Γ", "\\Gamma"},     {"Delta", "Δ", "\\Delta"},     {"Theta", "Θ", "\\Theta"},
    {"Lambda", "Λ", "\\Lambda"},   {"Xi", "Ξ", "\\Xi"},           {"Pi", "Π", "\\Pi"},
    {"Sigma", "Σ", "\\Sigma"},     {"Upsilon", "Υ", "\\Upsilon"}, {"Phi", "Φ", "\\Phi"},
    {"Psi", "Ψ", "\\Psi"},         {"Omega", "Ω", "\\Omega"},     {"varphi", "ϕ", "\\varphi"},
};

std::string_view latex_function(function f) {
    switch (f) {
    case function::sin: return "\\sin";
    case function::cos: return "\\cos";
    case function::tan: return "\\tan";
    case function::asin: return "\\arcsin";
    case function::acos: return "\\arccos";
    case function::atan: return "\\arctan";
    case function::atan2: return "\\operatorname{atan2}";
    case function::sinh: return "\\sinh";
    case function::cosh: return "\\cosh";
    case function::tanh: return "\\tanh";
    case function::asinh: return "\\operatorname{asinh}";
    case function::acosh: return "\\operatorname{acosh}";
    case function::atanh: return "\\operatorname{atanh}";
    case function::log: return "\\log";
    case function::erf: return "\\operatorname{erf}";
    case function::abs: return "\\operatorname{abs}";
    case function::sign: return "\\operatorname{sign}";
    case function::min: return "\\min";
    case function::max: return "\\max";
    case function::exp: return "\\exp";
    }
    return "\\operatorname{?}";
}

// ---------------------------------------------------------------- degrees

// A degree that follows growth as x → ∞: polynomials by their degree, log
// barely above a constant, exp far above or below everything else.
constexpr double log_degree = 1e-3;
constexpr double exp_degree = 1e6;
constexpr double degree_limit = 1e12;

double clamp_degree(double d) {
    if (std::isnan(d)) return 0;
    return std::clamp(d, -degree_limit, degree_limit);
}

// The number of ASCII characters of an operand's text that break ties in
// the order of a sum or a product.
constexpr std::size_t key_length = 48;

}  // namespace

bool has_minus(const node* n) {
    if (is_negative_number(n)) return true;
    const node* c = coefficient_of(n);
    return c && is_negative_number(c);
}

bool is_negative_power(const node* n) { return n->kind == kind::power && has_minus(n->op(1)); }

// ---------------------------------------------------------------- symbol text

std::string symbol_text(std::string_view name, nabla::style s) {
    auto [letters, digits] = split_digits(name);
    switch (s) {
    case nabla::style::ascii: return std::string(name);
    case nabla::style::unicode: return std::string(letters) + map_digits(digits, subscript_digits);
    case nabla::style::latex: {
        std::string out;
        auto g = std::find_if(std::begin(greek), std::end(greek), [&](const greek_letter& l) { return l.word == letters || l.letter == letters; });
        if (g != std::end(greek))
            out = g->latex;
        else if (code_points(letters) == 1)
            out = letters;
        else
            out = "\\mathrm{" + std::string(letters) + "}";
        if (!digits.empty()) out += "_{" + std::string(digits) + "}";
        return out;
    }
    }
    return std::string(name);
}

// ---------------------------------------------------------------- print_cache

print_cache::print_cache(const node* root) {
    for_each_post_order(root, [this](const node* n) { visit(n); });
}

double print_cache::degree(const node* n) const {
    auto it = degree_.find(n);
    return it == degree_.end() ? 0.0 : it->second;
}

const layout* print_cache::layout_of(const node* n) const {
    auto it = layout_index_.find(n);
    return it == layout_index_.end() ? nullptr : &layouts_[it->second];
}

const std::string& print_cache::key(const node* n) {
    auto it = keys_.find(n);
    if (it != keys_.end()) return it->second;
    std::string text;
    writer w(*this, nabla::style::ascii);
    w.set_cap(key_length);
    w.write(n, print_mode::rest, text);
    return keys_.emplace(n, std::move(text)).first->second;
}

void print_cache::visit(const node* n) {
    // The sign of the leading coefficient: + for x, − for −2x and for −x + 1.
    auto leading_sign = [this](const node* u) {
        if (u->kind == kind::sum) {
            const layout* l = layout_of(u);
            if (l && !l->terms.empty()) u = l->terms.front();
        }
        return has_minus(u) ? -1.0 : 1.0;
    };
    double d = 0;
    switch (n->kind) {
    case kind::number:
    case kind::real:
    case kind::constant: d = 0; break;
    case kind::symbol: d = 1; break;
    case kind::sum:
        d = -degree_limit;
        for (const node* t : n->ops()) d = std::max(d, degree(t));
        break;
    case kind::product:
        for (const node* f : n->ops()) d += degree(f);
        break;
    case kind::power: {
        const node* b = n->op(0);
        const node* e = n->op(1);
        const double db = degree(b), de = degree(e);
        if (e->is_number())
            d = db * (e->kind == kind::real ? e->real() : e->number().convert_to<double>());
        else if (db == 0)  // 2^x grows like exp(x log 2)
            d = de == 0 ? 0 : leading_sign(e) * exp_degree * std::abs(de);
        else  // x^x, x^n: above every fixed power of x we can name
            d = leading_sign(e) * db * (1 + std::abs(de));
        break;
    }
    case kind::apply: {
        const double du = degree(n->op(0));
        switch (n->fn()) {
        case function::exp: d = du == 0 ? 0 : leading_sign(n->op(0)) * exp_degree * std::abs(du); break;
        case function::sinh:
        case function::cosh: d = exp_degree * std::abs(du); break;
        case function::log:
        case function::asinh:
        case function::acosh: d = log_degree * du; break;
        case function::abs: d = du; break;
        case function::min:
        case function::max: d = std::max(du, degree(n->op(1))); break;
        default: d = 0; break;  // bounded: sin, cos, tanh, atan, erf, sign, ...
        }
        break;
    }
    case kind::call:
        d = 0;
        for (const node* a : n->ops()) d = std::max(d, degree(a));
        break;
    }
    degree_.emplace(n, clamp_degree(d));

    if (n->kind == kind::sum) {
        layouts_.push_back(sum_layout(n));
        layout_index_.emplace(n, static_cast<std::uint32_t>(layouts_.size() - 1));
    } else if (n->kind == kind::product || is_negative_power(n)) {
        layouts_.push_back(product_layout(n));
        layout_index_.emplace(n, static_cast<std::uint32_t>(layouts_.size() - 1));
    }
}

layout print_cache::sum_layout(const node* n) {
    layout l;
    l.terms.assign(n->ops().begin(), n->ops().end());
    // Descending degree, numbers last, then alphabetical (without coefficients:
    // 2x + y, x + 2y), then the canonical order so that the result is total.
    std::sort(l.terms.begin(), l.terms.end(), [this](const node* a, const node* b) {
        const double da = degree(a), db = degree(b);
        if (da != db) return da > db;
        if (a->is_number() != b->is_number()) return b->is_number();
        if (int c = key(a).compare(key(b))) return c < 0;
        return compare(a, b) < 0;
    });
    return l;
}

layout print_cache::product_layout(const node* n) {
    layout l;
    if (n->kind == kind::power) {  // x^(−k) alone prints as 1/x^k
        l.den.push_back({n, item_kind::den_factor});
        return l;
    }
    struct ranked {
        item it;
        int rank, sub;
        const node* base;
    };
    std::vector<ranked> num, den;
    const node* coef = nullptr;
    constexpr int exp_rank = 2 * static_cast<int>(function::exp);
    for (const node* f : n->ops()) {
        if (f->is_number() && !coef) {
            coef = f;
            continue;
        }
        const bool in_den = is_negative_power(f);
        const node* b = f->kind == kind::power ? f->op(0) : f;
        ranked r{{f, in_den ? item_kind::den_factor : item_kind::factor}, 7, 0, b};
        // Coefficient, constants (2π), radicals (√2), symbols by name (x²y),
        // functions in functions.inc order (sin before cos, exp last, user
        // functions just before exp), other powers, then sums: x^x(log(x) + 1).
        if (f->kind == kind::constant)
            r.rank = 1;
        else if (f->kind == kind::power && b->is_number() && f->op(1)->kind == kind::number && !f->op(1)->is_exact_integer())
            r.rank = 2;
        else if (b->kind == kind::symbol)
            r.rank = 3;
        else if (b->kind == kind::apply)
            r.rank = 4, r.sub = 2 * static_cast<int>(b->fn());
        else if (b->kind == kind::call)
            r.rank = 4, r.sub = exp_rank - 1;
        else if (f->kind == kind::power)
            r.rank = 5;
        else if (f->kind == kind::sum)
            r.rank = 6;
        (in_den ? den : num).push_back(r);
    }
    auto order = [this](const ranked& a, const ranked& b) {
        if (a.rank != b.rank) return a.rank < b.rank;
        if (a.sub != b.sub) return a.sub < b.sub;
        if (a.rank == 3) {
            if (int c = a.base->name().compare(b.base->name())) return c < 0;
        } else if (a.base != b.base) {
            if (int c = key(a.base).compare(key(b.base))) return c < 0;
        }
        if (int c = key(a.it.n).compare(key(b.it.n))) return c < 0;
        return compare(a.it.n, b.it.n) < 0;
    };
    std::sort(num.begin(), num.end(), order);
    std::sort(den.begin(), den.end(), order);

    if (coef) {
        l.negative = is_negative_number(coef);
        // The coefficient's numerator shows unless it is 1 (x, not 1x; −x);
        // a float coefficient always shows.
        bool show_num = coef->kind == kind::real || abs(numerator(coef->number())) != 1;
        if (show_num) l.num.push_back({coef, item_kind::coef_num});
        if (coef->kind == kind::number && denominator(coef->number()) != 1) l.den.push_back({coef, item_kind::coef_den});
        l.num_start = static_cast<std::uint8_t>(l.num.size());
        l.den_start = static_cast<std::uint8_t>(l.den.size());
    }
    for (auto& r : num) l.num.push_back(r.it);
    for (auto& r : den) l.den.push_back(r.it);
    return l;
}

// ---------------------------------------------------------------- writer: helpers

std::string_view writer::minus() const { return style_ == nabla::style::unicode ? "−" : "-"; }
std::string_view writer::open() const { return style_ == nabla::style::latex ? "\\left(" : "("; }
std::string_view writer::close() const { return style_ == nabla::style::latex ? "\\right)" : ")"; }

bool writer::named(const node* n) const { return names_ && n != self_ && names_->contains(n); }

bool writer::negative(const node* n) const { return !named(n) && has_minus(n); }

bool writer::superscriptable(const node* e) const {
    if (style_ != nabla::style::unicode || named(e)) return false;
    if (is_simple_exponent(e)) return true;
    if (e->kind != kind::sum) return false;
    return std::all_of(e->ops().begin(), e->ops().end(), [](const node* t) { return is_simple_exponent(t); });
}

bool writer::is_sqrt(const node* n, print_mode m) const {
    if (n->kind != kind::power) return false;
    return m == print_mode::negated ? is_rational(n->op(1), -1, 2) : is_rational(n->op(1), 1, 2);
}

prec writer::prec_of(const node* n, print_mode m) const {
    if (named(n)) return prec::atom;
    switch (n->kind) {
    case kind::number: {
        if (m != print_mode::magnitude && n->number() < 0) return prec::product;
        return denominator(n->number()) == 1 ? prec::atom : prec::product;
    }
    case kind::real: return (m != print_mode::magnitude && n->real() < 0) ? prec::product : prec::atom;
    case kind::symbol:
    case kind::constant: return prec::atom;
    case kind::sum: return prec::sum;
    case kind::product: return prec::product;
    case kind::power: {
        const node* e = n->op(1);
        if (m == print_mode::negated && is_rational(e, -1, 1)) return prec_of(n->op(0), print_mode::normal);
        if (m != print_mode::negated && has_minus(e)) return prec::product;  // a fraction
        // √x is written as an atom in ASCII (sqrt(x)) and LaTeX (\sqrt{x}); in
        // Unicode it must not be a base or a bare exponent: (√x)^y.
        if (is_sqrt(n, m)) return style_ == nabla::style::unicode ? prec::power : prec::atom;
        return prec::power;
    }
    case kind::apply:
        if (n->fn() == function::exp && style_ != nabla::style::ascii) return prec::power;
        return prec::atom;
    case kind::call: return prec::atom;
    }
    return prec::atom;
}

writer::shape writer::shape_of(const node* n, print_mode m) const {
    shape s;
    if (named(n)) return {first::letter, last::letter};
    switch (n->kind) {
    case kind::number:
    case kind::real: return {first::digit, last::digit};
    case kind::symbol: {
        const bool multi = code_points(split_digits(n->name()).first) > 1;
        return {first::letter, last::letter, false, false, multi, multi};
    }
    case kind::constant: return {first::letter, last::letter};
    case kind::sum: return {first::paren, last::close};
    case kind::product: return {first::other, last::other};
    case kind::power: {
        const node* b = n->op(0);
        const node* e = n->op(1);
        const bool base_parens = prec_of(b, print_mode::normal) < prec::atom;
        if (m == print_mode::negated && is_rational(e, -1, 1)) {
            if (prec_of(b, print_mode::normal) < prec::power) return {first::paren, last::close};
            return shape_of(b, print_mode::normal);
        }
        if (is_sqrt(n, m)) {
            s.f = first::other;
            s.l = base_parens ? last::close : last::radical_open;
            return s;
        }
        if (base_parens) {
            s.f = first::paren;
        } else {
            const shape bs = shape_of(b, print_mode::normal);
            s.f = bs.f;
            s.multi_first = bs.multi_first;
        }
        if (superscriptable(e)) {
            s.l = last::super;
            s.super_letters = !e->is_exact_integer();
        } else {
            s.caret = true;
            const print_mode em = m == print_mode::negated ? print_mode::magnitude : print_mode::normal;
            s.l = prec_of(e, em) < prec::atom ? last::close : last::caret_open;
        }
        return s;
    }
    case kind::apply: {
        if (n->fn() == function::abs) return {first::bar, last::bar};
        if (n->fn() != function::exp) return {first::func, last::close};
        const node* u = n->op(0);
        s.f = first::letter;
        if (superscriptable(u)) {
            s.l = last::super;
            s.super_letters = !u->is_exact_integer();
        } else {
            s.caret = true;
            s.l = prec_of(u, print_mode::normal) < prec::atom ? last::close : last::caret_open;
        }
        return s;
    }
    case kind::call: return {first::func, last::close};
    }
    return s;
}

writer::shape writer::shape_of(const item& it) const {
    switch (it.kind) {
    case item_kind::coef_num:
    case item_kind::coef_den: return {first::digit, last::digit};
    case item_kind::factor: return shape_of(it.n, print_mode::normal);
    case item_kind::den_factor: return shape_of(it.n, print_mode::negated);
    }
    return {};
}

// What goes between two adjacent factors: `*` in ASCII, a space in LaTeX,
// and in Unicode juxtaposition where it reads unambiguously (4xy, 2sin(x),
// x^x(log(x) + 1)) and `·` where it would not (n·xⁿ⁻¹, −x·e^(−x²/2), x·sin(x)).
std::string_view writer::separator(const item& a, const item& b) const {
    if (style_ == nabla::style::ascii) return "*";
    const shape B = shape_of(b);
    if (style_ == nabla::style::latex) return B.f == first::digit ? " \\cdot " : " ";
    if (a.kind == item_kind::coef_num || a.kind == item_kind::coef_den) return B.f == first::digit ? "·" : "";
    const shape A = shape_of(a);
    if (B.caret || B.super_letters) return "·";
    if (A.l == last::caret_open || A.l == last::radical_open) return B.f == first::paren ? "" : "·";
    if (B.f == first::digit) return "·";
    if (A.l == last::bar && B.f == first::bar) return "·";
    if (A.l == last::digit && B.f != first::paren) return "·";
    if (A.l == last::letter && B.f == first::func) return "·";
    if (A.l == last::letter && B.f == first::letter && (A.multi_last || B.multi_first)) return "·";
    return "";
}

// ---------------------------------------------------------------- writer: the loop

void writer::push_text(std::string_view t) { stack_.push_back({nullptr, t, 0, act::text, print_mode::normal, 0, 0}); }

void writer::push_node(const node* n, print_mode m, prec min) {
    stack_.push_back({n, {}, 0, act::node, m, static_cast<std::uint8_t>(min), 0});
}

void writer::write(const node* root, print_mode mode, std::string& out) {
    stack_.clear();
    push_node(root, mode, prec::none);
    run(out);
}

void writer::run(std::string& out) {
    while (!stack_.empty() && out.size() < cap_) {
        const task t = stack_.back();
        stack_.pop_back();
        switch (t.what) {
        case act::text: out += t.text; break;
        case act::node: node_task(t.n, t.mode, static_cast<prec>(t.min), out); break;
        case act::terms: terms_task(t.n, t.index, out); break;
        case act::items: items_task(t.n, t.which, t.index, t.mode, out); break;
        case act::superscript: superscript(t.n, t.mode == print_mode::negated, out); break;
        case act::coef_num:
        case act::coef_den: break;  // emitted directly by items_task
        case act::args: args_task(t.n, t.index, out); break;
        }
    }
}

void writer::node_task(const node* n, print_mode m, prec min, std::string& out) {
    if (named(n)) {
        out += names_->at(n);
        return;
    }
    if (prec_of(n, m) < min) {
        out += open();
        push_text(close());
    }
    switch (n->kind) {
    case kind::number:
    case kind::real: print_number(n, m, out); break;
    case kind::symbol: out += symbol_text(n->name(), style_); break;
    case kind::constant:
        if (n->constant_id() == constant::pi)
            out += style_ == nabla::style::unicode ? "π" : style_ == nabla::style::ascii ? "pi" : "\\pi";
        else
            out += "e";
        break;
    case kind::sum: stack_.push_back({n, {}, 0, act::terms, m, 0, 0}); break;
    case kind::product: print_product(n, *cache_.layout_of(n), m, out); break;
    case kind::power: print_power(n, m, out); break;
    case kind::apply: print_apply(n, out); break;
    case kind::call: print_call(n, out); break;
    }
}

void writer::print_number(const node* n, print_mode m, std::string& out) {
    if (n->kind == kind::real) {
        const double v = n->real();
        if (v < 0 && m != print_mode::magnitude) out += minus();
        out += real_text(std::abs(v));
        return;
    }
    const rational_t& v = n->number();
    if (v < 0 && m != print_mode::magnitude) out += minus();
    const integer_t p = abs(numerator(v));
    const integer_t& q = denominator(v);
    if (q == 1)
        out += p.str();
    else if (style_ == nabla::style::latex)
        out += "\\frac{" + p.str() + "}{" + q.str() + "}";
    else
        out += p.str() + "/" + q.str();
}

void writer::terms_task(const node* n, std::uint32_t i, std::string& out) {
    const layout& l = *cache_.layout_of(n);
    if (i + 1 < l.terms.size()) stack_.push_back({n, {}, i + 1, act::terms, print_mode::normal, 0, 0});
    const node* t = l.terms[i];
    if (i == 0) {
        push_node(t, print_mode::normal, prec::none);
        return;
    }
    const bool neg = negative(t);
    if (neg)
        out += style_ == nabla::style::unicode ? " − " : " - ";
    else
        out += " + ";
    push_node(t, neg ? print_mode::magnitude : print_mode::normal, prec::none);
}

void writer::print_product(const node* n, const layout& l, print_mode m, std::string& out) {
    if (m == print_mode::normal && l.negative) out += minus();
    const bool rest = m == print_mode::rest;
    const std::size_t ns = rest ? l.num_start : 0, ds = rest ? l.den_start : 0;
    const bool has_num = l.num.size() > ns, has_den = l.den.size() > ds;
    auto push_items = [&](std::uint8_t which, std::size_t start) {
        stack_.push_back({n, {}, static_cast<std::uint32_t>(start), act::items, m, 0, which});
    };
    auto push_numerator = [&] {
        if (has_num)
            push_items(0, ns);
        else
            push_text("1");
    };
    if (!has_den) {
        push_numerator();
        return;
    }
    if (style_ == nabla::style::latex) {
        out += "\\frac{";
        push_text("}");
        push_items(1, ds);
        push_text("}{");
        push_numerator();
        return;
    }
    const bool group = l.den.size() - ds > 1;  // 3/(4x)
    if (group) push_text(")");
    push_items(1, ds);
    push_text(group ? "/(" : "/");
    push_numerator();
}

void writer::items_task(const node* n, std::uint8_t which, std::uint32_t i, print_mode m, std::string& out) {
    const layout& l = *cache_.layout_of(n);
    const std::vector<item>& list = which ? l.den : l.num;
    const bool rest = m == print_mode::rest;
    const std::size_t start = rest ? (which ? l.den_start : l.num_start) : 0;
    if (i + 1 < list.size()) stack_.push_back({n, {}, i + 1, act::items, m, 0, which});
    const item& it = list[i];
    if (i > start) out += separator(list[i - 1], it);
    // Each factor binds tighter than the product around it: (x + 1)y, 1/(x + 1).
    // Inside \frac{}{} a lone numerator or denominator needs no parentheses.
    prec min = prec::power;
    const bool fraction = l.den.size() > (rest ? l.den_start : 0);
    if (style_ == nabla::style::latex && fraction && list.size() - start == 1) min = prec::none;
    switch (it.kind) {
    case item_kind::coef_num:
        if (it.n->kind == kind::real)
            out += real_text(std::abs(it.n->real()));
        else
            out += integer_t(abs(numerator(it.n->number()))).str();
        break;
    case item_kind::coef_den: out += integer_t(denominator(it.n->number())).str(); break;
    case item_kind::factor: push_node(it.n, print_mode::normal, min); break;
    case item_kind::den_factor: push_node(it.n, print_mode::negated, min); break;
    }
}

void writer::print_power(const node* n, print_mode m, std::string& out) {
    const node* b = n->op(0);
    const node* e = n->op(1);
    if (m != print_mode::negated && has_minus(e)) {  // x^(−2) alone: 1/x²
        print_product(n, *cache_.layout_of(n), m == print_mode::rest ? print_mode::normal : m, out);
        return;
    }
    const bool neg = m == print_mode::negated;
    if (neg && is_rational(e, -1, 1)) {  // 1/x: the base alone in the denominator
        push_node(b, print_mode::normal, prec::none);
        return;
    }
    if (is_sqrt(n, m)) {
        switch (style_) {
        case nabla::style::unicode:
            out += "√";
            push_node(b, print_mode::normal, prec::atom);
            break;
        case nabla::style::ascii:
            out += "sqrt(";
            push_text(")");
            push_node(b, print_mode::normal, prec::none);
            break;
        case nabla::style::latex:
            out += "\\sqrt{";
            push_text("}");
            push_node(b, print_mode::normal, prec::none);
            break;
        }
        return;
    }
    const print_mode em = neg ? print_mode::magnitude : print_mode::normal;
    if (style_ == nabla::style::latex) {
        push_text("}");
        push_node(e, em, prec::none);
        push_text("^{");
    } else if (superscriptable(e)) {
        stack_.push_back({e, {}, 0, act::superscript, neg ? print_mode::negated : print_mode::normal, 0, 0});
    } else {
        push_node(e, em, prec::atom);
        push_text("^");
    }
    push_node(b, print_mode::normal, prec::atom);
}

void writer::print_apply(const node* n, std::string& out) {
    const function f = n->fn();
    if (f == function::exp && style_ != nabla::style::ascii) {
        const node* u = n->op(0);
        if (style_ == nabla::style::latex) {
            out += "e^{";
            push_text("}");
            push_node(u, print_mode::normal, prec::none);
        } else if (superscriptable(u)) {
            out += "e";
            stack_.push_back({u, {}, 0, act::superscript, print_mode::normal, 0, 0});
        } else {
            out += "e^";
            push_node(u, print_mode::normal, prec::atom);
        }
        return;
    }
    if (f == function::abs && style_ != nabla::style::ascii) {
        const bool latex = style_ == nabla::style::latex;
        out += latex ? "\\left|" : "|";
        push_text(latex ? "\\right|" : "|");
        push_node(n->op(0), print_mode::normal, prec::none);
        return;
    }
    out += style_ == nabla::style::latex ? latex_function(f) : function_name(f);
    out += open();
    push_text(close());
    stack_.push_back({n, {}, 0, act::args, print_mode::normal, 0, 0});
}

// A user function's name with its derivative marks: f, f′, ∂₁∂₂f, D[1,2](f).
std::string call_head(const node* n, nabla::style s) {
    std::string out;
    const std::string& name = n->name();
    const std::vector<std::uint8_t>& d = n->call().derivative_indices;
    const bool unary = n->nops == 1;
    const bool all_first = std::all_of(d.begin(), d.end(), [](std::uint8_t i) { return i == 0; });
    switch (s) {
    case nabla::style::unicode:
        if (d.empty()) {
            out += name;
        } else if (unary && all_first) {  // f′(x), f″(x), f‴(x), f⁽⁴⁾(x)
            out += name;
            if (d.size() == 1)
                out += "′";
            else if (d.size() == 2)
                out += "″";
            else if (d.size() == 3)
                out += "‴";
            else
                out += "⁽" + map_digits(std::to_string(d.size()), superscript_digits) + "⁾";
        } else {  // ∂₁∂₂f(x, y): 1-based argument positions
            for (std::uint8_t i : d) out += "∂" + map_digits(std::to_string(i + 1), subscript_digits);
            out += name;
        }
        break;
    case nabla::style::ascii:
        if (d.empty()) {
            out += name;
        } else if (unary && all_first && d.size() <= 3) {
            out += name + std::string(d.size(), '\'');
        } else {
            out += "D[";
            for (std::size_t k = 0; k < d.size(); ++k) out += (k ? "," : "") + std::to_string(d[k] + 1);
            out += "](" + name + ")";
        }
        break;
    case nabla::style::latex: {
        const std::string head = code_points(name) == 1 ? name : "\\operatorname{" + name + "}";
        if (d.empty()) {
            out += head;
        } else if (unary && all_first) {
            out += head + (d.size() <= 3 ? std::string(d.size(), '\'') : "^{(" + std::to_string(d.size()) + ")}");
        } else {
            for (std::uint8_t i : d) out += "\\partial_{" + std::to_string(i + 1) + "} ";
            out += head;
        }
        break;
    }
    }
    return out;
}

void writer::print_call(const node* n, std::string& out) {
    out += call_head(n, style_);
    out += open();
    push_text(close());
    stack_.push_back({n, {}, 0, act::args, print_mode::normal, 0, 0});
}

void writer::args_task(const node* n, std::uint32_t i, std::string& out) {
    if (i + 1 < n->nops) stack_.push_back({n, {}, i + 1, act::args, print_mode::normal, 0, 0});
    if (i > 0) out += ", ";
    push_node(n->op(i), print_mode::normal, prec::none);
}

// Writes an exponent accepted by superscriptable() as superscript characters:
// ², ⁻¹, ⁿ, ⁿ⁻¹. `negate` prints −e (a power moved to a denominator).
void writer::superscript(const node* e, bool negate, std::string& out) const {
    auto term = [&](const node* t, bool leading) {
        bool sign = negate;
        std::string text;
        if (t->kind == kind::number) {
            const rational_t& v = t->number();
            sign = (v < 0) != negate;
            text = map_digits(integer_t(abs(numerator(v))).str(), superscript_digits);
        } else {
            const node* s = t;
            if (t->kind == kind::product) {
                sign = !negate;
                s = t->op(1);
            }
            const std::string& c = s->name();
            text = c == "n" ? "ⁿ" : c == "i" ? "ⁱ" : c == "m" ? "ᵐ" : c == "k" ? "ᵏ" : "ʲ";
        }
        if (sign)
            out += "⁻";
        else if (!leading)
            out += "⁺";
        out += text;
    };
    if (e->kind != kind::sum) {
        term(e, true);
        return;
    }
    const layout& l = *cache_.layout_of(e);
    for (std::size_t i = 0; i < l.terms.size(); ++i) term(l.terms[i], i == 0);
}

// ---------------------------------------------------------------- labels

std::string node_label(const node* n, nabla::style s) {
    const bool unicode = s == nabla::style::unicode;
    switch (n->kind) {
    case kind::sum: return "+";
    case kind::product: return unicode ? "×" : s == nabla::style::latex ? "\\times" : "*";
    case kind::power: return "^";
    case kind::apply: return std::string(function_name(n->fn()));
    case kind::call: return call_head(n, s);
    case kind::number:
    case kind::real:
    case kind::symbol:
    case kind::constant: {
        std::string text;
        print_cache cache(n);
        writer w(cache, s);
        w.write(n, print_mode::normal, text);
        return text;
    }
    }
    return "?";
}

}  // namespace nabla::detail
