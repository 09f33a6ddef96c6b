// Statements: expressions, assignments, function definitions, derivative
// declarations, `z at x=1`, and the capabilities called as functions
// (grad, hessian, jacobian, eval, subs, expand, simplify, explain).

#include "session/statement.hpp"

#include "check/equality.hpp"

#include "core/node.hpp"
#include "diff/rules.hpp"
#include "grammar/lower.hpp"
#include "grammar/parser.hpp"

#include <nabla/diff.hpp>
#include <nabla/dot.hpp>
#include <nabla/print.hpp>

#include <boost/variant/get.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace nabla::detail {

namespace {

// The session's names as lowering sees them. Parameters of a function being
// defined shadow variables of the same name.
class session_environment final : public environment {
public:
    // `shadowed` is kept by reference: it must outlive the environment.
    session_environment(const session::state& state, const std::vector<std::string>& shadowed)
        : state_(state), shadowed_(shadowed) {}
    explicit session_environment(const session::state& state) : session_environment(state, no_names()) {}

    std::optional<expr> variable(std::string_view name) const override {
        // A parameter stands for itself, also when its name has several
        // letters (f(speed) = speed², not s·p·e·e·d).
        for (const auto& s : shadowed_)
            if (s == name) return symbol(s);
        if (const auto it = state_.variables.find(name); it != state_.variables.end()) return it->second;
        if (name == "ans" && state_.has_ans) return state_.ans;
        return std::nullopt;
    }

    std::string unavailable(std::string_view name) const override {
        if (name == "ans" && !state_.has_ans) return "'ans' is the last result, and there is none yet";
        return {};
    }

    const user_function* function(std::string_view name) const override {
        const auto it = state_.functions.find(name);
        if (it == state_.functions.end()) return nullptr;
        // Lowering wants the grammar's type; convert on first use.
        auto [cached, inserted] = cache_.try_emplace(std::string(name));
        if (inserted)
            cached->second = user_function{it->second.parameters, it->second.body, state_.declarations.contains(name)};
        return &cached->second;
    }

private:
    const session::state& state_;
    static const std::vector<std::string>& no_names() {
        static const std::vector<std::string> none;
        return none;
    }
    const std::vector<std::string>& shadowed_;
    mutable std::map<std::string, user_function, std::less<>> cache_;
};

// The operand itself, or the one operand inside parentheses: `(grad(z))`.
const ast::operand* sole_operand(const ast::operand& e) {
    const ast::operand* at = &e;
    while (const auto* inner = std::get_if<ast::boxed<ast::expression>>(&at->get())) {
        if (!inner->get().rest.empty()) return nullptr;
        at = &inner->get().first;
    }
    return at;
}

template <class T>
const T* sole(const ast::operand& e) {
    const ast::operand* op = sole_operand(e);
    if (!op) return nullptr;
    if constexpr (std::is_same_v<T, ast::name> || std::is_same_v<T, ast::number>) {
        return std::get_if<T>(&op->get());
    } else {
        const auto* p = std::get_if<ast::boxed<T>>(&op->get());
        return p ? &p->get() : nullptr;
    }
}

std::string note_text(std::string_view source, const note& n) {
    if (n.text.find("read as") != std::string::npos) return n.text;
    std::string written;
    if (n.begin < n.end && n.end <= source.size()) written = std::string(source.substr(n.begin, n.end - n.begin));
    return written.empty() ? n.text : written + " read as " + n.text;
}

// A capability of the command table (grad, dot, …), called as a function.
bool is_capability(std::string_view name) {
    for (const auto& c : commands())
        if (c.name == name) return c.name.front() != ':';
    return false;
}

// diff is lowered by the grammar (it may stand inside an expression); the
// other capabilities run here.
bool runs_here(std::string_view name) { return name != "diff" && is_capability(name); }

class runner {
public:
    runner(statement_context& context, std::string_view text) : context_(context), text_(text) {}

    statement_result run() {
        statement_result r;
        try {
            if (auto explained = explain_statement()) r = std::move(*explained);
            else r = run_parsed(parse_statement(text_));
        } catch (const parse_error&) {
            throw;
        } catch (const domain_error& e) {
            // Met while computing (eval(asin(x), x=2), z at x=0), not while
            // reading: the statement is the place; the message names the part.
            throw at_statement(e.what(), parse_error::cause::domain);
        } catch (const limit_error& e) {
            throw at_statement(e.what(), parse_error::cause::limit);  // expand(z^1000)
        }
        // How the input was read comes before what was made of it.
        std::vector<std::string> reading;
        for (const auto& n : notes_) reading.push_back(note_text(text_, n));
        r.notes.insert(r.notes.begin(), reading.begin(), reading.end());
        return r;
    }

private:
    statement_result run_parsed(const ast::statement& statement) {
        statement_result r;
        if (const auto* s = boost::get<ast::expression_statement>(&statement.get())) r = expression_statement(s->value);
        else if (const auto* s = boost::get<ast::assignment>(&statement.get())) r = assignment(*s);
        else if (const auto* s = boost::get<ast::function_definition>(&statement.get())) r = definition(*s);
        else if (const auto* s = boost::get<ast::derivative_declaration>(&statement.get())) r = declaration(*s);
        else if (const auto* s = boost::get<ast::evaluation_at>(&statement.get())) r = at(*s);
        else if (const auto* s = boost::get<ast::equality>(&statement.get())) r = equality(*s);
        return r;
    }

