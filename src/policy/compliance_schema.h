// The "compliance" schema family (store/sqlite/family.h): screening
// clearances (clearance_store.h) and imported rule packs (pack_store.h). One
// list of migrations, so that whichever store opens the database first brings
// the whole family up to date.
#pragma once

#include <span>
#include <string_view>

namespace straits::policy {

std::span<const std::string_view> ComplianceMigrations();

}  // namespace straits::policy
