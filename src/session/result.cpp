// Results as text in each style and as JSON.

#include "session/json.hpp"

#include <nabla/session.hpp>

namespace nabla {

std::string_view result_kind_name(result_kind k) noexcept {
    switch (k) {
    case result_kind::none: return "none";
    case result_kind::value: return "value";
    case result_kind::assignment: return "assignment";
    case result_kind::definition: return "definition";
    case result_kind::declaration: return "declaration";
    case result_kind::vector: return "vector";
    case result_kind::matrix: return "matrix";
    case result_kind::steps: return "steps";
    case result_kind::text: return "text";
    case result_kind::check: return "check";
    case result_kind::quit: return "quit";
    }
    return "none";
}

namespace {

// The equation a step of an explanation establishes: ∂/∂x x² = 2x.
std::string step_equation(const explanation_step& step, style s) {
    const std::string x = to_string(step.variable, s);
    const std::string part = to_string(step.part, s);
    const std::string result = to_string(step.result, s);
    const bool grouped = step.part.kind() == kind::sum;  // ∂/∂x (u + v), not ∂/∂x u + v
    switch (s) {
    case style::ascii: return "diff(" + part + ", " + x + ") = " + result;
    case style::latex:
        return "\\frac{\\partial}{\\partial " + x + "} " + (grouped ? "\\left(" + part + "\\right)" : part) +
               " = " + result;
    case style::unicode: break;
    }
    return "∂/∂" + x + " " + (grouped ? "(" + part + ")" : part) + " = " + result;
}

std::string vector_text(const std::vector<expr>& v, style s) {
    std::string out = s == style::latex ? "\\begin{pmatrix} " : "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += s == style::latex ? " & " : ", ";
        out += to_string(v[i], s);
    }
    out += s == style::latex ? " \\end{pmatrix}" : "]";
    return out;
}

std::string matrix_text(const std::vector<std::vector<expr>>& rows, style s) {
    if (s == style::latex) {
        std::string out = "\\begin{pmatrix} ";
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (i) out += " \\\\ ";
            for (std::size_t j = 0; j < rows[i].size(); ++j) {
                if (j) out += " & ";
                out += to_string(rows[i][j], s);
            }
        }
        return out + " \\end{pmatrix}";
    }
    std::string out = "[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i) out += ", ";
        out += vector_text(rows[i], s);
    }
    return out + "]";
}

std::string parameters_text(const std::vector<expr>& parameters, style s) {
    std::string out;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        if (i) out += ", ";
        out += to_string(parameters[i], s);
    }
    return out;
}

// The result alone, without the `name = ` of an assignment.
std::string value_text(const statement_result& r, style s) {
    switch (r.kind) {
    case result_kind::vector: return vector_text(r.elements, s);
    case result_kind::matrix: return matrix_text(r.rows, s);
    case result_kind::check: return !r.holds ? "undecided" : *r.holds ? "true" : "false";
    case result_kind::text:
    case result_kind::none:
    case result_kind::quit:
    case result_kind::declaration: return r.text;
    case result_kind::value:
    case result_kind::assignment:
    case result_kind::definition:
    case result_kind::steps: return to_string(r.value, s);
    }
    return {};
}

}  // namespace

