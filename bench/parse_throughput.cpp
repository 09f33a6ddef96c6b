// Parse throughput (issue 3, item 7): the W1 corpus of ../shared/peers, one
// expression per line, read by nabla::parse into canonical DAG nodes (UTF-8
// check, grammar, lowering, hash-consing), measured like the peers measure it
// (ginac_peer.cpp, w1): every line parsed once, results kept until the end.
//
//   python3 /work/shared/peers/gen_w1.py /tmp/w1.txt
//   bench_parse_throughput /tmp/w1.txt [repetitions=5]
//
// Prints one line per repetition and a peers-format RESULT row with the
// median. Each repetition starts cold: the previous results are freed, so
// their nodes leave the intern table.
//
// Then two parts of that work, each timed alone (median of the same number
// of repetitions), for where the time goes:
//   grammar alone      the X3 grammar into the syntax tree, no lowering;
//                      each tree is freed at once, so its nodes' memory is
//                      reused warm (the part is, if anything, underrated);
//   construction alone the canonical nodes of the results built again
//                      through the core's factories (make_sum_nodes,
//                      make_product_nodes, make_power, make_apply) from a
//                      post-order list of each result, its leaves ready:
//                      no grammar, no name lookup, operands already in
//                      canonical order, and only the final nodes, none of
//                      the intermediate ones lowering builds.

#include <nabla/parse.hpp>

#include "core/node.hpp"
#include "grammar/parser.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace {

double median_seconds(int repetitions, const std::function<void()>& before, const std::function<void()>& work) {
    std::vector<double> seconds;
    for (int r = 0; r < repetitions; ++r) {
        before();
        const auto t0 = std::chrono::steady_clock::now();
        work();
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds[seconds.size() / 2];
}

// One step of a result's post-order: a leaf to push, or an operator node
// to build from the last `nops` values.
struct step {
    const nabla::detail::node* leaf = nullptr;
    nabla::kind kind = nabla::kind::number;
    nabla::function function{};
    std::uint32_t nops = 0;
};

void post_order(const nabla::expr& e, std::vector<step>& out, std::vector<nabla::expr>& leaves) {
    if (e.kind() == nabla::kind::number || e.kind() == nabla::kind::real || e.kind() == nabla::kind::symbol ||
        e.kind() == nabla::kind::constant) {
        leaves.push_back(e);  // kept alive, as lowering finds them ready
        out.push_back({e.get(), e.kind(), {}, 0});
        return;
    }
    for (std::size_t i = 0; i < e.size(); ++i) post_order(e[i], out, leaves);
    out.push_back({nullptr, e.kind(), e.kind() == nabla::kind::apply ? e.function() : nabla::function{},
                   static_cast<std::uint32_t>(e.size())});
}

// `stack` and `operands` are the caller's, reused from line to line.
nabla::expr construct(const std::vector<step>& steps, std::vector<nabla::expr>& stack,
                      std::vector<const nabla::detail::node*>& operands) {
    using namespace nabla::detail;
    stack.clear();
    for (const step& s : steps) {
        if (s.leaf) {
            stack.push_back(nabla::expr::share(s.leaf));
            continue;
        }
        const std::size_t first = stack.size() - s.nops;
        nabla::expr built;
        switch (s.kind) {
        case nabla::kind::sum:
        case nabla::kind::product:
            operands.clear();
            for (std::size_t i = first; i < stack.size(); ++i) operands.push_back(stack[i].get());
            built = s.kind == nabla::kind::sum ? make_sum_nodes(operands) : make_product_nodes(operands);
            break;
        case nabla::kind::power: built = make_power(stack[first], stack[first + 1]); break;
        case nabla::kind::apply: built = make_apply(s.function, function_args(stack.begin() + first, stack.end())); break;
        default: std::fprintf(stderr, "unexpected node kind in W1\n"); std::exit(1);
        }
        stack.resize(first);
        stack.push_back(std::move(built));
    }
    return stack.back();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s W1_FILE [repetitions]\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::fprintf(stderr, "cannot read %s (generate it with gen_w1.py)\n", argv[1]);
        return 2;
    }
    std::vector<std::string> lines;
    std::size_t bytes = 0;
    for (std::string line; std::getline(in, line);) {
        bytes += line.size() + 1;
        lines.push_back(std::move(line));
    }
    const int repetitions = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;

    std::vector<double> seconds;
    std::size_t nodes_check = 0;
    for (int r = 0; r < repetitions; ++r) {
        std::vector<nabla::expr> out;
        out.reserve(lines.size());
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& line : lines) out.push_back(nabla::parse(line));
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        seconds.push_back(t);
        std::size_t check = 0;
        for (const auto& e : out) check += e.hash() & 0xff;
        nodes_check = check;
        std::printf("run %d: %.4f s, %.2f MB/s\n", r + 1, t, double(bytes) / t / 1e6);
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    std::printf("RESULT\tW1-parse\tnabla\t%.6f\t%zulines/%zuB\t%.2fMB/s (median of %d, chk=%zu)\n",
                median, lines.size(), bytes, double(bytes) / median / 1e6, repetitions, nodes_check);

    const double grammar = median_seconds(repetitions, [] {}, [&] {
        for (const auto& line : lines) nabla::detail::parse_checked_expression(line, {});
    });

    std::vector<std::vector<step>> recipes(lines.size());
    std::vector<nabla::expr> leaves;
    {
        std::vector<nabla::expr> parsed;
        parsed.reserve(lines.size());
        for (const auto& line : lines) parsed.push_back(nabla::parse(line));
        for (std::size_t i = 0; i < lines.size(); ++i) post_order(parsed[i], recipes[i], leaves);
        // Built again, the same nodes: the factories make what parse made.
        std::vector<nabla::expr> stack;
        std::vector<const nabla::detail::node*> operands;
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (!(construct(recipes[i], stack, operands) == parsed[i])) {
                std::fprintf(stderr, "line %zu: construction differs from parse\n", i + 1);
                return 1;
            }
    }  // the results are freed: construction starts cold, as parse did
    std::vector<nabla::expr> built, stack;
    std::vector<const nabla::detail::node*> operands;
    const double construction = median_seconds(repetitions, [&] { built.clear(); }, [&] {
        for (const auto& recipe : recipes) built.push_back(construct(recipe, stack, operands));
    });
    std::printf("parts alone: grammar %.1f ms (%.0f%%), construction %.1f ms (%.0f%%), of %.1f ms in all\n",
                grammar * 1e3, 100 * grammar / median, construction * 1e3, 100 * construction / median, median * 1e3);
    return 0;
}
