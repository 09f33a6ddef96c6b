// Construction speed and memory of the expression core.
//
//   build/bench/bench_core_construction
//
// 1. Nodes created per second: distinct binary nodes (s_a·s_b) through the
//    public operators, each new to the intern table; 10,000 live at a time
//    (the table fits the caches), then a million live (it does not: each
//    node costs a probe at a random place of a 16 MiB table).
// 2. Bytes per node: resident memory growth (from /proc/self/statm) divided
//    by the live node count, intern table included.
// 3. The machine's latency of one random load over a buffer the size of that
//    table: the floor of the million-node case; and over 256 KiB to 4 MiB,
//    which shows where the caches end.
// 4. Build time of the N-variable Rosenbrock function
//    Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², for N = 10⁴ and 10⁵, built as the
//    peers build it (a vector of terms, one n-ary sum).

#include <nabla/expr.hpp>

#include "core/node.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

using namespace nabla;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// CPU time of this thread: on a shared 2-core machine, wall time also counts
// other processes' turns.
double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Nanoseconds per dependent load at random places in a buffer of `bytes`,
// in 2 MiB pages where the kernel offers them, as the intern table is.
double random_load_ns(std::size_t bytes) {
    const std::size_t lines = std::max<std::size_t>(bytes / 64, 2);
    std::vector<std::uint64_t> order(lines);
    for (std::size_t i = 0; i < lines; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
    void* memory = nullptr;
    if (posix_memalign(&memory, std::size_t(2) << 20, lines * 64) != 0) return 0;
    madvise(memory, lines * 64, MADV_HUGEPAGE);
    auto* next = static_cast<std::uint64_t*>(memory);
    for (std::size_t i = 0; i < lines; ++i) next[order[i] * 8] = order[(i + 1) % lines] * 8;
    std::uint64_t at = order[0] * 8;
    constexpr int steps = 2000000;
    const double t0 = now();
    for (int i = 0; i < steps; ++i) at = next[at];
    const double ns = (now() - t0) / steps * 1e9;
    std::free(memory);
    return at == 1 ? 0 : ns;  // uses the chain's end, so the loop is not optimized away
}

expr rosenbrock(int n, const std::vector<expr>& xs) {
    std::vector<expr> terms;
    terms.reserve(n);
    for (int i = 0; i + 1 < n; ++i)
        terms.push_back(100 * pow(xs[i + 1] - pow(xs[i], 2), 2) + pow(1 - xs[i], 2));
    return add(terms);
}

}  // namespace

