// REPL latency: the time from starting `nabla` in a terminal to its prompt
// (goal < 20 ms), a whole `nabla -e` run, and the time per simple statement
// in a session (goal < 10 ms). Prints one line per figure in the peers'
// format: RESULT <workload> nabla <seconds> <size> <note>.
//
// Usage: bench_startup [path/to/nabla] [repetitions]
// (default: the nabla program next to this benchmark's directory)

#include <nabla/session.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Reads from the terminal until `text` has appeared after `from` in `seen`;
// false after 5 s.
bool wait_for(int master, std::string& seen, std::size_t from, std::string_view text) {
    const auto start = clock_type::now();
    while (seconds_since(start) < 5) {
        if (seen.find(text, from) != std::string::npos) return true;
        pollfd p{master, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        char buffer[256];
        const ssize_t n = read(master, buffer, sizeof buffer);
        if (n <= 0) return false;
        seen.append(buffer, static_cast<std::size_t>(n));
    }
    return false;
}

struct terminal_times {
    double prompt = -1;     // start to the first prompt
    double statement = -1;  // Enter to the next prompt, for one statement
};

// Starts nabla on a pseudo-terminal, times its first prompt and one
// statement typed at it. The child gets Ctrl-D and is reaped.
terminal_times time_terminal(const std::string& nabla, const std::string& home) {
    int master = -1;
    // A terminal of a real size: libedit misreads input on a 0×0 one.
    winsize size{};
    size.ws_row = 30;
    size.ws_col = 100;
    const auto start = clock_type::now();
    const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
    if (pid < 0) return {};
    if (pid == 0) {
        setenv("HOME", home.c_str(), 1);
        setenv("TERM", "xterm", 1);
        setenv("NO_COLOR", "1", 1);
        execl(nabla.c_str(), nabla.c_str(), "-q", static_cast<char*>(nullptr));
        _exit(127);
    }
    std::string seen;
    terminal_times times;
    if (wait_for(master, seen, 0, "> ")) {
        times.prompt = seconds_since(start);
        // Let libedit settle into its line mode before typing.
        usleep(50000);
        const std::string line = "diff(2x^2 y, x)";
        if (write(master, line.data(), line.size()) == ssize_t(line.size()) && wait_for(master, seen, 0, line)) {
            const std::size_t from = seen.size();
            const auto typed = clock_type::now();
            if (write(master, "\r", 1) == 1 && wait_for(master, seen, from, "4xy\r\n> "))
                times.statement = seconds_since(typed);
        }
    }
    // Ctrl-D to leave; keys typed in the very moment the prompt appears are
    // sometimes lost by libedit, so wait a little, and insist if needed.
    int status = 0;
    const char eof = 4;
    for (int attempt = 0; attempt < 20; ++attempt) {
        usleep(50000);
        if (waitpid(pid, &status, WNOHANG) == pid) break;
        if (attempt == 19 || write(master, &eof, 1) != 1) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        char drain[256];
        pollfd p{master, POLLIN, 0};
        while (poll(&p, 1, 0) > 0 && read(master, drain, sizeof drain) > 0) {
        }
    }
    close(master);
    return times;
}

// Runs `nabla -e statement` to completion; returns the wall time.
double time_one_shot(const std::string& nabla, const char* statement) {
    const auto start = clock_type::now();
    const pid_t pid = fork();
    if (pid == 0) {
        if (!std::freopen("/dev/null", "w", stdout)) _exit(127);
        execl(nabla.c_str(), nabla.c_str(), "-e", statement, static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? seconds_since(start) : -1;
}

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    const std::string nabla =
        argc > 1 ? argv[1] : (fs::canonical("/proc/self/exe").parent_path().parent_path() / "nabla").string();
    const int repetitions = argc > 2 ? std::atoi(argv[2]) : 20;
    if (!fs::exists(nabla)) {
        std::fprintf(stderr, "no nabla program at %s (pass its path)\n", nabla.c_str());
        return 2;
    }
    const fs::path home = fs::temp_directory_path() / "nabla-bench-home";
    fs::create_directories(home);

    std::vector<double> prompt, typed, one_shot;
    for (int i = 0; i < repetitions; ++i) {
        const terminal_times t = time_terminal(nabla, home.string());
        if (t.prompt < 0 || t.statement < 0) {
            std::fprintf(stderr, "nabla did not show its prompt or answer\n");
            return 1;
        }
        prompt.push_back(t.prompt);
        typed.push_back(t.statement);
        one_shot.push_back(time_one_shot(nabla, "diff(2x^2 y, x)"));
    }
    std::printf("RESULT\tstartup-to-prompt\tnabla\t%.6f\t%d\tmedian of %d runs on a pty (goal < 0.020)\n",
                median(prompt), repetitions, repetitions);
    std::printf("RESULT\tstatement-at-prompt\tnabla\t%.6f\t%d\tEnter to the next prompt, "
                "diff(2x^2 y, x) (goal < 0.010)\n",
                median(typed), repetitions);
    std::printf("RESULT\tone-shot-e\tnabla\t%.6f\t%d\tmedian of `nabla -e 'diff(2x^2 y, x)'`\n",
                median(one_shot), repetitions);

    // Statements in one session, as typed at the prompt.
    const std::vector<const char*> statements = {
        "z = 2x²y", "∂z/∂x", "grad(z)", "f(x, y) = x² + y", "f(a + b, c)", "eval(z, x=3, y=1/2)",
        "expand((x + 1)^3)", "hessian(z)", "sin x y", ":vars"};
    for (const char* statement : statements) {
        std::vector<double> times;
        for (int i = 0; i < repetitions; ++i) {
            nabla::session s;
            try {
                s.execute("z = 2x²y");
                s.execute("f(x, y) = x² + y");
            } catch (const nabla::error& e) {
                std::fprintf(stderr, "set-up: %s\n", e.what());
                return 1;
            }
            const auto start = clock_type::now();
            try {
                s.execute(statement);
            } catch (const nabla::error& e) {
                std::fprintf(stderr, "%s: %s\n", statement, e.what());
                return 1;
            }
            times.push_back(seconds_since(start));
        }
        std::printf("RESULT\tstatement\tnabla\t%.6f\t%d\t%s (goal < 0.010)\n", median(times), repetitions,
                    statement);
    }
    fs::remove_all(home);
    return 0;
}
