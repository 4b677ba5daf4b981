#include "net/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "base/strings.h"
#include "net/url.h"

namespace dl::net {

void note_insecure_host(const std::string& host);  // insecure.cc

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// State of one request/response exchange, shared with curl's callbacks.
struct Exchange {
  const TransportOptions* opts = nullptr;
  Response* resp = nullptr;
  const BodySink* sink = nullptr;
  const std::vector<int>* sink_statuses = nullptr;
  BodyReader reader;
  std::string_view mem_body;
  size_t mem_off = 0;
  std::optional<Error> callback_error;
};

size_t on_header(char* data, size_t size, size_t n, void* userp) {
  auto* ex = static_cast<Exchange*>(userp);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (e.g. after "100 Continue") starts a new header set.
    ex->resp->headers = Headers();
    auto sp = line.find(' ');
    if (sp != std::string_view::npos) ex->resp->status = std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos)
    ex->resp->headers.add(std::string(line.substr(0, colon)), trim(line.substr(colon + 1)));
  return size * n;
}

size_t on_write(char* data, size_t size, size_t n, void* userp) {
  auto* ex = static_cast<Exchange*>(userp);
  size_t len = size * n;
  int st = ex->resp->status;
  bool success = ex->sink_statuses->empty()
                     ? st >= 200 && st < 300
                     : std::find(ex->sink_statuses->begin(), ex->sink_statuses->end(), st) != ex->sink_statuses->end();
  if (success && ex->sink && *ex->sink) {
    Status s = (*ex->sink)(data, len);
    if (!s.ok()) {
      ex->callback_error = s.error();
      return 0;
    }
    ex->resp->streamed += len;
    return len;
  }
  if (ex->resp->body.size() + len > ex->opts->max_buffered_body) {
    ex->callback_error =
        Error(ErrorKind::remote, "response body larger than " + std::to_string(ex->opts->max_buffered_body) + " bytes");
    return 0;
  }
  ex->resp->body.append(data, len);
  return len;
}

size_t on_read(char* buf, size_t size, size_t n, void* userp) {
  auto* ex = static_cast<Exchange*>(userp);
  size_t cap = size * n;
  if (ex->reader) {
    auto r = ex->reader(buf, cap);
    if (!r.ok()) {
      ex->callback_error = r.error();
      return CURL_READFUNC_ABORT;
    }
    return *r;
  }
  size_t left = ex->mem_body.size() - ex->mem_off;
  size_t k = std::min(cap, left);
  std::memcpy(buf, ex->mem_body.data() + ex->mem_off, k);
  ex->mem_off += k;
  return k;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool curl_error_is_temporary(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_OPERATION_TIMEDOUT:  // a deadline: retrying would multiply it
      return false;
    default: return true;
  }
}

}  // namespace

// ---- HttpClient ------------------------------------------------------------

