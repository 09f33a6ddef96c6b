// The DAG index (see dag_index.hpp).

#include "diff/dag_index.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <utility>

namespace nabla::detail {

namespace {
// How many operands ahead dag_index::build asks for nodes.
constexpr std::uint32_t prefetch_distance = 2;
// Nodes with fewer operands are visited in operand order even in memory
// order: what they hold fits the caches anyway, and sorting costs.
constexpr std::uint32_t memory_order_min_operands = 256;
}  // namespace

void dag_index::number_nodes(const node* root, const known_nodes* known, visit_order order) {
    const bool memory = order == visit_order::memory;
    nodes_.clear();
    known_.clear();
    number_.clear();
    ranges_.clear();
    operands_.clear();
    parent_start_.clear();
    visits_.clear();
    // Iterative post-order. A node is in number_ from when it is first seen
    // (npos while on the stack) and gets its number when it is left, so each
    // edge costs at most one hash probe. An operator node with one reference
    // is held by a single operand slot, the one being followed: it cannot be
    // met again, so it needs no entry (most nodes of a big expression are
    // such). Numbers and constants are never differentiated by anything:
    // they are not numbered and cost no probe (most leaves of a big
    // expression are such). Symbols always get an entry, so a variable is
    // found even if the core should ever keep shared leaves at a fixed count;
    // an operator node met twice that way would only be differentiated twice.
    //
    // A node's operand slots are set aside when it is entered, and each is
    // filled when its operand gets a number; the parents' counts are taken
    // as nodes are left.
    std::vector<frame>& stack = stack_;
    stack.clear();
    auto number_leaf = [&](const node* n) {
        const auto number = size();
        nodes_.push_back(n);
        ranges_.push_back({0, 0});
        parent_start_.push_back(0);
        return number;
    };
    auto enter = [&](const node* n, bool in_map) {
        const auto first = static_cast<std::uint32_t>(operands_.size());
        operands_.resize(first + n->nops);
        std::uint32_t visit = npos;
        if (memory && n->nops >= memory_order_min_operands) {
            visit = static_cast<std::uint32_t>(visits_.size());
            visits_.resize(visit + n->nops);
            sort_by_address(n->ops(), std::span(visits_).subspan(visit));
        }
        for (std::uint32_t j = 0; j < n->nops && j < prefetch_distance; ++j)
            __builtin_prefetch(n->op(visit == npos ? j : visits_[visit + j]));
        stack.push_back({n, first, 0, 0, visit, in_map});
    };
    // A known node is left as soon as it is entered, as a leaf. The memo
    // holds a reference to it besides its parents', so it is never an
    // operand node with one reference.
    auto number_known = [&](const node* n) {
        known_.push_back(number_leaf(n));
        return known_.back();
    };
    if (root->nops == 0) {
        number_.emplace(root, number_leaf(root));
    } else if (known && known->contains(root)) {
        number_.emplace(root, number_known(root));
    } else {
        number_.emplace(root, npos);
        enter(root, true);
    }
    while (!stack.empty()) {
        frame& top = stack.back();
        const node* n = top.n;
        if (top.next < n->nops) {
            auto operand_at = [&](std::uint32_t j) { return top.visit == npos ? j : visits_[top.visit + j]; };
            // The nodes of a big DAG are scattered over memory: reading a
            // node is a cache miss. Asking for the operands a few steps
            // ahead lets those misses overlap instead of following in turn.
            if (top.next + prefetch_distance < n->nops) __builtin_prefetch(n->op(operand_at(top.next + prefetch_distance)));
            const std::uint32_t k = operand_at(top.next++);
            top.following = k;
            std::uint32_t& slot = operands_[top.first + k];
            const node* child = n->op(k);
            if (child->nops == 0) {
                if (!child->is(kind::symbol)) {
                    slot = npos;  // made inert() below, once the count is known
                    continue;
                }
                // A leaf is left as soon as it is entered: it is numbered at once.
                auto [it, fresh] = number_.try_emplace(child, size());
                if (fresh) number_leaf(child);
                slot = it->second;
                continue;
            }
            if (child->refs.load(std::memory_order_relaxed) == 1) {
                enter(child, false);
                continue;
            }
            auto [it, fresh] = number_.try_emplace(child, npos);
            if (!fresh) {
                slot = it->second;
            } else if (known && known->contains(child)) {
                slot = it->second = number_known(child);
            } else {
                enter(child, true);
            }
            continue;
        }
        const auto number = size();
        nodes_.push_back(n);
        ranges_.push_back({top.first, n->nops});
        parent_start_.push_back(0);
        for (std::uint32_t k = 0; k < n->nops; ++k)
            if (const std::uint32_t c = operands_[top.first + k]; c != npos) ++parent_start_[c];
        if (top.in_map) number_.find(n)->second = number;
        stack.pop_back();
        if (!stack.empty()) operands_[stack.back().first + stack.back().following] = number;
    }
}

void dag_index::build(const node* root, const known_nodes* known, visit_order order) {
    number_nodes(root, known, order);
    // Parent lists, ascending: the running sums of the counts make each
    // node's slot the end of its list, and filling from the last edge
    // backwards turns them into the starts.
    const std::uint32_t count = size();
    parent_start_.push_back(0);
    for (std::uint32_t i = 1; i <= count; ++i) parent_start_[i] += parent_start_[i - 1];
    parents_.resize(parent_start_[count]);
    for (std::uint32_t i = count; i-- > 0;) {
        const operand_range r = ranges_[i];
        for (std::uint32_t k = r.count; k-- > 0;) {
            std::uint32_t& c = operands_[r.first + k];
            if (c == npos) c = inert();
            else parents_[--parent_start_[c]] = i;
        }
    }
}

// Writes to `order` the positions of `ops` sorted by the operands'
// addresses. A radix sort: the addresses of one expression's nodes span a
// few megabytes, so two or three passes of 11 bits order them, where a
// comparison sort takes about log₂ n passes.
void dag_index::sort_by_address(std::span<const node* const> ops, std::span<std::uint32_t> order) {
    auto address = [](const node* n) { return reinterpret_cast<std::uintptr_t>(n) >> 3; };
    std::uintptr_t low = ~std::uintptr_t{0}, high = 0;
    for (const node* n : ops) {
        low = std::min(low, address(n));
        high = std::max(high, address(n));
    }
    // Keys: the addresses less the lowest, in 8-byte steps.
    std::vector<address_item>& items = sort_items_;
    std::vector<address_item>& scratch = sort_scratch_;
    items.resize(ops.size());
    scratch.resize(ops.size());
    for (std::uint32_t k = 0; k < ops.size(); ++k) items[k] = {address(ops[k]) - low, k};
    constexpr unsigned digit_bits = 11;
    constexpr std::size_t buckets = std::size_t{1} << digit_bits;
    std::array<std::uint32_t, buckets> count;
    for (unsigned shift = 0; shift < 64 && ((high - low) >> shift) != 0; shift += digit_bits) {
        std::fill(count.begin(), count.end(), 0);
        for (const address_item& i : items) ++count[(i.key >> shift) & (buckets - 1)];
        std::uint32_t sum = 0;
        for (std::uint32_t& c : count) sum += std::exchange(c, sum);
        for (const address_item& i : items) scratch[count[(i.key >> shift) & (buckets - 1)]++] = i;
        items.swap(scratch);
    }
    for (std::size_t k = 0; k < items.size(); ++k) order[k] = items[k].position;
}

std::size_t dag_index::capacity_bytes() const noexcept {
    auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
    return bytes(nodes_) + bytes(ranges_) + bytes(operands_) + bytes(parent_start_) + bytes(parents_) +
           bytes(known_) + bytes(stack_) + bytes(visits_) + bytes(sort_items_) + bytes(sort_scratch_) +
           number_.bucket_count() * (sizeof(std::pair<const node*, std::uint32_t>) + 1);
}

std::uint32_t dag_index::find(const node* n) const noexcept {
    auto it = number_.find(n);
    return it == number_.end() ? npos : it->second;
}

}  // namespace nabla::detail
