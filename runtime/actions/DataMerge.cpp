//===- DataMerge.cpp - The data.merge action ------------------------------===//
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/PyText.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "runtime/actions/DataActions.h"
#include "runtime/actions/DataFrame.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// pd.concat(ignore_index=True, sort=False): the rows of each frame in
/// turn, the columns as they first appear.
llvm::Expected<DataFrame> concat(std::vector<DataFrame> &Frames) {
  DataFrame Out;
  size_t Rows = 0, Columns = 0;
  for (DataFrame &F : Frames) {
    Rows += F.Rows.size();
    Columns += F.Columns.size();
  }
  if (Rows > MaxDataRows || Rows * std::max<size_t>(Columns, 1) > MaxDataCells)
    return llvm::createStringError(
        fmt::format("the datasets have {} rows in all, of {} columns: more than a data "
                    "action takes ({} rows, {} cells)",
                    Rows, Columns, MaxDataRows, MaxDataCells));
  llvm::StringMap<size_t> Where;  // Out's columns
  for (DataFrame &F : Frames) {
    std::vector<size_t> Slot;
    for (const std::string &C : F.Columns) {
      auto [It, New] = Where.try_emplace(C, Out.Columns.size());
      if (New) {
        if (Out.Columns.size() == MaxDataColumns)
          return llvm::createStringError(
              fmt::format("the datasets have more than {} columns in all; a data action "
                          "takes at most {}",
                          MaxDataColumns, MaxDataColumns));
        Out.Columns.push_back(C);
        Out.Kinds.push_back(ColumnKind::Object);
      }
      Slot.push_back(It->second);
    }
    for (auto &Row : F.Rows) {
      std::vector<json> R(Out.Columns.size(), nanCell());
      for (size_t I = 0; I < Row.size(); ++I) R[Slot[I]] = Row[I];
      Out.Rows.push_back(std::move(R));
    }
  }
  for (auto &Row : Out.Rows) Row.resize(Out.Columns.size(), nanCell());
  // pandas 1.5: the kinds of the frames that have values in the column
  // join (a frame without it, or with only missing cells, counts as
  // missing cells).
  for (size_t C = 0; C < Out.Columns.size(); ++C) {
    std::optional<ColumnKind> K;
    for (const DataFrame &F : Frames) {
      std::optional<size_t> I = F.column(Out.Columns[C]);
      if (!I ||
          llvm::all_of(F.Rows, [&](const auto &Row) { return missingCell(Row[*I]); }))
        continue;
      K = K ? commonKind(*K, F.Kinds[*I]) : F.Kinds[*I];
    }
    // A frame without the column, even one with no rows (but with
    // columns), makes room for missing cells.
    bool Missing =
        llvm::any_of(Out.Rows, [&](const auto &Row) { return missingCell(Row[C]); }) ||
        llvm::any_of(Frames, [&](const DataFrame &F) {
          return !F.Columns.empty() && !F.column(Out.Columns[C]);
        });
    ColumnKind Kind = K.value_or(ColumnKind::Object);
    Out.Kinds[C] = Missing ? withMissing(Kind) : Kind;
    castColumn(Out, C);
  }
  return Out;
}

/// A key cell as pandas compares it: numbers by value (1 == 1.0, and an
/// integer exactly: 2^53 + 1 is not the float 2^53), every missing value
/// alike.
std::string keyText(const json &V) {
  if (missingCell(V)) return "NA";
  return V.is_number() ? numberKey(V) : ir::toJsonText(V);
}

