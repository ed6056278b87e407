//===- Json.h - JSON values that keep their keys in insertion order -*- C++ -*-===//
//
// Template values are Python values to Jinja2: a mapping keeps the order
// its keys were written in (`d | first`, `d | join`, `d | string`, a
// mapping printed in text). nlohmann::json keeps keys sorted and
// nlohmann::ordered_json finds a key by a linear scan (quadratic to parse
// an object with many keys), so the project's JSON type is basic_json over
// IndexedMap: insertion order, and a hash index once an object is large.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// A map that iterates in insertion order, like a Python dict. Small maps
/// are searched linearly; from IndexFrom entries on a hash index finds a
/// key. Equality ignores order (Python's dict equality). Only the members
/// basic_json uses are provided; the vector base is not to be used to
/// change the map.
template <class Key, class T, class IgnoredLess = std::less<Key>,
          class Allocator = std::allocator<std::pair<const Key, T>>>
struct IndexedMap : std::vector<std::pair<const Key, T>, Allocator> {
  using key_type = Key;
  using mapped_type = T;
  using Container = std::vector<std::pair<const Key, T>, Allocator>;
  using iterator = typename Container::iterator;
  using const_iterator = typename Container::const_iterator;
  using size_type = typename Container::size_type;
  using value_type = typename Container::value_type;
  using key_compare = std::equal_to<>;

  /// Entries from which on a hash index is kept.
  static constexpr size_t IndexFrom = 16;

  IndexedMap() noexcept : Container{} {}
  explicit IndexedMap(const Allocator &A) noexcept : Container{A} {}
  template <class It>
  IndexedMap(It First, It Last, const Allocator &A = Allocator()) : Container{A} {
    insert(First, Last);
  }
  IndexedMap(std::initializer_list<value_type> Init, const Allocator &A = Allocator())
      : Container{A} {
    insert(Init.begin(), Init.end());
  }

  template <class K>
  std::pair<iterator, bool> emplace(K &&Name, T &&V) {
    iterator It = find(Name);
    if (It != this->end()) return {It, false};
    Container::emplace_back(std::forward<K>(Name), std::forward<T>(V));
    noteAdded();
    return {std::prev(this->end()), true};
  }

  template <class K>
  T &operator[](K &&Name) {
    return emplace(std::forward<K>(Name), T{}).first->second;
  }
  template <class K>
  const T &operator[](K &&Name) const {
    return at(std::forward<K>(Name));
  }

  template <class K>
  T &at(K &&Name) {
    iterator It = find(Name);
    if (It == this->end()) throw std::out_of_range("key not found");
    return It->second;
  }
  template <class K>
  const T &at(K &&Name) const {
    const_iterator It = find(Name);
    if (It == this->end()) throw std::out_of_range("key not found");
    return It->second;
  }

  template <class K>
  size_type erase(K &&Name) {
    iterator It = find(Name);
    if (It == this->end()) return 0;
    erase(It);
    return 1;
  }
  iterator erase(iterator Pos) { return erase(Pos, std::next(Pos)); }
  iterator erase(iterator First, iterator Last) {
    if (First == Last) return First;
    auto Gone = std::distance(First, Last);
    auto Offset = std::distance(this->begin(), First);
    // Keys are const: rebuild the moved entries in place.
    for (iterator It = First; std::next(It, Gone) != this->end(); ++It) {
      It->~value_type();
      new (&*It) value_type{std::move(*std::next(It, Gone))};
    }
    Container::resize(this->size() - static_cast<size_type>(Gone));
    reindex();
    return this->begin() + Offset;
  }

  template <class K>
  size_type count(K &&Name) const {
    return find(Name) == this->end() ? 0 : 1;
  }

  template <class K>
  iterator find(K &&Name) {
    return this->begin() + position(keyRef(Name));
  }
  template <class K>
  const_iterator find(K &&Name) const {
    return this->begin() + position(keyRef(Name));
  }

