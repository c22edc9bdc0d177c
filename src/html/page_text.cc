// ExtractPageText (include/crawl/html.h): the body transcoded to UTF-8
// (encoding.h) and tokenized by myhtml (one parser per call, single
// threaded mode, no tree: see Parser::Init), the tokens read in order: text
// is appended with whitespace collapsed, block elements break lines, and
// the text inside elements a reader never sees is skipped.
#include "crawl/html.h"

#include <myhtml/api.h>

#include <string>
#include <string_view>

#include "html/encoding.h"
#include "util/ascii.h"
#include "util/utf8.h"

namespace crawl {
namespace {

// Elements whose contents a reader does not see.
bool Hidden(myhtml_tag_id_t tag) {
  switch (tag) {
    case MyHTML_TAG_SCRIPT:
    case MyHTML_TAG_STYLE:
    case MyHTML_TAG_NOSCRIPT:
    case MyHTML_TAG_TEMPLATE:
    case MyHTML_TAG_TITLE:
    case MyHTML_TAG__COMMENT:
    case MyHTML_TAG_IFRAME:
    case MyHTML_TAG_NOEMBED:
    case MyHTML_TAG_NOFRAMES:
    case MyHTML_TAG_OBJECT:
    case MyHTML_TAG_SELECT:
      return true;
    default:
      return false;
  }
}

// Elements that begin and end a line of text.
bool Block(myhtml_tag_id_t tag) {
  switch (tag) {
    case MyHTML_TAG_ADDRESS: case MyHTML_TAG_ARTICLE: case MyHTML_TAG_ASIDE:
    case MyHTML_TAG_BLOCKQUOTE: case MyHTML_TAG_BODY: case MyHTML_TAG_BR:
    case MyHTML_TAG_CAPTION: case MyHTML_TAG_CENTER: case MyHTML_TAG_DD:
    case MyHTML_TAG_DETAILS: case MyHTML_TAG_DIALOG: case MyHTML_TAG_DIR:
    case MyHTML_TAG_DIV: case MyHTML_TAG_DL: case MyHTML_TAG_DT:
    case MyHTML_TAG_FIELDSET: case MyHTML_TAG_FIGCAPTION: case MyHTML_TAG_FIGURE:
    case MyHTML_TAG_FOOTER: case MyHTML_TAG_FORM: case MyHTML_TAG_H1:
    case MyHTML_TAG_H2: case MyHTML_TAG_H3: case MyHTML_TAG_H4:
    case MyHTML_TAG_H5: case MyHTML_TAG_H6: case MyHTML_TAG_HEADER:
    case MyHTML_TAG_HGROUP: case MyHTML_TAG_HR: case MyHTML_TAG_LEGEND:
    case MyHTML_TAG_LI: case MyHTML_TAG_LISTING: case MyHTML_TAG_MAIN:
    case MyHTML_TAG_MENU: case MyHTML_TAG_NAV: case MyHTML_TAG_OL:
    case MyHTML_TAG_P: case MyHTML_TAG_PRE: case MyHTML_TAG_SECTION:
    case MyHTML_TAG_SUMMARY: case MyHTML_TAG_TABLE: case MyHTML_TAG_TR:
    case MyHTML_TAG_UL: case MyHTML_TAG_XMP:
      return true;
    default:
      return false;
  }
}

// Appends text with whitespace runs collapsed; lines without blanks at
// either end, and no empty lines.
class TextBuilder {
 public:
  explicit TextBuilder(std::string& out) : out_(out) {}
  void Append(std::string_view text) {
    for (char c : text) {
      if (c == '\0') continue;  // a parse error, which the tree builder drops
      if (IsAsciiWhitespace(c)) {
        space_ = true;
        continue;
      }
      if (space_ && !out_.empty() && out_.back() != '\n') out_ += ' ';
      space_ = false;
      out_ += c;
    }
  }
  void Space() { space_ = true; }
  void LineBreak() {
    space_ = false;
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
  }
  void Finish() {
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
  }

 private:
  std::string& out_;
  bool space_ = false;
};

std::string_view TextOf(myhtml_token_node_t* token) {
  std::size_t length = 0;
  const char* text = myhtml_token_node_text(token, &length);
  return text == nullptr ? std::string_view() : std::string_view(text, length);
}

// State of one call, fed token by token.
class Reader {
 public:
  explicit Reader(PageText& page) : text_(page.text), title_(page.title) {}

