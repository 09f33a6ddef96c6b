#pragma once
// The DAG index. Differentiation walks it up from a variable to find what
// depends on it; later passes (the compiled tape) can read the same numbering.

#include "core/node.hpp"

#include <boost/container/vector.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace nabla::detail {

// A root is numbered in parts when each part has at least this many
// operands. Besides the thread's start, parts cost their joining, and the
// caller then reads what another core wrote. Measured on the Rosenbrock
// function (two operands of the root per variable): at 20,000 operands one
// thread took 1.3 ms and two 2.6 ms, at 80,000 they were even (9 ms), and
// at 200,000 two threads were faster (24 ms against 30). Tests lower it, so
// that the parts are joined on roots of a size they can afford.
inline std::atomic<std::uint32_t> index_part_min_operands{65536};

// The distinct nodes of a DAG numbered in post-order (operands before the
// nodes that use them), with operand and parent lists as flat arrays.
class dag_index {
public:
    static constexpr std::uint32_t npos = ~std::uint32_t{0};

    // Nodes whose derivatives the caller knows already (the memo of an nth
    // derivative): numbered as leaves, their operands not visited. Each must
    // depend on the variable, and be held by more than its parents.
    class known_nodes {
    public:
        virtual bool contains(const node* n) const = 0;

    protected:
        ~known_nodes() = default;
    };

    // The order in which the operands of a node with many of them are
    // visited, and so numbered. Either gives a post-order; they differ in
    // which nodes come next to each other.
    enum class visit_order {
        // Operand order: the numbering depends on the expression only.
        canonical,
        // Address order, where big sums and products have their operands
        // in memory: terms built one after another are numbered one after
        // another. Canonical operand order is a structural hash order, so
        // the terms with x₁, x₂, x₃ of a long sum are far apart; numbered in
        // memory order they are neighbours, and a pass over the variables
        // reads the index, the node pool and the per-node state in turn
        // instead of at random. The derivatives are the same nodes in
        // either order, floats included: the core combines the numbers of a
        // sum or product in their structural order, whatever order they
        // come in.
        memory,
    };

    dag_index() = default;
    explicit dag_index(const node* root, visit_order order = visit_order::canonical, unsigned threads = 1) {
        build(root, nullptr, order, threads);
    }
    dag_index(const dag_index&) = delete;
    dag_index& operator=(const dag_index&) = delete;
    ~dag_index();
    // Indexes another DAG, reusing this one's storage. A root with thousands
    // of operands is numbered in parts on up to `threads` threads (0: one
    // per core); the numbers are the ones one thread gives.
    void build(const node* root, const known_nodes* known = nullptr, visit_order order = visit_order::canonical,
               unsigned threads = 1);
    // The memory the index holds, in bytes (its arrays' capacities).
    std::size_t capacity_bytes() const noexcept;

    // The number of numbered nodes: the symbols and operator nodes.
    std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(nodes_.size()); }
    // The number all numbers and constants share, size(): they are never
    // differentiated, so they need no node of their own, only a slot that
    // never becomes active.
    std::uint32_t inert() const noexcept { return size(); }
    const node* at(std::uint32_t i) const noexcept { return nodes_[i].n; }
    // The number of n, or npos when n is not in the DAG. Only symbols and
    // nodes with more than one reference are found besides the root: a
    // variable always is.
    std::uint32_t find(const node* n) const noexcept;
    // Operand numbers of node i, in operand order.
    std::span<const std::uint32_t> operands(std::uint32_t i) const noexcept {
        return {operands_.data() + nodes_[i].first, nodes_[i].count};
    }
    // The numbers of the nodes the last build found known, in the order met.
    std::span<const std::uint32_t> known() const noexcept { return known_; }
    // Numbers of the nodes that have i as an operand (once per occurrence).
    std::span<const std::uint32_t> parents(std::uint32_t i) const noexcept {
        return {parents_.data() + parent_start_[i], parents_.data() + parent_start_[i + 1]};
    }