/// pd.merge(L, R, on=Keys, how=How), or by row position when Keys is
/// empty; the other columns both have get `_x` and `_y`.
llvm::Expected<DataFrame> join(const DataFrame &L, const DataFrame &R,
                               const std::vector<std::string> &Keys,
                               llvm::StringRef How) {
  std::vector<size_t> LK, RK;
  for (const std::string &K : Keys) {
    std::optional<size_t> A = L.column(K), B = R.column(K);
    if (!A || !B)
      return llvm::createStringError(
          fmt::format("`join_on` column `{}` is not in every dataset", K));
    LK.push_back(*A);
    RK.push_back(*B);
  }
  DataFrame Out;
  // Columns: the left's (keys once), then the right's other columns.
  std::vector<size_t> LeftSlot(L.Columns.size()), RightSlot(R.Columns.size(), SIZE_MAX);
  auto Shared = [&](const std::string &C, const DataFrame &Other,
                    const std::vector<size_t> &OtherKeys) {
    std::optional<size_t> I = Other.column(C);
    return I && !llvm::is_contained(OtherKeys, *I);
  };
  // A name made twice (a left `u_x` beside a suffixed `u`) fails: pandas
  // would make two columns of one name, which rows cannot hold.
  auto Add = [&](const std::string &Name) -> std::optional<size_t> {
    if (Out.column(Name)) return std::nullopt;
    return Out.addColumn(Name);
  };
  auto Twice = [](const std::string &Name) {
    return llvm::createStringError(fmt::format(
        "the join would make two columns named `{}` (a column of that name and a "
        "suffixed one); rename one first",
        Name));
  };
  for (size_t C = 0; C < L.Columns.size(); ++C) {
    bool Key = llvm::is_contained(LK, C);
    std::string Name =
        !Key && Shared(L.Columns[C], R, RK) ? L.Columns[C] + "_x" : L.Columns[C];
    std::optional<size_t> Slot = Add(Name);
    if (!Slot) return Twice(Name);
    LeftSlot[C] = *Slot;
  }
  for (size_t C = 0; C < R.Columns.size(); ++C) {
    if (llvm::is_contained(RK, C)) continue;
    std::string Name = Shared(R.Columns[C], L, LK) ? R.Columns[C] + "_y" : R.Columns[C];
    std::optional<size_t> Slot = Add(Name);
    if (!Slot) return Twice(Name);
    RightSlot[C] = *Slot;
  }
  if (Out.Columns.size() > MaxDataColumns)
    return llvm::createStringError(
        fmt::format("the join has {} columns; a data action takes at most {}",
                    Out.Columns.size(), MaxDataColumns));
  auto KeyOf = [&](const std::vector<json> &Row, const std::vector<size_t> &Cols,
                   size_t Pos) {
    if (Cols.empty()) return std::to_string(Pos);
    std::string K;
    for (size_t C : Cols) K += keyText(Row[C]) + '\x1f';
    return K;
  };
  std::multimap<std::string, size_t> RightRows;
  for (size_t I = 0; I < R.Rows.size(); ++I)
    RightRows.insert({KeyOf(R.Rows[I], RK, I), I});
  std::vector<bool> RightUsed(R.Rows.size());
  std::vector<std::vector<json>> Rows;
  bool Over = false;
  size_t KeysFromLeft = 0, KeysFromRight = 0;  // rows whose keys each side gave
  auto Emit = [&](const std::vector<json> *A, const std::vector<json> *B,
                  const std::string &) {
    if (Over || Rows.size() >= MaxDataRows ||
        Rows.size() * std::max<size_t>(Out.Columns.size(), 1) >= MaxDataCells)
      return void(Over = true);
    std::vector<json> Row(Out.Columns.size(), nanCell());
    if (A)
      for (size_t C = 0; C < A->size(); ++C) Row[LeftSlot[C]] = (*A)[C];
    if (B) {
      for (size_t C = 0; C < B->size(); ++C)
        if (RightSlot[C] != SIZE_MAX) Row[RightSlot[C]] = (*B)[C];
      if (!A)
        for (size_t I = 0; I < RK.size(); ++I) Row[LeftSlot[LK[I]]] = (*B)[RK[I]];
    }
    ++(A ? KeysFromLeft : KeysFromRight);
    Rows.push_back(std::move(Row));
  };
  bool KeepLeft = How == "left" || How == "outer",
       KeepRight = How == "right" || How == "outer";
  if (How == "right") {
    // The right's order: each right row with its matches on the left.
    std::multimap<std::string, size_t> LeftRows;
    for (size_t I = 0; I < L.Rows.size(); ++I)
      LeftRows.insert({KeyOf(L.Rows[I], LK, I), I});
    for (size_t J = 0; J < R.Rows.size() && !Over; ++J) {
      std::string K = KeyOf(R.Rows[J], RK, J);
      auto [B, E] = LeftRows.equal_range(K);
      if (B == E) Emit(nullptr, &R.Rows[J], K);
      for (auto It = B; It != E && !Over; ++It) Emit(&L.Rows[It->second], &R.Rows[J], K);
    }
  } else if (How == "outer" || How == "inner") {
    // pandas groups inner and outer joins by key, keys in the order the
    // left first has them.
    std::vector<std::string> Order;
    std::multimap<std::string, size_t> LeftRows;
    for (size_t I = 0; I < L.Rows.size(); ++I) {
      std::string K = KeyOf(L.Rows[I], LK, I);
      if (!LeftRows.count(K)) Order.push_back(K);
      LeftRows.insert({K, I});
    }
    for (const std::string &K : Order) {
      if (Over) break;
      auto [LB, LE] = LeftRows.equal_range(K);
      auto [RB, RE] = RightRows.equal_range(K);
      for (auto A = LB; A != LE && !Over; ++A) {
        if (RB == RE && KeepLeft) Emit(&L.Rows[A->second], nullptr, K);
        for (auto B = RB; B != RE && !Over; ++B) {
          RightUsed[B->second] = true;
          Emit(&L.Rows[A->second], &R.Rows[B->second], K);
        }
      }
    }
    // Then the right's other keys, grouped the same way.
    std::vector<std::string> RightOrder;
    std::set<std::string> Listed;
    for (size_t J = 0; J < R.Rows.size() && KeepRight; ++J) {
      std::string K = KeyOf(R.Rows[J], RK, J);
      if (!RightUsed[J] && Listed.insert(K).second) RightOrder.push_back(K);
    }
    for (const std::string &K : RightOrder) {
      if (Over) break;
      auto [B, E] = RightRows.equal_range(K);
      for (auto It = B; It != E && !Over; ++It) Emit(nullptr, &R.Rows[It->second], K);
    }
  } else {
    for (size_t I = 0; I < L.Rows.size() && !Over; ++I) {
      std::string K = KeyOf(L.Rows[I], LK, I);
      auto [B, E] = RightRows.equal_range(K);
      if (B == E && KeepLeft) Emit(&L.Rows[I], nullptr, K);
      for (auto It = B; It != E && !Over; ++It) {
        RightUsed[It->second] = true;
        Emit(&L.Rows[I], &R.Rows[It->second], K);
      }
    }
    if (KeepRight)
      for (size_t J = 0; J < R.Rows.size() && !Over; ++J)
        if (!RightUsed[J]) Emit(nullptr, &R.Rows[J], KeyOf(R.Rows[J], RK, J));
  }
  if (Over)
    return llvm::createStringError(fmt::format(
        "the join has more than {} rows or {} cells: more than a data action takes",
        MaxDataRows, MaxDataCells));
  Out.Rows = std::move(Rows);
  // Each column keeps its frame's kind, widened where a row has no match.
  for (size_t C = 0; C < L.Columns.size(); ++C) Out.Kinds[LeftSlot[C]] = L.Kinds[C];
  for (size_t C = 0; C < R.Columns.size(); ++C)
    if (RightSlot[C] != SIZE_MAX) Out.Kinds[RightSlot[C]] = R.Kinds[C];
  // A key column has the kind of the side its values came from, both
  // joined when each gave some.
  for (size_t I = 0; I < LK.size(); ++I)
    Out.Kinds[LeftSlot[LK[I]]] = !KeysFromRight ? L.Kinds[LK[I]]
                                 : !KeysFromLeft
                                     ? R.Kinds[RK[I]]
                                     : commonKind(L.Kinds[LK[I]], R.Kinds[RK[I]]);
  for (size_t C = 0; C < Out.Columns.size(); ++C) {
    bool Gap =
        llvm::any_of(Out.Rows, [&](const auto &Row) { return Row[C].is_discarded(); });
    if (Gap) Out.Kinds[C] = withMissing(Out.Kinds[C]);
    castColumn(Out, C);
  }
  return Out;
}

}  // namespace

