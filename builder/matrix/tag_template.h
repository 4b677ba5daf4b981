// "{version}{python.tag}-{accelerator.tag}" templates. Compiled once per
// image group so an unknown variable is reported at its column before any
// cell is expanded.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace dl::matrix {

class TagTemplate {
 public:
  struct Piece {
    bool is_var;
    std::string text;  // literal text or variable name
    size_t offset;     // position of the piece in the template (for errors)
  };

  static Result<TagTemplate> compile(const std::string& text, const std::set<std::string>& known, size_t* err_offset);

  std::string render(const std::map<std::string, std::string>& vars) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<Piece> pieces_;
};

// Docker's tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool valid_tag(const std::string& tag);

}  // namespace dl::matrix
