//===- StateStoreTest.cpp - One suite, every state-store backend ----------===//
//
// Sqlite/* runs everywhere; Postgres/* needs a server: the ctest fixture
// (scripts/pg-test-server.sh) starts a throwaway one and names its URL in
// ORCH_TEST_PG_URL_FILE.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>

#include "ir/ConnUrl.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "runtime/state/EntryCodec.h"
#include "runtime/state/PostgresStore.h"
#include "runtime/state/StateStore.h"

using namespace orch::state;
using nlohmann::json;

namespace {

/// The test server's URL: $ORCH_TEST_PG_URL, else the first line of the
/// file $ORCH_TEST_PG_URL_FILE names (the fixture writes it), else "".
std::string pgUrl() {
  if (const char *U = std::getenv("ORCH_TEST_PG_URL"); U && *U) return U;
  const char *F = std::getenv("ORCH_TEST_PG_URL_FILE");
  if (!F || !*F) return "";
  auto B = llvm::MemoryBuffer::getFile(F);
  if (!B) {
    ADD_FAILURE() << "cannot read " << F << ": " << B.getError().message();
    return "";
  }
  return (*B)->getBuffer().trim().str();
}

class StoreTest : public ::testing::TestWithParam<const char *> {
 protected:
  void SetUp() override {
    if (llvm::StringRef(GetParam()) == "sqlite") {
      llvm::SmallString<128> D;
      ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("orch-state-test", D));
      Dir = D.str().str();
      Spec = Dir;
    } else {
      Spec = pgUrl();
      if (Spec.empty()) GTEST_SKIP() << "ORCH_TEST_PG_URL_FILE is not set (no server)";
    }
    Store = open();
    ASSERT_TRUE(Store);
    // Unique names: a PostgreSQL server is shared by every test.
    std::random_device R;
    Prefix = "t" + std::to_string(R()) + "-";
  }
  void TearDown() override {
    Store.reset();
    if (!Dir.empty()) llvm::sys::fs::remove_directories(Dir);
  }
  std::unique_ptr<StateStore> open() {
    auto S = openStateStore(Spec);
    if (!S) {
      ADD_FAILURE() << llvm::toString(S.takeError());
      return nullptr;
    }
    return std::move(*S);
  }
  RunRecord run(const std::string &Id, int64_t Started, const char *Plan = "hash-a") {
    RunRecord R;
    R.Id = Prefix + Id;
    R.Pipeline = "demo";
    R.PlanHash = Prefix + Plan;
    R.PlanPath = "plan.bin";
    R.InputsJson = "{}";
    R.Status = "running";
    R.StartedMs = Started;
    return R;
  }
  StepRecord step(const std::string &Run, const std::string &Id, const char *Status,
                  std::string Entry) {
    StepRecord S;
    S.RunId = Prefix + Run;
    S.StepId = Id;
    S.Status = Status;
    S.EntryJson = std::move(Entry);
    S.Attempts = 1;
    return S;
  }

  std::string Dir, Spec, Prefix;
  std::unique_ptr<StateStore> Store;
};

TEST_P(StoreTest, RunsRoundTripNewestFirst) {
  ASSERT_FALSE(bool(Store->createRun(run("one", 1000))));
  ASSERT_FALSE(bool(Store->createRun(run("two", 2000))));
  auto One = Store->findRun(Prefix + "one");
  ASSERT_TRUE(bool(One));
  ASSERT_TRUE(One->has_value());
  EXPECT_EQ((*One)->Pipeline, "demo");
  EXPECT_EQ((*One)->Status, "running");
  auto None = Store->findRun(Prefix + "nope");
  ASSERT_TRUE(bool(None));
  EXPECT_FALSE(None->has_value());
  auto Latest = Store->latestRun(Prefix + "hash-a");
  ASSERT_TRUE(bool(Latest));
  EXPECT_EQ(*Latest, Prefix + "two");
  ASSERT_FALSE(bool(Store->finishRun(Prefix + "one", "failed", "boom", 3000)));
  auto Again = Store->findRun(Prefix + "one");
  ASSERT_TRUE(bool(Again));
  EXPECT_EQ((*Again)->Status, "failed");
  EXPECT_EQ((*Again)->Error, "boom");
  EXPECT_EQ((*Again)->FinishedMs, 3000);
  // A second id is refused, not silently merged.
  EXPECT_TRUE(bool(Store->createRun(run("one", 4000))));
}

