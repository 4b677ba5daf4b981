// dl_fault_proxy --upstream HOST:PORT [--listen PORT] [--rule RULE]...
//                [--rules-file FILE] [--log FILE] [--port-file FILE]
//                [--link rtt=100ms,rate=100mbit] [--trace-every MS]
//
// Runs until SIGTERM/SIGINT. Prints "listening 127.0.0.1:PORT" once ready and,
// with --port-file, writes the port there (temp name + rename) so a script can
// wait for the file. The rule syntax is documented in fault_rules.h; a
// --rules-file is re-read whenever it changes. --link puts every client
// connection behind an emulated link (link.h); on SIGTERM the totals line
// says how many bytes crossed it each way. --trace-every MS prints
// "trace: t=UNIX_SECONDS bytes_up=N bytes_down=N unanswered: PUT=N ..." every
// MS milliseconds, so a benchmark can see how busy the link was over time
// and what the client was waiting for when it was not.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/fs.h"
#include "tests/fault_proxy/fault_proxy.h"

namespace {

int usage(const char* msg) {
  std::fprintf(stderr,
               "dl_fault_proxy: %s\n"
               "usage: dl_fault_proxy --upstream HOST:PORT [--listen PORT] [--rule RULE]...\n"
               "                      [--rules-file FILE] [--log FILE] [--port-file FILE]\n"
               "                      [--link rtt=DURATION,rate=RATE] [--trace-every MS]\n"
               "rules: status CODE | close | drop-request BYTES | drop-response BYTES | delay MS |\n"
               "       max-body BYTES, with method=RE path=RE nth=N count=N|all rate=P seed=S\n"
               "       retry-after=SECONDS|date|date:SECONDS\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string upstream, port_file, schedule;
  long trace_ms = 0;
  dl::test::FaultProxyOptions opts;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--upstream") {
      if (!value(upstream)) return usage("--upstream needs HOST:PORT");
    } else if (a == "--listen") {
      if (!value(v)) return usage("--listen needs a port");
      opts.listen_port = std::atoi(v.c_str());
    } else if (a == "--rule") {
      if (!value(v)) return usage("--rule needs a rule");
      schedule += v + "\n";
    } else if (a == "--rules-file") {
      if (!value(opts.rules_file)) return usage("--rules-file needs a path");
    } else if (a == "--log") {
      if (!value(opts.log_path)) return usage("--log needs a path");
    } else if (a == "--link") {
      if (!value(v)) return usage("--link needs rtt=DURATION,rate=RATE");
      auto link = dl::test::parse_link_profile(v);
      if (!link.ok()) return usage(link.error().message().c_str());
      opts.link = *link;
    } else if (a == "--trace-every") {
      if (!value(v) || (trace_ms = std::atol(v.c_str())) <= 0) return usage("--trace-every needs milliseconds > 0");
    } else if (a == "--port-file") {
      if (!value(port_file)) return usage("--port-file needs a path");
    } else if (a == "-h" || a == "--help") {
      usage("help");
      return 0;
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }
  if (upstream.empty()) return usage("--upstream is required");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // Block before any thread starts so only sigwait below sees them.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto proxy = dl::test::FaultProxy::start(upstream, schedule, opts);
  if (!proxy.ok()) {
    std::fprintf(stderr, "dl_fault_proxy: %s\n", proxy.error().message().c_str());
    return 1;
  }
  if (!port_file.empty()) {
    auto st = dl::write_file_atomic(port_file, std::to_string((*proxy)->port()) + "\n");
    if (!st.ok()) {
      std::fprintf(stderr, "dl_fault_proxy: %s\n", st.error().message().c_str());
      return 1;
    }
  }
  std::printf("listening %s link=%s\n", (*proxy)->host().c_str(), opts.link.str().c_str());
  std::fflush(stdout);
  int sig = 0;
  if (trace_ms > 0) {
    timespec every{trace_ms / 1000, (trace_ms % 1000) * 1000000};
    while ((sig = sigtimedwait(&set, nullptr, &every)) < 0) {
      auto c = (*proxy)->counters();
      // Requests not answered yet, by method: what the client is waiting on.
      std::map<std::string, int> waiting;
      for (auto& r : (*proxy)->requests())
        if (r.status == 0) ++waiting[r.method];
      std::string open;
      for (auto& [method, n] : waiting) open += " " + method + "=" + std::to_string(n);
      double t = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      std::printf("trace: t=%.3f bytes_up=%llu bytes_down=%llu unanswered:%s\n", t,
                  static_cast<unsigned long long>(c.link.bytes_up), static_cast<unsigned long long>(c.link.bytes_down),
                  open.c_str());
      std::fflush(stdout);
    }
  } else {
    sigwait(&set, &sig);
  }
  auto c = (*proxy)->counters();
  std::printf("stopped: requests=%llu forwarded=%llu faults=%llu connections=%llu bytes_up=%llu bytes_down=%llu\n",
              static_cast<unsigned long long>(c.requests), static_cast<unsigned long long>(c.forwarded),
              static_cast<unsigned long long>(c.faults), static_cast<unsigned long long>(c.connections),
              static_cast<unsigned long long>(c.link.bytes_up), static_cast<unsigned long long>(c.link.bytes_down));
  return 0;
}
