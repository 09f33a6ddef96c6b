#pragma once
// The differentiation engine: one short rule per node kind, memoized per
// node, iterative. The derivatives of elementary and declared user functions
// come from the rule table (rules.hpp); this file only knows the calculus of
// sums, products and powers and the chain rule.
//
// Differentiating by x touches only the ancestors of x in the DAG: they are
// found by walking parent edges up from x, then differentiated in post-order
// (operands first). A gradient over many variables reuses one index of the
// DAG, so ∇ of a sum of N local terms costs O(N), not O(N²).

#include <nabla/diff.hpp>

#include "core/node.hpp"
#include "diff/dag_index.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace nabla::detail {

// How long, in nanoseconds, the rest of a gradient's work must be expected
// to last on the caller's thread alone for helper threads to join it (see
// differentiator::derive_each). Tests set 0, so that the helpers run on any
// gradient with enough variables to share out.
inline std::atomic<std::int64_t> gradient_helpers_after_ns{5'000'000};

// The partial derivatives of apply and call nodes, instantiated from the rule
// table once and shared by differentiators with the same options (the steps
// of an nth derivative meet sin(x), cos(x), exp(x) at every step).
struct cached_partials {
    expr function;  // keeps the key node alive
    std::vector<expr> partials;
};
using function_partial_cache = boost::unordered_flat_map<const node*, cached_partials>;

// Derivatives of powers and function applications by one variable, kept from
// one differentiator to the next: the steps of an nth derivative meet the
// same x^(x−k), (log(x) + 1)ᵐ, sin(x) again and again. A derivative is kept
// as the engine holds it, built or as a lazy product, so that a parent uses
// it exactly as it would have when deriving the node anew.
struct derivative_memo : dag_index::known_nodes {
    struct entry {
        expr function;  // keeps the key node alive
        bool lazy = false;
        long long coefficient = 1;
        std::vector<expr> factors;  // of the lazy product
        expr value;                 // or the built derivative
        // The lazy product built, once a step has needed it built: later
        // steps take it instead of building it again.
        expr built = expr::adopt(nullptr);
    };
    expr variable;
    boost::unordered_flat_map<const node*, entry> entries;
    // Set by the caller when no derivative can hold a float. Exact terms add
    // up to the same sum in any order, so only then may the index leave out
    // the nodes kept here: that changes the order in which terms come.
    bool exact = false;

    // The product rule's terms c·rest·t (a factor of rest replaced by t) by
    // rest, factor and t, for any machine-integer c: the terms of an nth
    // derivative are c·(the same few monomials) with c changing from step to
    // step, and merging t into rest (x^(x−2)·x⁻¹ = x^(x−3)) costs more than
    // all the rest of a term.
    struct product_term_key {
        std::span<const node* const> rest;  // into the operands of `product` below
        std::uint32_t factor;                // the position in rest of the factor t replaces
        const node* term;
        bool operator==(const product_term_key& o) const noexcept {
            return factor == o.factor && term == o.term && std::equal(rest.begin(), rest.end(), o.rest.begin(), o.rest.end());
        }
    };
    struct product_term_key_hash {
        std::size_t operator()(const product_term_key& k) const noexcept;
    };
    struct product_term {
        expr product, term;  // keep the key's nodes alive
        // For any c the term is multiplier·c·Π factors. The factors are of
        // product, term, value or merged_factors, alive while they are: most
        // terms are added to like ones before they are built, so a node for
        // them here would mostly be thrown away. A multiplier of 0: the term
        // is not of that form (a sum) and is built anew each time.
        std::span<const node* const> factors;
        long long multiplier = 0;
        // The term by the general product rule, when the pieces did not
        // merge (factors then point into it).
        expr value;
    };
    boost::unordered_flat_map<product_term_key, product_term, product_term_key_hash> product_terms;
    // The storage of product_term::factors. A list never moves once written:
    // the views of a derivation point into it while product_terms grows.
    std::span<const node* const> keep_factors(std::span<const node* const> factors);
    std::vector<std::unique_ptr<const node*[]>> factor_blocks;
    const node** factor_next = nullptr;  // the free end of the last block
    std::size_t factor_free = 0;
    // Two factors of one base multiplied, for new product_terms: the same
    // x^(x−2)·x⁻¹ = x^(x−3) and L·L³ = L⁴ recur in many of them.
    struct merged_factor {
        expr a, b;  // keep the key's nodes alive
        expr product;
        const node* factor;  // product, or null when it is not one factor of that base
    };
    boost::unordered_flat_map<std::pair<const node*, const node*>, merged_factor> merged_factors;

