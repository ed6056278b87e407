//===- ChartDashboard.cpp - The chart.dashboard action --------------------===//
#include <fmt/format.h>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/XmlEscape.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Base64.h"
#include "runtime/actions/Chart.h"
#include "runtime/actions/DataFrame.h"
#include "runtime/actions/LocalActions.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// `charts`: a list of paths, JSON text of one, or one path.
llvm::Expected<std::vector<std::string>> chartPaths(const json &Charts) {
  json List = Charts;
  if (Charts.is_string()) {
    llvm::StringRef T = llvm::StringRef(Charts.get_ref<const std::string &>()).trim();
    if (T.starts_with("[") && T.ends_with("]")) {
      List = ir::parseJsonBounded(T);
      if (List.is_discarded())
        return llvm::createStringError(
            "`charts` is text in brackets that is not a JSON list");
    } else {
      List = json::array({Charts});
    }
  }
  std::vector<std::string> Paths;
  if (!List.is_array())
    return llvm::createStringError(fmt::format(
        "`charts` must be a list of chart files, found {}", ir::toJsonText(Charts)));
  for (const json &P : List) {
    if (!P.is_string() || P.empty())
      return llvm::createStringError(
          fmt::format("`charts` must hold file paths, found {}", ir::toJsonText(P)));
    Paths.push_back(P.get<std::string>());
  }
  if (Paths.empty()) return llvm::createStringError("No charts provided");
  return Paths;
}

std::string pageHead(llvm::StringRef Title, llvm::StringRef Layout) {
  std::string Flow =
      Layout == "grid"       ? "display: grid; grid-template-columns: repeat(2, 1fr);"
      : Layout == "vertical" ? "display: flex; flex-direction: column;"
                             : "display: flex; flex-direction: row; overflow-x: auto;";
  return fmt::format(
      "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n"
      "<style>\nbody {{ font-family: Arial, sans-serif; margin: 20px; background: "
      "#f5f5f5; }}\nh1 {{ color: #333; text-align: center; }}\n.charts {{ {1} gap: 20px; "
      "max-width: 1400px; margin: 0 auto; }}\n.chart {{ border: 1px solid #ddd; padding: "
      "15px; background: white; border-radius: 8px; }}\nimg {{ max-width: 100%; height: "
      "auto; display: block; }}\n</style>\n</head>\n<body>\n<h1>{0}</h1>\n<div "
      "class=\"charts\">\n",
      ir::xmlEscape(Title), Flow);
}

}  // namespace

ActionResult runChartDashboard(const std::string &RunDir, const json &Params) {
  auto ChartsIt = Params.find("charts");
  if (ChartsIt == Params.end() || ChartsIt->is_null())
    return ActionResult::badParam("No charts provided");
  llvm::Expected<std::vector<std::string>> Paths = chartPaths(*ChartsIt);
  if (!Paths) return ActionResult::badParam(llvm::toString(Paths.takeError()));
  llvm::Expected<std::string> Title = dataChoice(Params, "title", "Analysis Dashboard");
  if (!Title) return ActionResult::badParam(llvm::toString(Title.takeError()));
  llvm::Expected<std::string> Layout =
      dataChoice(Params, "layout", "grid", ir::paramChoices("chart.dashboard", "layout"));
  if (!Layout) return ActionResult::badParam(llvm::toString(Layout.takeError()));
  llvm::Expected<std::string> Dir = dataChoice(Params, "output_dir", ".");
  if (!Dir) return ActionResult::badParam(llvm::toString(Dir.takeError()));
  std::string Page = pageHead(*Title, *Layout);
  for (const std::string &P : *Paths) {
    if (!llvm::StringRef(P).ends_with_insensitive(".svg"))
      return ActionResult::badParam(
          fmt::format("chart `{}` is not an SVG file: the dashboard shows the SVG charts "
                      "`chart` draws",
                      P));
    ActionResult R = runFileRead(RunDir, json{{"path", P}});
    if (!R.Ok) return R;
    const std::string &Svg = R.Fields["output"].get_ref<const std::string &>();
    // As an image: a script in an SVG file never runs in the page.
    Page += fmt::format(
        "<div class=\"chart\"><img src=\"data:image/svg+xml;base64,{}\" "
        "alt=\"{}\"></div>\n",
        llvm::encodeBase64(Svg), ir::xmlEscape(P));
  }
  Page += "</div>\n</body>\n</html>\n";
  std::string Base = *Dir;
  while (Base.size() > 1 && Base.back() == '/') Base.pop_back();
  std::string Path = (Base.empty() || Base == "." ? "" : Base + "/") + "dashboard.html";
  ActionResult W = runFileWrite(RunDir, json{{"path", Path}, {"content", Page}});
  if (!W.Ok) return W;
  return ActionResult::success(json{{"url", Path},
                                    {"dashboard_path", Path},
                                    {"charts_included", Paths->size()},
                                    {"layout", *Layout},
                                    {"success", true},
                                    {"output", Path}});
}

}  // namespace orch::runtime
