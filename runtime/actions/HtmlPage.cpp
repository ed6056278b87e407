//===- HtmlPage.cpp - What a web page says, for web.scrape ----------------===//
#include "runtime/actions/HtmlPage.h"

#include <optional>
#include <vector>

#include "ir/Unicode.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"

namespace orch::runtime {

using json = ir::Json;

namespace {

/// Named character references read (HTML's table has 2231; these are the
/// ones pages use most). Others stay as written.
constexpr std::pair<llvm::StringLiteral, char32_t> Entities[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},     {"copy", 0xA9},     {"reg", 0xAE},
    {"trade", 0x2122},  {"hellip", 0x2026}, {"mdash", 0x2014},  {"ndash", 0x2013},
    {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"sbquo", 0x201A},  {"ldquo", 0x201C},
    {"rdquo", 0x201D},  {"bdquo", 0x201E},  {"laquo", 0xAB},    {"raquo", 0xBB},
    {"bull", 0x2022},   {"middot", 0xB7},   {"deg", 0xB0},      {"times", 0xD7},
    {"divide", 0xF7},   {"euro", 0x20AC},   {"pound", 0xA3},    {"yen", 0xA5},
    {"cent", 0xA2},     {"sect", 0xA7},     {"para", 0xB6},     {"shy", 0xAD},
    {"iexcl", 0xA1},    {"iquest", 0xBF},   {"plusmn", 0xB1},   {"frac12", 0xBD},
    {"frac14", 0xBC},   {"frac34", 0xBE},   {"sup2", 0xB2},     {"sup3", 0xB3},
    {"micro", 0xB5},    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"prime", 0x2032},
    {"thinsp", 0x2009}, {"ensp", 0x2002},   {"emsp", 0x2003},   {"zwj", 0x200D},
    {"zwnj", 0x200C},   {"larr", 0x2190},   {"rarr", 0x2192},   {"uarr", 0x2191},
    {"darr", 0x2193},   {"hearts", 0x2665}, {"check", 0x2713},  {"minus", 0x2212}};

/// Elements whose start or end separates words (`<p>a</p><p>b</p>` is
/// "a b"; `<b>a</b>b` is "ab").
constexpr llvm::StringLiteral BlockTags[] = {
    "address", "article", "aside",   "blockquote", "br",         "caption", "dd",
    "div",     "dl",      "dt",      "fieldset",   "figcaption", "figure",  "footer",
    "form",    "h1",      "h2",      "h3",         "h4",         "h5",      "h6",
    "header",  "hr",      "li",      "main",       "nav",        "ol",      "option",
    "p",       "pre",     "section", "table",      "td",         "th",      "tr",
    "ul",      "body",    "head",    "html",       "title",      "img",     "input"};

/// The code point of numeric reference \p Digits (radix \p Radix), as the
/// HTML standard maps it: 0, surrogates and values past U+10FFFF are
/// U+FFFD, 0x80-0x9F are windows-1252's.
char32_t numericReference(llvm::StringRef Digits, unsigned Radix) {
  uint64_t V = 0;
  for (char C : Digits) {
    unsigned D = llvm::isDigit(C) ? C - '0' : llvm::toLower(C) - 'a' + 10;
    V = V * Radix + D;
    if (V > 0x10FFFF) return 0xFFFD;
  }
  if (V == 0 || (V >= 0xD800 && V <= 0xDFFF)) return 0xFFFD;
  if (V >= 0x80 && V <= 0x9F) return ir::fromWindows1252(static_cast<uint8_t>(V));
  return static_cast<char32_t>(V);
}

/// \p S with its character references decoded.
std::string decodeEntities(llvm::StringRef S) {
  std::string Out;
  Out.reserve(S.size());
  while (!S.empty()) {
    size_t Amp = S.find('&');
    Out += S.take_front(Amp);
    if (Amp == llvm::StringRef::npos) break;
    S = S.drop_front(Amp);
    size_t Semi = S.take_front(34).find(';');
    llvm::StringRef Body = Semi == llvm::StringRef::npos ? "" : S.slice(1, Semi);
    std::optional<char32_t> C;
    if (Body.consume_front("#")) {
      unsigned Radix = 10;
      if (Body.consume_front("x") || Body.consume_front("X")) Radix = 16;
      bool Ok = !Body.empty() && llvm::all_of(Body, [&](char D) {
        return Radix == 10 ? llvm::isDigit(D) : llvm::isHexDigit(D);
      });
      if (Ok) C = numericReference(Body, Radix);
    } else if (!Body.empty()) {
      for (const auto &[Name, Code] : Entities)
        if (Name == Body) C = Code;
    }
    if (!C) {
      Out += '&';
      S = S.drop_front();
      continue;
    }
    ir::appendUtf8(Out, *C);
    S = S.drop_front(Semi + 1);
  }
  return Out;
}