    // v′·log(u) + w·u′/u of the general power rule by u, w, u′ and v′: it
    // is the same for all u^(w+c), c a number (x^x, x^(x−1), x^(x−2)…).
    struct power_factor {
        std::array<expr, 4> key;  // keeps the key's nodes alive
        expr value;
    };
    boost::unordered_flat_map<std::array<const node*, 4>, power_factor> power_factors;

    // Whether the derivative of n by `variable` is kept here.
    bool contains(const node* n) const override { return entries.find(n) != entries.end(); }

    void clear() {
        entries.clear();
        product_terms.clear();
        factor_blocks.clear();
        factor_free = 0;
        merged_factors.clear();
        power_factors.clear();
    }
};

// A term of a sum seen as coefficient·rest, rest its factors but the number
// (canonical, in order), so that like terms are added up before any node is
// built. A term not of that form is only `whole`.
struct scaled_view {
    long long coefficient = 1;
    std::span<const node* const> factors;  // the rest, or empty: the rest is `single`
    const node* single = nullptr;
    const node* whole = nullptr;  // the term as a node, when one is at hand

    bool collectable() const noexcept { return single || !factors.empty(); }
    std::span<const node* const> rest() const noexcept {
        return factors.empty() ? std::span<const node* const>(&single, 1) : factors;
    }
};

// Adds up like scaled_views (engine.cpp).
class like_terms;

// The terms of a sum's derivative while it is put together, and the nodes
// built for them: the terms of a 10th derivative fit without the heap.
using sum_terms = boost::container::small_vector<const node*, 32>;
using made_terms = boost::container::small_vector<expr, 32>;

// Machine-integer coefficients as number nodes. The core keeps the small
// ones ready; the larger ones a derivation makes (the −400 of −400x, the
// 3628800 of a 10th derivative) recur from one variable or step to the next,
// and finding one here is much cheaper than in the intern table.
class coefficient_nodes {
public:
    // The node of c, valid until the next call.
    const expr& operator()(long long c) {
        slot& s = slots_[static_cast<unsigned long long>(c) % slots_.size()];
        if (!s.number.get() || s.value != c) {
            s.value = c;
            s.number = expr(c);
        }
        return s.number;
    }

private:
    struct slot {
        long long value = 0;
        expr number = expr::adopt(nullptr);
    };
    std::array<slot, 61> slots_;  // direct-mapped; a prime spreads k, 2k, 4k…
};

// Differentiates one expression by any number of variables in turn, sharing
// the DAG index and the instantiated function derivatives between them.
class differentiator {
public:
    // `partials`, when given, is used instead of a cache of this
    // differentiator's own; it must come from differentiators with the same options.
    differentiator(expr root, const diff_options& options, std::vector<explanation_step>* trace = nullptr,
                   function_partial_cache* partials = nullptr,
                   dag_index::visit_order order = dag_index::visit_order::memory);

    // A differentiator of the same expression that reads owner's index
    // instead of building its own; owner must outlive it and not be reset.
    differentiator(const differentiator& owner, std::vector<explanation_step>* trace);
    differentiator(const differentiator&) = delete;
    differentiator& operator=(const differentiator&) = delete;