struct HttpClient::Impl {
  // The share object's locks, one per kind of shared data.
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* userp) {
    static_cast<Impl*>(userp)->share_mu[data % kShareLocks].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* userp) {
    static_cast<Impl*>(userp)->share_mu[data % kShareLocks].unlock();
  }
  static constexpr int kShareLocks = 8;
  std::mutex share_mu[kShareLocks];
  CURLSH* share = nullptr;

  Impl() {
    global_init();
    share = curl_share_init();
    if (!share) return;
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  std::mutex mu;
  std::vector<CURL*> idle;  // easy handles keep their connections alive
  std::map<std::string, RateLimit> limits;
  std::mt19937_64 rng{std::random_device{}()};

  CURL* acquire() {
    {
      std::lock_guard<std::mutex> l(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }
  void release(CURL* h) {
    std::lock_guard<std::mutex> l(mu);
    idle.push_back(h);
  }
  ~Impl() {
    for (CURL* h : idle) curl_easy_cleanup(h);
    if (share) curl_share_cleanup(share);
  }
};

HttpClient::HttpClient(TransportOptions opts, std::shared_ptr<Clock> clock)
    : opts_(std::move(opts)), clock_(std::move(clock)), impl_(std::make_unique<Impl>()) {
  global_init();
}

HttpClient::~HttpClient() = default;

namespace {

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

using SteadyTime = std::chrono::steady_clock::time_point;

std::string timeout_text(const TransportOptions& opts, SteadyTime deadline, const char* errbuf) {
  if (std::strstr(errbuf, "too slow"))
    return "no progress: fewer than " + std::to_string(opts.low_speed_limit) + " bytes/s for " +
           std::to_string(opts.low_speed_time_s) + " s (a stalled or trickling server)";
  // CURLOPT_TIMEOUT_MS is the rest of the deadline; curl may stop a few ms early.
  if (opts.deadline_s > 0 && std::chrono::steady_clock::now() + std::chrono::milliseconds(50) >= deadline)
    return "overall deadline of " + std::to_string(opts.deadline_s) + " s exceeded";
  return errbuf[0] ? errbuf : "timed out";
}

// What to try after a TLS failure: the flags that fix it, named.
std::string tls_hint(CURLcode rc, const std::string& why, const std::string& url) {
  std::string host = url_host(url);
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
    return " (" + host + "'s certificate is not trusted here: give its CA with --ca-file FILE, or skip the check " +
           "with --tls-verify=false)";
  // A plain-HTTP server answering a TLS handshake: OpenSSL reads its reply
  // as a record of an unknown version.
  if (rc == CURLE_SSL_CONNECT_ERROR && why.find("wrong version number") != std::string::npos)
    return " (" + host + " does not speak TLS: if it is a plain-HTTP registry, add --plain-http " + host + ")";
  return "";
}

// One exchange on one connection: no redirects, no retries.
Result<Response> perform(CURL* h, CURLSH* share, const TransportOptions& opts, const std::string& method,
                         const std::string& url, const Headers& headers, const Request& req, bool with_body,
                         const BodySink& sink, SteadyTime deadline) {
  DL_TRY(require_http_url(url, method + " " + redact_url(url)));
  long timeout_ms = 0;
  if (opts.deadline_s > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Error(ErrorKind::network, method + " " + redact_url(url) + ": overall deadline of " +
                                           std::to_string(opts.deadline_s) + " s exceeded");
    timeout_ms = static_cast<long>(left.count());
  }
  curl_easy_reset(h);
  Response resp;
  resp.url = url;
  Exchange ex;
  ex.opts = &opts;
  ex.resp = &resp;
  ex.sink = &sink;
  ex.sink_statuses = &req.sink_statuses;
  int64_t body_size = 0;
  if (with_body) {
    if (req.open_body) {
      auto r = req.open_body();
      if (!r.ok()) return r.error();
      ex.reader = std::move(*r);
      body_size = req.body_size;
    } else {
      ex.mem_body = req.body;
      body_size = static_cast<int64_t>(req.body.size());
    }
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  // HTTP/2 where the registry offers it over TLS (ALPN), HTTP/1.1 otherwise
  // and on plain http. PIPEWAIT: prefer waiting for a connection that can
  // multiplex over opening another one.
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
  // DNS answers and TLS sessions are shared by every handle, so a new
  // connection resumes a TLS session instead of a full handshake (a round
  // trip saved per connection on a long link). Connections themselves stay
  // per handle: libcurl's shared connection cache is not thread-safe.
  if (share) curl_easy_setopt(h, CURLOPT_SHARE, share);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, opts.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, opts.connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, opts.low_speed_limit);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, opts.low_speed_time_s);
  if (timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // "" disables libcurl's own environment lookup: ProxyConfig decides.
  std::string proxy = opts.proxy.for_url(url);
  curl_easy_setopt(h, CURLOPT_PROXY, proxy.c_str());
  if (!opts.tls_verify && url_scheme(url) == "https") note_insecure_host(url_host(url));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opts.tls_verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opts.tls_verify ? 2L : 0L);
  std::string ca = opts.ca_file;
  if (ca.empty() && !opts.certs_dir.empty()) {
    std::error_code ec;
    auto p = std::filesystem::path(opts.certs_dir) / url_host(url) / "ca.crt";
    if (std::filesystem::exists(p, ec)) ca = p.string();
  }
  if (!ca.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);

  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (with_body || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &ex);
    if (body_size >= 0) curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
    if (method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
  } else if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  curl_slist* list = nullptr;
  for (const auto& [k, v] : headers.items()) list = curl_slist_append(list, (k + ": " + v).c_str());
  std::unique_ptr<curl_slist, SlistDeleter> guard(list);
  if (list) curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (ex.callback_error) return ex.callback_error->wrap(method + " " + redact_url(url));
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) why = timeout_text(opts, deadline, errbuf);
    why += tls_hint(rc, why, url);
    return Error(ErrorKind::network, method + " " + redact_url(url) + ": " + why, curl_error_is_temporary(rc));
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  resp.status = static_cast<int>(code);
  return resp;
}

}  // namespace