/// \p S with each run of white space (Python's str.isspace) one space, and
/// none at either end.
std::string collapseSpace(llvm::StringRef S) {
  ir::CodePoints In = ir::decodeUtf8(S), Out;
  bool Space = false;
  for (char32_t C : In) {
    if (ir::isSpace(C)) {
      Space = !Out.empty();
      continue;
    }
    if (Space) Out += U' ';
    Space = false;
    Out += C;
  }
  return ir::encodeUtf8(Out);
}

/// The most attributes kept of one tag.
constexpr size_t MaxAttrs = 64;

bool isTagSpace(char C) {
  return C == ' ' || C == '\t' || C == '\n' || C == '\r' || C == '\f';
}

/// Reads the tag at the front of \p S (which starts `<x` or `</x`, x a
/// letter) and drops it from \p S (to the end, if it never closes).
HtmlTag readTag(llvm::StringRef &S) {
  HtmlTag T;
  S = S.drop_front();  // '<'
  if (S.consume_front("/")) T.End = true;
  size_t N = 0;
  while (N < S.size() && !isTagSpace(S[N]) && S[N] != '>' && S[N] != '/') ++N;
  T.Name = S.take_front(N).lower();
  S = S.drop_front(N);
  while (!S.empty()) {
    while (!S.empty() && (isTagSpace(S.front()) || S.front() == '/')) S = S.drop_front();
    if (S.empty() || S.consume_front(">")) break;
    size_t K = 0;
    while (K < S.size() && !isTagSpace(S[K]) && S[K] != '=' && S[K] != '>' &&
           (S[K] != '/' || K == 0))
      ++K;
    std::pair<std::string, std::string> A{S.take_front(K).lower(), ""};
    S = S.drop_front(K);
    while (!S.empty() && isTagSpace(S.front())) S = S.drop_front();
    if (S.consume_front("=")) {
      while (!S.empty() && isTagSpace(S.front())) S = S.drop_front();
      llvm::StringRef V;
      if (!S.empty() && (S.front() == '"' || S.front() == '\'')) {
        char Q = S.front();
        size_t End = S.find(Q, 1);
        V = S.slice(1, End);
        S = End == llvm::StringRef::npos ? llvm::StringRef() : S.drop_front(End + 1);
      } else {
        size_t End = 0;
        while (End < S.size() && !isTagSpace(S[End]) && S[End] != '>') ++End;
        V = S.take_front(End);
        S = S.drop_front(End);
      }
      A.second = decodeEntities(V);
    }
    // The first of a name counts; past MaxAttrs a tag's attributes are
    // read and dropped (the check for a repeat stays linear).
    if (!T.End && !A.first.empty() && T.Attrs.size() < MaxAttrs && !T.attr(A.first))
      T.Attrs.push_back(std::move(A));
  }
  return T;
}

/// Drops from \p S everything up to and including `</Name ...>` (any case),
/// and returns what came before it (the element's raw text).
llvm::StringRef skipRawText(llvm::StringRef &S, llvm::StringRef Name) {
  for (size_t At = S.find("</"); At != llvm::StringRef::npos; At = S.find("</", At + 2)) {
    llvm::StringRef After = S.drop_front(At + 2);
    if (After.size() >= Name.size() &&
        After.take_front(Name.size()).equals_insensitive(Name) &&
        (After.size() == Name.size() || isTagSpace(After[Name.size()]) ||
         After[Name.size()] == '>' || After[Name.size()] == '/')) {
      llvm::StringRef Raw = S.take_front(At);
      size_t Close = S.find('>', At);
      S = Close == llvm::StringRef::npos ? llvm::StringRef() : S.drop_front(Close + 1);
      return Raw;
    }
  }
  llvm::StringRef Raw = S;
  S = {};
  return Raw;
}

/// Removes the last segment of \p Out (RFC 3986 §5.2.4).
void dropLastSegment(std::string &Out) {
  size_t Slash = Out.rfind('/');
  Out.erase(Slash == std::string::npos ? 0 : Slash);
}

