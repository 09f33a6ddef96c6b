// libFuzzer target for the parser: any bytes, as one expression, as a
// program of statements (lowered like the session does) and as a rule file.
// Errors are fine; crashes, hangs, leaks and sanitizer reports are not.
// An expression that parses must also print in ASCII and Unicode text that
// parses back to the same node (issue 3's round trip, on the fuzzer's inputs).

#include "grammar/lower.hpp"
#include "grammar/parser.hpp"

#include <nabla/error.hpp>
#include <nabla/parse.hpp>
#include <nabla/print.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

// Aborts (a finding) unless `e` printed in `s` parses back to `e`. The
// limits (nesting, size) may refuse the printed text; nothing else may.
void check_round_trip(const nabla::expr& e, nabla::style s, const nabla::parse_options& options) {
    const std::string text = nabla::to_string(e, s);
    try {
        if (nabla::parse(text, options) == e) return;
        std::fprintf(stderr, "round trip: '%s' parses back to a different expression\n", text.c_str());
    } catch (const nabla::error& err) {
        const std::string what = err.what();
        if (what.find("too deeply") != std::string::npos || what.find("limit is") != std::string::npos ||
            what.find("too long") != std::string::npos)
            return;
        std::fprintf(stderr, "round trip: '%s' does not parse back: %s\n", text.c_str(), what.c_str());
    }
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nabla::parse_options options;
    options.max_bytes = 1 << 16;
    // Under AddressSanitizer each level of nesting takes several times the
    // stack it takes in a release build; the limit itself is what is tested.
    options.max_depth = 1000;
    try {
        const nabla::expr e = nabla::parse(text, options);
        check_round_trip(e, nabla::style::ascii, options);
        check_round_trip(e, nabla::style::unicode, options);
    } catch (const nabla::error&) {
    }
    try {
        const auto program = nabla::detail::parse_program(text, options);
        const nabla::detail::environment none;
        nabla::detail::lower_options lo;
        lo.allow_differentials = size % 2 == 0;
        std::vector<nabla::detail::note> notes;
        for (const auto& st : program.statements) {
            try {
                if (const auto* e = boost::get<nabla::ast::expression_statement>(&st.get()))
                    (void)nabla::detail::lower(e->value, text, none, &notes, lo);
                else if (const auto* d = boost::get<nabla::ast::derivative_declaration>(&st.get()))
                    (void)nabla::detail::lower(d->rhs, text, none, &notes, lo);
            } catch (const nabla::error&) {
            }
        }
    } catch (const nabla::error&) {
    }
    try {
        (void)nabla::detail::parse_rule_file(text, "fuzz.rules");
    } catch (const nabla::error&) {
    }
    return 0;
}
