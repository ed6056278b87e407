//===- Timeline.cpp - A run's attempts as an SVG Gantt chart --------------===//
#include "runtime/observe/Timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "ir/Eval.h"
#include "ir/Json.h"
#include "ir/Unicode.h"
#include "runtime/observe/Inspect.h"

namespace orch::observe {

using json = orch::ir::Json;

namespace {

/// One attempt's bar.
struct Bar {
  unsigned Attempt = 1;
  double Start = 0, End = -1;  ///< ms since the log opened; End < 0: never ended.
  std::string Status;          ///< completed, failed, or "" (never ended).
  std::string Error;
  /// From ready (dependencies settled, backoff over) to the start, and the
  /// part of it spent waiting for a resource group (`queue_wait_ms`,
  /// `group_wait_ms`; 0 when the log does not say).
  double QueueWait = 0, GroupWait = 0;
  bool Critical = false;  ///< On the critical path.
  std::string Step;       ///< With slot lanes: the step the attempt is of.
  std::string Group;      ///< Its step's resource group (`group`), or "".
  double ready() const { return Start - QueueWait; }
};

/// A step's lane.
struct Lane {
  std::string Step,
      Group;  ///< Group: the loop of an item's step (`each` of `each[2].say`), or "".
  std::vector<Bar> Bars;
  /// For each attempt number, its bars that have no end yet (latest last):
  /// an `attempt_end` finds its bar in constant time, however many bars are
  /// open (a foreign log may never close them).
  std::map<unsigned, std::vector<size_t>> Open;
};

double num(const json &E, const char *K) {
  auto It = E.find(K);
  if (It == E.end() || !It->is_number()) return 0;
  double D = It->get<double>();
  return std::isfinite(D) && D > 0 ? std::min(D, 1e12) : 0;
}

std::string text(const json &E, const char *K) {
  auto It = E.find(K);
  if (It == E.end()) return "";
  return It->is_string() ? It->get<std::string>() : ir::toJsonText(*It);
}

/// The loop of a loop item's step id (`each` of `each[2].say`), or "".
std::string groupOf(llvm::StringRef Step) {
  size_t B = Step.find('[');
  return B == llvm::StringRef::npos || B == 0 ? "" : Step.substr(0, B).str();
}

/// A tick step of 1, 2 or 5 times a power of ten giving about 8 ticks.
double tickStep(double Span) {
  double Raw = std::max(Span, 1.0) / 8;
  double P = std::pow(10.0, std::floor(std::log10(Raw)));
  for (double M : {1.0, 2.0, 5.0})
    if (M * P >= Raw) return M * P;
  return 10 * P;
}

const char *colour(llvm::StringRef Status) {
  if (Status == "completed") return "#43a047";
  if (Status == "failed") return "#e53935";
  return "#9e9e9e";  // never ended (a killed run)
}

/// The critical path's length.
struct CriticalPath {
  size_t Attempts = 0;
  double Ms = 0;
};

/// Marks the critical path, walking back from the attempt that ended last:
/// each attempt's predecessor is the one that ended last at or before it
/// became ready (its start less its queue wait): the dependency (or the
/// failed attempt before a retry) it waited for. The log holds no edges;
/// this is what its times say. O(n log n) in the attempts.
CriticalPath markCriticalPath(std::vector<Lane> &Lanes) {
  std::vector<std::pair<double, Bar *>> Ends;  // (end, bar), ended bars only
  for (Lane &L : Lanes)
    for (Bar &B : L.Bars)
      if (B.End >= 0) Ends.push_back({B.End, &B});
  CriticalPath P;
  if (Ends.empty()) return P;
  std::stable_sort(Ends.begin(), Ends.end(),
                   [](auto &A, auto &B) { return A.first < B.first; });
  // Clocks stamped on different threads: an end may follow the ready it
  // caused by a few microseconds.
  constexpr double Slack = 0.05;
  size_t I = Ends.size() - 1;
  double Last = Ends[I].first;
  for (;;) {
    Bar *B = Ends[I].second;
    B->Critical = true;
    ++P.Attempts;
    double Ready = B->ready() + Slack;
    // The latest end at or before Ready, among those before I (ends sort).
    auto It = std::upper_bound(Ends.begin(), Ends.begin() + I, Ready,
                               [](double R, auto &E) { return R < E.first; });
    if (It == Ends.begin()) {
      P.Ms = Last - B->ready();
      return P;
    }
    I = size_t(It - Ends.begin()) - 1;
  }
}

/// \p All (by start) packed into the fewest lanes that hold them: the
/// lowest-numbered lane free at each one's start. \p Named: lanes named
/// after \p Group (and carrying it), else "slot N".
std::vector<Lane> packSlots(const std::vector<std::pair<const Bar *, const Lane *>> &All,
                            double Last, const std::string &Group, bool Named) {
  std::vector<Lane> Slots;
  // Busy lanes by their end (earliest first), free lanes by number.
  std::priority_queue<std::pair<double, size_t>, std::vector<std::pair<double, size_t>>,
                      std::greater<>>
      Busy;
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> Free;
  for (auto [Bp, Owner] : All) {
    const Bar &B = *Bp;
    while (!Busy.empty() && Busy.top().first <= B.Start) {
      Free.push(Busy.top().second);
      Busy.pop();
    }
    size_t S;
    if (Free.empty()) {
      S = Slots.size();
      std::string Name = !Named          ? fmt::format("slot {}", S + 1)
                         : Group.empty() ? fmt::format("no group, slot {}", S + 1)
                                         : fmt::format("{}: slot {}", Group, S + 1);
      Slots.push_back({std::move(Name), Group, {}, {}});
    } else {
      S = Free.top();
      Free.pop();
    }
    Bar Copy = B;
    Copy.Step = Owner->Step;
    Slots[S].Bars.push_back(std::move(Copy));
    // A bar that never ended holds its lane to the log's end; one that
    // ended as it began holds it for an instant (no other bar joins it).
    double End = B.End < 0 ? Last : std::max(B.End, B.Start);
    if (End <= B.Start) End = std::nextafter(B.Start, HUGE_VAL);
    Busy.push({End, S});
  }
  return Slots;
}

/// The attempts of \p Steps packed into the fewest lanes ("slot 1", ...)
/// that hold them without overlap: by start (then lane order), each into
/// the lowest-numbered lane free at its start. An attempt that never ended
/// holds its lane to \p Last. O(n log n). \p ByGroup: each resource group
/// packed on its own, its lanes together (named, and their Group set, for
/// the band), groups by name, the attempts without one last.
std::vector<Lane> slotLanes(const std::vector<Lane> &Steps, double Last, bool ByGroup) {
  using Owned = std::pair<const Bar *, const Lane *>;
  std::vector<Owned> All;  // lane order kept
  for (const Lane &L : Steps)
    for (const Bar &B : L.Bars) All.push_back({&B, &L});
  std::stable_sort(All.begin(), All.end(),
                   [](auto &A, auto &B) { return A.first->Start < B.first->Start; });
  if (!ByGroup) return packSlots(All, Last, "", false);
  std::map<std::string, std::vector<Owned>> Groups;  // by name; "" sorts first
  for (const Owned &O : All) Groups[O.first->Group].push_back(O);
  std::vector<Lane> Out;
  auto Add = [&](const std::string &G) {
    auto It = Groups.find(G);
    if (It == Groups.end()) return;
    for (Lane &L : packSlots(It->second, Last, G, true)) Out.push_back(std::move(L));
  };
  for (const auto &[G, Bars] : Groups)
    if (!G.empty()) Add(G);
  Add("");
  return Out;
}

}  // namespace

std::string labelPrefix(llvm::StringRef Text, size_t MaxBytes) {
  if (Text.size() <= MaxBytes) return Text.str();
  return ir::utf8Prefix(Text, MaxBytes - 1).str() + "…";
}

llvm::Error timelineSvg(llvm::StringRef Log, llvm::raw_ostream &OS,
                        TimelineLanes LaneKind) {
  std::vector<Lane> Lanes;
  std::map<std::string, size_t> LaneOf;
  std::string Plan;
  double Last = 0;
  unsigned Truncated = 0;  // a killed run's last line, cut short: skipped
  auto Read = [&](json &&E) {
    std::string Ev = text(E, "event"), Step = text(E, "step");
    double T = num(E, "t_ms");
    Last = std::max(Last, T);
    if (Ev == "run_start") Plan = text(E, "plan");
    if (Ev != "attempt_start" && Ev != "attempt_end") return;
    auto [It, New] = LaneOf.try_emplace(Step, Lanes.size());
    if (New) Lanes.push_back({Step, groupOf(Step), {}, {}});
    Lane &L = Lanes[It->second];
    unsigned Attempt = unsigned(std::min(num(E, "attempt"), 1e6));
    if (Ev == "attempt_start") {
      L.Open[Attempt].push_back(L.Bars.size());
      double Q = std::min(num(E, "queue_wait_ms"), T);
      L.Bars.push_back({Attempt, T, -1, "", "", Q, std::min(num(E, "group_wait_ms"), Q),
                        false, "", text(E, "group")});
      return;
    }
    // The end of the latest attempt of that number without one.
    auto O = L.Open.find(Attempt);
    if (O == L.Open.end() || O->second.empty()) return;
    Bar &B = L.Bars[O->second.back()];
    O->second.pop_back();
    B.End = std::max(T, B.Start);
    B.Status = text(E, "status");
    B.Error = text(E, "error");
  };
  if (llvm::Error E = forEachEvent(Log, Read, Truncated)) return E;
  if (Lanes.empty()) return llvm::createStringError("the log holds no step attempt");
  // A loop's items together, where the loop's first item was.
  {
    std::map<std::string, size_t> FirstOf;         // a step's or loop's first lane
    std::vector<std::pair<size_t, size_t>> Order;  // (rank, lane)
    for (size_t I = 0; I < Lanes.size(); ++I) {
      const std::string &Key = Lanes[I].Group.empty() ? Lanes[I].Step : Lanes[I].Group;
      Order.push_back({FirstOf.try_emplace(Key, I).first->second, I});
    }
    std::stable_sort(Order.begin(), Order.end(),
                     [](auto &A, auto &B) { return A.first < B.first; });
    std::vector<Lane> Sorted;
    for (auto &[Rank, I] : Order) Sorted.push_back(std::move(Lanes[I]));
    Lanes = std::move(Sorted);
  }
  CriticalPath Path = markCriticalPath(Lanes);
  const size_t StepCount = Lanes.size();
  const bool Slots = LaneKind != TimelineLanes::Step;
  const bool ByGroup = LaneKind == TimelineLanes::Group;
  if (Slots) Lanes = slotLanes(Lanes, Last, ByGroup);
  size_t GroupCount = 0, Ungrouped = 0;  // resource groups with lanes; lanes of none
  for (size_t I = 0; ByGroup && I < Lanes.size(); ++I) {
    if (Lanes[I].Group.empty()) ++Ungrouped;
    if (!Lanes[I].Group.empty() && (I == 0 || Lanes[I - 1].Group != Lanes[I].Group))
      ++GroupCount;
  }
  // Geometry: lanes shrink for large runs; thin lanes are labelled one in
  // LabelEvery (a label needs 14 px), with a tick at the lane it names.
  const size_t N = Lanes.size();
  const double LaneH = N <= 200 ? 20 : N <= 2000 ? 6 : 2;
  const bool Labels = LaneH >= 20;
  const size_t LabelEvery = Labels ? 1 : static_cast<size_t>(std::ceil(14 / LaneH));
  const double LabelW = 220, ChartW = 900, Top = 40, AxisH = 24;
  const double Span = std::max(Last, 1.0);
  const double Scale = ChartW / Span;
  const double Height = Top + AxisH + N * LaneH + 56;
  const double Width = LabelW + ChartW + 20;
  auto X = [&](double Ms) { return LabelW + Ms * Scale; };

  OS << fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
      "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"monospace\" font-size=\"11\">\n",
      Width, Height);
  OS << "<title>" << xmlEscape("run timeline" + (Plan.empty() ? "" : ": " + Plan))
     << "</title>\n";
  OS << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  OS << fmt::format(
      "<text x=\"4\" y=\"16\" font-size=\"13\">{}</text>\n",
      xmlEscape(fmt::format(
          "{}{} steps{}, {:.1f} ms; critical path: {} attempts, "
          "{:.1f} ms",
          Plan.empty() ? "" : Plan + ": ", StepCount,
          Slots ? fmt::format(" in {} slot{}{}", N, N == 1 ? "" : "s",
                              ByGroup ? fmt::format(" ({} in {} resource group{}, "
                                                    "{} for steps without one)",
                                                    N - Ungrouped, GroupCount,
                                                    GroupCount == 1 ? "" : "s", Ungrouped)
                                      : "")
                : "",
          Last, Path.Attempts, Path.Ms)));
  // The time axis.
  double Tick = tickStep(Span);
  for (double T = 0; T <= Span + 1e-9; T += Tick) {
    OS << fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.0f}\" x2=\"{0:.1f}\" y2=\"{2:.0f}\" "
        "stroke=\"#e0e0e0\"/>\n",
        X(T), Top + AxisH - 4, Top + AxisH + N * LaneH);
    OS << fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.0f}\" text-anchor=\"middle\">{} ms</text>\n", X(T),
        Top + AxisH - 8, T);
  }
  // Loop groups (resource groups with group lanes): a band behind their
  // lanes, named; neighbouring resource groups' bands alternate colours.
  size_t GroupBand = 0;
  for (size_t I = 0; I < N;) {
    size_t J = I + 1;
    if (!Lanes[I].Group.empty())
      while (J < N && Lanes[J].Group == Lanes[I].Group) ++J;
    if (!Lanes[I].Group.empty()) {
      double Y = Top + AxisH + I * LaneH;
      OS << fmt::format(
          "<rect class=\"{}\" x=\"0\" y=\"{:.0f}\" width=\"{:.0f}\" "
          "height=\"{:.0f}\" fill=\"{}\"><title>{}</title></rect>\n",
          ByGroup ? "group" : "loop", Y, Width, (J - I) * LaneH,
          ByGroup && GroupBand++ % 2 ? "#fff3e0" : "#e3f2fd",
          xmlEscape(ByGroup
                        ? fmt::format("resource group {}: {} slot{}", Lanes[I].Group,
                                      J - I, J - I == 1 ? "" : "s")
                        : fmt::format("loop {}: {} item steps", Lanes[I].Group, J - I)));
    }
    I = J;
  }
  for (size_t I = 0; I < N; ++I) {
    const Lane &L = Lanes[I];
    double Y = Top + AxisH + I * LaneH;
    if (Labels)
      OS << fmt::format("<text x=\"4\" y=\"{:.0f}\">{}</text>\n", Y + LaneH - 6,
                        xmlEscape(labelPrefix(L.Step, 30)));
    else if (I % LabelEvery == 0)
      OS << fmt::format(
          "<text class=\"lane-label\" x=\"4\" y=\"{:.1f}\" font-size=\"10\">{}</text>"
          "<line x1=\"{:.0f}\" y1=\"{:.1f}\" x2=\"{:.0f}\" y2=\"{:.1f}\" "
          "stroke=\"#9e9e9e\"/>\n",
          Y + LaneH / 2 + 3.5, xmlEscape(labelPrefix(L.Step, 30)), LabelW - 8,
          Y + LaneH / 2, LabelW - 2, Y + LaneH / 2);
    for (size_t B = 0; B < L.Bars.size(); ++B) {
      const Bar &A = L.Bars[B];
      const std::string &Step = Slots ? A.Step : L.Step;
      double End = A.End < 0 ? Last : A.End;
      // The wait before a retry: from the last attempt's end to this start
      // (in a step's lane; a slot's next bar may be another step's).
      if (!Slots && B > 0 && L.Bars[B - 1].End >= 0 && A.Start > L.Bars[B - 1].End)
        OS << fmt::format(
            "<line class=\"wait\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
            "y2=\"{:.1f}\" stroke=\"#757575\" stroke-dasharray=\"3,2\"/>\n",
            X(L.Bars[B - 1].End), Y + LaneH / 2, X(A.Start), Y + LaneH / 2);
      // The wait from ready to start: the queue's (grey), its resource
      // group's part last (amber; a step is parked, then granted and started).
      // A slot holds no waiting attempt: there the tooltip says it.
      if (A.QueueWait > 0 && !Slots) {
        double Q0 = X(A.ready()), G0 = X(A.Start - A.GroupWait);
        OS << fmt::format(
            "<rect class=\"queue\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
            "height=\"{:.1f}\" fill=\"#bdbdbd\"><title>{}</title></rect>\n",
            Q0, Y + LaneH * 0.4, std::max(X(A.Start) - Q0, 0.5), LaneH * 0.2,
            xmlEscape(fmt::format(
                "{} attempt {}: ready, waited {:.1f} ms to start{}", Step, A.Attempt,
                A.QueueWait,
                A.GroupWait > 0
                    ? fmt::format(" ({:.1f} ms for its resource group)", A.GroupWait)
                    : "")));
        if (A.GroupWait > 0)
          OS << fmt::format(
              "<rect class=\"group-wait\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
              "height=\"{:.1f}\" fill=\"#ffb300\"/>\n",
              G0, Y + LaneH * 0.4, std::max(X(A.Start) - G0, 0.5), LaneH * 0.2);
      }
      std::string Tip =
          fmt::format("{} attempt {}: {}, {:.1f} ms{}", Step, A.Attempt,
                      A.Status.empty() ? "never ended" : A.Status, End - A.Start,
                      A.Critical ? ", on the critical path" : "");
      if (Slots && A.QueueWait > 0)
        Tip += fmt::format(
            "; waited {:.1f} ms to start{}", A.QueueWait,
            A.GroupWait > 0
                ? fmt::format(" ({:.1f} ms for its resource group)", A.GroupWait)
                : "");
      if (!A.Error.empty()) Tip += "\n" + A.Error;
      OS << fmt::format(
          "<rect class=\"attempt {}{}\" x=\"{:.1f}\" y=\"{:.1f}\" "
          "width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"{}><title>{}</title>"
          "</rect>\n",
          A.Status.empty() ? "open" : xmlEscape(A.Status), A.Critical ? " critical" : "",
          X(A.Start), Y + LaneH * 0.15, std::max((End - A.Start) * Scale, 1.0),
          LaneH * 0.7, colour(A.Status),
          fmt::format(
              "{}{}", A.Critical ? " stroke=\"#212121\" stroke-width=\"1.5\"" : "",
              // A slot's bars carry their times, which a reader can
              // check the packing by (test/run/timeline.test).
              Slots ? fmt::format(" data-start=\"{}\" data-end=\"{}\" data-group=\"{}\"",
                                  A.Start, End, xmlEscape(A.Group))
                    : ""),
          xmlEscape(Tip));
      if (Labels && A.Attempt > 1)
        OS << fmt::format("<text x=\"{:.1f}\" y=\"{:.0f}\" font-size=\"9\">#{}</text>\n",
                          X(A.Start) + 2, Y + LaneH - 7, A.Attempt);
    }
  }
  // The legend.
  double Ly = Top + AxisH + N * LaneH + 24;
  double Lx = 4;
  for (auto [Name, Status] :
       {std::pair{"completed", "completed"}, std::pair{"failed", "failed"},
        std::pair{"never ended", ""}}) {
    OS << fmt::format(
        "<rect x=\"{:.0f}\" y=\"{:.0f}\" width=\"12\" height=\"10\" "
        "fill=\"{}\"/><text x=\"{:.0f}\" y=\"{:.0f}\">{}</text>\n",
        Lx, Ly - 9, colour(Status), Lx + 16, Ly, Name);
    Lx += 110;
  }
  OS << fmt::format(
      "<text x=\"{:.0f}\" y=\"{:.0f}\">{}{}</text>\n", Lx, Ly,
      Labels ? "" : fmt::format("a label every {} lanes; ", LabelEvery),
      ByGroup ? "a band per resource group, a lane per attempt of it running at once; "
                "#N: attempt N; the tooltips name the step and its waits"
      : Slots
          ? "a lane per attempt running at once; #N: attempt N; the tooltips name the "
            "step and its waits"
          : "- - wait before a retry; #N: attempt N; blue band: a loop's items");
  OS << fmt::format(
      "<text x=\"4\" y=\"{:.0f}\">outlined: the critical path (each attempt after "
      "the one that ended last before it was ready); grey: ready, waiting to start; "
      "amber: waiting for a resource group</text>\n</svg>\n",
      Ly + 16);
  return llvm::Error::success();
}

}  // namespace orch::observe
