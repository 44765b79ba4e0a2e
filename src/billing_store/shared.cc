#include "billing_store/shared.h"

#include <map>
#include <memory>
#include <mutex>

#include "billing_store/sqlite_billing_store.h"

namespace straits::billing_store {

Result<BillingStore*> SharedBillingStore(const std::string& path) {
  if (path.empty()) {
    return InvalidArgument("no database path: the billing repository needs the database file",
                           "db_path");
  }
  // Leaked on purpose: handlers may still run while static destructors do.
  static auto* mu = new std::mutex;
  static auto* stores = new std::map<std::string, std::unique_ptr<BillingStore>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto it = stores->find(path);
  if (it != stores->end()) return it->second.get();
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<BillingStore> opened,
                           OpenSqliteBillingStore(path, {.connections = 4}));
  BillingStore* raw = opened.get();
  stores->emplace(path, std::move(opened));
  return raw;
}

}  // namespace straits::billing_store