    parse_error at_statement(std::string message, parse_error::cause why) const {
        const parse_error at = fail(std::min(text_.find_first_not_of(" \t"), text_.size()), std::move(message));
        return parse_error(at.what(), at.message(), at.line(), at.column(), at.offset(), at.source_line(), why);
    }

    parse_error fail(std::size_t offset, std::string message) const {
        return make_parse_error(text_, offset, std::move(message));
    }

    void check_cancel() const {
        if (context_.cancel && context_.cancel->load(std::memory_order_relaxed)) throw error("interrupted");
    }

    expr lower_expression(const ast::operand& e, const std::vector<std::string>& shadowed = {},
                          bool differentials = false, bool current_values = true) {
        session_environment env(context_.state, shadowed);
        lower_options options;
        options.allow_differentials = differentials;
        options.current_values = current_values;
        options.diff = context_.diff;
        expr value = lower(e, text_, env, &notes_, options);
        check_cancel();
        return value;
    }

    // What a derivative differentiates: an expression, or a defined function
    // named alone, of its own parameters (lowering notes it).
    // The variables of differentiation stay symbols even where they have
    // values, as lowering keeps them (see at_assigned_values in lower.cpp).
    expr differentiated(const ast::operand& target, const std::vector<expr>& variables) {
        session_environment env(context_.state);
        if (auto f = defined_function_of_own_parameters(target, text_, env, nullptr)) return f->value;
        std::vector<std::string> names;
        for (const expr& x : variables) names.push_back(x.name());
        return lower_expression(target, names);
    }

    // An argument of a command, which may itself be a command with a single
    // value: simplify(expand((x + 1)²)). Nesting is capped, as in the parser.
    expr lower_argument(const ast::operand& e) {
        const auto* c = sole<ast::call>(e);
        if (!c || c->primes != 0 || !c->partials.empty() || !runs_here(normalize_name(c->function.text)))
            return lower_expression(e);
        if (++nesting_ > 100) throw fail(c->begin, "commands nest too deeply (the limit is 100)");
        const statement_result inner = command(*c, normalize_name(c->function.text));
        --nesting_;
        if (inner.kind != result_kind::value)
            throw fail(c->begin, "'" + normalize_name(c->function.text) + "' gives no single expression here");
        return inner.value;
    }

    void set_ans(const expr& value) {
        context_.state.ans = value;
        context_.state.has_ans = true;
    }

    void defined(const std::string& name) { context_.state.order[name] = ++context_.state.clock; }

    // A name the user may define: not a command, elementary function or constant.
    std::string definable_name(const ast::name& n) const {
        const std::string name = normalize_name(n.text);
        if (is_command(name) || is_capability(name))
            throw fail(n.begin, "'" + name + "' is a command; choose another name");
        if (find_function(name) || is_written_function(name))
            throw fail(n.begin, "'" + name + "' is a built-in function; choose another name");
        if (name == "pi" || name == "π") throw fail(n.begin, "'" + name + "' is the constant π; choose another name");
        if (name == "ans") throw fail(n.begin, "'ans' is the last result; choose another name");
        return name;
    }

    statement_result expression_statement(const ast::operand& e) {
        if (const auto* v = sole<ast::vector_literal>(e)) return vector_written(*v);
        statement_result r;
        if (const auto* g = sole<ast::gradient>(e); g && !g->laplacian) {
            // ∇z: the gradient over z's free symbols; ∇f of a defined
            // f(x, y), over its parameters in their order.
            r.kind = result_kind::vector;
            if (auto f = own_function(g->target)) {
                r.variables = f->parameters;
                r.elements = gradient(f->value, r.variables, context_.diff);
                return r;
            }
            const expr target = keeping_stored_symbols(g->target);
            r.variables = implied_variables(free_symbols(target), r);
            r.elements = gradient(target, r.variables, context_.diff);
            return taken_at_assigned_values(std::move(r), *g);
        }
        if (const auto* c = sole<ast::call>(e); c && c->primes == 0 && c->partials.empty()) {
            const std::string name = normalize_name(c->function.text);
            if (runs_here(name)) return command(*c, name);
        }
        r.kind = result_kind::value;
        r.value = lower_expression(e);
        set_ans(r.value);
        return r;
    }

    // `lhs == rhs`: true when the difference simplifies to 0 or the sides
    // agree at random points; false with a point where they differ. The
    // left side of `∂z/∂x == 4x` is the derivative, so a wrong hand
    // derivation is shown next to the right one.
    statement_result equality(const ast::equality& e) {
        std::optional<statement_result> left = vector_or_matrix(e.lhs), right = vector_or_matrix(e.rhs);
        if (left || right) return entrywise_equality(e, std::move(left), std::move(right));
        const expr lhs = lower_expression(e.lhs, {}, false);
        const expr rhs = lower_expression(e.rhs, {}, false);
        equality_verdict v;
        statement_result r = compared(lhs, rhs, v);
        // ∂f/∂x, df/dx, d/dx f, diff(f, x): a first derivative by one variable.
        if (r.holds == false) {
            if (const ast::derivative* d = sole<ast::derivative>(e.lhs);
                d && d->variables.size() == 1 && d->variables.front().order == 1) {
                ast::operand variable;
                variable.get() = d->variables.front().variable;
                r.text += difference_quotients(d->target, variable, v.point);
            } else if (const ast::call* c = sole<ast::call>(e.lhs); c && c->args.size() == 2 && c->primes == 0 &&
                                                                    normalize_name(c->function.text) == "diff") {
                r.text += difference_quotients(c->args[0].value, c->args[1].value, v.point);
            }
        }
        return r;
    }

