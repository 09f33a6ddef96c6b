#include "editor.hpp"

#include <histedit.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace nabla::cli {

line_editor::line_editor(const char* program, std::string history_file, std::size_t history_size,
                         completer complete)
    : history_file_(std::move(history_file)), complete_(std::move(complete)) {
    el_ = el_init(program, stdin, stdout, stderr);
    el_set(el_, EL_CLIENTDATA, this);
    el_set(el_, EL_EDITOR, "emacs");
    // libedit restores the terminal on SIGCONT/SIGWINCH and around signals.
    el_set(el_, EL_SIGNAL, 1);
    el_set(el_, EL_PROMPT, &line_editor::prompt_of);

    history_ = history_init();
    HistEvent event;
    history(history_, &event, H_SETSIZE, static_cast<int>(history_size));
    history(history_, &event, H_SETUNIQUE, 1);
    if (!history_file_.empty()) history(history_, &event, H_LOAD, history_file_.c_str());
    el_set(el_, EL_HIST, ::history, history_);

    el_set(el_, EL_ADDFN, "nabla-complete", "complete a command, function or variable",
           &line_editor::complete_word);
    el_set(el_, EL_BIND, "^I", "nabla-complete", nullptr);
    // Ctrl-C while typing is a key, not a signal: it drops the line and the
    // REPL goes on. (During a computation the terminal is in its normal mode
    // and Ctrl-C is SIGINT, which the REPL turns into a cancellation.)
    el_set(el_, EL_SETTY, "-d", "-isig", nullptr);
    el_set(el_, EL_ADDFN, "nabla-cancel", "cancel the line", &line_editor::cancel_line);
    el_set(el_, EL_BIND, "^C", "nabla-cancel", nullptr);
    // The user's ~/.editrc may rebind keys.
    el_source(el_, nullptr);
}

line_editor::~line_editor() {
    if (history_) history_end(history_);
    if (el_) el_end(el_);
}

char* line_editor::prompt_of(editline* el) {
    line_editor* self = nullptr;
    el_get(el, EL_CLIENTDATA, &self);
    return const_cast<char*>(self->prompt_);
}

line_editor::status line_editor::read(const char* prompt, std::string& line) {
    prompt_ = prompt;
    cancelled_ = false;
    int count = 0;
    const char* text = el_gets(el_, &count);
    if (cancelled_) {
        line.clear();
        return status::cancelled;
    }
    if (!text || count <= 0) return status::end_of_input;
    line.assign(text, static_cast<std::size_t>(count));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return status::line;
}

void line_editor::remember(const std::string& statement) {
    // One history entry per statement: continuation lines are joined, since
    // a newline inside a statement is only whitespace.
    std::string entry = statement;
    std::replace(entry.begin(), entry.end(), '\n', ' ');
    HistEvent event;
    history(history_, &event, H_ENTER, entry.c_str());
    if (!history_file_.empty()) history(history_, &event, H_SAVE, history_file_.c_str());
}

unsigned char line_editor::cancel_line(editline* el, int) {
    line_editor* self = nullptr;
    el_get(el, EL_CLIENTDATA, &self);
    self->cancelled_ = true;
    std::fputs("^C", stdout);
    std::fflush(stdout);
    return CC_NEWLINE;
}

unsigned char line_editor::complete_word(editline* el, int) {
    line_editor* self = nullptr;
    el_get(el, EL_CLIENTDATA, &self);
    const LineInfo* info = el_line(el);
    const std::string before(info->buffer, static_cast<std::size_t>(info->cursor - info->buffer));
    const std::vector<std::string> candidates = self->complete_(before);
    if (candidates.empty()) return CC_REFRESH_BEEP;

    // The typed part: the longest tail of `before` that starts the candidates.
    std::size_t typed = std::min(before.size(), candidates.front().size());
    while (typed > 0 && before.compare(before.size() - typed, typed, candidates.front(), 0, typed) != 0) --typed;
    std::string common = candidates.front();
    for (const auto& c : candidates) {
        std::size_t n = 0;
        while (n < common.size() && n < c.size() && common[n] == c[n]) ++n;
        common.resize(n);
    }
    std::string insert = common.size() > typed ? common.substr(typed) : std::string();
    if (candidates.size() == 1 && candidates.front().front() == ':') insert += ' ';
    if (!insert.empty()) {
        el_insertstr(el, insert.c_str());
        return CC_REFRESH;
    }
    // Nothing more to insert: list the choices under the line.
    std::string list = "\n";
    for (const auto& c : candidates) list += c + "  ";
    list += "\n";
    std::fputs(list.c_str(), stdout);
    std::fflush(stdout);
    return CC_REDISPLAY;
}

}  // namespace nabla::cli
