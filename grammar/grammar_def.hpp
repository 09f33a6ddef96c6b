#pragma once
// The rules of nabla's notation (see README.md, "Notation"), loosest first:
//
//   statement   = declaration | definition | assignment | expression-statement
//   sum         = term (('+' | '-' | '−') term)*
//   term        = unary (('*' | '·' | '×' | '/' | '÷') unary | implicit-factor)*
//   unary       = ('-' | '−' | '+') unary | d/dx sum | ∂/∂x sum | power
//   power       = primary (superscript | ('^' | '**') unary)?      (right associative)
//   primary     = number | (sum) | [sum] | |sum| | √power | ∇power | ∇²power | ∂-forms
//               | d-forms | D[i](f)(args) | word
//   word        = name | name primes? (args) | function power? argument
//
// Juxtaposition is a product at the level of '*' and '/', read left to right:
// `x/2y` is (x/2)·y. An implicit factor never starts with a digit or sign.
// Expectation points (`>`) and the hand-written tokens throw syntax_error;
// rule names below are the words used in "expected … after '+'".

#include "grammar/ast.hpp"
#include "grammar/ast_adapted.hpp"
#include "grammar/config.hpp"
#include "grammar/error_handler.hpp"
#include "grammar/grammar.hpp"
#include "grammar/tokens.hpp"
#include "grammar/parser.hpp"

#include <boost/spirit/home/x3.hpp>

#include <algorithm>
#include <array>

#include <string>

namespace nabla::parser {

namespace x3 = boost::spirit::x3;
namespace fusion = boost::fusion;
namespace unicode = detail::unicode;

// ---------------------------------------------------------------- rule IDs

// A rule whose right side is wrapped in positioned[…] has its range set
// there; annotate_position's on_success would only visit the value again.
struct positioned_rule {};

struct statement_class : annotate_position {};
struct declaration_class : annotate_position {};
struct definition_class : annotate_position {};
struct assignment_class : annotate_position {};
struct check_class : annotate_position {};
struct check_sign_class {};
struct expression_statement_class : positioned_rule {};
struct binding_class : annotate_position {};
struct bindings_class : annotate_position {};
struct sum_class : positioned_rule {};
struct term_class : positioned_rule {};
struct unary_class : positioned_rule {};
struct exponent_class : positioned_rule {};  // unary's value, which has its range
struct power_class : positioned_rule {};
struct primary_class : positioned_rule {};
struct implicit_factor_class : positioned_rule {};
struct derivative_class : positioned_rule {};
struct prefix_derivative_class : positioned_rule {};
struct partial_variable_class : annotate_position {};
struct leibniz_variable_class : annotate_position {};
struct exponent_atom_class : positioned_rule {};
struct leibniz_target_class : positioned_rule {};

const statement_type statement_rule = "a statement";
const x3::rule<declaration_class, ast::derivative_declaration> declaration = "a derivative declaration";
const x3::rule<definition_class, ast::function_definition> definition = "a function definition";
const x3::rule<assignment_class, ast::assignment> assignment = "an assignment";
const x3::rule<check_class, ast::equality> check = "a check";
const x3::rule<check_sign_class> check_sign = "'=='";
const x3::rule<expression_statement_class, ast::statement> expression_statement = "an expression";
const x3::rule<binding_class, ast::binding> binding = "a value like x=1";
const x3::rule<bindings_class, std::vector<ast::binding>> bindings = "a value like x=1";
const sum_type sum = "an expression";
const x3::rule<term_class, ast::operand> term = "an expression";
const x3::rule<unary_class, ast::operand> unary = "an expression";
const x3::rule<exponent_class, ast::operand> exponent = "an exponent";
const x3::rule<power_class, ast::operand> power = "an expression";
const x3::rule<primary_class, ast::operand> primary = "an expression";
const x3::rule<implicit_factor_class, ast::operand> implicit_factor = "a factor";
const x3::rule<derivative_class, ast::operand> derivative = "a derivative";
const x3::rule<prefix_derivative_class, ast::operand> prefix_derivative = "a derivative";
const x3::rule<partial_variable_class, ast::variable_order> partial_variable = "a variable like ∂x";
const x3::rule<leibniz_variable_class, ast::variable_order> leibniz_variable = "a variable like dx";
const x3::rule<exponent_atom_class, ast::operand> exponent_atom = "an exponent";
const x3::rule<leibniz_target_class, ast::operand> leibniz_target = "a name";

// ---------------------------------------------------------------- helpers

inline bool is_chain_at(const ast::operand& o, bool sum_level) {
    const auto* e = std::get_if<ast::boxed<ast::expression>>(&o.get());
    if (!e || e->get().grouped || e->get().rest.empty()) return false;
    const ast::op first = e->get().rest.front().op;
    const bool additive = first == ast::op::add || first == ast::op::subtract;
    return additive == sum_level;
}

// Appends `op value` to the chain being built in `val` (starting one when
// `val` is still a single operand), so single operands are never wrapped.
inline void append(ast::operand& val, ast::op op, ast::operand&& value, bool sum_level) {
    if (!is_chain_at(val, sum_level)) {
        const ast::located start{ast::range_of(val).begin, 0};
        val = ast::boxed<ast::expression>(std::in_place, start, std::move(val));
    }
    auto& chain = std::get_if<ast::boxed<ast::expression>>(&val.get())->get();
    const ast::located range = ast::range_of(value);
    // Built in place from its parts: one move of the operand, not a default
    // operand and then an assignment.
    chain.rest.emplace_back(range, op, std::move(value));
    chain.end = range.end;
}

// x3::action parses into the rule's own attribute when the types agree, so
// _attr may be _val itself: moving it onto itself would empty it.
const auto set_val = [](auto& ctx) {
    auto& val = x3::_val(ctx);
    auto& attr = x3::_attr(ctx);
    if constexpr (std::is_same_v<std::decay_t<decltype(val)>, std::decay_t<decltype(attr)>>) {
        if (static_cast<const void*>(&val) == static_cast<const void*>(&attr)) return;
    }
    val = std::move(attr);
};
const auto push_sum = [](auto& ctx) {
    auto& a = x3::_attr(ctx);
    append(x3::_val(ctx), fusion::at_c<0>(a), std::move(fusion::at_c<1>(a)), true);
};
const auto push_product = [](auto& ctx) {
    auto& a = x3::_attr(ctx);
    append(x3::_val(ctx), fusion::at_c<0>(a), std::move(fusion::at_c<1>(a)), false);
};
const auto push_juxtaposed = [](auto& ctx) {
    append(x3::_val(ctx), ast::op::juxtapose, std::move(x3::_attr(ctx)), false);
};
const auto make_signed = [](auto& ctx) {
    auto& a = x3::_attr(ctx);
    ast::signed_ s;
    s.negative = fusion::at_c<0>(a);
    s.value = std::move(fusion::at_c<1>(a));
    x3::_val(ctx) = ast::boxed<ast::signed_>(std::move(s));
};
const auto make_power = [](bool superscript) {
    return [superscript](auto& ctx) {
        auto& base = x3::_val(ctx);
        auto& exponent = x3::_attr(ctx);
        const ast::located range{ast::range_of(base).begin, ast::range_of(exponent).end};
        base = ast::boxed<ast::power>(std::in_place, range, std::move(base), std::move(exponent),
                                      superscript);
    };
};

// ---------------------------------------------------------------- nesting budget

/// What the directives below share: one subject, whose attribute they pass
/// through unchanged.
template <class Subject, class Derived>
struct pass_through : x3::unary_parser<Subject, Derived> {
    static bool const is_pass_through_unary = true;
    using x3::unary_parser<Subject, Derived>::unary_parser;
};

/// `name[subject]` for the directives below: wraps the subject in Directive.
template <template <class> class Directive>
struct directive_gen {
    template <class Subject>
    constexpr Directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
        const Subject& subject) const {
        return {x3::as_parser(subject)};
    }
};

