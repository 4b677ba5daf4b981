// Progress for long commands: a live line on a terminal, plain lines
// (one per step) when stdout is not a TTY, nothing with --quiet.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

namespace dl::cli {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet = false) : quiet_(quiet), tty_(::isatty(STDERR_FILENO)) {}
  ~ProgressPrinter() { done(); }

  void update(const std::string& phase, size_t done, size_t total, const std::string& what) {
    if (quiet_) return;
    if (tty_) {
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s %s", done, total, phase.c_str(), what.c_str());
      std::fflush(stderr);
      live_ = true;
    } else if (!what.empty()) {
      std::fprintf(stderr, "[%zu/%zu] %s %s\n", done + 1, total, phase.c_str(), what.c_str());
    }
  }
  void done() {
    if (live_) std::fprintf(stderr, "\r\033[K");
    live_ = false;
  }

 private:
  bool quiet_, tty_, live_ = false;
};

}  // namespace dl::cli
