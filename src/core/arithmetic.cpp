// Canonical sums, products and powers.
//
// Canonical form (the invariants every other pass may rely on):
// - A sum has ≥ 2 operands, none of them a sum; at most one is a number and
//   it comes first; no two terms share the same non-numeric part (like terms
//   are collected: 2x + 3x is 5x); no exact zero term.
// - A product has ≥ 2 operands, none a product; at most one is a number (the
//   coefficient), first, and not exactly 1; no two factors share a base
//   (x·x² is x³; exp(a)·exp(b) is exp(a + b)); a number times a single sum
//   is distributed (2(x + 1) is 2x + 2), as SymPy and Mathematica do, so
//   that x − (x − 1) folds to 1.
// - Operands after the number are ordered by detail::compare (structural
//   hash, then structure) — of the terms in a sum, of the bases in a product
//   — never by address.
// - A power's exponent is not 0 or 1; its base is not 1, not a product with
//   an integer exponent (distributed: (2x)² is 4x²), not a power with an
//   integer exponent ((x^a)² is x^(2a)), not e (e^x is exp(x)).
// - Exact numbers stay exact: √8 is 2√2, 2^200 is an integer.

#include "core/node.hpp"
#include "core/numeric.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <optional>
#include <cmath>

namespace nabla::detail {

// ---------------------------------------------------------------- numeric

namespace {
// Every integer of at most 31 bits is a small number, 0 and 1 among them.
bool is_exact(const node* n, std::int64_t v) { return n->is_small_integer() && n->small_value() == v; }
}  // namespace

numeric numeric::of(const node* n) {
    numeric v;
    if (n->kind == kind::real) {
        v.f = form::real;
        v.d = n->real();
    } else if (n->is_small_integer()) {
        v.s = n->small_value();
    } else {
        v.f = form::exact;
        v.q = n->number();
    }
    return v;
}

void numeric::add(const numeric& o) {
    if (f == form::real || o.f == form::real) {
        d = value() + o.value();
        f = form::real;
    } else if (f == form::small && o.f == form::small && !__builtin_add_overflow(s, o.s, &s)) {
        // stays small
    } else {
        q = exact() + o.exact();
        f = form::exact;
    }
}

void numeric::mul(const numeric& o) {
    std::int64_t product;
    if (f == form::real || o.f == form::real) {
        d = value() * o.value();
        f = form::real;
    } else if (f == form::small && o.f == form::small && !__builtin_mul_overflow(s, o.s, &product)) {
        s = product;
    } else {
        q = exact() * o.exact();
        f = form::exact;
    }
}

double numeric::value() const {
    switch (f) {
    case form::small: return static_cast<double>(s);
    case form::exact: return q->convert_to<double>();
    case form::real: return d;
    }
    return 0;
}
bool numeric::is_zero() const { return f == form::real ? d == 0 : is_exact_zero(); }
expr numeric::to_expr() const {
    switch (f) {
    case form::small: return fits_small(s) ? make_small_number(s) : make_number(rational_t(s));
    case form::exact: return make_number(*q);
    case form::real: return make_real(d);
    }
    return zero();
}

// ---------------------------------------------------------------- splitting

std::pair<expr, expr> split_coefficient(const expr& term) {
    const node* n = term.get();
    if (n->kind == kind::product && n->op(0)->is_number()) {
        auto rest = n->ops().subspan(1);
        expr r = rest.size() == 1 ? expr::share(rest[0]) : intern_ops(kind::product, 0, rest);
        return {expr::share(n->op(0)), r};
    }
    return {one(), term};
}

std::pair<expr, expr> split_power(const expr& factor) {
    const node* n = factor.get();
    if (n->kind == kind::power) return {expr::share(n->op(0)), expr::share(n->op(1))};
    if (n->is_fn(function::exp)) return {nabla::e(), expr::share(n->op(0))};
    return {factor, one()};
}

// ---------------------------------------------------------------- sums

namespace {

// A term of a sum seen as coefficient · rest, without building `rest`.
struct term_view {
    const node* whole;
    const node* coefficient;  // nullptr: 1
    std::span<const node* const> factors;  // empty: the rest is `whole` itself
    std::uint32_t rest_hash;

