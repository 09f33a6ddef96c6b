#pragma once
/// \file The syntax tree of nabla's one grammar: plain structs, X3 variants.
///
/// Values are `ast::operand`s: a single operand is never wrapped in a
/// one-element `expression` (`x` is a name, `x + 1` an expression chain).
///
/// Every node derives from `ast::located`, which holds the byte range it was
/// read from (`begin`, `end`: offsets into the parsed text). The grammar fills
/// these on success (see error_handler.hpp), so later passes (unknown function,
/// wrong arity, "name used both as a variable and a function") point at the
/// source with a caret through `detail::make_parse_error(text, offset, message)`.
///
/// Shapes, by example (the statement forms first):
///
///     x² + 1                   statement = expression_statement  {value}
///     z = 2x²y                 statement = assignment            {name z, value}
///     f(x, y) = x² + y         statement = function_definition   {name f, params x y, body}
///     lhs == rhs               statement = equality              {lhs, rhs}
///     check lhs == rhs         (the same; `=` is taken for `==` after the word)
///     d-sin: ∂sin(u) = cos(u)·∂u
///                              statement = derivative_declaration {label "d-sin", function sin, params u, rhs}
///     z at x=1, y=2            statement = evaluation_at         {value z, bindings x=1 y=2}
///
/// Inside expressions (`ast::operand` alternatives):
///
///     2, 0.5, 1e-3             number       {text as written, is_integer}
///     x, x1, x₁, w_1, α, xy    name         {text as written; lowering normalizes
///                                            x₁/x_1 to x1 and may split xy into x·y}
///     -x, +x                   signed_      {negative, operand}
///     a + b − c, a·b/c, 2x     expression   {first, rest: [{op, operand}]}: one
///                                            precedence level per node; op says which
///     x^2, x**2, x², e^x, eˣ   power        {base, exponent, superscript}
///     f(x, y), eval(z, x=1)    call         {name, args [{keyword?, value}], primes,
///     f'(x), f″(x)                           partials}: primes counts ' ′ ″; partials
///     ∂₁∂₂f(x, y), D[1,2](f)(x, y)           holds 1-based argument positions
///     sin x, sin 2x, sin²x,    application  {function, exponent?, argument}: an
///     sin^2(x), sin⁻¹ x                      elementary function applied without
///                                            its own parentheses, or with a power on
///                                            the function name
///     √x, √(x+1), ∛x           root         {degree, radicand}
///     |x|                      absolute     {inner}
///     ∂z/∂x, ∂²z/∂x∂y, dz/dx,  derivative   {target, variables [{name, order}],
///     d/dx (x²+1), ∂/∂x e                    leibniz (d rather than ∂)}; a prefix form
///                                            (d/dx …) has `prefix` set and its target
///                                            is the rest of the expression
///     diff(z, x), grad(z)      call         (plain calls: lowering decides)
///     ∇z, ∇²z                  gradient     {target, laplacian}
///     ∂u                       differential {variable}: only meaningful on the right
///                                            side of a derivative declaration
///
/// Precedence (loosest first): `==` and `=` (statements only); `+ − `;
/// `* / · × ÷` and juxtaposition (same level, left to right: `x/2y` is
/// `(x/2)·y`); unary `−` / `+`; `^` `**` and superscripts (right associative,
/// tighter than unary minus: `-x^2` is `−(x²)`); postfix primes and calls.

#include <boost/container/small_vector.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace nabla::ast {

namespace x3 = boost::spirit::x3;

/// A node's source range: byte offsets [begin, end) into the parsed text.
struct located {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
};

/// Nothing (an absent optional operand).
struct nil {};

/// A number as written: "12", "0.5", "2.5e10".
struct number : located {
    std::string text;
    /// True when written without '.' and exponent: an exact integer.
    bool is_integer = true;
};

/// A name as written ("x", "x₁", "w_1", "α", "xy"); see lowering for its meaning.
struct name : located {
    std::string text;
};

/// Memory for the boxed nodes of one type: a free list per thread. A parse
/// allocates and frees its tree's nodes by the hundred, and glibc's malloc
/// caches only a few blocks per size: past them, freeing a tree cost more
/// than building it. The list keeps at most `kept` blocks, so a huge input
/// does not pin its tree's memory afterwards.
template <class T>
class node_memory {
public:
    static void* take() {
        free_list& list = thread_list();
        if (!list.head) return ::operator new(sizeof(T));
        free_block* block = list.head;
        list.head = block->next;
        --list.size;
        return block;
    }
    static void give(void* memory) noexcept {
        free_list& list = thread_list();
        if (list.size == kept) {
            ::operator delete(memory);
            return;
        }
        list.head = ::new (memory) free_block{list.head};
        ++list.size;
    }

private:
    static constexpr std::size_t kept = 4096;
    struct free_block {
        free_block* next;
    };
    static_assert(sizeof(T) >= sizeof(free_block));
    struct free_list {
        free_block* head = nullptr;
        std::size_t size = 0;
        ~free_list() {
            while (head) ::operator delete(std::exchange(head, head->next));
        }
    };
    static free_list& thread_list() {
        thread_local free_list list;
        return list;
    }
};

