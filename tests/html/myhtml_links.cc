// The reference link extractor for tests (myhtml_links.h): the production
// implementation of ExtractLinks until it was replaced by our own tokenizer
// (src/html/tokenizer.h), kept unchanged but for its name.
//
// Link extraction with myhtml's HTML5 tokenizer, without a tree.
//
// Each thread owns one myhtml parser (thread_local), created on first use and
// reused: the tree is cleaned after every document. The tree is set to
// MyHTML_TREE_PARSE_FLAGS_WITHOUT_PROCESS_TOKEN, so myhtml neither builds a
// tree nor decodes the text and attributes of every token (about twice as
// fast as letting it decode them); the token callback looks only at the start
// tags we care about and decodes, with myhtml's own attribute-value decoder,
// only the attributes it needs, taken from the raw positions the tokenizer
// records. Tags cut by the end of the input are dropped, as HTML5 says.
//
// The tokenizer alone switches to RAWTEXT, RCDATA, script data and PLAINTEXT
// after <script>, <style>, <textarea>, <title>, <xmp>, <iframe>, <noembed>,
// <noframes> and <plaintext> (myhtml's tokenizer sets its next state from the
// tag table itself, tree or no tree), so markup inside them is text. Without
// the tree builder there is no foreign content: <svg><title> is RCDATA here,
// and <noscript> is parsed as markup (scripting disabled).
//
// This file includes myhtml's internal headers (<myhtml/myhtml.h> instead of
// <myhtml/api.h>, which declares the same functions but keeps the token
// structures opaque): the raw positions and the decoder are needed to avoid
// decoding every token.
#include "html/myhtml_links.h"
#include "html/link_rules.h"

#include "util/utf8.h"

#include <mycore/mystring.h>
#include <myhtml/data_process.h>
#include <myhtml/myhtml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crawl {
namespace {

// Parsers that have seen a document this large are dropped afterwards, so a
// thread does not keep the memory of its largest page forever.
constexpr std::size_t kReleaseAfterBytes = std::size_t{8} << 20;

// Whether an attribute value has character references, NULs or CRs.
bool NeedsDecoding(std::string_view raw) {
  for (char c : raw) {
    if (c == '&' || c == '\0' || c == '\r') return true;
  }
  return false;
}

std::string Utf8Sanitized(std::string_view in) {
  std::string out;
  AppendUtf8Sanitized(in, out);
  return out;
}

// State of one ExtractLinks call, reached from the token callback.
class Collector {
 public:
  Collector(std::string_view html, myhtml_tree_t* tree, std::size_t max_links,
            HtmlLinks* out)
      : html_(html), tree_(tree), max_links_(max_links), out_(out) {}
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;
  ~Collector() { mycore_string_destroy(&scratch_, false); }

  void OnToken(const myhtml_token_node_t& token) {
    const myhtml_tag_id_t tag = token.tag_id;
    if (tag != MyHTML_TAG_A && tag != MyHTML_TAG_AREA &&
        tag != MyHTML_TAG_IFRAME && tag != MyHTML_TAG_FRAME &&
        tag != MyHTML_TAG_LINK && tag != MyHTML_TAG_META &&
        tag != MyHTML_TAG_BASE) {
      return;
    }
    if ((token.type & MyHTML_TOKEN_TYPE_CLOSE) != 0 || !IsComplete(token)) {
      return;
    }
    switch (tag) {
      case MyHTML_TAG_A:
      case MyHTML_TAG_AREA:
        AddLink(FindAttribute(token, "href"));
        break;
      case MyHTML_TAG_IFRAME:
      case MyHTML_TAG_FRAME:
        AddLink(FindAttribute(token, "src"));
        break;
      case MyHTML_TAG_LINK: {
        const myhtml_token_attr_t* rel = FindAttribute(token, "rel");
        if (rel != nullptr && IsPageRel(Decode(*rel))) {
          AddLink(FindAttribute(token, "href"));
        }
        break;
      }
      case MyHTML_TAG_META:
        AddRefresh(token);
        break;
      case MyHTML_TAG_BASE:
        if (!out_->has_base) {
          const myhtml_token_attr_t* href = FindAttribute(token, "href");
          if (href != nullptr) {
            out_->has_base = true;
            out_->base_href = Utf8Sanitized(TrimAsciiWhitespace(Decode(*href)));
          }
        }
        break;
      default:
        break;
    }
  }

