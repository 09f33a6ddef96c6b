// Differentiation workloads of ../shared/peers (same definitions as
// ginac_peer.cpp, so the figures compare), one line per workload:
//   RESULT<TAB>workload<TAB>nabla<TAB>seconds<TAB>size<TAB>note
// size is the printed length in characters: ASCII style without the spaces
// nabla puts around + and − (GiNaC prints none), so the counts compare.
// Usage: bench_diff_workloads [W2a W2b W3 W3s W5 W6 W7b ...]  (default: all)

#include <nabla/diff.hpp>
#include <nabla/print.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace nabla;

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void emit(const std::string& w, double secs, const std::string& size, const std::string& note) {
    std::printf("RESULT\t%s\tnabla\t%.6g\t%s\t%s\n", w.c_str(), secs, size.c_str(), note.c_str());
    std::fflush(stdout);
}

// Median wall time of fn() repeated until `budget` seconds or `max_reps` runs (at least 3).
double median_time(const std::function<void()>& fn, int& reps, double budget = 0.3, int max_reps = 21) {
    std::vector<double> ts;
    const double t0 = now_s();
    do {
        const double a = now_s();
        fn();
        ts.push_back(now_s() - a);
    } while (static_cast<int>(ts.size()) < max_reps && (ts.size() < 3 || now_s() - t0 < budget));
    std::sort(ts.begin(), ts.end());
    reps = static_cast<int>(ts.size());
    return ts[ts.size() / 2];
}

std::string reps_note(int reps) { return "median of " + std::to_string(reps) + " in-process reps"; }

std::size_t printed(const expr& e) {
    const std::string text = to_string(e, style::ascii);
    return text.size() - static_cast<std::size_t>(std::count(text.begin(), text.end(), ' '));
}

std::vector<expr> symbols(const std::string& prefix, int n) {
    std::vector<expr> v;
    for (int i = 0; i < n; ++i) v.push_back(symbol(prefix + std::to_string(i)));
    return v;
}

void w2a() {
    const expr x = symbol("x");
    expr e = x;
    for (int i = 0; i < 200; ++i) e = i % 2 == 0 ? sin(e) : cos(e);
    expr d;
    int reps;
    const double t = median_time([&] { d = diff(e, x); }, reps);
    emit("W2a-diff-nest200", t, std::to_string(printed(d)), reps_note(reps));
}

void w2b() {
    const expr x = symbol("x");
    std::vector<expr> v;
    for (int i = 1; i <= 500; ++i) v.push_back(pow(x + i, i));
    const expr f = mul(v);
    expr d;
    int reps;
    const double t = median_time([&] { d = diff(f, x); }, reps, 1.0, 5);
    emit("W2b-diff-prod500", t, std::to_string(printed(d)), reps_note(reps) + "; f·Σ fᵢ′/fᵢ form");
}

expr rosenbrock(const std::vector<expr>& xs) {
    std::vector<expr> terms;
    for (std::size_t i = 0; i + 1 < xs.size(); ++i)
        terms.push_back(100 * pow(xs[i + 1] - pow(xs[i], 2), 2) + pow(1 - xs[i], 2));
    return add(terms);
}

// nabla has one gradient algorithm (only the ancestors of each variable are
// visited), so the naive W3 and the term-wise W3s are the same call.
void w3(int n, const std::string& name, const std::string& what) {
    const auto xs = symbols("x", n);
    const double t0 = now_s();
    const expr f = rosenbrock(xs);
    const double build = now_s() - t0;
    std::vector<expr> g;
    int reps;
    // As the peers time it: each rep also frees the previous rep's gradient.
    const double t = median_time([&] { g = gradient(f, xs); }, reps, 1.0, 5);
    // The gradient alone, the previous one freed before the clock starts.
    std::vector<double> alone;
    for (int rep = 0; rep < 3; ++rep) {
        g.clear();
        const double a = now_s();
        g = gradient(f, xs);
        alone.push_back(now_s() - a);
    }
    std::sort(alone.begin(), alone.end());
    // On the caller's thread only, as the peers run.
    diff_options serial;
    serial.threads = 1;
    int serial_reps;
    const double one_thread = median_time([&] { g = gradient(f, xs, serial); }, serial_reps, 1.0, 5);
    std::size_t size = 0;
    for (const expr& e : g) size += printed(e);
    emit(name + std::to_string(n), t, std::to_string(size),
         what + "build_f=" + std::to_string(build) + "s; gradient_alone=" + std::to_string(alone[1]) +
             "s; one_thread=" + std::to_string(one_thread) + "s; " + reps_note(reps) + ", " +
             std::to_string(std::max(1U, std::thread::hardware_concurrency())) + " threads");
}

