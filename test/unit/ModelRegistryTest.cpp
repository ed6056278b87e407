//===- ModelRegistryTest.cpp - The one reader of models.yaml --------------===//
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "backends/langgraph/LangGraph.h"
#include "ir/Actions.h"
#include "ir/ModelRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/ModelCatalog.h"

namespace {

/// A temporary registry file holding \p Text; removed with the object.
struct TempRegistry {
  explicit TempRegistry(const std::string &Text) {
    llvm::SmallString<128> P;
    int Fd;
    EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("models", "yaml", Fd, P));
    llvm::raw_fd_ostream(Fd, true) << Text;
    Path = P.str().str();
  }
  ~TempRegistry() { llvm::sys::fs::remove(Path); }
  std::string Path;
};

TEST(ModelRegistry, ReadsEntriesInFileOrder) {
  TempRegistry R(
      "models:\n  b:\n    provider: local\n    max_tokens: 64\n    reasoning: true\n"
      "    pricing: {input_usd_per_mtok: 2, output_usd_per_mtok: 4}\n"
      "  a:\n    metrics: {cost_per_token: 0.5}\n  s: 3\n"
      "providers:\n  local:\n    api: openai\n    base_url: http://127.0.0.1:1/v1\n"
      "    api_key_env: LOCAL_KEY\n  none:\n");
  llvm::Expected<orch::ir::ModelRegistry> Reg = orch::ir::readModelRegistry(R.Path);
  ASSERT_TRUE(bool(Reg)) << llvm::toString(Reg.takeError());
  ASSERT_EQ(Reg->Models.size(), 3u);
  EXPECT_EQ(Reg->Models[0].Name, "b");
  EXPECT_EQ(Reg->Models[0].Provider, "local");
  EXPECT_EQ(Reg->Models[0].MaxTokens, 64);
  EXPECT_EQ(Reg->Models[0].Reasoning, true);
  EXPECT_DOUBLE_EQ(Reg->Models[0].InputUsdPerToken, 2e-6);
  EXPECT_DOUBLE_EQ(Reg->Models[0].OutputUsdPerToken, 4e-6);
  EXPECT_DOUBLE_EQ(Reg->model("a")->OutputUsdPerToken, 0.5);
  EXPECT_FALSE(Reg->model("s")->IsMap);
  EXPECT_EQ(Reg->model("zzz"), nullptr);
  const orch::ir::RegistryProvider *P = Reg->provider("local");
  ASSERT_NE(P, nullptr);
  EXPECT_EQ(P->Api, "openai");
  EXPECT_EQ(P->BaseUrl, "http://127.0.0.1:1/v1");
  EXPECT_EQ(P->ApiKeyEnv, "LOCAL_KEY");
  EXPECT_FALSE(Reg->provider("none")->Given);
}