 private:
  // Whether the tag was closed by '>'. HTML5 drops a tag cut by the end of
  // the input; myhtml emits it anyway.
  bool IsComplete(const myhtml_token_node_t& token) const {
    const std::size_t begin = token.element_begin;
    const std::size_t length = token.element_length;
    return length > 0 && begin < html_.size() &&
           length <= html_.size() - begin && html_[begin + length - 1] == '>';
  }

  // Raw bytes of [begin, begin + length) of the input, or empty if out of
  // range (never expected).
  std::string_view Raw(std::size_t begin, std::size_t length) const {
    if (begin > html_.size() || length > html_.size() - begin) return {};
    return html_.substr(begin, length);
  }

  // The first attribute named `lower_name` (ASCII case-insensitively).
  const myhtml_token_attr_t* FindAttribute(const myhtml_token_node_t& token,
                                           std::string_view lower_name) const {
    for (const myhtml_token_attr_t* attr = token.attr_first; attr != nullptr;
         attr = attr->next) {
      if (attr->raw_key_length == lower_name.size() &&
          EqualsIgnoreCase(Raw(attr->raw_key_begin, attr->raw_key_length),
                           lower_name)) {
        return attr;
      }
    }
    return nullptr;
  }

  // The value of `attr` with character references decoded, NUL replaced by
  // U+FFFD and newlines normalized (HTML5 attribute-value rules, by myhtml's
  // decoder). Valid until the next call.
  std::string_view Decode(const myhtml_token_attr_t& attr) {
    const std::string_view raw =
        Raw(attr.raw_value_begin, attr.raw_value_length);
    if (!NeedsDecoding(raw)) return raw;
    if (scratch_.data == nullptr) {
      if (mycore_string_init(myhtml_tree_get_mchar(tree_),
                             myhtml_tree_get_mchar_node_id(tree_), &scratch_,
                             raw.size() + 1) == nullptr) {
        return {};
      }
    } else {
      mycore_string_clean(&scratch_);
    }
    myhtml_data_process_entry_t entry;
    myhtml_data_process_entry_clean(&entry);
    entry.encoding = MyENCODING_UTF_8;
    entry.is_attributes = true;
    myhtml_data_process(&entry, &scratch_, raw.data(), raw.size());
    myhtml_data_process_end(&entry, &scratch_);
    if (scratch_.data == nullptr) return {};
    return std::string_view(scratch_.data, scratch_.length);
  }

  void AddLink(const myhtml_token_attr_t* attr) {
    if (attr != nullptr) AddUrl(Decode(*attr));
  }

  void AddUrl(std::string_view url) {
    url = TrimAsciiWhitespace(url);
    if (url.empty() || HasSkippedScheme(url)) return;
    if (out_->hrefs.size() < max_links_) {
      AppendUtf8Sanitized(url, out_->hrefs.emplace_back());
    } else {
      ++out_->dropped;
    }
  }

  void AddRefresh(const myhtml_token_node_t& token) {
    const myhtml_token_attr_t* equiv = FindAttribute(token, "http-equiv");
    if (equiv == nullptr ||
        !EqualsIgnoreCase(TrimAsciiWhitespace(Decode(*equiv)), "refresh")) {
      return;
    }
    const myhtml_token_attr_t* content = FindAttribute(token, "content");
    if (content == nullptr) return;
    if (const auto url = RefreshUrl(Decode(*content))) AddUrl(*url);
  }

  const std::string_view html_;
  myhtml_tree_t* const tree_;
  const std::size_t max_links_;
  HtmlLinks* const out_;
  // Decoded attribute values, in the tree's arena (freed with the tree).
  mycore_string_t scratch_{};
};

void* OnTokenDone(myhtml_tree_t* /*tree*/, myhtml_token_node_t* token,
                  void* ctx) {
  if (token != nullptr && ctx != nullptr) {
    static_cast<Collector*>(ctx)->OnToken(*token);
  }
  return ctx;  // myhtml stores the result as the next call's ctx.
}

// One myhtml instance and tree, for one thread.
class Parser {
 public:
  Parser() = default;
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  ~Parser() { Release(); }

  static Parser& ForThisThread() {
    thread_local Parser parser;
    return parser;
  }

