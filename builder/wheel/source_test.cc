#include "builder/wheel/source.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "base/fs.h"
#include "base/sha256.h"
#include "builder/wheel/wheel_test_util.h"

namespace dl::wheel {
namespace {

namespace fs = std::filesystem;
using testing::fixture;

int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

bool can_connect(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

// python3 -m http.server on 127.0.0.1, serving `dir`, stopped on destruction.
class HttpServer {
 public:
  explicit HttpServer(const fs::path& dir) : port_(free_port()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execlp("python3", "python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir.c_str(),
               port.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !can_connect(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ~HttpServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  int port_;
  pid_t pid_;
};

std::string file_sha(const fs::path& p) { return Sha256::hex(read_file(p).value()); }

pypa::SupportedTags py311() { return pypa::SupportedTags(pypa::Interpreter::make("3.11", "cp311", "2.36").value()); }

// An index tree: /simple/dep/ lists 1.5 (good), 1.9 (python 2 only), 2.0 (yanked).
struct IndexTree {
  TempDir dir{"dl-index"};
  std::string dep_sha;
  IndexTree() {
    fs::create_directories(dir.path() / "files");
    fs::create_directories(dir.path() / "simple/dep");
    fs::copy_file(fixture("dep-1.5-py3-none-any.whl"), dir.path() / "files/dep-1.5-py3-none-any.whl");
    dep_sha = file_sha(dir.path() / "files/dep-1.5-py3-none-any.whl");
    std::ofstream(dir.path() / "simple/dep/index.html")
        << "<!DOCTYPE html><html><body>\n"
        << "<a href=\"../../files/dep-1.5-py3-none-any.whl#sha256=" << dep_sha
        << "\" data-requires-python=\"&gt;=3.6\">dep-1.5-py3-none-any.whl</a><br/>\n"
        << "<a href=\"../../files/dep-1.9-py3-none-any.whl\" data-requires-python=\"&lt;3\">dep-1.9</a>\n"
        << "<a data-yanked=\"broken build\" href=\"/files/dep-2.0-py3-none-any.whl\">dep-2.0</a>\n"
        << "<a href=\"../../files/dep-1.5.tar.gz\">sdist</a>\n</body></html>\n";
  }
};

TEST(SimplePage, AnchorsHashesAndAttributes) {
  auto links = parse_simple_page(
      "<a href=\"../../f/a-1.0-py3-none-any.whl#sha256=ab\" data-requires-python=\"&gt;=3.6,&lt;4\">x</a>"
      "<A HREF='https://cdn.example/p/a-1.1%2Bcu92-py3-none-any.whl'>y</A>"
      "<a data-yanked href=\"/root/a-0.9-py3-none-any.whl\">z</a><a href=\"a-1.0.zip\">s</a>",
      "http://h:1/simple/a/");
  ASSERT_TRUE(links.ok());
  ASSERT_EQ(links->size(), 2u);  // the uppercase tag has no lowercase "href" attribute; the zip is skipped
  EXPECT_EQ((*links)[0].url, "http://h:1/f/a-1.0-py3-none-any.whl");
  EXPECT_EQ((*links)[0].sha256, "ab");
  EXPECT_EQ((*links)[0].requires_python, ">=3.6,<4");
  EXPECT_EQ((*links)[1].url, "http://h:1/root/a-0.9-py3-none-any.whl");
  EXPECT_TRUE((*links)[1].yanked);
}

TEST(SimplePage, LinksThatAreNotHttpAreRefused) {
  for (std::string href : {"file:///etc/x-1.0-py3-none-any.whl", "gopher://127.0.0.1:6379/_x-1.0-py3-none-any.whl",
                           "ftp://h/x-1.0-py3-none-any.whl"}) {
    auto links = parse_simple_page("<a href=\"" + href + "\">x</a>", "https://pypi.example/simple/x/");
    ASSERT_FALSE(links.ok()) << href;
    EXPECT_NE(links.error().message().find("only http and https"), std::string::npos) << links.error().message();
  }
  // The cache fetches http(s) URLs and local paths, never another scheme.
  TempDir cache_dir;
  WheelCache cache(cache_dir.path());
  auto f = cache.fetch("file:///etc/passwd");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message().find("file:// URL; only http and https"), std::string::npos) << f.error().message();
}

TEST(SimpleIndex, FindsFetchesAndVerifiesOverRealHttp) {
  IndexTree tree;
  HttpServer server(tree.dir.path());
  auto index = simple_index_source(server.url("/simple"));
  auto link = find_wheel({index.get()}, {"Dep", ">=1.0", "", "3.11"}, py311());
  ASSERT_TRUE(link.ok()) << link.error().message();
  EXPECT_EQ(link->filename, "dep-1.5-py3-none-any.whl");  // 2.0 yanked, 1.9 needs python 2
  EXPECT_EQ(link->url, server.url("/files/dep-1.5-py3-none-any.whl"));
  EXPECT_EQ(link->sha256, tree.dep_sha);

  TempDir cache_dir;
  WheelCache cache(cache_dir.path());
  auto f = fetch_link(*link, cache);
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->path, cache_dir.path() / "sha256" / tree.dep_sha);
  EXPECT_EQ(file_sha(f->path), tree.dep_sha);
  EXPECT_EQ(f->size, fs::file_size(fixture("dep-1.5-py3-none-any.whl")));

  auto none = find_wheel({index.get()}, {"nosuchproject", "", "", "3.11"}, py311());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind(), ErrorKind::not_found);
  EXPECT_EQ(none.error().message(), "no wheel for nosuchproject in index " + server.url("/simple/"));
}

TEST(SimpleIndex, WrongDigestStoresNothing) {
  IndexTree tree;
  HttpServer server(tree.dir.path());
  TempDir cache_dir;
  WheelCache cache(cache_dir.path());
  std::string wrong(64, 'a');
  auto f = cache.fetch(server.url("/files/dep-1.5-py3-none-any.whl"), wrong);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().kind(), ErrorKind::integrity);
  EXPECT_EQ(f.error().message(), server.url("/files/dep-1.5-py3-none-any.whl") + ": sha256 " + tree.dep_sha +
                                     " does not match the expected " + wrong);
  EXPECT_TRUE(fs::is_empty(cache_dir.path() / "sha256"));
  auto missing = cache.fetch(server.url("/files/nope.whl"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "GET " + server.url("/files/nope.whl") + ": 404 Not Found");
  EXPECT_EQ(missing.error().status(), 404);
}

TEST(Cache, TwoProcessesFetchingTheSameUrlShareOneGoodFile) {
  TempDir served;
  {  // 24 MiB so the two downloads overlap in time
    std::ofstream big(served.path() / "big.whl", std::ios::binary);
    std::string chunk(1 << 20, '\0');
    for (int i = 0; i < 24; ++i) {
      for (size_t j = 0; j < chunk.size(); ++j) chunk[j] = char((j * 31 + size_t(i) * 7) & 0xff);
      big << chunk;
    }
  }
  std::string want = file_sha(served.path() / "big.whl");
  HttpServer server(served.path());
  TempDir cache_dir;
  std::string url = server.url("/big.whl");
  pid_t kids[2];
  for (pid_t& k : kids) {
    k = ::fork();
    if (k == 0) {
      WheelCache cache(cache_dir.path());
      auto f = cache.fetch(url, want);
      ::_exit(f.ok() && file_sha(f->path) == want ? 0 : 1);
    }
  }
  for (pid_t k : kids) {
    int st = 0;
    ::waitpid(k, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  EXPECT_EQ(file_sha(cache_dir.path() / "sha256" / want), want);
  size_t entries = 0;
  for (auto& e : fs::directory_iterator(cache_dir.path() / "sha256")) {
    ++entries;
    EXPECT_EQ(e.path().filename(), want) << "left behind: " << e.path();
  }
  EXPECT_EQ(entries, 1u);
  // Present with the expected digest: answered from the cache, no request.
  WheelCache cache(cache_dir.path());
  auto again = cache.fetch("http://127.0.0.1:1/unreachable.whl", want);
  ASSERT_TRUE(again.ok()) << again.error().message();
}

TEST(Catalog, VariantPicksTheBuild) {
  auto entries = parse_catalog(R"([
    {"name": "dep", "version": "1.5", "python": "3.11", "variant": "cpu", "url": ")" +
                                   fixture("dep-1.5-py3-none-any.whl").string() + R"("},
    {"name": "dep", "version": "1.5", "python": "3.11", "variant": "cuda9.1",
     "url": "https://appcenter.example/dep/1.5/gpu/dep-1.5-py3-none-any.whl",
     "sha256": "0000000000000000000000000000000000000000000000000000000000000000"},
    {"name": "dep", "version": "1.5", "python": "3.6", "variant": "cpu", "url": "https://x.example/dep-1.5-py3-none-any.whl"}
  ])",
                               "catalog.json");
  ASSERT_TRUE(entries.ok()) << entries.error().message();
  auto src = catalog_source(*entries, "catalog.json");
  auto gpu = find_wheel({src.get()}, {"dep", "==1.5", "cuda9.1", "3.11"}, py311());
  ASSERT_TRUE(gpu.ok()) << gpu.error().message();
  EXPECT_EQ(gpu->url, "https://appcenter.example/dep/1.5/gpu/dep-1.5-py3-none-any.whl");
  auto cpu = find_wheel({src.get()}, {"dep", "==1.5", "cpu", "3.11"}, py311());
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(cpu->url, fixture("dep-1.5-py3-none-any.whl").string());
  auto rocm = find_wheel({src.get()}, {"dep", "", "rocm", "3.11"}, py311());
  ASSERT_FALSE(rocm.ok());
  EXPECT_EQ(rocm.error().message(), "no wheel for dep [variant rocm] in catalog catalog.json");

  // A local (file path) catalog URL is copied into the cache and hashed.
  TempDir cache_dir;
  WheelCache cache(cache_dir.path());
  auto f = fetch_link(*cpu, cache);
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->sha256, file_sha(fixture("dep-1.5-py3-none-any.whl")));

  EXPECT_EQ(parse_catalog(R"([{"name": "x", "version": "1"}])", "c.json").error().message(),
            "c.json: entry 0: missing \"url\"");
  EXPECT_EQ(parse_catalog(R"([{"name": "x", "version": "1", "url": "http://h/x.tar.gz"}])", "c.json").error().message(),
            "c.json: entry 0: url \"http://h/x.tar.gz\" does not name a .whl file");
}

TEST(LocalDirectory, ListsOnlyTheProject) {
  auto src = local_directory_source(testing::fixture_wheels().string(), "");
  auto links = src->list("GOOD");
  ASSERT_TRUE(links.ok());
  ASSERT_EQ(links->size(), 1u);
  EXPECT_EQ((*links)[0].filename, "good-1.0-py3-none-any.whl");
  auto link = find_wheel({src.get()}, {"plat", "", "", "3.11"}, py311());
  ASSERT_TRUE(link.ok()) << link.error().message();
  EXPECT_EQ(link->filename, "plat-2.0-cp311-cp311-linux_x86_64.whl");
  auto py36 = pypa::SupportedTags(pypa::Interpreter::make("3.6", "cp36m", "2.17").value());
  EXPECT_FALSE(find_wheel({src.get()}, {"plat", "", "", "3.6"}, py36).ok());
}

}  // namespace
}  // namespace dl::wheel