    // ∂root/∂x; x must be a symbol (checked by the caller).
    expr derive(const expr& x);
    // ∂root/∂x for each variable, on up to `threads` threads (0: one per
    // core, at most 8) when there are enough variables, and the work would
    // last long enough, to be worth it.
    std::vector<expr> derive_each(std::span<const expr> variables, unsigned threads);
    // Starts over on another expression, keeping the storage, the partials
    // and the memo: the steps of an nth derivative are one differentiator.
    void reset(expr root);
    // Keeps and reuses derivatives of powers and functions in `memo` (not when tracing).
    void use_memo(derivative_memo* memo) noexcept { memo_ = trace_ ? nullptr : memo; }

private:
    // A derivative kept as an unbuilt product coef·Π factors, so that chains
    // of power rules and constant factors build one product node, not one per
    // step. Factors are nodes of the DAG, of value_ (this derivation) or of keep_.
    // The factors are a range of factor_arena_: a range never changes once
    // written, so a lazy product is copied by copying the range, not the factors.
    struct lazy_product {
        bool pending = false;
        // Instead: the terms of a product rule, not yet added up (see
        // derive_product), the range [first, first + count) of term_arena_.
        bool terms = false;
        // The pending product or the terms built into value_ (by a parent
        // that needed a node). The unbuilt form stays what other parents
        // read: what a parent makes of a derivative must not depend on
        // whether another parent came first.
        bool built = false;
        long long coefficient = 1;
        std::uint32_t first = 0;  // into factor_arena_
        std::uint32_t count = 0;
    };

    // derive(x) for the x numbered xi in the index (npos: x is not in it).
    expr derive_numbered(std::uint32_t xi);
    // Indexes root_ anew (after a reset), leaving out what the memo knows.
    void index_root();
    // Sizes the per-node state for a new index_.
    void size_per_node();
    bool active(std::uint32_t i) const noexcept { return activation_[i].mark == generation_; }
    // The derivative of node i, built if it is still a lazy product or unsummed terms.
    const expr& value(std::uint32_t i) {
        const lazy_product& p = lazy_[i];
        return (p.pending || p.terms) && !p.built ? build_value(i) : value_[i];
    }
    const expr& build_value(std::uint32_t i);
    // The operands of node i's derivative when it is a lazy product that
    // only needs its factors put in order (see ordered_product_ops).
    bool ordered_value_ops(std::uint32_t i, boost::container::small_vector<const node*, 8>& ops);
    // Asks for the intern table's line of the node build_value would make
    // for i, and returns its hash, its operands in `ops` (0: not known).
    std::uint32_t prefetch_value(std::uint32_t i, boost::container::small_vector<const node*, 8>& ops);
    bool value_is_zero(std::uint32_t i);
    bool derive_lazy(std::uint32_t i);
    // p is the open product: its factors are the arena's tail.
    void multiply(lazy_product& p, long long c) {
        long long r;
        if (__builtin_mul_overflow(p.coefficient, c, &r)) [[unlikely]] {
            multiply_beyond_word(p, c);
            return;
        }
        p.coefficient = r;
    }
    // p's coefficient times c does not fit in a machine word.
    void multiply_beyond_word(lazy_product& p, long long c);
    // Numbers fold into the coefficient, other factors go to the arena.
    void absorb_node(lazy_product& p, const node* f) {
        if (f->is_small_integer()) {
            multiply(p, f->small_value());
            return;
        }
        if (f->kind == kind::number) {
            absorb_number(p, f);
            return;
        }
        factor_arena_.push_back(f);
    }
    // A number that is not a small integer.
    void absorb_number(lazy_product& p, const node* f);
    void absorb_value(lazy_product& p, std::uint32_t c);
    // Starts a lazy product whose factors are appended at the end of the arena.
    lazy_product open_product() const noexcept {
        lazy_product p;
        p.pending = true;
        p.first = static_cast<std::uint32_t>(factor_arena_.size());
        return p;
    }
    void close_product(lazy_product& p) const noexcept {
        p.count = static_cast<std::uint32_t>(factor_arena_.size()) - p.first;
    }
    std::span<const node* const> factors(const lazy_product& p) const noexcept {
        return {factor_arena_.data() + p.first, p.count};
    }
    void activate_ancestors(std::uint32_t x);
    void derive_node(std::uint32_t i);
    expr derive_sum(std::uint32_t i);
    // Replaces the nulls in the terms of a sum's derivative by the terms or
    // values of the products in `unsummed`, in order; like terms go to `like`.
    void take_in_terms(sum_terms& terms, std::span<const std::uint32_t> unsummed, like_terms& like,
                       made_terms& made);
    // The node of a term, built into `made` if there is none yet.
    const node* term_node(const scaled_view& t, made_terms& made);
    // The sum of the unsummed terms [first, first + count) of term_arena_.
    expr add_terms(std::uint32_t first, std::uint32_t count);
    // Sets the value of product i, or leaves it as unsummed terms.
    void derive_product(std::uint32_t i);
    // The product rule's term of product n with its factor k replaced by t.
    scaled_view product_rule_view(const node* n, std::size_t k, const node* t);
    // The product c·rest·t, rest[skip] left out, as c·Π factors from its
    // canonical pieces (c becomes the whole coefficient); false when it is
    // not a product of them (see engine.cpp).
    bool merged_product_term(long long& c, std::span<const node* const> rest, std::size_t skip, const node* t,
                             boost::container::small_vector<const node*, 8>& factors);
    // a·b for factors of one base: the merged factor, or null when it is not one factor of that base.
    const node* merged_factor(const node* a, const node* b);
    // A built term, kept for this derivation.
    scaled_view keep_term(expr t);
    expr derive_power(std::uint32_t i);
    // v′·log(u) + w·u′/u (see derive_power), kept in the memo.
    expr general_power_factor(const expr& u, const expr& w, const expr& du, const expr& dv, const expr& over_u);
    expr derive_function(std::uint32_t i);
    // ∂f/∂(argument k) at node i (an apply or call), instantiated once.
    const expr& local_partial(std::uint32_t i, std::size_t k);
    void record(std::string rule, std::string description, const node* part, const expr& result);

