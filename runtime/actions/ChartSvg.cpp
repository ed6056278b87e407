//===- ChartSvg.cpp - Drawing a chart as SVG ------------------------------===//
//
// Bar, pie, line, scatter and histogram charts of a ChartTable, as plain
// SVG 1.1: axes with five rounded ticks, text escaped, numbers printed the
// same way on every machine.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "ir/Eval.h"
#include "ir/XmlEscape.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/Chart.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

constexpr const char *Palette[] = {"#4c72b0", "#dd8452", "#55a868", "#c44e52",
                                   "#8172b3", "#937860", "#da8bc3", "#8c8c8c"};
constexpr size_t MaxSeries = 6;
constexpr size_t MaxLabelChars = 24;

/// \p S escaped for XML (ir::xmlEscape), cut to \p Max code points.
std::string escape(llvm::StringRef S, size_t Max = 200) {
  size_t Points = 0;
  for (size_t I = 0; I < S.size(); ++I)
    if ((static_cast<unsigned char>(S[I]) & 0xC0) != 0x80 && ++Points > Max)
      return ir::xmlEscape(S.take_front(I)) + "…";
  return ir::xmlEscape(S);
}

/// A number as text: up to six significant digits, no exponent for
/// ordinary magnitudes.
std::string num(double D) {
  if (D == 0) return "0";
  return fmt::format("{:.6g}", D);
}

/// A coordinate, to a tenth of a pixel.
std::string px(double D) { return fmt::format("{:.1f}", D); }

/// `sales_total` as `Sales Total`.
std::string pretty(llvm::StringRef Name) {
  std::string Out;
  bool Start = true;
  for (char C : Name) {
    if (C == '_') {
      Out += ' ';
      Start = true;
      continue;
    }
    Out += Start ? llvm::toUpper(C) : C;
    Start = !llvm::isAlnum(C);
  }
  return Out;
}

/// The first column that is (or is not) numeric.
std::optional<size_t> firstColumn(const ChartTable &T, bool Numeric) {
  for (size_t C = 0; C < T.Columns.size(); ++C)
    if (T.Numeric[C] == Numeric) return C;
  return std::nullopt;
}

/// Five round tick values covering [Lo, Hi] (widened to them). A range of
/// one value, or too narrow to divide, is padded around it first.
std::vector<double> ticks(double &Lo, double &Hi) {
  double Span = Hi - Lo;
  double Scale = std::max({1.0, std::abs(Lo), std::abs(Hi)});
  if (!(Span > Scale * 1e-9)) {  // one value, or floating-point noise
    double Pad = std::max(1.0, std::abs(Lo) * 0.05);
    Lo -= Pad;
    Hi += Pad;
  }
  double Raw = (Hi - Lo) / 5;
  double Mag = std::pow(10, std::floor(std::log10(Raw)));
  double Step = Mag;
  for (double M : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (M * Mag >= Raw) {
      Step = M * Mag;
      break;
    }
  Lo = std::floor(Lo / Step) * Step;
  Hi = std::ceil(Hi / Step) * Step;
  // By count, not by adding Step: far from zero, V + Step can equal V.
  int N = static_cast<int>(std::clamp(std::round((Hi - Lo) / Step), 1.0, 20.0));
  std::vector<double> Out;
  for (int I = 0; I <= N; ++I) {
    double V = Lo + Step * I;
    Out.push_back(std::abs(V) < Step / 1e9 ? 0 : V);
  }
  return Out;
}

/// An SVG document under construction, with a plot area inside margins.
class Svg {
 public:
  /// \p Dark: light text and lines on a dark background (`theme: dark`).
  Svg(int W, int H, bool Dark, llvm::StringRef Title)
      : W(W), H(H), Ink(Dark ? "#eeeeee" : "black"), Grid(Dark ? "#444444" : "#dddddd") {
    // Text inherits the root's fill.
    Out = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
        "viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"12\" "
        "fill=\"{}\">\n"
        "<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"{}\"/>\n"
        "<text x=\"{}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
        "font-weight=\"bold\">{}</text>\n",
        W, H, W, H, Ink, escape(Title), Dark ? "#222222" : "white", W / 2, escape(Title));
  }
  double left() const { return 70; }
  double right() const { return W - 20.0; }
  double top() const { return 50; }
  double bottom() const { return H - 70.0; }

  /// Axes, with the y axis ticked over [Lo, Hi] (returned rounded).
  void axes(double &Lo, double &Hi, llvm::StringRef XLabel, llvm::StringRef YLabel) {
    std::vector<double> Ts = ticks(Lo, Hi);
    for (double T : Ts) {
      double Y = y(T, Lo, Hi);
      Out += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>\n"
          "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
          px(left()), px(Y), px(right()), px(Y), Grid, px(left() - 6), px(Y + 4), num(T));
    }
    Out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{4}\"/>\n"
        "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" stroke=\"{4}\"/>\n",
        px(left()), px(top()), px(bottom()), px(right()), Ink);
    Out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       px((left() + right()) / 2), H - 12, escape(XLabel));
    Out += fmt::format(
        "<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" "
        "transform=\"rotate(-90 16 {0})\">{1}</text>\n",
        px((top() + bottom()) / 2), escape(YLabel));
  }
  double y(double V, double Lo, double Hi) const {
    return bottom() - (V - Lo) / (Hi - Lo) * (bottom() - top());
  }
  double x(double V, double Lo, double Hi) const {
    return left() + (V - Lo) / (Hi - Lo) * (right() - left());
  }
  /// A label under the x axis at \p X.
  void xLabel(double X, llvm::StringRef Text) {
    Out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       px(X), px(bottom() + 16), escape(Text, MaxLabelChars));
  }
  void raw(const std::string &S) { Out += S; }
  std::string finish() { return Out + "</svg>\n"; }

  int W, H;
  const char *Ink, *Grid;  ///< text and axes; grid lines

 private:
  std::string Out;
};

