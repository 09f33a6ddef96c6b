// The derivative rule table (see rules.hpp): reading rule statements through
// the one grammar, validating them, and applying them to arguments.

#include "diff/rules.hpp"

#include "grammar/lower.hpp"
#include "grammar/parser.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>

namespace nabla::detail {

// Generated from grammar/*.rules by cmake/embed.cmake.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_rules();

namespace {

constexpr std::string_view builtin_file = "derivatives.rules";

// Lowering knows the parameters as plain names (no splitting of `kink`).
class rule_environment : public environment {};

// True if the code point at text[at] can be part of a name: ASCII letters,
// digits and '_', Latin and Greek letters, subscript digits (x₁).
bool is_name_char(std::string_view text, std::size_t at) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) return std::isalnum(c) || c == '_';
    // Back up to the lead byte, then decode.
    while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
    const auto b0 = static_cast<unsigned char>(text[at]);
    std::uint32_t cp = 0;
    if (b0 >= 0xC0 && b0 < 0xE0 && at + 1 < text.size()) cp = ((b0 & 0x1Fu) << 6) | (text[at + 1] & 0x3F);
    else if (b0 >= 0xE0 && b0 < 0xF0 && at + 2 < text.size())
        cp = ((b0 & 0x0Fu) << 12) | ((text[at + 1] & 0x3Fu) << 6) | (text[at + 2] & 0x3F);
    return (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x370 && cp <= 0x3FF) ||
           (cp >= 0x2080 && cp <= 0x2089);
}

// The offset of `word` as a whole identifier in text[begin, end), or `begin`.
std::size_t find_word(std::string_view text, std::size_t begin, std::size_t end, std::string_view word) {
    for (std::size_t at = text.find(word, begin); at != std::string_view::npos && at + word.size() <= end;
         at = text.find(word, at + 1)) {
        const bool left = at == 0 || !is_name_char(text, at - 1);
        const bool right = at + word.size() >= text.size() || !is_name_char(text, at + word.size());
        if (left && right) return at;
    }
    return begin;
}

[[noreturn]] void fail_at(std::string_view text, std::string_view source, std::size_t offset, std::string message) {
    throw make_parse_error(text, offset, std::move(message), source);
}

// Which nodes of the right side mention a differential.
using mentions = boost::unordered_flat_map<const node*, bool>;

// Checks that `rhs` is linear in the differentials: they occur only as terms
// or as plain factors (never inside a power or a function, never two in one
// product). Returns an empty string or the reason.
std::string check_linear(const expr& rhs, const std::vector<expr>& differentials) {
    mentions has;
    std::string problem;
    for_each_post_order(rhs.get(), [&](const node* n) {
        bool any = std::find_if(differentials.begin(), differentials.end(),
                                [&](const expr& d) { return d.get() == n; }) != differentials.end();
        std::size_t with = 0;
        for (const node* c : n->ops())
            if (has[c]) ++with;
        if (with > 0) {
            any = true;
            switch (n->kind) {
            case kind::sum: break;
            case kind::product:
                if (with > 1 && problem.empty()) problem = "the right side multiplies two differentials";
                for (const node* c : n->ops())
                    if (has[c] && c->is(kind::power) && problem.empty())
                        problem = "a differential is raised to a power";
                break;
            default:
                if (problem.empty()) problem = "a differential is inside a power or a function";
            }
        }
        has[n] = any;
    });
    return problem;
}

// Substitutes 1 for one differential and 0 for the others.
expr coefficient(const expr& rhs, const std::vector<expr>& differentials, std::size_t which) {
    substitution s;
    for (std::size_t i = 0; i < differentials.size(); ++i) s.emplace(differentials[i], i == which ? one() : zero());
    return subs(rhs, s);
}

}  // namespace

std::vector<expr> declared_partials(const expr& rhs, const std::vector<expr>& differentials, std::string& why) {
    if (why = check_linear(rhs, differentials); !why.empty()) {
        why = "the right side must be linear in the differentials: " + why;
        return {};
    }
    substitution none;
    for (const expr& d : differentials) none.emplace(d, zero());
    if (!subs(rhs, none).is_zero()) {
        why = "every term of the right side needs a differential (" + differentials.front().name() + ")";
        return {};
    }
    std::vector<expr> partials;
    for (std::size_t i = 0; i < differentials.size(); ++i) partials.push_back(coefficient(rhs, differentials, i));
    return partials;
}

