#pragma once
/// \file Lowering: syntax tree → expression DAG, with the names resolved
/// against an environment (the REPL's variables and user functions).

#include "grammar/ast.hpp"
#include "grammar/parser.hpp"

#include "core/node.hpp"  // normalize_name: names as symbols spell them

#include <nabla/diff.hpp>
#include <nabla/expr.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nabla::detail {

/// A user function defined by `f(x, y) = body`.
struct user_function {
    std::vector<expr> parameters;  ///< symbols
    expr body;
    /// Its derivative is declared (∂softplus(u) = sigmoid(u)·∂u): a call
    /// stays softplus(x²), so that differentiating it uses the declaration,
    /// unless every argument is a number (softplus(1) is log(1 + e)).
    bool kept_by_name = false;
};

/// What lowering needs to know about names; the session implements it.
/// The default answers "nothing defined".
class environment {
public:
    virtual ~environment() = default;
    /// The value of a variable assigned by the user, if any (`z = 2x²y`).
    virtual std::optional<expr> variable(std::string_view name) const {
        (void)name;
        return std::nullopt;
    }
    /// A user function's definition, if any (`f(x, y) = x² + y`).
    virtual const user_function* function(std::string_view name) const {
        (void)name;
        return nullptr;
    }
    /// Why a name the environment reserves has no value yet ("'ans' is the
    /// last result, and there is none yet"), or empty: such a name is an
    /// error rather than a product of its letters.
    virtual std::string unavailable(std::string_view name) const {
        (void)name;
        return {};
    }
};

/// Options for lowering.
struct lower_options {
    /// Accept differentials `∂u` (the right side of a derivative
    /// declaration); they lower to differential_symbol(u).
    bool allow_differentials = false;
    /// See parse_options::split_names.
    bool split_names = true;
    /// See parse_options::max_depth.
    std::size_t max_depth = 10000;
    /// Prefixes diagnostics (a file name).
    std::string_view origin = {};
    /// For the derivatives written in the expression.
    diff_options diff = {};
    /// Read a variable's stored value with the names assigned since at their
    /// values (z = 2x²y, then x = 3: z is 18y). Off: as stored (2x²y), which
    /// is how ∇z finds the variables z is a function of.
    bool current_values = true;
};

/// Lowers an expression (any operand of the tree). `source` is the text it was parsed from (for
/// diagnostics). Notes (interpretations chosen) are appended to `notes` if
/// given. Throws parse_error for unknown/ill-used names, wrong arity, a
/// command used inside an expression, a number that overflows.
expr lower(const ast::operand& e, std::string_view source, const environment& env,
           std::vector<note>* notes = nullptr, const lower_options& options = {});

/// The symbol a differential `∂u` lowers to (named "∂u"): the right side of
/// `∂f(u) = g(u)·∂u` is linear in these, so ∂f/∂u is its derivative by
/// differential_symbol(u).
expr differential_symbol(std::string_view variable);

/// Names reserved for the session's commands (grad, hessian, jacobian,
/// eval, subs, expand, simplify, explain, …): inside an expression they are
/// an error ("'grad' is a command; use it as a whole statement").
std::span<const std::string_view> command_names() noexcept;

/// Why the name `written` (`name` normalized) cannot be a variable to
/// differentiate by or to bind: it is the constant π, or Euler's e while the
/// user has not assigned e. Empty when it can be: no symbol of a constant's
/// name occurs in an expression, so using one would silently do nothing.
std::string why_not_a_variable(std::string_view name, std::string_view written, bool e_is_assigned);

// Levenshtein distance on bytes, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
/// True if `name` is reserved for a command.
bool is_command(std::string_view name) noexcept;

/// True when `name(…)`, with `name` normalized and neither a variable nor a
/// function of the session, reads as a product: x(y + 1), xy(x + 1),
/// x₁α(x − 1), π(x + 1). False for built-in and command names, f, g, h,
/// plain words of four or more letters (sigmoid(u)) and near misses of a
/// function name (sni(x)). The Unicode printer asks it before writing a
/// run of letters against '('.
bool name_before_paren_multiplies(std::string_view name, bool split_names = true);

/// A name of more letters than this stays whole instead of splitting into
/// a product of letters (a megabyte identifier is one name).
inline constexpr std::size_t max_split_letters = 32;

/// A defined function named alone where a derivative is taken (∂f/∂x, dg/dt,
/// ∇f): the function of its own parameters, as a textbook means it, with a
/// note ("f read as f(x, y)"). Empty when `target` is not such a name (a
/// variable of the name wins). The body, or for a function with a declared
/// derivative the call f(x, y) itself.
struct defined_function_target {
    expr value;
    std::vector<expr> parameters;
};
std::optional<defined_function_target> defined_function_of_own_parameters(const ast::operand& target,
                                                                          std::string_view source,
                                                                          const environment& env,
                                                                          std::vector<note>* notes);

/// The values of those of `names` that have one in `env`, and the note that
/// says a derivative by them, written as `written`, was taken there ("∂C/∂w
/// read as its value at w = 0 (assigned); :clear w to keep it a variable").
/// Empty values and note where none has a value.
struct assigned_values {
    substitution values;
    std::string note;
};
assigned_values values_assigned_to(std::span<const std::string> names, const environment& env,
                                   std::string_view written);

/// One of the written functions of parser.hpp (sqrt, sec, csc, cot, sech,
/// csch, coth): read as an expression of its argument.
bool is_written_function(std::string_view name) noexcept;
/// What `name`, one of those, of `argument` is.
expr apply_written_function(std::string_view name, const expr& argument);
/// For all but sqrt, which prints as it is written (√x): what the result
/// is in words, "1/cos(x)", for the note that explains the printed result.
std::string written_function_reading(std::string_view name, std::string_view argument);

/// True when the parser reads the run of letters `name` (normalized),
/// written alone, as one word rather than a product of its letters: a
/// function (sin, ln, sqrt), a command (grad), the keyword `at`, the
/// constant pi, or a name that stays whole (Pi, Chi, x12). The Unicode
/// printer keeps juxtaposed letters from spelling one (ab·s², P·i).
bool reads_as_one_word(std::string_view name);

/// True when `name` run into one more letter reads as a function of that
/// letter (sin + x: sinx is sin(x)): a one-argument built-in function or
/// sqrt. The Unicode printer keeps c·o·s·x from printing as cosx.
bool applies_to_next_letter(std::string_view name);


}  // namespace nabla::detail
