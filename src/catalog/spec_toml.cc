#include "catalog/spec_toml.h"

#include "catalog/accelerator_toml.h"
#include "catalog/toml_reader.h"

namespace straits::catalog {

Result<AcceleratorSpec> ParseSpecToml(std::string_view text, std::string_view source_name) {
  STRAITS_ASSIGN_OR_RETURN(toml::table root, internal::ParseTomlText(text, source_name));
  internal::TomlReader reader(source_name);
  return internal::ReadAcceleratorTable(reader, root, "",
                                        internal::AcceleratorTableMode::kSpecFile);
}

}  // namespace straits::catalog
