#include "builder/cli/cli_docs.h"

#include <functional>
#include <sstream>

namespace dl::cli {
namespace {

std::vector<const CLI::App*> visible_children(const CLI::App& app) {
  std::vector<const CLI::App*> out;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
    if (!s->get_name().empty()) out.push_back(s);
  return out;
}

FlagDoc describe_flag(const CLI::Option& o) {
  FlagDoc f;
  for (const auto& n : o.get_lnames()) f.names.push_back("--" + n);
  for (const auto& n : o.get_snames()) f.names.push_back("-" + n);
  if (f.names.empty()) f.positional = o.get_name();
  f.help = o.get_description();
  if (o.get_type_size() != 0 && o.get_expected_max() != 0) {
    f.value = o.get_option_text().empty() ? o.get_type_name() : o.get_option_text();
    if (f.value.empty()) f.value = "VALUE";
  }
  return f;
}

CommandDoc describe_app(const CLI::App& app, const std::string& path) {
  CommandDoc d;
  d.path = path;
  d.help = app.get_description();
  for (const CLI::Option* o : app.get_options()) d.flags.push_back(describe_flag(*o));
  for (const CLI::App* s : visible_children(app))
    d.children.push_back(describe_app(*s, path.empty() ? s->get_name() : path + " " + s->get_name()));
  return d;
}

std::string last_word(const std::string& path) { return path.substr(path.rfind(' ') + 1); }

std::string flag_words(const CommandDoc& c) {
  std::string out;
  for (const auto& f : c.flags)
    for (const auto& n : f.names) out += (out.empty() ? "" : " ") + n;
  for (const auto& k : c.children) out += (out.empty() ? "" : " ") + last_word(k.path);
  return out;
}

void bash_cases(const CommandDoc& c, std::ostringstream& o) {
  for (const auto& k : c.children) {
    o << "    \"" << k.path << "\") words_for=\"" << flag_words(k) << "\" ;;\n";
    bash_cases(k, o);
  }
}

// zsh _arguments specs put the help in [...]; quote what would end it.
std::string zsh_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '[' || ch == ']' || ch == ':' || ch == '\\') out += '\\';
    if (ch == '\'') {
      out += "'\\''";
      continue;
    }
    out += ch;
  }
  return out;
}

std::string single_quoted(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

std::string roff_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\\')
      out += "\\e";
    else if (ch == '-')
      out += "\\-";
    else
      out += ch;
  }
  // A line starting with . or ' would be read as a request.
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

void zsh_function(const CommandDoc& c, const std::string& fn, std::ostringstream& o) {
  o << fn << "() {\n";
  if (!c.children.empty()) {
    o << "  local -a cmds\n  cmds=(\n";
    for (const auto& k : c.children) o << "    '" << last_word(k.path) << ":" << zsh_escape(k.help) << "'\n";
    o << "  )\n  if (( CURRENT == 2 )); then _describe 'command' cmds; return; fi\n";
    o << "  local sub=$words[2]\n  shift words; (( CURRENT-- ))\n  case $sub in\n";
    for (const auto& k : c.children)
      o << "    " << last_word(k.path) << ") " << fn << "_" << last_word(k.path) << " ;;\n";
    o << "  esac\n}\n";
    for (const auto& k : c.children) zsh_function(k, fn + "_" + last_word(k.path), o);
    return;
  }
  o << "  _arguments -s";
  for (const auto& f : c.flags)
    for (const auto& n : f.names)
      o << " \\\n    '" << n << "[" << zsh_escape(f.help) << "]"
        << (f.value.empty() ? "" : ":" + zsh_escape(f.value) + ":_files") << "'";
  o << " \\\n    '*:file:_files'\n}\n";
}

void fish_lines(const CommandDoc& c, std::ostringstream& o) {
  std::string cond = c.path.empty() ? "__fish_use_subcommand" : "__fish_seen_subcommand_from " + last_word(c.path);
  for (const auto& k : c.children)
    o << "complete -c dlimage -f -n " << single_quoted(cond) << " -a " << last_word(k.path) << " -d "
      << single_quoted(k.help) << "\n";
  if (!c.path.empty())
    for (const auto& f : c.flags)
      for (const auto& n : f.names) {
        bool is_long = n.rfind("--", 0) == 0;
        o << "complete -c dlimage -n " << single_quoted(cond) << (is_long ? " -l " : " -s ")
          << n.substr(is_long ? 2 : 1) << (f.value.empty() ? "" : " -r") << " -d " << single_quoted(f.help) << "\n";
      }
  for (const auto& k : c.children) fish_lines(k, o);
}

