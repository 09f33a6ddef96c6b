#pragma once
// What the grammar does on success (record positions) and on failure (throw
// a syntax_error with a message in words), and the per-parse state it needs.

#include "grammar/ast.hpp"

#include <boost/spirit/home/x3.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace nabla::parser {

namespace x3 = boost::spirit::x3;

/// A syntax error found by the grammar: a byte offset and a message; the
/// caller turns it into nabla::parse_error with line, column and caret.
struct syntax_error {
    std::size_t offset;
    std::string message;
};

/// Per-parse state reached through the context: the start of the
/// text (offsets are relative to it) and the nesting budget.
struct parse_state {
    const char* base = nullptr;
    std::size_t depth = 0;
    std::size_t max_depth = 0;
    /// Offsets where |…| failed to parse: it fails there every time, and
    /// remembering it keeps nested bars from backtracking quadratically.
    boost::unordered_flat_set<std::uint32_t> failed_bars;
    /// |…| open around the current position, inside the innermost ( ) or [ ].
    /// While one is open, a '|' after an operand closes it rather than
    /// starting an implicit factor: |a|b| + c| is |a|·b·|c|, as on paper.
    /// An |…| therefore parses the same wherever it starts, which keeps
    /// failed_bars valid.
    std::uint32_t open_bars = 0;
};
struct state_tag;

template <class Context>
parse_state& state_of(const Context& context) {
    return x3::get<state_tag>(context);
}

/// The rule IDs derive from this: on success, a node that carries a position
/// (ast::located) gets the byte range the rule matched, unless an inner rule
/// already set it.
struct annotate_position {
    template <class Iterator, class Attribute, class Context>
    void on_success(const Iterator& first, const Iterator& last, Attribute& attr,
                    const Context& context) const {
        annotate(attr, first, last, state_of(context).base);
    }

    template <class T>
    static void annotate(T& node, const char* first, const char* last, const char* base) {
        if constexpr (std::is_base_of_v<ast::located, T>) {
            if (node.begin == 0 && node.end == 0) {
                node.begin = static_cast<std::uint32_t>(first - base);
                node.end = static_cast<std::uint32_t>(last - base);
            }
        } else if constexpr (std::is_same_v<T, ast::operand>) {
            std::visit([&](auto& alternative) { annotate(alternative, first, last, base); }, node.get());
        } else if constexpr (std::is_same_v<T, ast::statement>) {
            boost::apply_visitor([&](auto& alternative) { annotate(alternative, first, last, base); },
                                 node);
        } else if constexpr (requires { node.get(); }) {  // ast::boxed
            annotate(node.get(), first, last, base);
        }
    }
};

}  // namespace nabla::parser
