// The printing engine: human operand order (print_cache) and iterative text
// emission (writer). See printer.hpp for the design.

#include "print/printer.hpp"

#include "grammar/lower.hpp"
#include "grammar/unicode.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace nabla::detail {

namespace {

// ---------------------------------------------------------------- small predicates

bool is_negative_number(const node* n) {
    if (n->kind == kind::number) return n->number() < 0;
    if (n->kind == kind::real) return std::signbit(n->real());  // −0.0 prints with its sign
    return false;
}

// The numeric coefficient of a product, if it has one (canonical form puts it first).
const node* coefficient_of(const node* n) {
    if (n->kind == kind::product && n->nops > 0 && n->op(0)->is_number()) return n->op(0);
    return nullptr;
}

bool is_rational(const node* n, long p, long q) {
    if (n->kind != kind::number) return false;
    const rational_t& v = n->number();
    return denominator(v) == q && numerator(v) == p;
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

// A float's shortest round-trip text; LaTeX writes 1e-300 as 1 \cdot 10^{-300}.
std::string float_text(double v, nabla::style s) {
    std::string text = real_text(v);
    const std::size_t e = text.find('e');
    if (s != nabla::style::latex || e == std::string::npos) return text;
    std::string exponent = text.substr(e + 1);
    if (!exponent.empty() && exponent[0] == '+') exponent.erase(0, 1);
    return text.substr(0, e) + " \\cdot 10^{" + exponent + "}";
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
    const auto split = split_digits(name);  // not a structured binding: clang 14 cannot capture one in a lambda
    const auto letters = split.first;
    const auto digits = split.second;
    switch (s) {
    case nabla::style::ascii: return std::string(name);
    case nabla::style::unicode: return std::string(letters) + map_digits(digits, subscript_digits);
    case nabla::style::latex: {
        std::string out;
        auto g = std::find_if(std::begin(greek), std::end(greek), [&](const greek_letter& l) { return l.word == letters || l.letter == letters; });
        if (g != std::end(greek))
            out = g->latex;
        else if (unicode::code_points(letters) == 1)
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

namespace {

// Text order with digit runs compared as numbers: x2 before x10.
int natural_compare(std::string_view a, std::string_view b) {
    std::size_t i = 0, j = 0;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < a.size() && j < b.size()) {
        if (digit(a[i]) && digit(b[j])) {
            std::size_t i2 = i, j2 = j;
            while (i2 < a.size() && a[i2] == '0') ++i2;
            while (j2 < b.size() && b[j2] == '0') ++j2;
            std::size_t ie = i2, je = j2;
            while (ie < a.size() && digit(a[ie])) ++ie;
            while (je < b.size() && digit(b[je])) ++je;
            if (ie - i2 != je - j2) return ie - i2 < je - j2 ? -1 : 1;
            if (int c = a.substr(i2, ie - i2).compare(b.substr(j2, je - j2))) return c;
            i = ie;
            j = je;
            continue;
        }
        if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
        ++i;
        ++j;
    }
    if (i < a.size()) return 1;
    if (j < b.size()) return -1;
    return a.compare(b);  // x01 and x1: still a total order
}

using monomial_t = std::vector<std::pair<const std::string*, double>>;

// A term's symbols and their numeric exponents when it is a monomial
// (c·x^a·y^b…), in name order; empty otherwise.
monomial_t monomial(const node* t) {
    monomial_t out;
    std::span<const node* const> factors(&t, 1);
    if (t->kind == kind::product) factors = t->ops();
    for (const node* f : factors) {
        if (f->is_number() && f == factors.front()) continue;
        if (f->kind == kind::symbol) {
            out.emplace_back(&f->name(), 1.0);
        } else if (f->kind == kind::power && f->op(0)->kind == kind::symbol && f->op(1)->is_number()) {
            const node* e = f->op(1);
            out.emplace_back(&f->op(0)->name(), e->kind == kind::real ? e->real() : e->number().convert_to<double>());
        } else {
            return {};
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return natural_compare(*a.first, *b.first) < 0; });
    return out;
}

// Lexicographic order of monomials of the same degree, as in textbooks:
// x³ before x²y before xy² before xyz. <0 when a comes first, 0 undecided.
int compare_monomials(const monomial_t& ma, const monomial_t& mb) {
    if (ma.empty() || mb.empty()) return 0;
    for (std::size_t i = 0; i < std::min(ma.size(), mb.size()); ++i) {
        // The earlier letter carries the higher power: x²y before xy².
        if (int c = natural_compare(*ma[i].first, *mb[i].first)) return c;
        if (ma[i].second != mb[i].second) return ma[i].second > mb[i].second ? -1 : 1;
    }
    return ma.size() == mb.size() ? 0 : ma.size() < mb.size() ? -1 : 1;
}

// True for a sum of numbers and terms c·x^k, all in the same symbol x.
bool is_univariate_polynomial(const node* sum) {
    const node* variable = nullptr;
    for (const node* t : sum->ops()) {
        if (t->is_number()) continue;
        const node* f = t;
        if (t->kind == kind::product) {
            if (t->nops != 2 || !t->op(0)->is_number()) return false;
            f = t->op(1);
        }
        if (f->kind == kind::power && f->op(1)->is_exact_integer() && f->op(1)->number() > 0) f = f->op(0);
        if (f->kind != kind::symbol || (variable && f != variable)) return false;
        variable = f;
    }
    return true;
}

}  // namespace

print_cache::print_cache(const node* root, const name_map* names) : names_(names) {
    // Post-order over the distinct nodes, with info_ as the visited set.
    std::vector<std::pair<const node*, std::uint32_t>> stack;
    info_.try_emplace(root);
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
        auto& [n, next] = stack.back();
        if (next < n->nops) {
            const node* child = n->op(next++);
            if (info_.try_emplace(child).second) stack.emplace_back(child, 0);
            continue;
        }
        const node* done = n;
        stack.pop_back();
        visit(done);
    }
}

print_cache::~print_cache() = default;

double print_cache::degree(const node* n) const {
    auto it = info_.find(n);
    return it == info_.end() ? 0.0 : it->second.degree;
}

std::uint32_t print_cache::layout_index(const node* n) const {
    auto it = info_.find(n);
    return it == info_.end() ? none : it->second.layout;
}

layout print_cache::layout_at(std::uint32_t index) const {
    if (index == none) return {};
    const stored_layout& s = layouts_[index];
    layout l;
    if (s.terms) l.terms = std::span<const node* const>(term_pool_.data() + s.begin, s.terms);
    if (s.num) l.num = std::span<const item>(item_pool_.data() + s.begin, s.num);
    if (s.den) l.den = std::span<const item>(item_pool_.data() + s.begin + s.num, s.den);
    l.num_start = s.num_start;
    l.den_start = s.den_start;
    l.negative = s.negative;
    return l;
}

const std::string& print_cache::key(const node* n) {
    info& i = info_[n];
    if (i.key != none) return keys_[i.key];
    std::string text;
    if (!key_writer_) {
        key_writer_ = std::make_unique<writer>(*this, nabla::style::ascii);
        key_writer_->set_cap(key_length);
    }
    key_writer_->write(n, print_mode::rest, text);
    // writing may not add entries to info_, so `i` is still valid
    i.key = static_cast<std::uint32_t>(keys_.size());
    keys_.push_back(std::move(text));
    return keys_.back();
}

void print_cache::visit(const node* n) {
    // The sign of the leading coefficient: + for x, − for −2x and for −x + 1.
    auto leading_sign = [this](const node* u) {
        if (u->kind == kind::sum) {
            const layout l = layout_of(u);
            if (!l.terms.empty()) u = l.terms.front();
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

    std::uint32_t index = none;
    if (n->kind == kind::sum || n->kind == kind::product || is_negative_power(n)) {
        stored_layout l;
        if (n->kind == kind::sum)
            sum_layout(n, l);
        else
            product_layout(n, l);
        index = static_cast<std::uint32_t>(layouts_.size());
        layouts_.push_back(l);
    }
    info& i = info_[n];
    i.degree = clamp_degree(d);
    i.layout = index;
}

void print_cache::sum_layout(const node* n, stored_layout& l) {
    struct entry {
        const node* n;
        double degree;
        bool number;
    };
    std::vector<entry> entries;
    entries.reserve(n->nops);
    for (const node* t : n->ops()) entries.push_back({t, degree(t), t->is_number()});
    // Descending degree, numbers last; most sums are ordered by this alone.
    auto by_degree = [](const entry& a, const entry& b) {
        if (a.degree != b.degree) return a.degree > b.degree;
        return a.number < b.number;
    };
    std::sort(entries.begin(), entries.end(), by_degree);
    // Ties: monomials lexicographically (x²y + xy²), then alphabetical without
    // coefficients (2x + y, x + 2y; x2 before x10), then the canonical order
    // so that the result is total. Both texts are computed once per term of
    // a tied run and kept beside it, so the sort touches contiguous memory.
    struct tied {
        const node* n;
        monomial_t mono;
        const std::string* text;
    };
    std::vector<tied> run;
    for (std::size_t i = 0; i < entries.size();) {
        std::size_t j = i + 1;
        while (j < entries.size() && !by_degree(entries[i], entries[j])) ++j;
        if (j - i > 1) {
            run.clear();
            for (std::size_t k = i; k < j; ++k) run.push_back({entries[k].n, monomial(entries[k].n), &key(entries[k].n)});
            std::sort(run.begin(), run.end(), [](const tied& a, const tied& b) {
                if (int c = compare_monomials(a.mono, b.mono)) return c < 0;
                if (int c = natural_compare(*a.text, *b.text)) return c < 0;
                return compare(a.n, b.n) < 0;
            });
            for (std::size_t k = i; k < j; ++k) entries[k].n = run[k - i].n;
        }
        i = j;
    }
    // A sum opens with a positive term when it has one, as people write
    // y − x², 1 − x² and cos(x) − x·sin(x), not −x² + y; a longer polynomial
    // in one variable keeps its descending powers (−x³ + 2x² − 1).
    if (has_minus(entries.front().n) && !(n->nops > 2 && is_univariate_polynomial(n))) {
        const auto positive = std::find_if(entries.begin(), entries.end(), [](const entry& e) { return !has_minus(e.n); });
        if (positive != entries.end()) std::rotate(entries.begin(), positive, positive + 1);
    }
    l.begin = static_cast<std::uint32_t>(term_pool_.size());
    l.terms = n->nops;
    for (const entry& e : entries) term_pool_.push_back(e.n);
}

void print_cache::product_layout(const node* n, stored_layout& l) {
    l.begin = static_cast<std::uint32_t>(item_pool_.size());
    if (n->kind == kind::power) {  // x^(−k) alone prints as 1/x^k
        item_pool_.push_back({n, item_kind::den_factor});
        l.den = 1;
        return;
    }
    struct ranked {
        item it;
        int rank, sub;
        const node* base;
        const std::string* name = nullptr;  // rank 3: a symbol's or a shared subexpression's
    };
    std::vector<ranked> num, den;
    const node* coef = nullptr;
    for (const node* f : n->ops()) {
        if (f->is_number() && !coef) {
            coef = f;
            continue;
        }
        const bool in_den = is_negative_power(f);
        const node* b = f->kind == kind::power && !(names_ && names_->contains(f)) ? f->op(0) : f;
        ranked r{{f, in_den ? item_kind::den_factor : item_kind::factor}, 7, 0, b};
        const std::string* name = nullptr;
        if (b->kind == kind::symbol)
            name = &b->name();
        else if (names_ && names_->contains(b))
            name = &names_->at(b);
        // Coefficient, constants (2π), radicals (√2), symbols by name (x²y),
        // user functions (the chain rule's f′(sin(x))cos(x)), functions in
        // functions.inc order (sin before cos, exp last), other powers, then
        // sums: x^x(log(x) + 1).
        if (f->kind == kind::constant)
            r.rank = 1;
        else if (f->kind == kind::power && b->is_number() && f->op(1)->kind == kind::number && !f->op(1)->is_exact_integer())
            r.rank = 2;
        else if (name)
            r.rank = 3, r.name = name;
        else if (b->kind == kind::apply)
            r.rank = 4, r.sub = 2 * static_cast<int>(b->fn());
        else if (b->kind == kind::call)
            r.rank = 4, r.sub = -1;
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
            if (int c = natural_compare(*a.name, *b.name)) return c < 0;
        } else if (a.base != b.base) {
            if (int c = natural_compare(key(a.base), key(b.base))) return c < 0;
        }
        if (int c = natural_compare(key(a.it.n), key(b.it.n))) return c < 0;
        return compare(a.it.n, b.it.n) < 0;
    };
    std::sort(num.begin(), num.end(), order);
    std::sort(den.begin(), den.end(), order);

    bool coef_num = false, coef_den = false;
    if (coef) {
        l.negative = is_negative_number(coef);
        // The coefficient's numerator shows unless it is 1 (x, not 1x; −x);
        // a float coefficient always shows.
        coef_num = coef->kind == kind::real || abs(numerator(coef->number())) != 1;
        coef_den = coef->kind == kind::number && denominator(coef->number()) != 1;
    }
    if (coef_num) item_pool_.push_back({coef, item_kind::coef_num});
    for (auto& r : num) item_pool_.push_back(r.it);
    if (coef_den) item_pool_.push_back({coef, item_kind::coef_den});
    for (auto& r : den) item_pool_.push_back(r.it);
    l.num = static_cast<std::uint32_t>(coef_num + num.size());
    l.den = static_cast<std::uint32_t>(coef_den + den.size());
    l.num_start = coef_num;
    l.den_start = coef_den;
}

// ---------------------------------------------------------------- writer: helpers

namespace {
constexpr std::uint32_t none_layout = print_cache::none;
}

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
    case kind::real: return (m != print_mode::magnitude && std::signbit(n->real())) ? prec::product : prec::atom;
    case kind::symbol:
    case kind::constant: return prec::atom;
    case kind::sum: return prec::sum;
    case kind::product: {
        // Without its sign or coefficient, −x is just x: 1/xⁿ, not 1/x^(n).
        if (m == print_mode::magnitude || m == print_mode::rest) {
            const layout l = cache_.layout_of(n);
            const std::size_t ns = m == print_mode::rest ? l.num_start : 0, ds = m == print_mode::rest ? l.den_start : 0;
            if (l.num.size() == ns + 1 && l.den.size() == ds && l.num[ns].kind == item_kind::factor)
                return prec_of(l.num[ns].n, print_mode::normal);
        }
        return prec::product;
    }
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
        const bool multi = unicode::code_points(split_digits(n->name()).first) > 1;
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

// The word the parser reads at the end of `out`, as [begin, end) offsets:
// the run of letters, digits and subscripts before `end`, from its first
// letter (2.5ax₂ → ax₂). Empty (begin == end) when there is none.
struct word_span {
    std::size_t begin = 0, end = 0;
};

// The code point that ends at `p` (after `base`): where it starts, and `c`.
const char* previous_code_point(const char* base, const char* p, char32_t& c) {
    const char* q = p - 1;
    while (q != base && (static_cast<unsigned char>(*q) & 0xC0) == 0x80) --q;
    int len = 0;
    c = unicode::decode(q, p, len);
    return q;
}

word_span trailing_word(const std::string& out, std::size_t end) {
    const char* base = out.data();
    const char* p = base + end;
    const char* letter = nullptr;  // the earliest letter of the run so far
    while (p != base) {
        char32_t c;
        const char* q = previous_code_point(base, p, c);
        if (!unicode::is_name_continue(c)) break;
        if (unicode::is_letter(c)) letter = q;
        p = q;
    }
    return letter ? word_span{std::size_t(letter - base), end} : word_span{end, end};
}

// The name the parser reads just before a '(' written now (normalized: x₂ → x2).
std::string trailing_name(const std::string& out) {
    const word_span w = trailing_word(out, out.size());
    return detail::normalize_name(std::string_view(out).substr(w.begin, w.end - w.begin));
}

// The letters of the word at the end of `out`.
std::size_t letters_before(const std::string& out) {
    const word_span w = trailing_word(out, out.size());
    std::size_t letters = 0;
    const char* p = out.data() + w.begin;
    const char* last = out.data() + w.end;
    while (p != last) {
        int len = 0;
        if (unicode::is_letter(unicode::decode(p, last, len))) ++letters;
        p += len;
    }
    return letters;
}

// Where the word ends that a power written at the end of `out` leaves in
// front of its superscript: abs² → the end of abs.
std::size_t before_superscripts(const std::string& out) {
    const char* base = out.data();
    const char* p = base + out.size();
    while (p != base) {
        char32_t c;
        const char* q = previous_code_point(base, p, c);
        if (!unicode::superscript_ascii(c)) break;
        p = q;
    }
    return std::size_t(p - base);
}

// What a factor's text starts with: the innermost base of its powers.
const node* leading_base(const item& it) {
    const node* f = it.n;
    while (f->kind == kind::power) f = f->op(0);
    return f;
}

// A factor whose text starts like a number's exponent: a symbol printed
// e1… or E2… (e1_x: an underscore keeps its digits ASCII), or its power.
bool reads_as_exponent(const item& it) {
    const node* f = leading_base(it);
    if (f->kind != kind::symbol) return false;
    const std::string text = symbol_text(f->name(), nabla::style::unicode);
    return text.size() > 1 && (text[0] == 'e' || text[0] == 'E') && text[1] >= '0' && text[1] <= '9';
}

// A denominator that prints as d followed by a letter (a symbol delta, a
// call dxd(…), or a power of one): after `/` it would read as the dx of dz/dx.
bool starts_like_leibniz_variable(const item& it) {
    const node* f = leading_base(it);
    if (f->kind != kind::symbol && f->kind != kind::call) return false;
    const std::string& name = f->name();
    if (name.size() < 2 || name[0] != 'd') return false;
    int len = 0;
    return unicode::is_letter(unicode::decode(name.data() + 1, name.data() + name.size(), len));
}

// What goes between two adjacent factors: `*` in ASCII, a space in LaTeX,
// and in Unicode juxtaposition where it reads unambiguously (4xy, 2sin(x),
// x^x(log(x) + 1)) and `·` where it would not (n·xⁿ⁻¹, −x·e^(−x²/2), x·sin(x)).
std::string_view writer::separator(const item& a, const item& b, const std::string& out) const {
    if (style_ == nabla::style::ascii) return "*";
    const shape B = shape_of(b);
    if (style_ == nabla::style::latex) return B.f == first::digit ? " \\cdot " : " ";
    // Inside |…|, a bar after an operand reads as the closing one: |2·|x| + y|.
    if (B.f == first::bar && open_bars_ > 0) return "·";
    if (a.kind == item_kind::coef_num || a.kind == item_kind::coef_den) {
        // 1e-300·x: a float in exponent notation does not juxtapose; nor
        // does a number before a name printed e1…, which would read as 13e1.
        const bool scientific = a.n->kind == kind::real && real_text(a.n->real()).find('e') != std::string::npos;
        return B.f == first::digit || scientific || reads_as_exponent(b) ? "·" : "";
    }
    const shape A = shape_of(a);
    if (B.caret || B.super_letters) return "·";
    // x^x(log(x) + 1) and √x(x + 1) multiply, but x^G₂(…) would call G₂.
    if (A.l == last::caret_open || A.l == last::radical_open)
        return B.f == first::paren && detail::name_before_paren_multiplies(trailing_name(out)) ? "" : "·";
    if (B.f == first::digit) return "·";
    if (A.l == last::bar && B.f == first::bar) return "·";
    if (A.l == last::digit && B.f != first::paren) return "·";
    if (A.l == last::letter && B.f == first::func) return "·";
    // xy(x + 1) reads as a product, abx₂(x + 1) as a call of abx₂.
    if (A.l == last::letter && B.f == first::paren && !detail::name_before_paren_multiplies(trailing_name(out)))
        return "·";
    if (A.l == last::letter && B.f == first::letter && (A.multi_last || B.multi_first)) return "·";
    // The parser reads a run of more letters than that as one name.
    if (A.l == last::letter && B.f == first::letter && letters_before(out) >= detail::max_split_letters) return "·";
    return "";
}

// ---------------------------------------------------------------- writer: the loop

void writer::push_text(std::string_view t) { stack_.push_back({nullptr, t, 0, act::text, print_mode::normal, 0, 0, none_layout}); }

void writer::push_node(const node* n, print_mode m, prec min) {
    stack_.push_back({n, {}, 0, act::node, m, static_cast<std::uint8_t>(min), 0, none_layout});
}

void writer::write(const node* root, print_mode mode, std::string& out) {
    stack_.clear();
    open_bars_ = 0;
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
        case act::terms: terms_task(t.n, t.lay, t.index, out); break;
        case act::items: items_task(t.n, t.lay, t.which, t.index, t.mode, t.mark, out); break;
        case act::end_items: (void)break_reserved_word(out, t.mark); break;
        case act::superscript: superscript(t.n, t.mode == print_mode::negated, out); break;
        case act::args: args_task(t.n, t.index, out); break;
        case act::close_bar:
            out += t.text;
            --open_bars_;
            break;
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
    case kind::sum: stack_.push_back({n, {}, 0, act::terms, m, 0, 0, cache_.layout_index(n)}); break;
    case kind::product: print_product(n, cache_.layout_index(n), m, out); break;
    case kind::power: print_power(n, m, out); break;
    case kind::apply: print_apply(n, out); break;
    case kind::call: print_call(n, out); break;
    }
}

void writer::print_number(const node* n, print_mode m, std::string& out) {
    if (n->kind == kind::real) {
        const double v = n->real();
        if (std::signbit(v) && m != print_mode::magnitude) out += minus();
        out += float_text(std::abs(v), style_);
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

void writer::terms_task(const node* n, std::uint32_t lay, std::uint32_t i, std::string& out) {
    const layout l = cache_.layout_at(lay);
    if (i + 1 < l.terms.size()) stack_.push_back({n, {}, i + 1, act::terms, print_mode::normal, 0, 0, lay});
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

void writer::print_product(const node* n, std::uint32_t lay, print_mode m, std::string& out) {
    const layout l = cache_.layout_at(lay);
    if (m == print_mode::normal && l.negative) out += minus();
    const bool rest = m == print_mode::rest;
    const std::size_t ns = rest ? l.num_start : 0, ds = rest ? l.den_start : 0;
    const bool has_num = l.num.size() > ns, has_den = l.den.size() > ds;
    auto push_items = [&](std::uint8_t which, std::size_t start) {
        stack_.push_back({n, {}, static_cast<std::uint32_t>(start), act::items, m, 0, which, lay});
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
    // 3/(4x); and x/(delta), since dx/delta and d/delta read as derivatives.
    const bool group = l.den.size() - ds > 1 || starts_like_leibniz_variable(l.den[ds]);
    if (group) push_text(")");
    push_items(1, ds);
    push_text(group ? "/(" : "/");
    push_numerator();
}

bool writer::ends_in_function_name(const std::string& out) const {
    const word_span w = trailing_word(out, out.size());
    return w.end > w.begin &&
           detail::applies_to_next_letter(detail::normalize_name(std::string_view(out).substr(w.begin, w.end - w.begin)));
}

// Juxtaposed letters can spell a word the parser reads otherwise: a·b·s²
// would print abs² (|…|²), a·c·o·s acos, a·t the keyword at, P·i the name
// Pi. The word is broken with · before the factor that completed it: ab·s².
bool writer::break_reserved_word(std::string& out, std::size_t item_start) const {
    const word_span w = trailing_word(out, before_superscripts(out));
    if (w.begin >= item_start || w.end <= item_start) return false;
    if (!detail::reads_as_one_word(detail::normalize_name(std::string_view(out).substr(w.begin, w.end - w.begin))))
        return false;
    out.insert(item_start, "·");
    return true;
}

void writer::items_task(const node* n, std::uint32_t lay, std::uint8_t which, std::uint32_t i, print_mode m,
                        std::uint32_t mark, std::string& out) {
    const layout l = cache_.layout_at(lay);
    const std::span<const item> list = which ? l.den : l.num;
    const bool rest = m == print_mode::rest;
    const std::size_t start = rest ? (which ? l.den_start : l.num_start) : 0;
    const item& it = list[i];
    if (i > start) {
        std::string_view sep = separator(list[i - 1], it, out);
        // The word before ends unless this factor continues it (a b → ab;
        // not s² x, where the superscript ended it).
        const bool continues_word =
            sep.empty() && shape_of(it).f == first::letter && before_superscripts(out) == out.size();
        // A word that continues still ends here if it is a function's name:
        // c·o·s·x written cosx would read as cos(x). It prints co·sx.
        if (style_ == nabla::style::unicode && (!continues_word || ends_in_function_name(out)) &&
            break_reserved_word(out, mark))
            sep = separator(list[i - 1], it, out);  // ab·s(x + 1): s( now multiplies
        out += sep;
    }
    const auto item_start = static_cast<std::uint32_t>(out.size());
    if (i + 1 < list.size())
        stack_.push_back({n, {}, i + 1, act::items, m, 0, which, lay, item_start});
    else if (style_ == nabla::style::unicode)
        stack_.push_back({n, {}, 0, act::end_items, m, 0, which, lay, item_start});
    // Each factor binds tighter than the product around it: (x + 1)y, 1/(x + 1).
    // Inside \frac{}{} a lone numerator or denominator needs no parentheses.
    prec min = prec::power;
    const bool fraction = l.den.size() > (rest ? l.den_start : 0);
    if (style_ == nabla::style::latex && fraction && list.size() - start == 1) min = prec::none;
    switch (it.kind) {
    case item_kind::coef_num:
        if (it.n->kind == kind::real)
            out += float_text(std::abs(it.n->real()), style_);
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
        print_product(n, cache_.layout_index(n), m == print_mode::rest ? print_mode::normal : m, out);
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
        stack_.push_back({e, {}, 0, act::superscript, neg ? print_mode::negated : print_mode::normal, 0, 0, none_layout});
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
            stack_.push_back({u, {}, 0, act::superscript, print_mode::normal, 0, 0, none_layout});
        } else {
            out += "e^";
            push_node(u, print_mode::normal, prec::atom);
        }
        return;
    }
    if (f == function::abs && style_ != nabla::style::ascii) {
        const bool latex = style_ == nabla::style::latex;
        if (latex) {
            out += "\\left|";
            push_text("\\right|");
        } else {
            out += "|";
            ++open_bars_;
            stack_.push_back({nullptr, "|", 0, act::close_bar, print_mode::normal, 0, 0, none_layout});
        }
        push_node(n->op(0), print_mode::normal, prec::none);
        return;
    }
    out += style_ == nabla::style::latex ? latex_function(f) : function_name(f);
    out += open();
    push_text(close());
    if (n->nops > 0) stack_.push_back({n, {}, 0, act::args, print_mode::normal, 0, 0, none_layout});  // g()
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
        } else if (unary && all_first) {  // f′(x), f″(x), f‴(x), f′′′′(x)
            out += name;
            if (d.size() == 2)
                out += "″";
            else if (d.size() == 3)
                out += "‴";
            else  // primes rather than f⁽⁴⁾, which the grammar does not read
                for (std::size_t k = 0; k < d.size(); ++k) out += "′";
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
        const std::string head = unicode::code_points(name) == 1 ? name : "\\operatorname{" + name + "}";
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
    if (n->nops > 0) stack_.push_back({n, {}, 0, act::args, print_mode::normal, 0, 0, none_layout});  // g()
}

void writer::args_task(const node* n, std::uint32_t i, std::string& out) {
    if (i + 1 < n->nops) stack_.push_back({n, {}, i + 1, act::args, print_mode::normal, 0, 0, none_layout});
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
    const layout l = cache_.layout_of(e);
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
