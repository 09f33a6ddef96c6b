#pragma once
// An accumulator for the numeric part of a sum or product: exact while every
// operand is exact, a double as soon as one is a float (as in SymPy: 1 + 0.5 is 1.5).

#include "core/node.hpp"

namespace nabla::detail {

struct numeric {
    bool is_real = false;
    rational_t q = 0;
    double d = 0;

    static numeric of(const node* n);
    static numeric unit() {
        numeric v;
        v.q = 1;
        return v;
    }
    void add(const numeric& o);
    void mul(const numeric& o);
    double value() const;
    bool is_zero() const;
    bool is_exact_one() const;
    expr to_expr() const;
};

}  // namespace nabla::detail
