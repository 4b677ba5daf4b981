// Errors as values. Library code returns Result<T>; only the CLI edge turns
// an Error into an exception/exit code. An Error carries the context chain
// ("pushing qingcloud/tensorflow:1.12-cpu: blob sha256:ab..: 503 ...") and a
// retry policy so callers never parse messages to decide what to do.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace dl {

enum class ErrorKind {
  invalid_input,  // user data is wrong: fix the file, not the network
  not_found,
  io,         // local filesystem
  network,    // connection-level failure
  remote,     // a server answered with an error status
  integrity,  // digest/size mismatch
  unsupported,
  internal,
};

class Error {
 public:
  Error() = default;
  Error(ErrorKind kind, std::string message, bool temporary = false)
      : kind_(kind), message_(std::move(message)), temporary_(temporary) {}

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // True when retrying the same operation later may succeed.
  bool is_temporary() const { return temporary_; }
  // HTTP status when the error came from a server, else 0.
  int status() const { return status_; }
  Error& with_status(int s) {
    status_ = s;
    return *this;
  }

  // Prefix context: err.wrap("pushing x") -> "pushing x: <message>".
  Error wrap(const std::string& context) const {
    Error e = *this;
    e.message_ = context + ": " + message_;
    return e;
  }

 private:
  ErrorKind kind_ = ErrorKind::internal;
  std::string message_;
  bool temporary_ = false;
  int status_ = 0;
};

inline Error invalid(std::string m) { return Error(ErrorKind::invalid_input, std::move(m)); }
inline Error io_error(std::string m) { return Error(ErrorKind::io, std::move(m)); }
inline Error not_found(std::string m) { return Error(ErrorKind::not_found, std::move(m)); }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace dl

// Propagate an error: DL_TRY(status_expr); or auto x = DL_TRY_VALUE(result_expr);
#define DL_TRY(expr)                               \
  do {                                             \
    auto&& dl_try_r_ = (expr);                     \
    if (!dl_try_r_.ok()) return dl_try_r_.error(); \
  } while (0)

#define DL_CONCAT_INNER(a, b) a##b
#define DL_CONCAT(a, b) DL_CONCAT_INNER(a, b)
#define DL_ASSIGN_OR_RETURN(lhs, expr)                                             \
  auto DL_CONCAT(dl_r_, __LINE__) = (expr);                                        \
  if (!DL_CONCAT(dl_r_, __LINE__).ok()) return DL_CONCAT(dl_r_, __LINE__).error(); \
  lhs = std::move(DL_CONCAT(dl_r_, __LINE__)).value()