private:
    // The numbers of the nodes met more than once (symbols, shared nodes),
    // by address. Open addressing whose home slot follows the address, not
    // a mixed hash of it: the nodes of an expression lie in memory in the
    // order they were built, so the symbols met one after another (x₁, x₂,
    // x₃ of a long sum) have neighbouring slots, where a hash map's random
    // slots made each first meeting a cache miss.
    class node_numbers {
    public:
        struct entry {
            const node* first = nullptr;
            std::uint32_t second = 0;
        };
        // The entry of n, added with `number` if there was none (then true).
        std::pair<entry*, bool> try_emplace(const node* n, std::uint32_t number) {
            if ((size_ + 1) * 2 > slots_.size()) grow();
            for (std::size_t i = home(n);; i = (i + 1) & mask_) {
                entry& e = slots_[i];
                if (e.first == n) return {&e, false};
                if (!e.first) {
                    e = {n, number};
                    ++size_;
                    return {&e, true};
                }
            }
        }
        entry* find(const node* n) noexcept {
            return const_cast<entry*>(static_cast<const node_numbers*>(this)->find(n));
        }
        const entry* find(const node* n) const noexcept {
            if (slots_.empty()) return nullptr;
            for (std::size_t i = home(n);; i = (i + 1) & mask_) {
                const entry& e = slots_[i];
                if (e.first == n) return &e;
                if (!e.first) return nullptr;
            }
        }
        void clear() noexcept {
            if (size_ != 0) std::fill(slots_.begin(), slots_.end(), entry{});
            size_ = 0;
        }
        template <class Visit>
        void for_each(Visit&& visit) const {
            for (const entry& e : slots_)
                if (e.first) visit(e.first, e.second);
        }
        std::size_t bytes() const noexcept { return slots_.capacity() * sizeof(entry); }

    private:
        // Addresses in 16-byte steps; the higher bits folded in, so that
        // nodes at one offset of different slabs do not share a home.
        std::size_t home(const node* n) const noexcept {
            const auto a = reinterpret_cast<std::uintptr_t>(n) >> 4;
            return (a ^ (a >> 12) ^ (a >> 24)) & mask_;
        }
        void grow() {
            std::vector<entry> old(std::max<std::size_t>(64, 2 * slots_.size()));
            old.swap(slots_);
            mask_ = slots_.size() - 1;
            size_ = 0;
            for (const entry& e : old)
                if (e.first) try_emplace(e.first, e.second);
        }
        std::vector<entry> slots_;
        std::size_t mask_ = 0;
        std::size_t size_ = 0;
    };

    // A numbered node and its operand slots, side by side: a derivation
    // reads both for each node it visits, and the nodes are scattered.
    struct numbered {
        const node* n;
        std::uint32_t first;  // into operands_
        std::uint32_t count;
    };
    std::vector<numbered> nodes_;
    node_numbers number_;
    // Grown without clearing (every slot is written before it is read).
    boost::container::vector<std::uint32_t> operands_;
    std::vector<std::uint32_t> parent_start_, parents_;
    std::vector<std::uint32_t> known_;
    // The traversal's work lists (see build), kept for the next build.
    struct frame {
        const node* n;
        std::uint32_t first;      // n's operand slots in operands_
        std::uint32_t next;       // how many operands have been followed
        std::uint32_t end;        // where to stop: n->nops, or the end of a part of the root's
        std::uint32_t following;  // the operand being followed
        std::uint32_t visit;      // into visits_: the operands in visiting order, or npos: in operand order
        bool in_map;              // n has an entry in number_ to complete
    };
    std::vector<frame> stack_;
    std::vector<std::uint32_t> visits_;
    // Work space of the sort of operands by address (see dag_index.cpp).
    struct address_item {
        std::uint64_t key;
        std::uint32_t position;
    };
    std::vector<address_item> sort_items_, sort_scratch_;
    void sort_by_address(std::span<const node* const> ops, std::span<std::uint32_t> order);
    // The traversal of build: the numbers, the operand lists and the parents' counts.
    void number_nodes(const node* root, const known_nodes* known, visit_order order, unsigned threads);
    void clear_numbering();
    // parent_start_[c]: how many operand slots hold c (the last entry 0).
    void count_parents();
    std::uint32_t number_leaf(const node* n);
    // Numbers what the root's operands at visiting positions [begin, end)
    // reach, not the root: its operand slots are operands_[0, nops) and, when
    // `sorted`, its visiting order is visits_[0, nops).
    void number_part(const node* root, std::uint32_t begin, std::uint32_t end, bool sorted, const known_nodes* known,
                     visit_order order);
    // Numbering in parts (see number_nodes): the indexes of the parts after
    // the first, kept for the next build. Of a part: the number in the whole
    // of each of its nodes (npos: dropped), and absorb's work space.
    std::vector<std::unique_ptr<dag_index>> parts_;
    std::uint32_t parts_joined_ = 0;  // whose maps find() reads after number_
    std::vector<std::uint32_t> fate_, live_parents_;
    void number_in_parts(const node* root, bool sorted, visit_order order, unsigned parts);
    // Appends the nodes of `part`, which numbered positions [begin, end) of
    // the root's operands, that this index has not numbered.
    void absorb(dag_index& part, std::uint32_t begin, std::uint32_t end, bool sorted);
};

}  // namespace nabla::detail
