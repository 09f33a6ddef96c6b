#pragma once
// The printing engine shared by to_string, to_string_shared and to_dot.
//
// Two passes, both iterative:
// 1. `print_cache` walks the DAG once in post-order and decides, for every
//    sum and product, the human order of its operands (canonical form keeps
//    them in hash order). The order depends on a growth "degree" per node and,
//    for ties, on the first characters of the operands' ASCII text, so it is
//    the same in every style.
// 2. `writer` emits text from an explicit stack of tasks; no recursion, so a
//    chain of a million nested nodes prints. Parentheses are decided in one
//    place, from the precedence table `prec`.

#include "core/node.hpp"

#include <nabla/print.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nabla::detail {

// The precedence table: an operand whose level is below what its context
// requires is parenthesized. Unary minus and fractions sit at `product`.
enum class prec : std::uint8_t { none = 0, sum = 1, product = 2, power = 3, atom = 4 };

// How a node is printed in its context.
enum class print_mode : std::uint8_t {
    normal,
    magnitude,  // without its leading minus (a term after " − ")
    rest,       // without its numeric coefficient (sort keys)
    negated,    // a power in a denominator: b^e printed as b^(−e)
};

// One factor of a product as printed: the coefficient's numerator or
// denominator, a factor, or a factor with a negative exponent printed in the
// denominator with that exponent negated.
enum class item_kind : std::uint8_t { coef_num, coef_den, factor, den_factor };

struct item {
    const node* n;
    item_kind kind;
};

// The human layout of a sum (terms) or of a product or negative power
// (numerator and denominator items; the coefficient's items come first).
struct layout {
    std::span<const node* const> terms;
    std::span<const item> num, den;
    std::uint32_t num_start = 0, den_start = 0;  // first non-coefficient item
    bool negative = false;                       // the coefficient is < 0
};

class writer;

// Names given to shared subexpressions (to_string_shared).
using name_map = boost::unordered_flat_map<const node*, std::string>;


// Degrees, layouts and sort keys of every node under a root.
class print_cache {
public:
    static constexpr std::uint32_t none = std::uint32_t(-1);

    // `names` (to_string_shared): named nodes sort among the symbols, t₁x.
    explicit print_cache(const node* root, const name_map* names = nullptr);
    ~print_cache();
    print_cache(const print_cache&) = delete;
    print_cache& operator=(const print_cache&) = delete;

    double degree(const node* n) const;
    // Empty for nodes that have no layout (atoms, functions, positive powers).
    layout layout_of(const node* n) const { return layout_at(layout_index(n)); }
    // The same in two steps, so that a writer looks a node up only once.
    std::uint32_t layout_index(const node* n) const;
    layout layout_at(std::uint32_t index) const;
    // The first characters of n's ASCII text without its coefficient.
    const std::string& key(const node* n);

private:
    struct stored_layout {
        std::uint32_t begin = 0, terms = 0, num = 0, den = 0;  // pool offsets and counts
        std::uint32_t num_start = 0, den_start = 0;
        bool negative = false;
    };
    struct info {
        double degree = 0;
        std::uint32_t layout = none;
        std::uint32_t key = none;
    };
    struct node_hash {
        std::size_t operator()(const node* n) const noexcept { return boost::hash<const node*>()(n); }
    };

    void visit(const node* n);
    void sum_layout(const node* n, stored_layout& l);
    void product_layout(const node* n, stored_layout& l);

    boost::unordered_flat_map<const node*, info, node_hash> info_;
    std::vector<stored_layout> layouts_;
    std::vector<const node*> term_pool_;
    std::vector<item> item_pool_;
    std::deque<std::string> keys_;  // a deque: references stay valid as it grows
    std::unique_ptr<writer> key_writer_;  // reused: keys are many and short
    const name_map* names_;
};

// Writes one expression into a string.
class writer {
public:
    writer(print_cache& cache, nabla::style s) : cache_(cache), style_(s) {}