/// Bars of \p Values labelled \p Labels.
void bars(Svg &S, const std::vector<std::string> &Labels,
          const std::vector<double> &Values, llvm::StringRef XLabel,
          llvm::StringRef YLabel) {
  double Lo = std::min(0.0, *std::min_element(Values.begin(), Values.end()));
  double Hi = std::max(0.0, *std::max_element(Values.begin(), Values.end()));
  S.axes(Lo, Hi, XLabel, YLabel);
  double Slot = (S.right() - S.left()) / static_cast<double>(Values.size());
  // Labels only where there is room: about one every 40 pixels.
  size_t Every = std::max<size_t>(1, static_cast<size_t>(std::ceil(40 / Slot)));
  for (size_t I = 0; I < Values.size(); ++I) {
    double X = S.left() + Slot * static_cast<double>(I);
    double Y0 = S.y(0, Lo, Hi), Y1 = S.y(Values[I], Lo, Hi);
    S.raw(fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: "
        "{}</title>"
        "</rect>\n",
        px(X + Slot * 0.1), px(std::min(Y0, Y1)), px(Slot * 0.8), px(std::abs(Y1 - Y0)),
        Palette[0], escape(Labels[I]), num(Values[I])));
    if (I % Every == 0) S.xLabel(X + Slot / 2, Labels[I]);
  }
}

/// Sums of the first number column per value of the first category column
/// (keys sorted, as a group-by does), or counts per value when there is no
/// number column, or each row's number when there is no category.
struct Grouped {
  std::vector<std::string> Labels;
  std::vector<double> Values;
  std::string What, By;
};

Grouped group(const ChartTable &T) {
  Grouped G;
  std::optional<size_t> Cat = firstColumn(T, false), Num = firstColumn(T, true);
  if (!Cat && Num) {
    for (size_t R = 0; R < T.Rows.size(); ++R) {
      G.Labels.push_back(T.RowLabels.empty() ? std::to_string(R) : T.RowLabels[R]);
      G.Values.push_back(chartNumber(T.Rows[R][*Num]).value_or(0));
    }
    G.What = pretty(T.Columns[*Num]);
    G.By = "Row";
    return G;
  }
  std::map<std::string, double> Sums;
  for (const std::vector<json> &R : T.Rows) {
    double &V = Sums[ir::displayString(R[*Cat])];
    V += Num ? chartNumber(R[*Num]).value_or(0) : 1;
  }
  for (const auto &[K, V] : Sums) {
    G.Labels.push_back(K);
    G.Values.push_back(V);
  }
  G.What = Num ? "Total " + pretty(T.Columns[*Num]) : "Count";
  G.By = pretty(T.Columns[*Cat]);
  return G;
}

std::string heading(llvm::StringRef Title, const std::string &Derived) {
  return Title.empty() ? Derived : Title.str() + ": " + Derived;
}

std::string barChart(const ChartTable &T, llvm::StringRef Title, int W, int H,
                     bool Dark) {
  Grouped G = group(T);
  Svg S(W, H, Dark, heading(Title, G.What + " by " + G.By));
  bars(S, G.Labels, G.Values, G.By, G.What);
  return S.finish();
}

