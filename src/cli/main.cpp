// The `nabla` program: the REPL on a terminal, and statements from -e,
// script files or standard input for scripts. Everything it computes goes
// through nabla::session; this file is input, output and signals.

#include "editor.hpp"
#include "options.hpp"

#include <nabla/expr.hpp>
#include <nabla/session.hpp>
#include <nabla/version.hpp>

#include <atomic>
#include <chrono>
#include <clocale>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace nabla::cli {

namespace {

// ---------------------------------------------------------------- output

bool color_allowed(int fd, bool no_color_option) {
    if (no_color_option) return false;
    if (const char* v = std::getenv("NO_COLOR"); v && *v) return false;
    if (const char* term = std::getenv("TERM"); term && std::strcmp(term, "dumb") == 0) return false;
    return isatty(fd) != 0;
}

class printer {
public:
    printer(const options& o, bool interactive)
        : json_(o.json), interactive_(interactive), out_color_(color_allowed(1, o.no_color)),
          err_color_(color_allowed(2, o.no_color)) {}

    void result(const session& s, const statement_result& r) const {
        if (json_) {
            if (r.kind != result_kind::none && r.kind != result_kind::quit) std::cout << r.to_json() << '\n';
            std::cout.flush();
            return;
        }
        // Notes say how ambiguous input was read. On a terminal they stand
        // above the answer; in scripts they go to stderr so stdout stays the
        // answers alone.
        for (const auto& n : r.notes) {
            if (interactive_) std::cout << paint(out_color_, "2", "note: " + n) << '\n';
            else std::cerr << "note: " << n << '\n';
        }
        if (r.kind == result_kind::none || r.kind == result_kind::quit) return;
        std::cout << r.to_text(s.style(), s.shared()) << '\n';
        std::cout.flush();
    }

    // An error: the caret diagnostic on stderr; in JSON mode also an object
    // on stdout, so each input still has its line of output.
    void failure(std::string_view input, const std::string& diagnostic, const std::exception& e) const {
        if (json_) {
            std::cout << error_to_json(input, e) << '\n';
            std::cout.flush();
        }
        std::string text = printable_text(diagnostic);
        if (!text.starts_with("error") && text.find(": error: ") == std::string::npos) text = "error: " + text;
        std::cerr << paint(err_color_, "31", text) << '\n';
        std::cerr.flush();
    }

    std::string paint(bool on, const char* code, const std::string& text) const {
        if (!on) return text;
        return std::string("\033[") + code + "m" + text + "\033[0m";
    }

private:
    bool json_, interactive_, out_color_, err_color_;
};

// ---------------------------------------------------------------- scripts

// Runs the statements of a stream; returns false if one failed.
bool run_stream(session& s, std::istream& in, const std::string& name, const options& o, const printer& p,
                bool& quit) {
    statement_reader reader;
    std::string line;
    bool ok = true;
    bool more = true;
    while (more) {
        more = static_cast<bool>(std::getline(in, line));
        if (!more && !reader.pending()) break;
        if (more && !reader.add(line)) continue;
        const std::size_t first_line = reader.first_line();
        const std::string statement = reader.take();
        try {
            const statement_result r = s.execute(statement);
            if (r.kind == result_kind::quit) {
                quit = true;
                return ok;
            }
            p.result(s, r);
        } catch (const std::exception& e) {
            p.failure(statement, format_diagnostic(name, first_line, e), e);
            ok = false;
            if (!o.keep_going) return false;
        }
    }
    return ok;
}

// Runs -e statements and script files in order. Returns the exit status.
int run_sources(session& s, const options& o) {
    const printer p(o, false);
    bool failed = false, quit = false;
    for (const auto& src : o.sources) {
        if (src.type == source::type::statement) {
            try {
                const statement_result r = s.execute(src.text);
                if (r.kind == result_kind::quit) break;
                p.result(s, r);
            } catch (const std::exception& e) {
                p.failure(src.text, e.what(), e);
                failed = true;
                if (!o.keep_going) return 1;
            }
            continue;
        }
        if (src.text == "-") {
            failed |= !run_stream(s, std::cin, "<stdin>", o, p, quit);
        } else {
            std::ifstream file(src.text, std::ios::binary);
            if (!file) {
                std::cerr << "nabla: cannot open '" << src.text << "': " << std::strerror(errno) << '\n';
                return 2;
            }
            failed |= !run_stream(s, file, src.text, o, p, quit);
        }
        if (quit || (failed && !o.keep_going)) break;
    }
    return failed ? 1 : 0;
}

// ---------------------------------------------------------------- the REPL

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) { interrupted.store(true); }

