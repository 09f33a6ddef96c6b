// The differentiation engine (see engine.hpp). Every rule is written under
// its formula; u′ is du/dx.

#include "diff/engine.hpp"

#include "diff/rules.hpp"

#include <nabla/print.hpp>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

namespace nabla::detail {

std::size_t derivative_memo::product_term_key_hash::operator()(const product_term_key& k) const noexcept {
    // The structural hashes of the nodes: as good as their addresses, and
    // already at hand in the nodes.
    std::size_t h = k.term->hash * 0x9e3779b97f4a7c15ULL + k.factor;
    for (const node* f : k.rest) h = (h ^ f->hash) * 0x100000001b3ULL;
    return h;
}

std::span<const node* const> derivative_memo::keep_factors(std::span<const node* const> factors) {
    // Blocks of this many, or one of a longer list's own.
    constexpr std::size_t block_size = 256;
    if (factor_free < factors.size()) {
        const std::size_t size = std::max(block_size, factors.size());
        factor_blocks.push_back(std::make_unique_for_overwrite<const node*[]>(size));
        factor_next = factor_blocks.back().get();
        factor_free = size;
    }
    const std::span<const node* const> kept(factor_next, factors.size());
    factor_next = std::copy(factors.begin(), factors.end(), factor_next);
    factor_free -= factors.size();
    return kept;
}

// ---------------------------------------------------------------- helpers

namespace {

expr share(const node* n) { return expr::share(n); }

// From this many terms on, k·S is distributed once per differentiator and
// remembered; shorter sums are distributed in place (derive_sum).
constexpr std::uint32_t remembered_distribution_terms = 8;

// t as coefficient·rest; false when it is not of that form (a number, a sum,
// a coefficient beyond a machine integer).
bool view_term(const node* t, scaled_view& view) {
    if (t->is_number() || t->is(kind::sum)) return false;
    view = {};
    view.whole = t;
    if (!t->is(kind::product)) {
        view.single = t;
        return true;
    }
    view.factors = t->ops();
    if (view.factors[0]->is_number()) {
        if (!view.factors[0]->is_small_integer()) return false;
        view.coefficient = view.factors[0]->small_value();
        view.factors = view.factors.subspan(1);
    }
    return true;
}

// A term that is not coefficient·rest.
scaled_view whole_term(const node* t) {
    scaled_view view;
    view.whole = t;
    return view;
}

// k·t for a term t of a canonical sum (k a machine integer, not 0 or 1), when
// the coefficient stays a machine integer: t's factors are in canonical
// order already and only the coefficient changes.
bool view_scaled(long long k, const node* t, scaled_view& view) {
    if (!view_term(t, view) || __builtin_mul_overflow(k, view.coefficient, &view.coefficient)) return false;
    view.whole = nullptr;  // k·t is not t
    return true;
}

// The operands of the term coefficient·rest; false when it is rest's one factor.
bool scaled_ops(const scaled_view& view, coefficient_nodes& coefficients,
                boost::container::small_vector<const node*, 8>& ops) {
    const auto rest = view.rest();
    if (view.coefficient == 1 && rest.size() == 1) return false;
    if (view.coefficient != 1) ops.push_back(coefficients(view.coefficient).get());
    ops.insert(ops.end(), rest.begin(), rest.end());
    return true;
}

// The term coefficient·rest, built as the core's like-term collection
// builds it; `hash`, when not 0, is its node's (see prefetch_scaled).
expr build_scaled(const scaled_view& view, coefficient_nodes& coefficients, std::uint32_t hash = 0) {
    boost::container::small_vector<const node*, 8> ops;
    if (!scaled_ops(view, coefficients, ops)) return share(view.rest()[0]);
    return hash ? intern_ops(kind::product, 0, ops, hash) : intern_ops(kind::product, 0, ops);
}

// Asks for the intern table's line of the term build_scaled would build,
// and returns its hash (0: no node to build): a sum's new terms then wait
// for their table misses together.
std::uint32_t prefetch_scaled(const scaled_view& view, coefficient_nodes& coefficients) {
    boost::container::small_vector<const node*, 8> ops;
    if (view.whole || view.coefficient == 0 || !scaled_ops(view, coefficients, ops)) return 0;
    const std::uint32_t hash = hash_ops(kind::product, 0, ops);
    prefetch_intern(hash);
    return hash;
}

// k·t as make_product_nodes({k, t}) makes it.
expr scaled_term(long long k, const node* t, coefficient_nodes& coefficients) {
    long long r;
    if (t->is_small_integer() && !__builtin_mul_overflow(k, t->small_value(), &r)) return coefficients(r);
    scaled_view view;
    if (view_scaled(k, t, view)) return build_scaled(view, coefficients);
    const node* pair[2] = {coefficients(k).get(), t};
    return make_product_nodes(pair);
}

// The general factories over operands the caller keeps alive: no vector of
// references to allocate and fill.
expr product_of(std::initializer_list<const node*> factors) {
    return make_product_nodes(std::span(factors.begin(), factors.size()));
}
expr sum_of(std::initializer_list<const node*> terms) { return make_sum_nodes(std::span(terms.begin(), terms.size())); }

bool distributes(long long coefficient, std::span<const node* const> factors) {
    return coefficient != 1 && factors.size() == 1 && factors[0]->is(kind::sum);
}

// The product rule's term: product n with its factor k replaced by f (f′).
expr product_rule_term(const node* n, std::size_t k, const node* f) {
    // f′ = f (eˣ): the factors are n's own, in n's order, so the product is n.
    if (f == n->op(k)) return real_cleanup(share(n));
    return real_cleanup(replace_scaled_factor(n, k, f));
}

bool is_odd_integer(const node* n) {
    return n->is_exact_integer() && boost::multiprecision::bit_test(numerator(n->number()), 0);
}
bool is_even_integer(const node* n) { return n->is_exact_integer() && !is_odd_integer(n); }

std::string show(const expr& e) { return to_string(e, style::unicode); }

}  // namespace

// Terms coefficient·rest, like terms added up as they come: the terms of a
// sum's derivative that the core would otherwise build one by one and then
// add up (20x·eˣ + 4x·eˣ + … built once, as 24x·eˣ).
class like_terms {
public:
    // False when t is not taken (too many different rests): the caller adds t built.
    bool add(const scaled_view& t) {
        const auto rest = t.rest();
        const std::size_t key = rest_key(rest);
        // Open addressing, linear probing: a rest's views lie along its key's
        // probe sequence in the order they were added, up to the first free slot.
        std::size_t h = (key * 0x9e3779b97f4a7c15ULL) >> (64 - slot_bits);
        bool overflowed = false;
        for (; slots_[h] != 0; h = (h + 1) % slots_.size()) {
            const std::size_t k = slots_[h] - 1;
            if (overflowed || keys_[k] != key) continue;
            scaled_view& s = views_[k];
            const auto other = s.rest();
            if (!std::equal(rest.begin(), rest.end(), other.begin(), other.end())) continue;
            long long sum;
            if (__builtin_add_overflow(s.coefficient, t.coefficient, &sum)) {
                overflowed = true;  // t becomes a view of its own
                continue;
            }
            s.coefficient = sum;
            s.whole = nullptr;
            return true;
        }
        if (views_.size() == max_collected) return false;  // beyond, the core collects (no quadratic search)
        views_.push_back(t);
        keys_.push_back(key);
        slots_[h] = static_cast<std::uint8_t>(views_.size());
        return true;
    }
    std::span<const scaled_view> views() const noexcept { return views_; }

private:
    // Equal rests have equal keys; most different ones differ in the key,
    // which is cheaper to compare than the factors.
    static std::size_t rest_key(std::span<const node* const> rest) noexcept {
        std::size_t key = rest.size();
        for (const node* f : rest) key = (key ^ reinterpret_cast<std::uintptr_t>(f)) * 0x100000001b3ULL;
        return key;
    }

