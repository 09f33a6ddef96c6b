// libFuzzer target for the parser: any bytes, as one expression, as a
// program of statements (lowered like the session does) and as a rule file.
// Errors are fine; crashes, hangs, leaks and sanitizer reports are not.

#include "grammar/lower.hpp"
#include "grammar/parser.hpp"

#include <nabla/error.hpp>
#include <nabla/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nabla::parse_options options;
    options.max_bytes = 1 << 16;
    // Under AddressSanitizer each level of nesting takes several times the
    // stack it takes in a release build; the limit itself is what is tested.
    options.max_depth = 1000;
    try {
        (void)nabla::parse(text, options);
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
