// An HTML5 tokenizer (WHATWG HTML, "Tokenization") reduced to what link
// extraction needs: it finds the start tags of a few elements and their raw
// attributes, and skips everything else exactly as the standard's state
// machine would.
//
// What it follows:
//   - tags: tag open, end tag open, tag name, before/after attribute name,
//     attribute name, before attribute value, attribute value (double-quoted,
//     single-quoted, unquoted), after attribute value, self-closing start
//     tag. A tag cut by the end of the input is dropped (eof-in-tag), so is
//     everything in an end tag.
//   - markup declarations: comments (with "<!-->", "<!--->", "--!>" and the
//     comment-end states), and everything else after "<!" (DOCTYPE, CDATA,
//     which is a bogus comment outside foreign content) up to the first '>';
//     bogus comments "<?..." and "</ ...>".
//   - text: after a complete start tag (self-closing or not) of title or
//     textarea, RCDATA; of style, xmp, iframe, noembed or noframes, RAWTEXT;
//     of script, script data with its escaped and double-escaped states; of
//     plaintext, PLAINTEXT to the end. RCDATA, RAWTEXT and script data end
//     only at an appropriate end tag: "</" + the same name (ASCII
//     case-insensitive) + whitespace, '/' or '>'.
//   - there is no tree builder, hence no foreign content: <svg><title> is
//     RCDATA here too, and <noscript> is markup (scripting disabled).
//
// Bytes are tokenized as they are: ASCII never occurs inside a UTF-8
// sequence, so invalid UTF-8 cannot change where tokens begin or end; CR is
// whitespace like the LF it would become (newline normalization); NUL in a
// tag or attribute name becomes U+FFFD in HTML5, so such names never equal an
// ASCII name here either. Attribute values are returned raw: decode them with
// AppendDecodedAttributeValue (char_ref.h).
//
// Thread safety: no shared state; any number of threads may tokenize at once.
#ifndef CRAWL_HTML_TOKENIZER_H_
#define CRAWL_HTML_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace crawl {

// The element names the tokenizer tells apart (ASCII case-insensitively):
// those that hold links and those that switch it to a text state.
enum class HtmlTag : std::uint8_t {
  kOther,
  kA,
  kArea,
  kBase,
  kFrame,
  kIframe,  // also RAWTEXT
  kLink,
  kMeta,
  kNoembed,    // RAWTEXT
  kNoframes,   // RAWTEXT
  kPlaintext,  // PLAINTEXT
  kScript,     // script data
  kStyle,      // RAWTEXT
  kTextarea,   // RCDATA
  kTitle,      // RCDATA
  kXmp,        // RAWTEXT
};

// The tag named `name` (as written in the document), or kOther.
HtmlTag ClassifyTagName(std::string_view name);

// A bit set of HtmlTag values.
constexpr std::uint32_t HtmlTagBit(HtmlTag tag) {
  return std::uint32_t{1} << static_cast<unsigned>(tag);
}

// An attribute as written: `name` with its original case (a name that
// starts with '=' keeps it, as HTML5 says), `value` raw (character
// references not decoded, CR and NUL as written); an attribute without a
// value has an empty one.
struct HtmlAttribute {
  std::string_view name;
  std::string_view value;
};

// Receives start tags, in document order.
class HtmlTagHandler {
 public:
  virtual ~HtmlTagHandler() = default;
  // A complete start tag of a wanted element, with all its attributes in
  // order (duplicates included: HTML5 keeps the first). The views point into
  // the tokenized input; `attributes` is valid during the call only.
  virtual void OnStartTag(HtmlTag tag,
                          const std::vector<HtmlAttribute>& attributes) = 0;
};

// Tokenizes `html` from the data state and passes `handler` the start tags
// whose HtmlTagBit is in `wanted`.
void TokenizeHtml(std::string_view html, std::uint32_t wanted,
                  HtmlTagHandler& handler);

}  // namespace crawl

#endif  // CRAWL_HTML_TOKENIZER_H_