TEST(ModelRegistry, ReadsWhatChoosingAModelReads) {
  TempRegistry R(
      "models:\n  base:\n    capabilities:\n      tasks: [analysis, 3]\n"
      "      languages: [en]\n      context_window: 8000\n"
      "      supports_function_calling: yes\n      supports_structured_output: false\n"
      "    requirements: {memory_gb: 12.5}\n"
      "    metrics: {latency_p50: 0.5, latency_p95: 1.5, throughput: 9, accuracy: 0.9}\n"
      "  small:\n    base_model: base\n    quantization: int4\n"
      "  own:\n    base_model: base\n    capabilities: {tasks: [code]}\n"
      "  early:\n    base_model: later\n  later:\n    capabilities: {tasks: [x]}\n"
      "  odd:\n    metrics: {accuracy: high}\n    capabilities: {context_window: "
      "lots}\n"
      "  nulls:\n    base_model: ~\n    quantization:\n    capabilities: "
      "{context_window: "
      "~, tasks: ~}\n    metrics: {accuracy: ~}\n"
      "  nan:\n    metrics: {accuracy: .nan}\n  negative:\n    metrics: {latency_p50: "
      "-1}\n  scalar:\n    capabilities: {tasks: code}\n");
  llvm::Expected<orch::ir::ModelRegistry> Reg = orch::ir::readModelRegistry(R.Path);
  ASSERT_TRUE(bool(Reg)) << llvm::toString(Reg.takeError());
  const orch::ir::RegistryModel &B = *Reg->model("base");
  EXPECT_EQ(B.Tasks, (std::vector<std::string>{"analysis", "3"}));
  EXPECT_EQ(B.Languages, (std::vector<std::string>{"en"}));
  EXPECT_EQ(B.ContextWindow, 8000);
  EXPECT_TRUE(B.FunctionCalling);
  EXPECT_FALSE(B.StructuredOutput);
  EXPECT_DOUBLE_EQ(B.MemoryGb, 12.5);
  EXPECT_DOUBLE_EQ(B.LatencyP50, 0.5);
  EXPECT_DOUBLE_EQ(B.LatencyP95, 1.5);
  EXPECT_DOUBLE_EQ(B.Throughput, 9);
  EXPECT_DOUBLE_EQ(B.Accuracy, 0.9);
  EXPECT_EQ(B.ProfileProblem, "");
  // A variant without capabilities has its base's; with some, its own.
  const orch::ir::RegistryModel &S = *Reg->model("small");
  EXPECT_EQ(S.BaseModel, "base");
  EXPECT_EQ(S.Quantization, "int4");
  EXPECT_EQ(S.Tasks, B.Tasks);
  EXPECT_EQ(S.ContextWindow, 8000);
  EXPECT_TRUE(S.FunctionCalling);
  EXPECT_EQ(Reg->model("own")->Tasks, (std::vector<std::string>{"code"}));
  EXPECT_EQ(Reg->model("own")->ContextWindow, 8000);
  // A base named before it is written inherits nothing.
  EXPECT_TRUE(Reg->model("early")->Tasks.empty());
  // The first wrong field is the problem; problem() leaves it to choosing.
  EXPECT_EQ(Reg->model("odd")->ProfileProblem,
            "`models.odd.capabilities.context_window` must be an integer");
  EXPECT_EQ(Reg->model("odd")->problem(), "");
  // Null says nothing; NaN, a negative number and a name for a list are wrong.
  EXPECT_EQ(Reg->model("nulls")->ProfileProblem, "");
  EXPECT_EQ(Reg->model("nan")->ProfileProblem,
            "`models.nan.metrics.accuracy` must be a number of at least 0");
  EXPECT_EQ(Reg->model("negative")->ProfileProblem,
            "`models.negative.metrics.latency_p50` must be a number of at least 0");
  EXPECT_EQ(Reg->model("scalar")->ProfileProblem,
            "`models.scalar.capabilities.tasks` must be a list of names");
  // orchc refuses the file for it.
  llvm::Expected<orch::passes::ModelCatalog> C = orch::passes::loadModelCatalog(R.Path);
  ASSERT_FALSE(bool(C));
  EXPECT_NE(llvm::toString(C.takeError())
                .find("`models.odd.capabilities.context_window` must be an integer"),
            std::string::npos);
}

TEST(ModelRegistry, AProblemStaysWithItsEntry) {
  TempRegistry R(
      "models:\n  big:\n    max_tokens: " +
      std::to_string(orch::ir::MaxOutputTokens + 1) +
      "\n  maybe:\n    reasoning: perhaps\n  cheap:\n    pricing: {input_usd_per_mtok: "
      "-1}\n"
      "  fine:\n    max_tokens: 5\nproviders:\n  p: [1]\n  q:\n    base_url: [x]\n");
  llvm::Expected<orch::ir::ModelRegistry> Reg = orch::ir::readModelRegistry(R.Path);
  ASSERT_TRUE(bool(Reg)) << llvm::toString(Reg.takeError());
  EXPECT_EQ(Reg->model("big")->problem(),
            "`models.big.max_tokens` must be an integer from 1 to " +
                std::to_string(orch::ir::MaxOutputTokens));
  EXPECT_EQ(Reg->model("maybe")->problem(),
            "`models.maybe.reasoning` must be true or false");
  EXPECT_EQ(Reg->model("cheap")->problem(),
            "`models.cheap.pricing.input_usd_per_mtok` must be a number of at least 0");
  EXPECT_EQ(Reg->model("fine")->problem(), "");
  EXPECT_EQ(Reg->model("fine")->MaxTokens, 5);
  EXPECT_EQ(Reg->provider("p")->Problem, "`providers.p` must be a mapping");
  EXPECT_EQ(Reg->provider("q")->Problem, "`providers.q.base_url` must be a string");
  EXPECT_EQ(Reg->message("x"), "model registry `" + R.Path + "`: x");
}

