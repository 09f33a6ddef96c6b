// The command table: the one source of `:help`, of `nabla --help-reference`
// and of the README's command reference (a test checks the README holds it
// verbatim). Every example runs in a fresh session and its answer is checked
// by tests/test_session_help.cpp, so the help cannot drift from the program.

#include <nabla/session.hpp>

#include "grammar/lower.hpp"  // edit_distance
#include "grammar/unicode.hpp"

#include <algorithm>
#include <string>

namespace nabla {

namespace {

const std::vector<command_info> command_table = {
    // ---------------------------------------------------------------- REPL commands
    {":help", ":help [topic]", "show the commands, or the help of one command",
     "A topic is a command with or without its colon (`:help grad`, `:help :vars`).",
     ":help grad", ""},
    {":vars", ":vars", "list the variables and user functions",
     "Each is shown as the statement that defines it.", ":vars", ""},
    {":clear", ":clear [name]", "forget one variable or function, or all of them",
     "`ans` is cleared with everything else.", ":clear", ""},
    {":format", ":format unicode|ascii|latex", "choose how results are printed",
     "Unicode (`2x²y`) is the default; ASCII parses back (`2*x^2*y`); LaTeX is for documents.",
     ":format ascii", ""},
    {":kink", ":kink average|first|second", "choose the derivative of min and max where their arguments are equal",
     "Away from the kink the derivative is the active argument's. At it, `average` (the default) "
     "takes half of each, so d/dx max(0, x) is ½ at 0; `first` and `second` take one argument's, "
     "in the order nabla stores them, numbers first: for max(0, x) and max(x, 0) alike, `first` "
     "gives 0 at 0 (the usual ReLU convention) and `second` gives 1.",
     ":kink first", ""},
    {":shared", ":shared on|off", "name large shared subexpressions once in results",
     "With `on`, a subexpression of 8 or more nodes that a result uses more than once is written "
     "once, on a `where` line (`t₁·sin(t₁)`, `where t₁ = x² + 2x + 1`), and by its name "
     "elsewhere. Vectors and matrices print whole.",
     ":shared on", ""},
    {":load", ":load file", "run the statements of a script file",
     "The script stops at its first error, reported as `file:line:column`, and then "
     "changes nothing: a script runs whole or not at all.",
     ":load session.nabla", ""},
    {":save", ":save file", "write the session as a script that replays it",
     "Variables and functions are written in ASCII, each before the variables its value mentions.",
     ":save session.nabla", ""},
    {":quit", ":quit", "leave (Ctrl-D does the same)", "", ":quit", ""},
    // ---------------------------------------------------------------- capabilities
    {"diff", "diff(e, x[, y, …]) or diff(e, x, n)", "partial derivative",
     "Also written `∂e/∂x`, `∂²e/∂x∂y`, `d/dx e` and `de/dx` for a variable `e`.",
     "diff(2x^2 y, x)", "4xy"},
    {"grad", "grad(e[, x, y, …])", "gradient",
     "Over the free symbols in name order unless variables are given. Also written `∇e`.",
     "grad(x^2 y)", "[2xy, x²]"},
    {"hessian", "hessian(e[, x, y, …])", "matrix of second partial derivatives",
     "Over the free symbols in name order unless variables are given.",
     "hessian(x^2 y)", "[[2y, 2x], [2x, 0]]"},
    {"laplacian", "laplacian(e[, x, y, …])", "sum of the second partial derivatives",
     "Σ ∂²e/∂xᵢ² over the free symbols unless variables are given. Also written `∇²e`, which "
     "may stand inside an expression.",
     "laplacian(x^2 y + y^3)", "8y"},
    {"directional", "directional(e, x=a, y=b, …)", "directional derivative ∇e·v",
     "The components of v are given by variable; the others are 0. v is not normalized: "
     "for the rate of change per unit length, give a unit vector.",
     "directional(x^2 y, x=1, y=2)", "2x² + 2xy"},
    {"jacobian", "jacobian(f, g, …[, x, y, …])", "matrix of first partial derivatives",
     "Row i is the gradient of the i-th function. The trailing arguments that are plain names "
     "are the variables (at least one function comes first); with none, all free symbols in "
     "name order.",
     "jacobian(x y, x + y, x, y)", "[[y, x], [1, 1]]"},
    {"eval", "eval(e, x=1, y=2) or e at x=1, y=2", "substitute values and evaluate",
     "Exact values give exact results (`eval(x^2, x=1/3)` is `1/9`); when no symbol is "
     "left, functions are evaluated numerically. A gradient, Hessian or Jacobian is evaluated "
     "entry by entry (`∇C at w1=0.5, w2=-1`).",
     "eval(x^2 y, x=3, y=1/2)", "9/2"},
    {"subs", "subs(e, x=a, y=b)", "substitute expressions for symbols, all at once",
     "", "subs(x y, x=y, y=x)", "xy"},
    {"expand", "expand(e)", "multiply out products and integer powers of sums",
     "", "expand((x + 1)^2)", "x² + 2x + 1"},
    {"simplify", "simplify(e)", "bounded rewriting: common factors, sin² + cos² = 1, tan·cos = sin",
     "Also over a common denominator, common polynomial factors of a fraction cancelled "
     "(`simplify((x^2 - 1)/(x - 1))` is `x + 1`), fractions inside a denominator cleared "
     "(`1/(x/2 + 1)` is `2/(x + 2)`), and multiplied out where that is shorter "
     "(`simplify((x + 1)^2 - x^2)` is `2x + 1`), and sin, cos, sinh and cosh of a multiple or a sum written out where "
     "that cancels (`simplify(sin(2x) - 2sin(x)cos(x))` is `0`). It stops at 1,000 steps or a second, "
     "and says so.",
     "simplify(sin(x)^2 + cos(x)^2)", "1"},
    {"explain", "explain ∂z/∂x or explain(e, x)", "differentiate step by step, naming each rule",
     "Each step names its rule and the derivative it gives (∂/∂x x² = 2x), innermost first. Any "
     "derivative notation follows the word: `explain d/dx (x² + 1)`, `explain ∂²z/∂x∂y` (by x, "
     "then by y), `explain diff(z, x, 2)`. Derivatives in turn stop where they reach 0, and at most "
     "20 are explained.",
     "explain ∂(x^2)/∂x", "1. power rule on x²\n   ∂/∂x x² = 2x\n= 2x"},
    {"check", "check lhs == rhs", "check a hand-derived result",
     "The same as `lhs == rhs`, and after the word `=` reads as `==` too: `true` when the two sides "
     "are equal; `false` with a point where they differ and both values, and, for a derivative on the "
     "left, the difference quotients (f(a + h) − f(a))/h approaching the true value. A gradient or "
     "Hessian is checked entry by entry against one written with `[ ]`.",
     "check ∂(x^2 y)/∂x = 2x y", "true"},
    {"dot", "dot(e)", "the expression DAG in Graphviz DOT",
     "A shared subexpression is drawn once. Render with `nabla -e 'dot(e)' | dot -Tsvg > e.svg`.",
     "dot(sin(x)^2 + sin(x))", ""},
};


const command_info* find_command(std::string_view name) {
    for (const auto& c : command_table)
        if (c.name == name) return &c;
    return nullptr;
}

std::string one_command_help(const command_info& c) {
    std::string out = std::string(c.usage) + "\n    " + std::string(c.summary) + "\n";
    if (!c.details.empty()) out += "    " + std::string(c.details) + "\n";
    if (!c.example.empty()) {
        out += "    example: " + std::string(c.example);
        if (c.answer.find('\n') != std::string_view::npos) {
            // An answer of several lines (explain's steps) goes under the example.
            std::string lines(c.answer);
            for (std::size_t at = 0; (at = lines.find('\n', at)) != std::string::npos; ++at) lines.insert(at + 1, 6, ' ');
            return out + "\n      " + lines + "\n";
        }
        if (!c.answer.empty()) out += "  →  " + std::string(c.answer);
        out += "\n";
    }
    return out;
}

}  // namespace

const std::vector<command_info>& commands() { return command_table; }

std::string help_text(std::string_view topic) {
    if (topic.empty()) {
        std::string out =
            "Type an expression (2x²y, sin x, ∂z/∂x), an assignment (z = 2x²y, w := w − α ∂C/∂w) or a "
            "function definition (f(x, y) = x² + y); several on a line with ';'.\n"
            "Check a derivation with check or == (check ∂z/∂x == 4xy, ∇z == [4xy, 2x²]).\n\nCommands:\n";
        // Columns on a terminal are characters, not bytes (… and ∂ take three).
        const auto columns = detail::unicode::code_points;
        std::size_t width = 0;
        for (const auto& c : command_table) width = std::max(width, columns(c.usage));
        for (const auto& c : command_table) {
            out += "  " + std::string(c.usage);
            out += std::string(width - columns(c.usage) + 2, ' ');
            out += std::string(c.summary) + "\n";
        }
        out += "\n:help topic shows one command with an example.";
        return out;
    }
    if (const command_info* c = find_command(topic)) return one_command_help(*c);
    if (topic.front() != ':') {
        // Appending avoids GCC 12's false -Wrestrict on "literal" + string.
        std::string with_colon = ":";
        with_colon += topic;
        if (const command_info* c = find_command(with_colon)) return one_command_help(*c);
    }
    return {};
}

std::string help_reference_markdown() {
    // A '|' inside a table cell must be escaped, even within backticks.
    const auto cell = [](std::string_view text) {
        std::string out;
        for (char ch : text) {
            if (ch == '|') out += '\\';
            out += ch;
        }
        return out;
    };
    std::string out = "| Command | What it does | Example |\n|---|---|---|\n";
    for (const auto& c : command_table) {
        (out += "| `") += cell(c.usage) + "` | " + cell(c.summary);
        if (!c.details.empty()) out += ". " + cell(c.details);
        out += " | ";
        if (!c.example.empty()) {
            (out += '`') += cell(c.example) + '`';
            if (!c.answer.empty()) {
                // Lines of a several-line answer as code spans one under another.
                std::string answer = cell(c.answer);
                for (std::size_t at; (at = answer.find('\n')) != std::string::npos;)
                    answer.replace(at, 1, "`<br>`");
                (out += " → `") += answer + '`';
            }
        }
        out += " |\n";
    }
    return out;
}

std::string suggest_command(std::string_view name) {
    std::string best;
    std::size_t best_distance = 3;  // farther than two edits is not a typo
    for (const auto& c : command_table) {
        const std::size_t d = detail::edit_distance(name, c.name);
        if (d < best_distance) {
            best_distance = d;
            best = c.name;
        }
    }
    return best;
}

}  // namespace nabla