    std::span<const node* const> rest() const { return factors.empty() ? std::span<const node* const>(&whole, 1) : factors; }
};

term_view view_term(const node* t) {
    if (t->kind == kind::product && t->op(0)->is_number()) {
        auto rest = t->ops().subspan(1);
        return {t, t->op(0), rest, rest.size() == 1 ? rest[0]->hash : hash_ops(kind::product, 0, rest)};
    }
    if (t->kind == kind::product) return {t, nullptr, t->ops(), t->hash};  // xy: rest is x, y as in 3xy
    return {t, nullptr, {}, t->hash};
}

int compare_rest(const term_view& a, const term_view& b) {
    if (a.rest_hash != b.rest_hash) return a.rest_hash < b.rest_hash ? -1 : 1;
    auto ra = a.rest(), rb = b.rest();
    std::size_t n = std::min(ra.size(), rb.size());
    for (std::size_t i = 0; i < n; ++i)
        if (int c = compare(ra[i], rb[i])) return c;
    if (ra.size() != rb.size()) return ra.size() < rb.size() ? -1 : 1;
    return 0;
}

bool same_rest(const term_view& a, const term_view& b) {
    auto ra = a.rest(), rb = b.rest();
    return ra.size() == rb.size() && std::equal(ra.begin(), ra.end(), rb.begin());
}

}  // namespace

namespace {

// The numeric operands of a sum or product: kept as the one node seen until
// a second number makes arithmetic necessary, which is rare and slow.
class numeric_part {
public:
    explicit numeric_part(bool multiplicative) : multiplicative_(multiplicative) {}
    void take(const node* n) { numbers_.push_back(n); }
    // The identity (0 for sums, 1 for products) counts as absent.
    bool is_identity() const {
        if (numbers_.size() <= 1) {
            const node* n = single();
            if (!n || n == (multiplicative_ ? one().get() : zero().get())) return true;
            return !multiplicative_ && n->kind == kind::real && n->real() == 0;  // x + 0.0 is x
        }
        return multiplicative_ ? folded().is_exact_one() : folded().is_zero();
    }
    bool is_exact_zero() const {
        if (numbers_.size() <= 1) return single() == zero().get();
        return folded().is_exact_zero();
    }
    expr get() const {
        if (numbers_.size() <= 1) return single() ? expr::share(single()) : (multiplicative_ ? one() : zero());
        return folded().to_expr();
    }
    numeric value() const {
        if (numbers_.size() <= 1) return single() ? numeric::of(single()) : multiplicative_ ? numeric::unit() : numeric{};
        return folded();
    }

private:
    const node* single() const { return numbers_.empty() ? nullptr : numbers_[0]; }
    // Floats round by the order they are combined in: with a float among
    // them, the numbers are combined in their structural order, so that a
    // sum or product is the same node whatever order its operands came in.
    const numeric& folded() const {
        if (folded_count_ != numbers_.size()) {
            if (std::any_of(numbers_.begin(), numbers_.end(), [](const node* n) { return n->kind == kind::real; }))
                std::sort(numbers_.begin(), numbers_.end(), [](const node* a, const node* b) { return compare(a, b) < 0; });
            value_.emplace(numeric::of(numbers_[0]));
            for (std::size_t k = 1; k < numbers_.size(); ++k) {
                if (multiplicative_) value_->mul(numeric::of(numbers_[k]));
                else value_->add(numeric::of(numbers_[k]));
            }
            folded_count_ = numbers_.size();
        }
        return *value_;
    }

