// The session: REPL commands, scripts, saving, completion. Statements in the
// grammar's notation are executed in statement.cpp.

#include "grammar/parser.hpp"
#include "session/json.hpp"
#include "session/statement.hpp"

#include <nabla/diff.hpp>
#include <nabla/session.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace nabla {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error("cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// `f(x, y) = body` in a style, as the REPL echoes a definition.
std::string definition_text(const std::string& name, const session::function_definition& f, style s) {
    statement_result d;
    d.kind = result_kind::definition;
    d.name = name;
    d.parameters = f.parameters;
    d.value = f.body;
    return d.to_text(s);
}

// When a name was last defined (0 if never).
std::uint64_t defined_at(const session::state& st, const std::string& name) {
    const auto it = st.order.find(name);
    return it == st.order.end() ? 0 : it->second;
}

// The statements of a line: its text split at each ';' outside comments, as
// scripts are read (grammar/parser.cpp), as byte ranges [first, second).
std::vector<std::pair<std::size_t, std::size_t>> statement_ranges(std::string_view line) {
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    std::size_t begin = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '#') {
            i = std::min(line.find('\n', i), line.size());
            if (i == line.size()) break;
        } else if (line[i] == ';') {
            ranges.emplace_back(begin, i);
            begin = i + 1;
        }
    }
    ranges.emplace_back(begin, line.size());
    return ranges;
}

// An error in one statement of a line, placed in the whole line.
parse_error in_line(std::string_view line, std::size_t begin, const parse_error& e) {
    const parse_error at = detail::make_parse_error(line, begin + e.offset(), e.message());
    return parse_error(at.what(), at.message(), at.line(), at.column(), at.offset(), at.source_line(), e.why());
}

}  // namespace

std::string printable_text(std::string_view text) { return detail::printable(text); }

std::string format_diagnostic(std::string_view file, std::size_t first_line, const std::exception& e) {
    if (const auto* p = dynamic_cast<const parse_error*>(&e)) {
        const auto [shown, caret] = detail::caret_excerpt(detail::printable(p->source_line()), p->column());
        return std::string(file) + ":" + std::to_string(first_line + p->line() - 1) + ":" +
               std::to_string(p->column()) + ": error: " + p->message() + "\n    " + shown + "\n    " + caret;
    }
    return std::string(file) + ":" + std::to_string(first_line) + ": error: " + detail::printable(e.what());
}

bool statement_reader::add(std::string_view line) {
    ++line_;
    // The line without its comment; its brackets count toward the balance.
    std::string_view code = line.substr(0, line.find('#'));
    long depth = 0;
    for (char c : code) {
        if (c == '(' || c == '[') ++depth;
        if (c == ')' || c == ']') --depth;
    }
    code = trim(code);
    if (!pending()) {
        first_line_ = line_;
        depth_ = 0;
        last_.clear();
        command_ = code.starts_with(':');
    } else {
        // A blank line ends an unfinished statement, which then runs as it is.
        if (trim(line).empty()) return true;
        text_ += '\n';
    }
    text_ += line;
    depth_ += depth;
    // Kept incrementally: rescanning the whole statement per line would be
    // quadratic in a long unbalanced input.
    if (!code.empty()) last_ = code;
    if (command_ || depth_ < 0) return true;
    if (depth_ > 0) return false;
    for (std::string_view op : {"+", "-", "*", "/", "^", "=", ",", "·", "×", "÷", "−", "←"})
        if (ends_with(last_, op)) return false;
    return true;
}

std::string statement_reader::take() {
    std::string out;
    out.swap(text_);
    return out;
}

