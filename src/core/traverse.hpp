#pragma once
// Iterative traversals over the DAG: no recursion on the C++ stack.

#include "core/node.hpp"

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

}  // namespace nabla::detail
