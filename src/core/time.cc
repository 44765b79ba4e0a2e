#include "core/time.h"

#include <cstdio>

namespace straits {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date; H. Hinnant's
// days_from_civil (http://howardhinnant.github.io/date_algorithms.html).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

// Inverse of DaysFromCivil (same source).
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Civil{y + (m <= 2), m, d};
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `n` digits at `pos`; false if any is not a digit.
bool ReadDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

Status BadInstant(std::string_view text) {
  return InvalidArgument("\"" + std::string(text) +
                         "\" is not a UTC time: expected YYYY-MM-DD or "
                         "YYYY-MM-DDTHH:MM:SSZ (or an offset such as +08:00)");
}

}  // namespace

Result<Duration> Duration::Parse(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("\"" + std::string(text) +
                           "\" is not a duration: expected a positive whole number with a "
                           "unit s, m, h, d or w, e.g. \"72h\", \"90d\", \"1d12h\"");
  };
  if (text.empty()) return bad();
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t number = 0;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (number > 1'000'000'000'000LL) return bad();
      number = number * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || pos >= text.size()) return bad();
    int64_t unit = 0;
    switch (text[pos]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 7 * 86400;
        break;
      default:
        return bad();
    }
    ++pos;
    total += number * unit;
    if (total > 100LL * 365 * 86400 * 1000) return bad();  // beyond any lease
  }
  return Duration(total);
}

std::string Duration::ToString() const {
  int64_t s = seconds_;
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  if (s == 0) return "0s";
  const int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (d) out += std::to_string(d) + "d";
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (sec) out += std::to_string(sec) + "s";
  return out;
}

Result<Instant> Instant::FromCivil(int year, int month, int day, int hour, int minute, int second) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    return InvalidArgument("no such date " + std::to_string(year) + "-" + std::to_string(month) +
                           "-" + std::to_string(day));
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return InvalidArgument("no such time of day " + std::to_string(hour) + ":" +
                           std::to_string(minute) + ":" + std::to_string(second));
  }
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return Instant(days * 86400 + hour * 3600 + minute * 60 + second);
}

Result<Instant> Instant::Parse(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day)) {
    return BadInstant(text);
  }
  int hour = 0, minute = 0, second = 0;
  int64_t offset = 0;
  if (text.size() > 10) {
    if ((text[10] != 'T' && text[10] != ' ') || !ReadDigits(text, 11, 2, hour) ||
        text.size() < 16 || text[13] != ':' || !ReadDigits(text, 14, 2, minute)) {
      return BadInstant(text);
    }
    size_t pos = 16;
    if (pos < text.size() && text[pos] == ':') {
      if (!ReadDigits(text, pos + 1, 2, second)) return BadInstant(text);
      pos += 3;
      // RFC 3339 fractional seconds (a browser's toISOString() sends
      // milliseconds): up to nine digits, dropped, since Straits counts whole
      // seconds.
      if (pos < text.size() && text[pos] == '.') {
        size_t digits = 0;
        while (pos + 1 + digits < text.size() && text[pos + 1 + digits] >= '0' &&
               text[pos + 1 + digits] <= '9') {
          ++digits;
        }
        if (digits == 0 || digits > 9) return BadInstant(text);
        pos += 1 + digits;
      }
    }
    if (pos >= text.size()) return BadInstant(text);  // a time needs a zone
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      // UTC
    } else if ((text[pos] == '+' || text[pos] == '-') && pos + 6 == text.size() &&
               text[pos + 3] == ':') {
      int oh = 0, om = 0;
      if (!ReadDigits(text, pos + 1, 2, oh) || !ReadDigits(text, pos + 4, 2, om) || oh > 23 ||
          om > 59) {
        return BadInstant(text);
      }
      offset = (text[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
      return BadInstant(text);
    }
  }
  Result<Instant> civil = FromCivil(year, month, day, hour, minute, second);
  if (!civil.ok()) {
    return InvalidArgument("\"" + std::string(text) + "\": " + civil.status().message());
  }
  return Instant(civil->seconds_ - offset);
}

std::string Instant::ToString() const {
  const int64_t days = (seconds_ >= 0 ? seconds_ : seconds_ - 86399) / 86400;
  const int64_t rem = seconds_ - days * 86400;
  const Civil c = CivilFromDays(days);
  char buf[128];  // generous: GCC cannot bound the int64 fields
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(c.year), c.month, c.day, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60));
  return buf;
}

std::string Instant::DateString() const { return ToString().substr(0, 10); }

Instant Instant::StartOfDay() const {
  const int64_t days = (seconds_ >= 0 ? seconds_ : seconds_ - 86399) / 86400;
  return Instant(days * 86400);
}

Result<Interval> Interval::Make(Instant start, Instant end) {
  if (end < start) {
    return InvalidArgument("end " + end.ToString() + " is before start " + start.ToString(), "end");
  }
  return Interval(start, end);
}

std::string Interval::ToString() const {
  return "[" + start_.ToString() + ", " + end_.ToString() + ")";
}

std::ostream& operator<<(std::ostream& os, Duration d) { return os << d.ToString(); }
std::ostream& operator<<(std::ostream& os, Instant t) { return os << t.ToString(); }
std::ostream& operator<<(std::ostream& os, const Interval& i) { return os << i.ToString(); }

}  // namespace straits
