#pragma once
// Polynomials with exact rational coefficients over a list of atoms: what
// simplify needs to cancel common factors of a fraction's numerator and
// denominator ((x² − 1)/(x − 1) = x + 1). An atom is any factor that is not
// a number, a sum or a product, nor a whole power of one: x, sin(x), √x.

#include "core/node.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace nabla::detail {

class polynomial {
public:
    using exponents = std::vector<std::uint32_t>;  // one per atom

    // Adds the atoms of `e` (after expansion) to `atoms`; false when `e` is
    // no polynomial in atoms with exact coefficients (a float, 1/(x + 1)).
    static bool gather_atoms(const expr& e, std::vector<expr>& atoms);
    // `e` over `atoms` (which gather_atoms has seen it with), expanded
    // within `max_terms`; empty when it is no such polynomial.
    static std::optional<polynomial> from(const expr& e, const std::vector<expr>& atoms, std::size_t max_terms);
    expr to_expr(const std::vector<expr>& atoms) const;

    bool is_zero() const noexcept { return terms_.empty(); }
    bool is_constant() const noexcept;
    // The only atom it has a positive degree in, or −1 for none or several.
    int sole_atom() const noexcept;

    // n/d when d divides n exactly; empty otherwise or past `max_steps`.
    friend std::optional<polynomial> divide_exactly(const polynomial& n, const polynomial& d, std::size_t max_steps);
    // The monic greatest common divisor of two polynomials in the same one
    // atom (Euclid over the rationals); empty past `max_steps`.
    friend std::optional<polynomial> gcd_in_one_atom(polynomial a, polynomial b, std::size_t atom, std::size_t max_steps);

private:
    // Leading term first: exponents compared lexicographically, larger first.
    std::map<exponents, rational_t, std::greater<>> terms_;
    std::size_t atom_count_ = 0;

    void add_term(const exponents& e, const rational_t& c);
    polynomial times_term(const exponents& e, const rational_t& c) const;
    void subtract(const polynomial& other);
};

std::optional<polynomial> divide_exactly(const polynomial& n, const polynomial& d, std::size_t max_steps);
std::optional<polynomial> gcd_in_one_atom(polynomial a, polynomial b, std::size_t atom, std::size_t max_steps);

}  // namespace nabla::detail