    bool multiplicative_;
    mutable boost::container::small_vector<const node*, 4> numbers_;
    mutable std::size_t folded_count_ = 0;
    mutable std::optional<numeric> value_;  // once two numbers met: a rational is not free to make
};

template <class T>
using small = boost::container::small_vector<T, 8>;

// Flattens the operands of an n-ary sum or product: operands of kind `k`
// contribute their own operands; numbers go to `numbers`, the rest to `other`.
template <class Other>
void flatten(std::span<const node* const> operands, nabla::kind k, numeric_part& numbers, Other&& other) {
    auto take = [&](const node* n) {
        if (n->is_number())
            numbers.take(n);
        else
            other(n);
    };
    for (const node* n : operands) {
        if (n->kind == k)
            for (const node* op : n->ops()) take(op);
        else
            take(n);
    }
}

}  // namespace

expr make_sum_nodes(std::span<const node* const> terms) {
    numeric_part constant(false);
    small<term_view> views;
    flatten(terms, kind::sum, constant, [&](const node* t) { views.push_back(view_term(t)); });

    // Like terms next to each other, and among them a fixed order: float
    // coefficients add up by it.
    std::sort(views.begin(), views.end(), [](const term_view& a, const term_view& b) {
        const int c = compare_rest(a, b);
        return c != 0 ? c < 0 : compare(a.whole, b.whole) < 0;
    });

    small<expr> kept;  // owns the nodes built here
    small<const node*> ops;
    expr number;
    if (!constant.is_identity()) {
        number = constant.get();
        ops.push_back(number.get());
    }
    for (std::size_t i = 0; i < views.size();) {
        std::size_t j = i + 1;
        while (j < views.size() && same_rest(views[i], views[j])) ++j;
        if (j == i + 1) {  // a lone term stays the node it was
            ops.push_back(views[i].whole);
            i = j;
            continue;
        }
        numeric c;
        for (std::size_t k = i; k < j; ++k) c.add(views[k].coefficient ? numeric::of(views[k].coefficient) : numeric::unit());
        if (!c.is_zero()) {
            auto rest = views[i].rest();
            if (c.is_exact_one()) {
                kept.push_back(rest.size() == 1 ? expr::share(rest[0]) : intern_ops(kind::product, 0, rest));
            } else {
                expr coefficient = c.to_expr();
                small<const node*> factors{coefficient.get()};
                factors.insert(factors.end(), rest.begin(), rest.end());
                kept.push_back(intern_ops(kind::product, 0, factors));
            }
            ops.push_back(kept.back().get());
        }
        i = j;
    }

    if (ops.empty()) return constant.get();
    if (ops.size() == 1) return expr::share(ops[0]);
    return intern_ops(kind::sum, 0, ops);
}

bool ordered_sum_ops(std::span<const node* const> terms, boost::container::small_vector<const node*, 8>& ops) {
    const node* number = nullptr;
    small<term_view> views;
    for (const node* t : terms) {
        if (t->kind == kind::sum) return false;
        if (t->is_number()) {
            // Two numbers add up; 0 and 0.0 are left out.
            if (number || t == zero().get() || (t->kind == kind::real && t->real() == 0)) return false;
            number = t;
            continue;
        }
        views.push_back(view_term(t));
    }
    // make_sum_nodes' order; terms with different rests compare unequal.
    for (std::size_t i = 1; i < views.size(); ++i)
        for (std::size_t j = i; j > 0 && compare_rest(views[j], views[j - 1]) < 0; --j) std::swap(views[j], views[j - 1]);
    if (number) ops.push_back(number);
    for (std::size_t i = 0; i < views.size(); ++i) {
        if (i > 0 && same_rest(views[i], views[i - 1])) return false;
        ops.push_back(views[i].whole);
    }
    return ops.size() >= 2;
}

expr make_sum(std::span<const expr> terms) {
    // The caller keeps the terms alive: no copies, no reference counts.
    small<const node*> nodes;
    for (const expr& t : terms) nodes.push_back(t.get());
    return make_sum_nodes(nodes);
}
expr make_sum(const std::vector<expr>& terms) { return make_sum(std::span<const expr>(terms)); }

// ---------------------------------------------------------------- products

namespace {

struct base_power {
    const node* whole;  // the factor as given
    const node* base;
    const node* exponent;
};

// Immortal nodes (their owners keep a reference forever), without a call.
const node* one_node() {
    static const node* const n = one().get();
    return n;
}
const node* euler_node() {
    static const node* const n = nabla::e().get();
    return n;
}

base_power view_factor(const node* f) {
    if (f->kind == kind::power) return {f, f->op(0), f->op(1)};
    if (f->is_fn(function::exp)) return {f, euler_node(), f->op(0)};
    return {f, f, one_node()};
}

}  // namespace

namespace {

// c·t for a number c (not 0 or 1) and a term t of a sum; the result has the
// non-numeric part t had.
expr scale_term(const node* c, const node* t) {
    if (t->is_number() || (t->kind == kind::product && t->op(0)->is_number())) {
        const node* k = t->is_number() ? t : t->op(0);
        numeric v = numeric::of(c);
        v.mul(numeric::of(k));
        if (t->is_number() || v.is_zero()) return v.to_expr();
        auto rest = t->ops().subspan(1);
        if (v.is_exact_one()) return rest.size() == 1 ? expr::share(rest[0]) : intern_ops(kind::product, 0, rest);
        expr coefficient = v.to_expr();
        small<const node*> ops{coefficient.get()};
        ops.insert(ops.end(), rest.begin(), rest.end());
        return intern_ops(kind::product, 0, ops);
    }
    small<const node*> ops{c};
    if (t->kind == kind::product) ops.insert(ops.end(), t->ops().begin(), t->ops().end());  // xy → c·x·y
    else ops.push_back(t);
    return intern_ops(kind::product, 0, ops);
}

// c·(t₁ + … + tₙ) as c·t₁ + … + c·tₙ, for a number c that is not 0 or 1.
// Scaling changes no term's non-numeric part, so the terms keep their
// canonical order and no two become alike: no sorting, no collecting.
// Nothing when a term vanishes (a float coefficient underflowing to 0): the
// general path handles that.
std::optional<expr> distribute(const node* c, const node* sum) {
    small<expr> terms;
    small<const node*> ops;
    for (const node* t : sum->ops()) {
        terms.push_back(scale_term(c, t));
        const node* scaled = terms.back().get();
        const node* k = scaled->kind == kind::product ? scaled->op(0) : scaled;
        if (k->is_number() && numeric::of(k).is_zero()) return std::nullopt;
        ops.push_back(scaled);
    }
    return intern_ops(kind::sum, 0, ops);
}

}  // namespace

expr make_product_nodes(std::span<const node* const> factors) {
    numeric_part coefficient(true);
    small<base_power> items;
    flatten(factors, kind::product, coefficient, [&](const node* f) { items.push_back(view_factor(f)); });
    if (coefficient.is_exact_zero()) return zero();

    auto by_base = [](const base_power& a, const base_power& b) { return compare(a.base, b.base) < 0; };
    if (items.size() == 2) {
        if (by_base(items[1], items[0])) std::swap(items[0], items[1]);
    } else {
        std::sort(items.begin(), items.end(), by_base);
    }

    small<expr> built;           // owns powers built by merging
    small<const node*> merged;   // the factors after combining equal bases
    bool regroup = false;        // a merged power became a product or another base: flatten again
    for (std::size_t i = 0; i < items.size();) {
        std::size_t j = i + 1;
        while (j < items.size() && items[j].base == items[i].base) ++j;
        if (j == i + 1) {
            merged.push_back(items[i].whole);
            i = j;
            continue;
        }
        small<const node*> exponents;
        for (std::size_t k = i; k < j; ++k) exponents.push_back(items[k].exponent);
        expr p = make_power(expr::share(items[i].base), make_sum_nodes(exponents));
        if (p.get()->is_number()) {
            coefficient.take(p.get());
            built.push_back(std::move(p));  // keep the node alive while coefficient refers to it
        } else {
            if (p.kind() == kind::product || view_factor(p.get()).base != items[i].base) regroup = true;
            merged.push_back(p.get());
            built.push_back(std::move(p));
        }
        i = j;
    }
    if (regroup) {
        // Each pass merges at least one pair of equal bases, so this ends.
        expr c = coefficient.get();
        merged.push_back(c.get());
        return make_product_nodes(merged);
    }

    if (coefficient.is_exact_zero()) return zero();
    if (merged.empty()) return coefficient.get();

    // A number times one sum distributes: 2(x + 1) → 2x + 2.
    if (merged.size() == 1 && merged[0]->kind == kind::sum && !coefficient.is_identity()) {
        expr c = coefficient.get();
        if (auto scaled = distribute(c.get(), merged[0])) return std::move(*scaled);
        small<expr> terms;
        small<const node*> term_nodes;
        for (const node* t : merged[0]->ops()) {
            const node* pair[2] = {c.get(), t};
            terms.push_back(make_product_nodes(pair));
            term_nodes.push_back(terms.back().get());
        }
        return make_sum_nodes(term_nodes);
    }
    if (merged.size() == 1 && coefficient.is_identity()) return expr::share(merged[0]);

    // `merged` is in base order already, which is the canonical factor order.
    expr c;
    if (!coefficient.is_identity()) {
        c = coefficient.get();
        merged.insert(merged.begin(), c.get());
    }
    return intern_ops(kind::product, 0, merged);
}

const node* factor_base(const node* f) { return view_factor(f).base; }

bool ordered_product_ops(const node* coefficient, std::span<const node* const> factors,
                         boost::container::small_vector<const node*, 8>& ops) {
    if (factors.empty() || (factors.size() == 1 && (!coefficient || factors[0]->kind == kind::sum))) return false;
    small<base_power> items;
    for (const node* f : factors) {
        if (f->is_number() || f->kind == kind::product) return false;
        items.push_back(view_factor(f));
    }
    // make_product_nodes' order: by base (distinct bases compare unequal,
    // so the order is the same whatever the sort).
    for (std::size_t i = 1; i < items.size(); ++i)
        for (std::size_t j = i; j > 0 && compare(items[j].base, items[j - 1].base) < 0; --j)
            std::swap(items[j], items[j - 1]);
    if (coefficient) ops.push_back(coefficient);
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0 && items[i].base == items[i - 1].base) return false;
        ops.push_back(items[i].whole);
    }
    return true;
}