/// Counts nesting through the recursive rules; deeper than the budget is
/// an error, so deep input never exhausts the stack.
template <class Subject>
struct nest_directive : pass_through<Subject, nest_directive<Subject>> {
    using pass_through<Subject, nest_directive<Subject>>::pass_through;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        auto& s = state_of(context);
        if (s.depth >= s.max_depth) {
            skip(first, last, context);
            throw syntax_error{offset_of(first, s),
                               "input nests too deeply (more than " +
                                   std::to_string((s.max_depth - 4) / 2) + " levels)"};
        }
        ++s.depth;
        struct restore {
            parse_state& s;
            ~restore() { --s.depth; }
        } guard{s};
        return this->subject.parse(first, last, context, rcontext, attr);
    }
};
inline constexpr directive_gen<nest_directive> nest{};

// ---------------------------------------------------------------- positions

/// Gives the node a rule builds by semantic actions the range the rule
/// matched. (on_success can't: a rule whose right side is omit[…] hands it
/// no attribute. The rule's value arrives here as the RContext.)
template <class Subject>
struct positioned_directive : pass_through<Subject, positioned_directive<Subject>> {
    using pass_through<Subject, positioned_directive<Subject>>::pass_through;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        skip(first, last, context);
        const Iterator start = first;
        if (!this->subject.parse(first, last, context, rcontext, attr)) return false;
        annotate_position::annotate(rcontext, start, first, state_of(context).base);
        return true;
    }
};
inline constexpr directive_gen<positioned_directive> positioned{};

/// Parses its subject straight into the value of the rule it is in: a rule
/// that hands its result on unchanged (sum → term → unary → power → primary)
/// then fills one operand in place instead of a temporary per level that an
/// action moves up. The subjects write only on success, so a failed attempt
/// leaves nothing behind.
template <class Subject>
struct into_value_directive : pass_through<Subject, into_value_directive<Subject>> {
    using pass_through<Subject, into_value_directive<Subject>>::pass_through;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute&) const {
        return this->subject.parse(first, last, context, rcontext, rcontext);
    }
};
inline constexpr directive_gen<into_value_directive> into_value{};

// ---------------------------------------------------------------- enclosed parts

