#pragma once
// Statement execution: the grammar's statement AST, lowered against the
// session's variables and functions, and the capability commands.

#include <nabla/session.hpp>

#include <atomic>
#include <string_view>

namespace nabla::detail {

// What a statement may read and change.
struct statement_context {
    session::state& state;
    const std::atomic<bool>* cancel;
    const diff_options& diff;
    /// How names in a result's text are written (the point of a failed check).
    nabla::style style = nabla::style::unicode;
};

// Parses and runs one statement (not a `:command`). Changes `context.state`
// as it goes: the caller works on a copy and commits it on success.
statement_result run_statement(statement_context& context, std::string_view text);

}  // namespace nabla::detail