std::string pieChart(const ChartTable &T, llvm::StringRef Title, int W, int H,
                     bool Dark) {
  Grouped G = group(T);
  Svg S(W, H, Dark, heading(Title, G.What + " by " + G.By));
  double Total = 0;
  for (double V : G.Values) Total += std::max(0.0, V);
  double Cx = W * 0.38, Cy = (S.top() + H - 20.0) / 2;
  double R = std::max(10.0, std::min(W * 0.3, (H - 20.0 - S.top()) / 2) - 10);
  double A = -M_PI / 2;
  for (size_t I = 0; I < G.Values.size(); ++I) {
    double Share = Total > 0 ? std::max(0.0, G.Values[I]) / Total : 0;
    const char *Color = Palette[I % std::size(Palette)];
    if (Share >= 0.999999) {
      S.raw(fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>\n", px(Cx),
                        px(Cy), px(R), Color));
    } else if (Share > 0) {
      double B = A + Share * 2 * M_PI;
      S.raw(
          fmt::format("<path d=\"M {} {} L {} {} A {} {} 0 {} 1 {} {} Z\" fill=\"{}\" "
                      "stroke=\"white\"/>\n",
                      px(Cx), px(Cy), px(Cx + R * std::cos(A)), px(Cy + R * std::sin(A)),
                      px(R), px(R), Share > 0.5 ? 1 : 0, px(Cx + R * std::cos(B)),
                      px(Cy + R * std::sin(B)), Color));
      A = B;
    }
    double Ly = S.top() + 20.0 * static_cast<double>(I);
    if (Ly > H - 20.0) continue;  // no room for more of the legend
    S.raw(
        fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
                    "<text x=\"{}\" y=\"{}\">{} ({}, {}%)</text>\n",
                    px(W * 0.72), px(Ly), Color, px(W * 0.72 + 18), px(Ly + 11),
                    escape(G.Labels[I], MaxLabelChars), num(G.Values[I]),
                    num(std::round(Share * 1000) / 10)));
  }
  return S.finish();
}

std::string lineChart(const ChartTable &T, llvm::StringRef Title, int W, int H,
                      bool Dark) {
  std::vector<size_t> Series;
  for (size_t C = 0; C < T.Columns.size() && Series.size() < MaxSeries; ++C)
    if (T.Numeric[C]) Series.push_back(C);
  if (Series.empty()) return barChart(T, Title, W, H, Dark);  // nothing to draw as lines
  double Lo = 0, Hi = 0;
  bool First = true;
  for (size_t C : Series)
    for (const std::vector<json> &R : T.Rows)
      if (std::optional<double> V = chartNumber(R[C])) {
        Lo = First ? *V : std::min(Lo, *V);
        Hi = First ? *V : std::max(Hi, *V);
        First = false;
      }
  std::vector<std::string> Names;
  for (size_t C : Series) Names.push_back(pretty(T.Columns[C]));
  Svg S(W, H, Dark, heading(Title, llvm::join(Names, ", ") + " by Row"));
  S.axes(Lo, Hi, "Row", Names.size() == 1 ? Names[0] : "Value");
  double N = static_cast<double>(std::max<size_t>(1, T.Rows.size() - 1));
  for (size_t I = 0; I < Series.size(); ++I) {
    std::string Points;
    for (size_t R = 0; R < T.Rows.size(); ++R)
      if (std::optional<double> V = chartNumber(T.Rows[R][Series[I]]))
        Points += fmt::format("{},{} ", px(S.x(static_cast<double>(R), 0, N)),
                              px(S.y(*V, Lo, Hi)));
    S.raw(fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n"
        "<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n",
        llvm::StringRef(Points).rtrim().str(), Palette[I % std::size(Palette)],
        px(S.left() + 8), px(S.top() + 14 + 16.0 * static_cast<double>(I)),
        Palette[I % std::size(Palette)], escape(Names[I], MaxLabelChars)));
  }
  return S.finish();
}

