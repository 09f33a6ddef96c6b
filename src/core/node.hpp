#pragma once
// The node layout and the core's internal interface. Library passes (printers,
// differentiation, evaluation) work on `const node*` for speed and take
// references (`expr`) only for results they keep.
//
// Layout: a 16-byte header, then the operand pointers, then a kind-specific
// payload (a number's value, a symbol's name, a user function's name). One
// allocation per node.

#include <nabla/expr.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/multiprecision/cpp_int.hpp>

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nabla::detail {

using integer_t = boost::multiprecision::cpp_int;
using rational_t = boost::multiprecision::cpp_rational;

// A number keeps its value both exactly and, when it is an integer of at most
// 31 bits, as a machine integer: most arithmetic in canonicalization is on
// such numbers and needs no big-number work.
struct number_payload {
    std::int64_t small_value;
    bool small;
    rational_t value;
};
inline bool fits_small(std::int64_t v) { return v >= -(std::int64_t(1) << 31) && v < (std::int64_t(1) << 31); }

struct call_payload {
    std::string name;
    std::vector<std::uint8_t> derivative_indices;
};

struct node {
    mutable std::atomic<std::uint32_t> refs;
    nabla::kind kind;
    std::uint8_t aux;       // function id (apply), constant id (constant)
    std::uint8_t unlinked;  // set under the shard lock once removed from the intern table
    std::uint8_t pool;      // the allocation pool it returns to when freed
    std::uint32_t nops;
    std::uint32_t hash;

    std::span<const node* const> ops() const noexcept {
        return {reinterpret_cast<const node* const*>(this + 1), nops};
    }
    const node* op(std::size_t i) const noexcept { return ops()[i]; }

    // Payloads sit after the operand array.
    const void* payload() const noexcept {
        return reinterpret_cast<const char*>(this + 1) + sizeof(const node*) * nops;
    }
    const rational_t& number() const noexcept { return static_cast<const number_payload*>(payload())->value; }
    // True for an exact integer of at most 31 bits; small_value() is then its value.
    bool is_small_integer() const noexcept {
        return kind == nabla::kind::number && static_cast<const number_payload*>(payload())->small;
    }
    std::int64_t small_value() const noexcept { return static_cast<const number_payload*>(payload())->small_value; }
    double real() const noexcept { return *static_cast<const double*>(payload()); }
    const std::string& name() const noexcept {
        return kind == nabla::kind::symbol ? *static_cast<const std::string*>(payload())
                                           : static_cast<const call_payload*>(payload())->name;
    }
    const call_payload& call() const noexcept { return *static_cast<const call_payload*>(payload()); }
    nabla::function fn() const noexcept { return static_cast<nabla::function>(aux); }
    nabla::constant constant_id() const noexcept { return static_cast<nabla::constant>(aux); }

    bool is(nabla::kind k) const noexcept { return kind == k; }
    bool is_fn(nabla::function f) const noexcept { return kind == nabla::kind::apply && aux == std::uint8_t(f); }
    bool is_number() const noexcept { return kind == nabla::kind::number || kind == nabla::kind::real; }
    bool is_exact_integer() const noexcept { return kind == nabla::kind::number && denominator(number()) == 1; }
};
static_assert(sizeof(node) == 16);
static_assert(alignof(number_payload) <= 16, "the node pool aligns number nodes to 16 bytes");

// Set by request_interrupt(); long loops call poll_interrupt() now and then.
inline std::atomic<bool> interrupt_requested{false};
inline void poll_interrupt() {
    if (interrupt_requested.load(std::memory_order_relaxed)) throw nabla::interrupted();
}

// Reference counting on raw nodes (expr does this for you).
//
// Symbols, π and e and the cached small integers are immortal: their count
// starts at `immortal_refs` and is never written again. Nearly every product
// holds x or a coefficient such as 2, and threads building at once would
// otherwise take turns owning those counts' cache lines. The gap to
// `immortal_floor` absorbs the counts that moved before a cached integer
// was made immortal.
constexpr std::uint32_t immortal_floor = std::uint32_t(1) << 31;
constexpr std::uint32_t immortal_refs = immortal_floor | (immortal_floor >> 1);
inline bool is_immortal(const node* n) noexcept { return n->refs.load(std::memory_order_relaxed) >= immortal_floor; }
inline void retain(const node* n) noexcept {
    if (!is_immortal(n)) n->refs.fetch_add(1, std::memory_order_relaxed);
}
void release(const node* n) noexcept;

// ---- factories (canonicalizing, interning); all return a new reference as expr
expr make_number(rational_t value);
expr make_small_number(std::int64_t value);  // |value| < 2³¹
expr make_real(double value);
expr make_symbol(std::string_view normalized_name);
expr make_constant(nabla::constant c);
expr make_sum(const std::vector<expr>& terms);
expr make_product(const std::vector<expr>& factors);
// The same over operands held elsewhere than in a std::vector (the parser's
// lowering keeps a chain's operands in place).
expr make_sum(std::span<const expr> terms);
expr make_product(std::span<const expr> factors);
// The same over raw operands, which the caller keeps alive (no reference traffic).
expr make_sum_nodes(std::span<const node* const> terms);
expr make_product_nodes(std::span<const node* const> factors);
// The operands of the sum Σ terms in canonical order, when make_sum_nodes
// would do no more than put them in order: no term a sum, at most one a
// number (not 0), no two alike (3xy and xy are), at least two in all.
// False, `ops` unfinished, otherwise.
bool ordered_sum_ops(std::span<const node* const> terms, boost::container::small_vector<const node*, 8>& ops);
// The operands of the product `coefficient`·Π factors in canonical order,
// when make_product_nodes would do no more than put them in order: the
// factors neither numbers nor products, no two with one base, and not a
// number times one sum (which distributes). `coefficient` is a number node
// other than 0, or null for 1. False, `ops` unfinished, otherwise.
bool ordered_product_ops(const node* coefficient, std::span<const node* const> factors,
                         boost::container::small_vector<const node*, 8>& ops);
// The canonical product p with its operand `skip` replaced by f (the product
// rule's terms: d(uvw) has u′vw, uv′w, uvw′).
expr replace_factor(const node* p, std::size_t skip, const node* f);
// The same, without the general product factory also when f is a machine
// integer times one factor (d(x³) = 3x², d(cos(x)) = −sin(x)).
expr replace_scaled_factor(const node* p, std::size_t skip, const node* f);
expr make_power(const expr& base, const expr& exponent);
// The base a factor has in a product, by which factors are ordered and merged
// (x for x³, e for eˣ, the factor itself otherwise).
const node* factor_base(const node* f);
// The arguments of an elementary function: one or two, held in place.
using function_args = boost::container::small_vector<expr, 2>;
expr make_apply(nabla::function f, function_args args);
expr make_call(std::string name, std::vector<expr> args, std::vector<std::uint8_t> derivative_indices);

// A node of an operator kind built from operands that are already in
// canonical form and order (no canonicalization: the caller guarantees it).
expr intern_ops(nabla::kind k, std::uint8_t aux, std::span<const node* const> ops);
// The same with the hash already taken: `hash` must be hash_ops(k, aux, ops).
expr intern_ops(nabla::kind k, std::uint8_t aux, std::span<const node* const> ops, std::uint32_t hash);
// The hash a node of this kind with these operands has.
std::uint32_t hash_ops(nabla::kind k, std::uint8_t aux, std::span<const node* const> ops);
// Starts loading the intern table's memory for a node of this hash, so that
// a caller about to build several nodes waits for their table misses at once
// rather than one after another.
void prefetch_intern(std::uint32_t hash) noexcept;
// Rebuilds a node of n's kind and payload with new operands, canonicalizing.
expr rebuild(const node* n, std::vector<expr> ops);

// Live nodes in the intern table and the table's own bytes (for benchmarks).
std::size_t live_node_count();
std::size_t intern_table_bytes();

// The exact number 0, 1, −1 and ½, shared.
const expr& zero();
const expr& one();
const expr& minus_one();
const expr& half();

// Split a term of a sum into coefficient·rest (3xy → 3, xy; x → 1, x).
// `rest` is the node itself when the coefficient is 1.
std::pair<expr, expr> split_coefficient(const expr& term);
// Split a factor of a product into base^exponent (x² → x, 2; x → x, 1).
std::pair<expr, expr> split_power(const expr& factor);

// b^(x + shift) over the reals, where `exponent` is the node of x. Where x
// is exactly p/q in lowest terms with q odd, a negative b has its real root,
// as in real analysis: (−8)^(1/3) = −2, (−8)^(2/3) = 4. Elsewhere std::pow
// (NaN for a negative b and any other fractional x). `shift` serves the
// derivative x·b^(x−1).
double real_power(double b, double x, const node* exponent, int shift = 0);
// True when a negative base raised to `exponent` has a real value: a whole
// number, or an exact p/q with q odd.
bool has_real_root_of_negative(const node* exponent);

// A structural comparison: <0, 0, >0. Never depends on addresses.
int compare(const node* a, const node* b) noexcept;

// Post-order over the distinct nodes of a DAG, iteratively: `visit(n)` is
// called once per node, after all its operands.
template <class Visit>
void for_each_post_order(const node* root, Visit&& visit);

// A number as text, for printers ("3/4", "-2", "2.5").
std::string number_text(const node* n);
// Shortest decimal that round-trips, for real constants ("0.1", "1e-300").
std::string real_text(double v);

// A name as symbol() stores it, and the one spelling the parser and the
// printer compare names in: subscript digits become ASCII digits and an
// underscore before a final run of digits is dropped, as often as there is
// one (x₁, x_1, W0_1, w4_4_29 → x1, x1, W01, w4429; my_var and x_1y keep
// theirs). A normalized name normalizes to itself.
std::string normalize_name(std::string_view name);

}  // namespace nabla::detail

#include "core/traverse.hpp"