namespace {

// Appends the factors ops[first…] but ops[skip] to `factors`, with g put in
// its place in base order. False, with `factors` unfinished, when one of
// them has g's base (they would fold).
bool insert_in_base_order(std::span<const node* const> ops, std::size_t first, std::size_t skip, const node* g,
                          small<const node*>& factors) {
    const node* base = view_factor(g).base;
    bool placed = false;
    for (std::size_t k = first; k < ops.size(); ++k) {
        if (k == skip) continue;
        const node* other = view_factor(ops[k]).base;
        if (other == base) return false;
        if (!placed && compare(other, base) > 0) {
            factors.push_back(g);
            placed = true;
        }
        factors.push_back(ops[k]);
    }
    if (!placed) factors.push_back(g);
    return true;
}

}  // namespace

expr replace_factor(const node* p, std::size_t skip, const node* f) {
    auto ops = p->ops();
    auto general = [&] {
        small<const node*> factors{f};
        for (std::size_t k = 0; k < ops.size(); ++k)
            if (k != skip) factors.push_back(ops[k]);
        return make_product_nodes(factors);
    };
    // The other factors are canonical and in base order already: f only has
    // to find its place, unless it folds with them (a number, a product, a
    // base they have, a sum left alone with the coefficient).
    if (f->is_number() || f->kind == kind::product) return general();
    const std::size_t first = ops[0]->is_number() ? 1 : 0;
    if (f->kind == kind::sum && first == 1 && ops.size() == 2) return general();
    small<const node*> factors;
    if (first == 1 && skip != 0) factors.push_back(ops[0]);
    if (!insert_in_base_order(ops, first, skip, f, factors)) return general();
    if (factors.size() == 1) return expr::share(f);
    return intern_ops(kind::product, 0, factors);
}