    // The verdict on lhs == rhs and its evidence in words; `v` is the
    // comparison it came from.
    statement_result compared(const expr& lhs, const expr& rhs, equality_verdict& v) {
        statement_result r;
        r.kind = result_kind::check;
        r.elements = {lhs, rhs};
        v = compare_sides(lhs, rhs);
        auto number = [](double d) { return fmt::format("{:.6g}", d); };
        auto where = [&] {
            std::string out;
            for (const auto& [name, value] : v.point)
                out += (out.empty() ? "at " : ", ") + to_string(symbol(name), context_.style) + " = " + number(value);
            return out;
        };
        auto side = [&](const side_at_point& p) { return p.undefined.empty() ? number(p.value) : "undefined (" + p.undefined + ")"; };
        using outcome = equality_verdict::outcome;
        switch (v.result) {
        case outcome::identical:
        case outcome::simplified: r.holds = true; break;
        case outcome::sampled:
            r.holds = true;
            r.text = v.points_agreeing == 1 && v.point.empty() && free_symbols(lhs - rhs).empty()
                         ? "equal in floating point (to 9 digits)"
                         : "equal at " + std::to_string(v.points_agreeing) +
                               " random points (not proven: the difference does not simplify to 0)";
            if (!v.point.empty())
                r.text += "; " + where() + " only the " + (v.left.undefined.empty() ? "left" : "right") +
                          " side is defined";
            break;
        case outcome::differs:
            r.holds = false;
            r.text = (v.point.empty() ? "" : where() + " ") + "the left side is " + side(v.left) + " and the right side " +
                     side(v.right);
            break;
        case outcome::undecided: r.text = v.reason; break;
        }
        return r;
    }

    // ∇C == [2x, 1], hessian(f) == [[2, 0], [0, 2]]: the sides compared
    // entry by entry. The verdict is the first differing entry's, with its
    // two sides; else undecided if any entry is; else true.
    statement_result entrywise_equality(const ast::equality& e, std::optional<statement_result> left,
                                        std::optional<statement_result> right) {
        auto shape = [](const statement_result& side) {
            if (side.kind == result_kind::matrix)
                return std::to_string(side.rows.size()) + "×" +
                       std::to_string(side.rows.empty() ? 0 : side.rows.front().size()) + " matrix";
            return "vector of " + std::to_string(side.elements.size());
        };
        if (!left || !right) {
            const statement_result& whole = left ? *left : *right;
            const ast::operand& other = left ? e.rhs : e.lhs;
            if (whole.kind != result_kind::vector || whole.elements.size() != 1)
                throw fail(ast::range_of(other).begin, "the " + std::string(left ? "left" : "right") + " side is a " +
                                                           shape(whole) + "; write the other as one too, like [a, b]");
            // grad(C, w₁) == 2x₁(w₁x₁ − y): a vector of one entry is that
            // entry ([a] is a's group, so the entry cannot be bracketed).
            statement_result one;
            one.kind = result_kind::vector;
            one.elements = {lower_expression(other, {}, false)};
            (left ? right : left) = std::move(one);
        }
        if (left->kind != right->kind || left->elements.size() != right->elements.size() ||
            left->rows.size() != right->rows.size() ||
            (!left->rows.empty() && left->rows.front().size() != right->rows.front().size()))
            throw fail(ast::range_of(e.rhs).begin,
                       "the sides differ in shape: a " + shape(*left) + " and a " + shape(*right));
        // The entries in order, each with its label: (2) or (1, 2).
        std::vector<std::pair<expr, expr>> pairs;
        std::vector<std::string> labels;
        if (left->kind == result_kind::matrix) {
            for (std::size_t i = 0; i < left->rows.size(); ++i)
                for (std::size_t j = 0; j < left->rows[i].size(); ++j) {
                    pairs.emplace_back(left->rows[i][j], right->rows[i][j]);
                    labels.push_back("(" + std::to_string(i + 1) + ", " + std::to_string(j + 1) + ")");
                }
        } else {
            // A gradient's entry is named by its variable too: entry 2 (∂/∂w₂).
            const std::vector<expr>& by = left->variables.empty() ? right->variables : left->variables;
            for (std::size_t i = 0; i < left->elements.size(); ++i) {
                pairs.emplace_back(left->elements[i], right->elements[i]);
                labels.push_back(std::to_string(i + 1) +
                                 (by.size() == left->elements.size() ? " (∂/∂" + to_string(by[i], context_.style) + ")"
                                                                     : ""));
            }
        }
        statement_result r;
        r.kind = result_kind::check;
        r.holds = true;
        r.notes = std::move(left->notes);
        r.notes.insert(r.notes.end(), right->notes.begin(), right->notes.end());
        std::vector<std::string> sampled;
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            equality_verdict v;
            statement_result entry = compared(pairs[k].first, pairs[k].second, v);
            if (entry.holds == false) {
                entry.text = "entry " + labels[k] + " differs: " + entry.text;
                entry.notes = std::move(r.notes);
                return entry;
            }
            if (!entry.holds && r.holds) {  // the first undecided entry, unless one differs
                r.holds.reset();
                r.text = "entry " + labels[k] + ": " + entry.text;
            }
            if (v.result == equality_verdict::outcome::sampled) sampled.push_back(labels[k]);
        }
        if (r.holds && !sampled.empty()) {
            std::string which;
            for (const std::string& label : sampled) which += (which.empty() ? "" : ", ") + label;
            r.text = (sampled.size() == 1 ? "entry " : "entries ") + which + " equal at " +
                     std::to_string(equality_points) +
                     " random points (not proven: the difference does not simplify to 0)";
        }
        return r;
    }

