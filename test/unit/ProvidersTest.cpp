//===- ProvidersTest.cpp - Which endpoint serves a model ------------------===//
#include <gtest/gtest.h>

#include <fstream>

#include "ir/Actions.h"
#include "llvm/Support/FileSystem.h"
#include "runtime/llm/Providers.h"

using namespace orch::llm;

namespace {

std::string registry(const std::string &Text) {
  llvm::SmallString<128> Path;
  int Fd;
  EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("models", "yaml", Fd, Path));
  llvm::raw_fd_ostream(Fd, true) << Text;
  return Path.str().str();
}

EnvLookup env(std::map<std::string, std::string> Vars) {
  return [Vars](const std::string &N) -> std::optional<std::string> {
    auto It = Vars.find(N);
    return It == Vars.end() ? std::nullopt : std::optional<std::string>(It->second);
  };
}

TEST(Providers, FromTheRegistry) {
  std::string R = registry(
      "models:\n  llama:\n    provider: local\n  claude-x:\n    provider: anthropic\n"
      "providers:\n  local:\n    api: openai\n    base_url: http://127.0.0.1:8080/v1\n");
  auto P = resolveProvider("llama", R, env({}));
  ASSERT_TRUE(bool(P)) << llvm::toString(P.takeError());
  EXPECT_EQ(P->Name, "local");
  EXPECT_EQ(P->BaseUrl, "http://127.0.0.1:8080/v1");
  EXPECT_TRUE(P->ApiKeyEnv.empty());  // a local server without a key
  EXPECT_EQ(providerNameFor("claude-x", R), "anthropic");
  auto A = resolveProvider("claude-x", R, env({}));
  ASSERT_FALSE(bool(A));
  EXPECT_EQ(llvm::toString(A.takeError()),
            "model `claude-x` is served by `https://api.anthropic.com`, which needs an "
            "API key: "
            "set ANTHROPIC_API_KEY");
  llvm::sys::fs::remove(R);
}

TEST(Providers, FromTheEnvironment) {
  auto P =
      resolveProvider("m", "", env({{"OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"}}));
  ASSERT_TRUE(bool(P)) << llvm::toString(P.takeError());
  EXPECT_EQ(P->Kind, ApiKind::OpenAI);
  EXPECT_EQ(P->BaseUrl, "http://127.0.0.1:11434/v1");
}

TEST(Providers, MalformedRegistriesAreErrorsNotCrashes) {
  for (const char *Text :
       {"providers:\n  openai:\n    api: [openai]\n", "providers:\n  openai: 3\n",
        "models: [1, 2\n", "providers:\n  openai:\n    api: gemini\n"}) {
    std::string R = registry(Text);
    auto P = resolveProvider("gpt", R, env({{"OPENAI_API_KEY", "k"}}));
    EXPECT_FALSE(bool(P)) << Text;
    if (!P) llvm::consumeError(P.takeError());
    llvm::sys::fs::remove(R);
  }
}

TEST(Providers, BatchPriceShareAndItsOldNameRefused) {
  std::string R = registry("providers:\n  openai:\n    batch_price_share: 0.2\n");
  auto P = resolveProvider("gpt", R, env({{"OPENAI_API_KEY", "k"}}));
  ASSERT_TRUE(bool(P)) << llvm::toString(P.takeError());
  EXPECT_DOUBLE_EQ(P->BatchPriceFactor, 0.2);  // a fifth of the price
  llvm::sys::fs::remove(R);
  R = registry("providers:\n  openai:\n    batch_discount: 0.2\n");
  P = resolveProvider("gpt", R, env({{"OPENAI_API_KEY", "k"}}));
  ASSERT_FALSE(bool(P));
  std::string Msg = llvm::toString(P.takeError());
  EXPECT_NE(Msg.find("`providers.openai.batch_discount` is now `batch_price_share`"),
            std::string::npos)
      << Msg;
  llvm::sys::fs::remove(R);
}

TEST(Providers, MaxTokensLimitIsTheIrOne) {
  auto Try = [](int64_t N) {
    std::string R =
        registry("models:\n  m:\n    max_tokens: " + std::to_string(N) + "\n");
    auto S = modelSettings("m", R);
    llvm::sys::fs::remove(R);
    if (S) return std::string("ok");
    return llvm::toString(S.takeError());
  };
  EXPECT_EQ(Try(orch::ir::MaxOutputTokens), "ok");
  std::string Err = Try(orch::ir::MaxOutputTokens + 1);
  EXPECT_NE(Err.find("from 1 to " + std::to_string(orch::ir::MaxOutputTokens)),
            std::string::npos)
      << Err;
}

}  // namespace
