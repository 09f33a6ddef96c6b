// simplify(): bounded, directed rewriting for what canonical form leaves.
// Each pass rebuilds the DAG bottom-up (iteratively, memoized) and tries a
// few named rules at every sum and product; passes repeat until nothing
// changes (fixed point) or the step or time budget runs out.
//
//   pythagoras:        a·sin(u)²·R + a·cos(u)²·R → a·R, 1 − cos(u)² → sin(u)²  (and cosh² − sinh² = 1)
//   sign-abs:          sign(u)·|u|^k → u·|u|^(k−1), |u|^(2k) → u^(2k)
//   common-factor:     a·b·x + a·c·y → a·(b·x + c·y)   (bases at their lowest power)
//   rational-normal:   a/b + c/d → (a·d + c·b)/(b·d)   (kept when not larger)
//   expand-cancel:     (x + 1)² − x² − 2x − 1 → 0      (the expansion, kept when smaller)
//   clear-fractions:   1/(2(x²/4 + 1)) → 2/(x² + 4)     (a denominator's fractional coefficients)
//   cancel-fraction:   (x² − 1)/(x − 1) → x + 1         (common polynomial factors; kept when not larger)
//   angle-expand:      sin(2x) − 2sin(x)cos(x) → 0      (multiple and sum angles of sin, cos, sinh and
//                                                        cosh, tan as sin/cos, written out and
//                                                        simplified, kept when smaller)

#include "core/traverse.hpp"
#include "diff/engine.hpp"
#include "diff/polynomial.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