void w5(int n = 50) {
    const auto xs = symbols("x", n);
    std::vector<expr> sn;
    for (int i = 0; i + 1 < n; ++i) sn.push_back(sin(xs[i] * xs[i + 1]));
    const expr f = pow(add(xs), 3) + add(sn);
    std::vector<std::vector<expr>> h;
    int reps;
    const double t = median_time([&] { h = hessian(f, xs); }, reps);
    std::size_t size = 0;
    for (const auto& row : h)
        for (const expr& e : row) size += printed(e);
    emit("W5-hessian" + std::to_string(n), t, std::to_string(size),
         "gradient, then each symmetric pair once; " + reps_note(reps));
}

void w6() {
    const expr x = symbol("x");
    for (int which = 0; which < 2; ++which) {
        const expr e = which == 0 ? exp(x) * sin(x) * pow(x, 3) : pow(x, x);
        expr d;
        int reps;
        const double t = median_time([&] { d = diff(e, x, 10); }, reps);
        emit(which == 0 ? "W6a-d10-expsinx3" : "W6b-d10-xx", t, std::to_string(printed(d)), reps_note(reps));
    }
}

void w7b(int nin = 8, int nh = 16) {
    const auto in = symbols("in", nin);
    std::vector<expr> W, b, v;
    for (int j = 0; j < nh; ++j)
        for (int k = 0; k < nin; ++k) W.push_back(symbol("W" + std::to_string(j) + "_" + std::to_string(k)));
    for (int j = 0; j < nh; ++j) {
        b.push_back(symbol("b" + std::to_string(j)));
        v.push_back(symbol("v" + std::to_string(j)));
    }
    const expr y = symbol("y"), c = symbol("c");
    std::vector<expr> weights(W);
    weights.insert(weights.end(), b.begin(), b.end());
    weights.insert(weights.end(), v.begin(), v.end());
    weights.push_back(c);
    std::vector<expr> g;
    int reps;
    const double t = median_time([&] {
        std::vector<expr> outs;
        for (int j = 0; j < nh; ++j) {
            std::vector<expr> lin;
            for (int k = 0; k < nin; ++k) lin.push_back(W[j * nin + k] * in[k]);
            outs.push_back(v[j] * tanh(add(lin) + b[j]));
        }
        const expr loss = pow(add(outs) + c - y, 2);
        g = gradient(loss, weights);
    }, reps);
    std::size_t size = 0;
    for (const expr& e : g) size += printed(e);
    emit("W7b-mlp8x16-build", t, std::to_string(size),
         "loss+" + std::to_string(weights.size()) + " partials; " + reps_note(reps));
}

}  // namespace

int main(int argc, char** argv) {
    std::set<std::string> want(argv + 1, argv + argc);
    auto on = [&](const char* w) { return want.empty() || want.count(w); };
    if (on("W2a")) w2a();
    if (on("W2b")) w2b();
    if (on("W3s")) w3(10000, "W3s-gradsparse-rosen", "");
    if (on("W3")) {
        w3(10000, "W3-grad-rosen", "same algorithm as W3s; ");
        w3(100000, "W3-grad-rosen", "same algorithm as W3s; ");
    }
    if (on("W5")) w5();
    if (on("W6")) w6();
    if (on("W7b")) w7b();
    return 0;
}
