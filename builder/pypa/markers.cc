#include "builder/pypa/markers.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "builder/pypa/name.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/version.h"

namespace dl::pypa {

struct MarkerNode {
  enum class Kind { compare, all, any } kind = Kind::compare;
  // compare: lhs op rhs; an operand is a variable name or a string literal.
  bool lhs_var = false, rhs_var = false;
  std::string lhs, op, rhs;
  std::vector<std::shared_ptr<const MarkerNode>> children;  // all / any
};

namespace {

using NodePtr = std::shared_ptr<const MarkerNode>;

// PEP 508 variables plus the legacy dotted spellings packaging still accepts.
const std::pair<std::string_view, std::string_view> kVariables[] = {
    {"implementation_version", "implementation_version"},
    {"platform_python_implementation", "platform_python_implementation"},
    {"implementation_name", "implementation_name"},
    {"python_full_version", "python_full_version"},
    {"platform_release", "platform_release"},
    {"platform_version", "platform_version"},
    {"platform_machine", "platform_machine"},
    {"platform_system", "platform_system"},
    {"python_version", "python_version"},
    {"sys_platform", "sys_platform"},
    {"os_name", "os_name"},
    {"os.name", "os_name"},
    {"sys.platform", "sys_platform"},
    {"platform.version", "platform_version"},
    {"platform.machine", "platform_machine"},
    {"platform.python_implementation", "platform_python_implementation"},
    {"python_implementation", "platform_python_implementation"},
    {"extra", "extra"},
};

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

}  // namespace

struct MarkerParser {
  std::string_view s;  // whole text; columns are counted in it
  size_t i;
  std::string what;

  Error fail(size_t at, const std::string& msg) const {
    return invalid(what + " '" + std::string(s) + "': column " + std::to_string(at + 1) + ": " + msg);
  }
  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  std::string found() const {
    if (i >= s.size()) return "end of text";
    return "'" + std::string(1, s[i]) + "'";
  }
  // A keyword must not run into an identifier ("android" is not "and").
  bool keyword(std::string_view k) {
    if (s.substr(i, k.size()) != k) return false;
    if (i + k.size() < s.size() && ident_char(s[i + k.size()])) return false;
    i += k.size();
    return true;
  }

  Result<NodePtr> parse_or() {
    DL_ASSIGN_OR_RETURN(NodePtr first, parse_and());
    auto node = std::make_shared<MarkerNode>();
    node->kind = MarkerNode::Kind::any;
    node->children.push_back(first);
    for (;;) {
      ws();
      size_t save = i;
      if (!keyword("or")) {
        i = save;
        break;
      }
      DL_ASSIGN_OR_RETURN(NodePtr next, parse_and());
      node->children.push_back(next);
    }
    if (node->children.size() == 1) return first;
    return NodePtr(node);
  }

  Result<NodePtr> parse_and() {
    DL_ASSIGN_OR_RETURN(NodePtr first, parse_atom());
    auto node = std::make_shared<MarkerNode>();
    node->kind = MarkerNode::Kind::all;
    node->children.push_back(first);
    for (;;) {
      ws();
      size_t save = i;
      if (!keyword("and")) {
        i = save;
        break;
      }
      DL_ASSIGN_OR_RETURN(NodePtr next, parse_atom());
      node->children.push_back(next);
    }
    if (node->children.size() == 1) return first;
    return NodePtr(node);
  }

  Result<NodePtr> parse_atom() {
    ws();
    if (i < s.size() && s[i] == '(') {
      size_t open = i++;
      DL_ASSIGN_OR_RETURN(NodePtr inner, parse_or());
      ws();
      if (i >= s.size() || s[i] != ')') {
        return fail(i, "expected ')' to close the '(' at column " + std::to_string(open + 1) + ", found " + found());
      }
      ++i;
      return inner;
    }
    auto node = std::make_shared<MarkerNode>();
    DL_TRY(operand(node->lhs_var, node->lhs));
    ws();
    DL_TRY(op(node->op));
    ws();
    size_t rhs_at = i;
    DL_TRY(operand(node->rhs_var, node->rhs));
    if (node->lhs_var == node->rhs_var) {
      return fail(rhs_at, node->lhs_var ? "expected a quoted string: a marker compares a variable with a string"
                                        : "expected a marker variable: a marker compares a variable with a string");
    }
    return NodePtr(node);
  }