namespace nabla {

namespace {

using detail::node;

expr share(const node* n) { return expr::share(n); }

struct budget {
    const simplify_options& options;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::size_t steps = 0;
    bool out_of_steps() const { return steps >= options.max_steps; }
    bool out_of_time() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > options.max_seconds;
    }
};

// A term as coefficient · Π base^exponent.
struct monomial {
    expr coefficient;
    std::vector<std::pair<expr, expr>> factors;
};

monomial split(const expr& term) {
    monomial m;
    auto [c, rest] = detail::split_coefficient(term);
    m.coefficient = c;
    if (rest.get()->is(kind::product)) {
        for (const node* f : rest.get()->ops()) m.factors.push_back(detail::split_power(share(f)));
    } else if (!rest.is_one()) {
        m.factors.push_back(detail::split_power(rest));
    }
    return m;
}

expr rebuild(const monomial& m, std::size_t skip = ~std::size_t{0}) {
    std::vector<expr> factors{m.coefficient};
    for (std::size_t i = 0; i < m.factors.size(); ++i)
        if (i != skip) factors.push_back(pow(m.factors[i].first, m.factors[i].second));
    return mul(factors);
}

// pythagoras: sin(u)² + cos(u)² = 1 and cosh(u)² − sinh(u)² = 1 between two
// terms a·f(u)²·R and their partner: a·sin²·R + a·cos²·R → a·R, and the same
// for cosh and sinh. With `complements`, the other forms instead:
// a·R − a·sin²·R → a·cos²·R, a·cos²·R − a·R → −a·sin²·R, … These run only
// once nothing else applies (see simplify_report): 1 − sin(x)² is cos(x)²,
// but (sin(x)² − 1)/(sin(x) − 1) is sin(x) + 1 first.
std::optional<expr> pythagoras(const node* sum, bool complements = false) {
    std::vector<monomial> terms;
    for (const node* t : sum->ops()) terms.push_back(split(share(t)));
    for (std::size_t i = 0; i < terms.size(); ++i) {
        for (std::size_t fi = 0; fi < terms[i].factors.size(); ++fi) {
            const auto& [b, x] = terms[i].factors[fi];
            const node* f = b.get();
            if (!(x == expr(2)) || f->kind != kind::apply) continue;
            const expr u = b[0];
            const expr rest = rebuild(terms[i], fi);
            // f(u)² with its partner g(u)², and what rest·f(u)² + partner and
            // rest·f(u)² + complement come to.
            expr partner, with_partner, complement, with_complement;
            if (f->is_fn(function::sin) || f->is_fn(function::cos)) {
                const expr other = f->is_fn(function::sin) ? cos(u) : sin(u);
                partner = rest * pow(other, 2);
                with_partner = rest;
                complement = -rest;  // rest·sin² − rest = −rest·cos²
                with_complement = -rest * pow(other, 2);
            } else if (f->is_fn(function::sinh)) {
                partner = -rest * pow(cosh(u), 2);
                with_partner = -rest;
                complement = rest;  // rest·sinh² + rest = rest·cosh²
                with_complement = rest * pow(cosh(u), 2);
            } else if (f->is_fn(function::cosh)) {
                partner = -rest * pow(sinh(u), 2);
                with_partner = rest;
                complement = -rest;  // rest·cosh² − rest = rest·sinh²
                with_complement = rest * pow(sinh(u), 2);
            } else {
                continue;
            }
            for (std::size_t j = 0; j < terms.size(); ++j) {
                const expr other = share(sum->op(j));
                if (j == i || !(other == (complements ? complement : partner))) continue;
                std::vector<expr> out;
                for (std::size_t k = 0; k < terms.size(); ++k)
                    if (k != i && k != j) out.push_back(share(sum->op(k)));
                out.push_back(other == partner ? with_partner : with_complement);
                return add(out);
            }
        }
    }
    return std::nullopt;
}

// tangent-cosine: tan(u)ᵃ·cos(u)ᵇ, a and b whole numbers of one sign, is
// sin(u)ᵏ·tan(u)ᵃ⁻ᵏ·cos(u)ᵇ⁻ᵏ with k the one of a, b nearer 0, since
// tan(u)·cos(u) = sin(u); the same for tanh and cosh. It takes the
// derivative of cot(x) = 1/tan(x), −1/(cos(x)²tan(x)²), to −1/sin(x)².
std::optional<expr> tangent_cosine(const node* product) {
    monomial m = split(share(product));
    for (std::size_t i = 0; i < m.factors.size(); ++i) {
        const auto& [tangent, a] = m.factors[i];
        const node* t = tangent.get();
        const bool circular = t->is_fn(function::tan), hyperbolic = t->is_fn(function::tanh);
        const std::optional<long long> a_value = a.integer_value();
        if ((!circular && !hyperbolic) || !a_value) continue;
        const expr cosine = circular ? cos(tangent[0]) : cosh(tangent[0]);
        for (std::size_t j = 0; j < m.factors.size(); ++j) {
            const auto& [base, b] = m.factors[j];
            const std::optional<long long> b_value = b.integer_value();
            if (!(base == cosine) || !b_value || (*a_value < 0) != (*b_value < 0)) continue;
            const long long k = *a_value < 0 ? std::max(*a_value, *b_value) : std::min(*a_value, *b_value);
            std::vector<expr> factors{m.coefficient, pow(circular ? sin(tangent[0]) : sinh(tangent[0]), k),
                                      pow(tangent, *a_value - k), pow(cosine, *b_value - k)};
            for (std::size_t f = 0; f < m.factors.size(); ++f)
                if (f != i && f != j) factors.push_back(pow(m.factors[f].first, m.factors[f].second));
            return mul(factors);
        }
    }
    return std::nullopt;
}

// common-factor: the factors every term has, at their lowest power, and the
// rational content of the coefficients.
std::optional<expr> common_factor(const node* sum) {
    std::vector<monomial> terms;
    for (const node* t : sum->ops()) terms.push_back(split(share(t)));
    // Candidate bases: those of the first term with a numeric exponent.
    std::vector<std::pair<expr, expr>> common;
    for (const std::pair<expr, expr>& factor : terms[0].factors) {
        const auto& [b, x] = factor;
        if (!x.is_number()) {
            // eˣ, 2ʸ, x^y: common when every term has the very same power.
            const bool everywhere = std::all_of(terms.begin() + 1, terms.end(), [&factor](const monomial& m) {
                return std::find(m.factors.begin(), m.factors.end(), factor) != m.factors.end();
            });
            if (everywhere) common.push_back(factor);
            continue;
        }
        if (x.is_negative_number()) continue;
        expr lowest = x;
        bool everywhere = true;
        for (std::size_t i = 1; i < terms.size() && everywhere; ++i) {
            everywhere = false;
            for (const auto& [b2, x2] : terms[i].factors) {
                if (!(b2 == b) || !x2.is_number() || x2.is_negative_number()) continue;
                everywhere = true;
                if (x2.number_value() < lowest.number_value()) lowest = x2;
            }
        }
        if (everywhere) common.emplace_back(b, lowest);
    }
    // The numeric content: the gcd of integer coefficients (sign of the first).
    long long g = 0;
    bool integral = true;
    for (const monomial& m : terms) {
        auto v = m.coefficient.integer_value();
        if (!v || *v == 0) {
            integral = false;
            break;
        }
        long long a = *v < 0 ? -*v : *v, b = g;
        while (b) {
            const long long r = a % b;
            a = b;
            b = r;
        }
        g = a;
    }
    if (!integral || g <= 1) g = 1;
    if (common.empty() && g == 1) return std::nullopt;
    std::vector<expr> factors{expr(g)};
    for (const auto& [b, x] : common) factors.push_back(pow(b, x));
    const expr f = mul(factors);
    const expr inverse = pow(f, -1);
    std::vector<expr> inner;
    for (const node* t : sum->ops()) inner.push_back(share(t) * inverse);
    return f * add(inner);
}

// expand(e), or nothing when that would pass 2,000 terms: the rules that
// multiply out try it and move on.
std::optional<expr> expand_bounded(const expr& e) {
    expand_options eo;
    eo.max_terms = 2000;
    try {
        return expand(e, eo);
    } catch (const limit_error&) {
        return std::nullopt;
    }
}

std::uint64_t written_size(const expr& e);

// rational-normal: over a common denominator.
std::optional<expr> rational_normal(const node* sum) {
    std::map<expr, expr> denominator;  // base → largest |negative exponent|
    for (const node* t : sum->ops()) {
        for (const auto& [b, x] : split(share(t)).factors)
            if (x.is_number() && x.is_negative_number()) {
                const expr m = -x;
                auto [it, fresh] = denominator.emplace(b, m);
                if (!fresh && it->second.number_value() < m.number_value()) it->second = m;
            }
    }
    if (denominator.empty()) return std::nullopt;
    std::vector<expr> dfactors;
    for (const auto& [b, x] : denominator) dfactors.push_back(pow(b, x));
    const expr d = mul(dfactors);
    std::vector<expr> numerator;
    for (const node* t : sum->ops()) numerator.push_back(share(t) * d);
    const std::optional<expr> expanded = expand_bounded(add(numerator));
    if (!expanded) return std::nullopt;
    const expr& n = *expanded;
    if (n.is_zero()) return n;
    expr result = n * pow(d, -1);
    if (written_size(result) > written_size(share(sum))) return std::nullopt;
    return result;
}

// clear-fractions: 1/(2(x²/4 + 1)) → 2/(x² + 4). A sum in a denominator
// with fractional coefficients is scaled by their common denominator, which
// then joins the coefficient outside.
std::optional<expr> clear_fractions(const node* product) {
    const monomial m = split(share(product));
    bool changed = false;
    std::vector<expr> factors{m.coefficient};
    for (const auto& [base, exponent] : m.factors) {
        if (!base.get()->is(kind::sum) || !exponent.is_integer() || !exponent.is_negative_number()) {
            factors.push_back(pow(base, exponent));
            continue;
        }
        detail::integer_t lcd = 1;
        bool exact = true;
        for (const node* t : base.get()->ops()) {
            const expr c = t->is_number() ? share(t) : split(share(t)).coefficient;  // 1/3 is its own coefficient
            if (c.get()->kind != kind::number) {
                exact = false;
                break;
            }
            const detail::integer_t d = denominator(c.get()->number());
            lcd = lcd / boost::multiprecision::gcd(lcd, d) * d;
        }
        if (!exact || lcd == 1) {
            factors.push_back(pow(base, exponent));
            continue;
        }
        const expr scale = detail::make_number(detail::rational_t(lcd));
        std::vector<expr> scaled;
        for (const node* t : base.get()->ops()) scaled.push_back(share(t) * scale);
        factors.push_back(pow(add(scaled), exponent));
        factors.push_back(pow(scale, -exponent));
        changed = true;
    }
    if (!changed) return std::nullopt;
    return mul(factors);
}

// cancel-fraction: (x² − 1)/(x − 1) → x + 1. Each factor of the numerator
// and each of the denominator, as polynomials in their atoms, lose their
// greatest common divisor (Euclid, in one variable) or, in several, a factor
// that divides the other exactly. Kept when not larger written out, so
// (x¹⁰ − 1)/(x − 1) stays rather than becoming ten terms.
std::optional<expr> cancel_fraction(const node* product);

// The size of e written out, as a tree (what the reader sees: (x + 1)² + 1
// is 7, x² + 2x + 2 is 8 though it has fewer distinct nodes), saturating.
std::uint64_t written_size(const expr& e) {
    constexpr std::uint64_t cap = std::uint64_t{1} << 40;
    boost::unordered_flat_map<const node*, std::uint64_t> size;
    detail::for_each_post_order(e.get(), [&](const node* n) {
        std::uint64_t s = 1;
        for (const node* c : n->ops()) s = std::min(cap, s + size.find(c)->second);
        size.emplace(n, s);
    });
    return size.find(e.get())->second;
}

// expand-cancel: a sum whose products and powers of sums, multiplied out,
// cancel against its other terms. Taken only when strictly smaller written
// out, so it never undoes common-factor and leaves (x + 1)² + 1 alone.
std::optional<expr> expand_cancel(const node* sum) {
    auto holds_sum = [](const node* t) {
        if (t->is(kind::power)) return t->op(0)->is(kind::sum);
        if (!t->is(kind::product)) return false;
        for (const node* f : t->ops())
            if (f->is(kind::sum) || (f->is(kind::power) && f->op(0)->is(kind::sum))) return true;
        return false;
    };
    if (std::none_of(sum->ops().begin(), sum->ops().end(), holds_sum)) return std::nullopt;
    std::optional<expr> expanded = expand_bounded(share(sum));
    if (!expanded || written_size(*expanded) >= written_size(share(sum))) return std::nullopt;
    return expanded;
}

// angle-expand: sin and cos (sinh and cosh) of a small multiple (2u … 6u)
// or of a short sum (a + b, a + b + c), written in those of the parts, then
// simplified; kept only when that is smaller written out. So a hand-derived
// 2sin(x)cos(x) meets sin(2x), and cos(2x) + 2sin(x)² is 1, while sin(2x)
// alone, or sin(2x) + 1, stays as it is.
constexpr long long max_angle_multiple = 6;
constexpr std::size_t max_angle_terms = 3;

bool expandable_angle(const node* angle) {
    if (angle->is(kind::sum)) return angle->nops <= max_angle_terms;
    if (!angle->is(kind::product) || !angle->op(0)->is_number()) return false;
    const std::optional<long long> k = share(angle->op(0)).integer_value();
    return k && *k >= 2 && *k <= max_angle_multiple;
}

bool is_sine_or_cosine(const node* n) {
    return n->is_fn(function::sin) || n->is_fn(function::cos) || n->is_fn(function::sinh) ||
           n->is_fn(function::cosh);
}

// What angle-expand writes out: sin, cos, sinh and cosh of such an angle,
// and tan and tanh (as sin/cos and sinh/cosh, so 1/cos(x)² meets 1 + tan(x)²).
bool is_expandable_sin_cos(const node* n) {
    if (n->is_fn(function::tan) || n->is_fn(function::tanh)) return true;
    return is_sine_or_cosine(n) && expandable_angle(n->op(0));
}

// sin and cos (sinh and cosh) of `angle`, written out where it is a
// multiple or a sum (to a few levels: sin(2(x + 2y)) is already two). The
// addition formulas differ only in the sign of cos(a + b)'s second term.
std::pair<expr, expr> sin_cos(const expr& angle, bool hyperbolic, int levels = 4) {
    const node* a = angle.get();
    if (levels == 0 || !expandable_angle(a))
        return hyperbolic ? std::pair{sinh(angle), cosh(angle)} : std::pair{sin(angle), cos(angle)};
    auto added = [hyperbolic](const std::pair<expr, expr>& p, const std::pair<expr, expr>& q) {
        const auto& [s1, c1] = p;
        const auto& [s2, c2] = q;
        return std::pair{s1 * c2 + c1 * s2, hyperbolic ? c1 * c2 + s1 * s2 : c1 * c2 - s1 * s2};
    };
    if (a->is(kind::sum)) {
        std::vector<expr> rest;
        for (std::size_t i = 1; i < a->nops; ++i) rest.push_back(share(a->op(i)));
        return added(sin_cos(share(a->op(0)), hyperbolic, levels - 1), sin_cos(add(rest), hyperbolic, levels - 1));
    }
    const auto [k, u] = detail::split_coefficient(angle);
    const std::pair<expr, expr> one = sin_cos(u, hyperbolic, levels - 1);
    std::pair<expr, expr> multiple = one;
    for (long long j = 1; j < *k.integer_value(); ++j) multiple = added(multiple, one);
    return multiple;
}

// e with every sin, cos, sinh and cosh of an expandable angle, and every
// tan and tanh, written out and multiplied out; nothing when that passes
// expand's bound.
std::optional<expr> expand_angles(const expr& e) {
    const expr written_out = detail::map_post_order(
        e, [](const node*) { return std::optional<expr>(); },
        [](const node* n, std::vector<expr> ops, bool changed) {
            expr r = changed ? detail::rebuild(n, std::move(ops)) : share(n);
            const node* rn = r.get();
            if (rn->is_fn(function::tan) || rn->is_fn(function::tanh)) {
                const auto [s, c] = sin_cos(share(rn->op(0)), rn->is_fn(function::tanh));
                return s / c;
            }
            if (is_expandable_sin_cos(rn)) {
                const bool hyperbolic = rn->is_fn(function::sinh) || rn->is_fn(function::cosh);
                const auto [s, c] = sin_cos(share(rn->op(0)), hyperbolic);
                return rn->is_fn(function::sin) || rn->is_fn(function::sinh) ? s : c;
            }
            return r;
        });
    return expand_bounded(written_out);
}

std::optional<expr> angle_expand(const node* sum, const budget& b) {
    // The expansion is simplified by simplify itself, which must not try
    // this rule again on what it was given.
    thread_local bool expanding = false;
    if (expanding) return std::nullopt;
    const std::optional<expr> expanded = expand_angles(share(sum));
    if (!expanded) return std::nullopt;
    expanding = true;
    struct reset {
        ~reset() { expanding = false; }
    } on_exit;
    simplify_options inner = b.options;
    inner.max_steps = b.options.max_steps - std::min(b.steps, b.options.max_steps);
    inner.max_seconds = std::max(0.0, b.options.max_seconds - std::chrono::duration<double>(
                                                                  std::chrono::steady_clock::now() - b.start)
                                                                  .count());
    expr simplified = simplify(*expanded, inner);
    if (written_size(simplified) >= written_size(share(sum))) return std::nullopt;
    return simplified;
}

std::optional<expr> cancel_fraction(const node* product) {
    // Bounds that keep one product's work to a fraction of simplify's second:
    // pairs of factors tried, atoms and terms of a factor, division steps.
    constexpr std::size_t max_items = 16, max_pairs = 64, max_atoms = 8, max_terms = 500, max_steps = 1000;
    std::size_t pairs = 0;
    const monomial m = split(share(product));
    std::vector<expr> numerator, denominator, others;
    bool denominator_has_sum = false;
    for (const auto& [base, exponent] : m.factors) {
        if (!exponent.is_integer() || base.is_number()) {
            others.push_back(pow(base, exponent));
            continue;
        }
        const double k = exponent.number_value();
        auto& side = k > 0 ? numerator : denominator;
        if (std::abs(k) > 8 || side.size() + static_cast<std::size_t>(std::abs(k)) > max_items) return std::nullopt;
        for (int i = 0; i < static_cast<int>(std::abs(k)); ++i) side.push_back(base);
        if (k < 0 && base.get()->is(kind::sum)) denominator_has_sum = true;
    }
    if (!denominator_has_sum || numerator.empty()) return std::nullopt;
    bool changed = false;
    for (expr& b : denominator) {
        for (expr& a : numerator) {
            if (a.is_one() || b.is_one()) continue;
            if (++pairs > max_pairs) break;
            const std::optional<expr> ea = expand_bounded(a), eb = expand_bounded(b);
            if (!ea || !eb) continue;
            std::vector<expr> atoms;
            if (!detail::polynomial::gather_atoms(*ea, atoms) || !detail::polynomial::gather_atoms(*eb, atoms) ||
                atoms.size() > max_atoms)
                continue;
            const auto pa = detail::polynomial::from(*ea, atoms, max_terms), pb = detail::polynomial::from(*eb, atoms, max_terms);
            if (!pa || !pb) continue;
            std::optional<detail::polynomial> g;
            if (const int atom = pa->sole_atom(); atom >= 0 && atom == pb->sole_atom())
                g = detail::gcd_in_one_atom(*pa, *pb, static_cast<std::size_t>(atom), max_steps);
            else if (detail::divide_exactly(*pa, *pb, max_steps))
                g = *pb;
            else if (detail::divide_exactly(*pb, *pa, max_steps))
                g = *pa;
            if (!g || g->is_constant()) continue;
            const auto qa = detail::divide_exactly(*pa, *g, max_steps), qb = detail::divide_exactly(*pb, *g, max_steps);
            if (!qa || !qb) continue;
            a = qa->to_expr(atoms);
            b = qb->to_expr(atoms);
            changed = true;
        }
    }
    if (!changed) return std::nullopt;
    std::vector<expr> factors{m.coefficient};
    for (const expr& a : numerator) factors.push_back(a);
    for (const expr& b : denominator) factors.push_back(pow(b, -1));
    for (const expr& o : others) factors.push_back(o);
    expr result = mul(factors);
    if (written_size(result) > written_size(share(product))) return std::nullopt;
    return result;
}

// One bottom-up pass; returns the rewritten expression. With `complements`,
// only pythagoras' complement forms are tried.
expr pass(const expr& e, budget& b, bool complements = false) {
    boost::unordered_flat_map<const node*, expr> done;
    // Whether a node holds what angle-expand would write out.
    boost::unordered_flat_map<const node*, bool> angled;
    detail::for_each_post_order(e.get(), [&](const node* n) {
        std::vector<expr> ops;
        ops.reserve(n->nops);
        bool changed = false, holds_angle = is_expandable_sin_cos(n);
        for (const node* c : n->ops()) {
            ops.push_back(done.find(c)->second);
            changed = changed || ops.back().get() != c;
            holds_angle = holds_angle || angled.find(c)->second;
        }
        angled.emplace(n, holds_angle);
        expr r = changed ? detail::rebuild(n, std::move(ops)) : share(n);
        if (complements) {
            if (r.get()->is(kind::sum) && !b.out_of_steps())
                if (auto p = pythagoras(r.get(), true)) {
                    ++b.steps;
                    r = *p;
                }
        } else if (!b.out_of_steps() && !b.out_of_time()) {
            const node* rn = r.get();
            if (rn->is(kind::product)) {
                expr c = detail::real_cleanup(r);
                if (!(c == r)) {
                    ++b.steps;
                    r = c;
                } else if (auto f = clear_fractions(rn); f && !(*f == r)) {
                    ++b.steps;
                    r = *f;
                } else if (auto q = cancel_fraction(rn); q && !(*q == r)) {
                    ++b.steps;
                    r = *q;
                } else if (auto t = tangent_cosine(rn)) {
                    ++b.steps;
                    r = *t;
                }
            } else if (rn->is(kind::power)) {
                if (auto f = clear_fractions(rn); f && !(*f == r)) {  // 1/(x/2 + 1/3)
                    ++b.steps;
                    r = *f;
                }
            } else if (rn->is(kind::sum)) {
                if (auto p = pythagoras(rn)) {
                    ++b.steps;
                    r = *p;
                } else if (auto q = rational_normal(rn); q && !(*q == r)) {
                    ++b.steps;
                    r = *q;
                } else if (auto x = expand_cancel(rn)) {
                    ++b.steps;
                    r = *x;
                } else if (auto f = common_factor(rn); f && !(*f == r)) {
                    ++b.steps;
                    r = *f;
                } else if (auto a = holds_angle ? angle_expand(rn, b) : std::nullopt) {
                    ++b.steps;
                    r = *a;
                }
            }
        }
        done.emplace(n, std::move(r));
    });
    return done.find(e.get())->second;
}

}  // namespace

simplify_result simplify_report(const expr& e, const simplify_options& options) {
    budget b{options};
    expr current = e;
    for (;;) {
        if (b.out_of_time()) return {current, stop_reason::time_limit, b.steps};
        if (b.out_of_steps()) return {current, stop_reason::step_limit, b.steps};
        expr next = pass(current, b);
        if (next == current) next = pass(current, b, true);
        if (next == current) return {current, stop_reason::fixed_point, b.steps};
        current = next;
    }
}

expr simplify(const expr& e, const simplify_options& options) { return simplify_report(e, options).value; }

}  // namespace nabla
