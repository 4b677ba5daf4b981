// A Clock for tests of waiting policy: sleeping only advances time.
#pragma once

#include <ctime>
#include <mutex>
#include <vector>

#include "net/retry.h"

namespace dl::net {

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override {
    std::lock_guard<std::mutex> l(mu_);
    return t_;
  }
  int64_t unix_now() override {
    std::lock_guard<std::mutex> l(mu_);
    return unix_ + std::chrono::duration_cast<std::chrono::seconds>(t_ - start_).count();
  }
  void sleep_for(Millis d) override {
    std::lock_guard<std::mutex> l(mu_);
    t_ += d;
    sleeps_.push_back(d);
  }
  std::vector<Millis> sleeps() {
    std::lock_guard<std::mutex> l(mu_);
    return sleeps_;
  }

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_{}, t_{};
  int64_t unix_ = static_cast<int64_t>(std::time(nullptr));  // HTTP dates from real servers
  std::vector<Millis> sleeps_;
};

}  // namespace dl::net