    static constexpr std::size_t max_collected = 32;
    static constexpr int slot_bits = 6;  // twice max_collected: probe sequences stay short
    boost::container::small_vector<scaled_view, max_collected> views_;
    boost::container::small_vector<std::size_t, max_collected> keys_;
    std::array<std::uint8_t, std::size_t{1} << slot_bits> slots_{};  // 1 + the view's index, 0: free
};

expr real_cleanup(const expr& e) {
    const node* p = e.get();
    if (!p->is(kind::product)) return e;
    // Find sign(u) (exponent 1) and |u|^k (k a number, 1 when bare) for the same u.
    for (std::size_t s = 0; s < p->nops; ++s) {
        const node* sf = p->op(s);
        if (!sf->is_fn(function::sign)) continue;
        const node* u = sf->op(0);
        for (std::size_t a = 0; a < p->nops; ++a) {
            const node* af = p->op(a);
            const node* base = af->is(kind::power) ? af->op(0) : af;
            if (!base->is_fn(function::abs) || base->op(0) != u) continue;
            const expr k = af->is(kind::power) ? share(af->op(1)) : one();
            if (!k.get()->is(kind::number)) continue;
            // sign(u)·|u|^k = u·|u|^(k−1) for real u ≠ 0, and |u|^(even) = u^(even).
            const expr k1 = make_sum({k, minus_one()});
            expr rest = is_even_integer(k1.get()) ? make_power(share(u), k1)
                                                  : make_power(share(base), k1);
            std::vector<expr> factors;
            factors.reserve(p->nops);
            for (std::size_t j = 0; j < p->nops; ++j)
                if (j != s && j != a) factors.push_back(share(p->op(j)));
            factors.push_back(share(u));
            factors.push_back(std::move(rest));
            return real_cleanup(make_product(std::move(factors)));
        }
    }
    return e;
}

// ---------------------------------------------------------------- differentiator

differentiator::differentiator(expr root, const diff_options& options, std::vector<explanation_step>* trace,
                               function_partial_cache* partials, dag_index::visit_order order)
    : partials_(partials ? partials : &own_partials_),
      root_(std::move(root)),
      options_(options),
      kink_value_(kink_weight(options.kink)),
      trace_(trace),
      // An explanation lists its steps in the order of the numbers.
      visit_order_(trace ? dag_index::visit_order::canonical : order) {
    own_index_.build(root_.get(), nullptr, visit_order_, options.threads);
    size_per_node();
}

differentiator::differentiator(const differentiator& owner, std::vector<explanation_step>* trace)
    : partials_(&own_partials_),
      root_(owner.root_),
      options_(owner.options_),
      kink_value_(owner.kink_value_),
      trace_(trace),
      visit_order_(owner.visit_order_),
      index_(owner.index_) {
    size_per_node();
}

namespace {
// Differentiators come and go: one per gradient, per Hessian row, per
// Jacobian row, per helper thread. Their arrays are sized by the DAG, and
// allocating them anew each time costs more than filling them: fresh pages
// fault in and are cleared, growing vectors and maps copy. A few storages
// are kept for the next differentiator, within a budget, so an idle process
// holds at most that much.
constexpr std::size_t kept_storages = 4;
constexpr std::size_t kept_storage_bytes = std::size_t{64} << 20;

template <class T>
std::size_t capacity_bytes(const std::vector<T>& v) noexcept {
    return v.capacity() * sizeof(T);
}

struct differentiator_storage_pool {
    std::mutex mutex;
    std::vector<std::pair<void*, std::size_t>> spare;  // storages and their bytes
    std::size_t bytes = 0;

