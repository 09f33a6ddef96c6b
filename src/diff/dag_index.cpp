// The DAG index (see dag_index.hpp).

#include "diff/dag_index.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <span>
#include <system_error>
#include <thread>
#include <utility>

namespace nabla::detail {

namespace {
// How many operands ahead dag_index::build asks for nodes.
constexpr std::uint32_t prefetch_distance = 2;
// Nodes with fewer operands are visited in operand order even in memory
// order: what they hold fits the caches anyway, and sorting costs.
constexpr std::uint32_t memory_order_min_operands = 256;
constexpr unsigned max_parts = 8;
}  // namespace

dag_index::~dag_index() = default;

std::uint32_t dag_index::number_leaf(const node* n) {
    const auto number = size();
    nodes_.push_back({n, 0, 0});
    return number;
}

void dag_index::clear_numbering() {
    nodes_.clear();
    known_.clear();
    number_.clear();
    operands_.clear();
    parent_start_.clear();
    visits_.clear();
    parts_joined_ = 0;
}

void dag_index::number_nodes(const node* root, const known_nodes* known, visit_order order, unsigned threads) {
    clear_numbering();
    if (root->nops == 0) {
        number_.try_emplace(root, number_leaf(root));
        return;
    }
    if (known && known->contains(root)) {
        known_.push_back(number_leaf(root));
        number_.try_emplace(root, known_.back());
        return;
    }
    // The root's operand slots come first in operands_, its visiting order
    // first in visits_.
    const std::uint32_t nops = root->nops;
    operands_.resize(nops);
    const bool sorted = order == visit_order::memory && nops >= memory_order_min_operands;
    if (sorted) {
        visits_.resize(nops);
        sort_by_address(root->ops(), visits_);
    }
    // The root of a big DAG is nearly always a long sum (a loss, an
    // objective), and what its operands reach is numbered in parts on
    // several threads: each part numbers the nodes it meets as if alone,
    // and the parts are put together in order, dropping what an earlier
    // part numbered already. That gives the numbers one thread gives.
    unsigned parts = 1;
    const std::uint32_t parallel_min_operands = index_part_min_operands.load(std::memory_order_relaxed);
    if (!known && nops >= 2 * parallel_min_operands) {
        // Asking for the core count reads a file: once.
        static const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
        if (threads == 0) threads = cores;
        parts = std::min({threads, max_parts, nops / parallel_min_operands});
    }
    if (parts > 1)
        number_in_parts(root, sorted, order, parts);
    else
        number_part(root, 0, nops, sorted, known, order);
    const auto number = size();
    nodes_.push_back({root, 0, nops});
    number_.try_emplace(root, number);
}

void dag_index::number_part(const node* root, std::uint32_t begin, std::uint32_t end, bool sorted,
                            const known_nodes* known, visit_order order) {
    const bool memory = order == visit_order::memory;
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
    // in build(), once all are numbered.
    //
    // This runs once per gradient over every node of the expression, so the
    // per-node work is kept to stores into arrays that are already large
    // enough: operands_ grows by doubling, and is cut to size at the end.
    std::vector<frame>& stack = stack_;
    stack.clear();
    std::uint32_t used = static_cast<std::uint32_t>(operands_.size());
    auto take_slots = [&](std::uint32_t count) {
        const std::uint32_t first = used;
        used += count;
        if (used > operands_.size())
            operands_.resize(std::max<std::size_t>(used, 2 * operands_.size()), boost::container::default_init);
        return first;
    };
    auto number_symbol = [&](const node* leaf) {
        auto [it, fresh] = number_.try_emplace(leaf, size());
        if (fresh) number_leaf(leaf);
        return it->second;
    };
    auto prefetch_first = [&](const frame& f) {
        for (std::uint32_t j = f.next; j < f.end && j < f.next + prefetch_distance; ++j)
            __builtin_prefetch(f.n->op(f.visit == npos ? j : visits_[f.visit + j]));
    };
    // A node whose operands are all leaves is numbered as soon as it is
    // met, without a frame (x², −x, x·y: a good part of any big expression).
    auto number_flat = [&](const node* n) {
        const std::uint32_t nops = n->nops;
        const std::uint32_t first = take_slots(nops);
        std::uint32_t* slots = operands_.data() + first;
        for (std::uint32_t k = 0; k < nops; ++k) {
            const node* leaf = n->op(k);
            slots[k] = leaf->is(kind::symbol) ? number_symbol(leaf) : npos;
        }
        const auto number = size();
        nodes_.push_back({n, first, nops});
        return number;
    };
    auto flat = [](const node* n) {
        if (n->nops > 4) return false;
        for (const node* op : n->ops())
            if (op->nops != 0) return false;
        return true;
    };
    auto enter = [&](const node* n, bool in_map) {
        const std::uint32_t first = take_slots(n->nops);
        std::uint32_t visit = npos;
        if (memory && n->nops >= memory_order_min_operands) {
            visit = static_cast<std::uint32_t>(visits_.size());
            visits_.resize(visit + n->nops);
            sort_by_address(n->ops(), std::span(visits_).subspan(visit));
        }
        stack.push_back({n, first, 0, n->nops, 0, visit, in_map});
        prefetch_first(stack.back());
    };
    // A known node is left as soon as it is entered, as a leaf. The memo
    // holds a reference to it besides its parents', so it is never an
    // operand node with one reference.
    auto number_known = [&](const node* n) {
        known_.push_back(number_leaf(n));
        return known_.back();
    };
    stack.push_back({root, 0, begin, end, 0, sorted ? 0 : npos, false});
    prefetch_first(stack.back());
    for (;;) {
        frame& top = stack.back();
        const node* n = top.n;
        if (top.next < top.end) {
            auto operand_at = [&](std::uint32_t j) { return top.visit == npos ? j : visits_[top.visit + j]; };
            // The nodes of a big DAG are scattered over memory: reading a
            // node is a cache miss. Asking for the operands a few steps
            // ahead lets those misses overlap instead of following in turn.
            if (top.next + prefetch_distance < top.end) __builtin_prefetch(n->op(operand_at(top.next + prefetch_distance)));
            const std::uint32_t k = operand_at(top.next++);
            const std::uint32_t slot = top.first + k;
            const node* child = n->op(k);
            if (child->nops == 0) {
                // A leaf is left as soon as it is entered: it is numbered at once.
                operands_[slot] = child->is(kind::symbol) ? number_symbol(child) : npos;
                continue;
            }
            if (child->refs.load(std::memory_order_relaxed) == 1) {
                if (flat(child)) {
                    const std::uint32_t number = number_flat(child);
                    operands_[slot] = number;
                    continue;
                }
                top.following = k;
                enter(child, false);
                continue;
            }
            if (auto [entry, fresh] = number_.try_emplace(child, npos); !fresh) {
                operands_[slot] = entry->second;
            } else if (known && known->contains(child)) {
                const std::uint32_t number = number_known(child);
                number_.find(child)->second = number;
                operands_[slot] = number;
            } else if (flat(child)) {
                const std::uint32_t number = number_flat(child);
                number_.find(child)->second = number;
                operands_[slot] = number;
            } else {
                top.following = k;
                enter(child, true);
            }
            continue;
        }
        if (stack.size() == 1) break;  // the root: numbered by the caller
        const auto number = size();
        nodes_.push_back({n, top.first, n->nops});
        if (top.in_map) number_.find(n)->second = number;
        stack.pop_back();
        operands_[stack.back().first + stack.back().following] = number;
    }
    stack.clear();
    operands_.resize(used);
}

void dag_index::number_in_parts(const node* root, bool sorted, visit_order order, unsigned parts) {
    const std::uint32_t nops = root->nops;
    auto boundary = [&](unsigned p) { return static_cast<std::uint32_t>(std::uint64_t{nops} * p / parts); };
    while (parts_.size() < parts - 1) parts_.push_back(std::make_unique<dag_index>());
    std::vector<std::exception_ptr> errors(parts);
    auto number = [&](unsigned p) noexcept {
        try {
            dag_index& part = *parts_[p - 1];
            part.clear_numbering();
            part.operands_.assign(nops, npos);
            part.visits_.assign(visits_.begin(), visits_.begin() + (sorted ? nops : 0));
            part.number_part(root, boundary(p), boundary(p + 1), sorted, nullptr, order);
            part.count_parents();
        } catch (...) {
            errors[p] = std::current_exception();
        }
    };
    {
        std::vector<std::jthread> helpers;  // joined on leaving, exceptions included
        helpers.reserve(parts - 1);
        unsigned started = 1;
        for (; started < parts; ++started) {
            try {
                helpers.emplace_back(number, started);
            } catch (const std::system_error&) {
                break;  // no thread to be had: this one numbers the rest
            }
        }
        number_part(root, 0, boundary(1), sorted, nullptr, order);
        for (unsigned p = started; p < parts; ++p) number(p);
    }
    for (unsigned p = 1; p < parts; ++p) {
        if (errors[p]) std::rethrow_exception(errors[p]);
        absorb(*parts_[p - 1], boundary(p), boundary(p + 1), sorted);
    }
}

void dag_index::absorb(dag_index& part, std::uint32_t begin, std::uint32_t end, bool sorted) {
    constexpr std::uint32_t undecided = npos - 1;
    const std::uint32_t count = part.size(), before = size();
    auto slot_at = [&](std::uint32_t p) { return sorted ? visits_[p] : p; };
    std::vector<std::uint32_t>& fate = part.fate_;  // the node's number here, or npos: dropped
    std::vector<std::uint32_t>& live = part.live_parents_;
    fate.assign(count, undecided);
    live.assign(part.parent_start_.begin(), part.parent_start_.end());
    for (std::uint32_t p = begin; p < end; ++p)
        if (const std::uint32_t c = part.operands_[slot_at(p)]; c != npos) ++live[c];
    // The nodes an earlier part numbered: all were met there with what they
    // reach, and whatever this part reached only through them goes too.
    // Parents are numbered after their operands, so going down the numbers
    // decides each node's parents before the node.
    part.number_.for_each([&](const node* n, std::uint32_t number) {
        if (const std::uint32_t here = find(n); here != npos) fate[number] = here;
    });
    std::uint32_t kept = 0, kept_operands = 0;
    for (std::uint32_t b = count; b-- > 0;) {
        if (fate[b] == undecided) {
            if (live[b] != 0) {
                ++kept;
                kept_operands += part.nodes_[b].count;
                continue;
            }
            fate[b] = npos;
        }
        for (const std::uint32_t c : part.operands(b))
            if (c != npos) --live[c];
    }
    // The kept nodes, in their order, after this index's.
    const auto operands_before = static_cast<std::uint32_t>(operands_.size());
    nodes_.resize(before + kept);
    operands_.resize(operands_before + kept_operands);
    std::uint32_t next = before, next_operand = operands_before;
    for (std::uint32_t b = 0; b < count; ++b) {
        if (fate[b] != undecided) continue;
        fate[b] = next;
        nodes_[next] = {part.nodes_[b].n, next_operand, part.nodes_[b].count};
        for (const std::uint32_t c : part.operands(b)) {
            operands_[next_operand++] = c == npos ? npos : fate[c];
        }
        ++next;
    }
    for (std::uint32_t p = begin; p < end; ++p) {
        const std::uint32_t k = slot_at(p), c = part.operands_[k];
        operands_[k] = c == npos ? npos : fate[c];
    }
    // The part's map stays where it is: find() looks there after this one's.
    ++parts_joined_;
}

void dag_index::count_parents() {
    const std::uint32_t count = size();
    parent_start_.assign(count + 1, 0);
    for (std::uint32_t i = 0; i < count; ++i)
        for (const std::uint32_t c : operands(i))
            if (c != npos) ++parent_start_[c];
}

void dag_index::build(const node* root, const known_nodes* known, visit_order order, unsigned threads) {
    number_nodes(root, known, order, threads);
    count_parents();
    // Parent lists, ascending: the running sums of the counts make each
    // node's slot the end of its list, and filling from the last edge
    // backwards turns them into the starts.
    const std::uint32_t count = size();
    for (std::uint32_t i = 1; i <= count; ++i) parent_start_[i] += parent_start_[i - 1];
    parents_.resize(parent_start_[count]);
    for (std::uint32_t i = count; i-- > 0;) {
        const numbered& r = nodes_[i];
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
    std::size_t parts = 0;
    for (const auto& part : parts_) parts += part->capacity_bytes();
    return parts + bytes(nodes_) + bytes(operands_) + bytes(parent_start_) + bytes(parents_) +
           bytes(known_) + bytes(stack_) + bytes(visits_) + bytes(sort_items_) + bytes(sort_scratch_) + bytes(fate_) +
           bytes(live_parents_) + number_.bytes();
}

std::uint32_t dag_index::find(const node* n) const noexcept {
    if (const auto* entry = number_.find(n)) return entry->second;
    for (std::uint32_t p = 0; p < parts_joined_; ++p) {
        const dag_index& part = *parts_[p];
        if (const auto* entry = part.number_.find(n); entry && part.fate_[entry->second] != npos)
            return part.fate_[entry->second];
    }
    return npos;
}

}  // namespace nabla::detail
