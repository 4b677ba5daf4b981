#include "builder/wheel/http.h"

#include <curl/curl.h>

#include <memory>
#include <optional>

namespace dl::wheel {

namespace {

struct Transfer {
  const BodySink* sink;
  std::optional<Error> failed;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  Status s = (*t->sink)(data, size * n);
  if (!s.ok()) {
    t->failed = s.error();
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  return size * n;
}

void global_init() {
  static bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

}  // namespace

std::string redact_url(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t host = scheme + 3;
  size_t at = url.find('@', host);
  size_t slash = url.find('/', host);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, host) + url.substr(at + 1);
}

Status http_get(const std::string& url, const BodySink& sink) {
  global_init();
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return Error(ErrorKind::internal, "curl_easy_init failed");
  Transfer t{&sink, std::nullopt};
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(h.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);  // abort a transfer stalled
  curl_easy_setopt(h.get(), CURLOPT_LOW_SPEED_TIME, 60L);     // below 1 KiB/s for a minute
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_USERAGENT, "dlimage/0.1");
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h.get(), CURLOPT_FAILONERROR, 0L);
  // Only the body of a 2xx reaches the sink: check the status before the first byte.
  struct Gate {
    CURL* h;
    Transfer* t;
    long status = 0;
  } gate{h.get(), &t};
  BodySink gated = [&](const char* d, size_t n) -> Status {
    if (gate.status == 0) curl_easy_getinfo(gate.h, CURLINFO_RESPONSE_CODE, &gate.status);
    if (gate.status >= 400) return {};  // swallow error bodies
    return sink(d, n);
  };
  t.sink = &gated;
  CURLcode rc = curl_easy_perform(h.get());
  std::string shown = redact_url(url);
  if (t.failed) return t.failed->wrap("GET " + shown);
  if (rc != CURLE_OK)
    return Error(ErrorKind::network, "GET " + shown + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc)), true);
  long status = 0;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status >= 400) {
    bool temporary = status >= 500 || status == 429 || status == 408;
    return Error(status == 404 ? ErrorKind::not_found : ErrorKind::remote,
                 "GET " + shown + ": HTTP " + std::to_string(status), temporary)
        .with_status(int(status));
  }
  return {};
}

Result<std::string> http_get_text(const std::string& url, size_t max_bytes) {
  std::string body;
  DL_TRY(http_get(url, [&](const char* d, size_t n) -> Status {
    if (body.size() + n > max_bytes)
      return invalid("response larger than " + std::to_string(max_bytes) + " bytes");
    body.append(d, n);
    return {};
  }));
  return body;
}

}  // namespace dl::wheel