  HtmlLinks Extract(std::string_view html, std::size_t max_links) {
    HtmlLinks links;
    if (!Ready()) return links;
    bool ok = true;
    {
      // The collector reads attribute values from the original bytes (the
      // positions are the same in the guarded copy).
      Collector collector(html, tree_, max_links, &links);
      const std::string_view input = GuardCdata(html);
      myhtml_callback_after_token_done_set(tree_, OnTokenDone, &collector);
      ok = myhtml_parse_single(tree_, MyENCODING_UTF_8, input.data(),
                               input.size()) == MyHTML_STATUS_OK;
      myhtml_callback_after_token_done_set(tree_, nullptr, nullptr);
    }
    // After a failure (out of memory) the tree's state is unknown: start
    // afresh next time. The links found before the failure are kept, as for
    // a truncated page.
    if (!ok || html.size() >= kReleaseAfterBytes) {
      Release();
      std::string().swap(cdata_copy_);
    } else {
      myhtml_tree_clean(tree_);
    }
    return links;
  }

 private:
  // Works around a myhtml bug: without a tree, "<![CDATA[" after any other
  // token crashes the tokenizer (it waits for the tree builder to finish the
  // previous token, which never happens; with a single-mode parser that is a
  // NULL dereference in myhtml_tree_wait_for_last_done_token). In HTML
  // content a CDATA section is a bogus comment, and "[CDATA[" is matched
  // case-sensitively, so "<![cDATA[" tokenizes exactly the same way without
  // taking that path. Returns `html`, or a patched copy in `cdata_copy_`.
  std::string_view GuardCdata(std::string_view html) {
    std::size_t pos = FindCdataOpen(html, 0);
    if (pos == std::string_view::npos) return html;
    cdata_copy_.assign(html);
    for (; pos != std::string_view::npos; pos = FindCdataOpen(html, pos + 1)) {
      cdata_copy_[pos + 3] = 'c';
    }
    return cdata_copy_;
  }

  // The first "<![CDATA[" at or after `from`. Looks for '[' (memchr), much
  // rarer in HTML than '<'.
  static std::size_t FindCdataOpen(std::string_view html, std::size_t from) {
    constexpr std::string_view kCdataOpen = "<![CDATA[";
    for (std::size_t i = html.find('[', from + 2); i != std::string_view::npos;
         i = html.find('[', i + 1)) {
      if (html.substr(i - 2).starts_with(kCdataOpen)) return i - 2;
    }
    return std::string_view::npos;
  }

  // Creates the parser if needed; false if myhtml cannot be initialized.
  bool Ready() {
    if (tree_ != nullptr) return true;
    myhtml_ = myhtml_create();
    if (myhtml_ == nullptr) return false;
    // Single mode: tokens are handled in this thread, no thread is started.
    if (myhtml_init(myhtml_, MyHTML_OPTIONS_PARSE_MODE_SINGLE, 1, 0) !=
        MyHTML_STATUS_OK) {
      Release();
      return false;
    }
    myhtml_tree_t* tree = myhtml_tree_create();
    if (tree == nullptr) {
      Release();
      return false;
    }
    if (myhtml_tree_init(tree, myhtml_) != MyHTML_STATUS_OK) {
      myhtml_tree_destroy(tree);
      Release();
      return false;
    }
    // No tree, no decoding of tokens (done here for the few values needed),
    // no whitespace-only text tokens.
    myhtml_tree_parse_flags_set(
        tree, static_cast<myhtml_tree_parse_flags_t>(
                  MyHTML_TREE_PARSE_FLAGS_WITHOUT_PROCESS_TOKEN |
                  MyHTML_TREE_PARSE_FLAGS_SKIP_WHITESPACE_TOKEN));
    tree_ = tree;
    return true;
  }

  void Release() {
    if (tree_ != nullptr) myhtml_tree_destroy(tree_);
    tree_ = nullptr;
    if (myhtml_ != nullptr) myhtml_destroy(myhtml_);
    myhtml_ = nullptr;
  }

  myhtml_t* myhtml_ = nullptr;
  myhtml_tree_t* tree_ = nullptr;
  std::string cdata_copy_;
};

}  // namespace

HtmlLinks ExtractLinksMyhtml(std::string_view html, std::size_t max_links) {
  return Parser::ForThisThread().Extract(html, max_links);
}

}  // namespace crawl
