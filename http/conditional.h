// RFC 9110 §8.8 (Last-Modified, ETag), §13 (conditional requests), §14 (range requests): validators,
// precondition evaluation and byte-range selection for a static representation.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "http/parser.h"

namespace ustack::http {

// IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);
// Accepts IMF-fixdate and, as §5.6.7 requires of recipients, the obsolete RFC 850 and asctime forms.
std::optional<std::time_t> parse_http_date(std::string_view text);

// Strong entity tag from size and modification time (§8.8.3): "<size hex>-<mtime ns hex>". Strong so
// that If-Range (strong comparison only, §13.1.5) can match it.
std::string make_etag(uint64_t size, int64_t mtime_ns);

// True when the If-Match / If-None-Match field value `list` ("*" or 1#entity-tag) matches `etag`;
// weak comparison (§8.8.3.2) ignores W/ prefixes, strong comparison never matches a weak tag.
bool etag_matches(std::string_view list, std::string_view etag, bool weak);

struct Validators {
    std::string etag;           // quoted strong tag
    std::time_t last_modified;  // seconds
};

// §13.2.2 steps 1-4 for a request on an existing representation: 0 to proceed, 304 (GET/HEAD with a
// matching If-None-Match or an unmodified If-Modified-Since) or 412 (If-Match / If-Unmodified-Since
// failed, or If-None-Match matched for another method).
int evaluate_preconditions(const RequestParser& req, const Validators& v);

// §13.2.2 step 5: true when the Range field should be honoured (no If-Range, or If-Range matches by
// strong ETag comparison or exact Last-Modified date).
bool if_range_allows(const RequestParser& req, const Validators& v);

struct RangeSelection {
    enum Kind {
        Ignore,         // no Range, not "bytes", invalid syntax, or several ranges: answer 200 in full
        Single,         // answer 206 with [first, last]
        Unsatisfiable,  // answer 416 with Content-Range: bytes */length
    } kind = Ignore;
    uint64_t first = 0;
    uint64_t last = 0;  // inclusive
};

// Interprets a Range field value (§14.1.2: "bytes=a-b", "bytes=a-", "bytes=-n") against a
// representation of `length` bytes. Several ranges are answered with the full body (200), which
// §14.2 allows ("a server MAY ignore the Range header field"): no multipart/byteranges.
RangeSelection select_range(std::string_view value, uint64_t length);

}  // namespace ustack::http