  std::pair<iterator, bool> insert(value_type &&V) {
    return emplace(V.first, std::move(V.second));
  }
  std::pair<iterator, bool> insert(const value_type &V) {
    iterator It = find(V.first);
    if (It != this->end()) return {It, false};
    Container::push_back(V);
    noteAdded();
    return {std::prev(this->end()), true};
  }
  template <typename InputIt,
            typename = std::enable_if_t<std::is_convertible_v<
                typename std::iterator_traits<InputIt>::iterator_category,
                std::input_iterator_tag>>>
  void insert(InputIt First, InputIt Last) {
    for (InputIt It = First; It != Last; ++It) insert(*It);
  }

  void clear() noexcept {
    Container::clear();
    Index.clear();
  }

  /// Same keys with equal values, in any order.
  friend bool operator==(const IndexedMap &A, const IndexedMap &B) {
    if (A.size() != B.size()) return false;
    for (const value_type &E : A) {
      const_iterator It = B.find(E.first);
      if (It == B.end() || !(It->second == E.second)) return false;
    }
    return true;
  }
  friend bool operator!=(const IndexedMap &A, const IndexedMap &B) { return !(A == B); }
  /// Compares the entries sorted by key (std::map's order, which
  /// basic_json's operator< on objects meant before).
  friend bool operator<(const IndexedMap &A, const IndexedMap &B) {
    return A.sortedEntries() < B.sortedEntries();
  }

  /// The entries sorted by key (byte order: Unicode code point order for
  /// UTF-8), as Python's sort_keys and Jinja2's dictsort see them.
  std::vector<const value_type *> sorted() const {
    std::vector<const value_type *> Out;
    Out.reserve(this->size());
    for (const value_type &E : *this) Out.push_back(&E);
    std::sort(Out.begin(), Out.end(), [](const value_type *X, const value_type *Y) {
      return X->first < Y->first;
    });
    return Out;
  }

 private:
  std::vector<std::pair<Key, T>> sortedEntries() const {
    std::vector<std::pair<Key, T>> Out;
    for (const value_type *E : sorted()) Out.emplace_back(E->first, E->second);
    return Out;
  }

  template <class K>
  static llvm::StringRef keyRef(const K &Name) {
    if constexpr (std::is_convertible_v<const K &, llvm::StringRef>)
      return llvm::StringRef(Name);
    else
      return llvm::StringRef(std::string_view(Name));
  }

  /// Index of \p Name, or size() when absent.
  size_t position(llvm::StringRef Name) const {
    if (this->size() < IndexFrom || Index.empty()) {
      for (size_t I = 0, N = this->size(); I != N; ++I)
        if (llvm::StringRef(Container::operator[](I).first) == Name) return I;
      return this->size();
    }
    auto It = Index.find(Name);
    return It == Index.end() ? this->size() : It->second;
  }

  void noteAdded() {
    size_t N = this->size();
    if (N < IndexFrom) return;
    if (Index.empty()) {
      reindex();
      return;
    }
    Index[llvm::StringRef(this->back().first)] = N - 1;
  }

  void reindex() {
    Index.clear();
    if (this->size() < IndexFrom) return;
    for (size_t I = 0, N = this->size(); I != N; ++I)
      Index[llvm::StringRef(Container::operator[](I).first)] = I;
  }

  llvm::StringMap<size_t> Index;
};

/// The project's JSON value: keys in insertion order (see IndexedMap).
using Json = nlohmann::basic_json<IndexedMap>;

/// The keys of object \p J in sorted order with their values, as Python's
/// `sorted(d.items())` sees them.
inline std::vector<const std::pair<const std::string, Json> *> sortedItems(
    const Json &J) {
  return J.get_ref<const Json::object_t &>().sorted();
}

/// An integer parameter's rendered value (a `number` input may feed one):
/// a whole, finite number in the range of int64 becomes that integer (10.0
/// is 10); anything else is left as it is, for the action to refuse.
inline void wholeToInteger(Json &V) {
  if (!V.is_number_float()) return;
  double D = V.get<double>();
  // [-2^63, 2^63): both ends are exact doubles.
  if (D != D || D < -9223372036854775808.0 || D >= 9223372036854775808.0) return;
  auto N = static_cast<int64_t>(D);
  if (static_cast<double>(N) == D) V = N;
}

}  // namespace orch::ir
