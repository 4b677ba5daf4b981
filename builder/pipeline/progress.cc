#include "builder/pipeline/progress.h"

namespace dl::pipeline {

double ProgressSnapshot::eta() const {
  if (bytes_total > 0 && bytes_done > 0 && seconds > 0.5) {
    if (bytes_done >= bytes_total) return 0;
    return double(bytes_total - bytes_done) / rate();
  }
  if (items_total > 0 && items_done > 0 && seconds > 0.5) {
    if (items_done >= items_total) return 0;
    return seconds * double(items_total - items_done) / double(items_done);
  }
  return -1;
}

void ProgressMeter::set_listener(Listener l) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(l);
}

void ProgressMeter::begin_phase(const std::string& name, std::uint64_t items_total, std::uint64_t bytes_total) {
  std::lock_guard<std::mutex> lock(mu_);
  phase_ = name;
  start_ = std::chrono::steady_clock::now();
  items_done_ = 0;
  items_failed_ = 0;
  items_total_ = items_total;
  bytes_done_ = 0;
  bytes_total_ = bytes_total;
}

void ProgressMeter::item_done(const std::string& what, bool failed) {
  items_done_++;
  if (failed) items_failed_++;
  Listener l;
  {
    std::lock_guard<std::mutex> lock(mu_);
    l = listener_;
  }
  if (l) l(snapshot(), what, failed);
}

ProgressSnapshot ProgressMeter::snapshot() const {
  ProgressSnapshot s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.phase = phase_;
    if (!phase_.empty()) s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  s.items_done = items_done_;
  s.items_total = items_total_;
  s.items_failed = items_failed_;
  s.bytes_done = bytes_done_;
  s.bytes_total = bytes_total_;
  return s;
}

}  // namespace dl::pipeline
