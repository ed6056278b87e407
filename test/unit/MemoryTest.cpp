//===- MemoryTest.cpp - The run's key-value memory -------------------------===//
#include <gtest/gtest.h>

#include "runtime/actions/Memory.h"

namespace orch::runtime {
namespace {

using json = orch::ir::Json;
using std::chrono::seconds;

class MemoryTest : public ::testing::Test {
 protected:
  ActionResult run(const std::string &Action, json Params, int64_t AtSeconds = 0) {
    return M.run(Action, Params, T0 + seconds(AtSeconds), 1700000000.0 + AtSeconds);
  }
  MemoryStore M;
  MemoryStore::TimePoint T0{};
};

TEST_F(MemoryTest, StoreRetrieveListClear) {
  ActionResult S =
      run("memory.store", {{"namespace", "conv"}, {"key", "b"}, {"value", {1, 2}}});
  ASSERT_TRUE(S.Ok) << S.Error;
  EXPECT_EQ(S.Fields["stored"], true);
  EXPECT_EQ(S.Fields["ttl"], 0);
  run("memory.store", {{"namespace", "conv"}, {"key", "a"}, {"value", "x"}});
  run("memory.store", {{"key", "other"}});  // namespace `default`
  ActionResult L = run("memory.list", {{"namespace", "conv"}});
  EXPECT_EQ(L.Fields["keys"], json({"b", "a"}));  // the order first stored
  EXPECT_EQ(L.Fields["count"], 2);
  EXPECT_EQ(L.Fields["output"], "b\na");
  ActionResult R = run("memory.retrieve", {{"namespace", "conv"}, {"key", "b"}}, 5);
  EXPECT_EQ(R.Fields["found"], true);
  EXPECT_EQ(R.Fields["value"], json({1, 2}));
  EXPECT_EQ(R.Fields["metadata"]["type"], "list");
  EXPECT_EQ(R.Fields["metadata"]["stored_at"], 1700000000.0);
  EXPECT_EQ(R.Fields["output"], "[1,2]");
  // Stored again: the new value, in the old place.
  run("memory.store", {{"namespace", "conv"}, {"key", "b"}, {"value", "y"}});
  EXPECT_EQ(run("memory.list", {{"namespace", "conv"}}).Fields["keys"], json({"b", "a"}));
  EXPECT_EQ(
      run("memory.retrieve", {{"namespace", "conv"}, {"key", "b"}}).Fields["output"],
      "y");
  ActionResult C = run("memory.clear", {{"namespace", "conv"}});
  EXPECT_EQ(C.Fields["count"], 2);
  EXPECT_EQ(run("memory.list", {{"namespace", "conv"}}).Fields["count"], 0);
  EXPECT_EQ(run("memory.list", json::object()).Fields["keys"], json({"other"}));
}

TEST_F(MemoryTest, MissingKeyIsNotFound) {
  ActionResult R = run("memory.retrieve", {{"namespace", "none"}, {"key", "k"}});
  ASSERT_TRUE(R.Ok);
  EXPECT_EQ(R.Fields["found"], false);
  EXPECT_EQ(R.Fields["expired"], false);
  EXPECT_TRUE(R.Fields["value"].is_null());
  EXPECT_EQ(R.Fields["output"], "");
}

TEST_F(MemoryTest, TtlExpires) {
  run("memory.store", {{"key", "k"}, {"value", 1}, {"ttl", 10}});
  run("memory.store", {{"key", "forever"}, {"value", 2}});
  EXPECT_EQ(run("memory.retrieve", {{"key", "k"}}, 10).Fields["found"], true);
  ActionResult Late = run("memory.retrieve", {{"key", "k"}}, 11);
  EXPECT_EQ(Late.Fields["found"], false);
  EXPECT_EQ(Late.Fields["expired"], true);
  // Gone for good, and out of the listing.
  EXPECT_EQ(run("memory.retrieve", {{"key", "k"}}, 12).Fields["expired"], false);
  EXPECT_EQ(run("memory.list", json::object(), 12).Fields["keys"], json({"forever"}));
}

TEST_F(MemoryTest, BadParameters) {
  EXPECT_FALSE(run("memory.store", {{"value", 1}}).Ok);  // no key
  EXPECT_FALSE(run("memory.store", {{"key", ""}}).Ok);
  EXPECT_FALSE(run("memory.store", {{"key", 3}}).Ok);
  ActionResult Neg = run("memory.store", {{"key", "k"}, {"ttl", -1}});
  EXPECT_FALSE(Neg.Ok);
  EXPECT_FALSE(Neg.Retryable);
  EXPECT_NE(Neg.Error.find("`ttl`"), std::string::npos);
  EXPECT_FALSE(run("memory.list", {{"namespace", json::array()}}).Ok);
}

TEST(MemoryLimit, HoldsAtMostItsLimit) {
  MemoryStore M(1000);
  auto run = [&](const std::string &Action, json Params) {
    return M.run(Action, Params, {}, 0);
  };
  std::string Big(600, 'x');
  ASSERT_TRUE(run("memory.store", {{"key", "a"}, {"value", Big}}).Ok);
  ActionResult Over = run("memory.store", {{"key", "b"}, {"value", Big}});
  EXPECT_FALSE(Over.Ok);
  EXPECT_NE(Over.Error.find("more than 1000 bytes"), std::string::npos);
  // Keys count too: no value, a long key.
  EXPECT_FALSE(run("memory.store", {{"key", std::string(600, 'k')}}).Ok);
  // Replacing a value frees the old one first; clearing frees it all.
  EXPECT_TRUE(run("memory.store", {{"key", "a"}, {"value", Big}}).Ok);
  run("memory.clear", json::object());
  EXPECT_TRUE(run("memory.store", {{"key", "b"}, {"value", Big}}).Ok);
}

TEST(MemoryLimit, ExpiredKeysElsewhereMakeRoom) {
  MemoryStore M(1000);
  std::string Big(600, 'x');
  MemoryStore::TimePoint T0{};
  ASSERT_TRUE(M.run("memory.store",
                    {{"namespace", "a"}, {"key", "k"}, {"value", Big}, {"ttl", 1}}, T0, 0)
                  .Ok);
  EXPECT_FALSE(
      M.run("memory.store", {{"namespace", "b"}, {"key", "k"}, {"value", Big}}, T0, 0)
          .Ok);
  EXPECT_TRUE(M.run("memory.store", {{"namespace", "b"}, {"key", "k"}, {"value", Big}},
                    T0 + std::chrono::seconds(2), 0)
                  .Ok);
}

}  // namespace
}  // namespace orch::runtime
