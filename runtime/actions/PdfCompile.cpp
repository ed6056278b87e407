//===- PdfCompile.cpp - The pdf.compile action ----------------------------===//
#include "runtime/actions/PdfCompile.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "ir/Unicode.h"
#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/LocalActions.h"

namespace orch::runtime {

using json = ir::Json;

namespace {
/// The longest link text and URL read as a link.
constexpr size_t MaxLinkText = 1000, MaxLinkUrl = 2000;
/// Heading sizes, by level.
constexpr double HeadingSize[6] = {16, 14, 12, 11, 10, 10};
constexpr double BodySize = 10, CodeSize = 9, Indent = 14;

/// \p S with Markdown's inline marks taken out: `**`, `__` and backticks
/// dropped, `[text](url)` as `text (url)`, `![alt](src)` as `[image: alt]`.
std::string plainInline(llvm::StringRef S) {
  std::string Out;
  while (!S.empty()) {
    if (S.starts_with("**") || S.starts_with("__")) {
      S = S.drop_front(2);
      continue;
    }
    if (S.front() == '`') {
      S = S.drop_front();
      continue;
    }
    bool Image = S.starts_with("![");
    if (Image || S.front() == '[') {
      // The text ends at the first `]`, which `(` must follow; both are
      // looked for in a bounded span, so a run of `[` stays linear.
      llvm::StringRef Rest = S.drop_front(Image ? 2 : 1);
      size_t Close = Rest.take_front(MaxLinkText).find(']');
      bool Link =
          Close != llvm::StringRef::npos && Rest.substr(Close + 1).starts_with("(");
      size_t End = Link ? Rest.substr(0, Close + 2 + MaxLinkUrl).find(')', Close + 2)
                        : llvm::StringRef::npos;
      if (End != llvm::StringRef::npos) {
        llvm::StringRef Text = Rest.take_front(Close);
        llvm::StringRef Url = Rest.slice(Close + 2, End);
        Out += Image ? fmt::format("[image: {}]", plainInline(Text))
                     : fmt::format("{} ({})", plainInline(Text), Url.str());
        S = Rest.drop_front(End + 1);
        continue;
      }
    }
    Out += S.front();
    S = S.drop_front();
  }
  return Out;
}

/// A horizontal rule: three or more of one of `-*_`, spaces between.
bool isRule(llvm::StringRef L) {
  L = L.trim();
  if (L.size() < 3 || (L[0] != '-' && L[0] != '*' && L[0] != '_')) return false;
  size_t Marks = 0;
  for (char C : L) {
    if (C == L[0])
      ++Marks;
    else if (C != ' ')
      return false;
  }
  return Marks >= 3;
}

/// The heading level of \p L (`# ` to `###### `), or 0.
unsigned headingLevel(llvm::StringRef L) {
  size_t N = 0;
  while (N < L.size() && L[N] == '#') ++N;
  return N >= 1 && N <= 6 && (N == L.size() || L[N] == ' ') ? static_cast<unsigned>(N)
                                                            : 0;
}

/// A list item's marker (`-`, `*`, `+`, `1.`, `1)`) at the front of \p L
/// and the text after it.
std::optional<std::pair<std::string, llvm::StringRef>> listItem(llvm::StringRef L) {
  llvm::StringRef T = L.ltrim(' ');
  if (T.size() >= 2 && (T[0] == '-' || T[0] == '*' || T[0] == '+') && T[1] == ' ')
    return std::make_pair(std::string("\u2022"), T.drop_front(2).ltrim());
  size_t N = 0;
  while (N < T.size() && N < 9 && llvm::isDigit(T[N])) ++N;
  if (N > 0 && N + 1 < T.size() && (T[N] == '.' || T[N] == ')') && T[N + 1] == ' ')
    return std::make_pair(T.take_front(N + 1).str(), T.drop_front(N + 2).ltrim());
  return std::nullopt;
}

/// Builds the lines, a block at a time.
class Layout {
 public:
  std::vector<PdfLine> Lines;

  void paragraph(llvm::StringRef Text, PdfFace Face, double Size, double In, double Space,
                 llvm::StringRef Marker = "") {
    std::string Plain = plainInline(Text);
    double Hang = Marker.empty() ? 0 : (ir::codePointCount(Marker) + 1) * 0.6 * Size;
    std::vector<std::string> Wrapped = wrapPdfText(Plain, pdfLineChars(Size, In + Hang));
    for (size_t I = 0; I < Wrapped.size(); ++I) {
      PdfLine L;
      L.Face = Face;
      L.Size = Size;
      L.Indent = In + (I == 0 ? 0 : Hang);
      L.SpaceBefore = I == 0 ? Space : 0;
      L.Text = I == 0 && !Marker.empty() ? Marker.str() + " " + Wrapped[I] : Wrapped[I];
      Lines.push_back(std::move(L));
    }
  }

  /// A line kept as written (code, a table row), cut where it is too long.
  void verbatim(llvm::StringRef Text, double Space) {
    std::string Expanded;
    for (char C : Text) Expanded += C == '\t' ? std::string("    ") : std::string(1, C);
    ir::CodePoints All = ir::decodeUtf8(Expanded);
    size_t Width = pdfLineChars(CodeSize, Indent);
    size_t At = 0;
    do {
      PdfLine L;
      L.Size = CodeSize;
      L.Indent = Indent;
      L.SpaceBefore = At == 0 ? Space : 0;
      L.Text = ir::encodeUtf8(All.substr(At, Width));
      Lines.push_back(std::move(L));
      At += Width;
    } while (At < All.size());
  }