    // Print only the first `cap` bytes (at least; sort keys).
    void set_cap(std::size_t cap) { cap_ = cap; }
    // Print these nodes by name, except `self` (the one being defined).
    void set_names(const name_map* names, const node* self) {
        names_ = names;
        self_ = self;
    }
    void write(const node* root, print_mode mode, std::string& out);

private:
    enum class act : std::uint8_t { text, node, terms, items, superscript, args, close_bar, end_items };
    struct task {
        const node* n;
        std::string_view text;
        std::uint32_t index;
        act what;
        print_mode mode;
        std::uint8_t min;    // act::node: the precedence the context requires
        std::uint8_t which;  // act::items: 0 numerator, 1 denominator
        std::uint32_t lay;   // act::terms, act::items: the layout's index
        std::uint32_t mark = 0;  // act::items, act::end_items: where the previous item starts in the output
    };

    // Shapes of a factor's first and last characters, for the Unicode
    // juxtaposition rules (4xy, 2sin(x), n·xⁿ⁻¹, −x·e^(−x²/2)).
    enum class first : std::uint8_t { digit, letter, func, paren, bar, other };
    enum class last : std::uint8_t { letter, digit, super, close, caret_open, radical_open, bar, other };
    struct shape {
        first f = first::other;
        last l = last::other;
        bool caret = false;          // printed with ^
        bool super_letters = false;  // letters in a superscript exponent
        bool multi_first = false;    // starts with a multi-letter name
        bool multi_last = false;     // ends with a multi-letter name
    };

    void push_text(std::string_view t);
    void push_node(const node* n, print_mode m, prec min);
    void run(std::string& out);
    void node_task(const node* n, print_mode m, prec min, std::string& out);
    void print_number(const node* n, print_mode m, std::string& out);
    void print_product(const node* n, std::uint32_t lay, print_mode m, std::string& out);
    void print_power(const node* n, print_mode m, std::string& out);
    void print_apply(const node* n, std::string& out);
    void print_call(const node* n, std::string& out);
    void items_task(const node* n, std::uint32_t lay, std::uint8_t which, std::uint32_t i, print_mode m, std::uint32_t mark,
                    std::string& out);
    void terms_task(const node* n, std::uint32_t lay, std::uint32_t i, std::string& out);
    void args_task(const node* n, std::uint32_t i, std::string& out);
    bool break_reserved_word(std::string& out, std::size_t item_start) const;
    bool ends_in_function_name(const std::string& out) const;
    void superscript(const node* e, bool negate, std::string& out) const;

    bool named(const node* n) const;
    bool negative(const node* n) const;
    prec prec_of(const node* n, print_mode m) const;
    bool superscriptable(const node* e) const;
    bool is_sqrt(const node* n, print_mode m) const;
    shape shape_of(const node* n, print_mode m) const;
    shape shape_of(const item& it) const;
    std::string_view separator(const item& a, const item& b, const std::string& out) const;
    std::string_view minus() const;
    std::string_view open() const;
    std::string_view close() const;

    print_cache& cache_;
    nabla::style style_;
    std::size_t cap_ = std::size_t(-1);
    const name_map* names_ = nullptr;
    const node* self_ = nullptr;
    std::vector<task> stack_;
    int open_bars_ = 0;  // |…| being printed around the current position
};

// A number < 0, or a product whose coefficient is: what prints with a minus.
bool has_minus(const node* n);
// A power with such an exponent: it prints as a fraction, 1/x².
bool is_negative_power(const node* n);

// A symbol's name as printed: w1 → w₁ (Unicode), w_{1} (LaTeX), α → \alpha.
std::string symbol_text(std::string_view name, nabla::style s);

// A user function's name with its derivative marks, without the arguments:
// f, f′, ∂₁∂₂f (Unicode); f', D[1,2](f) (ASCII).
std::string call_head(const node* n, nabla::style s);

// A node as a one-line label (atoms printed, operators by their sign), for DOT.
std::string node_label(const node* n, nabla::style s);

}  // namespace nabla::detail
