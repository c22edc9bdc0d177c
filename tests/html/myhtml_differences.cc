// Detection of the known myhtml differences (myhtml_differences.h).
#include "html/myhtml_differences.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "html/char_ref.h"
#include "html/tokenizer.h"

namespace crawl {
namespace {

bool IsAsciiAlphanumeric(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

// Whether `reference` ("&" + alphanumerics, at the end of a value) is left
// as written by HTML5.
bool LeftAsWritten(std::string_view reference) {
  std::string decoded;
  AppendDecodedAttributeValue(reference, decoded);
  return decoded == reference;
}

// Bug 1: "&" + alphanumerics at the end of `raw`, left as written, with a
// shorter prefix that is a name.
bool EndsWithCutReference(std::string_view raw) {
  std::size_t i = raw.size();
  while (i > 0 && IsAsciiAlphanumeric(raw[i - 1])) --i;
  if (i == 0 || raw[i - 1] != '&') return false;
  const std::string_view reference = raw.substr(i - 1);
  if (!LeftAsWritten(reference)) return false;
  for (std::size_t length = 3; length < reference.size(); ++length) {
    if (!LeftAsWritten(reference.substr(0, length))) return true;
  }
  return false;
}

// Bug 2: "\r&" and a later LF.
bool HasCrReferenceLf(std::string_view raw) {
  const std::size_t cr = raw.find("\r&");
  return cr != std::string_view::npos &&
         raw.find('\n', cr + 2) != std::string_view::npos;
}

class BugFinder : public HtmlTagHandler {
 public:
  void OnStartTag(HtmlTag /*tag*/,
                  const std::vector<HtmlAttribute>& attributes) override {
    for (const HtmlAttribute& attribute : attributes) {
      if (EndsWithCutReference(attribute.value)) {
        bugs.reference_cut_by_end_of_value = true;
      }
      if (HasCrReferenceLf(attribute.value)) bugs.cr_reference_lf = true;
    }
  }
  KnownMyhtmlBugs bugs;
};

}  // namespace

KnownMyhtmlBugs FindKnownMyhtmlBugs(std::string_view html) {
  constexpr std::uint32_t kLinkTags =
      HtmlTagBit(HtmlTag::kA) | HtmlTagBit(HtmlTag::kArea) |
      HtmlTagBit(HtmlTag::kIframe) | HtmlTagBit(HtmlTag::kFrame) |
      HtmlTagBit(HtmlTag::kLink) | HtmlTagBit(HtmlTag::kMeta) |
      HtmlTagBit(HtmlTag::kBase);
  BugFinder finder;
  TokenizeHtml(html, kLinkTags, finder);
  return finder.bugs;
}

std::string NormalizeNewlines(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  for (std::size_t i = 0; i < html.size(); ++i) {
    if (html[i] != '\r') {
      out.push_back(html[i]);
      continue;
    }
    out.push_back('\n');
    if (i + 1 < html.size() && html[i + 1] == '\n') ++i;
  }
  return out;
}

}  // namespace crawl