TEST(ModelRegistry, TheCompilerAndTheExportWordTheSameProblem) {
  TempRegistry R("models:\n  m:\n    max_tokens: 0\n");
  std::string Problem = "`models.m.max_tokens` must be an integer from 1 to " +
                        std::to_string(orch::ir::MaxOutputTokens);
  llvm::Expected<orch::passes::ModelCatalog> C = orch::passes::loadModelCatalog(R.Path);
  ASSERT_FALSE(bool(C));
  EXPECT_EQ(llvm::toString(C.takeError()), "`" + R.Path + "`: " + Problem);
  orch::ir::Json E = orch::backends::langgraph::registryEntries(R.Path);
  EXPECT_EQ(E["models"]["m"]["error"], "model registry `" + R.Path + "`: " + Problem);
}

/// Writes \p Text to the FIFO at \p Path for one reader (blocks until it opens).
void feedFifo(const std::string &Path, const std::string &Text) {
  int Fd = ::open(Path.c_str(), O_WRONLY);
  if (Fd < 0) return;
  for (size_t Done = 0; Done < Text.size();) {
    ssize_t N = ::write(Fd, Text.data() + Done, Text.size() - Done);
    if (N <= 0) break;  // The reader left (EPIPE): nothing more to feed.
    Done += static_cast<size_t>(N);
  }
  ::close(Fd);
}

TEST(ModelRegistry, TheCompilerReadsARegistryThatChangesOnce) {
  // A FIFO gives `models: {}` to its first reader and 2,000 models to the
  // next: a compiler that read the file twice and matched the two reads by
  // position ran past the end of the first.
  TempRegistry Dir("");
  std::string Fifo = Dir.Path + ".fifo";
  ASSERT_EQ(::mkfifo(Fifo.c_str(), 0600), 0);
  ::signal(SIGPIPE, SIG_IGN);
  std::string Big = "models:\n";
  for (int I = 0; I < 2000; ++I)
    Big += "  m" + std::to_string(I) + ": {provider: openai, max_tokens: 5}\n";
  std::atomic<bool> Fed{false};
  std::thread Writer([&] {
    feedFifo(Fifo, "models: {}\n");
    feedFifo(Fifo, Big);
    Fed = true;
  });
  llvm::Expected<orch::passes::ModelCatalog> C = orch::passes::loadModelCatalog(Fifo);
  ASSERT_TRUE(bool(C)) << llvm::toString(C.takeError());
  EXPECT_TRUE(C->Models.empty());
  // Take the second text (nobody else reads it) so the writer ends.
  int Fd = ::open(Fifo.c_str(), O_RDONLY | O_NONBLOCK);
  char Buf[4096];
  while (!Fed) {
    if (Fd < 0 || ::read(Fd, Buf, sizeof Buf) <= 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (Fd >= 0) ::close(Fd);
  Writer.join();
  ::unlink(Fifo.c_str());
}

TEST(ModelRegistry, AKeyThatIsNotANameStaysLocal) {
  TempRegistry R(
      "models:\n  ? [a, b]\n  : {provider: x}\n  good: {provider: p, max_tokens: 7}\n"
      "providers:\n  ? {k: v}\n  : {api: openai}\n  p: {api: anthropic}\n");
  llvm::Expected<orch::ir::ModelRegistry> Reg = orch::ir::readModelRegistry(R.Path);
  ASSERT_TRUE(bool(Reg)) << llvm::toString(Reg.takeError());
  ASSERT_EQ(Reg->Models.size(), 1u);
  EXPECT_EQ(Reg->model("good")->MaxTokens, 7);
  ASSERT_EQ(Reg->Providers.size(), 1u);
  EXPECT_EQ(Reg->provider("p")->Api, "anthropic");
  // The compiler still refuses the file, with its own words.
  llvm::Expected<orch::passes::ModelCatalog> C = orch::passes::loadModelCatalog(R.Path);
  ASSERT_FALSE(bool(C));
  EXPECT_EQ(llvm::toString(C.takeError()),
            "`" + R.Path + "`: a key of `models` must be a model's name");
}

TEST(ModelRegistry, UnreadableIsAnErrorNotACrash) {
  TempRegistry R("models: [1, 2\n");
  llvm::Expected<orch::ir::ModelRegistry> Reg = orch::ir::readModelRegistry(R.Path);
  ASSERT_FALSE(bool(Reg));
  EXPECT_FALSE(llvm::toString(Reg.takeError()).empty());
  llvm::Expected<orch::ir::ModelRegistry> Missing =
      orch::ir::readModelRegistry(R.Path + ".missing");
  ASSERT_FALSE(bool(Missing));
  llvm::consumeError(Missing.takeError());
}

}  // namespace
