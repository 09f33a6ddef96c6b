// Lowering: the syntax tree becomes an expression DAG. Names are resolved
// here, with the environment, because only here is it known whether `f(x)`
// calls a function or `x(y + 1)` multiplies, and whether `xy` is one name.

#include "grammar/lower.hpp"

#include "grammar/deep_stack.hpp"
#include "grammar/unicode.hpp"

#include <nabla/diff.hpp>
#include <nabla/print.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/container/static_vector.hpp>
#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <span>
#include <string>

namespace nabla::detail {

namespace x3 = boost::spirit::x3;

namespace {

// The session's commands; one list (the session's command table holds
// their help). Inside an expression only `diff` lowers (it is scalar).
constexpr std::array<std::string_view, 12> commands = {
    "diff", "grad", "hessian", "jacobian", "laplacian", "directional", "eval", "subs", "expand", "simplify",
    "explain", "check"};

// Greek letter names stay whole names (`theta` is not t·h·e·t·a). Not mu,
// nu and chi: their letters are in alphabetical order, so they are how the
// printer writes the products m·u, n·u and c·h·i (write μ, ν, χ).
constexpr std::array<std::string_view, 32> greek_names = {
    "alpha", "beta",    "gamma", "delta", "epsilon", "zeta",  "eta",   "theta", "iota",
    "kappa", "lambda",  "xi",    "omicron", "rho", "sigma", "tau", "upsilon", "phi",
    "psi",   "omega",   "Gamma", "Delta", "Theta", "Lambda", "Xi",  "Pi",    "Sigma",
    "Upsilon", "Phi",   "Psi",   "Omega", "varphi"};

// One-letter names read as functions before '(' when nothing else says so:
// f(x + 1) calls f, x(y + 1) multiplies.
constexpr std::string_view function_letters = "fghFGH";

// Integers longer than this are refused: converting text to a big integer
// is quadratic, and no one types a 20,000-digit number.
constexpr std::size_t max_integer_digits = 20000;

// ∂ⁿ notation lists the variable n times: beyond this it is more likely a
// typo than a wish.
constexpr std::uint32_t max_derivative_order = 100000;
constexpr const char* order_too_large = "derivative order is too large (the limit is 100000)";

template <class T, std::size_t N>
bool contains_name(const std::array<T, N>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

const written_function* find_written_function(std::string_view name) noexcept {
    for (const written_function& w : written_functions)
        if (w.name == name) return &w;
    return nullptr;
}

// The known function a misspelt name probably meant ("sni" → "sin").
std::string_view suggestion_for(std::string_view name) {
    if (name.size() < 2 || name.size() > 8) return {};
    std::string_view best;
    std::size_t best_distance = name.size() <= 3 ? 1 : 2;
    auto consider = [&](std::string_view known) {
        const std::size_t d = edit_distance(name, known);
        // A transposition ("sni") counts as one edit.
        std::size_t t = d;
        if (name.size() == known.size()) {
            std::size_t diff = 0, first = 0;
            for (std::size_t i = 0; i < name.size(); ++i)
                if (name[i] != known[i]) {
                    if (!diff) first = i;
                    ++diff;
                }
            if (diff == 2 && first + 1 < name.size() && name[first] == known[first + 1] &&
                name[first + 1] == known[first])
                t = 1;
        }
        if (std::min(d, t) <= best_distance && (best.empty() || std::min(d, t) < best_distance)) {
            best = known;
            best_distance = std::min(d, t);
        }
    };
#define NABLA_FUNCTION(id, text, arity) consider(text);
#include <nabla/functions.inc>
#undef NABLA_FUNCTION
    for (const written_function& w : written_functions) consider(w.name);
    return best;
}

// Splits an unknown multi-letter name into one-letter names, each keeping
// the digits that follow it: xy → x, y; x1y2 → x1, y2. Empty when the
// name stays whole.
std::vector<std::string> split_name(std::string_view name) {
    // One ASCII letter, maybe with digits (x, x12): nothing to split.
    if (!name.empty() && static_cast<unsigned char>(name[0]) < 0x80 &&
        std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return {};
    // A Greek name, with an index or not (theta, theta1 from θ written out).
    const std::string_view letters = name.substr(0, name.find_last_not_of("0123456789") + 1);
    if (contains_name(greek_names, letters) || name.find('_') != std::string::npos) return {};
    std::vector<std::string> parts;
    const char* p = name.data();
    const char* last = p + name.size();
    while (p != last) {
        int len = 0;
        const char32_t c = unicode::decode(p, last, len);
        if (unicode::is_letter(c)) {
            if (parts.size() >= max_split_letters) return {};
            parts.emplace_back(p, std::size_t(len));
        } else if (!parts.empty() && ((c >= '0' && c <= '9'))) {
            parts.back().append(p, std::size_t(len));
        } else {
            return {};
        }
        p += len;
    }
    return parts;
}

// The base of a logarithm written as a name (log₂, log_2, log10, log_b), or
// empty: nabla writes that logarithm log(x, b), and such a name is an error
// that says so rather than a product of its letters.
std::string logarithm_base(std::string_view name) {
    if (name.size() <= 3 || !name.starts_with("log")) return {};
    std::string_view rest = name.substr(3);
    if (rest.front() == '_') return std::string(rest.substr(1));
    if (rest.find_first_not_of("0123456789") == std::string_view::npos) return std::string(rest);
    return {};
}

const ast::expression* as_chain(const ast::operand& o) {
    const auto* e = std::get_if<ast::boxed<ast::expression>>(&o.get());
    return e ? &e->get() : nullptr;
}

// A built-in function, sqrt or a command: never a product before '('.
bool names_function(std::string_view name) {
    return find_function(name) || is_written_function(name) || is_command(name);
}

}  // namespace

bool is_written_function(std::string_view name) noexcept { return find_written_function(name) != nullptr; }

expr apply_written_function(std::string_view name, const expr& argument) {
    const written_function* w = find_written_function(name);
    if (!w || !w->reciprocal_of) return sqrt(argument);
    return pow(nabla::apply(*w->reciprocal_of, {argument}), -1);
}

std::string written_function_reading(std::string_view name, std::string_view argument) {
    const written_function* w = find_written_function(name);
    if (!w || !w->reciprocal_of) return {};
    return "1/" + std::string(function_name(*w->reciprocal_of)) + "(" + std::string(argument) + ")";
}

bool applies_to_next_letter(std::string_view name) {
    if (is_written_function(name)) return true;
    const std::optional<function> fn = find_function(name);
    return fn && function_arity(*fn) == 1;
}

bool reads_as_one_word(std::string_view name) {
    return names_function(name) || name == "ln" || name == "at" || name == "pi" || split_name(name).size() < 2;
}

bool name_before_paren_multiplies(std::string_view name, bool split_names) {
    if (name.empty()) return true;  // 2.5(x + 1): no name, nothing to call
    if (names_function(name)) return false;
    if (name == "e" || name == "pi" || name == "π") return true;
    // A run of letters is a product, as printed (xy(x + 1), x₁α(x − 1)),
    // except a plain word of four or more ASCII letters, which is an
    // undefined function (sigmoid(u), relu(x)).
    // A near miss of a function name is a typo to report (sni(x)), but
    // not a short run of letters in alphabetical order: that is how the
    // printer writes a product (a·n·(c + z) prints an(c + z)).
    const bool sorted_letters = name.size() <= 3 && std::is_sorted(name.begin(), name.end());
    if (!sorted_letters && !suggestion_for(name).empty()) return false;
    if (split_names) {
        if (auto parts = split_name(name); parts.size() > 1) {
            const bool plain_word = std::all_of(name.begin(), name.end(), [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
            });
            return parts.size() <= 3 || !plain_word;
        }
    }
    // One letter (with digits: x1(y + 1) multiplies too).
    const char* p = name.data();
    const char* last = p + name.size();
    int len = 0;
    const char32_t first = unicode::decode(p, last, len);
    for (const char* q = p + len; q != last; ++q)
        if (*q < '0' || *q > '9') return false;
    return !(first < 0x80 && function_letters.find(char(first)) != std::string_view::npos);
}

namespace {

// The operands of one sum or product chain, held in place: most chains are
// short, and a std::vector allocated for every one of them.
using chain_operands = boost::container::small_vector<expr, 8>;

// The session's names, except that the variables of a derivative stand for
// themselves: after x = 3, ∂/∂x x² differentiates x² and is then taken at 3.
class shadowing_environment final : public environment {
public:
    shadowing_environment(const environment& inner, std::span<const std::string> names)
        : inner_(inner), names_(names) {}
    std::optional<expr> variable(std::string_view name) const override {
        if (std::find(names_.begin(), names_.end(), name) != names_.end()) return symbol(name);
        return inner_.variable(name);
    }
    const user_function* function(std::string_view name) const override { return inner_.function(name); }
    std::string unavailable(std::string_view name) const override { return inner_.unavailable(name); }

private:
    const environment& inner_;
    std::span<const std::string> names_;
};

class lowerer {
public:
    lowerer(std::string_view source, const environment& env, std::vector<note>* notes,
            const lower_options& options)
        : source_(source), env_(env), notes_(notes), options_(options) {}

    expr operand(const ast::operand& o) {
        if (++depth_ > options_.max_depth * 2 + 8) fail(0, "input nests too deeply");
        struct leave {
            std::size_t& d;
            ~leave() { --d; }
        } guard{depth_};
        try {
            return std::visit([this](const auto& n) { return this->node(n); }, o.get());
        } catch (const parse_error&) {
            throw;
        } catch (const domain_error& e) {
            // The innermost operand whose node could not be built is the
            // spot: log(0), asin(2), 0⁻¹ get a caret as 1/0 does.
            fail_at(ast::range_of(o).begin, e.what(), parse_error::cause::domain);
        } catch (const limit_error& e) {
            // 2^(2^20), expand((x + 1)^(10^6)): the same.
            fail_at(ast::range_of(o).begin, e.what(), parse_error::cause::limit);
        }
    }

private:
    [[noreturn]] void fail(std::size_t offset, std::string message) const {
        throw make_parse_error(source_, offset, std::move(message), options_.origin);
    }
    [[noreturn]] void fail_at(std::size_t offset, std::string message, parse_error::cause why) const {
        const parse_error e = make_parse_error(source_, offset, std::move(message), options_.origin);
        throw parse_error(e.what(), e.message(), e.line(), e.column(), e.offset(), e.source_line(), why);
    }
    std::string_view text(std::uint32_t begin, std::uint32_t end) const {
        if (begin > end || end > source_.size()) return {};
        return source_.substr(begin, end - begin);
    }
    void add_note(std::uint32_t begin, std::uint32_t end, std::string text) {
        if (notes_) notes_->push_back(note{begin, end, std::move(text)});
    }

    // ---------------------------------------------------------------- leaves

    expr node(const ast::nil&) { fail(0, "expected an expression"); }

    expr node(const ast::number& n) {
        if (n.is_integer) {
            std::string_view digits = n.text;
            while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
            if (digits.size() > max_integer_digits)
                fail(n.begin, "number is too long (" + std::to_string(digits.size()) +
                                  " digits; the limit is " + std::to_string(max_integer_digits) + ")");
            if (digits.size() <= 18) {
                // Fits a long long; the grammar read only digits, so there
                // is nothing for from_chars to check.
                long long v = 0;
                for (const char digit : digits) v = v * 10 + (digit - '0');
                return expr(v);
            }
            return integer(digits);
        }
        double v = 0;
        const char* first = n.text.data();
        const char* last = first + n.text.size();
        const auto [end, ec] = std::from_chars(first, last, v);
        if (ec == std::errc::result_out_of_range) {
            const auto epos = n.text.find_first_of("eE");
            const bool negative_exponent = epos != std::string::npos && epos + 1 < n.text.size() &&
                                           n.text[epos + 1] == '-';
            fail(n.begin, negative_exponent ? "number underflows to zero" : "number overflows");
        }
        if (ec != std::errc() || end != last) fail(n.begin, "malformed number '" + n.text + "'");
        return real(v);
    }

    expr node(const ast::name& n) { return name_value(n, true); }

    // A name in a value position.
    expr name_value(const ast::name& n, bool may_split) {
        if (is_plain_letter_name(n.text)) return plain_letter_value(n);
        std::vector<expr> factors = name_factors(n, may_split);
        return factors.size() == 1 ? factors.front() : mul(factors);
    }

    // One ASCII letter with optional digits (x, y2): the common name. It has
    // nothing to normalize or split and is never a function or command
    // name, so it skips those lookups (and name_factors' vector).
    static bool is_plain_letter_name(std::string_view name) {
        if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
            return false;
        for (std::size_t i = 1; i < name.size(); ++i)
            if (name[i] < '0' || name[i] > '9') return false;
        return true;
    }

    // A variable's stored value, with the names assigned since it was
    // stored taken at their values: after C = (w − 3)² and w = 0, C is 9,
    // and ∂C/∂w₁ of a cost C is a number once the weights and data have
    // values. A variable of differentiation stays a symbol (the environment
    // says so), and a name in its own value stays (x = x + 1). Noted.
    expr current_value(std::string_view name, const expr& stored, const ast::name& n) {
        if (stored.is_number() || !options_.current_values) return stored;
        if (const auto cached = current_.find(name); cached != current_.end()) return cached->second;
        substitution now;
        std::string shown;
        for (const expr& s : free_symbols(stored)) {
            if (s.name() == name) continue;
            const std::optional<expr> value = env_.variable(s.name());
            if (!value || *value == s) continue;
            now.emplace(s, *value);
            shown += (shown.empty() ? "" : ", ") + to_string(s, style::unicode) + " = " + to_string(*value, style::unicode);
        }
        expr value = now.empty() ? stored : subs(stored, now);
        if (!now.empty()) add_note(n.begin, n.end, "its value with " + shown + " (assigned since)");
        current_.emplace(std::string(name), value);
        return value;
    }

    // name_factors' answer for a plain letter name, in the same order of
    // checks. The name is already normalized: its symbol is made directly,
    // where symbol() would search it for '_' and subscripts first.
    expr plain_letter_value(const ast::name& n) {
        const std::string_view name = n.text;
        if (auto v = env_.variable(name)) return current_value(name, *v, n);
        if (env_.function(name))
            fail(n.begin, "'" + n.text + "' is a function; call it like " + n.text + "(…)");
        if (name == "e") return e();
        if (std::optional<expr>* cached = use(name, false, n.begin)) {
            // x in x²y + 3x: the symbol is looked up once per expression.
            if (!*cached) *cached = detail::make_symbol(name);
            return **cached;
        }
        return detail::make_symbol(name);
    }

    // sinx, cosθ, expx1, sqrtx: a one-argument function's name run into a
    // one-letter variable is that function of it, as handwriting reads it
    // (and as `sin x` does), not a product of five letters.
    struct function_of_letter {
        std::optional<function> fn;  // empty: a written function (sqrt, sec)
        expr argument;
        std::string function_text, letter_text;  // as written: "sin", "x1"
        expr applied_to(const expr& argument_value) const {
            return fn ? nabla::apply(*fn, {argument_value}) : apply_written_function(function_text, argument_value);
        }
    };
    std::optional<function_of_letter> read_function_of_letter(const std::string& name, const ast::name& n,
                                                              bool with_note = true) {
        if (!options_.split_names) return std::nullopt;
        const std::size_t letter_end = name.find_last_not_of("0123456789") + 1;
        std::size_t letter_begin = letter_end;
        while (letter_begin > 0 && (static_cast<unsigned char>(name[letter_begin - 1]) & 0xC0) == 0x80) --letter_begin;
        if (letter_begin == 0) return std::nullopt;
        --letter_begin;  // the first byte of the last code point before the digits
        const std::string function_part = name.substr(0, letter_begin);
        if (!applies_to_next_letter(function_part)) return std::nullopt;
        const std::optional<function> fn = find_function(function_part);
        const char* p = name.data() + letter_begin;
        int length = 0;
        if (!unicode::is_letter(unicode::decode(p, name.data() + letter_end, length)) ||
            letter_begin + static_cast<std::size_t>(length) != letter_end)
            return std::nullopt;
        ast::name argument_name;
        argument_name.text = name.substr(letter_begin);
        argument_name.begin = n.begin;
        argument_name.end = n.end;
        if (with_note)
            add_note(n.begin, n.end,
                     std::string(text(n.begin, n.end)) + " read as " + function_part + "(" + argument_name.text + ")");
        return function_of_letter{fn, name_value(argument_name, false), function_part, argument_name.text};
    }

    // The factors a name stands for: one, or the letters of a split name.
    std::vector<expr> name_factors(const ast::name& n, bool may_split) {
        if (is_plain_letter_name(n.text)) return {plain_letter_value(n)};
        const std::string name = normalize_name(n.text);
        if (auto v = env_.variable(name)) return {current_value(name, *v, n)};
        if (const std::string why = env_.unavailable(name); !why.empty()) fail(n.begin, why);
        if (env_.function(name))
            fail(n.begin, "'" + name + "' is a function; call it like " + name + "(…)");
        if (is_command(name))
            fail(n.begin, "'" + name + "' is a command; use it as a whole statement, like " +
                              (name == "explain" ? "explain ∂z/∂x or explain(z, x)"
                               : name == "check" ? "check ∂z/∂x == 4xy"
                                                 : name + "(…)"));
        if (find_function(name) || is_written_function(name))
            fail(n.begin, "'" + name + "' needs an argument, like " + name + "(x)");
        if (name == "pi" || name == "π") return {pi()};
        if (name == "e") return {e()};
        if (const std::string base = logarithm_base(name); !base.empty())  // log₂ x, log_b x
            fail(n.begin, "'" + name + "' is not a name here: for the logarithm to base " + base + " write log(x, " +
                              base + ")");
        if (may_split && options_.split_names) {
            if (auto read = read_function_of_letter(name, n)) return {read->applied_to(read->argument)};
            if (auto parts = split_name(name); parts.size() > 1) {
                std::vector<expr> factors;
                std::string shown;
                for (const auto& part : parts) shown += (shown.empty() ? "" : "·") + to_string(symbol(part), style::unicode);
                for (const auto& part : parts) {
                    // 'undefined' after f(x) = …: say why a letter fails, not only that 'f' does.
                    if (env_.function(part))
                        fail(n.begin, "'" + name + "' reads as " + shown + ", and '" + part +
                                          "' is a function; call it like " + part + "(…)");
                    ast::name piece;
                    piece.text = part;
                    piece.begin = n.begin;
                    piece.end = n.end;
                    factors.push_back(name_value(piece, false));
                }
                // x₁w₁ is x₁·w₁ as anyone reads it: an index ends a name. A
                // run of letters (xy, xw₁) is the reading worth a note.
                const bool indices_end_names = std::all_of(parts.begin(), parts.end() - 1, [](const std::string& p) {
                    return p.back() >= '0' && p.back() <= '9';
                });
                if (!indices_end_names) add_note(n.begin, n.end, std::string(text(n.begin, n.end)) + " read as " + shown);
                return factors;
            }
        }
        use(name, false, n.begin);
        return {symbol(name)};
    }

    // Names are a few bytes long: comparing them in a loop costs less than
    // the call to memcmp that operator== makes.
    static bool same_text(std::string_view a, std::string_view b) noexcept {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i] != b[i]) return false;
        return true;
    }

    // Tracks undefined names used as functions and as variables: one name
    // cannot be both in one expression.
    // Returns the slot that caches the name's symbol while it is in the
    // short list (nullptr past it).
    std::optional<expr>* use(std::string_view name, bool as_function, std::uint32_t at) {
        const bool* seen = nullptr;
        std::optional<expr>* slot = nullptr;
        for (auto& used : few_uses_)
            if (same_text(used.name(), name)) {
                seen = &used.as_function;
                slot = &used.symbol;
                break;
            }
        if (!seen && !many_uses_.empty())
            if (auto it = many_uses_.find(name); it != many_uses_.end()) seen = &it->second;
        if (seen) {
            if (*seen != as_function)
                fail(at, "'" + std::string(name) + "' is used both as a function and as a variable");
            return slot;
        }
        if (few_uses_.size() < few_names && name.size() <= used_name::max_bytes) {
            // In place, never moved: the slots handed out stay where they are.
            used_name& used = few_uses_.emplace_back();
            std::copy(name.begin(), name.end(), used.text.begin());
            used.size = std::uint8_t(name.size());
            used.as_function = as_function;
            return &used.symbol;
        }
        many_uses_.emplace(std::string(name), as_function);
        return nullptr;
    }

    // ---------------------------------------------------------------- operators

    expr node(const ast::boxed<ast::signed_>& s) {
        expr v = operand(s.get().value);
        return s.get().negative ? -v : v;
    }

    expr node(const ast::boxed<ast::expression>& chain) {
        const ast::expression& e = chain.get();
        if (e.rest.empty()) return operand(e.first);
        const ast::op first_op = e.rest.front().op;
        if (first_op == ast::op::add || first_op == ast::op::subtract) {
            // a + b: the two-term sum needs no vector (add copies it again).
            if (e.rest.size() == 1) {
                expr a = operand(e.first);
                return a + sum_term(e.rest.front());
            }
            chain_operands terms;
            terms.push_back(operand(e.first));
            for (const auto& step : e.rest) terms.push_back(sum_term(step));
            return make_sum(std::span<const expr>(terms.data(), terms.size()));
        }
        return product(e, false);
    }

    // One `+ v` or `− v` step of a sum, as a term.
    expr sum_term(const ast::operation& step) {
        if (step.op != ast::op::subtract) return operand(step.value);
        if (const ast::expression* p = as_chain(step.value);
            p && !p->grouped && !p->rest.empty() && p->rest.front().op != ast::op::add &&
            p->rest.front().op != ast::op::subtract) {
            // a − 86w⁴z⁵: −1 joins the product's factors, one product
            // instead of the product and then its negation (the same node).
            if (++depth_ > options_.max_depth * 2 + 8) fail(0, "input nests too deeply");
            struct leave {
                std::size_t& d;
                ~leave() { --d; }
            } guard{depth_};
            return product(*p, true);
        }
        return -operand(step.value);
    }

    // A product chain (·, /, juxtaposition), negated when `negate` is set.
    expr product(const ast::expression& e, bool negate) {
        chain_operands factors;
        if (negate) factors.push_back(expr(-1));
        // −(x + 1)/y: the sign is a factor of the product, as printed.
        const auto* sign = std::get_if<ast::boxed<ast::signed_>>(&e.first.get());
        if (sign && sign->get().negative) {
            factors.push_back(expr(-1));
            factors.push_back(operand(sign->get().value));
        } else {
            factors.push_back(operand(e.first));
        }
        for (std::size_t i = 0; i < e.rest.size(); ++i) {
            const auto& step = e.rest[i];
            if (step.op == ast::op::divide) {
                // a/(b·c) is a·b⁻¹·c⁻¹: dividing factor by factor keeps a
                // sum inside the divisor whole (8/(7(x + 1)) is not 8/(7x + 7)).
                divide_by(step.value, step.begin, factors);
                if (i + 1 < e.rest.size() && e.rest[i + 1].op == ast::op::juxtapose) {
                    const auto& next = e.rest[i + 1];
                    add_note(e.begin, next.end,
                             std::string(text(e.begin, next.end)) + " read as (" +
                                 std::string(text(e.begin, step.end)) + ")·" +
                                 std::string(text(next.begin, next.end)));
                }
            } else {
                factors.push_back(product_operand(step.value));
            }
        }
        // a·b: operator* builds the same node as mul, with less bookkeeping.
        if (factors.size() == 2) return factors[0] * factors[1];
        return make_product(std::span<const expr>(factors.data(), factors.size()));
    }

    void divide_by(const ast::operand& divisor, std::uint32_t at, chain_operands& factors) {
        const ast::expression* chain = as_chain(divisor);
        const bool product = chain && !chain->rest.empty() &&
                             chain->rest.front().op != ast::op::add &&
                             chain->rest.front().op != ast::op::subtract;
        if (!product) {
            expr d = operand(divisor);
            if (d.is_zero()) fail_at(at, "division by zero", parse_error::cause::domain);
            factors.push_back(pow(d, expr(-1)));
            return;
        }
        divide_by(chain->first, at, factors);
        for (const auto& step : chain->rest) {
            if (step.op == ast::op::divide) factors.push_back(operand(step.value));
            else divide_by(step.value, step.begin, factors);
        }
    }

    // A juxtaposed or multiplied operand.
    expr product_operand(const ast::operand& o) { return operand(o); }

    expr node(const ast::boxed<ast::power>& pw) {
        const ast::power& p = pw.get();
        // The power binds tighter than juxtaposition, so it takes only the
        // nearest factor: xy² is x·y², x(y + 1)² is x·(y + 1)², and
        // x^x(log(x) + 1) is x^x·(log(x) + 1).
        std::vector<expr> factors;
        expr base;
        const auto* base_name = std::get_if<ast::name>(&p.base.get());
        if (base_name && is_plain_letter_name(base_name->text)) {
            // x², w^5: one base and one exponent, no product around them.
            base = plain_letter_value(*base_name);
            if (!std::get_if<ast::boxed<ast::call>>(&p.exponent.get()) &&
                !std::get_if<ast::boxed<ast::power>>(&p.exponent.get()))
                return power_of(base, operand(p.exponent));
        } else if (const auto* n = base_name) {
            // sinx²: the power takes the nearest letter, as in sin x² and xy².
            const std::string name = normalize_name(n->text);
            if (!env_.variable(name) && !env_.function(name))
                if (auto read = read_function_of_letter(name, *n, false)) {
                    // A grouped exponent's range ends before its ')': take
                    // the closing parentheses it opened.
                    std::uint32_t end = p.end;
                    for (int open = 0;;) {
                        const std::string_view written = text(n->end, end);
                        open = int(std::count(written.begin(), written.end(), '(')) -
                               int(std::count(written.begin(), written.end(), ')'));
                        if (open <= 0 || end >= source_.size() || source_[end] != ')') break;
                        ++end;
                    }
                    add_note(p.begin, end,
                             std::string(text(p.begin, end)) + " read as " + read->function_text + "(" +
                                 read->letter_text + std::string(text(n->end, end)) + ")");
                    return read->applied_to(power_of(read->argument, operand(p.exponent)));
                }
            factors = name_factors(*n, true);
            base = factors.back();
            factors.pop_back();
        } else if (const ast::call* c = multiplying_call(p.base)) {
            factors.push_back(name_value(c->function, true));
            base = operand(c->args.front().value);
        } else {
            base = operand(p.base);
        }
        const auto* inner = std::get_if<ast::boxed<ast::power>>(&p.exponent.get());
        if (const ast::call* c = multiplying_call(p.exponent)) {
            factors.push_back(power_of(base, name_value(c->function, true)));
            factors.push_back(operand(c->args.front().value));
        } else if (const ast::call* ic = inner ? multiplying_call(inner->get().base) : nullptr) {
            // w^x(x + 1)²: w^x·(x + 1)².
            factors.push_back(power_of(base, name_value(ic->function, true)));
            factors.push_back(power_of(operand(ic->args.front().value), operand(inner->get().exponent)));
        } else {
            expr powered = power_of(base, operand(p.exponent));
            if (factors.empty()) return powered;
            factors.push_back(std::move(powered));
        }
        return factors.size() == 1 ? factors.front() : mul(factors);
    }

    // The call node of `x(…)` when it multiplies (see call_multiplies).
    const ast::call* multiplying_call(const ast::operand& o) const {
        const auto* c = std::get_if<ast::boxed<ast::call>>(&o.get());
        return c && call_multiplies(c->get()) ? &c->get() : nullptr;
    }

    static expr power_of(const expr& base, const expr& exponent) {
        if (base.kind() == kind::constant && base.constant() == constant::e) return exp(exponent);
        return pow(base, exponent);
    }

    // ---------------------------------------------------------------- calls

    // True when `name(args)` multiplies: the name is a variable, or an
    // unknown name that name_before_paren_multiplies reads as a product.
    bool call_multiplies(const ast::call& c) const {
        if (c.primes || !c.partials.empty() || c.args.size() != 1 || !c.args[0].keyword.text.empty())
            return false;
        const std::string name = normalize_name(c.function.text);
        if (env_.function(name) || has_declared_derivative(name)) return false;
        if (env_.variable(name) && !names_function(name)) return true;
        return name_before_paren_multiplies(name, options_.split_names);
    }

    template <class Arguments = std::vector<expr>>
    Arguments positional(const ast::call& c, const std::string& name) {
        Arguments args;
        args.reserve(c.args.size());
        for (const auto& a : c.args) {
            if (!a.keyword.text.empty())
                fail(a.keyword.begin, "keyword arguments like '" + a.keyword.text +
                                          "=…' are for commands; '" + name + "' takes values");
            args.push_back(operand(a.value));
        }
        return args;
    }

    void check_arity(const ast::call& c, const std::string& name, std::size_t expected) const {
        if (c.args.size() == expected) return;
        fail(c.function.begin, "'" + name + "' takes " + std::to_string(expected) + " argument" +
                                   (expected == 1 ? "" : "s") + ", got " +
                                   std::to_string(c.args.size()));
    }

    // sec(x) and the like, with a note saying what they are read as: the
    // result prints in cos (d/dx sec(x) is sin(x)/cos(x)²).
    // `power` is the exponent written on the name (sec²x), or none.
    expr written(const std::string& name, const expr& argument, std::uint32_t begin, std::uint32_t end,
                 const ast::operand& written_argument, const ast::operand* power = nullptr) {
        const auto [arg_begin, arg_end] = ast::range_of(written_argument);
        if (std::string reading = written_function_reading(name, text(arg_begin, arg_end)); !reading.empty()) {
            if (power) {
                const auto [p_begin, p_end] = ast::range_of(*power);
                const std::string_view exponent = text(p_begin, p_end);
                const bool superscript = !exponent.empty() && static_cast<unsigned char>(exponent.front()) >= 0x80;
                reading = "(" + reading + ")" + (superscript ? "" : "^") + std::string(exponent);
            }
            add_note(begin, end, std::string(text(begin, end)) + " read as " + reading);
        }
        return apply_written_function(name, argument);
    }

    expr node(const ast::boxed<ast::call>& cf) {
        const ast::call& c = cf.get();
        if (!c.primes && c.partials.empty()) {
            // sin(x), exp(y + 2z): an elementary function the user has not
            // redefined. Its name is plain ASCII, so normalizing it changes
            // nothing, and it never multiplies; the checks below agree.
            const std::optional<function> fn = find_function(c.function.text);
            if (fn && !env_.function(c.function.text)) {
                if (fn == function::log && c.args.size() > 2)
                    fail(c.function.begin, "'" + c.function.text + "' takes 1 or 2 arguments (log(x, b) is to base b), got " +
                                               std::to_string(c.args.size()));
                if (fn == function::log && c.args.size() == 2) {
                    // log(x, b): the logarithm to base b, as in SymPy (Mathematica writes Log[b, x]).
                    const auto args = positional<function_args>(c, c.function.text);
                    return nabla::log(args[0], args[1]);
                }
                check_arity(c, c.function.text, std::size_t(function_arity(*fn)));
                // What nabla::apply does, without its std::vector of arguments.
                return make_apply(*fn, positional<function_args>(c, c.function.text));
            }
        }
        const std::string name = normalize_name(c.function.text);

        if (call_multiplies(c)) {
            expr left = name_value(c.function, true);
            add_note(c.begin, c.end,
                     std::string(text(c.begin, c.end)) + " read as " +
                         std::string(text(c.function.begin, c.function.end)) + "·" +
                         std::string(text(c.function.end, c.end)));
            return mul({left, operand(c.args.front().value)});
        }

        // Which arguments it is differentiated by (0-based).
        std::vector<std::uint8_t> indices;
        for (std::uint8_t k : c.partials) {
            if (k == 0 || k > c.args.size())
                fail(c.begin, "'" + name + "' has " + std::to_string(c.args.size()) +
                                  " argument" + (c.args.size() == 1 ? "" : "s") +
                                  "; there is no argument " + std::to_string(k));
            indices.push_back(std::uint8_t(k - 1));
        }
        if (c.primes) {
            if (c.args.size() != 1)
                fail(c.function.begin, "primes are for functions of one argument; write ∂₁" + name +
                                           "(…) for a partial derivative");
            indices.assign(c.primes, 0);
        }

        if (name == "diff" && indices.empty()) return diff_call(c);
        if (is_command(name))
            fail(c.function.begin, "'" + name +
                                       "' is a command; use it as a whole statement, not inside an "
                                       "expression");

        // The function as a body in its parameters, when one is known.
        std::optional<user_function> known;
        if (const user_function* f = env_.function(name)) {
            if (c.primes && f->parameters.size() != 1) {
                // f′(x) of an f(x, y): a partial derivative was meant.
                std::string params;
                for (std::size_t i = 0; i < f->parameters.size(); ++i)
                    params += (i ? ", " : "") + to_string(f->parameters[i], style::unicode);
                const std::string first = f->parameters.empty() ? "x" : to_string(f->parameters[0], style::unicode);
                fail(c.function.begin, "primes are for functions of one variable, and " + name + "(" + params +
                                           ") has " + std::to_string(f->parameters.size()) + ": write ∂" + name +
                                           "/∂" + first + " or ∂₁" + name + "(" + params + ")");
            }
            check_arity(c, name, f->parameters.size());
            known = *f;
        } else if (auto fn = find_function(name); fn || is_written_function(name)) {
            const std::size_t arity = fn ? std::size_t(function_arity(*fn)) : 1;
            check_arity(c, name, arity);
            if (indices.empty()) {
                std::vector<expr> args = positional(c, name);
                if (!fn) return written(name, args[0], c.begin, c.end, c.args[0].value);
                return nabla::apply(*fn, args);
            }
            // sin'(x): the derivative of the elementary function.
            user_function f;
            for (std::size_t i = 0; i < arity; ++i) f.parameters.push_back(symbol("∂arg" + std::to_string(i)));
            f.body = fn ? nabla::apply(*fn, f.parameters) : apply_written_function(name, f.parameters[0]);
            known = std::move(f);
        } else if (env_.variable(name)) {
            fail(c.function.begin, "'" + name + "' is a variable, not a function");
        }

        std::vector<expr> args = positional(c, name);
        const auto is_number = [](const expr& a) { return a.is_number(); };
        if (known && known->kept_by_name && indices.empty() && !std::all_of(args.begin(), args.end(), is_number))
            return call(name, args);
        if (known) {
            expr body = known->body;
            for (std::uint8_t i : indices) body = diff(body, known->parameters[i], options_.diff);
            substitution s;
            for (std::size_t i = 0; i < args.size(); ++i) s.emplace(known->parameters[i], args[i]);
            return subs(body, s);
        }
        if (const std::string base = logarithm_base(name); !base.empty())  // log₂(x), log_10(x)
            fail(c.function.begin, "unknown function '" + name + "': for the logarithm to base " + base +
                                       " write log(x, " + base + ")");
        if (auto guess = suggestion_for(name); !guess.empty())
            fail(c.function.begin,
                 "unknown function '" + name + "' — did you mean '" + std::string(guess) + "'?");
        use(name, true, c.function.begin);
        if (indices.empty()) return call(name, args);
        return call_derivative(name, args, indices);
    }

    // diff(e, x), diff(e, x, y, …), diff(e, x, n).
    expr diff_call(const ast::call& c) {
        if (c.args.size() < 2)
            fail(c.function.begin, "'diff' takes an expression and variables: diff(e, x)");
        for (const auto& a : c.args)
            if (!a.keyword.text.empty()) fail(a.keyword.begin, "'diff' takes no keyword arguments");
        const bool with_order = c.args.size() == 3 && !std::holds_alternative<ast::name>(c.args[2].value.get());
        std::vector<std::string> names;
        for (std::size_t i = 1; i < (with_order ? 2 : c.args.size()); ++i)
            if (const auto* n = std::get_if<ast::name>(&c.args[i].value.get())) names.push_back(normalize_name(n->text));
        bool own_parameters;
        expr target = differentiated(c.args[0].value, names, own_parameters);
        if (own_parameters) names.clear();  // nothing to take at a value
        if (with_order) {
            // diff(e, x, n): n is any expression with a whole-number value (3, 10^9, -1).
            const auto [at, end] = ast::range_of(c.args[2].value);
            const std::string written(text(at, end));
            const expr x = variable(c.args[1].value);
            const expr order = operand(c.args[2].value);
            if (!order.is_integer()) fail(at, "the order of a derivative is a whole number, not " + written);
            if (order.is_negative_number()) fail(at, "the order of a derivative is not negative: " + written);
            // Any order that fits: diff stops at 0 (x² by x a billion times) and
            // refuses a long run that does not get there.
            const std::optional<long long> n = order.integer_value();
            if (!n) fail(at, "derivative order is too large");
            try {
                return at_assigned_values(diff(target, x, std::size_t(*n), options_.diff), names, c.begin, c.end);
            } catch (const limit_error& e) {
                fail(at, e.what());  // the caret under the order
            }
        }
        std::vector<expr> vars;
        for (std::size_t i = 1; i < c.args.size(); ++i)
            vars.push_back(variable(c.args[i].value));
        return at_assigned_values(diff(target, vars, options_.diff), names, c.begin, c.end);
    }

    // A variable of differentiation: a plain name (one with a value too:
    // see at_assigned_values).
    expr variable(const ast::operand& o) {
        const auto* n = std::get_if<ast::name>(&o.get());
        if (!n) fail(ast::range_of(o).begin, "expected a variable to differentiate by");
        return variable(*n);
    }
    expr variable(const ast::name& n) {
        const std::string name = normalize_name(n.text);
        if (const std::string why = why_not_a_variable(name, n.text, env_.variable(name).has_value()); !why.empty())
            fail(n.begin, why);
        return symbol(name);
    }

    expr node(const ast::boxed<ast::application>& af) {
        const ast::application& a = af.get();
        const std::string name = normalize_name(a.function.text);
        std::optional<function> fn = find_function(name);
        if (!fn && !is_written_function(name)) fail(a.function.begin, "unknown function '" + name + "'");
        if (fn && function_arity(*fn) != 1)
            fail(a.function.begin, "'" + name + "' takes " + std::to_string(function_arity(*fn)) +
                                       " arguments; write " + name + "(a, b)");
        expr argument = operand(a.argument);
        if (const auto* chain = as_chain(a.argument); chain && !chain->grouped) {
            // sin x y: say that the whole product is the argument.
            bool spaced = false;
            for (const auto& step : chain->rest)
                if (step.op == ast::op::juxtapose && step.begin > 0 &&
                    (source_[step.begin - 1] == ' ' || source_[step.begin - 1] == '\t'))
                    spaced = true;
            if (spaced) {
                const auto [first_begin, first_end] = ast::range_of(chain->first);
                std::string product(text(first_begin, first_end));
                for (const auto& step : chain->rest)
                    product += "·" + std::string(text(step.begin, step.end));
                add_note(a.begin, a.end,
                         std::string(text(a.begin, a.end)) + " read as " + name + "(" + product + ")");
            }
        }
        const bool is_inverse = [&] {
            const auto* s = std::get_if<ast::boxed<ast::signed_>>(&a.exponent.get());
            if (!s || !s->get().negative) return false;
            const auto* one = std::get_if<ast::number>(&s->get().value.get());
            return one && one->text == "1";
        }();
        if (is_inverse) {
            static const std::map<std::string_view, function> inverses = {
                {"sin", function::asin},   {"cos", function::acos},   {"tan", function::atan},
                {"sinh", function::asinh}, {"cosh", function::acosh}, {"tanh", function::atanh}};
            auto it = inverses.find(name);
            if (it == inverses.end())
                fail(a.function.begin, "'" + name + "⁻¹' is ambiguous: write 1/" + name +
                                           "(x) for the reciprocal");
            const auto [arg_begin, arg_end] = ast::range_of(a.argument);
            std::string_view argument_text = text(arg_begin, arg_end);
            // sin^-1(x) is asin(x), not asin((x)): a group of one operand
            // reaches over its own ( ) or [ ] (a longer one does not).
            if (const auto* g = std::get_if<ast::boxed<ast::expression>>(&a.argument.get());
                g && g->get().grouped && g->get().rest.empty() && argument_text.size() >= 2)
                argument_text = argument_text.substr(1, argument_text.size() - 2);
            add_note(a.begin, a.end,
                     std::string(text(a.begin, a.end)) + " read as " + std::string(function_name(it->second)) +
                         "(" + std::string(argument_text) + ")");
            return nabla::apply(it->second, {argument});
        }
        const bool has_power = a.exponent.get().index() != 0;
        expr value = fn ? nabla::apply(*fn, {argument})
                        : written(name, argument, a.begin, a.end, a.argument, has_power ? &a.exponent : nullptr);
        if (has_power) value = pow(value, operand(a.exponent));
        return value;
    }

    expr node(const ast::boxed<ast::root>& r) {
        // √x(x + 1) is √x·(x + 1) and √x(x + 1)² is √x·(x + 1)², as for powers.
        const auto root_of = [&](const expr& x) {
            return r.get().degree == 2 ? sqrt(x) : pow(x, rational(1, r.get().degree));
        };
        if (const ast::call* c = multiplying_call(r.get().radicand))
            return mul({root_of(name_value(c->function, true)), operand(c->args.front().value)});
        if (const auto* p = std::get_if<ast::boxed<ast::power>>(&r.get().radicand.get()))
            if (const ast::call* c = multiplying_call(p->get().base))
                return mul({root_of(name_value(c->function, true)),
                            power_of(operand(c->args.front().value), operand(p->get().exponent))});
        expr x = operand(r.get().radicand);
        if (r.get().degree == 2) return sqrt(x);
        return pow(x, rational(1, r.get().degree));
    }

    expr node(const ast::boxed<ast::absolute>& b) { return abs(operand(b.get().inner)); }

    // ---------------------------------------------------------------- derivatives

    expr node(const ast::boxed<ast::derivative>& df) {
        const ast::derivative& d = df.get();
        std::vector<std::string> names;
        for (const auto& v : d.variables) names.push_back(normalize_name(v.variable.text));
        bool own_parameters;
        expr target = differentiated(d.target, names, own_parameters);
        if (own_parameters) names.clear();  // nothing to take at a value
        std::vector<expr> vars;
        std::uint64_t total = 0;
        for (const auto& v : d.variables) {
            total += v.order;
            if (total > max_derivative_order) fail(v.begin, order_too_large);
            const expr x = variable(v.variable);
            for (std::uint32_t k = 0; k < v.order; ++k) vars.push_back(x);
        }
        if (d.order > max_derivative_order) fail(d.begin, order_too_large);
        if (d.order != 1 || total != 1) {
            if (d.order != total)
                fail(d.begin, "the order on " + std::string(d.leibniz ? "d" : "∂") + " is " +
                                  std::to_string(d.order) + " but the variables add up to " +
                                  std::to_string(total));
        }
        if (d.prefix && as_chain(d.target) && !as_chain(d.target)->grouped) {
            const auto* chain = as_chain(d.target);
            const ast::op op = chain->rest.front().op;
            if (op == ast::op::add || op == ast::op::subtract)
                add_note(d.begin, d.end,
                         std::string(text(d.begin, d.end)) + " read as " +
                             std::string(text(d.begin, chain->begin)) + "(" +
                             std::string(text(chain->begin, chain->end)) + ")");
        }
        return at_assigned_values(diff(target, vars, options_.diff), names, d.begin, d.end);
    }

    // What a derivative by `names` differentiates: a defined function named
    // alone (∂f/∂x), or the expression with those names kept as symbols even
    // where they have values.
    // `own_parameters` is set for a defined function: its variables are its
    // parameters, whatever values names of theirs have in the session.
    expr differentiated(const ast::operand& target, std::span<const std::string> names, bool& own_parameters) {
        own_parameters = false;
        if (const auto defined = defined_function_of_own_parameters(target, source_, env_, notes_)) {
            own_parameters = true;
            return defined->value;
        }
        bool assigned = false;
        for (const std::string& name : names) assigned = assigned || env_.variable(name).has_value();
        if (!assigned) return operand(target);
        shadowing_environment shadow(env_, names);
        lowerer inner(source_, shadow, notes_, options_);
        inner.depth_ = depth_;
        return inner.operand(target);
    }

    // A derivative by a variable that has a value is the derivative at that
    // value, as ∂/∂x at x = a: after w = 0, ∂C/∂w of C = (w − 3)² is −6, so
    // that w = w − α·∂C/∂w takes a gradient step. A note says so.
    expr at_assigned_values(const expr& derivative, std::span<const std::string> names, std::uint32_t begin,
                            std::uint32_t end) {
        const assigned_values assigned = values_assigned_to(names, env_, text(begin, end));
        if (assigned.values.empty()) return derivative;
        add_note(begin, end, assigned.note);
        return subs(derivative, assigned.values);
    }

    expr node(const ast::boxed<ast::gradient>& g) {
        if (!g.get().laplacian) fail(g.get().begin, "∇ gives a vector; use it as a whole statement, like ∇f");
        // ∇²z: Σ ∂²z/∂xᵢ² over z's free symbols; ∇²f of a defined f(x, y),
        // over its parameters.
        if (const auto defined = defined_function_of_own_parameters(g.get().target, source_, env_, notes_))
            return laplacian(defined->value, defined->parameters, options_.diff);
        const expr target = operand(g.get().target);
        return laplacian(target, free_symbols(target), options_.diff);
    }

    expr node(const ast::boxed<ast::vector_literal>& v) {
        fail(v.get().begin, "a vector [a, b, …] stands alone or on a side of '==', as in ∇f == [2x, 1]");
    }

    expr node(const ast::boxed<ast::differential>& d) {
        if (!options_.allow_differentials)
            fail(d.get().begin, "a differential like '∂" + d.get().variable.text +
                                    "' belongs on the right side of a derivative declaration; "
                                    "for a derivative write ∂f/∂x");
        return differential_symbol(normalize_name(d.get().variable.text));
    }

    std::string_view source_;
    const environment& env_;
    std::vector<note>* notes_;
    const lower_options& options_;
    std::size_t depth_ = 0;
    // Looked up for every name in the expression. An expression has a few
    // distinct names: a short list scanned in place is cheapest, and names
    // past it (or longer than a short name) go to a hash table so long
    // inputs stay linear.
    static constexpr std::size_t few_names = 8;
    struct used_name {
        // The text in place: most names are a letter or two, and a
        // std::string per name cost more than all the lookups of it.
        static constexpr std::size_t max_bytes = 22;
        std::array<char, max_bytes> text;
        std::uint8_t size = 0;
        bool as_function = false;
        std::optional<expr> symbol;  // a variable's symbol, once built
        std::string_view name() const noexcept { return {text.data(), size}; }
    };
    boost::container::static_vector<used_name, few_names> few_uses_;
    struct name_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return boost::hash<std::string_view>()(s); }
    };
    boost::unordered_flat_map<std::string, bool, name_hash, std::equal_to<>> many_uses_;
    // current_value's answers in this expression, one note per name.
    boost::unordered_flat_map<std::string, expr, name_hash, std::equal_to<>> current_;
};

}  // namespace

