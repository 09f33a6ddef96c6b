// Graphviz DOT output of the expression DAG.

#include "print/printer.hpp"

#include <nabla/dot.hpp>

namespace nabla {

namespace {

// A DOT double-quoted string.
std::string dot_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

bool ordered_operands(const detail::node* n) {
    return n->kind == kind::power || n->kind == kind::call || (n->kind == kind::apply && n->nops > 1);
}

}  // namespace

std::string to_dot(const expr& e, const dot_options& options) {
    boost::unordered_flat_map<const detail::node*, std::size_t> id;
    std::string out = "digraph " + dot_string(options.graph_name) + " {\n";
    out += "  node [fontname=\"Helvetica\"];\n";
    detail::for_each_post_order(e.get(), [&](const detail::node* n) {
        const std::size_t k = id.size();
        id.emplace(n, k);
        const std::string name = "n" + std::to_string(k);
        const bool leaf = n->nops == 0;
        out += "  " + name + " [label=" + dot_string(detail::node_label(n, options.label_style)) +
               (leaf ? ", shape=box" : ", shape=ellipse") + "];\n";
        for (std::size_t i = 0; i < n->nops; ++i) {
            out += "  " + name + " -> n" + std::to_string(id.at(n->op(i)));
            if (n->kind == kind::power)
                out += i == 0 ? " [label=\"base\"]" : " [label=\"exponent\"]";
            else if (ordered_operands(n))
                out += " [label=\"" + std::to_string(i + 1) + "\"]";
            out += ";\n";
        }
    });
    out += "}\n";
    return out;
}

}  // namespace nabla