/// RFC 3986 §5.2.4.
std::string removeDotSegments(llvm::StringRef In) {
  std::string Out;
  while (!In.empty()) {
    if (In.consume_front("../") || In.consume_front("./")) continue;
    if (In.starts_with("/./")) {
      In = In.drop_front(2);
    } else if (In == "/.") {
      In = "/";
    } else if (In.starts_with("/../")) {
      In = In.drop_front(3);
      dropLastSegment(Out);
    } else if (In == "/..") {
      In = "/";
      dropLastSegment(Out);
    } else if (In == "." || In == "..") {
      In = {};
    } else {
      size_t End = In.find('/', 1);
      Out += In.take_front(End).str();
      In = In.drop_front(std::min(End, In.size()));
    }
  }
  return Out;
}

/// A URL reference's parts (RFC 3986 §3); a part absent is null.
struct UrlParts {
  std::optional<std::string> Scheme, Authority, Query, Fragment;
  std::string Path;
};

UrlParts splitUrl(llvm::StringRef S) {
  UrlParts P;
  size_t Colon = S.find(':');
  if (Colon != llvm::StringRef::npos && Colon > 0 && llvm::isAlpha(S.front()) &&
      llvm::all_of(S.take_front(Colon), [](char C) {
        return llvm::isAlnum(C) || C == '+' || C == '-' || C == '.';
      })) {
    P.Scheme = S.take_front(Colon).str();
    S = S.drop_front(Colon + 1);
  }
  if (size_t Hash = S.find('#'); Hash != llvm::StringRef::npos) {
    P.Fragment = S.drop_front(Hash + 1).str();
    S = S.take_front(Hash);
  }
  if (size_t Q = S.find('?'); Q != llvm::StringRef::npos) {
    P.Query = S.drop_front(Q + 1).str();
    S = S.take_front(Q);
  }
  if (S.consume_front("//")) {
    size_t Slash = S.find('/');
    P.Authority = S.take_front(Slash).str();
    S = S.drop_front(std::min(Slash, S.size()));
  }
  P.Path = S.str();
  return P;
}

std::string joinUrl(const UrlParts &P) {
  std::string Out;
  if (P.Scheme) Out += *P.Scheme + ":";
  if (P.Authority) Out += "//" + *P.Authority;
  Out += P.Path;
  if (P.Query) Out += "?" + *P.Query;
  if (P.Fragment) Out += "#" + *P.Fragment;
  return Out;
}

/// What the reader keeps while it walks the page.
struct PageReader {
  llvm::StringRef Url;
  std::string Text;  ///< Decoded, not yet collapsed.
  std::optional<std::string> Title;
  json Meta = json::object();
  json Links = json::array();
  json Images = json::array();
  /// The text of the open `<a>`, and its place in Links.
  std::optional<std::pair<size_t, std::string>> OpenLink;

  void text(llvm::StringRef Decoded) {
    Text += Decoded;
    if (OpenLink) OpenLink->second += Decoded;
  }

  void closeLink() {
    if (!OpenLink) return;
    Links[OpenLink->first]["text"] = collapseSpace(OpenLink->second);
    OpenLink.reset();
  }

  void startTag(const HtmlTag &T) {
    auto Get = [&](llvm::StringRef N) {
      const std::string *V = T.attr(N);
      return V ? *V : std::string();
    };
    if (T.Name == "a") {
      closeLink();  // an `<a>` never holds another
      if (const std::string *Href = T.attr("href")) {
        OpenLink.emplace(Links.size(), "");
        Links.push_back({{"url", resolveUrl(Url, llvm::StringRef(*Href).trim())},
                         {"text", ""},
                         {"title", Get("title")}});
      }
    } else if (T.Name == "img") {
      if (const std::string *Src = T.attr("src"))
        Images.push_back({{"url", resolveUrl(Url, llvm::StringRef(*Src).trim())},
                          {"alt", Get("alt")},
                          {"title", Get("title")}});
    } else if (T.Name == "meta") {
      std::string Name = Get("name");
      if (Name.empty()) Name = Get("property");
      std::string Content = Get("content");
      if (!Name.empty() && !Content.empty()) Meta[Name] = Content;
    }
  }

  void read(llvm::StringRef Html) {
    std::optional<std::string> TitleText;  // inside the first <title>
    walkHtml(
        Html,
        [&](const HtmlTag &T) {
          if (llvm::is_contained(BlockTags, T.Name)) text(" ");
          if (T.Name == "title" && !Title) {
            if (!T.End)
              TitleText.emplace();
            else if (TitleText) {
              Title = collapseSpace(*TitleText);
              TitleText.reset();
            }
          }
          if (T.End) {
            if (T.Name == "a") closeLink();
            return;
          }
          startTag(T);
        },
        [&](llvm::StringRef Decoded) {
          if (TitleText) TitleText->append(Decoded);
          text(Decoded);
        });
    closeLink();
  }
};

}  // namespace