int main() {
    // --- nodes per second and bytes per node
    constexpr int count = 1000000;
    std::vector<expr> symbols;
    symbols.reserve(2000);
    for (int i = 0; i < 2000; ++i) symbols.push_back(symbol("s" + std::to_string(i)));
    std::vector<expr> keep;
    keep.reserve(count);
    const expr warm = 1;  // the small-integer cache fills on first use: not part of the count
    // 10,000 at a time, each batch freed before the next: the table stays
    // small enough for the caches.
    {
        double wall = 0, cpu = 0;
        std::size_t made = 0;
        for (int round = 0; round < 100; ++round) {
            std::vector<expr> batch;
            batch.reserve(10000);
            const std::size_t n0 = detail::live_node_count();
            const double w0 = now(), u0 = cpu_now();
            for (int i = 0; i < 10000; ++i)
                batch.push_back(symbols[(i + round) % 1000] * symbols[1000 + (i / 1000 + round * 10) % 1000]);
            wall += now() - w0;
            cpu += cpu_now() - u0;
            made += detail::live_node_count() - n0;
        }
        std::printf("construction, 10,000 at a time: %zu product nodes in %.3f s wall = %.2f million nodes/s (%.2f per CPU-second)\n",
                    made, wall, made / wall / 1e6, made / cpu / 1e6);
    }

    const std::size_t nodes_before = detail::live_node_count();
    const std::size_t rss_before = resident_bytes();
    double t0 = now(), c0 = cpu_now();
    for (int i = 0; i < count; ++i) {
        // s_a · s_b with a < 1000 ≤ b: a product node, new for each pair
        keep.push_back(symbols[i % 1000] * symbols[1000 + (i / 1000) % 1000]);
    }
    double t1 = now(), c1 = cpu_now();
    const std::size_t created = detail::live_node_count() - nodes_before;
    const std::size_t rss_after = resident_bytes();
    std::printf("construction: %zu product nodes in %.3f s wall = %.2f million nodes/s (%.2f per CPU-second)\n",
                created, t1 - t0, created / (t1 - t0) / 1e6, created / (c1 - c0) / 1e6);
    std::printf("memory: %.1f bytes per node (resident growth incl. intern table; %zu bytes of table)\n",
                double(rss_after - rss_before) / double(created), detail::intern_table_bytes());

    // The floor for the million-node case: each new node is a probe at a
    // random slot of a table of this size, so at best one memory latency.
    {
        const double ns = random_load_ns(detail::intern_table_bytes());
        std::printf("memory latency: %.0f ns per random load over %zu MiB (at most %.2f million nodes/s at one miss each)\n",
                    ns, detail::intern_table_bytes() >> 20, 1e3 / ns);
        // Where the caches end: any table of a million nodes is past it.
        std::printf("memory latency by size:");
        for (std::size_t kib : {256, 512, 1024, 2048, 4096})
            std::printf(" %zu KiB %.0f ns%s", kib, random_load_ns(kib << 10), kib == 4096 ? "\n" : ",");
    }

    // The same million, built by one thread per core at once (each its own
    // share of the pairs): what the machine makes, where the single thread
    // above waits on one memory latency at a time.
    keep.clear();
    {
        const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
        std::vector<std::vector<expr>> made(threads);
        const std::size_t n0 = detail::live_node_count();
        const double w0 = now();
        std::vector<std::thread> workers;
        for (unsigned t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                made[t].reserve(count / threads + 1);
                for (int i = static_cast<int>(t); i < count; i += static_cast<int>(threads))
                    made[t].push_back(symbols[i % 1000] * symbols[1000 + (i / 1000) % 1000]);
            });
        for (std::thread& w : workers) w.join();
        const double wall = now() - w0;
        const std::size_t created_together = detail::live_node_count() - n0;
        std::printf("construction on %u threads at once: %zu product nodes in %.3f s wall = %.2f million nodes/s\n",
                    threads, created_together, wall, created_together / wall / 1e6);
    }

    // Deeper node mix: sums of products with coefficients, like real workloads.
    std::vector<expr> mixed;
    mixed.reserve(count / 4);
    std::size_t nodes0 = detail::live_node_count();
    t0 = now();
    c0 = cpu_now();
    for (int i = 0; i < count / 4; ++i) mixed.push_back(3 * symbols[i % 2000] + symbols[(i * 7) % 2000] * (i + 2));
    t1 = now();
    c1 = cpu_now();
    std::size_t mixed_nodes = detail::live_node_count() - nodes0;
    std::printf("mixed (3a + (i+2)b): %zu new nodes in %.3f s wall = %.2f million nodes/s (%.2f per CPU-second)\n",
                mixed_nodes, t1 - t0, mixed_nodes / (t1 - t0) / 1e6, mixed_nodes / (c1 - c0) / 1e6);
    keep.clear();
    mixed.clear();

    // --- Rosenbrock
    for (int n : {10000, 100000}) {
        std::vector<expr> xs;
        for (int i = 0; i < n; ++i) xs.push_back(symbol("x" + std::to_string(i)));
        std::size_t before = detail::live_node_count();
        double best = 1e9, best_cpu = 1e9;
        std::size_t nodes = 0;
        for (int rep = 0; rep < 3; ++rep) {
            double s = now(), c = cpu_now();
            expr f = rosenbrock(n, xs);
            best = std::min(best, now() - s);
            best_cpu = std::min(best_cpu, cpu_now() - c);
            nodes = detail::live_node_count() - before;
        }
        std::printf("rosenbrock N=%d: build %.2f ms wall (%.2f ms CPU), %zu nodes = %.2f million nodes/s\n", n,
                    best * 1e3, best_cpu * 1e3, nodes, nodes / best / 1e6);
    }
}
