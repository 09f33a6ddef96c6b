// The public printing functions: to_string, to_string_shared, operator<<.

#include "print/printer.hpp"

#include <nabla/print.hpp>

#include <algorithm>
#include <ostream>

namespace nabla {

std::string to_string(const expr& e, style s) {
    detail::print_cache cache(e.get());
    detail::writer w(cache, s);
    std::string out;
    w.write(e.get(), detail::print_mode::normal, out);
    return out;
}

std::ostream& operator<<(std::ostream& out, const expr& e) { return out << to_string(e, style::unicode); }

namespace {

bool is_atom(const detail::node* n) {
    switch (n->kind) {
    case kind::number:
    case kind::real:
    case kind::symbol:
    case kind::constant: return true;
    default: return false;
    }
}

// A letter for the names t₁, t₂, … that no symbol of the expression uses
// with digits after it (a user's own t1 must not be shadowed).
std::string name_prefix(const std::vector<const detail::node*>& nodes) {
    for (std::string_view prefix : {"t", "u", "v", "s", "r", "q", "T", "U", "V"}) {
        const bool taken = std::any_of(nodes.begin(), nodes.end(), [&](const detail::node* n) {
            if (n->kind != kind::symbol) return false;
            std::string_view name = n->name();
            return name.size() > prefix.size() && name.starts_with(prefix) &&
                   std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                               [](char c) { return c >= '0' && c <= '9'; });
        });
        if (!taken) return std::string(prefix);
    }
    return "tmp";
}

}  // namespace

std::string to_string_shared(const expr& e, style s, std::size_t min_size) {
    const detail::node* root = e.get();

    // Uses (edges into a node) and tree sizes, saturating: a DAG of depth 100
    // can stand for a tree of 2^100 nodes.
    boost::unordered_flat_map<const detail::node*, std::uint32_t> uses;
    boost::unordered_flat_map<const detail::node*, std::uint64_t> size;
    std::vector<const detail::node*> order;
    detail::for_each_post_order(root, [&](const detail::node* n) {
        std::uint64_t total = 1;
        for (const detail::node* op : n->ops()) {
            ++uses[op];
            const std::uint64_t k = size[op];
            total = total > UINT64_MAX - k ? UINT64_MAX : total + k;
        }
        size[n] = total;
        order.push_back(n);
    });

    // Candidates in post-order, so a definition only refers to earlier names.
    // A power with a negative exponent is never named: it prints inside a
    // fraction's denominator with its exponent negated.
    std::vector<const detail::node*> shared;
    for (const detail::node* n : order) {
        if (n == root || is_atom(n) || uses[n] < 2 || size[n] < std::max<std::size_t>(min_size, 2)) continue;
        if (detail::is_negative_power(n)) continue;
        shared.push_back(n);
    }
    if (shared.empty()) return to_string(e, s);

    const std::string prefix = name_prefix(order);
    detail::name_map names;
    for (std::size_t i = 0; i < shared.size(); ++i)
        names.emplace(shared[i], detail::symbol_text(prefix + std::to_string(i + 1), s));

    detail::print_cache cache(root, &names);
    std::string out;
    detail::writer w(cache, s);
    w.set_names(&names, root);
    w.write(root, detail::print_mode::normal, out);
    for (std::size_t i = 0; i < shared.size(); ++i) {
        out += i == 0 ? "\nwhere " : "\n      ";
        out += names.at(shared[i]);
        out += " = ";
        w.set_names(&names, shared[i]);
        w.write(shared[i], detail::print_mode::normal, out);
    }
    return out;
}

}  // namespace nabla