TEST_P(StoreTest, StepsReplaceAndKeepOrder) {
  ASSERT_FALSE(bool(Store->createRun(run("r", 1))));
  std::vector<StepRecord> Batch = {
      step("r", "b", "completed", R"({"status":"completed"})"),
      step("r", "a", "failed", R"({"status":"failed"})")};
  ASSERT_FALSE(bool(Store->putSteps(Batch)));
  ASSERT_FALSE(bool(Store->putSteps({step("r", "a", "completed", R"({"x":1})")})));
  auto Steps = Store->steps(Prefix + "r");
  ASSERT_TRUE(bool(Steps));
  ASSERT_EQ(Steps->size(), 2u);
  EXPECT_EQ((*Steps)[0].StepId, "b");
  EXPECT_EQ((*Steps)[1].StepId, "a");
  EXPECT_EQ((*Steps)[1].EntryJson, R"({"x":1})");
  auto Runs = Store->listRuns();
  ASSERT_TRUE(bool(Runs));
  bool Found = false;
  for (const RunRecord &R : *Runs)
    if (R.Id == Prefix + "r") {
      Found = true;
      EXPECT_EQ(R.StepsDone, 2);
    }
  EXPECT_TRUE(Found);
}

TEST_P(StoreTest, BlobsAreStoredOnceByContent) {
  std::string Bytes("\0binary\xff", 8);
  ASSERT_FALSE(bool(Store->putBlob(Prefix + "h1", Bytes)));
  ASSERT_FALSE(bool(Store->putBlob(Prefix + "h1", "other")));  // ignored: same name
  auto B = Store->getBlob(Prefix + "h1");
  ASSERT_TRUE(bool(B));
  ASSERT_TRUE(B->has_value());
  EXPECT_EQ(**B, Bytes);
  auto Missing = Store->getBlob(Prefix + "h2");
  ASSERT_TRUE(bool(Missing));
  EXPECT_FALSE(Missing->has_value());
}

TEST_P(StoreTest, LargeValuesRoundTripThroughCompressedBlobs) {
  std::string Big(100000, 'x');
  json Entry = {{"status", "completed"},
                {"attempts", 1},
                {"output", Big},
                {"fields", {{"stdout", Big + "\n"}, {"exit_code", 0}}}};
  EncodedEntry E = encodeEntry(Entry, 1024);
  EXPECT_EQ(E.Blobs.size(), 2u);
  EXPECT_LT(E.Json.size(), 1024u);
  for (const NewBlob &B : E.NewBlobs) {
    EXPECT_LT(B.Bytes.size(), 2000u);  // compressed
    ASSERT_FALSE(bool(Store->putBlob(B.Hash, B.Bytes)));
  }
  auto Back = decodeEntry(E.Json, *Store, "r", "s");
  ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError());
  EXPECT_EQ(*Back, Entry);
  // The same bytes twice are one blob.
  EXPECT_EQ(encodeEntry(Entry, 1024).Blobs, E.Blobs);
}

TEST_P(StoreTest, AMissingOrCorruptBlobFailsNamingRunStepAndField) {
  json Entry = {
      {"status", "completed"}, {"attempts", 1}, {"output", std::string(5000, 'y')}};
  EncodedEntry E = encodeEntry(Entry, 100);
  auto Missing = decodeEntry(E.Json, *Store, "run-1", "fetch");
  ASSERT_FALSE(bool(Missing));
  std::string Why = llvm::toString(Missing.takeError());
  EXPECT_NE(Why.find("run `run-1`, step `fetch`, field `output`"), std::string::npos)
      << Why;
  EXPECT_NE(Why.find("missing"), std::string::npos) << Why;
  ASSERT_FALSE(bool(Store->putBlob(E.Blobs[0], "rnot what was hashed")));
  auto Bad = decodeEntry(E.Json, *Store, "run-1", "fetch");
  ASSERT_FALSE(bool(Bad));
  EXPECT_NE(llvm::toString(Bad.takeError()).find("does not match its hash"),
            std::string::npos);
  auto NotObject = decodeEntry("[1]", *Store, "run-1", "fetch");
  ASSERT_FALSE(bool(NotObject));
  EXPECT_NE(llvm::toString(NotObject.takeError()).find("not a JSON object"),
            std::string::npos);
  auto BadAttempts =
      decodeEntry(R"({"status":"completed","attempts":"x"})", *Store, "run-1", "fetch");
  ASSERT_FALSE(bool(BadAttempts));
  EXPECT_NE(llvm::toString(BadAttempts.takeError()).find("field `attempts`: not a count"),
            std::string::npos);
}