  Status operand(bool& is_var, std::string& out) {
    ws();
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      char q = s[i];
      size_t start = i++;
      size_t end = s.find(q, i);
      if (end == std::string_view::npos) {
        return fail(start, std::string("unterminated string (expected a closing ") + q + ")");
      }
      out = std::string(s.substr(i, end - i));
      i = end + 1;
      is_var = false;
      return {};
    }
    size_t start = i;
    while (i < s.size() && ident_char(s[i])) ++i;
    std::string_view word = s.substr(start, i - start);
    for (const auto& [spelling, name] : kVariables) {
      if (word == spelling) {
        is_var = true;
        out = std::string(name);
        return {};
      }
    }
    i = start;
    if (word.empty()) {
      return fail(start, "expected a marker variable or a quoted string, found " + found());
    }
    return fail(start, "unknown marker variable '" + std::string(word) +
                           "' (expected python_version, python_full_version, os_name, sys_platform, "
                           "platform_release, platform_system, platform_version, platform_machine, "
                           "platform_python_implementation, implementation_name, "
                           "implementation_version or extra)");
  }

  Status op(std::string& out) {
    for (std::string_view o : {"===", "==", "!=", "<=", ">=", "~=", "<", ">"}) {
      if (s.substr(i, o.size()) == o) {
        out = std::string(o);
        i += o.size();
        return {};
      }
    }
    size_t save = i;
    if (keyword("in")) {
      out = "in";
      return {};
    }
    if (keyword("not")) {
      ws();
      if (keyword("in")) {
        out = "not in";
        return {};
      }
    }
    i = save;
    return fail(i, "expected a comparison operator (== != < <= > >= ~= === in, not in), found " + found());
  }
};

namespace {

Result<bool> compare(const std::string& lhs, const std::string& op, const std::string& rhs,
                     const std::string& original) {
  // Python's `lhs in rhs` on strings: lhs is a substring of rhs.
  if (op == "in") return rhs.find(lhs) != std::string::npos ? true : false;
  if (op == "not in") return rhs.find(lhs) == std::string::npos ? true : false;
  // Version semantics when "<op><rhs>" is a specifier and lhs is a version.
  auto spec = Specifier::parse(op + rhs);
  if (spec.ok()) {
    auto v = Version::parse(lhs);
    if (v.ok()) return spec->contains(*v, true);
  }
  int c = lhs.compare(rhs);
  if (op == "==") return c == 0;
  if (op == "!=") return c != 0;
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  if (op == ">=") return c >= 0;
  return invalid("marker '" + original + "': cannot compare '" + lhs + "' " + op + " '" + rhs + "' (" + op +
                 " needs PEP 440 versions on both sides)");
}

Result<bool> eval(const MarkerNode& n, const Environment& env, const std::string& original) {
  switch (n.kind) {
    case MarkerNode::Kind::all:
      for (const auto& c : n.children) {
        DL_ASSIGN_OR_RETURN(bool v, eval(*c, env, original));
        if (!v) return false;
      }
      return true;
    case MarkerNode::Kind::any:
      for (const auto& c : n.children) {
        DL_ASSIGN_OR_RETURN(bool v, eval(*c, env, original));
        if (v) return true;
      }
      return false;
    case MarkerNode::Kind::compare: break;
  }
  auto value = [&](bool is_var, const std::string& text) -> Result<std::string> {
    if (!is_var) return text;
    auto it = env.values.find(text);
    if (it == env.values.end()) {
      if (text == "extra") return std::string();
      return invalid("marker '" + original + "': variable '" + text + "' is not set in the environment");
    }
    return it->second;
  };
  DL_ASSIGN_OR_RETURN(std::string lhs, value(n.lhs_var, n.lhs));
  DL_ASSIGN_OR_RETURN(std::string rhs, value(n.rhs_var, n.rhs));
  // Extra names compare normalised ("Foo_Bar" == "foo-bar").
  if ((n.lhs_var && n.lhs == "extra") || (n.rhs_var && n.rhs == "extra")) {
    lhs = normalize_name(lhs);
    rhs = normalize_name(rhs);
  }
  return compare(lhs, n.op, rhs, original);
}

std::string quote(const std::string& s) { return s.find('"') == std::string::npos ? "\"" + s + "\"" : "'" + s + "'"; }

std::string print(const MarkerNode& n, bool nested) {
  if (n.kind == MarkerNode::Kind::compare) {
    return (n.lhs_var ? n.lhs : quote(n.lhs)) + " " + n.op + " " + (n.rhs_var ? n.rhs : quote(n.rhs));
  }
  std::vector<std::string> parts;
  for (const auto& c : n.children) parts.push_back(print(*c, true));
  std::string sep = n.kind == MarkerNode::Kind::all ? " and " : " or ";
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) out += (k ? sep : "") + parts[k];
  return nested ? "(" + out + ")" : out;
}