/// The text of the code point at p, for messages ("unexpected ')'").
inline std::string code_point_text(const char* p, const char* last) {
    if (p == last) return "end of input";
    int len = 0;
    unicode::decode(p, last, len);
    return "'" + std::string(p, std::size_t(len)) + "'";
}

inline std::string column_text(const parse_state& s, const char* p) {
    const std::size_t off = std::size_t(p - s.base);
    const auto lc = detail::locate(std::string_view(s.base, off + 1), off);
    return std::to_string(lc.column);
}

/// Sets parse_state::open_bars for a nested part and restores it after.
struct bars_reset {
    bars_reset(parse_state& s, std::uint32_t bars) : state(s), saved(s.open_bars) { s.open_bars = bars; }
    ~bars_reset() { state.open_bars = saved; }
    bars_reset(const bars_reset&) = delete;
    bars_reset& operator=(const bars_reset&) = delete;
    parse_state& state;
    std::uint32_t saved;
};

/// Parses `open content close`, with the errors people need: an empty or
/// broken inside ("expected an expression after '('") and a missing close
/// ("'(' at column 4 is never closed").
template <class Content, class Iterator, class Context>
bool parse_enclosed(Iterator& first, Iterator const& last, Context const& context, char open,
                    char close, const char* what, Content&& content) {
    skip(first, last, context);
    if (first == last || *first != open) return false;
    auto& s = state_of(context);
    const char* open_at = first;
    ++first;
    const bars_reset inside_brackets(s, 0);
    if (!content(first)) {
        skip(first, last, context);
        throw syntax_error{offset_of(first, s), std::string("expected ") + what + " after '" +
                                                    std::string(1, open) + "'"};
    }
    skip(first, last, context);
    if (first == last)
        throw syntax_error{offset_of(first, s), "'" + std::string(1, open) + "' at column " +
                                                    column_text(s, open_at) + " is never closed"};
    if (*first != close)
        throw syntax_error{offset_of(first, s),
                           "expected '" + std::string(1, close) + "' to close '" +
                               std::string(1, open) + "' at column " + column_text(s, open_at) +
                               ", found " + code_point_text(first, last)};
    ++first;
    return true;
}

/// ( sum ) and [ sum ]; [ sum, sum, … ] is a vector.
struct group_parser : x3::parser<group_parser> {
    using attribute_type = ast::operand;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        skip(first, last, context);
        if (first == last || (*first != '(' && *first != '[')) return false;
        const char open = *first;
        const char* start = first;
        ast::operand inner;
        std::optional<ast::vector_literal> vector;
        parse_enclosed(first, last, context, open, open == '(' ? ')' : ']', "an expression", [&](Iterator& it) {
            if (!sum.parse(it, last, context, rcontext, inner)) return false;
            if (open != '[') return true;
            skip(it, last, context);
            while (it != last && *it == ',') {
                if (!vector) vector.emplace().entries.push_back(std::move(inner));
                ++it;
                ast::operand entry;
                if (!sum.parse(it, last, context, rcontext, entry)) {
                    skip(it, last, context);
                    throw syntax_error{offset_of(it, state_of(context)), "expected an entry after ','"};
                }
                vector->entries.push_back(std::move(entry));
                skip(it, last, context);
            }
            return true;
        });
        if (vector) {
            vector->begin = offset_of(start, state_of(context));
            vector->end = offset_of(first, state_of(context));
            x3::traits::move_to(ast::operand(ast::boxed<ast::vector_literal>(std::move(*vector))), attr);
            return true;
        }
        if (auto* e = std::get_if<ast::boxed<ast::expression>>(&inner.get()); e && !e->get().grouped) {
            e->get().grouped = true;
        } else if (std::holds_alternative<ast::boxed<ast::call>>(inner.get()) ||
                   std::holds_alternative<ast::name>(inner.get()) ||
                   std::holds_alternative<ast::boxed<ast::power>>(inner.get())) {
            // (x(y + 1)), (xy) and (x(y + 1)²) must stay one factor: a
            // one-operand group keeps them whole where a power or root
            // would split them (w^(x(y + 1)²) is not w^x·(y + 1)²).
            ast::expression group;
            group.first = std::move(inner);
            group.grouped = true;
            group.begin = offset_of(start, state_of(context));
            group.end = offset_of(first, state_of(context));
            inner = ast::boxed<ast::expression>(std::move(group));
        }
        x3::traits::move_to(std::move(inner), attr);
        return true;
    }
};
inline constexpr group_parser group{};

/// |x|: absolute value. Without an expectation point: a '|' inside may close
/// this one or open another (|a|·|b|), so a failed attempt backtracks.
struct absolute_parser : x3::parser<absolute_parser> {
    using attribute_type = ast::operand;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        skip(first, last, context);
        if (first == last || *first != '|') return false;
        auto& s = state_of(context);
        const std::uint32_t at = offset_of(first, s);
        if (s.failed_bars.contains(at)) return false;
        Iterator it = first + 1;
        ast::absolute b;
        bool inner_parsed;
        {
            const bars_reset inside_bars(s, s.open_bars + 1);
            inner_parsed = sum.parse(it, last, context, rcontext, b.inner);
        }
        if (inner_parsed) {
            skip(it, last, context);
            if (it != last && *it == '|') {
                ++it;
                b.begin = at;
                b.end = offset_of(it, s);
                first = it;
                x3::traits::move_to(ast::operand(ast::boxed<ast::absolute>(std::move(b))), attr);
                return true;
            }
        }
        s.failed_bars.insert(at);
        return false;
    }
};
inline constexpr absolute_parser absolute{};