bool alwaysDead(llvm::StringRef) { return true; }

TEST_P(StoreTest, OneLeaseHolderAtATime) {
  std::string Run = Prefix + "leased";
  auto A = Store->acquireLease(Run, "host:1", 1000, 30000, nullptr);
  ASSERT_TRUE(bool(A));
  EXPECT_EQ(*A, "");
  auto Other = open();
  auto B = Other->acquireLease(Run, "host:2", 2000, 30000, nullptr);
  ASSERT_TRUE(bool(B));
  EXPECT_EQ(*B, "host:1");  // refused, naming the holder
  auto Renew = Store->acquireLease(Run, "host:1", 3000, 30000, nullptr);
  ASSERT_TRUE(bool(Renew));
  EXPECT_EQ(*Renew, "");
  // A holder known dead is taken over at once; an expired lease too.
  auto Dead = Other->acquireLease(Run, "host:2", 4000, 30000, alwaysDead);
  ASSERT_TRUE(bool(Dead));
  EXPECT_EQ(*Dead, "");
  auto Expired = Store->acquireLease(Run, "host:3", 40000, 30000, nullptr);
  ASSERT_TRUE(bool(Expired));
  EXPECT_EQ(*Expired, "");
  ASSERT_FALSE(bool(Store->releaseLease(Run, "host:2")));  // not the holder: no effect
  auto Still = Other->acquireLease(Run, "host:2", 41000, 30000, nullptr);
  ASSERT_TRUE(bool(Still));
  EXPECT_EQ(*Still, "host:3");
  ASSERT_FALSE(bool(Store->releaseLease(Run, "host:3")));
  auto Free = Other->acquireLease(Run, "host:2", 42000, 30000, nullptr);
  ASSERT_TRUE(bool(Free));
  EXPECT_EQ(*Free, "");
}

TEST_P(StoreTest, CacheEntriesExpire) {
  CacheRecord C;
  C.Key = Prefix + "k";
  C.EntryJson = R"({"status":"completed"})";
  C.CreatedMs = 1000;
  C.ExpiresMs = 5000;
  ASSERT_FALSE(bool(Store->putCache(C)));
  auto Hit = Store->getCache(C.Key, 4999);
  ASSERT_TRUE(bool(Hit));
  ASSERT_TRUE(Hit->has_value());
  EXPECT_EQ((*Hit)->EntryJson, C.EntryJson);
  auto Miss = Store->getCache(C.Key, 5000);
  ASSERT_TRUE(bool(Miss));
  EXPECT_FALSE(Miss->has_value());
}

