#include "registry/store/store.h"

#include <mutex>
#include <thread>

namespace dl::store {

bool is_not_found(const Error& e) { return e.kind() == ErrorKind::not_found || e.status() == 404; }

Status run_parallel(size_t n, int jobs, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::optional<Error> first;
  auto worker = [&] {
    for (size_t i; (i = next++) < n;) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (first) return;
      }
      Status st = fn(i);
      if (!st.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (!first) first = st.error();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs && static_cast<size_t>(t) < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (first) return *first;
  return {};
}

}  // namespace dl::store