expr lower(const ast::operand& e, std::string_view source, const environment& env,
           std::vector<note>* notes, const lower_options& options) {
    return on_deep_stack(source.size(), options.max_depth, [&] {
        lowerer l(source, env, notes, options);
        return l.operand(e);
    });
}

std::optional<defined_function_target> defined_function_of_own_parameters(const ast::operand& target,
                                                                          std::string_view source,
                                                                          const environment& env,
                                                                          std::vector<note>* notes) {
    const auto* n = std::get_if<ast::name>(&target.get());
    if (!n) return std::nullopt;
    const std::string name = normalize_name(n->text);
    if (env.variable(name)) return std::nullopt;
    const user_function* f = env.function(name);
    if (!f) return std::nullopt;
    std::string reading = std::string(source.substr(n->begin, n->end - n->begin)) + " read as " + name + "(";
    for (std::size_t i = 0; i < f->parameters.size(); ++i)
        reading += (i ? ", " : "") + to_string(f->parameters[i], style::unicode);
    if (notes) notes->push_back(note{n->begin, n->end, reading + ")"});
    return defined_function_target{f->kept_by_name ? call(name, f->parameters) : f->body, f->parameters};
}

assigned_values values_assigned_to(std::span<const std::string> names, const environment& env,
                                   std::string_view written) {
    assigned_values out;
    std::string shown, cleared;
    for (const std::string& name : names) {
        const expr x = symbol(name);
        if (out.values.count(x)) continue;
        const std::optional<expr> value = env.variable(name);
        if (!value || *value == x) continue;
        out.values.emplace(x, *value);
        shown += (shown.empty() ? "" : ", ") + to_string(x, style::unicode) + " = " + to_string(*value, style::unicode);
        cleared += (cleared.empty() ? "" : " ") + name;
    }
    if (out.values.empty()) return out;
    while (!written.empty() && (written.back() == ' ' || written.back() == '\t')) written.remove_suffix(1);
    out.note = std::string(written) + " read as its value at " + shown + " (assigned); :clear " + cleared +
               (out.values.size() == 1 ? " to keep it a variable" : " to keep them variables");
    return out;
}