    // The numeric evidence for a first derivative ∂f/∂x at a point a: the
    // difference quotients (f(a + h) − f(a))/h, which approach it as h
    // shrinks. `target` and `variable` are f and x as written; the result
    // is empty where f has no value.
    std::string difference_quotients(const ast::operand& target, const ast::operand& variable,
                                      const std::vector<std::pair<std::string, double>>& point) {
        const auto* name = sole<ast::name>(variable);
        if (!name) return {};
        const std::string x_name = normalize_name(name->text);
        const expr f = differentiated(target, {symbol(x_name)});
        std::string chosen_point;
        const std::string x = to_string(symbol(x_name), context_.style);
        bindings at(point.begin(), point.end());
        // A derivative by an assigned x is taken at x's value: the quotients too.
        if (const auto assigned = context_.state.variables.find(x_name);
            assigned != context_.state.variables.end() && assigned->second.is_number() && !at.contains(x_name)) {
            at.emplace(x_name, evaluate(assigned->second));
            chosen_point = " with " + x + " = " + to_string(assigned->second, context_.style);
        }
        // The derivative does not depend on a symbol of f that the point
        // leaves out; any value shows the quotients approach it.
        std::string chosen = chosen_point;
        for (const expr& s : free_symbols(f))
            if (at.emplace(s.name(), 0.5).second)
                chosen += (chosen.empty() ? " with " : ", ") + to_string(s, context_.style) + " = 0.5";
        if (!at.contains(x_name)) at.emplace(x_name, 0.5), chosen += (chosen.empty() ? " with " : ", ") + x + " = 0.5";
        std::string quotients;
        try {
            const double base = evaluate(f, at);
            const double a = at[x_name];
            for (const double h : {1e-1, 1e-2, 1e-3, 1e-4}) {
                at[x_name] = a + h;
                quotients += fmt::format("{}{:.6g} at h = {:g}", quotients.empty() ? "" : ", ", (evaluate(f, at) - base) / h, h);
            }
        } catch (const error&) {
            return {};
        }
        const ast::located range = ast::range_of(target);
        std::string written(text_.substr(range.begin, range.end - range.begin));
        while (!written.empty() && (written.back() == ' ' || written.back() == '\t')) written.pop_back();
        // "for f = f" says nothing: a function named f is shown by its value.
        if (written == "f") written = to_string(f, context_.style);
        // On a line of its own, after the two sides (see statement_result::to_text).
        const std::string minus = context_.style == style::unicode ? " − " : " - ";
        return "\n(f(" + x + " + h)" + minus + "f(" + x + "))/h for f = " + written + chosen + ": " + quotients +
               ", toward the left side";
    }

    // `explain ∂z/∂x`, `explain d/dx (x² + 1)`, `explain ∂²z/∂x∂y`: the word,
    // a blank, and a derivative in any notation. The rest is parsed on its
    // own (with the word blanked out, so that positions stay those of the
    // line), as `d/dx` is an operator only where an expression starts.
    std::optional<statement_result> explain_statement() {
        const std::size_t start = text_.find_first_not_of(" \t");
        constexpr std::string_view word = "explain";
        if (start == std::string_view::npos || text_.substr(start, word.size()) != word) return std::nullopt;
        const std::size_t after = start + word.size();
        if (after >= text_.size() || (text_[after] != ' ' && text_[after] != '\t')) return std::nullopt;
        std::string rest(text_);
        rest.replace(start, word.size(), word.size(), ' ');
        ast::statement statement;
        try {
            statement = parse_statement(rest);
        } catch (const parse_error& e) {
            throw fail(e.offset(), e.message());
        }
        const auto* s = boost::get<ast::expression_statement>(&statement.get());
        const ast::derivative* d = s ? sole<ast::derivative>(s->value) : nullptr;
        if (!d)
            if (const ast::call* c = s ? sole<ast::call>(s->value) : nullptr;
                c && c->primes == 0 && c->partials.empty() && normalize_name(c->function.text) == "diff")
                return explain_diff_call(s->value, *c);
        if (!d)
            throw fail(text_.find_first_not_of(" \t", after),
                       "explain takes a derivative, like explain ∂z/∂x or explain(z, x)");
        // One explanation per variable, in the order written: ∂²z/∂x∂y
        // explains ∂z/∂x, then ∂/∂y of that.
        statement_result r;
        r.kind = result_kind::steps;
        r.value = lower_expression(s->value);  // checks the orders, notes d/dx x + 1
        std::vector<expr> variables;
        for (const ast::variable_order& v : d->variables) {
            const expr x = variable_named(v.variable);
            for (std::uint32_t k = 0; k < v.order && variables.size() <= max_explained_orders; ++k) variables.push_back(x);
        }
        explain_in_turn(r, differentiated(d->target, variables), variables);
        set_ans(r.value);
        return r;
    }

    // The variables a vector or matrix is taken over when the user named
    // none: with two or more, a note says which entry is which.
    static std::vector<expr> implied_variables(std::vector<expr> variables, statement_result& r) {
        if (variables.size() >= 2) {
            std::string order;
            for (const expr& v : variables) order += (order.empty() ? "" : ", ") + to_string(v, style::unicode);
            r.notes.push_back("by " + order + ", in that order");
        }
        return variables;
    }