TEST_P(StoreTest, GcRemovesOldRunsAndUnreferencedBlobsOnly) {
  RunRecord Old = run("old", 10), Kept = run("kept", 20), Live = run("live", 5);
  Old.FinishedMs = 100;  // finished long ago
  Old.Status = "completed";
  Kept.FinishedMs = 900000;
  Kept.Status = "completed";
  for (const RunRecord &R : {Old, Kept, Live}) ASSERT_FALSE(bool(Store->createRun(R)));
  StepRecord A = step("old", "a", "completed", "{}"),
             B = step("kept", "a", "completed", "{}");
  A.Blobs = {Prefix + "only-old", Prefix + "shared"};
  B.Blobs = {Prefix + "shared"};
  ASSERT_FALSE(bool(Store->putSteps({A, B})));
  for (const char *H : {"only-old", "shared"})
    ASSERT_FALSE(bool(Store->putBlob(Prefix + H, H)));
  auto G = Store->gc(/*BeforeMs=*/1000, /*NowMs=*/1000000);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  EXPECT_GE(G->Runs, 1);
  EXPECT_GE(G->Blobs, 1);
  EXPECT_FALSE(Store->findRun(Old.Id)->has_value());
  EXPECT_TRUE(Store->findRun(Kept.Id)->has_value());
  EXPECT_TRUE(Store->findRun(Live.Id)->has_value());  // running: never pruned
  EXPECT_FALSE(Store->getBlob(Prefix + "only-old")->has_value());
  EXPECT_TRUE(Store->getBlob(Prefix + "shared")->has_value());
  EXPECT_TRUE(Store->steps(Old.Id)->empty());
  auto Check = Store->integrityCheck();
  ASSERT_TRUE(bool(Check));
  EXPECT_EQ(*Check, "");
}

// The run's event log (orchrt keeps it in the record): batches append in
// order, per run, a line's bytes unchanged (UTF-8, escapes), and gc
// removes a pruned run's events with it.
TEST_P(StoreTest, EventLogAppendsInOrderAndGoesWithItsRun) {
  RunRecord Old = run("ev-old", 10), Kept = run("ev-kept", 20);
  Old.FinishedMs = 100;
  Old.Status = "completed";
  for (const RunRecord &R : {Old, Kept}) ASSERT_FALSE(bool(Store->createRun(R)));
  EXPECT_EQ(*Store->events(Kept.Id), "");
  const std::string First =
      "{\"event\":\"run_start\",\"plan\":\"\u00e9t\u00e9 \\\"x\\\"\"}\n";
  ASSERT_FALSE(bool(Store->appendEvents(Kept.Id, First)));
  ASSERT_FALSE(bool(Store->appendEvents(Old.Id, "{\"event\":\"run_start\"}\n")));
  ASSERT_FALSE(bool(Store->appendEvents(Kept.Id, "{\"event\":\"run_end\"}\n")));
  ASSERT_FALSE(bool(Store->appendEvents(Kept.Id, "")));  // nothing, no row
  auto Log = Store->events(Kept.Id);
  ASSERT_TRUE(bool(Log)) << llvm::toString(Log.takeError());
  EXPECT_EQ(*Log, First + "{\"event\":\"run_end\"}\n");
  // A second connection (the run's sink has its own) sees the same.
  auto Other = open();
  ASSERT_TRUE(Other);
  EXPECT_EQ(*Other->events(Kept.Id), *Log);
  auto G = Store->gc(/*BeforeMs=*/1000, /*NowMs=*/1000000);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  EXPECT_EQ(*Store->events(Old.Id), "");
  EXPECT_EQ(*Store->events(Kept.Id), *Log);
}

// config.yaml storage.retention_days: a run that recorded its own
// retention is kept that long by `orchrt gc` without --retention-days;
// the others by the default; --retention-days applies to all.
TEST_P(StoreTest, GcKeepsEachRunItsRecordedRetention) {
  constexpr int64_t Day = 86400000;
  RunRecord Short = run("short", 10), Plain = run("plain", 10), Long = run("long", 10);
  Short.RetentionDays = 1;
  Long.RetentionDays = 5;
  for (RunRecord *R : {&Short, &Plain, &Long}) {
    R->Status = "completed";
    R->FinishedMs = 100;
    ASSERT_FALSE(bool(Store->createRun(*R)));
  }
  // Two days later, default cut-off 0 (keep everything without a record).
  auto G = Store->gc(/*BeforeMs=*/0, /*NowMs=*/2 * Day, /*ByRecorded=*/true);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  EXPECT_FALSE(Store->findRun(Short.Id)->has_value());  // 1 day: gone
  EXPECT_TRUE(Store->findRun(Plain.Id)->has_value());   // the default keeps it
  EXPECT_TRUE(Store->findRun(Long.Id)->has_value());    // 5 days: kept
  // An explicit cut-off overrides the recorded days.
  G = Store->gc(/*BeforeMs=*/150, /*NowMs=*/2 * Day);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  EXPECT_FALSE(Store->findRun(Plain.Id)->has_value());
  EXPECT_FALSE(Store->findRun(Long.Id)->has_value());
  auto Check = Store->integrityCheck();
  ASSERT_TRUE(bool(Check));
  EXPECT_EQ(*Check, "");
}