    bool recall(std::uint32_t i);
    void remember(std::uint32_t i);

    // What activate_ancestors sets for a node, side by side: it reads and
    // writes both at each edge, and the nodes are scattered.
    struct activation {
        std::uint32_t mark;      // == generation_: an ancestor of the current variable
        std::uint32_t hit_head;  // of an active sum or product: its active operands, a linked list of edges
    };
    // The arrays sized by the DAG. A differentiator hands them on to the
    // next one when it is done (see take_storage).
    struct storage {
        dag_index index;
        std::vector<activation> activations;
        std::vector<expr> value;
        std::vector<lazy_product> lazy;
    };
    struct storage_return {
        void operator()(storage* s) const noexcept;
    };
    static std::unique_ptr<storage, storage_return> take_storage();

    std::unique_ptr<storage, storage_return> storage_ = take_storage();
    function_partial_cache own_partials_;
    derivative_memo* memo_ = nullptr;
    function_partial_cache* partials_;
    expr root_;
    diff_options options_;
    expr kink_value_;
    std::vector<explanation_step>* trace_;
    dag_index::visit_order visit_order_;
    dag_index& own_index_ = storage_->index;
    const dag_index* index_ = &own_index_;  // own_index_, or the owner's (see above)
    bool stale_ = false;                     // reset, not indexed yet
    coefficient_nodes coefficients_;

    std::uint32_t generation_ = 0;
    std::vector<activation>& activation_ = storage_->activations;
    std::vector<expr>& value_ = storage_->value;         // the derivative of each active node
    std::vector<lazy_product>& lazy_ = storage_->lazy;   // or its unbuilt form (pending)
    std::vector<expr> keep_;             // nodes made for lazy products of this derivation
    std::vector<const node*> factor_arena_;  // the factors of the lazy products of this derivation
    std::vector<scaled_view> term_arena_;    // the unsummed terms of this derivation (their nodes kept in keep_ or memo_)
    std::vector<std::uint32_t> active_;  // the active nodes, then sorted (post-order)
    struct hit_edge {
        std::uint32_t child;
        std::uint32_t next;  // the parent's next edge, or npos
    };
    std::vector<hit_edge> edges_;
    // k·S for a long sum S, distributed (k·u₁ + k·u₂ + …), kept across
    // variables: a gradient or Hessian row meets the same k·S for many of them.
    boost::unordered_flat_map<std::pair<long long, const node*>, expr> distributed_;
};

// sign(u)·|u|^k → u·|u|^(k−1), and |u|^(even) → u^(even), in a product: the
// identities of real variables that turn d/dx log|x| into 1/x.
expr real_cleanup(const expr& e);

// The partial derivatives of an apply or call node by each of its arguments:
// from the rule table, or unevaluated ∂ᵢf(…) for an undeclared user function.
std::vector<expr> function_partials(const node* n, const expr& kink, const diff_options& options);

}  // namespace nabla::detail
