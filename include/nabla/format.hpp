#pragma once
/// \file fmt support: fmt::print("{}", e) prints Unicode; "{:a}" ASCII,
/// "{:l}" LaTeX, "{:u}" Unicode.

#include <nabla/print.hpp>

#include <fmt/format.h>

#include <algorithm>

template <>
struct fmt::formatter<nabla::expr> {
    nabla::style style_ = nabla::style::unicode;

    constexpr auto parse(format_parse_context& ctx) -> decltype(ctx.begin()) {
        auto it = ctx.begin();
        if (it != ctx.end() && *it != '}') {
            switch (*it) {
            case 'u': style_ = nabla::style::unicode; break;
            case 'a': style_ = nabla::style::ascii; break;
            case 'l': style_ = nabla::style::latex; break;
            default: throw format_error("invalid format for nabla::expr: use u, a or l");
            }
            ++it;
        }
        if (it != ctx.end() && *it != '}') throw format_error("invalid format for nabla::expr");
        return it;
    }

    template <typename FormatContext>
    auto format(const nabla::expr& e, FormatContext& ctx) const -> decltype(ctx.out()) {
        const std::string text = nabla::to_string(e, style_);
        return std::copy(text.begin(), text.end(), ctx.out());
    }
};
