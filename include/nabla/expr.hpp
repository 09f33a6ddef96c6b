#pragma once
/// \file The expression: an immutable, hash-consed, canonical DAG node.
///
/// Contract (checked in debug builds by the core):
/// - Nodes are created only by the factories below, which canonicalize and
///   intern. Two structurally equal expressions are the same node, so
///   `a == b` is a pointer comparison and `hash()` is O(1).
/// - Canonical form is decided at construction and never depends on memory
///   addresses: operands of sums and products are ordered by a structural
///   hash (ties broken structurally), so it is the same on every run.
/// - Nodes are reference counted. The intern table is sharded and each shard
///   is guarded by a lock, so expressions may be created, copied and
///   destroyed from several threads at once. Symbols, π, e and small
///   integers live until the process ends.
/// - No traversal recurses on the C++ stack: a chain of a million nested
///   nodes builds, hashes, prints and frees.

#include <nabla/error.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nabla {

/// The kind of an expression node (see node_kinds.inc).
enum class kind : std::uint8_t {
#define NABLA_KIND(id, description) id,
#include <nabla/node_kinds.inc>
#undef NABLA_KIND
};

/// The elementary functions (see functions.inc).
enum class function : std::uint8_t {
#define NABLA_FUNCTION(id, name, arity) id,
#include <nabla/functions.inc>
#undef NABLA_FUNCTION
};

/// The named mathematical constants.
enum class constant : std::uint8_t { pi, e };

/// Returns the name of an elementary function ("sin").
std::string_view function_name(function f) noexcept;
/// Returns the number of arguments an elementary function takes.
int function_arity(function f) noexcept;
/// Looks up an elementary function by name; "ln" is also accepted for log,
/// and the textbook names arcsin, arccos, arctan, ar(c)sinh, ar(c)cosh and
/// ar(c)tanh for asin, acos, atan, asinh, acosh and atanh.
std::optional<function> find_function(std::string_view name) noexcept;

namespace detail {
struct node;
}

/// An immutable mathematical expression; cheap to copy (a reference count).
class expr {
public:
    /// The integer 0.
    expr() noexcept;
    /// An exact integer.
    expr(int value);
    expr(long value);
    expr(long long value);
    expr(unsigned value);
    expr(unsigned long value);
    expr(unsigned long long value);
    /// A floating-point constant; throws domain_error if not finite.
    expr(double value);

    expr(const expr& other) noexcept;
    expr(expr&& other) noexcept;
    expr& operator=(const expr& other) noexcept;
    expr& operator=(expr&& other) noexcept;
    ~expr();

    /// The kind of the top node.
    nabla::kind kind() const noexcept;
    /// The number of operands of the top node (arguments, terms, factors).
    std::size_t size() const noexcept;
    /// Operand i; for a power, 0 is the base and 1 the exponent.
    expr operator[](std::size_t i) const;
    /// The structural hash, cached in the node.
    std::uint32_t hash() const noexcept;

    /// True for an exact number or a floating-point constant.
    bool is_number() const noexcept;
    /// True for an exact integer.
    bool is_integer() const noexcept;
    /// True for the exact number zero (a float 0.0 is not exactly zero).
    bool is_zero() const noexcept;
    /// True for the exact number one.
    bool is_one() const noexcept;
    /// True if the expression is a number < 0 (or a product with one).
    bool is_negative_number() const noexcept;

    /// The name of a symbol or of a user function (empty otherwise).
    const std::string& name() const noexcept;
    /// The function of an `apply` node.
    nabla::function function() const noexcept;
    /// The constant of a `constant` node.
    nabla::constant constant() const noexcept;
    /// For a user-function call: which arguments it is differentiated by,
    /// in order (`f` itself: empty; `∂f/∂u₁∂u₂`: {0, 1}).
    const std::vector<std::uint8_t>& derivative_indices() const noexcept;
    /// A number's value as decimal text ("-3/4", "2.5").
    std::string number_text() const;
    /// A number's value as a double (nearest).
    double number_value() const;
    /// An integer number's value if it fits in long long.
    std::optional<long long> integer_value() const;

    /// Structural identity: the same node.
    friend bool operator==(const expr& a, const expr& b) noexcept { return a.p_ == b.p_; }
    /// A total order independent of addresses (the canonical operand order).
    friend bool operator<(const expr& a, const expr& b) noexcept;

    /// The node itself, for the library's own passes.
    const detail::node* get() const noexcept { return p_; }
    /// Adopts a node whose reference the caller already owns.
    static expr adopt(const detail::node* n) noexcept;
    /// Takes a new reference to a node.
    static expr share(const detail::node* n) noexcept;

private:
    struct adopt_tag {};
    expr(const detail::node* n, adopt_tag) noexcept : p_(n) {}
    const detail::node* p_;
};

/// Hash functor, for std::unordered_map<expr, ..., expr_hash>.
struct expr_hash {
    std::size_t operator()(const expr& e) const noexcept { return e.hash(); }
};

// ---------------------------------------------------------------- atoms

