//===- Frontend.cpp -------------------------------------------------------===//
#include "frontend/Frontend.h"

#include <cstring>

#include "frontend/AutoLexer.h"
#include "frontend/Templates.h"
#include "frontend/YamlReader.h"
#include "llvm/Support/ConvertUTF.h"

namespace orch::frontend {

bool checkSourceBytes(const SourceFile &File, DiagnosticEngine &Diags) {
  llvm::StringRef T = File.text();
  if (T.trim().empty()) {
    Diags.report(DiagKind::EmptyFile, SourceLoc(), 0);
    return false;
  }
  size_t Nul = T.find('\0');
  if (Nul != llvm::StringRef::npos) {
    Diags.report(DiagKind::NulByte, SourceLoc(static_cast<uint32_t>(Nul)), 1);
    return false;
  }
  const auto *Begin = reinterpret_cast<const llvm::UTF8 *>(T.data());
  const auto *End = Begin + T.size();
  // Pipelines are mostly ASCII: skip it eight bytes at a time, and validate
  // from the first byte that is not.
  const llvm::UTF8 *Bad = Begin;
  while (End - Bad >= 8) {
    uint64_t W;
    std::memcpy(&W, Bad, 8);
    if (W & 0x8080808080808080ull) break;
    Bad += 8;
  }
  while (Bad != End && *Bad < 0x80) ++Bad;
  if (Bad != End && !llvm::isLegalUTF8String(&Bad, End)) {
    Diags.report(DiagKind::InvalidUtf8, SourceLoc(static_cast<uint32_t>(Bad - Begin)), 1,
                 static_cast<unsigned>(*Bad));
    return false;
  }
  // YAML indents with spaces only; a tab there is the usual copy-paste slip.
  // Lines of a `|` or `>` block scalar are content, where tabs are fine.
  if (!T.contains('\t')) return true;
  bool Ok = true;
  int BlockParent = -1;  // indentation of the line that opened a block
  size_t LineStart = 0;
  while (LineStart < T.size()) {
    size_t Nl = T.find('\n', LineStart);
    llvm::StringRef Line =
        T.slice(LineStart, Nl == llvm::StringRef::npos ? T.size() : Nl);
    Line = Line.rtrim('\r');
    int Indent = static_cast<int>(Line.size() - Line.ltrim(' ').size());
    bool Blank = Line.trim().empty();
    if (BlockParent >= 0 && (Blank || Indent > BlockParent)) {
      // Inside a block scalar.
    } else {
      BlockParent = -1;
      llvm::StringRef Rest = Line.ltrim(' ');
      if (Rest.starts_with("\t") && !Rest.trim().empty() &&
          !Rest.ltrim(" \t").starts_with("#")) {
        Diags.report(DiagKind::YamlSyntax,
                     SourceLoc(static_cast<uint32_t>(LineStart + Indent)), 1,
                     "tab character in indentation; YAML indents with spaces");
        Ok = false;
      }
      // `key: |`, `- >-`, `key: |2+ # comment` open a block scalar.
      llvm::StringRef Code = Rest.split(" #").first.rtrim(" \t");
      llvm::StringRef Tail = Code.rtrim("+-0123456789");
      if (Tail.ends_with("|") || Tail.ends_with(">")) {
        llvm::StringRef Before = Tail.drop_back().rtrim(' ');
        if (Before.empty() || Before.ends_with(":") || Before == "-" ||
            Before.ends_with(" -"))
          BlockParent = Indent;
      }
    }
    if (Nl == llvm::StringRef::npos) break;
    LineStart = Nl + 1;
  }
  return Ok;
}

std::optional<ast::Document> parseDocument(std::shared_ptr<const SourceFile> File,
                                           DiagnosticEngine &Diags, bool FastYaml,
                                           std::shared_ptr<ir::Arena> Arena) {
  ast::Document Doc;
  Doc.File = File;
  Doc.Arena = Arena ? std::move(Arena) : std::make_shared<ir::Arena>();
  AutoScan Scan = scanAutoTags(*File, Diags);
  if (Diags.hasErrors()) return std::nullopt;
  YamlLimits Limits;
  Limits.FastPath = FastYaml;
  YamlTree Tree = readYaml(*File, Scan.Rewritten, *Doc.Arena, Diags, Limits);
  if (!Tree.Root) {
    if (!Diags.hasErrors()) Diags.report(DiagKind::EmptyFile, SourceLoc(), 0);
    return std::nullopt;
  }
  if (!segmentScalars(*File, Scan, Tree, *Doc.Arena, Doc.AutoTags, Diags))
    return std::nullopt;
  Doc.Root = Tree.Root;
  return Doc;
}

}  // namespace orch::frontend