void man_command(const CommandDoc& c, std::ostringstream& o) {
  if (c.children.empty()) {
    o << ".SS \"dlimage " << c.path << "\"\n" << roff_escape(c.help) << "\n";
    for (const auto& f : c.flags) {
      std::string head = f.names.empty() ? f.positional : f.names.front();
      for (size_t i = 1; i < f.names.size(); ++i) head += ", " + f.names[i];
      if (!f.value.empty()) head += " " + f.value;
      o << ".TP\n.B " << roff_escape(head) << "\n" << roff_escape(f.help.empty() ? "(no description)" : f.help) << "\n";
    }
  }
  for (const auto& k : c.children) man_command(k, o);
}

// "dlimage: build, ..." -> "build, ...".
std::string summary(const std::string& help) {
  auto colon = help.find(": ");
  return colon == std::string::npos ? help : help.substr(colon + 2);
}

}  // namespace

CommandDoc describe(const CLI::App& root) { return describe_app(root, ""); }

std::string bash_completion(const CommandDoc& root) {
  std::ostringstream o;
  o << "# bash completion for dlimage (generated by `dlimage completion bash`)\n"
    << "_dlimage() {\n"
    << "  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" words_for=\"\" i\n"
    << "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
    << "    case ${COMP_WORDS[i]} in -*) ;; *) local next=\"${path:+$path }${COMP_WORDS[i]}\"\n"
    << "      case \"$(_dlimage_paths)\" in *\"|$next|\"*) path=$next ;; esac ;; esac\n"
    << "  done\n"
    << "  case $path in\n"
    << "    \"\") words_for=\"" << flag_words(root) << "\" ;;\n";
  bash_cases(root, o);
  o << "  esac\n"
    << "  if [[ $cur == -* || -n $words_for ]]; then\n"
    << "    COMPREPLY=($(compgen -W \"$words_for\" -- \"$cur\"))\n"
    << "  fi\n"
    << "  [[ ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    << "}\n"
    << "_dlimage_paths() { echo \"";
  // Command paths may hold spaces ("wheel install"): "|" separates them.
  std::string list;
  std::function<void(const CommandDoc&)> collect = [&](const CommandDoc& c) {
    for (const auto& k : c.children) {
      list += k.path + "|";
      collect(k);
    }
  };
  collect(root);
  o << "|" << list << "\"; }\n"
    << "complete -o filenames -F _dlimage dlimage\n";
  return o.str();
}

std::string zsh_completion(const CommandDoc& root) {
  std::ostringstream o;
  o << "#compdef dlimage\n# zsh completion for dlimage (generated by `dlimage completion zsh`)\n";
  zsh_function(root, "_dlimage", o);
  o << "_dlimage \"$@\"\n";
  return o.str();
}

std::string fish_completion(const CommandDoc& root) {
  std::ostringstream o;
  o << "# fish completion for dlimage (generated by `dlimage completion fish`)\n";
  fish_lines(root, o);
  return o.str();
}

std::string man_page(const CommandDoc& root, const std::string& version) {
  std::ostringstream o;
  o << ".TH DLIMAGE 1 \"\" \"dlimage " << roff_escape(version) << "\" \"User Commands\"\n"
    << ".SH NAME\ndlimage \\- " << roff_escape(summary(root.help))
    << "\n.SH SYNOPSIS\n.B dlimage\n.I COMMAND\n[\\fIOPTIONS\\fR]\n"
    << ".SH DESCRIPTION\n"
    << roff_escape(root.help) << "\n.SH COMMANDS\n";
  man_command(root, o);
  o << ".SH EXIT STATUS\n"
    << ".TP\n.B 0\nSuccess.\n"
    << ".TP\n.B 1\nFailure: bad input, a registry or network error, a failed build.\n"
    << ".TP\n.B 2\nUsage error: unknown command or flag (with a suggestion), missing argument, a malformed flag "
       "value, or a malformed environment variable that stands for a flag (\\fBSOURCE_DATE_EPOCH\\fR).\n"
    << ".TP\n.B 3\n\\fBverify\\fR found a tag that is missing or points at another digest.\n"
    << ".TP\n.B 4\n\\fBverify \\-\\-key\\fR found every digest right but a tag without a valid signature.\n"
    << ".SH FILES\n.TP\n.I ~/.docker/config.json\nRegistry credentials (or \\fB\\-\\-registry\\-config\\fR).\n"
    << ".TP\n.I ~/.cache/dlimage\nContent-addressed download cache.\n"
    << ".SH SEE ALSO\n.BR skopeo (1),\n.BR umoci (1)\n";
  return o.str();
}

}  // namespace dl::cli
