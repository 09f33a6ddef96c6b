#pragma once
/// \file An interactive session: variables, user functions, `ans`, and the
/// commands of the REPL. The `nabla` program is a thin shell around it; every
/// statement goes through the library's one grammar and public API.
///
/// State survives every error exactly: a statement runs on a copy of the
/// session's state, which replaces the state only when the statement succeeds.

#include <nabla/diff.hpp>
#include <nabla/expr.hpp>
#include <nabla/print.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nabla {

/// What a statement produced.
enum class result_kind : std::uint8_t {
    none,        ///< a blank line or a comment
    value,       ///< one expression (`2x + 1`, `∂z/∂x`, `eval(z, x=1)`)
    assignment,  ///< `z = 2x²y`: `name` and `value`
    definition,  ///< `f(x, y) = x² + y`: `name`, `parameters` and `value` (the body)
    declaration, ///< `∂softplus(u) = sigmoid(u)·∂u`: a declared derivative
    vector,      ///< `grad(z)`: `elements`
    matrix,      ///< `hessian(z)`, `jacobian(…)`: `rows`
    steps,       ///< `explain(z, x)`: `steps`, and `value` the derivative
    text,        ///< a command's text output (`:help`, `:vars`, `dot(z)`)
    check,       ///< `lhs == rhs`: `holds`, `elements` {lhs, rhs}, and `text` the evidence
    quit,        ///< `:quit`: the caller should leave
};

/// The stable lowercase name of a result kind ("value", "vector"), as in JSON.
std::string_view result_kind_name(result_kind k) noexcept;

/// The structured result of one statement.
struct statement_result {
    result_kind kind = result_kind::none;
    std::string input;                     ///< the statement as typed
    std::string name;                      ///< assigned variable or defined function
    std::vector<expr> parameters;          ///< a definition's parameters
    expr value;                            ///< the value, body or derivative
    std::vector<expr> elements;            ///< a vector result
    std::vector<std::vector<expr>> rows;   ///< a matrix result
    std::vector<expr> variables;           ///< what a gradient, Hessian or Jacobian is taken by, in order
    std::vector<explanation_step> steps;   ///< an explanation
    std::string text;                      ///< a command's text output; a check's evidence
    std::optional<bool> holds;             ///< a check: whether lhs == rhs (empty: undecided)
    std::vector<std::string> notes;        ///< how the parser read ambiguous input

    /// The result as the REPL shows it, in a style (`z = 2x²y`, `[2x, 1]`).
    /// With `shared`, an expression names each large shared subexpression
    /// once (see to_string_shared); vectors and matrices print whole.
    std::string to_text(style s, bool shared = false) const;
    /// One JSON object: input, kind, the result in ASCII, Unicode and LaTeX,
    /// structured elements for vectors and matrices, and the notes.
    std::string to_json() const;
};

/// One entry of the command table: the one source of `:help` and of the
/// README's command reference.
struct command_info {
    std::string_view name;     ///< ":vars" or "grad"
    std::string_view usage;    ///< ":clear [name]" or "grad(e[, x, y, …])"
    std::string_view summary;  ///< one line
    std::string_view details;  ///< a paragraph (may be empty)
    std::string_view example;  ///< a statement that runs in a fresh session
    std::string_view answer;   ///< what `example` prints (Unicode), checked by a test
};

/// Every command, REPL commands (`:help`) first, then the capabilities
/// callable as functions (`grad(z)`).
const std::vector<command_info>& commands();
/// The help for one command or topic (":help", "help", "grad"); empty if unknown.
std::string help_text(std::string_view topic);
/// The Markdown reference of all commands (the README embeds it verbatim).
std::string help_reference_markdown();
/// The closest command name to a misspelled one (":hlep" → ":help"), or empty.
std::string suggest_command(std::string_view name);

/// True when `text` is an unfinished statement that continues on the next
/// line: an open parenthesis or bracket, or a trailing operator or comma
/// (see statement_reader).
bool needs_continuation(std::string_view text);

/// A JSON object for a failed statement: input, error kind ("parse",
/// "domain", "limit", "error"), message, and a parse error's line and column.
std::string error_to_json(std::string_view input, const std::exception& e);

/// A script error as `file:line:col: error: message` with the source line
/// and a caret, for a statement that started on line `first_line`.
std::string format_diagnostic(std::string_view file, std::size_t first_line, const std::exception& e);

/// Text safe to show on a terminal (a diagnostic quoting binary input):
/// invalid UTF-8 and control characters other than newline and tab become U+FFFD.
std::string printable_text(std::string_view text);