std::string scatterChart(const ChartTable &T, llvm::StringRef Title, int W, int H,
                         bool Dark) {
  std::vector<size_t> Nums;
  for (size_t C = 0; C < T.Columns.size() && Nums.size() < 2; ++C)
    if (T.Numeric[C]) Nums.push_back(C);
  if (Nums.empty()) return barChart(T, Title, W, H, Dark);
  // Two number columns: one against the other; one: against the row.
  bool ByRow = Nums.size() == 1;
  std::string XName = ByRow ? "Row" : pretty(T.Columns[Nums[0]]);
  std::string YName = pretty(T.Columns[Nums.back()]);
  std::vector<std::pair<double, double>> Pts;
  for (size_t R = 0; R < T.Rows.size(); ++R) {
    std::optional<double> Xv = ByRow ? std::optional<double>(static_cast<double>(R))
                                     : chartNumber(T.Rows[R][Nums[0]]);
    std::optional<double> Yv = chartNumber(T.Rows[R][Nums.back()]);
    if (Xv && Yv) Pts.push_back({*Xv, *Yv});
  }
  Svg S(W, H, Dark, heading(Title, YName + " vs " + XName));
  if (Pts.empty()) return S.finish();
  auto [XMin, XMax] = std::minmax_element(
      Pts.begin(), Pts.end(), [](auto &A, auto &B) { return A.first < B.first; });
  auto [YMin, YMax] = std::minmax_element(
      Pts.begin(), Pts.end(), [](auto &A, auto &B) { return A.second < B.second; });
  double XLo = XMin->first, XHi = XMax->first, YLo = YMin->second, YHi = YMax->second;
  S.axes(YLo, YHi, XName, YName);
  std::vector<double> XT = ticks(XLo, XHi);
  for (double V : XT) S.xLabel(S.x(V, XLo, XHi), num(V));
  for (const auto &[Xv, Yv] : Pts)
    S.raw(
        fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\" opacity=\"0.7\"/>\n",
                    px(S.x(Xv, XLo, XHi)), px(S.y(Yv, YLo, YHi)), Palette[0]));
  return S.finish();
}

std::string histogram(const ChartTable &T, llvm::StringRef Title, int W, int H,
                      bool Dark) {
  std::optional<size_t> Num = firstColumn(T, true);
  if (!Num) return barChart(T, Title, W, H, Dark);  // counts per category
  std::vector<double> Vs;
  for (const std::vector<json> &R : T.Rows)
    if (std::optional<double> V = chartNumber(R[*Num])) Vs.push_back(*V);
  // Sturges' rule: ceil(log2 n) + 1 bins of equal width.
  size_t Bins =
      static_cast<size_t>(std::ceil(std::log2(static_cast<double>(Vs.size())))) + 1;
  double Lo = *std::min_element(Vs.begin(), Vs.end());
  double Hi = *std::max_element(Vs.begin(), Vs.end());
  if (Hi == Lo) Bins = 1;
  double Width = (Hi - Lo) / static_cast<double>(Bins);
  if (!(Width > 0) || !std::isfinite(Width)) {  // one value, or too close to divide
    Bins = 1;
    Width = 1;
  }
  std::vector<double> Counts(Bins, 0);
  for (double V : Vs) {
    double B =
        std::clamp(std::floor((V - Lo) / Width), 0.0, static_cast<double>(Bins - 1));
    Counts[static_cast<size_t>(B)] += 1;
  }
  std::vector<std::string> Labels;
  for (size_t B = 0; B < Bins; ++B)
    Labels.push_back(num(Lo + Width * static_cast<double>(B)) + "–" +
                     num(Bins == 1 ? Hi : Lo + Width * static_cast<double>(B + 1)));
  std::string Name = pretty(T.Columns[*Num]);
  Svg S(W, H, Dark, heading(Title, "Distribution of " + Name));
  bars(S, Labels, Counts, Name, "Count");
  return S.finish();
}

/// One row a chart type: its name and how it is drawn.
struct ChartKind {
  llvm::StringLiteral Name;
  std::string (*Draw)(const ChartTable &, llvm::StringRef, int, int, bool);
};
constexpr ChartKind Kinds[] = {{"bar", barChart},
                               {"pie", pieChart},
                               {"line", lineChart},
                               {"scatter", scatterChart},
                               {"histogram", histogram}};
}  // namespace

llvm::SmallVector<llvm::StringRef, 8> chartTypes() {
  llvm::SmallVector<llvm::StringRef, 8> Out;
  for (const ChartKind &K : Kinds) Out.push_back(K.Name);
  return Out;
}

std::string chartSvg(const ChartTable &T, llvm::StringRef Type, llvm::StringRef Title,
                     int Width, int Height, bool Dark) {
  for (const ChartKind &K : Kinds)
    if (K.Name == Type) return K.Draw(T, Title, Width, Height, Dark);
  return barChart(T, Title, Width, Height, Dark);
}

}  // namespace orch::runtime
