#pragma once
/// \file Graphviz DOT pictures of the expression DAG.

#include <nabla/print.hpp>

#include <string>

namespace nabla {

/// Options of to_dot().
struct dot_options {
    /// How numbers, symbols and user functions are written in node labels.
    style label_style = style::unicode;
    /// The graph's name: `digraph "name" { … }`.
    std::string graph_name = "expr";
};

/// Draws the expression DAG in Graphviz DOT.
///
/// One DOT node per distinct subexpression, so a shared subexpression is drawn
/// once with several incoming edges; operators point to their operands. Node
/// names n0, n1, … follow a post-order of the canonical DAG (operands before
/// operators), never memory addresses, so the text is the same on every run.
/// Edges of operators whose operand order matters carry labels: `base` and
/// `exponent` for a power, 1, 2, … for the arguments of atan2, min, max and
/// user functions. Iterative: a million-deep chain is fine.
std::string to_dot(const expr& e, const dot_options& options = {});

}  // namespace nabla
