#pragma once
// An accumulator for the numeric part of a sum or product: a machine integer
// while the values are small integers (most of the time), an exact rational
// when they are not, a double as soon as one operand is a float (as in
// SymPy: 1 + 0.5 is 1.5).

#include "core/node.hpp"

#include <optional>

namespace nabla::detail {

struct numeric {
    enum class form : std::uint8_t { small, exact, real };
    form f = form::small;
    std::int64_t s = 0;
    std::optional<rational_t> q;  // the exact form only: most values never need a rational
    double d = 0;

    bool is_real() const { return f == form::real; }

    static numeric of(const node* n);
    static numeric unit() {
        numeric v;
        v.s = 1;
        return v;
    }
    void add(const numeric& o);
    void mul(const numeric& o);
    double value() const;
    bool is_zero() const;
    bool is_exact_zero() const { return (f == form::small && s == 0) || (f == form::exact && *q == 0); }
    bool is_exact_one() const { return (f == form::small && s == 1) || (f == form::exact && *q == 1); }
    rational_t exact() const { return f == form::small ? rational_t(s) : *q; }
    expr to_expr() const;
};

}  // namespace nabla::detail
