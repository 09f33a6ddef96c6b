#pragma once
// Line editing for the REPL with libedit: history kept in a file, tab
// completion, and Ctrl-C that cancels the line being typed.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

struct editline;
struct history;

namespace nabla::cli {

class line_editor {
public:
    // Candidates for the word that ends the text before the cursor.
    using completer = std::function<std::vector<std::string>(std::string_view before_cursor)>;

    // `history_file` empty: no history file.
    line_editor(const char* program, std::string history_file, std::size_t history_size, completer complete);
    ~line_editor();
    line_editor(const line_editor&) = delete;
    line_editor& operator=(const line_editor&) = delete;

    enum class status { line, cancelled, end_of_input };
    // Reads a line (without its newline) after showing `prompt`.
    status read(const char* prompt, std::string& line);
    // Adds a statement to the history and saves the history file.
    void remember(const std::string& statement);

private:
    static unsigned char complete_word(editline* el, int key);
    static unsigned char cancel_line(editline* el, int key);
    static char* prompt_of(editline* el);

    editline* el_ = nullptr;
    history* history_ = nullptr;
    std::string history_file_;
    completer complete_;
    const char* prompt_ = "> ";
    bool cancelled_ = false;
};

}  // namespace nabla::cli
