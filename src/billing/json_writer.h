// A minimal JSON text builder for billing's exports, so that the CLI and the
// HTTP API print byte-identical documents without billing depending on a
// JSON library.
//
// Thread-safety: a value; one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace straits::billing {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  // A ratio printed with up to 6 decimals, trailing zeros dropped ("0.22").
  JsonWriter& Ratio(double value);
  JsonWriter& Null();

  const std::string& str() const { return out_; }

 private:
  void Separate();
  std::string out_;
  bool need_comma_ = false;
};

// `value` as a CSV field, quoted when it contains ',', '"' or a newline.
std::string CsvField(std::string_view value);

// "0.22" from 0.22: up to 6 decimals, trailing zeros dropped.
std::string FormatRatio(double value);

}  // namespace straits::billing