/// One argument: `value` or `keyword=value`.
template <class Iterator, class Context, class RContext>
bool parse_argument(Iterator& first, Iterator const& last, Context const& context,
                    RContext& rcontext, ast::argument& arg) {
    skip(first, last, context);
    const char* start = first;
    auto& s = state_of(context);
    // keyword=value: a name, '=', and not '=='.
    // Looked for with the bare word first: most arguments are values, and
    // the name is built only for a keyword.
    if (Iterator it = scan_word(first, last); it != first) {
        skip(it, last, context);
        if (it != last && *it == '=' && (it + 1 == last || it[1] != '=')) {
            Iterator name_end = first;
            if (any_name.parse(name_end, last, context, rcontext, arg.keyword)) {
                ++it;
                first = it;
                if (!sum.parse(first, last, context, rcontext, arg.value)) {
                    skip(first, last, context);
                    throw syntax_error{offset_of(first, s), "expected an expression after '='"};
                }
                arg.begin = offset_of(start, s);
                arg.end = offset_of(first, s);
                return true;
            }
        }
    }
    if (!sum.parse(first, last, context, rcontext, arg.value)) return false;
    arg.begin = offset_of(start, s);
    arg.end = offset_of(first, s);
    return true;
}

/// ( argument, argument, … ), possibly empty.
template <class Iterator, class Context, class RContext>
bool parse_arguments(Iterator& first, Iterator const& last, Context const& context,
                     RContext& rcontext, decltype(ast::call::args)& args) {
    return parse_enclosed(first, last, context, '(', ')', "an argument", [&](Iterator& it) {
        Iterator probe = it;
        skip(probe, last, context);
        if (probe != last && *probe == ')') return true;  // f()
        for (;;) {
            ast::argument arg;
            if (!parse_argument(it, last, context, rcontext, arg)) {
                if (args.empty()) return false;
                skip(it, last, context);
                throw syntax_error{offset_of(it, state_of(context)),
                                   "expected an argument after ','"};
            }
            args.push_back(std::move(arg));
            skip(it, last, context);
            if (it == last || *it != ',') return true;
            ++it;
        }
    });
}

// ---------------------------------------------------------------- words

/// True when `at` is the keyword of `z at x=1`: a name and '=' follow (so
/// the product a·t, printed `at`, is still a product).
template <class Iterator, class Context>
bool at_starts_bindings(Iterator p, Iterator const& last, Context const& context) {
    skip(p, last, context);
    const char* w = scan_word(p, last);
    if (w == p) return false;
    p = w;
    skip(p, last, context);
    return p != last && *p == '=' && (p + 1 == last || p[1] != '=');
}

/// A primary that starts with a word: a name, a call `f(x)`, `f'(x)`, or an
/// elementary function applied without its own parentheses (`sin x`,
/// `sin²x`, `sin^2(x)`, `sin⁻¹ x`).
struct word_parser : x3::parser<word_parser> {
    using attribute_type = ast::operand;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        skip(first, last, context);
        const char* start = first;
        const char* end = scan_word(first, last);
        if (end == first) return false;
        auto& s = state_of(context);
        const std::string_view word(start, std::size_t(end - start));
        const auto set_name = [&](ast::name& name) {
            name.text.clear();
            name.text.append(word);  // cheaper than assign, which allows for aliasing
            name.begin = offset_of(start, s);
            name.end = offset_of(end, s);
        };

        // A call: primes and '(' right after the name (`f (x)` is f·x).
        Iterator p = end;
        std::uint8_t primes = 0;
        primes_token.parse(p, last, context, rcontext, primes);
        if (p != last && *p == '(') {
            ast::boxed<ast::call> node;
            ast::call& c = node.get();
            set_name(c.function);
            c.primes = primes;
            first = p;
            parse_arguments(first, last, context, rcontext, c.args);
            c.begin = offset_of(start, s);
            c.end = offset_of(first, s);
            x3::traits::move_to(std::move(node), attr);
            return true;
        }
        if (primes)
            throw syntax_error{offset_of(p, s), "expected '(' after " + std::string(start, p) +
                                                    " (primes mark a derivative: f'(x))"};
        if (word == "at" && at_starts_bindings(end, last, context)) return false;
        if (!is_application_name(word)) {
            first = end;
            ast::name spare;
            set_name(node_for(attr, spare));
            finish_node(attr, spare);
            return true;
        }

