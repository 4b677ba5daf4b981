// Temp files left by killed runs. Every writer holds an exclusive flock on
// its temp file for as long as it writes (AtomicFile, layout blobs, cache
// downloads); the kernel drops the lock when the process dies, even on
// kill -9. So a temp file nobody holds belongs to a dead run and can go,
// however young, while a live writer's file is never touched. Callers sweep
// where their stores open (layouts, the download cache).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

#include "base/result.h"

namespace dl {

// Takes the writer's lock on a freshly created temp file (fd stays open).
Status lock_temp_file(int fd, const std::filesystem::path& shown);

// Removes the files directly in `dir` for which is_temp(name) holds, nobody
// holds the lock on, and that are at least `min_age` old (a grace period for
// the instant between creating a file and locking it). Returns how many went.
Result<std::size_t> sweep_dead_temp(const std::filesystem::path& dir,
                                    const std::function<bool(std::string_view)>& is_temp,
                                    std::chrono::seconds min_age = std::chrono::seconds(2));

// Names AtomicFile gives its temp files: ".<target>.tmp-<random>".
bool is_atomic_temp_name(std::string_view name);

}  // namespace dl
