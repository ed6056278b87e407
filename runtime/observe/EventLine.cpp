//===- EventLine.cpp ------------------------------------------------------===//
#include "runtime/observe/EventLine.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>

#include "llvm/Support/xxhash.h"

namespace orch::observe {

namespace {}  // namespace

size_t utf8SequenceLength(std::string_view S, size_t I) {
  // The lead byte gives the length and the range of the second byte; the
  // others are 80..BF.
  auto C = uint8_t(S[I]);
  size_t Len;
  uint8_t Lo = 0x80, Hi = 0xBF;
  if (C >= 0xC2 && C <= 0xDF) {
    Len = 2;
  } else if (C >= 0xE0 && C <= 0xEF) {
    Len = 3;
    if (C == 0xE0) Lo = 0xA0;
    if (C == 0xED) Hi = 0x9F;
  } else if (C >= 0xF0 && C <= 0xF4) {
    Len = 4;
    if (C == 0xF0) Lo = 0x90;
    if (C == 0xF4) Hi = 0x8F;
  } else {
    return 0;
  }
  if (I + Len > S.size()) return 0;
  for (size_t K = 1; K < Len; ++K) {
    auto B = uint8_t(S[I + K]);
    if (B < (K == 1 ? Lo : 0x80) || B > (K == 1 ? Hi : 0xBF)) return 0;
  }
  return Len;
}

namespace {

/// Whether \p S is valid UTF-8 with no byte that JSON escapes.
bool plainText(llvm::StringRef S) {
  for (size_t I = 0; I < S.size();) {
    auto C = uint8_t(S[I]);
    if (C < 0x80) {
      if (C < 0x20 || C == '"' || C == '\\') return false;
      ++I;
      continue;
    }
    size_t Len = utf8SequenceLength(S, I);
    if (!Len) return false;
    I += Len;
  }
  return true;
}

/// Whether JSON text \p T (appendJsonText's) dumps as itself: no escape
/// sequence (a string's bytes are then its text) and no floating-point
/// number (whose digits nlohmann formats its own way).
bool plainValue(llvm::StringRef T) {
  bool InString = false;
  char Prev = 0;
  for (char C : T) {
    if (C == '\\') return false;
    if (C == '"') {
      InString = !InString;
    } else if (!InString &&
               (C == '.' || ((C == 'e' || C == 'E') && Prev >= '0' && Prev <= '9'))) {
      return false;
    }
    Prev = C;
  }
  return !InString;
}

/// Whether any of \p Secrets occurs in \p T.
bool holdsSecret(llvm::StringRef T, llvm::ArrayRef<std::string> Secrets) {
  for (const std::string &S : Secrets)
    if (!S.empty() && T.contains(S)) return true;
  return false;
}

/// The strings of an attempt line that are not the record's (keys and the
/// fixed values): the tree path scrubs them too (input_hash is added after
/// its scrub).
constexpr const char *FixedWords[] = {
    "event",         "attempt_start", "attempt_end", "step",   "action",
    "attempt",       "parameters",    "model",       "group",  "queue_wait_ms",
    "group_wait_ms", "status",        "completed",   "failed", "duration_ms",
    "output",        "error",         "retryable",   "t_ms"};

/// Whether a secret occurs in one of the fixed words.
bool secretInFixedWords(llvm::ArrayRef<std::string> Secrets) {
  for (const char *W : FixedWords)
    if (holdsSecret(W, Secrets)) return true;
  return false;
}

/// Appends \p D as nlohmann's dump writes a double.
void appendDouble(std::string &Out, double D) {
  if (!std::isfinite(D)) {
    Out += "null";
    return;
  }
  char Buf[64];
  char *End = nlohmann::detail::to_chars(Buf, Buf + sizeof Buf, D);
  Out.append(Buf, End);
}

void appendKeyText(std::string &Out, const char *Key, llvm::StringRef Text) {
  Out += ",\"";
  Out += Key;
  Out += "\":\"";
  Out.append(Text.data(), Text.size());
  Out += '"';
}

}  // namespace

bool appendPlainAttemptLine(const EventLog::AttemptRecord &R, llvm::StringRef Arena,
                            llvm::ArrayRef<std::string> Secrets, std::string &Out) {
  auto Piece = [&](EventLog::AttemptRecord::Text T) {
    return Arena.substr(T.Begin, T.Size);
  };
  llvm::StringRef Step = Piece(R.Step), Action = Piece(R.Action), Model = Piece(R.Model),
                  Group = Piece(R.Group), Error = Piece(R.Error);
  bool HasValue = R.Start || (R.Ok && R.HasValue);
  llvm::StringRef Value = HasValue ? Piece(R.Value) : llvm::StringRef();
  if (!plainText(Step) || holdsSecret(Step, Secrets) || secretInFixedWords(Secrets))
    return false;
  if (R.Start && (!plainText(Action) || !plainText(Model) || !plainText(Group) ||
                  holdsSecret(Action, Secrets) || holdsSecret(Model, Secrets) ||
                  holdsSecret(Group, Secrets)))
    return false;
  if (!R.Start && !R.Ok && (!plainText(Error) || holdsSecret(Error, Secrets)))
    return false;
  if (HasValue) {
    if (Value.empty() || !plainValue(Value) || holdsSecret(Value, Secrets)) return false;
    // Redaction by name (Redact.cpp): a `headers` or `env` member, a URL.
    if (R.Start && (Value.contains("\"headers\":") || Value.contains("\"env\":") ||
                    Value.contains("://")))
      return false;
  }
  if (R.Start) {
    Out += "{\"event\":\"attempt_start\"";
    appendKeyText(Out, "step", Step);
    appendKeyText(Out, "action", Action);
    fmt::format_to(std::back_inserter(Out), ",\"attempt\":{},\"parameters\":", R.Attempt);
    Out.append(Value.data(), Value.size());
    if (!Model.empty()) appendKeyText(Out, "model", Model);
    if (!Group.empty()) appendKeyText(Out, "group", Group);
    if (R.HasWait) {
      Out += ",\"queue_wait_ms\":";
      appendDouble(Out, double(R.QueueWaitUs) / 1000);
      if (R.GroupWaitUs) {
        Out += ",\"group_wait_ms\":";
        appendDouble(Out, double(R.GroupWaitUs) / 1000);
      }
    }
  } else {
    Out += "{\"event\":\"attempt_end\"";
    appendKeyText(Out, "step", Step);
    fmt::format_to(std::back_inserter(Out), ",\"attempt\":{},\"status\":\"{}\"",
                   R.Attempt, R.Ok ? "completed" : "failed");
    if (R.HasDuration) {
      Out += ",\"duration_ms\":";
      appendDouble(Out, R.DurationMs);
    }
    if (R.Ok) {
      if (R.HasValue) {
        Out += ",\"output\":";
        Out.append(Value.data(), Value.size());
      }
    } else {
      appendKeyText(Out, "error", Error);
      Out += R.Retryable ? ",\"retryable\":true" : ",\"retryable\":false";
    }
  }
  Out += ",\"t_ms\":";
  appendDouble(Out, R.TMs);
  if (R.Start) {
    // loggedInputHash: action, model and the parameters as dumped, which
    // is their text here.
    std::string Text;
    Text.reserve(Action.size() + Model.size() + Value.size() + 2);
    Text.append(Action.data(), Action.size());
    Text += '\0';
    Text.append(Model.data(), Model.size());
    Text += '\0';
    Text.append(Value.data(), Value.size());
    llvm::XXH128_hash_t H = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(Text.data()), Text.size()));
    fmt::format_to(std::back_inserter(Out), ",\"input_hash\":\"{:016x}{:016x}\"",
                   H.high64, H.low64);
  }
  Out += "}\n";
  return true;
}

}  // namespace orch::observe