// A statement running on a worker thread, on its own copy of the session, so
// Ctrl-C can abandon it and the session is untouched.
struct job {
    explicit job(const session& s, std::string text) : work(s), statement(std::move(text)) {
        work.set_cancel_flag(&cancel);
    }
    session work;
    std::string statement;
    std::atomic<bool> cancel{false};
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::optional<statement_result> result;
    std::exception_ptr failure;
};

// Computations abandoned by Ctrl-C that are still finishing in the background.
int abandoned = 0;

statement_result run_cancellable(session& live, const std::string& statement) {
    auto j = std::make_shared<job>(live, statement);
    interrupted.store(false);
    nabla::clear_interrupt();
    std::thread worker([j] {
        std::optional<statement_result> r;
        std::exception_ptr failure;
        try {
            r = j->work.execute(j->statement);
        } catch (...) {
            failure = std::current_exception();
        }
        const std::lock_guard lock(j->mutex);
        j->result = std::move(r);
        j->failure = failure;
        j->done = true;
        j->finished.notify_all();
    });
    std::unique_lock lock(j->mutex);
    // Wait for the result, looking at the Ctrl-C flag every few milliseconds
    // (a signal handler cannot notify a condition variable).
    while (!j->finished.wait_for(lock, std::chrono::milliseconds(10), [&] { return j->done; })) {
        if (!interrupted.load()) continue;
        j->cancel.store(true);
        nabla::request_interrupt();
        // The session and the core stop at their next check; an operation
        // that checks rarely is left to finish alone after a moment.
        if (!j->finished.wait_for(lock, std::chrono::milliseconds(300), [&] { return j->done; })) {
            lock.unlock();
            worker.detach();
            ++abandoned;
            throw error("interrupted");
        }
    }
    lock.unlock();
    worker.join();
    if (j->failure) std::rethrow_exception(j->failure);
    j->work.set_cancel_flag(nullptr);
    live = std::move(j->work);
    return std::move(*j->result);
}

std::string history_path() {
    if (const char* path = std::getenv("NABLA_HISTORY")) return path;
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.nabla_history";
    return {};
}

int run_repl(session& s, const options& o, const char* program) {
    // libedit reads multibyte input by the locale; insist on UTF-8.
    if (!std::setlocale(LC_CTYPE, "") || MB_CUR_MAX == 1) std::setlocale(LC_CTYPE, "C.UTF-8");
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);

    const printer p(o, true);
    line_editor editor(program, history_path(), 1000,
                       [&s](std::string_view before) { return s.completions(before); });
    if (!o.quiet)
        std::cout << "nabla " << nabla::version << " — :help for the commands, Ctrl-D to leave\n";
    statement_reader reader;
    std::string line;
    while (true) {
        const auto status = editor.read(reader.pending() ? "… " : "> ", line);
        if (status == line_editor::status::cancelled) {
            std::cout << '\n';
            reader.discard();
            continue;
        }
        if (status == line_editor::status::end_of_input) {
            std::cout << '\n';
            break;
        }
        if (!reader.add(line)) continue;
        const std::string statement = reader.take();
        if (statement.find_first_not_of(" \t\r") == std::string::npos) continue;
        editor.remember(statement);
        try {
            const statement_result r = run_cancellable(s, statement);
            if (r.kind == result_kind::quit) break;
            p.result(s, r);
        } catch (const std::exception& e) {
            p.failure(statement, e.what(), e);
        }
    }
    return 0;
}

}  // namespace

int run(int argc, char** argv) {
    std::string problem;
    const std::optional<options> parsed = parse_options(argc, argv, problem);
    if (!parsed) {
        std::cerr << "nabla: " << problem << "\ntry 'nabla --help'\n";
        return 2;
    }
    const options& o = *parsed;
    if (o.help) {
        std::cout << usage_text();
        return 0;
    }
    if (o.version) {
        std::cout << "nabla " << nabla::version << '\n';
        return 0;
    }
    if (o.help_reference) {
        std::cout << help_reference_markdown();
        return 0;
    }
    session s;
    s.set_style(o.style);
    int status;
    if (!o.sources.empty()) {
        status = run_sources(s, o);
    } else if (isatty(0)) {
        status = run_repl(s, o, argc > 0 ? argv[0] : "nabla");
    } else {
        const printer p(o, false);
        bool quit = false;
        status = run_stream(s, std::cin, "<stdin>", o, p, quit) ? 0 : 1;
    }
    std::cout.flush();
    // A computation abandoned by Ctrl-C may still be running: leave without
    // destroying what it uses.
    if (abandoned > 0) std::_Exit(status);
    return status;
}

}  // namespace nabla::cli

int main(int argc, char** argv) { return nabla::cli::run(argc, argv); }