bool has_extra(const MarkerNode& n) {
  if (n.kind == MarkerNode::Kind::compare) {
    return (n.lhs_var && n.lhs == "extra") || (n.rhs_var && n.rhs == "extra");
  }
  return std::any_of(n.children.begin(), n.children.end(), [](const auto& c) { return has_extra(*c); });
}

}  // namespace

std::string Environment::get(const std::string& key) const {
  auto it = values.find(key);
  return it == values.end() ? std::string() : it->second;
}

Environment Environment::with_extra(std::string_view extra) const {
  Environment e = *this;
  e.values["extra"] = std::string(extra);
  return e;
}

Environment Environment::linux_cpython(const Interpreter& interp, std::string_view full_version) {
  Environment e;
  std::string py = interp.python_version();
  std::string full = full_version.empty() ? py + ".0" : std::string(full_version);
  e.values = {
      {"python_version", py},
      {"python_full_version", full},
      {"implementation_version", full},
      {"implementation_name", "cpython"},
      {"platform_python_implementation", "CPython"},
      {"os_name", "posix"},
      {"sys_platform", interp.python_major == 2 ? "linux2" : "linux"},
      {"platform_system", "Linux"},
      {"platform_machine", interp.arch},
      {"platform_release", ""},
      {"platform_version", ""},
      {"extra", ""},
  };
  return e;
}

Result<Marker> Marker::parse_within(std::string_view whole, size_t offset, std::string_view what) {
  MarkerParser p{whole, offset, std::string(what)};
  p.ws();
  if (p.i >= whole.size()) return p.fail(p.i, "empty marker (expected e.g. python_version < \"3\")");
  DL_ASSIGN_OR_RETURN(NodePtr root, p.parse_or());
  p.ws();
  if (p.i < whole.size()) {
    return p.fail(p.i, "unexpected " + p.found() + " (expected 'and', 'or' or end of marker)");
  }
  Marker m;
  m.root_ = root;
  return m;
}

Result<Marker> Marker::parse(std::string_view text) { return parse_within(text, 0, "invalid marker"); }

Result<bool> Marker::evaluate(const Environment& env) const {
  if (!root_) return true;
  return eval(*root_, env, str());
}

std::string Marker::str() const { return root_ ? print(*root_, false) : std::string(); }

bool Marker::mentions_extra() const { return root_ && has_extra(*root_); }

}  // namespace dl::pypa