expr replace_scaled_factor(const node* p, std::size_t skip, const node* f) {
    // f = k·g: k joins p's coefficient and g takes the place of the factor,
    // unless g folds with the others (a base they have, a sum left alone
    // with the coefficient) or the coefficients are not machine integers.
    auto ops = p->ops();
    const bool scaled = f->kind == kind::product && f->nops == 2 && f->op(0)->is_small_integer();
    if (!scaled) return replace_factor(p, skip, f);
    const node* g = f->op(1);
    const std::size_t first = ops[0]->is_number() ? 1 : 0;
    std::int64_t k = f->op(0)->small_value();
    if (first == 1 && skip != 0 &&
        (!ops[0]->is_small_integer() || __builtin_mul_overflow(k, ops[0]->small_value(), &k) || !fits_small(k)))
        return replace_factor(p, skip, f);
    if (g->kind == kind::sum) return replace_factor(p, skip, f);
    expr coefficient;
    small<const node*> factors;
    if (k != 1) {
        coefficient = make_small_number(k);
        factors.push_back(coefficient.get());
    }
    if (!insert_in_base_order(ops, first, skip, g, factors)) return replace_factor(p, skip, f);
    if (factors.size() == 1) return expr::share(g);
    return intern_ops(kind::product, 0, factors);
}

