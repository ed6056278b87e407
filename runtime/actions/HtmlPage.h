//===- HtmlPage.h - What a web page says, for web.scrape -------*- C++ -*-===//
//
// A small, forgiving reader of HTML: it never fails and never recurses. It
// takes a page's text (script and style left out, white space collapsed),
// its title, its `<meta>` tags, its links and its images, with relative
// URLs resolved against the page's URL (RFC 3986 §5.2). Entities are the
// numeric ones and a table of common names; an unknown name stays as
// written. docs/actions.md §22.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

namespace orch::runtime {

/// A start or end tag.
struct HtmlTag {
  std::string Name;  ///< Lower case.
  bool End = false;
  /// A start tag's attributes (names lower case, values decoded), the
  /// first of each name.
  std::vector<std::pair<std::string, std::string>> Attrs;
  /// The value of attribute \p Name, or null.
  const std::string *attr(llvm::StringRef Name) const;
};

/// Reads \p Html in order: \p OnTag gets each tag, \p OnText each run of
/// text, its references decoded. Comments and declarations are skipped,
/// and so is the text of `<script>` and `<style>`; the text of `<title>`
/// and `<textarea>` is not markup. An element left open at the end gets
/// no end tag.
void walkHtml(llvm::StringRef Html, llvm::function_ref<void(const HtmlTag &)> OnTag,
              llvm::function_ref<void(llvm::StringRef)> OnText);

/// \p Ref resolved against the absolute URL \p Base (RFC 3986 §5.2; dot
/// segments removed). A reference with a scheme of its own (`mailto:`)
/// is returned as written.
std::string resolveUrl(llvm::StringRef Base, llvm::StringRef Ref);

/// \p Bytes as UTF-8 text: as is when it is valid UTF-8, else read as
/// windows-1252 (HTML's fallback for pages that declare no encoding).
std::string pageText(llvm::StringRef Bytes);

/// The fields web.scrape reads from the UTF-8 HTML \p Html fetched from
/// \p Url: `text`, `word_count`, `title`, `meta_tags`, `description` (the
/// `description` or `og:description` meta tag, else ""), `links` ([{url, text, title}])
/// and `images`
/// ([{url, alt, title}]), in document order.
ir::Json readHtmlPage(llvm::StringRef Html, llvm::StringRef Url);

/// The same fields for a plain text page: its text (white space
/// collapsed) and words; no title, tags, links or images.
ir::Json readPlainPage(llvm::StringRef Text);

}  // namespace orch::runtime