std::string error_to_json(std::string_view input, const std::exception& e) {
    using detail::json_string;
    std::string kind = "error";
    if (const auto* p = dynamic_cast<const parse_error*>(&e))
        kind = p->why() == parse_error::cause::domain  ? "domain"
               : p->why() == parse_error::cause::limit ? "limit"
                                                       : "parse";
    else if (dynamic_cast<const domain_error*>(&e)) kind = "domain";
    else if (dynamic_cast<const limit_error*>(&e)) kind = "limit";
    std::string out = "{\"input\": " + json_string(input) + ", \"kind\": \"error\", \"error\": " +
                      json_string(kind);
    if (const auto* p = dynamic_cast<const parse_error*>(&e)) {
        out += ", \"message\": " + json_string(p->message()) + ", \"line\": " + std::to_string(p->line()) +
               ", \"column\": " + std::to_string(p->column());
    } else {
        out += ", \"message\": " + json_string(e.what());
    }
    return out + "}";
}

bool needs_continuation(std::string_view text) {
    statement_reader reader;
    bool complete = true;
    for (std::size_t start = 0; start <= text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        complete = reader.add(text.substr(start, end - start));
        start = end + 1;
    }
    return !complete;
}

session::session() = default;

void session::check_cancel() const {
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw error("interrupted");
}

statement_result session::execute(std::string_view statement) {
    if (statement.size() > limits_.max_line_bytes)
        throw limit_error("input too long (" + std::to_string(statement.size()) + " bytes; the limit is " +
                          std::to_string(limits_.max_line_bytes) + ")");
    // Work on a copy; the state changes only when the statement succeeds.
    state work = state_;
    const nabla::style before = style_;
    try {
        statement_result r = run(work, statement);
        state_ = std::move(work);
        return r;
    } catch (...) {
        style_ = before;
        throw;
    }
}

statement_result session::run(state& st, std::string_view statement) {
    const std::string_view body = trim(statement);
    // A command owns its line (`:load a;b.nabla`).
    if (!body.empty() && body.front() == ':') return run_command(st, body);
    // Several statements, `x1 = 1; x2 = 2`: run in order on the line's copy
    // of the state, so the line takes effect whole or not at all. What the
    // line shows is its last statement's result, as in Julia; a trailing ';'
    // shows nothing. The notes of every statement are kept.
    const auto ranges = statement_ranges(statement);
    if (ranges.size() == 1) return run_one(st, statement);
    statement_result last;
    std::vector<std::string> notes;
    for (const auto& [begin, end] : ranges) {
        try {
            last = run_one(st, statement.substr(begin, end - begin));
        } catch (const parse_error& e) {
            throw in_line(statement, begin, e);
        }
        notes.insert(notes.end(), last.notes.begin(), last.notes.end());
        if (last.kind == result_kind::quit) break;
    }
    last.notes = std::move(notes);
    last.input = std::string(statement);
    return last;
}

statement_result session::run_one(state& st, std::string_view statement) {
    const std::string_view body = trim(statement);
    if (body.empty() || body.front() == '#') {
        statement_result r;
        r.input = std::string(statement);
        return r;
    }
    if (body.front() == ':') return run_command(st, body);
    // help, help grad, quit, exit: what people type first at a prompt. Read
    // as commands unless the word names something of the user's.
    const std::string_view word = body.substr(0, std::min(body.find_first_of(" \t"), body.size()));
    if (!st.variables.contains(word) && !st.functions.contains(word)) {
        const std::string_view topic = trim(body.substr(word.size()));
        const bool topic_is_word = std::all_of(topic.begin(), topic.end(), [](char c) {
            return c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        });
        if (word == "help" && topic_is_word) return run_command(st, ":" + std::string(body));
        if (body == "quit" || body == "exit") return run_command(st, ":quit");
    }
    detail::statement_context context{st, cancel_, diff_, style_};
    statement_result r = detail::run_statement(context, statement);
    r.input = std::string(statement);
    return r;
}

