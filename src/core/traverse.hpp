#pragma once
// Iterative traversals over the DAG: no recursion on the C++ stack.

#include "core/node.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <utility>
#include <vector>

namespace nabla::detail {

template <class Visit>
void for_each_post_order(const node* root, Visit&& visit) {
    boost::unordered_flat_set<const node*> seen;
    std::vector<std::pair<const node*, std::size_t>> stack;  // node, next operand
    stack.emplace_back(root, 0);
    seen.insert(root);
    std::size_t steps = 0;
    while (!stack.empty()) {
        if ((++steps & 4095) == 0) poll_interrupt();
        auto& [n, next] = stack.back();
        if (next < n->nops) {
            const node* child = n->op(next++);
            if (seen.insert(child).second) stack.emplace_back(child, 0);
            continue;
        }
        const node* done = n;
        stack.pop_back();
        visit(done);
    }
}

// Runs `transform(n, new_operands, changed)` bottom-up over the DAG and
// returns what the root became; atoms map to themselves unless `leaf`
// (a node → optional<expr>) says otherwise.
template <class Leaf, class Transform>
expr map_post_order(const expr& root, Leaf&& leaf, Transform&& transform) {
    boost::unordered_flat_map<const node*, expr> done;
    for_each_post_order(root.get(), [&](const node* n) {
        if (auto replaced = leaf(n)) {
            done.emplace(n, std::move(*replaced));
            return;
        }
        if (n->nops == 0) {
            done.emplace(n, expr::share(n));
            return;
        }
        std::vector<expr> ops;
        ops.reserve(n->nops);
        bool changed = false;
        for (const node* op : n->ops()) {
            ops.push_back(done.at(op));
            changed = changed || ops.back().get() != op;
        }
        done.emplace(n, transform(n, std::move(ops), changed));
    });
    return done.at(root.get());
}

}  // namespace nabla::detail