  void OnToken(myhtml_token_node_t* token) {
    const myhtml_tag_id_t tag = myhtml_token_node_tag_id(token);
    if (tag == MyHTML_TAG__TEXT) {
      if (in_title_) {
        title_.Append(TextOf(token));
      } else if (hidden_ == 0 && svg_ == 0) {
        text_.Append(TextOf(token));
      }
      return;
    }
    if (tag == MyHTML_TAG__COMMENT || tag == MyHTML_TAG__DOCTYPE) return;
    const bool close = myhtml_token_node_is_close(token);
    const bool self_closing = myhtml_token_node_is_close_self(token);
    if (tag == MyHTML_TAG_SVG || tag == MyHTML_TAG_MATH) {
      if (close) {
        if (svg_ > 0) --svg_;
      } else if (!self_closing) {
        ++svg_;
      }
      return;
    }
    if (tag == MyHTML_TAG_TITLE && svg_ == 0) {
      if (!close && !have_title_ && !in_title_) {
        in_title_ = true;
        return;
      }
      if (close && in_title_) {
        in_title_ = false;
        have_title_ = true;
        return;
      }
      // A later title is hidden, below.
    }
    if (Hidden(tag)) {
      if (close) {
        if (hidden_ > 0) --hidden_;
      } else if (!self_closing) {
        ++hidden_;
      }
      return;
    }
    if (Block(tag)) {
      text_.LineBreak();
    } else if (!close && (tag == MyHTML_TAG_TD || tag == MyHTML_TAG_TH)) {
      text_.Space();
    }
  }

  void Finish() {
    text_.Finish();
    title_.Finish();
  }

 private:
  TextBuilder text_;
  TextBuilder title_;
  int hidden_ = 0;  // open elements whose text is not shown
  int svg_ = 0;     // open <svg>/<math>: their titles are not the page's
  bool in_title_ = false;
  bool have_title_ = false;
};

void* OnTokenDone(myhtml_tree_t*, myhtml_token_node_t* token, void* ctx) {
  static_cast<Reader*>(ctx)->OnToken(token);
  return ctx;
}

// The parser, freed on every path.
struct Parser {
  myhtml_t* myhtml = nullptr;
  myhtml_tree_t* tree = nullptr;
  ~Parser() {
    if (tree != nullptr) myhtml_tree_destroy(tree);
    if (myhtml != nullptr) myhtml_destroy(myhtml);
  }
  bool Init() {
    myhtml = myhtml_create();
    if (myhtml == nullptr ||
        myhtml_init(myhtml, MyHTML_OPTIONS_PARSE_MODE_SINGLE, 1, 0) != MyHTML_STATUS_OK) {
      return false;
    }
    tree = myhtml_tree_create();
    if (tree == nullptr || myhtml_tree_init(tree, myhtml) != MyHTML_STATUS_OK) return false;
    // Tokens only (decoded), no tree: linear in the input however deep its
    // nesting (the tree builder's scope checks make deep nesting quadratic).
    myhtml_tree_parse_flags_set(tree, MyHTML_TREE_PARSE_FLAGS_WITHOUT_BUILD_TREE);
    return true;
  }
};

}  // namespace

PageText ExtractPageText(std::string_view html, std::string_view content_type,
                         std::size_t max_bytes) {
  PageText page;
  if (html.size() > max_bytes) html = html.substr(0, max_bytes);
  const Encoding& encoding = SniffEncoding(content_type, html, /*truncated=*/true);
  std::string utf8;
  if (encoding.utf8()) {
    AppendUtf8Sanitized(html, utf8);
  } else {
    Transcoder(encoding).ToUtf8(html, utf8);
  }
  if (utf8.size() >= 3 && utf8.compare(0, 3, "\xEF\xBB\xBF") == 0) utf8.erase(0, 3);

  Parser parser;
  if (!parser.Init()) return page;
  Reader reader(page);
  myhtml_callback_after_token_done_set(parser.tree, OnTokenDone, &reader);
  myhtml_parse(parser.tree, MyENCODING_UTF_8, utf8.data(), utf8.size());
  reader.Finish();
  return page;
}

}  // namespace crawl