statement_result session::run_command(state& st, std::string_view line) {
    statement_result r;
    r.input = std::string(line);
    r.kind = result_kind::text;
    std::size_t end = 1;
    while (end < line.size() && !is_space(line[end])) ++end;
    const std::string_view name = line.substr(0, end);
    const std::string argument(trim(line.substr(end)));

    if (name == ":help") {
        r.text = help_text(argument);
        if (r.text.empty()) {
            std::string message = "no help for '" + argument + "'";
            std::string guess = suggest_command(argument);
            if (guess.empty()) guess = suggest_command(":" + argument);
            if (!guess.empty()) message += " — did you mean " + guess + "?";
            throw error(message);
        }
        return r;
    }
    if (name == ":vars") {
        std::vector<std::pair<std::uint64_t, std::string>> lines;
        for (const auto& [n, v] : st.variables)
            lines.emplace_back(defined_at(st, n), to_string(symbol(n), style_) + " = " + to_string(v, style_));
        for (const auto& [n, f] : st.functions) lines.emplace_back(defined_at(st, n), definition_text(n, f, style_));
        std::sort(lines.begin(), lines.end());
        for (const auto& [order, text] : lines) r.text += text + "\n";
        if (st.has_ans) r.text += "ans = " + to_string(st.ans, style_) + "\n";
        if (r.text.empty()) r.text = "no variables\n";
        r.text.pop_back();
        return r;
    }
    if (name == ":clear") {
        // Declared derivatives live in the library's rule table: forget them
        // there too, or a cleared ∂g would still differentiate g.
        if (argument.empty()) {
            for (const auto& [function, text] : st.declarations) forget_derivative(function);
            st = state{};
            r.text = "cleared";
            return r;
        }
        const bool declared = st.declarations.erase(argument) != 0;
        if (declared) forget_derivative(argument);
        if (argument == "ans" && st.has_ans) {
            st.has_ans = false;
            st.ans = expr();
        } else if (st.variables.erase(argument) + st.functions.erase(argument) + declared == 0) {
            throw error("no variable or function named '" + argument + "'");
        }
        st.order.erase(argument);
        r.text = "cleared " + argument;
        return r;
    }
    if (name == ":format") {
        if (argument == "unicode") style_ = style::unicode;
        else if (argument == "ascii") style_ = style::ascii;
        else if (argument == "latex") style_ = style::latex;
        else throw error("unknown format '" + argument + "': use unicode, ascii or latex");
        r.text = "format " + argument;
        return r;
    }
    if (name == ":kink") {
        if (argument == "average") diff_.kink = kink_convention::average;
        else if (argument == "first") diff_.kink = kink_convention::first;
        else if (argument == "second") diff_.kink = kink_convention::second;
        else throw error("unknown convention '" + argument + "': use average, first or second");
        r.text = "kink " + argument;
        return r;
    }
    if (name == ":shared") {
        if (argument == "on") shared_ = true;
        else if (argument == "off") shared_ = false;
        else throw error("use :shared on or :shared off");
        r.text = "shared subexpressions " + std::string(shared_ ? "named once" : "written out");
        return r;
    }
    if (name == ":load") {
        if (argument.empty()) throw error(":load needs a file name");
        const std::string text = read_file(argument);
        // The script runs in a scratch session on this statement's state, so a
        // failing script leaves the session as it was.
        session scratch;
        scratch.state_ = st;
        scratch.style_ = style_;
        scratch.shared_ = shared_;
        scratch.diff_ = diff_;
        scratch.cancel_ = cancel_;
        script_report report = scratch.run_script(text, argument, on_error::stop);
        if (!report.errors.empty()) {
            // Declarations went into the library's rule table, outside any
            // state: take back those the script made and put back the ones
            // it replaced.
            for (const auto& [function, declared] : scratch.state_.declarations) {
                const auto before = st.declarations.find(function);
                if (before != st.declarations.end() && before->second == declared) continue;
                forget_derivative(function);
                if (before == st.declarations.end()) continue;
                session again;
                again.state_ = st;
                again.execute(before->second);
            }
            throw error(report.errors.front());
        }
        st = std::move(scratch.state_);
        style_ = scratch.style_;
        shared_ = scratch.shared_;
        diff_ = scratch.diff_;
        r.text = "loaded " + argument + " (" + std::to_string(report.results.size()) + " statements)";
        return r;
    }
    if (name == ":save") {
        if (argument.empty()) throw error(":save needs a file name");
        std::ofstream out(argument, std::ios::binary | std::ios::trunc);
        // save_script() reads the committed state; this command does not change it.
        const std::string script = save_script();
        if (!out || !(out << script) || !out.flush()) throw error("cannot write '" + argument + "'");
        r.text = "saved " + argument;
        return r;
    }
    if (name == ":quit" || name == ":q" || name == ":exit") {
        r.kind = result_kind::quit;
        return r;
    }
    std::string message = "unknown command '" + std::string(name) + "'";
    if (const std::string guess = suggest_command(name); !guess.empty()) message += " — did you mean " + guess + "?";
    else message += " — :help lists the commands";
    throw error(message);
}

