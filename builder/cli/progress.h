// Progress for long commands: a live line on a terminal, plain lines
// (one per step) when stderr is not a TTY, nothing with --quiet.
//
// Two sources: update() for step-by-step phases (resolve, build), and
// watch() for a pipeline::ProgressMeter the library counts into (push):
// on a terminal a ticker redraws "push 12/54 cells  310/980 MiB  11.8 MiB/s
// ETA 58s" a few times a second; plain output prints one line per finished
// item. The mode is a parameter so a --progress flag can force either.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "builder/pipeline/progress.h"

namespace dl::cli {

enum class ProgressMode { automatic, live, plain, none };

class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet = false, ProgressMode mode = ProgressMode::automatic)
      : quiet_(quiet || mode == ProgressMode::none),
        tty_(mode == ProgressMode::live || (mode == ProgressMode::automatic && ::isatty(STDERR_FILENO))) {}
  ~ProgressPrinter() { done(); }

  void update(const std::string& phase, size_t done, size_t total, const std::string& what) {
    if (quiet_) return;
    std::lock_guard<std::mutex> l(mu_);
    if (tty_) {
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s %s", done, total, phase.c_str(), what.c_str());
      std::fflush(stderr);
      live_ = true;
    } else if (!what.empty()) {
      std::fprintf(stderr, "[%zu/%zu] %s %s\n", done + 1, total, phase.c_str(), what.c_str());
    }
  }

  // Shows `meter` until done(). The meter must outlive the watch.
  void watch(pipeline::ProgressMeter& meter, const char* unit = "cells") {
    done();
    if (quiet_) return;
    unit_ = unit;
    if (!tty_) {
      meter.set_listener([this](const pipeline::ProgressSnapshot& s, const std::string& what, bool failed) {
        if (s.phase == "check") return;  // one HEAD per tag: too many lines to be useful
        std::lock_guard<std::mutex> l(mu_);
        std::fprintf(stderr, "[%llu/%llu] %s %s%s\n", (unsigned long long)s.items_done,
                     (unsigned long long)s.items_total, s.phase.c_str(), what.c_str(), failed ? " FAILED" : "");
      });
      return;
    }
    stop_ = false;
    ticker_ = std::thread([this, &meter] {
      std::unique_lock<std::mutex> l(mu_);
      while (!stop_) {
        draw(meter.snapshot());
        cv_.wait_for(l, std::chrono::milliseconds(250), [this] { return stop_; });
      }
    });
  }

  void done() {
    if (ticker_.joinable()) {
      {
        std::lock_guard<std::mutex> l(mu_);
        stop_ = true;
      }
      cv_.notify_all();
      ticker_.join();
    }
    std::lock_guard<std::mutex> l(mu_);
    if (live_) std::fprintf(stderr, "\r\033[K");
    live_ = false;
  }

  // "310.2 MiB", "12 KiB": for the live line.
  static std::string size(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) bytes /= 1024, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
  }

 private:
  void draw(const pipeline::ProgressSnapshot& s) {
    if (s.phase.empty()) return;
    std::string line = s.phase + " " + std::to_string(s.items_done) + "/" + std::to_string(s.items_total) + " " +
                       (s.phase == "check" ? "tags" : unit_);
    if (s.items_failed) line += " (" + std::to_string(s.items_failed) + " failed)";
    if (s.bytes_total > 0)
      line += "  " + size(double(s.bytes_done)) + "/" + size(double(s.bytes_total)) + "  " + size(s.rate()) + "/s";
    double eta = s.eta();
    if (eta >= 0 && s.items_done < s.items_total) line += "  ETA " + std::to_string(std::lround(eta)) + "s";
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    live_ = true;
  }

  bool quiet_, tty_, live_ = false;
  const char* unit_ = "cells";
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread ticker_;
};

}  // namespace dl::cli