std::string statement_result::to_text(style s, bool shared) const {
    auto text = [&](const expr& e) { return shared ? to_string_shared(e, s) : to_string(e, s); };
    switch (kind) {
    case result_kind::assignment: return to_string(symbol(name), s) + " = " + text(value);
    case result_kind::definition:
        return name + (s == style::latex ? "\\left(" : "(") + parameters_text(parameters, s) +
               (s == style::latex ? "\\right)" : ")") + " = " + text(value);
    case result_kind::steps: {
        std::string out;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const std::string number = std::to_string(i + 1) + ". ";
            out += number + steps[i].description + "\n" + std::string(number.size(), ' ') +
                   step_equation(steps[i], s) + "\n";
        }
        return out + "= " + text(value);
    }
    case result_kind::value: return text(value);
    case result_kind::check: {
        // The evidence is written with ASCII minus signs; Unicode prints −.
        std::string evidence;
        for (char c : this->text) {
            if (c == '-' && s == style::unicode) evidence += "−";
            else evidence += c;
        }
        // Its first line says where the sides differ; the two sides follow,
        // then the rest (the difference quotients of a derivative).
        const std::size_t first_line = std::min(evidence.find('\n'), evidence.size());
        std::string out = value_text(*this, s);
        if (first_line > 0) out += ": " + evidence.substr(0, first_line);
        if (holds == false && elements.size() == 2)
            out += "\n  left:  " + to_string(elements[0], s) + "\n  right: " + to_string(elements[1], s);
        for (std::size_t at = first_line; at < evidence.size();) {
            const std::size_t end = std::min(evidence.find('\n', at + 1), evidence.size());
            out += "\n  " + evidence.substr(at + 1, end - at - 1);
            at = end;
        }
        return out;
    }
    default: return value_text(*this, s);
    }
}

std::string statement_result::to_json() const {
    using detail::json_string;
    std::string out = "{\"input\": " + json_string(input) + ", \"kind\": " +
                      json_string(result_kind_name(kind));
    if (!name.empty()) out += ", \"name\": " + json_string(name);
    if (kind == result_kind::text || kind == result_kind::declaration) {
        out += ", \"text\": " + json_string(text);
    } else if (kind == result_kind::check) {
        out += std::string(", \"holds\": ") + (!holds ? "null" : *holds ? "true" : "false");
        out += ", \"text\": " + json_string(text);
        if (elements.size() == 2)
            out += ", \"left\": " + json_string(to_string(elements[0], style::ascii)) +
                   ", \"right\": " + json_string(to_string(elements[1], style::ascii));
    } else if (kind != result_kind::none && kind != result_kind::quit) {
        out += ", \"ascii\": " + json_string(value_text(*this, style::ascii));
        out += ", \"unicode\": " + json_string(value_text(*this, style::unicode));
        out += ", \"latex\": " + json_string(value_text(*this, style::latex));
    }
    if (kind == result_kind::definition) {
        out += ", \"parameters\": [";
        for (std::size_t i = 0; i < parameters.size(); ++i)
            out += (i ? ", " : "") + json_string(to_string(parameters[i], style::ascii));
        out += "]";
    }
    // Scripts read elements one by one rather than splitting a printed list.
    if (kind == result_kind::vector) {
        out += ", \"elements\": [";
        for (std::size_t i = 0; i < elements.size(); ++i)
            out += (i ? ", " : "") + json_string(to_string(elements[i], style::ascii));
        out += "]";
    }
    if (kind == result_kind::matrix) {
        out += ", \"rows\": [";
        for (std::size_t i = 0; i < rows.size(); ++i) {
            out += i ? ", [" : "[";
            for (std::size_t j = 0; j < rows[i].size(); ++j)
                out += (j ? ", " : "") + json_string(to_string(rows[i][j], style::ascii));
            out += "]";
        }
        out += "]";
    }
    if (!variables.empty()) {
        out += ", \"variables\": [";
        for (std::size_t i = 0; i < variables.size(); ++i)
            out += (i ? ", " : "") + json_string(to_string(variables[i], style::ascii));
        out += "]";
    }
    if (kind == result_kind::steps) {
        out += ", \"steps\": [";
        for (std::size_t i = 0; i < steps.size(); ++i) {
            out += i ? ", " : "";
            out += "{\"rule\": " + json_string(steps[i].rule) +
                   ", \"description\": " + json_string(steps[i].description) +
                   ", \"part\": " + json_string(to_string(steps[i].part, style::ascii)) +
                   ", \"variable\": " + json_string(to_string(steps[i].variable, style::ascii)) +
                   ", \"result\": " + json_string(to_string(steps[i].result, style::ascii)) + "}";
        }
        out += "]";
    }
    if (!notes.empty()) {
        out += ", \"notes\": [";
        for (std::size_t i = 0; i < notes.size(); ++i) out += (i ? ", " : "") + json_string(notes[i]);
        out += "]";
    }
    return out + "}";
}

}  // namespace nabla