/// A node held by pointer, so that an operand can hold the nodes that hold
/// operands. Like x3::forward_ast, whose noexcept specifications need the
/// complete node type and so cannot be alternatives of a std::variant
/// declared before the nodes are.
template <class T>
class boxed {
public:
    boxed() : node_(make()) {}
    boxed(const T& node) : node_(make(node)) {}
    boxed(T&& node) : node_(make(std::move(node))) {}
    /// Builds the node where it will live from its members' values: each
    /// operand moves once, instead of into a default node and then again.
    template <class... Members>
    explicit boxed(std::in_place_t, Members&&... members)
        : node_(make_from_members(std::forward<Members>(members)...)) {}
    boxed(const boxed& other) : node_(make(*other.node_)) {}
    boxed(boxed&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
    boxed& operator=(const boxed& other) {
        boxed copy(other);
        std::swap(node_, copy.node_);
        return *this;
    }
    boxed& operator=(boxed&& other) noexcept {
        std::swap(node_, other.node_);
        return *this;
    }
    ~boxed() {
        if (!node_) return;
        node_->~T();
        node_memory<T>::give(node_);
    }

    T& get() noexcept { return *node_; }
    const T& get() const noexcept { return *node_; }

private:
    template <class... Args>
    static T* make(Args&&... args) {
        void* memory = node_memory<T>::take();
        try {
            return ::new (memory) T(std::forward<Args>(args)...);
        } catch (...) {
            node_memory<T>::give(memory);
            throw;
        }
    }

    // Braces, not parentheses: the nodes are aggregates, and clang before 16
    // has no parenthesized aggregate initialization.
    template <class... Members>
    static T* make_from_members(Members&&... members) {
        void* memory = node_memory<T>::take();
        try {
            return ::new (memory) T{std::forward<Members>(members)...};
        } catch (...) {
            node_memory<T>::give(memory);
            throw;
        }
    }

    T* node_;
};

struct signed_;
struct expression;
struct power;
struct call;
struct application;
struct root;
struct absolute;
struct derivative;
struct gradient;
struct differential;
struct vector_literal;

/// Any operand of an operator. A std::variant rather than an x3::variant
/// (boost::variant): the grammar builds, moves and destroys operands for
/// every token, and boost::variant's assignment (a temporary and several
/// dispatches) and get (a dispatch) cost more than the parsing around them.
/// The rules that produce operands set them by semantic actions and
/// hand-written parsers, so X3 never needs to see inside.
struct operand
    : std::variant<nil, number, name, boxed<signed_>, boxed<expression>, boxed<power>,
                   boxed<call>, boxed<application>, boxed<root>, boxed<absolute>,
                   boxed<derivative>, boxed<gradient>, boxed<differential>, boxed<vector_literal>> {
    using base_type = variant;
    using base_type::base_type;
    using base_type::operator=;
    /// The variant itself, for std::visit and std::get_if.
    base_type& get() noexcept { return *this; }
    const base_type& get() const noexcept { return *this; }
};

/// The binary operators of an `expression` chain.
enum class op : std::uint8_t {
    add,       ///< +
    subtract,  ///< - or −
    multiply,  ///< * · ×
    divide,    ///< / ÷
    juxtapose, ///< implicit multiplication: 2x, x y, 3(x+1)
};

/// Unary minus or plus: `-x`, `−x`, `+x`.
struct signed_ : located {
    bool negative = true;
    operand value;
};

/// One `op operand` step of a chain.
struct operation : located {
    operation() = default;
    /// For emplace_back: a step built where it lives, its operand moved once.
    operation(located range, ast::op o, operand&& v) : located(range), op(o), value(std::move(v)) {}