// Review finding 3: blobs go in with the rows that refer to them, in one
// transaction, so a gc between the two never finds them unreferenced.
TEST_P(StoreTest, BlobsGoInWithTheirRowsAndGcKeepsThem) {
  ASSERT_FALSE(bool(Store->createRun(run("r", 1))));
  json Entry = {
      {"status", "completed"}, {"attempts", 1}, {"output", std::string(5000, 'q')}};
  EncodedEntry E = encodeEntry(Entry, 100);
  StepRecord S = step("r", "a", "completed", E.Json);
  S.Blobs = E.Blobs;
  S.NewBlobs = E.NewBlobs;
  ASSERT_FALSE(bool(Store->putSteps({S})));
  auto G = Store->gc(/*BeforeMs=*/0, /*NowMs=*/2);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  auto Back = decodeEntry(E.Json, *Store, "r", "a");
  ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError());
  EXPECT_EQ(*Back, Entry);
}

TEST_P(StoreTest, IntegrityCheckFindsAReferenceWithoutItsBlob) {
  ASSERT_FALSE(bool(Store->createRun(run("r", 1))));
  StepRecord S = step("r", "a", "completed", "{}");
  S.Blobs = {Prefix + "gone"};
  ASSERT_FALSE(bool(Store->putSteps({S})));
  auto Check = Store->integrityCheck();
  ASSERT_TRUE(bool(Check));
  EXPECT_NE(Check->find("blob references without a blob"), std::string::npos) << *Check;
  // Leave a shared server consistent for the other tests.
  ASSERT_FALSE(bool(Store->putBlob(Prefix + "gone", "x")));
}