    static differentiator_storage_pool& instance() {
        // Never destroyed: a differentiator may end in a static destructor.
        static auto* pool = [] {
            auto* p = new differentiator_storage_pool;
            p->spare.reserve(kept_storages);  // so that giving back never allocates
            return p;
        }();
        return *pool;
    }
};
}  // namespace

std::unique_ptr<differentiator::storage, differentiator::storage_return> differentiator::take_storage() {
    auto& pool = differentiator_storage_pool::instance();
    {
        std::lock_guard lock(pool.mutex);
        if (!pool.spare.empty()) {
            // The last one given back: the likeliest to be in the caches.
            auto [kept, bytes] = pool.spare.back();
            pool.spare.pop_back();
            pool.bytes -= bytes;
            return std::unique_ptr<storage, storage_return>(static_cast<storage*>(kept));
        }
    }
    return std::unique_ptr<storage, storage_return>(new storage);
}

void differentiator::storage_return::operator()(storage* s) const noexcept {
    s->value.clear();  // the derivatives go now, not when the storage is next used
    const std::size_t bytes = s->index.capacity_bytes() + capacity_bytes(s->activations) +
                              capacity_bytes(s->value) + capacity_bytes(s->lazy);
    auto& pool = differentiator_storage_pool::instance();
    {
        std::lock_guard lock(pool.mutex);
        if (pool.spare.size() < kept_storages && pool.bytes + bytes <= kept_storage_bytes) {
            pool.spare.emplace_back(s, bytes);
            pool.bytes += bytes;
            return;
        }
    }
    delete s;
}

void differentiator::size_per_node() {
    // One slot more, for inert(). The values start empty, not 0: a node's
    // value is always set before it is read, and a million references to 0
    // would cost a million atomic operations to take and to drop.
    const std::size_t n = index_->size() + 1;
    generation_ = 0;
    activation_.assign(n, activation{0, dag_index::npos});
    value_.assign(n, expr::adopt(nullptr));
    lazy_.assign(n, lazy_product{});
}

void differentiator::reset(expr root) {
    root_ = std::move(root);
    // Indexed by the next derive, which knows whether the memo is for its variable.
    stale_ = true;
    // Keyed by nodes of the old DAG that nothing keeps alive now.
    distributed_.clear();
}

void differentiator::index_root() {
    // The nodes the memo knows the derivatives of are recalled, not derived:
    // what they are made of (x − k under x^(x−k), log(x) under (log(x) + 1)ᵐ)
    // need not be indexed again at each step of an nth derivative.
    own_index_.build(root_.get(), memo_ && memo_->exact ? memo_ : nullptr, visit_order_, options_.threads);
    index_ = &own_index_;
    size_per_node();
    stale_ = false;
}

void differentiator::record(std::string rule, std::string description, const node* part, const expr& result) {
    trace_->push_back({std::move(rule), std::move(description), share(part), {}, result});
}

void differentiator::activate_ancestors(std::uint32_t x) {
    if (++generation_ == 0) {  // wrapped: forget every old mark
        for (activation& a : activation_) a.mark = 0;
        generation_ = 1;
    }
    // Locals, not members: the compiler cannot tell that the stores below
    // leave the members alone, and would reload them at every edge.
    const std::uint32_t generation = generation_;
    activation* const state = activation_.data();
    active_.clear();
    edges_.clear();
    // The nodes the index left as known leaves depend on x too (x may be
    // only under them, and then not in the index at all).
    std::uint32_t first = x;
    auto seed = [&](std::uint32_t s) {
        state[s].mark = generation;
        active_.push_back(s);
        first = std::min(first, s);
    };
    if (x != dag_index::npos) seed(x);
    for (std::uint32_t k : index_->known()) seed(k);
    // Breadth-first up the parent edges; active_ doubles as the queue.
    for (std::size_t q = 0; q < active_.size(); ++q) {
        const std::uint32_t c = active_[q];
        for (std::uint32_t p : index_->parents(c)) {
            activation& a = state[p];
            std::uint32_t next = a.hit_head;
            if (a.mark != generation) {
                a.mark = generation;
                next = dag_index::npos;
                active_.push_back(p);
            }
            a.hit_head = static_cast<std::uint32_t>(edges_.size());
            edges_.push_back({c, next});
        }
    }
    // Post-order is ascending numbers, all of them from the first seed on.
    // When the ancestors are most of those nodes (an nth derivative, where
    // nearly everything depends on x), reading the marks in turn beats sorting.
    const std::uint32_t end = index_->size();
    if ((end - first) / 4 > active_.size()) {
        std::sort(active_.begin(), active_.end());
        return;
    }
    active_.clear();
    for (std::uint32_t i = first; i < end; ++i)
        if (state[i].mark == generation) active_.push_back(i);
}

expr differentiator::derive(const expr& x) {
    if (memo_ && memo_->variable != x) {
        memo_->clear();
        memo_->variable = x;
        // The nodes left out of the index as known are not known for x.
        stale_ = stale_ || !index_->known().empty();
    }
    if (stale_) index_root();
    return derive_numbered(index_->find(x.get()));
}

expr differentiator::derive_numbered(std::uint32_t xi) {
    if (xi == dag_index::npos && index_->known().empty()) return zero();
    activate_ancestors(xi);
    keep_.clear();
    factor_arena_.clear();
    term_arena_.clear();
    std::size_t steps = 0;
    for (std::uint32_t i : active_) {
        if ((++steps & 1023) == 0) poll_interrupt();  // request_interrupt() stops a long derivative
        if (memo_ && recall(i)) continue;
        derive_node(i);
        if (memo_) remember(i);
    }
    return value(index_->size() - 1);  // the root is numbered last
}

std::vector<expr> differentiator::derive_each(std::span<const expr> variables, unsigned threads) {
    if (stale_) index_root();  // the helpers read this index
    std::vector<expr> out(variables.size());
    // Variables are handed out in blocks, one atomic step per block rather
    // than per variable. A thread pays for per-node state the size of the
    // DAG, so it is only started for at least two blocks' worth of derivatives.
    constexpr std::size_t block = 256;
    // Each helper's per-node state is about 48 bytes a node: helpers are
    // capped so that it stays within a GiB.
    constexpr std::size_t state_budget = std::size_t{1} << 30, state_bytes_per_node = 48;
    // Asking for the core count reads a file: once.
    static const unsigned cores = std::min(8U, std::max(1U, std::thread::hardware_concurrency()));
    if (threads == 0) threads = cores;
    const std::size_t affordable = 1 + state_budget / (state_bytes_per_node * (std::size_t{index_->size()} + 1));
    threads = static_cast<unsigned>(std::min({std::size_t{threads}, variables.size() / (2 * block), affordable}));
    auto derive_in_callers_order = [&] {
        for (std::size_t i = 0; i < variables.size(); ++i) out[i] = derive(variables[i]);
    };
    if (trace_ || memo_) {
        derive_in_callers_order();
        return out;
    }
    // In the order of their numbers, whatever the caller's: the ancestors
    // of one variable are numbered near those of the next (see
    // dag_index::visit_order), so each thread works through the index and
    // the per-node state in turn.
    struct numbered {
        std::uint32_t number;
        std::uint32_t position;  // in variables
    };
    std::vector<numbered> todo(variables.size());
    for (std::size_t i = 0; i < variables.size(); ++i)
        todo[i] = {index_->find(variables[i].get()), static_cast<std::uint32_t>(i)};
    auto by_number = [](const numbered& a, const numbered& b) { return a.number < b.number; };
    if (!std::is_sorted(todo.begin(), todo.end(), by_number)) std::stable_sort(todo.begin(), todo.end(), by_number);
    auto derive_todo = [&](differentiator& d, std::size_t k) {
        out[todo[k].position] = d.derive_numbered(todo[k].number);
    };
    // A derivative that fails (a 1/0 that folds, a size limit) fails the
    // gradient. Which one failed first depends on the order of the work and
    // on the threads: the variables are then taken again in the caller's
    // order, so that the error is the first variable's, every time.
    if (threads <= 1) {
        try {
            for (std::size_t k = 0; k < todo.size(); ++k) {
                if ((k & 255) == 0) poll_interrupt();
                derive_todo(*this, k);
            }
        } catch (const interrupted&) {
            throw;
        } catch (const error&) {
            derive_in_callers_order();
        }
        return out;
    }
    // The caller takes blocks from the front, helpers from the back, until
    // they meet: each thread works on about the same variables from one
    // gradient to the next, and finds their nodes in its own core's caches.
    std::atomic<std::size_t> next{0};  // blocks taken
    const std::size_t blocks = (variables.size() + block - 1) / block;
    std::size_t front = 0;
    std::atomic<std::size_t> back{0};
    std::atomic<bool> failed{false};
    std::vector<std::exception_ptr> errors(threads);
    std::vector<std::thread> helpers;
    helpers.reserve(threads - 1);  // no reallocation, which could throw, once threads run
    // The caller's thread starts alone, and helpers join only when the
    // rest of the work, timed on the first blocks, would last long enough
    // to repay them: a helper sizes per-node state of its own and starts
    // with cold caches. Measured on the Rosenbrock gradient, alternating
    // one and two threads: at 3,000 variables two threads were slower
    // (3.3 ms against 2.5); at 10⁴ (bench W3s) they were as fast as one
    // when the machine was fast (7.5 ms against 7.8) and 1.5 times faster
    // when it was slow (10.3 ms against 15.7).
    const std::chrono::nanoseconds worth_helpers(gradient_helpers_after_ns.load(std::memory_order_relaxed));
    const auto started = std::chrono::steady_clock::now();
    bool helpers_started = false;
    // `self` is this lambda, which the helpers it starts run too.
    auto work = [&](auto& self, unsigned t, differentiator* own) noexcept -> void {
        try {
            std::optional<differentiator> worker;
            if (!own) own = &worker.emplace(*this, nullptr);
            for (;;) {
                const std::size_t claim = next.fetch_add(1, std::memory_order_relaxed);
                if (claim >= blocks || failed.load(std::memory_order_relaxed)) return;
                const std::size_t first = block * (t == 0 ? front++ : blocks - 1 - back.fetch_add(1, std::memory_order_relaxed));
                poll_interrupt();  // each derivative may be too short to poll
                const std::size_t last = std::min(first + block, variables.size());
                for (std::size_t k = first; k < last; ++k) derive_todo(*own, k);
                if (t != 0 || helpers_started || last >= variables.size()) continue;
                // Only the caller's thread runs until now, so `last` are done.
                const auto elapsed = std::chrono::steady_clock::now() - started;
                if (elapsed * (variables.size() - last) < worth_helpers * last) continue;
                helpers_started = true;
                for (unsigned h = 1; h < threads; ++h) {
                    try {
                        helpers.emplace_back([&self, h] { self(self, h, nullptr); });
                    } catch (const std::system_error&) {
                        break;  // no more threads to be had: the ones running share the work
                    }
                }
            }
        } catch (...) {
            errors[t] = std::current_exception();
            failed.store(true, std::memory_order_relaxed);
        }
    };
    work(work, 0, this);
    for (std::thread& h : helpers) h.join();
    bool failed_with_error = false;
    for (const std::exception_ptr& e : errors) {
        if (!e) continue;
        try {
            std::rethrow_exception(e);
        } catch (const interrupted&) {
            throw;
        } catch (const error&) {
            failed_with_error = true;
        }
    }
    if (failed_with_error) derive_in_callers_order();
    return out;
}

namespace {
// Sums and products are mostly new at each step of an nth derivative (their
// coefficients change); powers and functions of x recur.
bool memorable(const node* n) {
    return n->is(kind::power) || n->is(kind::apply) || n->is(kind::call);
}
}  // namespace

bool differentiator::recall(std::uint32_t i) {
    const node* n = index_->at(i);
    if (!memorable(n)) return false;
    const auto it = memo_->entries.find(n);
    if (it == memo_->entries.end()) return false;
    const derivative_memo::entry& e = it->second;
    lazy_product& p = lazy_[i];
    if (e.lazy) {
        p = open_product();
        p.coefficient = e.coefficient;
        for (const expr& f : e.factors) factor_arena_.push_back(f.get());
        close_product(p);
    } else {
        p = lazy_product{};
        value_[i] = e.value;
    }
    return true;
}

void differentiator::remember(std::uint32_t i) {
    const node* n = index_->at(i);
    if (!memorable(n)) return;
    derivative_memo::entry e;
    e.function = share(n);
    const lazy_product& p = lazy_[i];
    if (p.pending) {
        e.lazy = true;
        e.coefficient = p.coefficient;
        e.factors.reserve(p.count);
        for (const node* f : factors(p)) e.factors.push_back(share(f));
    } else {
        e.value = value_[i];
    }
    memo_->entries.insert_or_assign(n, std::move(e));
}

const expr& differentiator::build_value(std::uint32_t i) {
    lazy_product& p = lazy_[i];
    p.built = true;
    if (p.terms) {
        value_[i] = add_terms(p.first, p.count);
    } else if (p.pending) {
        // A remembered derivative is built once, not at every step that recalls it.
        derivative_memo::entry* kept = nullptr;
        if (const node* n = index_->at(i); memo_ && memorable(n))
            if (auto it = memo_->entries.find(n); it != memo_->entries.end()) kept = &it->second;
        if (kept && kept->built.get()) return value_[i] = kept->built;
        const auto fs = factors(p);
        if (p.coefficient == 0) {
            value_[i] = zero();
        } else if (fs.empty()) {
            value_[i] = coefficients_(p.coefficient);
        } else if (fs.size() == 1 && p.coefficient == 1) {
            value_[i] = share(fs[0]);
        } else if (distributes(p.coefficient, fs) && fs[0]->nops >= remembered_distribution_terms) {
            auto [it, fresh] = distributed_.try_emplace({p.coefficient, fs[0]});
            if (fresh) {
                const node* pair[2] = {coefficients_(p.coefficient).get(), fs[0]};
                it->second = real_cleanup(make_product_nodes(pair));
            }
            value_[i] = it->second;
        } else if (boost::container::small_vector<const node*, 8> ops; ordered_value_ops(i, ops)) {
            // Most built derivatives are distinct factors times a number:
            // the core's general product would only put them in order.
            value_[i] = real_cleanup(intern_ops(kind::product, 0, ops));
        } else {
            boost::container::small_vector<const node*, 8> nodes;
            if (p.coefficient != 1) nodes.push_back(coefficients_(p.coefficient).get());
            nodes.insert(nodes.end(), fs.begin(), fs.end());
            value_[i] = real_cleanup(make_product_nodes(nodes));
        }
        if (kept) kept->built = value_[i];
    }
    return value_[i];
}

bool differentiator::ordered_value_ops(std::uint32_t i, boost::container::small_vector<const node*, 8>& ops) {
    const lazy_product& p = lazy_[i];
    const auto fs = factors(p);
    if (!p.pending || p.terms || p.coefficient == 0 || fs.empty() || (fs.size() == 1 && p.coefficient == 1))
        return false;
    return ordered_product_ops(p.coefficient == 1 ? nullptr : coefficients_(p.coefficient).get(), fs, ops);
}

std::uint32_t differentiator::prefetch_value(std::uint32_t i, boost::container::small_vector<const node*, 8>& ops) {
    if (lazy_[i].built || memo_ || !ordered_value_ops(i, ops)) return 0;
    const std::uint32_t hash = hash_ops(kind::product, 0, ops);
    prefetch_intern(hash);
    return hash;
}

bool differentiator::value_is_zero(std::uint32_t i) {
    return lazy_[i].pending ? lazy_[i].coefficient == 0 : value(i).is_zero();
}

void differentiator::multiply_beyond_word(lazy_product& p, long long c) {
    // The exact number becomes a factor.
    keep_.emplace_back(p.coefficient);
    factor_arena_.push_back(keep_.back().get());
    p.coefficient = c;
}

void differentiator::absorb_number(lazy_product& p, const node* f) {
    // A one-limb integer below 2⁶² folds into the machine-word coefficient
    // (read from the backend: no temporaries on this hot path).
    const auto& q = f->number().backend();
    const auto& num = q.num();
    const auto& den = q.denom();
    if (den.size() == 1 && den.limbs()[0] == 1 && num.size() == 1 && num.limbs()[0] < (1ULL << 62)) {
        const auto v = static_cast<long long>(num.limbs()[0]);
        multiply(p, num.sign() ? -v : v);
        return;
    }
    factor_arena_.push_back(f);
}

void differentiator::absorb_value(lazy_product& p, std::uint32_t c) {
    const lazy_product& q = lazy_[c];
    if (q.pending) {
        multiply(p, q.coefficient);
        // q's range is inside the arena itself: room first, so that it stays
        // put while it is copied to the end (no overlap).
        if (factor_arena_.capacity() < factor_arena_.size() + q.count)
            factor_arena_.reserve(std::max(factor_arena_.size() + q.count, 2 * factor_arena_.capacity()));
        const node* const* from = factor_arena_.data() + q.first;
        factor_arena_.insert(factor_arena_.end(), from, from + q.count);
    } else {
        absorb_node(p, value(c).get());
    }
}

// The steps that only multiply: power rule with a number exponent, one
// varying factor, one varying term, a function of one varying argument.
bool differentiator::derive_lazy(std::uint32_t i) {
    const node* n = index_->at(i);
    const auto ops = index_->operands(i);
    lazy_product& p = lazy_[i];
    switch (n->kind) {
    case kind::sum: {
        std::uint32_t e = activation_[i].hit_head;
        if (e == dag_index::npos || edges_[e].next != dag_index::npos) return false;
        const std::uint32_t c = edges_[e].child;
        if (lazy_[c].pending) {
            p = lazy_[c];
            p.built = false;  // c's node is not i's
        } else {
            lazy_product q = open_product();
            absorb_node(q, value(c).get());
            close_product(q);
            p = q;
        }
        return true;
    }
    case kind::product: {
        std::uint32_t e = activation_[i].hit_head;
        if (e == dag_index::npos || edges_[e].next != dag_index::npos) return false;
        const std::uint32_t c = edges_[e].child;
        lazy_product q = open_product();
        absorb_value(q, c);
        for (std::size_t k = 0; k < ops.size(); ++k)
            if (ops[k] != c) absorb_node(q, n->op(k));
        close_product(q);
        p = q;
        return true;
    }
    case kind::power: {
        if (!n->op(1)->is(kind::number) || active(ops[1])) return false;
        // d uⁿ = n·u^(n−1)·u′
        lazy_product q = open_product();
        absorb_node(q, n->op(1));
        if (n->op(1)->is_small_integer()) {  // the common case, without rational arithmetic
            const std::int64_t m = n->op(1)->small_value() - 1;
            if (m == 1) {
                factor_arena_.push_back(n->op(0));
            } else if (m != 0) {
                keep_.push_back(make_power(share(n->op(0)), expr(static_cast<long long>(m))));
                absorb_node(q, keep_.back().get());
            }
        } else {
            const rational_t m = n->op(1)->number() - 1;
            keep_.push_back(make_power(share(n->op(0)), make_number(m)));
            absorb_node(q, keep_.back().get());
        }
        absorb_value(q, ops[0]);
        close_product(q);
        p = q;
        return true;
    }
    case kind::apply:
    case kind::call: {
        std::size_t which = ops.size();
        for (std::size_t k = 0; k < ops.size(); ++k)
            if (active(ops[k])) {
                if (which != ops.size()) return false;
                which = k;
            }
        // d f(u) = f′(u)·u′
        const expr& partial = local_partial(i, which);
        const lazy_product& inner = lazy_[ops[which]];
        const node* f = partial.get();
        if (inner.pending && inner.first + inner.count == factor_arena_.size() && !f->is_number() &&
            !(f->is(kind::product) && f->op(0)->is_number())) {
            // u′'s factors end the arena: f′(u) is appended to them in place, so
            // that a chain f(g(h(…))) costs linear, not quadratic, copying.
            // The numbers among the factors, the only thing whose order
            // matters to the product built from them, keep their order.
            lazy_product q = inner;
            q.built = false;
            factor_arena_.push_back(f);
            close_product(q);
            p = q;
            return true;
        }
        lazy_product q = open_product();
        absorb_node(q, partial.get());
        absorb_value(q, ops[which]);
        close_product(q);
        p = q;
        return true;
    }
    default: return false;
    }
}

void differentiator::derive_node(std::uint32_t i) {
    lazy_[i] = lazy_product{};
    if (!trace_ && derive_lazy(i)) return;
    const node* n = index_->at(i);
    switch (n->kind) {
    case kind::symbol: value_[i] = one(); return;  // the only active symbol is x: ∂x/∂x = 1
    case kind::sum: value_[i] = derive_sum(i); return;
    case kind::product: derive_product(i); return;
    case kind::power: value_[i] = derive_power(i); return;
    case kind::apply:
    case kind::call: value_[i] = derive_function(i); return;
    case kind::number:
    case kind::real:
    case kind::constant: value_[i] = zero(); return;  // never active: they have no operands
    }
}

// d(Σ tᵢ) = Σ tᵢ′ over the terms that depend on x.
expr differentiator::derive_sum(std::uint32_t i) {
    sum_terms terms;
    made_terms made;  // owns the terms built here
    // Terms k·u of distributed derivatives and of product rules, like terms
    // already added up (the 200x and 2x of 100(x − y²)² + (1 − x)² become
    // 202x without building either).
    like_terms like;
    // Products whose derivatives are unsummed terms: a null in `terms` each, for now.
    boost::container::small_vector<std::uint32_t, 8> unsummed;
    // Derivatives still to be built, and their places in `terms`: they are
    // built once the table lines of all this sum's new nodes are asked for.
    struct unbuilt_value {
        std::uint32_t at, child;
        // The node's operands and hash, when prefetch_value could tell them
        // (a hash of 0: build_value builds it), and their coefficient's node
        // kept alive: the coefficient cache may let it go meanwhile.
        boost::container::small_vector<const node*, 8> ops;
        std::uint32_t hash;
        expr coefficient = expr::adopt(nullptr);
    };
    boost::container::small_vector<unbuilt_value, 4> unbuilt;
    for (std::uint32_t e = activation_[i].hit_head; e != dag_index::npos; e = edges_[e].next) {
        const std::uint32_t c = edges_[e].child;
        if (lazy_[c].terms) {
            unsummed.push_back(c);
            terms.push_back(nullptr);
            continue;
        }
        if (value_is_zero(c)) continue;
        const lazy_product& q = lazy_[c];
        if (q.pending && distributes(q.coefficient, factors(q)) &&
            factor_arena_[q.first]->nops < remembered_distribution_terms) {
            // tᵢ′ = k·(u₁ + u₂ + …) would be distributed by the core to
            // k·u₁ + k·u₂ + …: its terms join this sum directly, without the
            // intermediate sum node.
            for (const node* u : factor_arena_[q.first]->ops()) {
                scaled_view view;
                if (view_scaled(q.coefficient, u, view) && like.add(view)) continue;
                made.push_back(scaled_term(q.coefficient, u, coefficients_));
                terms.push_back(made.back().get());
            }
            continue;
        }
        if (q.pending && !q.built) {
            unbuilt_value& u = unbuilt.emplace_back();
            u.at = static_cast<std::uint32_t>(terms.size());
            u.child = c;
            u.hash = prefetch_value(c, u.ops);
            if (u.hash && u.ops[0]->is_number()) u.coefficient = share(u.ops[0]);
            terms.push_back(nullptr);
            continue;
        }
        terms.push_back(value(c).get());
    }
    // The hashes of the like terms' nodes, with the coefficients they are
    // for: the unsummed terms taken in below may still change a coefficient.
    boost::container::small_vector<std::pair<std::uint32_t, long long>, 32> hashes;
    auto prefetch_like = [&] {
        const auto views = like.views();
        for (std::size_t k = hashes.size(); k < views.size(); ++k)
            hashes.emplace_back(prefetch_scaled(views[k], coefficients_), views[k].coefficient);
    };
    prefetch_like();
    for (const unbuilt_value& u : unbuilt) {
        if (u.hash) {  // what build_value would make of it
            lazy_[u.child].built = true;
            value_[u.child] = real_cleanup(intern_ops(kind::product, 0, u.ops, u.hash));
        }
        terms[u.at] = value(u.child).get();
    }
    if (!unsummed.empty()) take_in_terms(terms, unsummed, like, made);
    prefetch_like();
    const auto views = like.views();
    for (std::size_t k = 0; k < views.size(); ++k) {
        const scaled_view& view = views[k];
        if (view.coefficient == 0) continue;
        if (view.whole) {
            terms.push_back(view.whole);
        } else {
            const std::uint32_t hash = hashes[k].second == view.coefficient ? hashes[k].first : 0;
            made.push_back(build_scaled(view, coefficients_, hash));
            terms.push_back(made.back().get());
        }
    }
    // One varying term: its derivative is the sum's (no factory call).
    boost::container::small_vector<const node*, 8> ops;
    expr result = terms.empty()                ? zero()
                  : terms.size() == 1          ? share(terms[0])
                  : ordered_sum_ops(terms, ops) ? intern_ops(kind::sum, 0, ops)
                                               : make_sum_nodes(terms);
    if (trace_ && index_->at(i)->nops > 1)
        record("sum-rule", "sum rule on " + show(share(index_->at(i))), index_->at(i), result);
    return result;
}

namespace {
// True if adding t to other terms can take floating-point arithmetic: t is
// a float, has a float coefficient or is a sum with such a term.
bool adds_floats(const node* t) {
    auto inexact = [](const node* u) {
        return u->is(kind::real) || (u->is(kind::product) && u->op(0)->is(kind::real));
    };
    return t->is(kind::sum) ? std::any_of(t->ops().begin(), t->ops().end(), inexact) : inexact(t);
}
}  // namespace

void differentiator::take_in_terms(sum_terms& terms, std::span<const std::uint32_t> unsummed, like_terms& like,
                                   made_terms& made) {
    // Exact coefficients add up to the same sum however they are grouped, so
    // the terms of each product's derivative can join this sum directly: the
    // sum of a product's terms alone, which the core would take apart again
    // here, is never built. Floats are added in the order they always were.
    // A term seen as coefficient·rest has a machine-integer coefficient.
    bool exact = std::none_of(terms.begin(), terms.end(), [](const node* t) { return t && adds_floats(t); });
    for (std::uint32_t c : unsummed)
        for (std::uint32_t k = 0; exact && k < lazy_[c].count; ++k) {
            const scaled_view& t = term_arena_[lazy_[c].first + k];
            exact = t.collectable() || !adds_floats(t.whole);
        }
    sum_terms all;
    std::size_t next = 0;
    for (const node* t : terms) {
        if (t) {
            all.push_back(t);
            continue;
        }
        const std::uint32_t c = unsummed[next++];
        if (exact) {
            const lazy_product& p = lazy_[c];
            for (std::uint32_t k = p.first; k < p.first + p.count; ++k) {
                const scaled_view& u = term_arena_[k];
                if (!u.collectable() || !like.add(u)) all.push_back(term_node(u, made));
            }
        } else if (const expr& v = value(c); !v.is_zero()) {
            all.push_back(v.get());
        }
    }
    terms = std::move(all);
}

const node* differentiator::term_node(const scaled_view& t, made_terms& made) {
    if (t.whole) return t.whole;
    made.push_back(build_scaled(t, coefficients_));
    return made.back().get();
}

expr differentiator::add_terms(std::uint32_t first, std::uint32_t count) {
    made_terms made;
    sum_terms nodes;
    for (std::uint32_t k = first; k < first + count; ++k) nodes.push_back(term_node(term_arena_[k], made));
    return make_sum_nodes(nodes);
}

scaled_view differentiator::keep_term(expr t) {
    scaled_view view;
    if (!view_term(t.get(), view)) view = whole_term(t.get());
    keep_.push_back(std::move(t));
    return view;
}

scaled_view differentiator::product_rule_view(const node* n, std::size_t k, const node* t) {
    const bool has_coefficient = n->op(0)->is_number();
    if (!memo_ || (has_coefficient && !n->op(0)->is_small_integer())) return keep_term(product_rule_term(n, k, t));
    // The term for n = c·rest is c times the term for rest alone: the
    // numbers multiply, and only rest and t merge (a term that is a sum,
    // where c would distribute, is built anew each time).
    const long long c = has_coefficient ? n->op(0)->small_value() : 1;
    const derivative_memo::product_term_key key{n->ops().subspan(has_coefficient),
                                                static_cast<std::uint32_t>(k - has_coefficient), t};
    auto [it, fresh] = memo_->product_terms.try_emplace(key);
    derivative_memo::product_term& m = it->second;
    scaled_view view;
    if (fresh) {
        m.product = share(n);
        m.term = share(t);
        boost::container::small_vector<const node*, 8> merged;
        view.coefficient = c;
        if (merged_product_term(view.coefficient, key.rest, key.factor, t, merged)) {
            // c = 1 and a lone sum: the sum itself, not a term to collect.
            if (merged.size() == 1 && merged[0]->is(kind::sum)) return whole_term(merged[0]);
            view.factors = m.factors = memo_->keep_factors(merged);
        } else {
            m.value = product_rule_term(n, k, t);
            if (!view_term(m.value.get(), view)) return whole_term(m.value.get());
            m.factors = memo_->keep_factors(view.rest());
        }
        if (view.coefficient % c == 0) m.multiplier = view.coefficient / c;
        return view;
    }
    if (m.multiplier == 0 || __builtin_mul_overflow(c, m.multiplier, &view.coefficient))
        return keep_term(product_rule_term(n, k, t));
    view.factors = m.factors;
    return view;
}

bool differentiator::merged_product_term(long long& c, std::span<const node* const> rest, std::size_t skip,
                                         const node* t, boost::container::small_vector<const node*, 8>& factors) {
    // rest's factors and t's (t = k·g₁…) are each in base order already: they
    // are interleaved, and two of one base merged, as the general product
    // factory would. It is not used where that factory does more: a merge
    // that is not one factor of its base (x·x⁻¹ = 1), a coefficient that is
    // not a machine integer, a lone sum the coefficient would distribute
    // over, sign(u) that real_cleanup would rewrite.
    scaled_view view;
    if (!view_term(t, view) || __builtin_mul_overflow(c, view.coefficient, &c)) return false;
    const auto gs = view.rest();
    std::size_t i = 0, j = 0;
    while (i < rest.size() || j < gs.size()) {
        if (i == skip) {
            ++i;
        } else if (i == rest.size()) {
            factors.push_back(gs[j++]);
        } else if (j == gs.size()) {
            factors.push_back(rest[i++]);
        } else if (const node *a = factor_base(rest[i]), *b = factor_base(gs[j]); a == b) {
            const node* m = merged_factor(rest[i++], gs[j++]);
            if (!m) return false;
            factors.push_back(m);
        } else {
            factors.push_back(compare(a, b) < 0 ? rest[i++] : gs[j++]);
        }
    }
    if (factors.empty() ||
        std::any_of(factors.begin(), factors.end(), [](const node* f) { return f->is_fn(function::sign); }))
        return false;
    return !(factors.size() == 1 && c != 1 && factors[0]->is(kind::sum));
}

const node* differentiator::merged_factor(const node* a, const node* b) {
    auto [it, fresh] = memo_->merged_factors.try_emplace({a, b});
    derivative_memo::merged_factor& m = it->second;
    if (fresh) {
        m.a = share(a);
        m.b = share(b);
        const node* pair[2] = {a, b};
        m.product = make_product_nodes(pair);
        const node* p = m.product.get();
        m.factor = p->is_number() || p->is(kind::product) || factor_base(p) != factor_base(a) ? nullptr : p;
    }
    return m.factor;
}

// d(c·Π fᵢ) = c·Σ fᵢ′·Π_{j≠i} fⱼ (product rule; c the factors free of x);
// with many fᵢ: d(Π fᵢ) = (Π fᵢ)·Σ fᵢ′/fᵢ, linear in size.
void differentiator::derive_product(std::uint32_t i) {
    const node* n = index_->at(i);
    boost::container::small_vector<std::uint32_t, 8> hits;
    for (std::uint32_t e = activation_[i].hit_head; e != dag_index::npos; e = edges_[e].next) hits.push_back(edges_[e].child);
    // Positions of the varying factors in operand order (deterministic output).
    boost::container::small_vector<std::size_t, 8> varying;
    const auto ops = index_->operands(i);
    if (hits.size() * 8 < ops.size()) {
        for (std::uint32_t h : hits)
            varying.push_back(static_cast<std::size_t>(
                std::find(n->ops().begin(), n->ops().end(), index_->at(h)) - n->ops().begin()));
        std::sort(varying.begin(), varying.end());
    } else {
        for (std::size_t k = 0; k < ops.size(); ++k)
            if (active(ops[k])) varying.push_back(k);
    }

    expr result = expr::adopt(nullptr);  // not 0: the product rule's terms may need no result at all
    if (varying.size() == 1) {
        const std::size_t k = varying[0];
        const expr& d = value(ops[k]);
        // c·x → c: with f′ = 1 and one other factor, that factor is the result.
        result = d.is_one() && n->nops == 2 ? share(n->op(1 - k)) : product_rule_term(n, k, d.get());
        if (trace_) {
            std::vector<expr> rest;
            for (std::size_t j = 0; j < n->nops; ++j)
                if (j != k) rest.push_back(share(n->op(j)));
            record("constant-factor", "constant factor " + show(make_product(std::move(rest))), n, result);
        }
    } else if (varying.size() <= options_.product_rule_limit) {
        lazy_product& p = lazy_[i];
        p.first = static_cast<std::uint32_t>(term_arena_.size());
        for (std::size_t k : varying) {
            const expr& d = value(ops[k]);
            if (d.is_zero()) continue;
            // fᵢ′ a sum: each of its terms times the other factors, so that
            // repeated derivatives stay sums of monomials and like terms collect.
            if (d.get()->is(kind::sum)) {
                for (const node* t : d.get()->ops()) term_arena_.push_back(product_rule_view(n, k, t));
            } else {
                term_arena_.push_back(product_rule_view(n, k, d.get()));
            }
        }
        p.count = static_cast<std::uint32_t>(term_arena_.size()) - p.first;
        if (!trace_) {
            // Added up only when needed: a sum that has this product as a
            // term takes the terms in with its own (see derive_sum), so
            // the sum of these alone, which it would take apart, is not built.
            p.terms = true;
            return;
        }
        result = add_terms(p.first, p.count);
        record("product-rule", "product rule on " + show(share(n)), n, result);
    } else {
        std::vector<expr> terms;
        terms.reserve(varying.size());
        for (std::size_t k : varying) {
            const expr& d = value(ops[k]);
            if (!d.is_zero()) terms.push_back(make_product({d, make_power(share(n->op(k)), minus_one())}));
        }
        result = make_product({share(n), make_sum(std::move(terms))});
        if (trace_)
            record("log-product-rule", "product rule on " + show(share(n)) + " as f·Σ fᵢ′/fᵢ", n, result);
    }
    value_[i] = std::move(result);
}

expr differentiator::derive_power(std::uint32_t i) {
    const node* n = index_->at(i);
    const auto ops = index_->operands(i);
    const bool base_varies = active(ops[0]);
    const bool exponent_varies = active(ops[1]);
    const expr base = share(n->op(0));
    const expr exponent = share(n->op(1));
    expr result;
    if (!exponent_varies) {
        // d uⁿ = n·u^(n−1)·u′ (power rule; n free of x)
        expr lowered;
        if (n->op(1)->is(kind::number)) {
            const rational_t m = n->op(1)->number() - 1;
            lowered = m == 1 ? base : make_power(base, make_number(m));
        } else {
            lowered = make_power(base, sum_of({exponent.get(), minus_one().get()}));
        }
        const expr& d = value(ops[0]);
        result = real_cleanup(d.is_one() ? product_of({exponent.get(), lowered.get()})
                                         : product_of({exponent.get(), lowered.get(), d.get()}));
        if (trace_) record("power-rule", "power rule on " + show(share(n)), n, result);
    } else if (!base_varies) {
        // d a^v = a^v·log(a)·v′ (exponential rule; a free of x, log(e) = 1)
        result = product_of({n, make_apply(function::log, {base}).get(), value(ops[1]).get()});
        if (trace_) record("exponential-rule", "exponential rule on " + show(share(n)), n, result);
    } else {
        // d u^v = u^v·(v′·log(u) + v·u′/u) (general power rule). With v = w + c
        // (c a number) the c part is written apart, c·u^v·u′/u, so that
        // repeated derivatives of x^x stay in the basis x^(x−k)·(log(x) + 1)ᵐ
        // and like terms collect.
        const expr& du = value(ops[0]);
        const expr& dv = value(ops[1]);
        expr c = zero(), w = exponent;
        if (n->op(1)->is(kind::sum))
            for (const node* t : n->op(1)->ops())
                if (t->is_number()) c = share(t);
        // w of a sum c + w: the other term, without the factories (x of x − 3).
        if (!c.is_zero())
            w = n->op(1)->nops == 2 ? share(n->op(1)->op(n->op(1)->op(0) == c.get() ? 1 : 0))
                                    : sum_of({exponent.get(), product_of({minus_one().get(), c.get()}).get()});
        const expr over_u = make_power(base, minus_one());
        expr main = product_of({n, general_power_factor(base, w, du, dv, over_u).get()});
        result = c.is_zero() ? std::move(main)
                             : sum_of({main.get(), product_of({c.get(), n, du.get(), over_u.get()}).get()});
        if (trace_) record("general-power-rule", "general power rule on " + show(share(n)), n, result);
    }
    return result;
}

expr differentiator::general_power_factor(const expr& u, const expr& w, const expr& du, const expr& dv,
                                          const expr& over_u) {
    auto make = [&] {
        return sum_of({product_of({dv.get(), make_apply(function::log, {u}).get()}).get(),
                       product_of({w.get(), du.get(), over_u.get()}).get()});
    };
    if (!memo_) return make();
    auto [it, fresh] = memo_->power_factors.try_emplace({u.get(), w.get(), du.get(), dv.get()});
    if (fresh) {
        it->second.key = {u, w, du, dv};
        it->second.value = make();
    }
    return it->second.value;
}

// d f(a₁…aₙ) = Σ ∂ᵢf(a₁…aₙ)·aᵢ′ (chain rule)
expr differentiator::derive_function(std::uint32_t i) {
    const node* n = index_->at(i);
    const auto ops = index_->operands(i);
    boost::container::small_vector<expr, 4> terms;
    boost::container::small_vector<const node*, 4> term_nodes;
    for (std::size_t k = 0; k < ops.size(); ++k) {
        if (!active(ops[k])) continue;
        const expr& partial = local_partial(i, k);
        if (partial.is_zero()) continue;
        const expr& inner = value(ops[k]);
        if (inner.is_one()) {
            term_nodes.push_back(partial.get());
        } else {
            const node* pair[2] = {partial.get(), inner.get()};
            terms.push_back(real_cleanup(make_product_nodes(pair)));
            term_nodes.push_back(terms.back().get());
        }
    }
    expr result = make_sum_nodes(term_nodes);
    if (trace_) {
        std::string label;
        if (n->is(kind::apply)) {
            label = builtin_rule(n->fn()).label;
        } else {
            auto rule = user_rule(n->name());
            label = rule ? (rule->label.empty() ? "d-" + n->name() : rule->label) : "unknown-derivative";
        }
        std::string text;
        if (ops.size() == 1 && n->op(0)->is(kind::symbol)) {
            text = label + " on " + show(share(n));
        } else {
            text = "chain rule on " + show(share(n)) + ": ";
            bool first = true;
            for (std::size_t k = 0; k < ops.size(); ++k) {
                if (!active(ops[k])) continue;
                if (!first) text += " + ";
                first = false;
                text += show(local_partial(i, k)) + "·∂(" + show(share(n->op(k))) + ")";
            }
        }
        record(label, text, n, result);
    }
    return result;
}

const expr& differentiator::local_partial(std::uint32_t i, std::size_t k) {
    const node* n = index_->at(i);
    auto [it, fresh] = partials_->try_emplace(n);
    if (fresh) {
        it->second.function = share(n);  // the key stays valid while it is in the cache
        it->second.partials = function_partials(n, kink_value_, options_);
    }
    return it->second.partials[k];
}

std::vector<expr> function_partials(const node* n, const expr& kink, const diff_options& options) {
    std::vector<expr> partials;
    partials.reserve(n->nops);
    const auto args = n->ops();
    if (n->is(kind::apply)) {
        const derivative_rule& rule = builtin_rule(n->fn());
        for (std::size_t k = 0; k < n->nops; ++k) partials.push_back(instantiate(rule, k, args, kink));
        return partials;
    }
    const std::vector<std::uint8_t>& taken = n->call().derivative_indices;
    const auto rule = user_rule(n->name());
    if (!rule || rule->parameters.size() != n->nops) {
        // An undeclared f: ∂ᵢf(a…) stays unevaluated (prints f′(a) or ∂f/∂uᵢ),
        // indices sorted so that mixed partials commute.
        std::vector<expr> arg_exprs;
        for (const node* a : args) arg_exprs.push_back(share(a));
        for (std::size_t k = 0; k < n->nops; ++k) {
            std::vector<std::uint8_t> indices = taken;
            indices.push_back(static_cast<std::uint8_t>(k));
            std::sort(indices.begin(), indices.end());
            partials.push_back(make_call(n->name(), arg_exprs, std::move(indices)));
        }
        return partials;
    }
    // A declared f: ∂ᵢ(∂_I f) is the declared partial differentiated by the
    // parameters in I, then instantiated.
    for (std::size_t k = 0; k < n->nops; ++k) {
        derivative_rule shifted = *rule;
        expr t = rule->partials[k];
        for (std::uint8_t j : taken) t = nabla::diff(t, rule->parameters.at(j), options);
        shifted.partials.assign(1, t);
        partials.push_back(instantiate(shifted, 0, args, kink));
    }
    return partials;
}

}  // namespace nabla::detail