        ast::application a;
        set_name(a.function);
        p = end;
        if (superscript_token.parse(p, last, context, rcontext, a.exponent)) {
        } else {
            Iterator q = p;
            skip(q, last, context);
            if (q != last && (*q == '^' || (*q == '*' && q + 1 != last && q[1] == '*'))) {
                q += *q == '^' ? 1 : 2;
                if (!exponent_atom.parse(q, last, context, rcontext, a.exponent)) {
                    skip(q, last, context);
                    throw syntax_error{offset_of(q, s), "expected an exponent after '^'"};
                }
                p = q;
            }
        }
        first = p;
        if (!parse_application_argument(first, last, context, rcontext, a.argument)) {
            skip(first, last, context);
            throw syntax_error{offset_of(first, s),
                               "expected an argument after '" + std::string(word) + "'"};
        }
        a.begin = offset_of(start, s);
        a.end = offset_of(first, s);
        x3::traits::move_to(ast::operand(ast::boxed<ast::application>(std::move(a))), attr);
        return true;
    }

    // The argument of `sin x`: a signed factor followed by juxtaposed factors
    // (`sin 2x` is sin(2x), `sin x y` is sin(x·y)); it stops before another
    // function (`sin x cos x`), a number, '(' and any explicit operator.
    template <class Iterator, class Context, class RContext>
    static bool parse_application_argument(Iterator& first, Iterator const& last,
                                           Context const& context, RContext& rcontext,
                                           ast::operand& out) {
        skip(first, last, context);
        const bool parenthesized = first != last && (*first == '(' || *first == '[');
        if (!unary.parse(first, last, context, rcontext, out)) return false;
        if (parenthesized) return true;
        for (;;) {
            Iterator save = first;
            skip(first, last, context);
            if (first == last || *first == '(' || *first == '[' || is_ascii_digit(*first) ||
                *first == '.') {
                first = save;
                return true;
            }
            const char* w = scan_word(first, last);
            if (w != first && is_application_name(std::string_view(first, std::size_t(w - first)))) {
                first = save;
                return true;
            }
            ast::operand factor;
            if (!implicit_factor.parse(first, last, context, rcontext, factor)) {
                first = save;
                return true;
            }
            append(out, ast::op::juxtapose, std::move(factor), false);
        }
    }
};
inline constexpr word_parser word{};

/// ∂₁f(x, y), ∂₁∂₂f(x, y): partial derivatives of a function by position.
struct partial_call_parser : x3::parser<partial_call_parser> {
    using attribute_type = ast::operand;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        skip(first, last, context);
        const char* start = first;
        Iterator p = first;
        std::vector<std::uint8_t> partials;
        while (last - p >= 3 && std::string_view(p, 3) == "∂") {
            Iterator q = p + 3;
            std::uint8_t index = 0;
            if (!subscript_index.parse(q, last, context, rcontext, index)) break;
            partials.push_back(index);
            p = q;
        }
        if (partials.empty()) return false;
        ast::operand called;
        if (!word.parse(p, last, context, rcontext, called)) return false;
        auto* c = std::get_if<ast::boxed<ast::call>>(&called.get());
        if (!c)
            throw syntax_error{offset_of(start, state_of(context)),
                               "expected a function call after '" + std::string(start, p) + "'"};
        c->get().partials = std::move(partials);
        c->get().begin = offset_of(start, state_of(context));
        first = p;
        x3::traits::move_to(std::move(called), attr);
        return true;
    }
};
inline constexpr partial_call_parser partial_call{};

/// D[1](f)(x, y), D[1,2](f)(x, y): the ASCII form of ∂₁f(x, y).
struct d_bracket_parser : x3::parser<d_bracket_parser> {
    using attribute_type = ast::operand;
    static bool const has_attribute = true;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        skip(first, last, context);
        const char* start = first;
        if (last - first < 2 || first[0] != 'D' || first[1] != '[') return false;
        Iterator p = first + 2;
        std::vector<std::uint8_t> partials;
        for (;;) {
            skip(p, last, context);
            unsigned v = 0;
            int digits = 0;
            while (p != last && is_ascii_digit(*p) && v <= 255) v = v * 10 + unsigned(*p++ - '0'), ++digits;
            if (!digits || v == 0 || v > 255) return false;
            partials.push_back(std::uint8_t(v));
            skip(p, last, context);
            if (p != last && *p == ',') {
                ++p;
                continue;
            }
            break;
        }
        if (p == last || *p != ']') return false;
        ++p;
        if (p == last || *p != '(') return false;
        ++p;
        ast::name fname;
        if (!any_name.parse(p, last, context, rcontext, fname)) return false;
        skip(p, last, context);
        if (p == last || *p != ')') return false;
        ++p;
        if (p == last || *p != '(') return false;
        ast::call c;
        c.function = std::move(fname);
        c.partials = std::move(partials);
        first = p;
        parse_arguments(first, last, context, rcontext, c.args);
        auto& s = state_of(context);
        c.begin = offset_of(start, s);
        c.end = offset_of(first, s);
        x3::traits::move_to(ast::operand(ast::boxed<ast::call>(std::move(c))), attr);
        return true;
    }
};
inline constexpr d_bracket_parser d_bracket{};

// ---------------------------------------------------------------- actions for derivatives