expr make_product(std::span<const expr> factors) {
    small<const node*> nodes;
    for (const expr& f : factors) nodes.push_back(f.get());
    return make_product_nodes(nodes);
}
expr make_product(const std::vector<expr>& factors) { return make_product(std::span<const expr>(factors)); }

// ---------------------------------------------------------------- powers

namespace {

constexpr std::size_t max_power_bits = 300000;  // about 90,000 decimal digits

std::size_t bit_length(const integer_t& v) { return v == 0 ? 0 : msb(abs(v)) + 1; }

rational_t exact_integer_power(const rational_t& base, const integer_t& exponent) {
    integer_t mag = abs(exponent);
    std::size_t bits = std::max(bit_length(numerator(base)), bit_length(denominator(base)));
    if (bits > 1 && mag > integer_t(max_power_bits)) throw limit_error("number too large: the result would have more than 90000 digits");
    unsigned long long e = mag.convert_to<unsigned long long>();
    if (bits > 1 && (bits - 1) * e > max_power_bits)
        throw limit_error("number too large: the result would have more than 90000 digits");
    integer_t n = boost::multiprecision::pow(numerator(base), static_cast<unsigned>(e));
    integer_t d = boost::multiprecision::pow(denominator(base), static_cast<unsigned>(e));
    if (exponent < 0) {
        if (n == 0) throw domain_error("division by zero");
        std::swap(n, d);
    }
    return rational_t(n, d);
}

// Splits n = a^q · m with a as large as small primes allow (√8 = 2√2, ∛54 = 3∛2).
std::pair<integer_t, integer_t> extract_power(integer_t n, unsigned q) {
    integer_t a = 1;
    for (unsigned p = 2; p < 2000 && n > 1; p += (p == 2 ? 1 : 2)) {
        integer_t pq = boost::multiprecision::pow(integer_t(p), q);
        if (pq > n) break;
        while (n % pq == 0) {
            n /= pq;
            a *= p;
        }
    }
    return {a, n};
}

expr raw_power(const expr& b, const expr& x) {
    const node* ops[2] = {b.get(), x.get()};
    return intern_ops(kind::power, 0, ops);
}

// b^(p/q) for a positive rational b and a non-integer rational exponent.
expr rational_power(const rational_t& b, const rational_t& x) {
    integer_t p = numerator(x), q = denominator(x);
    if (q > 1000) return raw_power(make_number(b), make_number(x));  // no perfect powers to find
    // x = k + r, 0 < r < 1
    integer_t k = p / q;
    if (p < 0 && p % q != 0) k -= 1;
    rational_t r = x - rational_t(k);
    unsigned qq = q.convert_to<unsigned>();
    integer_t rp = numerator(r);  // r = rp/q
    rational_t coefficient = exact_integer_power(b, k);
    std::vector<expr> factors;
    // numerator^r = a^rp · m^r
    auto [a, m] = extract_power(numerator(b), qq);
    coefficient *= exact_integer_power(rational_t(a), rp);
    if (m != 1) factors.push_back(raw_power(make_number(rational_t(m)), make_number(r)));
    // denominator^(−r) = d^(1−r) / d, so no radical stays in a denominator
    integer_t d = denominator(b);
    if (d != 1) {
        auto [ad, md] = extract_power(d, qq);
        coefficient /= exact_integer_power(rational_t(ad), rp);
        if (md != 1) {
            factors.push_back(raw_power(make_number(rational_t(md)), make_number(rational_t(1) - r)));
            coefficient /= rational_t(md);  // rational /= integer is wrong in Boost 1.81
        }
    }
    std::vector<const node*> ops;
    expr c = make_number(coefficient);
    if (coefficient != 1) ops.push_back(c.get());
    // factors in base order, as make_product keeps them
    std::sort(factors.begin(), factors.end(), [](const expr& u, const expr& v) { return compare(u.get()->op(0), v.get()->op(0)) < 0; });
    for (auto& f : factors) ops.push_back(f.get());
    if (ops.size() == 1) return expr::share(ops[0]);
    if (ops.empty()) return one();
    return intern_ops(kind::product, 0, ops);
}

}  // namespace

