// Progress of a long run as counters, with no opinion on how it is shown.
// The library counts (items done of total, bytes done of total, per named
// phase); a front end polls snapshot() and draws a live line on a terminal
// or prints plain lines (builder/cli/progress.h). Thread-safe: publish
// workers count concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace dl::pipeline {

struct ProgressSnapshot {
  std::string phase;  // "" before the first phase
  std::uint64_t items_done = 0, items_total = 0, items_failed = 0;
  std::uint64_t bytes_done = 0, bytes_total = 0;
  double seconds = 0;  // since the phase began
  // Bytes per second over the phase, 0 until there is something to measure.
  double rate() const { return seconds > 0 ? double(bytes_done) / seconds : 0; }
  // Seconds left at the current rate; < 0 when unknown.
  double eta() const;
};

class ProgressMeter {
 public:
  // Called on each finished item (a cell built, a cell pushed), with what it
  // was and whether it failed: plain output prints one line per call.
  using Listener = std::function<void(const ProgressSnapshot&, const std::string& what, bool failed)>;

  void set_listener(Listener l);
  void begin_phase(const std::string& name, std::uint64_t items_total, std::uint64_t bytes_total = 0);
  void add_bytes(std::uint64_t n) { bytes_done_ += n; }
  void add_bytes_total(std::uint64_t n) { bytes_total_ += n; }
  void item_done(const std::string& what, bool failed = false);
  ProgressSnapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  std::string phase_;
  std::chrono::steady_clock::time_point start_{};
  std::atomic<std::uint64_t> items_done_{0}, items_total_{0}, items_failed_{0};
  std::atomic<std::uint64_t> bytes_done_{0}, bytes_total_{0};
  Listener listener_;
};

}  // namespace dl::pipeline