script_report session::run_script(std::string_view text, std::string_view file, on_error policy) {
    script_report report;
    statement_reader reader;
    std::size_t start = 0;
    while (start < text.size() || reader.pending()) {
        std::size_t end = std::min(text.find('\n', start), text.size());
        const bool complete = reader.add(text.substr(start, end - start));
        start = end + 1;
        // At the end of the text an unfinished statement runs as it is, to
        // get its error.
        if (!complete && start < text.size()) continue;
        const std::size_t first_line = reader.first_line();
        const std::string statement = reader.take();
        try {
            check_cancel();
            statement_result r = execute(statement);
            if (r.kind == result_kind::quit) {
                report.quit = true;
                break;
            }
            if (r.kind != result_kind::none) report.results.push_back(std::move(r));
        } catch (const std::exception& e) {
            report.errors.push_back(format_diagnostic(file, first_line, e));
            if (policy == on_error::stop) break;
        }
    }
    return report;
}

std::string session::save_script() const {
    // Each definition becomes a line; replaying a line substitutes the
    // variables defined by the lines before it. A stored value may mention a
    // variable defined later (z = 2x, then x = 3: z stays 2x), so a line must
    // come before the definitions of the symbols it mentions; otherwise the
    // order of definition. Such references go forward in time, except when
    // captured values refer to each other in a cycle, which no script replays.
    struct item {
        std::uint64_t when;
        std::string text;
        std::vector<std::string> mentions;  // variables that must come after
    };
    std::map<std::string, item> items;  // by name; declarations as "∂name"
    const auto mentions = [&](const expr& value, const std::string& self, const std::vector<expr>& parameters) {
        std::vector<std::string> out;
        for (const auto& s : free_symbols(value)) {
            const bool parameter = std::find(parameters.begin(), parameters.end(), s) != parameters.end();
            if (s.name() != self && !parameter && state_.variables.count(s.name())) out.push_back(s.name());
        }
        return out;
    };
    for (const auto& [n, v] : state_.variables)
        items[n] = {defined_at(state_, n), to_string(symbol(n), style::ascii) + " = " + to_string(v, style::ascii),
                    mentions(v, n, {})};
    for (const auto& [n, f] : state_.functions)
        items[n] = {defined_at(state_, n), definition_text(n, f, style::ascii), mentions(f.body, "", f.parameters)};
    for (const auto& [n, text] : state_.declarations) items["∂" + n] = {defined_at(state_, "∂" + n), text, {}};

    // Kahn's algorithm, earliest definition first among the ready ones.
    std::map<std::string, std::size_t> waiting;  // name → unplaced items that must precede it
    for (const auto& [n, it] : items)
        for (const auto& m : it.mentions) ++waiting[m];
    std::vector<std::pair<std::uint64_t, std::string>> ready;
    for (const auto& [n, it] : items)
        if (!waiting[n]) ready.emplace_back(it.when, n);
    std::string body;
    bool cycle = false;
    std::set<std::string> placed;
    while (placed.size() < items.size()) {
        if (ready.empty()) {
            // A cycle: place its earliest definition and say so.
            cycle = true;
            std::pair<std::uint64_t, std::string> first{~std::uint64_t(0), {}};
            for (const auto& [n, it] : items)
                if (!placed.count(n)) first = std::min(first, std::pair{it.when, n});
            ready.push_back(first);
        }
        const auto next = std::min_element(ready.begin(), ready.end());
        const std::string name = next->second;
        ready.erase(next);
        if (!placed.insert(name).second) continue;
        body += items[name].text + "\n";
        for (const auto& m : items[name].mentions)
            if (--waiting[m] == 0 && !placed.count(m)) ready.emplace_back(items[m].when, m);
    }
    std::string out = "# nabla session\n";
    if (cycle) out += "# note: some values refer to each other in a cycle; replaying changes them\n";
    if (style_ != style::unicode) out += style_ == style::ascii ? ":format ascii\n" : ":format latex\n";
    if (shared_) out += ":shared on\n";
    if (diff_.kink == kink_convention::first) out += ":kink first\n";
    if (diff_.kink == kink_convention::second) out += ":kink second\n";
    out += body;
    if (state_.has_ans) out += "# ans = " + to_string(state_.ans, style::ascii) + "\n";
    return out;
}

