#include "lease/runtime.h"

#include "billing/default_fx.h"
#include "billing_store/sqlite_billing_store.h"
#include "catalog/shipped.h"
#include "lease_store/sqlite_lease_store.h"
#include "policy/pack_store.h"
#include "policy/shipped.h"

namespace straits::lease {

LeaseRuntime::~LeaseRuntime() = default;

Result<std::unique_ptr<LeaseRuntime>> LeaseRuntime::Open(const std::string& db_path,
                                                         store::Store& store, const Clock& clock,
                                                         RuntimeOptions options) {
  std::unique_ptr<LeaseRuntime> rt(new LeaseRuntime());
  STRAITS_ASSIGN_OR_RETURN(rt->leases_, lease_store::OpenSqliteLeaseStore(
                                            db_path, {.connections = options.connections}));
  STRAITS_ASSIGN_OR_RETURN(rt->catalog_, catalog::LoadShippedCatalog());
  STRAITS_ASSIGN_OR_RETURN(policy::Engine engine, policy::LoadEngine(db_path));
  rt->policy_ = std::make_unique<policy::Engine>(std::move(engine));
  STRAITS_ASSIGN_OR_RETURN(policy::Screener screener, policy::LoadShippedScreener());
  rt->screener_ = std::make_unique<policy::Screener>(std::move(screener));
  STRAITS_ASSIGN_OR_RETURN(rt->utilization_, UtilizationTable::Shipped());
  // Prices come from the rate cards imported with `straits import ratecards`.
  STRAITS_ASSIGN_OR_RETURN(auto billing, billing_store::OpenSqliteBillingStore(db_path));
  STRAITS_ASSIGN_OR_RETURN(billing::RateCards rates, billing->LoadRateCards());
  if (!rates.entries().empty()) rt->rates_ = std::move(rates);
  // Imported FX tables replace the shipped one (as for invoices).
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing_store::FxFile> fx_files, billing->ListFxFiles());
  if (fx_files.empty()) {
    STRAITS_ASSIGN_OR_RETURN(
        rt->fx_, billing::FxTable::Parse(billing::DefaultFxCsv(), "data/fx/usd-rates.csv"));
  }
  for (const billing_store::FxFile& file : fx_files) {
    STRAITS_ASSIGN_OR_RETURN(billing::FxTable table,
                             billing::FxTable::Parse(file.text, file.source));
    STRAITS_RETURN_IF_ERROR(rt->fx_.Merge(table));
  }
  ServiceDeps deps{store,
                   *rt->leases_,
                   clock,
                   rt->catalog_,
                   *rt->policy_,
                   rt->screener_.get(),
                   rt->rates_ ? &*rt->rates_ : nullptr,
                   &rt->fx_,
                   &rt->utilization_};
  STRAITS_ASSIGN_OR_RETURN(rt->service_, LeaseService::Create(deps, std::move(options.service)));
  return rt;
}

}  // namespace straits::lease
