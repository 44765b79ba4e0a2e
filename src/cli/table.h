// Aligned plain-text tables for CLI listings:
//
//   Table t({"ID", "COUNTRY", "GPUS"});
//   t.AddRow({"sg-1", "SG", "512"});
//   t.Print(stdout);
//
// Columns whose every cell looks numeric are right-aligned.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace straits::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const;
  void Print(FILE* out) const;
  size_t size() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace straits::cli