// A retention row whose run is gone (written behind the store's back) is
// reported: gc deletes both in one transaction, so it means damage.
TEST_P(StoreTest, IntegrityCheckFindsARetentionRowWithoutItsRun) {
  if (Dir.empty()) GTEST_SKIP() << "written with sqlite3 directly";
  RunRecord R = run("kept", 1);
  R.RetentionDays = 3;
  ASSERT_FALSE(bool(Store->createRun(R)));
  auto Clean = Store->integrityCheck();
  ASSERT_TRUE(bool(Clean));
  EXPECT_EQ(*Clean, "");
  sqlite3 *Db = nullptr;
  ASSERT_EQ(sqlite3_open((Dir + "/runs.db").c_str(), &Db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(Db, "INSERT INTO orch_run_retention(run_id,days) VALUES('gone',7)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(Db);
  auto Check = Store->integrityCheck();
  ASSERT_TRUE(bool(Check));
  EXPECT_NE(Check->find("1 retention rows without their run"), std::string::npos)
      << *Check;
}

// Review finding 8: a `running` run whose lease ran out was abandoned.
TEST_P(StoreTest, AbandonedRunsArePrunedByTheirLease) {
  RunRecord Dead = run("dead", 10), Alive = run("alive", 20), Fresh = run("fresh", 990);
  for (const RunRecord &R : {Dead, Alive, Fresh}) ASSERT_FALSE(bool(Store->createRun(R)));
  ASSERT_EQ(*Store->acquireLease(Dead.Id, "host:1", 10, 30, nullptr), "");
  ASSERT_EQ(*Store->acquireLease(Alive.Id, "host:2", 2000, 30000, nullptr), "");
  ASSERT_FALSE(bool(Store->putSteps({step("dead", "a", "completed", "{}")})));
  auto Found = Store->findRun(Dead.Id);
  ASSERT_TRUE(bool(Found) && Found->has_value());
  EXPECT_EQ((*Found)->LeaseEndMs, 40);
  EXPECT_TRUE((*Found)->abandoned(41));
  EXPECT_FALSE((*Found)->abandoned(39));
  auto G = Store->gc(/*BeforeMs=*/1000, /*NowMs=*/3000);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  EXPECT_FALSE(Store->findRun(Dead.Id)->has_value());
  EXPECT_TRUE(Store->steps(Dead.Id)->empty());
  EXPECT_TRUE(Store->findRun(Alive.Id)->has_value());  // its lease is live
  // No lease yet, started within a lease's time: being set up, kept.
  EXPECT_TRUE(Store->findRun(Fresh.Id)->has_value());
}

// Review finding 9: a replaced cache entry's blobs are no longer kept.
TEST_P(StoreTest, ReplacingACacheEntryDropsItsOldReferences) {
  CacheRecord C;
  C.Key = Prefix + "k";
  C.EntryJson = "{}";
  C.Blobs = {Prefix + "v1"};
  ASSERT_FALSE(bool(Store->putCache(C)));
  C.Blobs = {Prefix + "v2"};
  ASSERT_FALSE(bool(Store->putCache(C)));
  for (const char *H : {"v1", "v2"}) ASSERT_FALSE(bool(Store->putBlob(Prefix + H, H)));
  auto G = Store->gc(/*BeforeMs=*/0, /*NowMs=*/1);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  EXPECT_FALSE(Store->getBlob(Prefix + "v1")->has_value());
  EXPECT_TRUE(Store->getBlob(Prefix + "v2")->has_value());
}

// Review finding 4: a step's own `$blob` object is data, not a reference.
TEST_P(StoreTest, AStepsOwnDollarBlobObjectIsData) {
  json Small = {{"$blob", std::string(64, 'a')}, {"bytes", 5002}};
  json Lit = {{"$lit", 1}};
  json Big = {{"$blob", std::string(64, 'b')}, {"pad", std::string(5000, 'p')}};
  json Entry = {{"status", "completed"},
                {"attempts", 1},
                {"output", Small},
                {"fields", {{"lit", Lit}, {"big", Big}}}};
  EncodedEntry E = encodeEntry(Entry, 1024);
  ASSERT_FALSE(bool(Store->createRun(run("r", 1))));
  StepRecord S = step("r", "a", "completed", E.Json);
  S.Blobs = E.Blobs;
  S.NewBlobs = E.NewBlobs;
  ASSERT_FALSE(bool(Store->putSteps({S})));
  auto Back = decodeEntry(E.Json, *Store, "r", "a");
  ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError());
  EXPECT_EQ(*Back, Entry);
}

// store10k: encodeEntry writes the entry's text member by member (each
// value dumped once); the bytes are those of the dump of the entry with
// its large values replaced and its reference-like values escaped, the
// way it was built before: what a store holds does not change.
TEST(EntryCodec, TextIsTheDumpOfTheReplacedTree) {
  using OJson = orch::ir::Json;
  auto Dump = [](const OJson &V) {
    return V.dump(-1, ' ', false, OJson::error_handler_t::replace);
  };
  // The tree-based encoding, as a reference.
  auto Reference = [&](OJson Entry, size_t Threshold) {
    auto Value = [&](OJson &V) {
      std::string Text = Dump(V);
      bool Escape = V.is_object() && (V.contains("$blob") || V.contains("$lit"));
      if (Text.size() > Threshold)
        V = OJson{{"$blob", sha256Hex(Text)}, {"bytes", Text.size()}};
      else if (Escape)
        V = OJson{{"$lit", std::move(V)}};
    };
    if (auto O = Entry.find("output"); O != Entry.end()) Value(*O);
    if (auto F = Entry.find("fields"); F != Entry.end() && F->is_object())
      for (auto &[K, V] : F->items()) Value(V);
    return Dump(Entry);
  };
  std::string Bad = "bad \xff utf-8 \"quoted\" \\ \n";
  OJson Entries[] = {
      OJson::object(),
      OJson::parse(
          R"({"status":"completed","attempts":1,"fields":{"say":{"output":"0: a"}}})"),
      OJson::parse(R"({"status":"running","attempts":3})"),
      OJson{{"status", "completed"},
            {"attempts", 2},
            {"output", OJson{{"$blob", "x"}, {"bytes", 3}}},
            {"fields",
             {{"z\"q", OJson{{"$lit", 1}}},
              {"caf\u00e9", 1.5},
              {Bad, Bad},
              {"big", std::string(300, 'b')},
              {"list", OJson::array({1, "two", nullptr, false})}}},
            {"goes_on", true},
            {"usage", {{"tokens", 12}}}},
      OJson{{"fields", "not an object"}, {"output", std::string(500, 'o')}, {"x", Bad}},
      OJson{{"status", "outputs"}, {"attempts", 0}, {"output", OJson::array()}},
  };
  for (const OJson &E : Entries) {
    for (size_t Threshold : {size_t(0), size_t(64), DefaultBlobThreshold}) {
      EncodedEntry Enc = encodeEntry(E, Threshold);
      EXPECT_EQ(Enc.Json, Reference(E, Threshold)) << Dump(E) << " at " << Threshold;
      EXPECT_EQ(Enc.Blobs.size(), Enc.NewBlobs.size());
    }
  }
}

// Review finding 5: the row's size is not trusted for the allocation.
TEST_P(StoreTest, ABlobSizeThatDisagreesWithItsFrameIsAnError) {
  json Entry = {
      {"status", "completed"}, {"attempts", 1}, {"output", std::string(5000, 'z')}};
  EncodedEntry E = encodeEntry(Entry, 100);
  for (const NewBlob &B : E.NewBlobs) ASSERT_FALSE(bool(Store->putBlob(B.Hash, B.Bytes)));
  json Row = json::parse(E.Json);
  for (uint64_t Bytes : {uint64_t(1) << 50, uint64_t(6000)}) {
    Row["output"]["bytes"] = Bytes;
    auto Back = decodeEntry(Row.dump(), *Store, "r", "a");
    ASSERT_FALSE(bool(Back));
    std::string Why = llvm::toString(Back.takeError());
    EXPECT_NE(Why.find("run `r`, step `a`, field `output`"), std::string::npos) << Why;
  }
  std::string Deep = R"({"status":"completed","attempts":1,"output":)" +
                     std::string(100000, '[') + std::string(100000, ']') + "}";
  auto TooDeep = decodeEntry(Deep, *Store, "r", "a");
  ASSERT_FALSE(bool(TooDeep));
  EXPECT_NE(llvm::toString(TooDeep.takeError()).find("nesting deeper"),
            std::string::npos);
}

TEST_P(StoreTest, SixtyFourConcurrentRunsNeverSeeALockedDatabase) {
  constexpr int Runs = 64, Steps = 20;
  std::atomic<int> Failures{0};
  std::string FirstError;
  std::mutex M;
  std::vector<std::thread> Threads;
  for (int T = 0; T < Runs; ++T)
    Threads.emplace_back([&, T] {
      auto S = openStateStore(Spec);
      auto Fail = [&](llvm::Error E) {
        if (!E) return false;
        std::lock_guard<std::mutex> L(M);
        if (FirstError.empty())
          FirstError = llvm::toString(std::move(E));
        else
          llvm::consumeError(std::move(E));
        ++Failures;
        return true;
      };
      if (!S) {
        Fail(S.takeError());
        return;
      }
      std::string Id = "c" + std::to_string(T);
      if (Fail((*S)->createRun(run(Id, T)))) return;
      for (int I = 0; I < Steps; ++I)
        if (Fail((*S)->putSteps({step(Id, "s" + std::to_string(I), "completed", "{}")})))
          return;
      if (Fail((*S)->finishRun(Prefix + Id, "completed", "", 1))) return;
    });
  for (auto &T : Threads) T.join();
  EXPECT_EQ(Failures.load(), 0) << FirstError;
  for (int T = 0; T < Runs; ++T) {
    auto Steps_ = Store->steps(Prefix + "c" + std::to_string(T));
    ASSERT_TRUE(bool(Steps_));
    EXPECT_EQ(Steps_->size(), static_cast<size_t>(Steps));
  }
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values("sqlite"));
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values("postgresql"));

TEST(StoreOpen, AReadOnlyStateDirectoryIsAClearError) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes anywhere";
  llvm::SmallString<128> D;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("orch-state-ro", D));
  llvm::sys::fs::setPermissions(
      D, llvm::sys::fs::perms::owner_read | llvm::sys::fs::perms::owner_exe);
  auto S = openStateStore(D.str());
  ASSERT_FALSE(bool(S));
  EXPECT_NE(llvm::toString(S.takeError()).find("runs.db"), std::string::npos);
  llvm::sys::fs::setPermissions(D, llvm::sys::fs::perms::owner_all);
  llvm::sys::fs::remove_directories(D);
}