expr make_power(const expr& base, const expr& exponent) {
    const node* b = base.get();
    const node* x = exponent.get();
    if (x->is_small_integer()) {
        if (x->small_value() == 0) return one();
        if (x->small_value() == 1) return base;
        // Variables are real: |u|² = u², and so for every even power.
        if (b->is_fn(function::abs) && x->small_value() % 2 == 0) return make_power(expr::share(b->op(0)), exponent);
        // The common case, x² or (x + 1)³ or sin(x)²: nothing to fold.
        if (b->kind == kind::symbol || b->kind == kind::sum || b->kind == kind::call ||
            (b->kind == kind::apply && !b->is_fn(function::exp)))
            return raw_power(base, exponent);
    }
    if (is_exact(b, 1)) return one();
    if (is_exact(b, 0)) {
        if (x->is_number()) {
            if (numeric::of(x).value() > 0) return zero();
            throw domain_error("division by zero", "0^" + number_text(x));
        }
        return raw_power(base, exponent);
    }
    if (b->is_number() && x->is_number()) {
        if (b->kind == kind::real || x->kind == kind::real) {
            double r = std::pow(numeric::of(b).value(), numeric::of(x).value());
            if (std::isnan(r)) return raw_power(base, exponent);  // (−2.0)^0.5: not real
            if (std::isinf(r)) throw domain_error("floating-point overflow", number_text(b) + "^" + number_text(x));
            return make_real(r);
        }
        // k⁻¹, as in x/7: the reciprocal directly, without raising a rational to a power.
        if (b->is_small_integer() && x->is_small_integer() && x->small_value() == -1)
            return make_number(rational_t(1, b->small_value()));
        const rational_t& q = b->number();
        const rational_t& e = x->number();
        if (denominator(e) == 1) return make_number(exact_integer_power(q, numerator(e)));
        if (q > 0) return rational_power(q, e);
        // Over the reals an odd root of a negative number is negative,
        // ∛(−8) = −2, and an even root is not defined, as log(−1) is not.
        if (!bit_test(denominator(e), 0)) {
            const std::string where = e == rational_t(1, 2) ? "sqrt(" + number_text(b) + ")"
                                                            : "(" + number_text(b) + ")^(" + number_text(x) + ")";
            throw domain_error(std::string(denominator(e) == 2 ? "square root" : "even root") +
                                   " of a negative number: " + where,
                               where);
        }
        expr magnitude = rational_power(-q, e);
        return bit_test(abs(numerator(e)), 0) ? make_product({make_number(rational_t(-1)), magnitude}) : magnitude;
    }
    if (b->kind == kind::constant && b->constant_id() == constant::e) return make_apply(function::exp, {exponent});
    if (b->is_fn(function::exp)) return make_apply(function::exp, {make_product({expr::share(b->op(0)), exponent})});
    const bool integer_exponent = x->is_exact_integer();
    if (b->kind == kind::power && integer_exponent)
        return make_power(expr::share(b->op(0)), make_product({expr::share(b->op(1)), exponent}));
    // (u²)^(1/2) = |u| over the reals: an even power is |u|'s power, whose
    // powers multiply (√(x²) = |x|, (x⁴)^(1/4) = |x|, (x⁶)^(1/3) = x²).
    if (b->kind == kind::power && b->op(1)->is_small_integer() && b->op(1)->small_value() % 2 == 0 &&
        x->kind == kind::number) {
        const expr magnitude = make_apply(function::abs, {expr::share(b->op(0))});
        return make_power(magnitude, make_product({expr::share(b->op(1)), exponent}));
    }
    if (b->kind == kind::product) {
        if (integer_exponent) {
            std::vector<expr> parts;
            for (const node* f : b->ops()) parts.push_back(make_power(expr::share(f), exponent));
            return make_product(std::move(parts));
        }
        // (4x)^(1/2) → 2·x^(1/2): a positive coefficient comes out.
        if (b->op(0)->is_number() && numeric::of(b->op(0)).value() > 0) {
            auto [c, rest] = split_coefficient(base);
            // (4e)^x → 4^x·eˣ: a lone factor left over still folds (eˣ is exp(x)).
            expr rest_power = rest.get()->kind == kind::product ? raw_power(rest, exponent) : make_power(rest, exponent);
            return make_product({make_power(c, exponent), std::move(rest_power)});
        }
    }
    return raw_power(base, exponent);
}

}  // namespace nabla::detail