const auto make_fraction = [](bool leibniz) {
    return [leibniz](auto& ctx) {
        auto& a = x3::_attr(ctx);
        ast::derivative d;
        d.leibniz = leibniz;
        auto order = fusion::at_c<0>(a);
        d.order = order ? *order : 1;
        d.target = std::move(fusion::at_c<1>(a));
        d.variables = std::move(fusion::at_c<2>(a));
        x3::_val(ctx) = ast::boxed<ast::derivative>(std::move(d));
    };
};
const auto make_prefix = [](bool leibniz) {
    return [leibniz](auto& ctx) {
        auto& a = x3::_attr(ctx);
        ast::derivative d;
        d.leibniz = leibniz;
        d.prefix = true;
        auto order = fusion::at_c<0>(a);
        d.order = order ? *order : 1;
        d.variables = std::move(fusion::at_c<1>(a));
        d.target = std::move(fusion::at_c<2>(a));
        x3::_val(ctx) = ast::boxed<ast::derivative>(std::move(d));
    };
};
const auto make_differential = [](auto& ctx) {
    ast::differential d;
    d.variable = std::move(x3::_attr(ctx));
    x3::_val(ctx) = ast::boxed<ast::differential>(std::move(d));
};
const auto make_root = [](auto& ctx) {
    auto& a = x3::_attr(ctx);
    ast::root r;
    r.degree = fusion::at_c<0>(a);
    r.radicand = std::move(fusion::at_c<1>(a));
    x3::_val(ctx) = ast::boxed<ast::root>(std::move(r));
};
const auto make_gradient = [](auto& ctx) {
    ast::gradient g;
    g.target = std::move(x3::_attr(ctx));
    x3::_val(ctx) = ast::boxed<ast::gradient>(std::move(g));
};
const auto make_laplacian = [](auto& ctx) {
    ast::gradient g;
    g.target = std::move(x3::_attr(ctx));
    g.laplacian = true;
    x3::_val(ctx) = ast::boxed<ast::gradient>(std::move(g));
};
const auto make_absolute = [](auto& ctx) {
    ast::absolute b;
    b.inner = std::move(x3::_attr(ctx));
    x3::_val(ctx) = ast::boxed<ast::absolute>(std::move(b));
};
const auto make_negative_number = [](auto& ctx) {
    ast::signed_ s;
    s.negative = true;
    s.value = std::move(x3::_attr(ctx));
    x3::_val(ctx) = ast::boxed<ast::signed_>(std::move(s));
};
const auto make_statement_tail = [](auto& ctx) {
    auto& a = x3::_attr(ctx);
    ast::operand& value = fusion::at_c<0>(a);
    auto& tail = fusion::at_c<1>(a);  // optional<variant<operand, vector<binding>>>
    if (!tail) {
        ast::expression_statement e;
        e.value = std::move(value);
        x3::_val(ctx) = std::move(e);
        return;
    }
    if (auto* rhs = boost::get<ast::operand>(&*tail)) {
        ast::equality eq;
        eq.lhs = std::move(value);
        eq.rhs = std::move(*rhs);
        x3::_val(ctx) = std::move(eq);
        return;
    }
    ast::evaluation_at at;
    at.value = std::move(value);
    at.bindings = std::move(boost::get<std::vector<ast::binding>>(*tail));
    x3::_val(ctx) = std::move(at);
};

// ---------------------------------------------------------------- tokens

/// One of a few fixed spellings, giving its value: x3::symbols without the
/// search tree and its shared state, for the operators read between every
/// two operands. No spelling is a prefix of another, so the first that
/// matches is the longest, as x3::symbols would pick.
template <class T, std::size_t N>
struct spellings_parser : x3::parser<spellings_parser<T, N>> {
    using attribute_type = T;
    static bool const has_attribute = !std::is_same_v<T, x3::unused_type>;
    struct spelling {
        std::string_view text;
        T value;
    };
    std::array<spelling, N> spellings;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute& attr) const {
        skip(first, last, context);
        if (first == last) return false;
        for (const spelling& s : spellings) {
            if (s.text[0] != *first || std::size_t(last - first) < s.text.size() ||
                std::string_view(first, s.text.size()) != s.text)
                continue;
            first += s.text.size();
            if constexpr (has_attribute) x3::traits::move_to(s.value, attr);
            return true;
        }
        return false;
    }
};
inline constexpr auto additive_op = spellings_parser<ast::op, 3>{
    {}, {{{"+", ast::op::add}, {"-", ast::op::subtract}, {"−", ast::op::subtract}}}};
inline constexpr auto multiplicative_op = spellings_parser<ast::op, 7>{
    {},
    {{{"*", ast::op::multiply}, {"/", ast::op::divide}, {"·", ast::op::multiply},
      {"⋅", ast::op::multiply}, {"∙", ast::op::multiply}, {"×", ast::op::multiply},
      {"÷", ast::op::divide}}}};
inline constexpr auto power_sign =
    spellings_parser<x3::unused_type, 2>{{}, {{{"**", x3::unused}, {"^", x3::unused}}}};
inline constexpr auto sign_op =
    spellings_parser<bool, 3>{{}, {{{"-", true}, {"−", true}, {"+", false}}}};