const std::string *HtmlTag::attr(llvm::StringRef N) const {
  for (const auto &[K, V] : Attrs)
    if (K == N) return &V;
  return nullptr;
}

void walkHtml(llvm::StringRef S, llvm::function_ref<void(const HtmlTag &)> OnTag,
              llvm::function_ref<void(llvm::StringRef)> OnText) {
  while (!S.empty()) {
    size_t Lt = S.find('<');
    if (Lt != 0) {
      OnText(decodeEntities(S.take_front(Lt)));
      S = S.drop_front(std::min(Lt, S.size()));
      continue;
    }
    if (S.starts_with("<!--")) {
      size_t End = S.find("-->", 4);
      S = End == llvm::StringRef::npos ? llvm::StringRef() : S.drop_front(End + 3);
      continue;
    }
    if (S.starts_with("<!") || S.starts_with("<?")) {
      size_t End = S.find('>');
      S = End == llvm::StringRef::npos ? llvm::StringRef() : S.drop_front(End + 1);
      continue;
    }
    bool End = S.size() > 2 && S[1] == '/' && llvm::isAlpha(S[2]);
    if (!End && !(S.size() > 1 && llvm::isAlpha(S[1]))) {
      OnText("<");
      S = S.drop_front();
      continue;
    }
    HtmlTag T = readTag(S);
    OnTag(T);
    if (T.End) continue;
    bool Script = T.Name == "script" || T.Name == "style";
    if (!Script && T.Name != "title" && T.Name != "textarea") continue;
    llvm::StringRef Raw = skipRawText(S, T.Name);
    if (!Script) OnText(decodeEntities(Raw));
    HtmlTag Close;
    Close.Name = T.Name;
    Close.End = true;
    OnTag(Close);
  }
}

std::string resolveUrl(llvm::StringRef Base, llvm::StringRef Ref) {
  UrlParts R = splitUrl(Ref);
  if (R.Scheme) return Ref.str();
  UrlParts B = splitUrl(Base), T;
  T.Scheme = B.Scheme;
  T.Fragment = R.Fragment;
  if (R.Authority) {
    T.Authority = R.Authority;
    T.Path = removeDotSegments(R.Path);
    T.Query = R.Query;
    return joinUrl(T);
  }
  T.Authority = B.Authority;
  if (R.Path.empty()) {
    T.Path = B.Path;
    T.Query = R.Query ? R.Query : B.Query;
    return joinUrl(T);
  }
  if (R.Path.front() == '/') {
    T.Path = removeDotSegments(R.Path);
  } else if (B.Authority && B.Path.empty()) {
    T.Path = removeDotSegments("/" + R.Path);
  } else {
    size_t Slash = B.Path.rfind('/');
    std::string Merged =
        (Slash == std::string::npos ? std::string() : B.Path.substr(0, Slash + 1)) +
        R.Path;
    T.Path = removeDotSegments(Merged);
  }
  T.Query = R.Query;
  return joinUrl(T);
}

std::string pageText(llvm::StringRef Bytes) {
  const auto *Begin = reinterpret_cast<const llvm::UTF8 *>(Bytes.begin());
  if (llvm::isLegalUTF8String(&Begin, reinterpret_cast<const llvm::UTF8 *>(Bytes.end())))
    return Bytes.str();
  std::string Out;
  Out.reserve(Bytes.size() + Bytes.size() / 4);
  for (unsigned char C : Bytes) ir::appendUtf8(Out, ir::fromWindows1252(C));
  return Out;
}

namespace {
json pageFields(llvm::StringRef Raw, std::string Title, json Meta, json Links,
                json Images) {
  std::string Text = collapseSpace(Raw);
  size_t Words = Text.empty() ? 0 : 1 + llvm::count(Text, ' ');
  return {{"text", std::move(Text)},   {"word_count", Words},
          {"title", std::move(Title)}, {"meta_tags", std::move(Meta)},
          {"links", std::move(Links)}, {"images", std::move(Images)},
          {"description", ""}};
}
}  // namespace

json readPlainPage(llvm::StringRef Text) {
  return pageFields(Text, "", json::object(), json::array(), json::array());
}

json readHtmlPage(llvm::StringRef Html, llvm::StringRef Url) {
  PageReader R;
  R.Url = Url;
  R.read(Html);
  json Out = pageFields(R.Text, R.Title.value_or(""), std::move(R.Meta),
                        std::move(R.Links), std::move(R.Images));
  for (const char *Key : {"description", "og:description"})
    if (auto It = Out["meta_tags"].find(Key); It != Out["meta_tags"].end()) {
      Out["description"] = *It;
      break;
    }
  return Out;
}

}  // namespace orch::runtime
