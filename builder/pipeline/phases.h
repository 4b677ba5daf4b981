// Named, timed phases (mold's Timer): the driver reads as a list of them and
// --timings prints where the time went.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace dl::pipeline {

struct PhaseTime {
  std::string name;
  double seconds = 0;
};

class Phases {
 public:
  class Scope {
   public:
    Scope(Phases& p, std::string name) : p_(p), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
    ~Scope() {
      std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
      p_.add(name_, d.count());
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Phases& p_;
    std::string name_;
    std::chrono::steady_clock::time_point start_;
  };

  Scope time(std::string name) { return Scope(*this, std::move(name)); }
  void add(const std::string& name, double s) {
    for (auto& t : times_)
      if (t.name == name) {
        t.seconds += s;
        return;
      }
    times_.push_back({name, s});
  }
  const std::vector<PhaseTime>& times() const { return times_; }
  std::string report() const;

 private:
  std::vector<PhaseTime> times_;
};

}  // namespace dl::pipeline