expr differential_symbol(std::string_view variable) {
    std::string name = "∂";
    name += variable;
    return symbol(name);
}

std::span<const std::string_view> command_names() noexcept { return commands; }

std::string why_not_a_variable(std::string_view name, std::string_view written, bool e_is_assigned) {
    if (name == "pi" || name == "π") return "'" + std::string(written) + "' is the constant π, not a variable";
    if (name == "e" && !e_is_assigned) return "'e' is Euler's number, not a variable (assign e to use the name)";
    return {};
}

bool is_command(std::string_view name) noexcept { return contains_name(commands, name); }

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

}  // namespace nabla::detail

namespace nabla {

expr parse(std::string_view text, const parse_options& options) {
    if (text.size() > options.max_bytes)
        throw detail::make_parse_error({}, 0,
                                       "input is too large (" + std::to_string(text.size()) +
                                           " bytes; the limit is " +
                                           std::to_string(options.max_bytes) + ")");
    detail::check_utf8(text);
    // Grammar, lowering and freeing the tree all run on one stack that fits
    // the nesting budget.
    return detail::on_deep_stack(text.size(), options.max_depth, [&] {
        const ast::operand tree = detail::parse_checked_expression(text, options);
        detail::lower_options lo;
        lo.split_names = options.split_names;
        lo.max_depth = options.max_depth;
        const detail::environment nothing_defined;
        detail::lowerer l(text, nothing_defined, nullptr, lo);
        return l.operand(tree);
    });
}

}  // namespace nabla
