#pragma once
/// \file Errors thrown by nabla: one base type, a few kinds a caller may want
/// to tell apart. Messages are short, lowercase and stable (tests compare
/// them word for word).

#include <cstddef>
#include <stdexcept>
#include <string>

namespace nabla {

/// Base of every error nabla throws.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A mathematical domain error: division by zero, log(-1), asin(2), 0^-1.
/// `where` is the offending subexpression printed in ASCII (empty if none).
class domain_error : public error {
public:
    domain_error(const std::string& message, std::string where = {})
        : error(message), where_(std::move(where)) {}
    /// The offending subexpression, printed in ASCII notation.
    const std::string& where() const noexcept { return where_; }

private:
    std::string where_;
};

/// A resource limit was hit: an expansion with too many terms, a number with
/// too many digits, an input that nests too deeply.
class limit_error : public error {
public:
    using error::error;
};

/// A computation stopped because request_interrupt() was called.
class interrupted : public error {
public:
    interrupted() : error("interrupted") {}
};

/// Input text that could not be read. Carries the position (1-based line and
/// column, 0-based byte offset), the source line and the bare message;
/// what() is the full caret diagnostic.
class parse_error : public error {
public:
    /// What is wrong with the input: its form, or what it means.
    enum class cause {
        syntax,  ///< it does not read (`2x^^2`, `sin(x`)
        domain,  ///< it reads but has no value (`1/0`, `log(0)`, `asin(2)`)
        limit,   ///< it reads but is too big to build (`2^(2^20)`, `expand((x+1)^(10^6))`)
    };

    parse_error(const std::string& diagnostic, std::string message, std::size_t line,
                std::size_t column, std::size_t offset, std::string source_line,
                cause why = cause::syntax)
        : error(diagnostic), message_(std::move(message)), line_(line), column_(column),
          offset_(offset), source_line_(std::move(source_line)), cause_(why) {}

    /// The message without position or caret ("expected an expression after '+'").
    const std::string& message() const noexcept { return message_; }
    /// 1-based line of the error.
    std::size_t line() const noexcept { return line_; }
    /// 1-based column, counted in characters (code points), not bytes.
    std::size_t column() const noexcept { return column_; }
    /// 0-based byte offset into the input.
    std::size_t offset() const noexcept { return offset_; }
    /// The input line that holds the error.
    const std::string& source_line() const noexcept { return source_line_; }
    /// Whether the input does not read, has no value, or is too big; the
    /// last two are domain and limit errors reported at their place.
    cause why() const noexcept { return cause_; }

private:
    std::string message_;
    std::size_t line_, column_, offset_;
    std::string source_line_;
    cause cause_;
};

}  // namespace nabla