    // An explanation of a few derivatives is read; one of a hundred is not.
    static constexpr std::size_t max_explained_orders = 20;

    // The steps of each derivative in turn, ∂/∂x of the one before; once
    // a derivative is 0 the rest are too, and nothing is left to explain.
    void explain_in_turn(statement_result& r, expr current, const std::vector<expr>& variables) {
        for (std::size_t k = 0; k < variables.size() && !current.is_zero(); ++k) {
            if (k == max_explained_orders)
                throw fail(std::min(text_.find_first_not_of(" \t"), text_.size()),
                           "explain shows at most " + std::to_string(max_explained_orders) +
                               " derivatives in turn; diff computes higher orders");
            check_cancel();
            explain_into(r, current, variables[k]);
            current = diff(current, variables[k], context_.diff);
        }
    }

    // explain diff(e, x), diff(e, x, y), diff(e, x, 2): the derivative as
    // lowering takes it, explained one variable at a time.
    statement_result explain_diff_call(const ast::operand& whole, const ast::call& c) {
        statement_result r;
        r.kind = result_kind::steps;
        r.value = lower_expression(whole);  // checks the arguments as diff does
        std::vector<expr> variables;
        if (c.args.size() == 3 && !sole<ast::name>(c.args[2].value)) {
            const expr x = variable_argument(c.args[1]);
            // Lowering accepted the order (2, 10^9): a whole number. More
            // than the cap is cut here and refused below unless the
            // derivatives reach 0 first.
            const std::optional<long long> n = lower_expression(c.args[2].value).integer_value();
            const std::size_t capped = max_explained_orders + 1;
            variables.assign(n ? std::min<std::size_t>(static_cast<std::size_t>(*n), capped) : capped, x);
        } else {
            for (std::size_t i = 1; i < c.args.size(); ++i) variables.push_back(variable_argument(c.args[i]));
        }
        explain_in_turn(r, differentiated(c.args[0].value, variables), variables);
        set_ans(r.value);
        return r;
    }

    // The steps of ∂e/∂x, or a word on why there are none.
    void explain_into(statement_result& r, const expr& e, const expr& x) const {
        std::vector<explanation_step> steps = explain_diff(e, x, context_.diff);
        if (steps.empty() && e == x) steps.push_back({"variable", "the variable itself", e, x, 1});
        if (steps.empty()) r.notes.push_back(to_string(e) + " does not depend on " + to_string(x));
        for (explanation_step& step : steps) r.steps.push_back(std::move(step));
    }

    statement_result assignment(const ast::assignment& a) {
        const std::string name = definable_name(a.target);
        if (context_.state.functions.count(name))
            throw fail(a.target.begin, "'" + name + "' is a function; :clear " + name + " to reuse the name");
        statement_result r;
        r.kind = result_kind::assignment;
        r.name = name;
        // A command with a single value may be assigned: d = expand((x + 1)²).
        r.value = lower_argument(a.value);
        context_.state.variables[name] = r.value;
        defined(name);
        return r;
    }

    statement_result definition(const ast::function_definition& d) {
        const std::string name = definable_name(d.function);
        if (context_.state.variables.count(name))
            throw fail(d.function.begin, "'" + name + "' is a variable; :clear " + name + " to reuse the name");
        std::vector<std::string> names;
        std::vector<expr> parameters;
        for (const auto& p : d.parameters) {
            const std::string pn = normalize_name(p.text);
            for (const auto& earlier : names)
                if (earlier == pn) throw fail(p.begin, "parameter '" + pn + "' appears twice");
            names.push_back(pn);
            parameters.push_back(symbol(pn));
        }
        // A recursive definition would refer to the function's old meaning:
        // hide it so f(x) = f(x) + 1 is an error rather than a surprise.
        const auto old = context_.state.functions.find(name);
        if (old != context_.state.functions.end()) context_.state.functions.erase(old);
        statement_result r;
        r.kind = result_kind::definition;
        r.name = name;
        r.parameters = parameters;
        r.value = lower_expression(d.body, names);
        context_.state.functions[name] = session::function_definition{parameters, r.value};
        defined(name);
        return r;
    }

    statement_result declaration(const ast::derivative_declaration& d) {
        const std::string name = normalize_name(d.function.text);
        if (find_function(name) || is_command(name))
            throw fail(d.function.begin, "'" + name + "' is built in; declare derivatives of your own functions");
        std::vector<std::string> names;
        std::vector<expr> parameters, partials;
        for (const auto& p : d.parameters) {
            names.push_back(normalize_name(p.text));
            parameters.push_back(symbol(names.back()));
        }
        const expr rhs = lower_expression(d.rhs, names, true);
        std::vector<expr> differentials;
        for (const auto& n : names) differentials.push_back(differential_symbol(n));
        std::string why;
        partials = declared_partials(rhs, differentials, why);
        if (!why.empty()) throw fail(ast::range_of(d.rhs).begin, why);
        // The declaration is global to the library (diff.hpp): make it last,
        // after everything that can fail.
        declare_derivative(name, parameters, partials);
        context_.state.declarations[name] = std::string(text_);
        context_.state.order["∂" + name] = ++context_.state.clock;
        statement_result r;
        r.kind = result_kind::declaration;
        r.name = name;
        r.text = "∂" + name + " declared";
        return r;
    }

