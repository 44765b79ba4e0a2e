// Thin RAII wrappers over the SQLite C API, used only inside store/sqlite/.
//
// Connection owns one sqlite3 handle; Statement one prepared statement. All
// failures come back as Status: SQLITE_BUSY/LOCKED map to unavailable,
// constraint violations to already_exists (unique) or invalid_argument
// (foreign key), everything else to internal.
//
// Thread-safety: a Connection (and its Statements) must be used by one thread
// at a time; ConnectionPool hands them out.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace straits::store::sqlite {

class Statement;

class Connection {
 public:
  // Opens `path`. With `create`, a missing file is created; otherwise a missing
  // file is not_found. Sets WAL, foreign_keys=ON, synchronous=FULL, busy timeout.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status Exec(std::string_view sql);
  // Returns a statement for `sql`. Statements are compiled once per connection
  // and reused (reset when the Statement goes out of scope); a statement whose
  // cached copy is still in use is compiled afresh.
  Result<Statement> Prepare(std::string_view sql);
  sqlite3* handle() { return db_; }
  Status Error(std::string_view what) const;

 private:
  friend class Statement;
  explicit Connection(sqlite3* db) : db_(db) {}
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement> cache_;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept
      : stmt_(other.stmt_), conn_(other.conn_), cached_(other.cached_) {
    other.stmt_ = nullptr;
    other.cached_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& BindNull(int index);
  Statement& BindOptional(int index, const std::optional<std::string>& text);
  Statement& BindOptional(int index, const std::optional<int64_t>& value);

  // Advances; true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion, ignoring rows.
  Status Run();
  Status Reset();

  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  int64_t Int(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  friend class Connection;
  Statement(sqlite3_stmt* stmt, Connection* conn, bool* cached_in_use)
      : stmt_(stmt), conn_(conn), cached_(cached_in_use) {}
  sqlite3_stmt* stmt_;
  Connection* conn_;
  bool* cached_;  // the cache entry's in-use flag, or null for an uncached statement
};

// RAII transaction: BEGIN IMMEDIATE on construction via Begin(); rolls back in
// the destructor unless Commit() succeeded.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Connection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Commit();

 private:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  Connection& conn_;
  bool done_ = false;
};

// A fixed set of connections to one database file, handed out one per caller.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::vector<std::unique_ptr<Connection>> connections);

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Blocks until a connection is free.
  Lease Acquire();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;
};

}  // namespace straits::store::sqlite
