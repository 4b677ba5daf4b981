#include "builder/wheel/scripts.h"

namespace dl::wheel {

bool is_python_shebang(std::string_view first_line) { return first_line.starts_with("#!python"); }

std::string rewritten_shebang(std::string_view interpreter) { return "#!" + std::string(interpreter) + "\n"; }

Result<std::string> entry_point_wrapper(const EntryPoint& ep, std::string_view interpreter) {
  std::string where = "entry point [" + ep.group + "] " + ep.name;
  if (ep.name.empty() || ep.name == "." || ep.name == ".." ||
      ep.name.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos)
    return invalid(where + ": name is not a plain file name");
  if (ep.attr.empty()) return invalid(where + " = " + ep.module + ": missing \":function\" (expected module:function)");
  std::string import_name = ep.attr.substr(0, ep.attr.find('.'));
  return rewritten_shebang(interpreter) +
         "# -*- coding: utf-8 -*-\n"
         "import re\n"
         "import sys\n"
         "from " +
         ep.module + " import " + import_name +
         "\n"
         "if __name__ == '__main__':\n"
         "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
         "    sys.exit(" +
         ep.attr + "())\n";
}

}  // namespace dl::wheel