    // ∇e, grad(…), hessian(…) or jacobian(…): a vector or matrix, which
    // `at` and eval take entry by entry (∇C at w=1 is the gradient there).
    std::optional<statement_result> vector_or_matrix(const ast::operand& e) {
        if (const auto* v = sole<ast::vector_literal>(e)) return vector_written(*v);
        if (const auto* g = sole<ast::gradient>(e); g && !g->laplacian) return expression_statement(e);
        if (const auto* c = sole<ast::call>(e); c && c->primes == 0 && c->partials.empty()) {
            const std::string name = normalize_name(c->function.text);
            if ((name == "grad" || name == "hessian" || name == "jacobian") && runs_here(name)) return command(*c, name);
        }
        return std::nullopt;
    }

    // [a, b, c] as a vector; [[a, b], [c, d]] as a matrix, its rows of one length.
    statement_result vector_written(const ast::vector_literal& v) {
        statement_result r;
        const auto* first_row = sole<ast::vector_literal>(v.entries.front());
        r.kind = first_row ? result_kind::matrix : result_kind::vector;
        for (const ast::operand& entry : v.entries) {
            const auto* row = sole<ast::vector_literal>(entry);
            if (!first_row) {
                if (row) throw fail(row->begin, "a vector's entries are expressions, or all rows of a matrix");
                r.elements.push_back(lower_argument(entry));
                continue;
            }
            if (!row)
                throw fail(ast::range_of(entry).begin, "this row has 1 entry and the first " +
                                                           std::to_string(first_row->entries.size()) +
                                                           " (a matrix's rows are all written [a, b, …])");
            if (row->entries.size() != first_row->entries.size())
                throw fail(row->begin, "this row has " + std::to_string(row->entries.size()) + " entries and the first " +
                                           std::to_string(first_row->entries.size()));
            std::vector<expr>& values = r.rows.emplace_back();
            for (const ast::operand& x : row->entries) {
                if (const auto* deeper = sole<ast::vector_literal>(x))
                    throw fail(deeper->begin, "a matrix's entries are expressions: nesting stops at rows");
                values.push_back(lower_argument(x));
            }
        }
        return r;
    }

    statement_result evaluated_entries(statement_result r, const substitution& s) {
        for (expr& e : r.elements) e = evaluate_with(e, s);
        for (auto& row : r.rows)
            for (expr& e : row) e = evaluate_with(e, s);
        return r;
    }

    statement_result at(const ast::evaluation_at& a) {
        substitution s;
        if (auto whole = vector_or_matrix(a.value)) {
            for (const auto& b : a.bindings) s[variable_named(b.variable)] = lower_argument(b.value);
            return evaluated_entries(std::move(*whole), s);
        }
        const expr value = lower_argument(a.value);
        for (const auto& b : a.bindings)
            s[variable_named(b.variable)] = lower_argument(b.value);
        statement_result r;
        r.kind = result_kind::value;
        r.value = evaluate_with(value, s);
        set_ans(r.value);
        return r;
    }

    // Substitutes; a closed result that is not yet a number is evaluated
    // numerically. Exact inputs with an exact answer stay exact.
    expr evaluate_with(const expr& value, const substitution& s) const {
        const expr substituted = s.empty() ? value : subs(value, s);
        if (substituted.is_number() || !free_symbols(substituted).empty()) return substituted;
        const expr closed = with_definitions(substituted);
        if (closed.is_number()) return closed;
        return real(evaluate(closed));
    }

    // The calls kept by name (see user_function::kept_by_name) replaced by
    // the definitions, for evaluation. A definition that calls itself,
    // f(x) = f(x/2) + 1 with ∂f declared, is expanded once.
    expr with_definitions(const expr& e, std::vector<std::string>* expanding = nullptr) const {
        std::vector<std::string> outermost;
        if (!expanding) expanding = &outermost;
        std::unordered_map<const detail::node*, expr> done;
        detail::for_each_post_order(e.get(), [&](const detail::node* n) {
            std::vector<expr> ops;
            bool changed = false;
            for (const detail::node* op : n->ops()) {
                ops.push_back(done.at(op));
                changed = changed || ops.back().get() != op;
            }
            expr result = changed ? detail::rebuild(n, ops) : expr::share(n);
            const auto f = n->kind == kind::call && n->call().derivative_indices.empty()
                               ? context_.state.functions.find(n->name())
                               : context_.state.functions.end();
            if (f != context_.state.functions.end() &&
                std::find(expanding->begin(), expanding->end(), f->first) == expanding->end()) {
                substitution arguments;
                for (std::size_t i = 0; i < f->second.parameters.size() && i < ops.size(); ++i)
                    arguments.emplace(f->second.parameters[i], ops[i]);
                expanding->push_back(f->first);
                result = with_definitions(subs(f->second.body, arguments), expanding);
                expanding->pop_back();
            }
            done.emplace(n, std::move(result));
        });
        return done.at(e.get());
    }

    // ------------------------------------------------------------ capabilities

    struct arguments {
        std::vector<const ast::argument*> positional;
        std::vector<const ast::argument*> keywords;
    };

    arguments split(const ast::call& c) const {
        arguments a;
        for (const auto& arg : c.args) (arg.keyword.text.empty() ? a.positional : a.keywords).push_back(&arg);
        return a;
    }

