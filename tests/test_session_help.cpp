// The command table is the one source of :help and the README reference:
// every example runs, every stated answer is what the program prints, and the
// README holds the generated reference verbatim.

#include <nabla/print.hpp>
#include <nabla/session.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <algorithm>
#include <set>
#include <sstream>

using namespace nabla;

TEST_CASE("every command's example runs and prints its stated answer", "[session][help]") {
    for (const auto& c : commands()) {
        // Every command has an example; those of :load and :save touch files.
        CHECK_FALSE(c.example.empty());
        if (c.name == ":load" || c.name == ":save") continue;
        INFO(c.name << ": " << c.example);
        session s;
        statement_result r;
        REQUIRE_NOTHROW(r = s.execute(c.example));
        if (!c.answer.empty()) CHECK(r.to_text(style::unicode) == c.answer);
    }
}

TEST_CASE("every command has help, and :help lists them all", "[session][help]") {
    session s;
    const std::string overview = s.execute(":help").text;
    std::set<std::string_view> names;
    std::set<long> summary_columns;
    for (const auto& c : commands()) {
        INFO(c.name);
        CHECK(names.insert(c.name).second);  // no duplicates
        CHECK_FALSE(c.summary.empty());
        CHECK(overview.find(std::string(c.usage)) != std::string::npos);
        // Every summary starts in one column, counted in characters (… is one).
        const std::size_t line = overview.find("  " + std::string(c.usage));
        const std::size_t summary = overview.find(std::string(c.summary), line);
        REQUIRE(summary != std::string::npos);
        const auto columns = [&](std::size_t from, std::size_t to) {
            return std::count_if(overview.begin() + long(from), overview.begin() + long(to),
                                 [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; });
        };
        summary_columns.insert(columns(line, summary));
        const std::string one = s.execute(":help " + std::string(c.name)).text;
        CHECK(one.starts_with(std::string(c.usage) + "\n"));
    }
    CHECK(summary_columns.size() == 1);
    // A topic may be written without its colon.
    CHECK(s.execute(":help vars").text == s.execute(":help :vars").text);
    CHECK_THROWS_WITH(s.execute(":help grda"), "no help for 'grda' — did you mean grad?");
}

TEST_CASE("the Markdown reference escapes table cells", "[session][help]") {
    const std::string md = help_reference_markdown();
    CHECK(md.starts_with("| Command | What it does | Example |\n|---|---|---|\n"));
    CHECK(md.find("| `:format unicode\\|ascii\\|latex` | choose how results are printed") != std::string::npos);
    CHECK(md.find("| `grad(e[, x, y, …])` | gradient. ") != std::string::npos);
}

TEST_CASE("the README holds the command reference verbatim", "[session][help][readme]") {
    std::ifstream in(std::string(NABLA_TEST_DATA) + "/../../README.md");
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    INFO("paste the output of `nabla --help-reference` into README.md");
    CHECK(text.str().find(help_reference_markdown()) != std::string::npos);
}

TEST_CASE("help, help grad, quit and exit work without the colon, unless the word is the user's", "[session][help]") {
    session s;
    CHECK(s.execute("help").to_text(style::unicode) == help_text(""));
    CHECK(s.execute("help grad").to_text(style::unicode) == help_text("grad"));
    CHECK(s.execute("  help :vars").to_text(style::unicode) == help_text(":vars"));
    CHECK(s.execute("quit").kind == result_kind::quit);
    CHECK(s.execute("exit").kind == result_kind::quit);
    // An assignment to the word is an assignment, and then the word is a variable.
    CHECK(s.execute("help = 2").kind == result_kind::assignment);
    CHECK(s.execute("help").value == expr(2));
    s.execute("quit(t) = t + 1");
    CHECK_THROWS_WITH(s.execute("quit"), Catch::Contains("'quit' is a function"));
}