const auto partial_sign = x3::lit("∂");
const auto label = x3::lexeme[+x3::char_("a-zA-Z0-9_.-")];
const auto not_equal_sign = !x3::lit('=');
// `=`, and the update arrows of pseudocode and textbooks: w := w − α·∂C/∂w,
// w ← w − α·∂C/∂w (and Mathematica's f(x) := x²).
const auto assign_sign = (x3::lit('=') >> not_equal_sign) | x3::lit(":=") | x3::lit("←");
const auto at_keyword = x3::lexeme[x3::lit("at") >> !x3::char_("a-zA-Z0-9_")];  // checked in word

// ---------------------------------------------------------------- rules

const auto statement_rule_def = check | declaration | definition | assignment | expression_statement;

// `check ∂C/∂w₁ == x₁w₃(f − y)`: how a student asks whether a hand-derived
// result is right, the same as the equality without the word. `=` is
// taken too, as on paper. Without an expression after it the word is a
// name, which lowering refuses as a command's (check = 1, check alone).
const auto check_keyword = x3::lexeme[x3::lit("check") >> !x3::char_("a-zA-Z0-9_(")];  // check(…) is a call
const auto check_def = check_keyword >> (sum > check_sign > sum);
const auto check_sign_def = x3::lit("==") | (x3::lit('=') >> not_equal_sign);

const auto declaration_def = (((label >> ':') | x3::attr(std::string())) >>
                              x3::lexeme[partial_sign >> any_name >> '('] >> (any_name % ',') >>
                              ')' >> '=' >> not_equal_sign) > sum;

const auto definition_def = (x3::lexeme[any_name >> '('] >> (any_name % ',') >> ')' >> assign_sign) > sum;

const auto assignment_def = (any_name >> assign_sign) > sum;

// Rules built by semantic actions wrap their right side in omit[]: the
// actions alone set _val, and X3 never tries to fit an alternative's
// attribute into the operand variant itself (which would drop it).
const auto expression_statement_def = positioned[
    x3::omit[(sum >> -((x3::lit("==") > sum) | (at_keyword > bindings)))[make_statement_tail]]];

const auto binding_def = any_name > '=' > sum;
const auto bindings_def = binding % ',';

// What can start an operand, by its first byte: an ASCII letter, digit, '.',
// '(', '[' or '|', or any non-ASCII character (√ ∂ ∇ α …, sorted out by the
// alternatives). Anything else (an operator, ')', ',', the end) fails at
// once instead of trying every alternative below it.
enum class operand_start {
    none,
    plain_letter,  ///< a word; not d or D, which may start d/dx or D[1](f)
    digit,         ///< or '.': a number
    open,          ///< ( or [
    other,         ///< |, d, D or a non-ASCII character: every alternative is tried
};
inline operand_start operand_start_of(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return c == 'd' || c == 'D' ? operand_start::other : operand_start::plain_letter;
    if (is_ascii_digit(c) || c == '.') return operand_start::digit;
    if (c == '(' || c == '[') return operand_start::open;
    if (c == '|' || static_cast<unsigned char>(c) >= 0x80) return operand_start::other;
    return operand_start::none;
}

/// True where an implicit factor may start: as an operand, but never with a
/// digit or '.' (`x 2` is not x·2), and '|' only outside an open |…|.
struct factor_start_parser : x3::parser<factor_start_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;
    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute&) const {
        Iterator p = first;
        skip(p, last, context);
        if (p == last) return false;
        switch (operand_start_of(*p)) {
        case operand_start::none:
        case operand_start::digit: return false;
        case operand_start::other: return *p != '|' || state_of(context).open_bars == 0;
        default: return true;
        }
    }
};
inline constexpr factor_start_parser starts_factor{};

// Not positioned[…]: a sum or term is the operand unary placed (which has
// its range) or a chain append built (which append gives its range).
const auto sum_def = x3::omit[into_value[term] >> *((additive_op > term)[push_sum])];

// implicit_factor checks its first byte itself, after skipping blanks in
// place as every failed attempt here always has (a statement's range
// reaches past trailing blanks because of it).
const auto term_def = x3::omit[into_value[unary] >> *((multiplicative_op > unary)[push_product] |
                                                      implicit_factor[push_juxtaposed])];

// What can only start a signed operand or an operator-form derivative: the
// common case (a name, number or parenthesis) goes straight to power.
struct may_be_prefixed_parser : x3::parser<may_be_prefixed_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;
    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute&) const {
        Iterator p = first;
        skip(p, last, context);
        if (p == last) return false;
        const char c = *p;
        // '-' '+' 'd' (d/dx), and the lead byte of '−' (U+2212) and '∂' (U+2202).
        return c == '-' || c == '+' || c == 'd' || c == '\xE2';
    }
};
inline constexpr may_be_prefixed_parser may_be_prefixed{};

// Only a signed operand needs positioned[…]: a prefix derivative is
// positioned by its rule, and a power has its range.
const auto unary_def = nest[x3::omit[
    (&may_be_prefixed >>
     (positioned[(sign_op > unary)[make_signed]] | into_value[prefix_derivative])) |
    into_value[power]]];

const auto exponent_def = unary;