    ast::op op = ast::op::add;
    operand value;
};

/// A left-to-right chain at one precedence level: `first op₁ v₁ op₂ v₂ …`.
/// Sums hold add/subtract; products multiply/divide/juxtapose. A parenthesized
/// or bracketed expression is an `expression` too (with `grouped` set).
struct expression : located {
    operand first;
    /// Held in place up to four steps (the usual chain), so most chains
    /// are one allocation, not two.
    boost::container::small_vector<operation, 4> rest{};
    /// Written in ( ) or [ ].
    bool grouped = false;
};

/// base^exponent, base**exponent or a superscript (x², eˣ, xⁿ⁻¹).
struct power : located {
    operand base;
    operand exponent;
    /// Written as a superscript (the exponent's text was ⁿ⁻¹ etc.).
    bool superscript = false;
};

/// One argument of a call: `value` or `keyword=value`.
struct argument : located {
    ast::name keyword;  ///< empty text for a positional argument
    operand value;
};

/// A call with parentheses: `f(x, y)`, `eval(z, x=1)`, `f'(x)`, `∂₁f(x, y)`,
/// `D[1,2](f)(x, y)`. Whether `name(...)` is a call or a product (x(y+1)) is
/// decided by lowering with the environment.
struct call : located {
    ast::name function;
    /// Held in place up to two arguments, as rest is.
    boost::container::small_vector<argument, 2> args;
    /// Number of primes: f'(x) is 1, f''(x) and f″(x) are 2.
    std::uint8_t primes = 0;
    /// Partial derivative positions, 1-based as written: ∂₁∂₂f → {1, 2}.
    std::vector<std::uint8_t> partials;
};

/// An elementary function written without its own call parentheses, or with
/// a power on its name: `sin x`, `sin 2x`, `sin²x`, `sin^2(x)`, `sin⁻¹ x`.
struct application : located {
    ast::name function;
    /// The power written on the function name (nil when none): sin²x → 2.
    operand exponent;
    operand argument;
};

/// √x, ∛x, ∜x.
struct root : located {
    std::uint8_t degree = 2;
    operand radicand;
};

/// |x|.
struct absolute : located {
    operand inner;
};

/// One variable of a derivative with its order: ∂x² → {x, 2}.
struct variable_order : located {
    ast::name variable;
    std::uint32_t order = 1;
};

/// Derivative notation: `∂z/∂x`, `∂²z/∂x²`, `∂²z/∂x∂y`, `dz/dx`, `d²z/dx²`,
/// `d/dx (x²+1)`, `∂/∂x e`, `∂(x²y)/∂x`.
struct derivative : located {
    operand target;
    std::vector<variable_order> variables;
    /// The order written on ∂ or d (∂²z: 2); checked against the variables.
    std::uint32_t order = 1;
    /// Written with d (dz/dx) rather than ∂.
    bool leibniz = false;
    /// Operator form (d/dx …): the target was read after the operator.
    bool prefix = false;
};

/// ∇z: the gradient (vector-valued; a statement of its own); ∇²z: the
/// Laplacian (a scalar, so an operand like any other).
struct gradient : located {
    operand target;
    bool laplacian = false;
};

/// ∂u: a differential, on the right side of a derivative declaration.
struct differential : located {
    ast::name variable;
};

/// [a, b, c]: a vector, written to be compared with a gradient
/// (∇C == [2x, 1]); its entries may be vectors, the rows of a matrix.
struct vector_literal : located {
    std::vector<operand> entries;
};

/// The source range of any operand: its node's, {0, 0} for nil.
inline located range_of(const operand& o) noexcept {
    return std::visit(
        [](const auto& n) -> located {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, nil>) return {};
            else if constexpr (std::is_base_of_v<located, T>) return {n.begin, n.end};
            else return {n.get().begin, n.get().end};
        },
        o.get());
}

// ---------------------------------------------------------------- statements

/// `z = 2x²y`.
struct assignment : located {
    ast::name target;
    operand value;
};

/// `f(x, y) = x² + y`.
struct function_definition : located {
    ast::name function;
    std::vector<ast::name> parameters;
    operand body;
};

/// `lhs == rhs` (a check).
struct equality : located {
    operand lhs;
    operand rhs;
};

/// `d-softplus: ∂softplus(u) = sigmoid(u)·∂u` (the label is optional).
struct derivative_declaration : located {
    std::string label;  ///< empty when unlabelled
    ast::name function;
    std::vector<ast::name> parameters;
    operand rhs;
};

/// One `name=value` of an `at` form.
struct binding : located {
    ast::name variable;
    operand value;
};

/// `z at x=1, y=2`.
struct evaluation_at : located {
    operand value;
    std::vector<binding> bindings;
};

/// An expression on its own: `x² + 1`, `∂z/∂x`, `grad(z)`, `eval(z, x=1)`.
struct expression_statement : located {
    operand value;
};

/// One statement.
struct statement
    : x3::variant<expression_statement, assignment, function_definition, equality,
                  derivative_declaration, evaluation_at> {
    using base_type::base_type;
    using base_type::operator=;
};

}  // namespace nabla::ast