Result<Response> HttpClient::send(const Request& req, const BodySink& sink) {
  bool has_body = req.open_body || !req.body.empty();
  // Counted here rather than from responses: a transfer that breaks after
  // some bytes reached the sink must not be replayed into it.
  uint64_t streamed = 0;
  BodySink counting;
  if (sink)
    counting = [&](const char* d, size_t n) -> Status {
      streamed += n;
      return sink(d, n);
    };
  std::optional<Result<Response>> last;
  SteadyTime deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opts_.deadline_s);

  auto exchange = [&]() -> Result<Response> {
    std::string method = req.method, url = req.url;
    Headers headers = req.headers;
    bool with_body = has_body;
    for (int hop = 0; hop <= opts_.max_redirects; ++hop) {
      std::string host = url_host(url);
      Millis wait{0};
      {
        std::lock_guard<std::mutex> l(impl_->mu);
        wait = rate_limit_delay(impl_->limits[host], clock_->now(), opts_.retry);
      }
      if (wait.count() > 0) {
        if (opts_.log)
          opts_.log("rate limit nearly used up on " + host + ": waiting " + std::to_string(wait.count()) + " ms");
        clock_->sleep_for(wait);
      }
      CURL* h = impl_->acquire();
      auto r = perform(h, impl_->share, opts_, method, url, headers, req, with_body, counting, deadline);
      impl_->release(h);
      if (!r.ok()) {
        if (opts_.log) opts_.log(method + " " + redact_url(url) + " -> error");
        return r;
      }
      if (opts_.log) opts_.log(method + " " + redact_url(url) + " -> " + std::to_string(r->status));
      {
        std::lock_guard<std::mutex> l(impl_->mu);
        update_rate_limit(impl_->limits[host], r->headers.get_or("RateLimit-Remaining"),
                          r->headers.get_or("RateLimit-Reset"), clock_->now());
      }
      auto loc = r->headers.get("Location");
      if (!req.follow_redirects || !is_redirect(r->status) || !loc) return r;
      auto next = resolve_url(url, *loc);
      if (!next.ok()) return next.error().wrap(method + " " + redact_url(url));
      DL_TRY(check_redirect(method + " " + redact_url(url), url, *next));
      // Credentials belong to the origin that asked for them.
      if (url_origin(*next) != url_origin(url)) {
        headers.remove("Authorization");
        headers.remove("Cookie");
      }
      if (r->status == 303 || ((r->status == 301 || r->status == 302) && method == "POST")) {
        if (method != "HEAD") method = "GET";
        with_body = false;
        headers.remove("Content-Type");
      }
      url = *next;
    }
    return Error(ErrorKind::remote, req.method + " " + redact_url(req.url) + ": more than " +
                                        std::to_string(opts_.max_redirects) + " redirects");
  };

  auto attempt = [&]() -> AttemptOutcome {
    last = exchange();
    AttemptOutcome out;
    if (!last->ok()) {
      out.error = last->error();
    } else {
      out.status = (*last)->status;
      out.retry_after = (*last)->headers.get_or("Retry-After");
    }
    return out;
  };
  auto can_retry = [&]() {
    return req.retry && streamed == 0 && (opts_.deadline_s <= 0 || std::chrono::steady_clock::now() < deadline);
  };
  std::mt19937_64 rng;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    rng.seed(impl_->rng());
  }
  RetryTrace trace;
  run_with_retries(attempt, can_retry, opts_.retry, *clock_, rng, &trace);
  if (last->ok()) (*last)->attempts = trace.attempts;
  return std::move(*last);
}

}  // namespace dl::net