ActionResult runDataMerge(const json &Params) {
  json Datasets = Params.value("datasets", json());
  if (Datasets.is_null() || (Datasets.is_array() && Datasets.empty()))
    return ActionResult::badParam("No datasets provided to merge");
  if (!Datasets.is_array())
    return ActionResult::badParam(
        fmt::format("parameter `datasets` must be a list of {{name, data}}, found {}",
                    ir::toJsonText(Datasets)));
  llvm::Expected<std::string> Strategy =
      dataChoice(Params, "merge_strategy", "combine",
                 ir::paramChoices("data.merge", "merge_strategy"));
  if (!Strategy) return ActionResult::badParam(llvm::toString(Strategy.takeError()));
  llvm::Expected<std::string> How = dataChoice(
      Params, "join_type", "inner", ir::paramChoices("data.merge", "join_type"));
  if (!How) return ActionResult::badParam(llvm::toString(How.takeError()));
  llvm::Expected<std::vector<std::string>> Keys = dataColumns(Params, "join_on");
  if (!Keys) return ActionResult::badParam(llvm::toString(Keys.takeError()));
  std::vector<DataFrame> Frames;
  for (size_t I = 0; I < Datasets.size(); ++I) {
    const json &D = Datasets[I];
    if (!D.is_object())
      return ActionResult::badParam(
          fmt::format("dataset {} is not a mapping of `name` and `data`", I + 1));
    std::string Name = fmt::format("dataset_{}", Frames.size());
    if (auto N = D.find("name"); N != D.end() && !N->is_null()) Name = pyText(*N);
    json Data = D.value("data", json::object());
    // Text is read as JSON or CSV rows; a value that is no table (null, a
    // number) is skipped, as ContextLab skips it.
    if (Data.is_string()) {
      llvm::Expected<json> Read = readData(Data, "json");
      if (!Read)
        return ActionResult::badParam(
            fmt::format("dataset `{}`: {}", Name, llvm::toString(Read.takeError())));
      Data = std::move(*Read);
    }
    if (!Data.is_array() && !Data.is_object()) continue;
    llvm::Expected<DataFrame> F = frameOf(Data);
    if (!F)
      return ActionResult::badParam(
          fmt::format("dataset `{}`: {}", Name, llvm::toString(F.takeError())));
    if (*Strategy == "combine") {
      size_t C = F->addColumn("_source");
      for (auto &Row : F->Rows) Row[C] = Name;
    }
    Frames.push_back(std::move(*F));
  }
  if (Frames.empty()) return ActionResult::badParam("No valid datasets to merge");
  size_t Merged = Frames.size();
  DataFrame Out;
  if (*Strategy != "join") {
    llvm::Expected<DataFrame> C = concat(Frames);
    if (!C) return ActionResult::badParam(llvm::toString(C.takeError()));
    Out = std::move(*C);
  } else {
    Out = std::move(Frames[0]);
    for (size_t I = 1; I < Frames.size(); ++I) {
      llvm::Expected<DataFrame> J = join(Out, Frames[I], *Keys, *How);
      if (!J) return ActionResult::badParam(llvm::toString(J.takeError()));
      Out = std::move(*J);
    }
  }
  json Columns = json::array();
  for (const std::string &C : Out.Columns) Columns.push_back(C);
  json Value = {{"action", "merge"},
                {"data", frameRecords(Out)},
                {"datasets_merged", Merged},
                {"total_rows", Out.Rows.size()},
                {"total_columns", Out.Columns.size()},
                {"columns", std::move(Columns)}};
  return ActionResult::success(dataFields(Value));
}

}  // namespace orch::runtime
