// Source::check_bounds: a streaming pass over yaml-cpp's parser events that
// enforces the size, depth and alias-expansion bounds before YAML::Load
// builds a tree. Aliases are what make a small document huge: each anchor's
// expanded size is recorded when its node ends, and an alias adds that size,
// so "a: &a [x,x]  b: &b [*a,*a] ..." is measured as it would be walked.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "builder/matrix/yaml_source.h"

namespace dl::yamlsrc {

namespace {

// The first bound hit. Later events are ignored: the parser runs on to the
// end of the (size-bounded) text without building anything, and yaml-cpp's
// own depth guard stops runaway nesting, so no exception is needed to stop it.
struct BoundHit {
  YAML::Mark mark;
  std::string what;
};

class Counter : public YAML::EventHandler {
 public:
  explicit Counter(const Limits& l) : limits_(l) {}
  const std::optional<BoundHit>& hit() const { return hit_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { leaf(m, a); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    auto it = sizes_.find(a);
    add(m, it == sizes_.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string&) override { leaf(m, a); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    std::uint64_t start;
  };

  void add(const YAML::Mark& m, std::uint64_t n) {
    if (hit_) return;
    nodes_ = n > limits_.max_nodes ? limits_.max_nodes + 1 : nodes_ + n;
    if (nodes_ > limits_.max_nodes)
      hit_ = BoundHit{m, "the document expands to more than " + std::to_string(limits_.max_nodes) +
                             " nodes (counting each alias as a copy of its anchor); expected at most " +
                             std::to_string(limits_.max_nodes)};
  }
  void leaf(const YAML::Mark& m, YAML::anchor_t a) {
    add(m, 1);
    if (a) sizes_[a] = 1;
  }
  void open(const YAML::Mark& m, YAML::anchor_t a) {
    if (!hit_ && int(stack_.size()) >= limits_.max_depth)
      hit_ = BoundHit{m, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels; expected at most " +
                             std::to_string(limits_.max_depth)};
    stack_.push_back({a, nodes_});
    add(m, 1);
  }
  void close() {
    if (stack_.empty()) return;
    Frame f = stack_.back();
    stack_.pop_back();
    if (f.anchor) sizes_[f.anchor] = nodes_ - f.start;
  }

  const Limits& limits_;
  std::uint64_t nodes_ = 0;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::uint64_t> sizes_;
  std::optional<BoundHit> hit_;
};

}  // namespace

Status Source::check_bounds(const std::string& text) const {
  if (text.size() > limits_.max_bytes)
    return invalid(name_ + ": " + std::to_string(text.size()) + " bytes; expected a YAML document of at most " +
                   std::to_string(limits_.max_bytes) + " bytes");
  std::istringstream in(text);
  Counter counter(limits_);
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(counter);
  } catch (const YAML::ParserException& e) {  // yaml-cpp reports by exception; it stops here
    if (counter.hit()) return error_at(counter.hit()->mark, counter.hit()->what);
    return error_at(e.mark, "invalid YAML: " + e.msg);
  }
  if (counter.hit()) return error_at(counter.hit()->mark, counter.hit()->what);
  return {};
}

}  // namespace dl::yamlsrc