/// A symbol. `x1` and `x₁` name the same symbol (subscripts are normalized
/// to ASCII digits); any Unicode letters are allowed. A name of several
/// letters (`speed`) prints as written, but parse() reads such a word as a
/// product of letters (`4xy`) unless parse_options::split_names is off.
expr symbol(std::string_view name);
/// An exact integer written in decimal, of any size ("-123456789012345678901").
expr integer(std::string_view decimal);
/// The exact rational p/q; throws domain_error when q is 0.
expr rational(long long p, long long q);
/// An exact rational or integer from text ("3/4", "-12").
expr rational(std::string_view text);
/// A floating-point constant (same as expr(double)).
expr real(double value);
/// π.
expr pi();
/// Euler's number e.
expr e();

// ---------------------------------------------------------------- arithmetic

expr operator+(const expr& a, const expr& b);
expr operator-(const expr& a, const expr& b);
expr operator*(const expr& a, const expr& b);
/// a/b; throws domain_error when b is exactly 0.
expr operator/(const expr& a, const expr& b);
expr operator-(const expr& a);
expr& operator+=(expr& a, const expr& b);
expr& operator-=(expr& a, const expr& b);
expr& operator*=(expr& a, const expr& b);
expr& operator/=(expr& a, const expr& b);

/// base^exponent, canonicalized (x·x is x², (2x)² is 4x², √8 is 2√2).
/// 0^0 is 1 (the convention of combinatorics and power series);
/// 0^negative throws domain_error("division by zero").
expr pow(const expr& base, const expr& exponent);
/// x^(1/2).
expr sqrt(const expr& x);
/// The sum of all terms, canonicalized at once (cheaper than repeated +).
expr add(const std::vector<expr>& terms);
/// The product of all factors, canonicalized at once.
expr mul(const std::vector<expr>& factors);

// ---------------------------------------------------------------- functions

/// An elementary function applied to its arguments; exact values fold
/// (sin(0) = 0, cos(π) = −1, log(e) = 1, exp(log(x)) = x).
/// Throws error on wrong arity.
expr apply(nabla::function f, const std::vector<expr>& args);
/// An application of a user-named function with no definition: f(x, y).
expr call(std::string_view name, const std::vector<expr>& args);
/// The derivative of a user function by its arguments: ∂f/∂u_i applied
/// to args; `indices` are 0-based argument positions.
expr call_derivative(std::string_view name, const std::vector<expr>& args,
                     std::vector<std::uint8_t> indices);

expr exp(const expr& x);
expr log(const expr& x);
/// The logarithm to base b, log(x)/log(b); exact where x is a whole power
/// of b (log(8, 2) = 3, log(1/9, 3) = −2).
expr log(const expr& x, const expr& base);
expr sin(const expr& x);
expr cos(const expr& x);
expr tan(const expr& x);
expr asin(const expr& x);
expr acos(const expr& x);
expr atan(const expr& x);
expr atan2(const expr& y, const expr& x);
expr sinh(const expr& x);
expr cosh(const expr& x);
expr tanh(const expr& x);
expr asinh(const expr& x);
expr acosh(const expr& x);
expr atanh(const expr& x);
expr abs(const expr& x);
expr sign(const expr& x);
expr min(const expr& a, const expr& b);
expr max(const expr& a, const expr& b);
expr erf(const expr& x);

// ---------------------------------------------------------------- operations

/// A substitution: each key is replaced by its value, all at once.
using substitution = std::map<expr, expr>;

/// Replaces every occurrence of each key at once (x→y, y→x swaps).
/// Keys may be any expression; matching is by node identity.
expr subs(const expr& e, const substitution& s);

/// Options for expand().
struct expand_options {
    /// expand() refuses (limit_error) a result with more terms than this.
    std::size_t max_terms = 100000;
};
/// Multiplies out products and integer powers of sums.
expr expand(const expr& e, const expand_options& options = {});

/// The symbols an expression depends on, in a stable (name) order.
std::vector<expr> free_symbols(const expr& e);
/// True if `e` contains `part` (node identity).
bool contains(const expr& e, const expr& part);
/// The number of distinct nodes in the DAG (shared nodes count once).
std::size_t node_count(const expr& e);
/// The length of the longest path from the root to a leaf (an atom is 1).
std::size_t depth(const expr& e);

/// Asks the long computations in progress (expand, subs, evaluate, diff and
/// the other whole-DAG passes) to stop soon by throwing nabla::interrupted.
/// The request is process-wide and stays until clear_interrupt(); it is safe
/// to call from a signal handler or another thread.
void request_interrupt() noexcept;
/// Withdraws an interrupt request, before starting the next computation.
void clear_interrupt() noexcept;

/// Values for symbols in evaluate().
using bindings = std::map<std::string, double, std::less<>>;

/// How evaluate() treats domain errors.
enum class domain_policy {
    /// log(−1), 1/0, asin(2) throw domain_error naming the subexpression.
    strict,
    /// IEEE semantics: NaN and ±inf propagate.
    ieee,
};
/// Evaluates numerically. Unbound symbols and user functions throw error.
double evaluate(const expr& e, const bindings& values = {},
                domain_policy policy = domain_policy::strict);

}  // namespace nabla
