// RFC 9110 §9.3, §5.1 (field names are tokens), §5.5 (field values): curl-style request arguments.
#include "http/request_args.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "http/syntax.h"

namespace ustack::http {

namespace {
std::nullopt_t fail(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return std::nullopt;
}

// "@file" -> the file's bytes (CR and LF removed unless binary, as curl -d does); else the text itself.
std::optional<std::string> data_value(const std::string& arg, bool binary, std::string* error) {
    if (arg.empty() || arg.front() != '@') return arg;
    std::ifstream in(arg.substr(1), std::ios::binary);
    if (!in) return fail(error, "cannot read data file '" + arg.substr(1) + "'");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!binary) std::erase_if(bytes, [](char c) { return c == '\r' || c == '\n'; });
    return bytes;
}
}  // namespace

std::optional<HeaderArg> parse_header_arg(std::string_view arg, std::string* error) {
    size_t sep = arg.find_first_of(":;");
    if (sep == std::string_view::npos) return fail(error, "header '" + std::string(arg) + "' has no ':'");
    HeaderArg h;
    h.name = std::string(syntax::trim_ows(arg.substr(0, sep)));
    if (!syntax::is_token(h.name)) return fail(error, "header name '" + h.name + "' is not a token (RFC 9110 §5.1)");
    std::string_view rest = syntax::trim_ows(arg.substr(sep + 1));
    if (arg[sep] == ';') {
        if (!rest.empty()) return fail(error, "header '" + std::string(arg) + "': want 'Name: value' or 'Name;'");
        h.value = "";
        return h;
    }
    for (char c : rest)
        if (!syntax::is_field_char(c)) return fail(error, "header '" + h.name + "' has a CR, LF or NUL in its value");
    if (!rest.empty()) h.value = std::string(rest);
    return h;
}

std::optional<Request> make_request(const RequestArgs& args, const Url& url, std::string* error) {
    Request req;
    req.url = url;
    bool has_data = !args.data.empty() || !args.data_binary.empty();
    if (args.head && has_data) return fail(error, "-I/--head cannot send data (-d, --data-binary)");
    req.method = !args.method.empty() ? args.method : args.head ? "HEAD" : has_data ? "POST" : "GET";
    if (!syntax::is_token(req.method)) return fail(error, "method '" + req.method + "' is not a token");
    bool content_type = false;
    for (const std::string& arg : args.headers) {
        std::optional<HeaderArg> h = parse_header_arg(arg, error);
        if (!h) return std::nullopt;
        if (syntax::iequals(h->name, "content-type")) content_type = true;
        if (syntax::iequals(h->name, "content-length"))
            return fail(error, "Content-Length is computed from the data; do not give it with -H");
        if (h->value)
            req.headers.emplace_back(h->name, *h->value);
        else
            req.omit.push_back(h->name);
    }
    if (!has_data) return req;
    if (args.data.empty() && args.data_binary.size() == 1 && args.data_binary[0].starts_with("@")) {
        req.body_file = args.data_binary[0].substr(1);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(req.body_file, ec))
            return fail(error, "cannot read data file '" + req.body_file.string() + "'");
    } else {
        auto append = [&](const std::vector<std::string>& values, bool binary) {
            for (const std::string& v : values) {
                std::optional<std::string> bytes = data_value(v, binary, error);
                if (!bytes) return false;
                if (!req.body.empty()) req.body += '&';
                req.body += *bytes;
            }
            return true;
        };
        if (!append(args.data, false) || !append(args.data_binary, true)) return std::nullopt;
    }
    if (!content_type) req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return req;
}

}  // namespace ustack::http
