#include "diff/polynomial.hpp"

#include <algorithm>

namespace nabla::detail {

namespace {

// Atoms and their whole exponents, one factor at a time; false when the
// factor has no place in a polynomial (a float coefficient).
constexpr std::uint32_t max_degree = 10000;

// The atom and exponent of one factor of a term: x³ is (x, 3); √x, 1/x and
// x^y are atoms of their own, to the first power.
std::pair<expr, std::uint32_t> atom_power(const expr& factor) {
    auto [base, exponent] = split_power(factor);
    if (exponent.is_integer() && !exponent.is_negative_number() && !base.is_number()) {
        const rational_t& k = exponent.get()->number();
        if (k <= max_degree) return {base, static_cast<std::uint32_t>(numerator(k))};
    }
    return {factor, 1};
}

// Calls visit(coefficient, factor list) for each term of an expanded e;
// false when a coefficient is not exact.
template <class Visit>
bool for_each_term(const expr& e, Visit&& visit) {
    auto one = [&](const expr& term) {
        if (term.is_number())  // a constant term: exact or not at all
            return term.get()->kind == kind::number && visit(term.get()->number(), std::vector<expr>{});
        auto [c, rest] = split_coefficient(term);
        if (c.get()->kind != kind::number) return false;
        std::vector<expr> factors;
        if (rest.get()->is(kind::product))
            for (const node* f : rest.get()->ops()) factors.push_back(expr::share(f));
        else if (!rest.is_one())
            factors.push_back(rest);
        return visit(c.get()->number(), factors);
    };
    if (e.get()->is(kind::sum)) {
        for (const node* t : e.get()->ops())
            if (!one(expr::share(t))) return false;
        return true;
    }
    return one(e);
}

}  // namespace

bool polynomial::gather_atoms(const expr& e, std::vector<expr>& atoms) {
    return for_each_term(e, [&](const rational_t&, const std::vector<expr>& factors) {
        for (const expr& f : factors) {
            const expr atom = atom_power(f).first;
            if (std::find(atoms.begin(), atoms.end(), atom) == atoms.end()) atoms.push_back(atom);
        }
        return true;
    });
}

std::optional<polynomial> polynomial::from(const expr& e, const std::vector<expr>& atoms, std::size_t max_terms) {
    polynomial p;
    p.atom_count_ = atoms.size();
    const bool ok = for_each_term(e, [&](const rational_t& c, const std::vector<expr>& factors) {
        exponents x(atoms.size(), 0);
        for (const expr& f : factors) {
            const auto [atom, k] = atom_power(f);
            const auto at = std::find(atoms.begin(), atoms.end(), atom);
            if (at == atoms.end()) return false;
            x[static_cast<std::size_t>(at - atoms.begin())] += k;
        }
        p.add_term(x, c);
        return p.terms_.size() <= max_terms;
    });
    if (!ok) return std::nullopt;
    return p;
}

expr polynomial::to_expr(const std::vector<expr>& atoms) const {
    std::vector<expr> terms;
    for (const auto& [x, c] : terms_) {
        std::vector<expr> factors{make_number(c)};
        for (std::size_t i = 0; i < x.size(); ++i)
            if (x[i] != 0) factors.push_back(pow(atoms[i], expr(static_cast<long long>(x[i]))));
        terms.push_back(mul(factors));
    }
    return terms.empty() ? expr(0) : add(terms);
}

bool polynomial::is_constant() const noexcept {
    return terms_.empty() ||
           (terms_.size() == 1 && std::all_of(terms_.begin()->first.begin(), terms_.begin()->first.end(),
                                              [](std::uint32_t k) { return k == 0; }));
}

int polynomial::sole_atom() const noexcept {
    int found = -1;
    for (const auto& [x, c] : terms_)
        for (std::size_t i = 0; i < x.size(); ++i)
            if (x[i] != 0) {
                if (found >= 0 && found != static_cast<int>(i)) return -1;
                found = static_cast<int>(i);
            }
    return found;
}

void polynomial::add_term(const exponents& e, const rational_t& c) {
    if (c == 0) return;
    auto [it, fresh] = terms_.try_emplace(e, c);
    if (fresh) return;
    it->second += c;
    if (it->second == 0) terms_.erase(it);
}

polynomial polynomial::times_term(const exponents& e, const rational_t& c) const {
    polynomial p;
    p.atom_count_ = atom_count_;
    for (const auto& [x, k] : terms_) {
        exponents y = x;
        for (std::size_t i = 0; i < y.size(); ++i) y[i] += e[i];
        p.terms_.emplace(std::move(y), k * c);
    }
    return p;
}

void polynomial::subtract(const polynomial& other) {
    for (const auto& [x, c] : other.terms_) add_term(x, -c);
}

std::optional<polynomial> divide_exactly(const polynomial& n, const polynomial& d, std::size_t max_steps) {
    if (d.is_zero()) return std::nullopt;
    const auto& [lead, lead_coefficient] = *d.terms_.begin();
    polynomial quotient, rest = n;
    quotient.atom_count_ = n.atom_count_;
    for (std::size_t steps = 0; !rest.is_zero(); ++steps) {
        if (steps == max_steps) return std::nullopt;
        const auto& [x, c] = *rest.terms_.begin();
        polynomial::exponents t(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (x[i] < lead[i]) return std::nullopt;  // the leading term stays: a remainder
            t[i] = x[i] - lead[i];
        }
        const rational_t k = c / lead_coefficient;
        quotient.add_term(t, k);
        rest.subtract(d.times_term(t, k));
    }
    return quotient;
}

std::optional<polynomial> gcd_in_one_atom(polynomial a, polynomial b, std::size_t atom, std::size_t max_steps) {
    std::size_t steps = 0;
    auto degree = [&](const polynomial& p) { return p.terms_.begin()->first[atom]; };
    while (!b.is_zero()) {
        // a mod b, by long division in the one atom.
        const auto [lead, lead_coefficient] = *b.terms_.begin();
        while (!a.is_zero() && degree(a) >= degree(b)) {
            if (++steps > max_steps) return std::nullopt;
            const auto& [x, c] = *a.terms_.begin();
            polynomial::exponents t(x.size(), 0);
            t[atom] = x[atom] - lead[atom];
            a.subtract(b.times_term(t, c / lead_coefficient));
        }
        std::swap(a, b);
    }
    if (a.is_zero()) return a;
    const rational_t lead = a.terms_.begin()->second;
    for (auto& [x, c] : a.terms_) c /= lead;
    return a;
}

}  // namespace nabla::detail