    void expect_count(const ast::call& c, const arguments& a, std::size_t min, std::size_t max,
                      bool keywords, std::string_view usage) const {
        if (a.positional.size() < min || a.positional.size() > max)
            throw fail(c.begin, "wrong number of arguments; usage: " + std::string(usage));
        if (!keywords && !a.keywords.empty())
            throw fail(a.keywords.front()->begin, "'" + a.keywords.front()->keyword.text +
                                                       "=' is not an argument of this command; usage: " +
                                                       std::string(usage));
    }

    // A name used as a variable (to differentiate by, to bind): its symbol
    // even if it has a value. Not a constant's name: no symbol of that name
    // occurs in an expression, so binding it would silently do nothing.
    expr variable_named(const ast::name& n) const {
        const std::string name = normalize_name(n.text);
        const bool assigned = session_environment(context_.state).variable(name).has_value();
        if (const std::string why = why_not_a_variable(name, n.text, assigned); !why.empty()) throw fail(n.begin, why);
        return symbol(name);
    }

    // A variable argument: a plain name.
    expr variable_argument(const ast::argument& arg) const {
        const auto* n = sole<ast::name>(arg.value);
        if (!n) throw fail(arg.begin, "expected a variable name");
        return variable_named(*n);
    }

    std::vector<expr> variables_from(const arguments& a, std::size_t first) const {
        std::vector<expr> vars;
        for (std::size_t i = first; i < a.positional.size(); ++i) vars.push_back(variable_argument(*a.positional[i]));
        return vars;
    }

    substitution bindings_from(const arguments& a) {
        substitution s;
        for (const auto* k : a.keywords) s[variable_named(k->keyword)] = lower_argument(k->value);
        return s;
    }

    // grad(e, x, y), hessian(e, x, y): e with the variables named after it
    // kept as symbols even where they have values, as ∂e/∂x keeps x.
    // grad(e), ∇e: the variables are the symbols of e as stored (C = (w − 3)²
    // is a function of w also after w = 0), kept as symbols likewise.
    expr first_keeping_variables(const arguments& a) {
        std::vector<std::string> names;
        for (std::size_t i = 1; i < a.positional.size(); ++i)
            if (const auto* n = sole<ast::name>(a.positional[i]->value)) names.push_back(normalize_name(n->text));
        if (names.empty()) return keeping_stored_symbols(a.positional.front()->value);
        return lower_expression(a.positional.front()->value, names);
    }
    expr keeping_stored_symbols(const ast::operand& e) {
        if (const auto* c = sole<ast::call>(e); c && runs_here(normalize_name(c->function.text))) return lower_argument(e);
        // The first reading only finds the symbols: its notes are the second's.
        const std::size_t notes_before = notes_.size();
        const expr as_stored = lower_expression(e, {}, false, false);
        notes_.resize(notes_before);
        std::vector<std::string> names;
        for (const expr& s : free_symbols(as_stored)) names.push_back(s.name());
        return names.empty() ? lower_expression(e) : lower_expression(e, names);
    }

    // A gradient or Hessian by variables that have values is taken at those
    // values, as ∂C/∂w is (lower.cpp, at_assigned_values), with a note.
    statement_result taken_at_assigned_values(statement_result r, const ast::located& written_at) {
        std::vector<std::string> names;
        for (const expr& x : r.variables) names.push_back(x.name());
        const assigned_values assigned = values_assigned_to(
            names, session_environment(context_.state), text_.substr(written_at.begin, written_at.end - written_at.begin));
        if (assigned.values.empty()) return r;
        for (expr& e : r.elements) e = subs(e, assigned.values);
        for (auto& row : r.rows)
            for (expr& e : row) e = subs(e, assigned.values);
        r.notes.push_back(assigned.note);
        return r;
    }

    // A defined function named alone, f after f(x, y) = …: the function of
    // its own parameters (noted), as ∇f and ∂f/∂x read it.
    std::optional<defined_function_target> own_function(const ast::operand& e) {
        return defined_function_of_own_parameters(e, text_, session_environment(context_.state), &notes_);
    }