  void rule() {
    PdfLine L;
    L.Rule = true;
    L.SpaceBefore = 4;
    Lines.push_back(std::move(L));
  }
};
}  // namespace

std::vector<PdfLine> layoutMarkdown(llvm::StringRef Markdown, llvm::StringRef Title,
                                    llvm::StringRef Author) {
  Layout Out;
  if (!Title.trim().empty()) Out.paragraph(Title.trim(), PdfFace::Bold, 18, 0, 0);
  if (!Author.trim().empty())
    Out.paragraph(Author.trim(), PdfFace::Italic, BodySize, 0, 4);
  if (!Title.trim().empty() || !Author.trim().empty()) Out.rule();

  // The paragraph being gathered: its text, and how it is shown.
  std::string Para;
  PdfFace Face = PdfFace::Regular;
  double ParaIndent = 0;
  std::string Marker;
  auto Flush = [&] {
    if (!llvm::StringRef(Para).trim().empty())
      Out.paragraph(Para, Face, BodySize, ParaIndent, 5, Marker);
    Para.clear();
    Face = PdfFace::Regular;
    ParaIndent = 0;
    Marker.clear();
  };
  std::optional<std::string> Fence;  // the open code block's fence
  bool FirstCode = false;
  llvm::SmallVector<llvm::StringRef, 64> Rows;
  llvm::StringRef(Markdown).split(Rows, '\n');
  for (llvm::StringRef Row : Rows) {
    llvm::StringRef L = Row.rtrim("\r");
    llvm::StringRef T = L.trim();
    if (Fence) {
      if (T.starts_with(*Fence)) {
        Fence.reset();
        continue;
      }
      Out.verbatim(L, FirstCode ? 5 : 0);
      FirstCode = false;
      continue;
    }
    if (T.starts_with("```") || T.starts_with("~~~")) {
      Flush();
      Fence = T.take_front(3).str();
      FirstCode = true;
      continue;
    }
    if (T.empty()) {
      Flush();
      continue;
    }
    if (unsigned Level = headingLevel(T)) {
      Flush();
      // A closing run of `#` goes when a space comes before it (CommonMark).
      llvm::StringRef Text = T.drop_front(Level).trim();
      llvm::StringRef Bare = Text.rtrim('#');
      if (Bare.empty() || Bare.ends_with(" ") || Bare.ends_with("\t"))
        Text = Bare.rtrim();
      Out.paragraph(Text, PdfFace::Bold, HeadingSize[Level - 1], 0, Level <= 2 ? 12 : 8);
      continue;
    }
    if (isRule(T)) {
      Flush();
      Out.rule();
      continue;
    }
    if (T.starts_with("|")) {  // a table row: kept as written
      Flush();
      Out.verbatim(T, 0);
      continue;
    }
    if (auto Item = listItem(L)) {
      Flush();
      size_t Depth = (L.size() - L.ltrim(' ').size()) / 2;
      Marker = Item->first;
      ParaIndent = Indent * static_cast<double>(std::min<size_t>(Depth + 1, 6));
      Para = Item->second.str();
      continue;
    }
    if (T.starts_with(">")) {
      if (Face != PdfFace::Italic) Flush();
      Face = PdfFace::Italic;
      ParaIndent = Indent;
      Para += " " + T.drop_front().trim().str();
      continue;
    }
    if (Face == PdfFace::Italic && Marker.empty()) Flush();  // a quote ended
    Para += " " + T.str();
  }
  Flush();
  return Out.Lines;
}

ActionResult runPdfCompile(const std::string &RunDir, const json &Params) {
  auto Text = [&](const char *Name, std::string Default) -> std::optional<std::string> {
    auto It = Params.find(Name);
    if (It == Params.end() || It->is_null()) return Default;
    if (It->is_array() || It->is_object()) return std::nullopt;
    return ir::displayString(*It);
  };
  std::optional<std::string> Md = Text("markdown_content", "");
  std::optional<std::string> Path = Text("output_path", "report.pdf");
  std::optional<std::string> Title = Text("title", "");
  std::optional<std::string> Author = Text("author", "");
  for (auto [Value, Name] : {std::pair{&Md, "markdown_content"},
                             {&Path, "output_path"},
                             {&Title, "title"},
                             {&Author, "author"}})
    if (!*Value)
      return ActionResult::badParam(fmt::format("parameter `{}` must be text", Name));
  if (llvm::StringRef(*Md).trim().empty())
    return ActionResult::badParam(
        "parameter `markdown_content` is empty: there is nothing to lay out");
  if (!llvm::StringRef(*Path).ends_with_insensitive(".pdf"))
    return ActionResult::badParam(
        fmt::format("parameter `output_path` must name a `.pdf` file, found {}",
                    ir::toJsonText(*Path)));
  PdfDocument Doc = writePdf(layoutMarkdown(*Md, *Title, *Author), *Title, *Author);
  ActionResult W = runFileWrite(RunDir, json{{"path", *Path}, {"content", Doc.Bytes}});
  if (!W.Ok) return W;
  return ActionResult::success(
      json{{"output", *Path},
           {"output_path", *Path},
           {"file_size", Doc.Bytes.size()},
           {"pages", Doc.Pages},
           {"replaced_characters", Doc.Replaced},
           {"message", fmt::format("PDF generated: {} ({} page{})", *Path, Doc.Pages,
                                   Doc.Pages == 1 ? "" : "s")},
           {"success", true}});
}

}  // namespace orch::runtime