TEST(StoreOpen, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  auto S = openStateStore("postgresql://orch:hunter2@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(bool(S));
  std::string Why = llvm::toString(S.takeError());
  EXPECT_NE(Why.find("cannot connect to the state store"), std::string::npos) << Why;
  EXPECT_EQ(Why.find("hunter2"), std::string::npos) << Why;
}

}  // namespace

// Review 4 finding 1: the forms libpq takes a password in, by the
// reviewer's strings; the store's messages redact the same ones.
TEST(ConnUrl, FindsAndRedactsEveryPasswordForm) {
  struct Case {
    const char *Url, *Shown;
  } Cases[] = {
      {"postgresql://orch:pa?ss@127.0.0.1/db", "postgresql://orch:***@127.0.0.1/db"},
      {"postgresql://orch:pa#ss@127.0.0.1/db", "postgresql://orch:***@127.0.0.1/db"},
      {"postgresql://orch@127.0.0.1/db?pass%77ord=S3CRET",
       "postgresql://orch@127.0.0.1/db?pass%77ord=***"},
      {"postgresql://orch@h/db?sslmode=require&PassWord=S3CRET",
       "postgresql://orch@h/db?sslmode=require&PassWord=***"},
      {"postgresql://orch@h/db?sslpassword=S3CRET",
       "postgresql://orch@h/db?sslpassword=***"},
      {"postgresql://orch@h?password=S3CRET", "postgresql://orch@h?password=***"},
      {"postgresql://orch:S3CRET@h?password=S3CRET",
       "postgresql://orch:***@h?password=***"},
      // Quick review after the fix: a `?` in the user name, a `/` in the
      // password.
      {"postgresql://us?er@h/db?password=S3CRET", "postgresql://us?er@h/db?password=***"},
      {"postgresql://us?er@h?password=S3CRET", "postgresql://us?er@h?password=***"},
      {"postgresql://orch:S3CRET/x@h/db", "postgresql://orch:***@h/db"},
  };
  for (const Case &C : Cases) {
    EXPECT_TRUE(orch::ir::connUrlHasPassword(C.Url)) << C.Url;
    EXPECT_EQ(orch::state::redactUrl(C.Url), C.Shown);
  }
  for (const char *Clean :
       {"postgresql://orch@db.example:5433/runs", "postgresql://db/x?sslmode=require",
        "postgres://h:5432/db?application_name=a"}) {
    EXPECT_FALSE(orch::ir::connUrlHasPassword(Clean)) << Clean;
    EXPECT_EQ(orch::state::redactUrl(Clean), Clean);
  }
  EXPECT_EQ(orch::ir::percentDecode("pass%77ord%zz%4"), "password%zz%4");
  // libpq's own messages quote a malformed value, or a port read from what
  // was meant as a password: scrubbed before they are shown.
  EXPECT_EQ(orch::ir::scrubConnSecrets("postgresql://orch:S3CRET%zz@127.0.0.1:1/db",
                                       "invalid percent-encoded token: \"S3CRET%zz\""),
            "invalid percent-encoded token: \"***\"");
  EXPECT_EQ(orch::ir::scrubConnSecrets("postgresql://orch@h/db?password=S3CRET%00",
                                       "forbidden value %00 in percent-encoded value: "
                                       "\"S3CRET%00\""),
            "forbidden value %00 in percent-encoded value: \"***\"");
  EXPECT_EQ(orch::ir::scrubConnSecrets("postgresql://orch:ab/cd+S3CRET@127.0.0.1/db",
                                       "invalid integer value \"ab\" for connection "
                                       "option \"port\""),
            "invalid integer value \"***\" for connection option \"port\"");
}
