// RFC 9110 §5.6.7 (HTTP-date), §8.8.3 (ETag comparison), §13.1-13.2 (preconditions), §14.1-14.2 (Range).
#include "http/conditional.h"

#include <array>
#include <cstdio>

#include "http/syntax.h"

namespace ustack::http {

namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Parses exactly `n` digits at s[pos].
bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

int month_index(std::string_view m) {
    for (size_t i = 0; i < kMonths.size(); ++i)
        if (m == kMonths[i]) return int(i);
    return -1;
}

// "HH:MM:SS" at s[pos].
bool clock_time(std::string_view s, size_t pos, std::tm& tm) {
    return pos + 8 <= s.size() && digits(s, pos, 2, tm.tm_hour) && s[pos + 2] == ':' &&
           digits(s, pos + 3, 2, tm.tm_min) && s[pos + 5] == ':' && digits(s, pos + 6, 2, tm.tm_sec) &&
           tm.tm_hour < 24 && tm.tm_min < 60 && tm.tm_sec < 61;
}

std::optional<std::time_t> to_time(std::tm& tm) {
    if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_mon < 0) return std::nullopt;
    return timegm(&tm);
}

// Splits one entity-tag off the front of a list element: W/"x" or "x".
struct Tag {
    bool weak;
    std::string_view opaque;  // including quotes
};
std::optional<Tag> parse_tag(std::string_view e) {
    Tag t{false, e};
    if (e.size() >= 2 && e[0] == 'W' && e[1] == '/') {
        t.weak = true;
        e.remove_prefix(2);
    }
    if (e.size() < 2 || e.front() != '"' || e.back() != '"') return std::nullopt;
    t.opaque = e;
    return t;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;  // 19 digits cannot overflow
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + uint64_t(c - '0');
    }
    return v;
}

}  // namespace

std::string format_http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
    std::tm tm{};
    size_t comma = s.find(',');
    if (comma == 3) {  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        if (s.size() != 29 || s[4] != ' ' || !digits(s, 5, 2, tm.tm_mday) || s[7] != ' ' || s[11] != ' ' ||
            !digits(s, 12, 4, tm.tm_year) || s[16] != ' ' || !clock_time(s, 17, tm) || s.substr(25) != " GMT")
            return std::nullopt;
        tm.tm_mon = month_index(s.substr(8, 3));
        tm.tm_year -= 1900;
        return to_time(tm);
    }
    if (comma != std::string_view::npos) {  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        std::string_view r = s.substr(comma + 1);
        if (r.size() != 23 || r[0] != ' ' || !digits(r, 1, 2, tm.tm_mday) || r[3] != '-' || r[7] != '-' ||
            !digits(r, 8, 2, tm.tm_year) || r[10] != ' ' || !clock_time(r, 11, tm) || r.substr(19) != " GMT")
            return std::nullopt;
        tm.tm_mon = month_index(r.substr(4, 3));
        if (tm.tm_year < 70) tm.tm_year += 100;  // two-digit year (§5.6.7: 50 years rule, simplified)
        return to_time(tm);
    }
    // asctime: "Sun Nov  6 08:49:37 1994"
    if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || !clock_time(s, 11, tm) || s[19] != ' ' ||
        !digits(s, 20, 4, tm.tm_year))
        return std::nullopt;
    if (s[8] == ' ') {
        if (!digits(s, 9, 1, tm.tm_mday)) return std::nullopt;
    } else if (!digits(s, 8, 2, tm.tm_mday)) {
        return std::nullopt;
    }
    tm.tm_mon = month_index(s.substr(4, 3));
    tm.tm_year -= 1900;
    return to_time(tm);
}

std::string make_etag(uint64_t size, int64_t mtime_ns) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                  static_cast<unsigned long long>(mtime_ns));
    return buf;
}

bool etag_matches(std::string_view list, std::string_view etag, bool weak) {
    if (syntax::trim_ows(list) == "*") return true;
    std::optional<Tag> ours = parse_tag(etag);
    if (!ours) return false;
    bool found = false;
    syntax::for_each_element(list, [&](std::string_view e) {
        std::optional<Tag> t = parse_tag(e);
        if (t && t->opaque == ours->opaque && (weak || (!t->weak && !ours->weak))) found = true;
        return !found;
    });
    return found;
}

int evaluate_preconditions(const RequestParser& req, const Validators& v) {
    bool get_or_head = req.method() == "GET" || req.method() == "HEAD";
    auto if_match = req.field("if-match");
    if (if_match) {
        if (!etag_matches(*if_match, v.etag, false)) return 412;
    } else if (auto ius = req.field("if-unmodified-since")) {
        auto t = parse_http_date(*ius);  // an invalid date is ignored (§13.1.4)
        if (t && v.last_modified > *t) return 412;
    }
    auto if_none = req.field("if-none-match");
    if (if_none) {
        if (etag_matches(*if_none, v.etag, true)) return get_or_head ? 304 : 412;
    } else if (get_or_head) {
        if (auto ims = req.field("if-modified-since")) {
            auto t = parse_http_date(*ims);
            if (t && v.last_modified <= *t) return 304;
        }
    }
    return 0;
}

bool if_range_allows(const RequestParser& req, const Validators& v) {
    auto f = req.field("if-range");
    if (!f) return true;
    std::string_view value = syntax::trim_ows(*f);
    if (!value.empty() && (value.front() == '"' || value.substr(0, 2) == "W/")) {
        std::optional<Tag> t = parse_tag(value);
        return t && !t->weak && value == v.etag;
    }
    auto t = parse_http_date(value);
    return t && *t == v.last_modified;
}

RangeSelection select_range(std::string_view value, uint64_t length) {
    RangeSelection sel;
    size_t eq = value.find('=');
    if (eq == std::string_view::npos || !syntax::iequals(syntax::trim_ows(value.substr(0, eq)), "bytes"))
        return sel;
    size_t count = 0;
    bool invalid = false;
    std::string_view spec;
    syntax::for_each_element(value.substr(eq + 1), [&](std::string_view e) {
        ++count;
        spec = e;
        return true;
    });
    if (count != 1) return sel;
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return sel;
    std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
    if (a.empty()) {  // suffix-range: the last n bytes
        auto n = parse_u64(b);
        if (!n) return sel;
        if (*n == 0 || length == 0) {
            sel.kind = RangeSelection::Unsatisfiable;
            return sel;
        }
        sel.kind = RangeSelection::Single;
        sel.first = *n >= length ? 0 : length - *n;
        sel.last = length - 1;
        return sel;
    }
    auto first = parse_u64(a);
    if (!first) return sel;
    std::optional<uint64_t> last;
    if (!b.empty()) {
        last = parse_u64(b);
        invalid = !last || *last < *first;
    }
    if (invalid) return sel;  // §14.1.1: last-pos < first-pos makes the field invalid
    if (*first >= length) {
        sel.kind = RangeSelection::Unsatisfiable;
        return sel;
    }
    sel.kind = RangeSelection::Single;
    sel.first = *first;
    sel.last = last && *last < length ? *last : length - 1;
    return sel;
}

}  // namespace ustack::http