namespace {

std::vector<derivative_rule> read_declarations(std::string_view text, std::string_view source,
                                               const std::vector<ast::derivative_declaration>& decls,
                                               bool builtin) {
    std::vector<derivative_rule> rules;
    std::map<std::string, std::size_t, std::less<>> by_label, by_function;  // → offset of first
    auto fail = [&](std::size_t offset, std::string message) { fail_at(text, source, offset, std::move(message)); };
    const expr kink = kink_symbol();
    for (const ast::derivative_declaration& d : decls) {
        derivative_rule rule;
        rule.label = d.label;
        rule.function = normalize_name(d.function.text);
        const auto elementary = find_function(rule.function);
        if (builtin) {
            if (!elementary) fail(d.function.begin, "unknown function '" + rule.function + "'");
            if (function_arity(*elementary) != static_cast<int>(d.parameters.size()))
                fail(d.function.begin, rule.function + " takes " + std::to_string(function_arity(*elementary)) +
                                           (function_arity(*elementary) == 1 ? " argument" : " arguments") +
                                           ", the rule has " + std::to_string(d.parameters.size()));
        } else if (elementary) {
            fail(d.function.begin, "the derivative of " + rule.function + " is built in");
        }
        if (!rule.label.empty()) {
            auto [it, fresh] = by_label.emplace(rule.label, d.begin);
            if (!fresh)
                fail(d.begin, "duplicate rule name '" + rule.label + "' (first on line " +
                                  std::to_string(locate(text, it->second).line) + ")");
        } else if (builtin) {
            fail(d.begin, "a built-in rule needs a name (d-" + rule.function + ":)");
        }
        {
            auto [it, fresh] = by_function.emplace(rule.function, d.function.begin);
            if (!fresh)
                fail(d.function.begin, "second rule for " + rule.function + " (first on line " +
                                           std::to_string(locate(text, it->second).line) + ")");
        }

        // The right side's text: after the '=' that follows the parameters.
        const std::size_t after_params = d.parameters.empty() ? d.function.end : d.parameters.back().end;
        const std::size_t equals = text.find('=', after_params);
        const std::size_t rhs_begin = equals == std::string_view::npos ? d.begin : equals + 1;
        const std::size_t rhs_end = d.end;

        std::vector<expr> differentials;
        for (const ast::name& p : d.parameters) {
            const std::string name = normalize_name(p.text);
            const expr s = symbol(name);
            if (std::find(rule.parameters.begin(), rule.parameters.end(), s) != rule.parameters.end())
                fail(p.begin, "parameter '" + name + "' appears twice");
            if (builtin && s == kink) fail(p.begin, "'kink' is reserved for the min/max convention");
            rule.parameters.push_back(s);
            differentials.push_back(differential_symbol(name));
        }

        lower_options lo;
        lo.allow_differentials = true;
        lo.split_names = false;
        lo.origin = source;
        const expr rhs = lower(d.rhs, text, rule_environment{}, nullptr, lo);

        for (const expr& s : free_symbols(rhs)) {
            const bool known = std::find(rule.parameters.begin(), rule.parameters.end(), s) != rule.parameters.end() ||
                               std::find(differentials.begin(), differentials.end(), s) != differentials.end() ||
                               (builtin && s == kink);
            if (known) continue;
            const std::string& n = s.name();
            const std::size_t at = find_word(text, rhs_begin, rhs_end,
                                             n.rfind("∂", 0) == 0 ? std::string_view(n).substr(3) : n);
            if (n.rfind("∂", 0) == 0)
                fail(at, "'" + n + "' is not the differential of a parameter of " + rule.function);
            fail(at, "unknown pattern variable '" + n + "' (the parameters are " + [&] {
                     std::string list;
                     for (const expr& p : rule.parameters) list += (list.empty() ? "" : ", ") + p.name();
                     return list;
                 }() + ")");
        }
        std::string why;
        rule.partials = declared_partials(rhs, differentials, why);
        if (!why.empty()) fail(rhs_begin, why);

        std::string_view written = text.substr(d.begin, d.end - d.begin);
        if (const std::size_t at = written.find("∂"); at != std::string_view::npos) written.remove_prefix(at);
        rule.formula = std::string(written);
        rules.push_back(std::move(rule));
    }
    if (builtin) {
#define NABLA_FUNCTION(id, name, arity)                                                        \
    if (!by_function.count(name)) fail(text.size(), "no rule for the elementary function " name);
#include <nabla/functions.inc>
#undef NABLA_FUNCTION
    }
    return rules;
}

struct builtin_table {
    std::vector<derivative_rule> rules;
    std::vector<const derivative_rule*> by_function;  // indexed by nabla::function
};

const builtin_table& builtins() {
    static const builtin_table table = [] {
        builtin_table t;
        for (const auto& [name, text] : embedded_rules())
            if (name == builtin_file) t.rules = read_rules(text, name, true);
        if (t.rules.empty()) throw error("the rule file " + std::string(builtin_file) + " is missing");
        std::size_t count = 0;
#define NABLA_FUNCTION(id, name, arity) ++count;
#include <nabla/functions.inc>
#undef NABLA_FUNCTION
        t.by_function.assign(count, nullptr);
        for (const derivative_rule& r : t.rules)
            t.by_function[static_cast<std::size_t>(*find_function(r.function))] = &r;
        return t;
    }();
    return table;
}

struct user_table {
    std::shared_mutex mutex;
    std::map<std::string, std::shared_ptr<const derivative_rule>, std::less<>> rules;
};
user_table& users() {
    static user_table table;
    return table;
}

}  // namespace