/// True where an exponent may follow: a superscript right after the base
/// (always outside ASCII), or '^' or "**" after blanks. Most operands have
/// none, and the attempts at one each build and drop an operand.
struct exponent_start_parser : x3::parser<exponent_start_parser> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;
    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext&,
               Attribute&) const {
        if (first == last) return false;
        if (static_cast<unsigned char>(*first) >= 0x80) return true;
        Iterator p = first;
        skip(p, last, context);
        return p != last && (*p == '^' || (*p == '*' && last - p >= 2 && p[1] == '*'));
    }
};
inline constexpr exponent_start_parser may_start_exponent{};

// Not positioned[…]: the operand is primary's, which has its range, or a
// power make_power gave its range.
const auto power_def =
    x3::omit[into_value[primary] >>
             -(&may_start_exponent >> (superscript_token[make_power(true)] |
                                       (power_sign > exponent)[make_power(false)]))];

const auto implicit_factor_def = positioned[
    x3::omit[&starts_factor >> into_value[power]]];

inline constexpr auto root_sign =
    spellings_parser<std::uint8_t, 3>{{}, {{{"√", 2}, {"∛", 3}, {"∜", 4}}}};

/// Parses an operand with the alternative its first byte picks: a word, a
/// number or a group, each the only alternative that can match there, or
/// `others`, tried in order, for the rest. What cannot start an operand
/// fails at once.
template <class Word, class Number, class Group, class Others>
struct by_first_byte_parser : x3::parser<by_first_byte_parser<Word, Number, Group, Others>> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;
    Word word;
    Number number;
    Group group;
    Others others;

    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
               Attribute& attr) const {
        skip(first, last, context);
        if (first == last) return false;
        switch (operand_start_of(*first)) {
        case operand_start::plain_letter: return word.parse(first, last, context, rcontext, attr);
        case operand_start::digit: return number.parse(first, last, context, rcontext, attr);
        case operand_start::open: return group.parse(first, last, context, rcontext, attr);
        case operand_start::other: return others.parse(first, last, context, rcontext, attr);
        case operand_start::none: break;
        }
        return false;
    }
};
template <class Word, class Number, class Group, class Others>
constexpr auto by_first_byte(const Word& word, const Number& number, const Group& group,
                             const Others& others) {
    return by_first_byte_parser<typename x3::extension::as_parser<Word>::value_type,
                                typename x3::extension::as_parser<Number>::value_type,
                                typename x3::extension::as_parser<Group>::value_type,
                                typename x3::extension::as_parser<Others>::value_type>{
        {}, x3::as_parser(word), x3::as_parser(number), x3::as_parser(group), x3::as_parser(others)};
}

// A word, number or group has its range from its parser; only the rare
// forms built by actions are positioned[…].
const auto primary_def = nest[x3::omit[by_first_byte(
    into_value[word], into_value[number_token], into_value[group],
    positioned[into_value[vulgar_fraction_token] | into_value[absolute] | ((root_sign > power)[make_root]) |
               ((x3::lit("∇²") > power)[make_laplacian]) | ((x3::lit("∇") > power)[make_gradient]) |
               into_value[partial_call] |
               into_value[derivative] | ((partial_sign >> any_name)[make_differential]) |
               into_value[d_bracket] | into_value[word]])]];

const auto order_or_one = superscript_order | x3::attr(std::uint32_t(1));
const auto partial_variable_def = x3::lexeme[partial_sign >> any_name >> order_or_one];
const auto leibniz_variable_def = x3::lexeme['d' >> any_name >> order_or_one];

// ∂z/∂x, ∂²z/∂x∂y, ∂(x²y)/∂x; dz/dx, d²z/dx², d(x²)/dx.
const auto derivative_def = positioned[
    x3::omit[
    (x3::lexeme[partial_sign >> -superscript_order] >> power >> '/' >> +partial_variable)[make_fraction(false)] |
    (x3::lexeme['d' >> -superscript_order] >> leibniz_target >> '/' >>
     +leibniz_variable)[make_fraction(true)]]];

// ∂/∂x …, d/dx …: the operand is the rest of the expression.
const auto prefix_derivative_def = positioned[
    x3::omit[
    ((x3::lexeme[partial_sign >> -superscript_order] >> '/' >> +partial_variable) > sum)[make_prefix(false)] |
    ((x3::lexeme['d' >> -superscript_order] >> '/' >> +leibniz_variable) > sum)[make_prefix(true)]]];

const auto leibniz_target_def = positioned[
    x3::omit[x3::lexeme[any_name][set_val] | group[set_val]]];

const auto exponent_atom_def = positioned[
    x3::omit[((x3::lit('-') | "−") >> number_token)[make_negative_number] | number_token[set_val] |
             plain_name[set_val] | group[set_val]]];

BOOST_SPIRIT_DEFINE(statement_rule, check, check_sign, declaration, definition, assignment, expression_statement,
                    binding, bindings, sum, term, unary, exponent, power, primary, implicit_factor,
                    derivative, prefix_derivative, partial_variable, leibniz_variable,
                    exponent_atom, leibniz_target)

}  // namespace nabla::parser

