// A database with the demo world and its rate cards, and the real `straits
// serve` over it, for the lease integration tests: start, stop (SIGKILL),
// restart on the same file, HTTP calls with an Idempotency-Key, and direct
// read access to the SQLite file to check what was committed.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../integration/http_client.h"
#include "../integration/subprocess.h"

namespace straits::testing_support {

class LeaseDeployment {
 public:
  // Creates `name` under the test temp directory: init, the demo world, rate cards.
  explicit LeaseDeployment(const std::string& name);
  ~LeaseDeployment();
  LeaseDeployment(const LeaseDeployment&) = delete;
  LeaseDeployment& operator=(const LeaseDeployment&) = delete;

  const std::string& db() const { return db_; }
  const std::string& token() const { return token_; }
  int port() const { return port_; }

  // Starts `straits serve` on an ephemeral port; false if it did not come up.
  bool Start(int threads = 2);
  // SIGKILL, then wait: nothing gets a chance to flush or clean up.
  void Kill();

  RunResult Straits(const std::vector<std::string>& args) const;

  // One request on a fresh connection; `idempotency_key` adds the header.
  HttpReply Post(const std::string& target, const std::string& body,
                 const std::string& idempotency_key = "") const;
  HttpReply Get(const std::string& target) const;

  // Every row of a query over the database file, each column as text ("" for NULL).
  std::vector<std::vector<std::string>> Query(const std::string& sql) const;
  // Runs a statement that changes the file (as the sqlite3 shell would).
  void Execute(const std::string& sql) const;

 private:
  std::filesystem::path dir_;
  std::string db_;
  std::string token_;
  std::unique_ptr<Child> server_;
  int port_ = 0;
};

// A lease request body: `gpus` H100s at Tuas, fixed start, `hours` long.
std::string TuasRequest(const std::string& tenant, int gpus, const std::string& start, int hours);

// The start of the UTC hour `hours` hours from now, as ISO 8601.
std::string HoursFromNow(int hours);

// Largest number of GPUs in use on any node at any change point minus that
// node's size, over every allocation of a lease that holds capacity; <= 0
// means no node is oversubscribed. `worst` names the node.
int MaxOversubscription(const LeaseDeployment& d, std::string* worst);

}  // namespace straits::testing_support