/// Groups the lines of a script or terminal into statements: a line with an
/// open parenthesis or a trailing operator continues on the next one, until
/// the brackets close or a blank line ends the statement as it is.
class statement_reader {
public:
    /// Adds the next line; true when it completes a statement (see take()).
    bool add(std::string_view line);
    /// True while a statement is unfinished.
    bool pending() const noexcept { return !text_.empty(); }
    /// The line number (1-based) on which the pending statement started.
    std::size_t first_line() const noexcept { return first_line_; }
    /// Hands over the statement, complete or not, and starts a new one.
    std::string take();
    /// Drops the unfinished statement (Ctrl-C on a continuation line).
    void discard() noexcept { text_.clear(); }

private:
    std::string text_;
    std::size_t line_ = 0, first_line_ = 0;
    long depth_ = 0;     // open brackets
    std::string last_;   // the last line with code, trimmed, without its comment
    bool command_ = false;
};

/// Limits on what one statement may take.
struct session_limits {
    /// Longer input lines are refused with an error.
    std::size_t max_line_bytes = 1 << 20;
};

/// How a script reacts to a failing statement.
enum class on_error { stop, resume };

/// The outcome of running a script.
struct script_report {
    std::vector<statement_result> results;  ///< results of the statements that succeeded
    std::vector<std::string> errors;        ///< `file:line:col: error: …` diagnostics
    bool quit = false;                      ///< the script ran `:quit`
};

/// A REPL session: variables, user functions and the last result `ans`.
class session {
public:
    /// A fresh session with no variables.
    session();

    /// Runs one statement (a line, or several lines joined by continuation),
    /// or several separated by ';' (`x1 = 1; x2 = 2`), which take effect
    /// together; the result is the last one's, none after a trailing ';'.
    /// Throws nabla::error (parse_error with its caret diagnostic, domain_error,
    /// limit_error); the session is then exactly as before.
    statement_result execute(std::string_view statement);

    /// Runs a whole script text line by line (with continuation lines).
    /// `file` names the script in diagnostics (`script.nabla:40:7`).
    script_report run_script(std::string_view text, std::string_view file, on_error policy);

    /// The session as a script that replays it (`:save`).
    std::string save_script() const;

    /// The output style (`:format`).
    nabla::style style() const noexcept { return style_; }
    void set_style(nabla::style s) noexcept { style_ = s; }
    /// Whether results name large shared subexpressions once (`:shared`).
    bool shared() const noexcept { return shared_; }
    void set_shared(bool on) noexcept { shared_ = on; }
    /// The derivative of min/max where their arguments are equal (`:kink`).
    kink_convention kink() const noexcept { return diff_.kink; }
    void set_kink(kink_convention k) noexcept { diff_.kink = k; }

    /// The value of a variable, or nullptr.
    const expr* variable(std::string_view name) const;
    /// Variable names in name order.
    std::vector<std::string> variable_names() const;
    /// User function names in name order.
    std::vector<std::string> function_names() const;

    /// Completions for the word ending at the end of `line_before_cursor`:
    /// commands after ':', else functions, capabilities, variables and user
    /// functions, sorted and unique.
    std::vector<std::string> completions(std::string_view line_before_cursor) const;

    /// A flag checked between steps of long statements; when it becomes true
    /// the statement stops with error("interrupted"). May be null.
    void set_cancel_flag(const std::atomic<bool>* flag) noexcept { cancel_ = flag; }

    /// Limits on input.
    session_limits& limits() noexcept { return limits_; }

    /// A user function: parameters and body.
    struct function_definition {
        std::vector<expr> parameters;
        expr body;
    };

    /// The state a statement works on; copied before and committed after.
    struct state {
        std::map<std::string, expr, std::less<>> variables;
        std::map<std::string, function_definition, std::less<>> functions;
        std::map<std::string, std::string, std::less<>> declarations;  ///< function → statement text
        std::map<std::string, std::uint64_t, std::less<>> order;       ///< name → when last defined
        std::uint64_t clock = 0;
        bool has_ans = false;
        expr ans;
    };

private:
    statement_result run(state& st, std::string_view statement);
    statement_result run_one(state& st, std::string_view statement);
    statement_result run_command(state& st, std::string_view statement);
    void check_cancel() const;

    state state_;
    nabla::style style_ = nabla::style::unicode;
    bool shared_ = false;
    diff_options diff_;
    session_limits limits_;
    const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace nabla