const expr* session::variable(std::string_view name) const {
    const auto it = state_.variables.find(name);
    return it == state_.variables.end() ? nullptr : &it->second;
}

std::vector<std::string> session::variable_names() const {
    std::vector<std::string> out;
    for (const auto& [n, v] : state_.variables) out.push_back(n);
    return out;
}

std::vector<std::string> session::function_names() const {
    std::vector<std::string> out;
    for (const auto& [n, f] : state_.functions) out.push_back(n);
    return out;
}

std::vector<std::string> session::completions(std::string_view line) const {
    // The word being completed: trailing letters, digits, '_' and UTF-8
    // bytes (Greek names), with a leading ':' for commands.
    std::size_t begin = line.size();
    while (begin > 0) {
        const unsigned char c = static_cast<unsigned char>(line[begin - 1]);
        if (std::isalnum(c) || c == '_' || c >= 0x80) --begin;
        else break;
    }
    const bool command = begin > 0 && line[begin - 1] == ':' && trim(line.substr(0, begin - 1)).empty();
    const std::string word = std::string(command ? ":" : "") + std::string(line.substr(begin));
    std::vector<std::string> candidates;
    if (command) {
        for (const auto& c : commands())
            if (c.name.front() == ':') candidates.emplace_back(c.name);
    } else if (trim(line).substr(0, 1) == ":") {
        // An argument of a command: :help topics and :format styles.
        const std::string_view head = trim(line);
        if (head.starts_with(":help"))
            for (const auto& c : commands()) candidates.emplace_back(c.name);
        if (head.starts_with(":format")) candidates = {"ascii", "latex", "unicode"};
        if (head.starts_with(":shared")) candidates = {"off", "on"};
        if (head.starts_with(":kink")) candidates = {"average", "first", "second"};
        if (head.starts_with(":clear")) {
            for (const auto& n : variable_names()) candidates.push_back(n);
            for (const auto& n : function_names()) candidates.push_back(n);
        }
    } else {
        for (const auto& c : commands())
            if (c.name.front() != ':') candidates.emplace_back(c.name);
#define NABLA_FUNCTION(id, name, arity) candidates.emplace_back(name);
#include <nabla/functions.inc>
#undef NABLA_FUNCTION
        for (const char* extra : {"sqrt", "sec", "csc", "cot", "sech", "csch", "coth", "ln", "pi", "ans"})
            candidates.emplace_back(extra);
        for (const auto& n : variable_names()) candidates.push_back(n);
        for (const auto& n : function_names()) candidates.push_back(n);
    }
    std::vector<std::string> out;
    for (auto& c : candidates)
        if (c.size() >= word.size() && std::string_view(c).substr(0, word.size()) == word) out.push_back(std::move(c));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace nabla
