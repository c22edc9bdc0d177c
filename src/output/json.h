// Minimal JSON writing: enough for crawl's records, and fast.
#ifndef CRAWL_OUTPUT_JSON_H_
#define CRAWL_OUTPUT_JSON_H_

#include <string>
#include <string_view>

namespace crawl {

// Appends `s` as a JSON string literal (with quotes). Control characters,
// quote and backslash are escaped; each ill-formed UTF-8 subsequence becomes
// one U+FFFD (as the WHATWG decoder does, src/util/utf8.h), so
// the output is always valid JSON in valid UTF-8 whatever the input bytes.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace crawl

#endif  // CRAWL_OUTPUT_JSON_H_
