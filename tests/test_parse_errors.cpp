// Diagnostics, verbatim: each tests/data/parse/NAME.input (one statement,
// a final newline ignored) must fail with exactly NAME.expect (what():
// position, message, source line, caret). NABLA_UPDATE_GOLDENS=1 rewrites
// the .expect files; review the diff before committing them.

#include "grammar/lower.hpp"
#include "grammar/parser.hpp"

#include <nabla/error.hpp>
#include <nabla/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace nabla;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string without_final_newline(std::string s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// Parses and lowers a statement the way the session does, returning the
// diagnostic (or a marker when the input is accepted).
std::string diagnose(const std::string& text) {
    try {
        const ast::statement st = detail::parse_statement(text);
        const detail::environment none;
        if (const auto* e = boost::get<ast::expression_statement>(&st.get()))
            detail::lower(e->value, text, none);
        else if (const auto* a = boost::get<ast::assignment>(&st.get()))
            detail::lower(a->value, text, none);
        return "(accepted)";
    } catch (const parse_error& e) {
        return e.what();
    }
}

}  // namespace

TEST_CASE("golden diagnostics", "[parse][errors]") {
    const fs::path dir = fs::path(NABLA_TEST_DATA) / "parse";
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".input") inputs.push_back(entry.path());
    std::sort(inputs.begin(), inputs.end());
    REQUIRE(inputs.size() >= 20);
    const bool update = std::getenv("NABLA_UPDATE_GOLDENS") != nullptr;
    for (const auto& input : inputs) {
        const std::string text = without_final_newline(read_file(input));
        const std::string got = diagnose(text);
        fs::path expect = input;
        expect.replace_extension(".expect");
        if (update) std::ofstream(expect, std::ios::binary) << got << "\n";
        INFO(input.filename().string());
        CHECK(got == without_final_newline(read_file(expect)));
    }
}

TEST_CASE("parse_error carries the position", "[parse][errors]") {
    try {
        parse("x + (y * ");
        FAIL("no error");
    } catch (const parse_error& e) {
        CHECK(e.message() == "expected an expression after '*'");
        CHECK(e.line() == 1);
        CHECK(e.column() == 10);
        CHECK(e.offset() == 9);
        CHECK(e.source_line() == "x + (y * ");
    }
    try {
        detail::parse_program("x = 1\ny = (2\n", {}, "script.nb");
        FAIL("no error");
    } catch (const parse_error& e) {
        CHECK(e.line() == 2);
        CHECK(std::string(e.what()) == "script.nb:2:7: '(' at column 5 is never closed\n  y = (2\n        ^");
    }
    // Columns count characters, not bytes.
    try {
        parse("α + β + )");
        FAIL("no error");
    } catch (const parse_error& e) {
        CHECK(e.column() == 9);
        CHECK(e.offset() == 10);
    }
}
