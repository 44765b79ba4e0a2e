#include "backend/reserved_time.h"

#include <algorithm>

namespace straits::backend {
namespace {

int64_t WindowSeconds(Duration window) {
  int64_t s = window.seconds();
  return s > 0 && 86400 % s == 0 ? s : 3600;
}

int64_t FloorTo(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

}  // namespace

std::vector<ReservedPiece> ReservedPieces(int64_t leased_gpus, Instant from, Instant to,
                                          Duration window, std::span<const JobSpan> jobs) {
  std::vector<ReservedPiece> pieces;
  const int64_t step = WindowSeconds(window);
  const int64_t end = to.unix_seconds();
  for (int64_t at = from.unix_seconds(); at < end;) {
    const int64_t next = std::min(end, FloorTo(at, step) + step);
    ReservedPiece piece;
    piece.start = Instant::FromUnixSeconds(at);
    piece.end = Instant::FromUnixSeconds(next);
    piece.reserved = leased_gpus * (next - at);
    for (const JobSpan& job : jobs) {
      const int64_t job_end = job.end ? job.end->unix_seconds() : next;
      const int64_t overlap = std::min(next, job_end) - std::max(at, job.start.unix_seconds());
      if (overlap > 0 && job.gpus > 0) piece.used += job.gpus * overlap;
    }
    piece.idle = std::max<int64_t>(0, piece.reserved - piece.used);
    pieces.push_back(piece);
    at = next;
  }
  return pieces;
}

Instant ClosableUntil(Instant start, Instant end, Instant seen, Duration window) {
  if (end <= seen) return std::max(start, end);
  Instant floor = Instant::FromUnixSeconds(FloorTo(seen.unix_seconds(), WindowSeconds(window)));
  return std::max(start, floor);
}

}  // namespace straits::backend