// ---------------------------------------------------------------- the public operators

namespace nabla {

using namespace detail;

namespace {
// Most sums and products built through the operators have two operands
// that need no folding: two terms that are not alike, two factors with
// different bases. Those skip the general factories' bookkeeping; the order
// they are put in is the one the factories would choose.
expr sum2(const node* a, const node* b) {
    if (a->kind != kind::sum && b->kind != kind::sum) {
        if (!a->is_number() && !b->is_number()) {
            const term_view va = view_term(a), vb = view_term(b);
            if (const int c = compare_rest(va, vb)) {
                const node* ops[2] = {a, b};
                if (c > 0) std::swap(ops[0], ops[1]);
                return intern_ops(kind::sum, 0, ops);
            }
        } else if (a->is_number() != b->is_number()) {
            // a constant and a term: the constant comes first, unless it is 0
            const node* ops[2] = {a, b};
            if (b->is_number()) std::swap(ops[0], ops[1]);
            if (ops[0]->kind == kind::number ? !is_exact(ops[0], 0) : ops[0]->real() != 0)
                return intern_ops(kind::sum, 0, ops);
        }
    }
    const node* ops[2] = {a, b};
    return make_sum_nodes(ops);
}
expr product2(const node* a, const node* b) {
    if (a->kind != kind::product && b->kind != kind::product) {
        if (!a->is_number() && !b->is_number()) {
            const base_power fa = view_factor(a), fb = view_factor(b);
            if (fa.base != fb.base) {
                const node* ops[2] = {a, b};
                if (compare(fa.base, fb.base) > 0) std::swap(ops[0], ops[1]);
                return intern_ops(kind::product, 0, ops);
            }
        } else if (a->is_number() != b->is_number()) {
            // a coefficient and a factor that is not a sum (a sum would take
            // the coefficient into its terms)
            const node* ops[2] = {a, b};
            if (b->is_number()) std::swap(ops[0], ops[1]);
            if (ops[1]->kind != kind::sum && !is_exact(ops[0], 0) && !is_exact(ops[0], 1))
                return intern_ops(kind::product, 0, ops);
        }
    }
    const node* ops[2] = {a, b};
    return make_product_nodes(ops);
}
}  // namespace

expr operator+(const expr& a, const expr& b) { return sum2(a.get(), b.get()); }
expr operator-(const expr& a, const expr& b) { return sum2(a.get(), (-b).get()); }
expr operator*(const expr& a, const expr& b) { return product2(a.get(), b.get()); }
expr operator/(const expr& a, const expr& b) { return product2(a.get(), make_power(b, minus_one()).get()); }
expr operator-(const expr& a) { return product2(minus_one().get(), a.get()); }
expr& operator+=(expr& a, const expr& b) { return a = a + b; }
expr& operator-=(expr& a, const expr& b) { return a = a - b; }
expr& operator*=(expr& a, const expr& b) { return a = a * b; }
expr& operator/=(expr& a, const expr& b) { return a = a / b; }

expr pow(const expr& base, const expr& exponent) { return make_power(base, exponent); }
expr sqrt(const expr& x) { return make_power(x, half()); }
expr add(const std::vector<expr>& terms) { return make_sum(terms); }
expr mul(const std::vector<expr>& factors) { return make_product(factors); }

}  // namespace nabla