const expr& kink_symbol() {
    static const expr k = symbol("kink");
    return k;
}

expr kink_weight(kink_convention c) {
    switch (c) {
    case kink_convention::average: return half();
    case kink_convention::first: return one();
    case kink_convention::second: return zero();
    }
    return half();
}

const std::vector<derivative_rule>& builtin_rules() { return builtins().rules; }

const derivative_rule& builtin_rule(nabla::function f) { return *builtins().by_function[static_cast<std::size_t>(f)]; }

std::shared_ptr<const derivative_rule> user_rule(std::string_view name) {
    user_table& t = users();
    std::shared_lock lock(t.mutex);
    auto it = t.rules.find(name);
    return it == t.rules.end() ? nullptr : it->second;
}

void set_user_rule(derivative_rule rule) {
    user_table& t = users();
    auto p = std::make_shared<const derivative_rule>(std::move(rule));
    std::unique_lock lock(t.mutex);
    t.rules[p->function] = std::move(p);
}

void erase_user_rule(std::string_view name) {
    user_table& t = users();
    std::unique_lock lock(t.mutex);
    if (auto it = t.rules.find(name); it != t.rules.end()) t.rules.erase(it);
}

std::vector<derivative_rule> read_rules(std::string_view text, std::string_view source, bool builtin) {
    if (builtin) return read_declarations(text, source, parse_rule_file(text, source), true);
    program p = parse_program(text, {}, source);
    std::vector<ast::derivative_declaration> decls;
    for (const ast::statement& s : p.statements) {
        if (const auto* d = boost::get<ast::derivative_declaration>(&s.get())) {
            decls.push_back(*d);
            continue;
        }
        const std::size_t at = boost::apply_visitor([](const auto& st) -> std::size_t { return st.begin; }, s.get());
        throw make_parse_error(text, at, "expected a derivative declaration such as ∂f(u) = g(u)·∂u", source);
    }
    return read_declarations(text, source, decls, false);
}

expr instantiate(const derivative_rule& rule, std::size_t k, std::span<const node* const> args,
                 const expr& kink_weight) {
    const expr& t = rule.partials[k];
    if (t.is_number()) return t;
    substitution s;
    for (std::size_t i = 0; i < rule.parameters.size(); ++i) s.emplace(rule.parameters[i], expr::share(args[i]));
    s.emplace(kink_symbol(), kink_weight);
    return subs(t, s);
}

}  // namespace nabla::detail
