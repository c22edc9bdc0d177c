// The CDXJ index key of a URL, exactly as npm warcio 2.4 computes it
// (getSurt in warcio's utils), so that our NAME.cdxj equals what
// `warcio cdx-index` prints for our WARC files.
//
// warcio: strip a leading "www<digits>." after http:// or https://, lower
// case the whole URL, parse it, then host labels reversed and joined with
// ',', ":port" if not the scheme's default, ')', the path, and '?' with the
// query's '&'-separated parts sorted. Only http: and https: URLs are
// rewritten; others are returned as they are.
//
// We parse by hand, not with a WHATWG parser: the URLs crawl archives are
// already normalised (ASCII host, dot segments resolved), and for those the
// WHATWG parse only drops a default port and percent-encodes what its path
// and query encode sets name (which we do too).
#ifndef CRAWL_OUTPUT_SURT_H_
#define CRAWL_OUTPUT_SURT_H_

#include <string>
#include <string_view>

namespace crawl {

std::string Surt(std::string_view url);

// Appends `s` as JSON.stringify writes a string: '"' and '\' escaped,
// control characters below 0x20 as \b \f \n \r \t or \u00XX, every other
// byte (DEL, non-ASCII) as it is.
void AppendJsStringLiteral(std::string& out, std::string_view s);

}  // namespace crawl

#endif  // CRAWL_OUTPUT_SURT_H_