    statement_result command(const ast::call& c, const std::string& name) {
        const arguments a = split(c);
        statement_result r;
        r.kind = result_kind::value;
        const auto first = [&] { return lower_argument(a.positional.front()->value); };
        // grad(f), hessian(f), laplacian(f) of a defined f: by its parameters
        // in their order unless variables are given.
        std::optional<defined_function_target> f;
        if ((name == "grad" || name == "hessian" || name == "laplacian" || name == "directional") &&
            !a.positional.empty())
            f = own_function(a.positional.front()->value);
        // The variables: those named after e, else f's parameters, else e's
        // free symbols (noted in order).
        const auto variables_of = [&](const expr& e) {
            if (a.positional.size() > 1) return variables_from(a, 1);
            return f ? f->parameters : implied_variables(free_symbols(e), r);
        };
        // A defined function's parameters are its own; other variables that
        // have values are taken at them.
        const auto finish = [&](statement_result done) {
            return f ? done : taken_at_assigned_values(std::move(done), c);
        };
        if (name == "grad") {
            expect_count(c, a, 1, 255, false, "grad(e[, x, y, …])");
            const expr e = f ? f->value : first_keeping_variables(a);
            r.kind = result_kind::vector;
            r.variables = variables_of(e);
            r.elements = gradient(e, r.variables, context_.diff);
            return finish(std::move(r));
        }
        if (name == "hessian") {
            expect_count(c, a, 1, 255, false, "hessian(e[, x, y, …])");
            const expr e = f ? f->value : first_keeping_variables(a);
            r.kind = result_kind::matrix;
            r.variables = variables_of(e);
            r.rows = hessian(e, r.variables, context_.diff);
            return finish(std::move(r));
        }
        if (name == "laplacian") {
            expect_count(c, a, 1, 255, false, "laplacian(e[, x, y, …])");
            const expr e = f ? f->value : first();
            r.value = laplacian(e, a.positional.size() > 1 ? variables_from(a, 1) : f ? f->parameters : free_symbols(e),
                                context_.diff);
            set_ans(r.value);
            return r;
        }
        if (name == "directional") {
            expect_count(c, a, 1, 1, true, "directional(e, x=a, y=b, …)");
            if (a.keywords.empty())
                throw fail(c.end > c.begin ? c.end - 1 : c.begin,
                           "expected the direction's components, as in directional(e, x=1, y=2)");
            const expr e = f ? f->value : first();
            std::vector<expr> variables, direction;
            for (const auto* k : a.keywords) {
                const expr v = variable_named(k->keyword);
                if (std::find(variables.begin(), variables.end(), v) != variables.end())
                    throw fail(k->begin, "'" + k->keyword.text + "' is given twice");
                variables.push_back(v);
                direction.push_back(lower_argument(k->value));
            }
            r.value = directional_derivative(e, variables, direction, context_.diff);
            set_ans(r.value);
            return r;
        }
        if (name == "jacobian") {
            expect_count(c, a, 1, 255, false, "jacobian(f, g, …[, x, y, …])");
            // The trailing plain names are the variables; at least one
            // function comes first. A name with a value is a function.
            std::size_t split_at = a.positional.size();
            // A defined function named alone (f after f(x, y) = …) is a
            // function of its parameters, and not a variable.
            const auto is_variable = [&](const ast::argument* arg) {
                const auto* n = sole<ast::name>(arg->value);
                if (!n) return false;
                const session_environment env(context_.state);
                const std::string name = normalize_name(n->text);
                return !env.variable(name) && !env.function(name);
            };
            while (split_at > 1 && is_variable(a.positional[split_at - 1])) --split_at;
            std::vector<expr> fs;
            std::optional<std::vector<expr>> shared_parameters;  // when every function is a defined one, alike
            bool all_defined = true;
            for (std::size_t i = 0; i < split_at; ++i) {
                if (auto defined = own_function(a.positional[i]->value)) {
                    fs.push_back(defined->value);
                    if (!shared_parameters) shared_parameters = defined->parameters;
                    else if (*shared_parameters != defined->parameters) all_defined = false;
                } else {
                    fs.push_back(lower_argument(a.positional[i]->value));
                    all_defined = false;
                }
            }
            std::vector<expr> vars = variables_from(a, split_at);
            if (vars.empty() && all_defined && shared_parameters) vars = *shared_parameters;
            if (vars.empty()) {
                // The union of the functions' symbols, in name order (a sum of
                // the functions could cancel some).
                std::map<std::string, expr> all;
                for (const auto& f : fs)
                    for (const auto& s : free_symbols(f)) all.emplace(s.name(), s);
                for (const auto& [n, s] : all) vars.push_back(s);
                vars = implied_variables(std::move(vars), r);
            }
            r.kind = result_kind::matrix;
            r.variables = vars;
            r.rows = jacobian(fs, vars, context_.diff);
            return r;
        }
        if (name == "eval") {
            expect_count(c, a, 1, 1, true, "eval(e, x=1, y=2)");
            if (auto whole = vector_or_matrix(a.positional.front()->value))
                return evaluated_entries(std::move(*whole), bindings_from(a));
            r.value = evaluate_with(first(), bindings_from(a));
            set_ans(r.value);
            return r;
        }
        if (name == "subs") {
            expect_count(c, a, 1, 1, true, "subs(e, x=a, y=b)");
            const expr e = first();
            r.value = subs(e, bindings_from(a));
            set_ans(r.value);
            return r;
        }
        if (name == "expand") {
            expect_count(c, a, 1, 1, false, "expand(e)");
            r.value = expand(first());
            set_ans(r.value);
            return r;
        }
        if (name == "simplify") {
            expect_count(c, a, 1, 1, false, "simplify(e)");
            const simplify_result s = simplify_report(first());
            r.value = s.value;
            if (s.reason == stop_reason::step_limit) r.notes.push_back("simplify stopped at its step limit");
            if (s.reason == stop_reason::time_limit) r.notes.push_back("simplify stopped at its time limit");
            set_ans(r.value);
            return r;
        }
        if (name == "explain") {
            expect_count(c, a, 2, 2, false, "explain(e, x)");
            const expr e = first();
            const expr x = variable_argument(*a.positional[1]);
            r.kind = result_kind::steps;
            explain_into(r, e, x);
            r.value = diff(e, x, context_.diff);
            set_ans(r.value);
            return r;
        }
        if (name == "check")
            throw fail(c.begin, "check takes an equality without parentheses: check lhs == rhs");
        if (name == "dot") {
            expect_count(c, a, 1, 1, false, "dot(e)");
            r.kind = result_kind::text;
            r.text = to_dot(first());
            // Without a trailing newline, like every other result text.
            while (!r.text.empty() && r.text.back() == '\n') r.text.pop_back();
            return r;
        }
        throw fail(c.begin, "'" + name + "' is not available yet");
    }

    statement_context& context_;
    std::string_view text_;
    std::vector<note> notes_;
    int nesting_ = 0;
};

}  // namespace

statement_result run_statement(statement_context& context, std::string_view text) {
    return runner(context, text).run();
}

}  // namespace nabla::detail
