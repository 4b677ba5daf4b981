// The catalogue half of matrix.yaml: bases, pythons, accelerators and isa
// entries, parsed into model::Catalog with every error at file:line:col, and
// the values and attribute names each catalogue axis offers to image groups.
// Internal to builder/matrix (matrix_parse.cc is the other half).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "builder/matrix/matrix_model.h"

namespace dl::matrix::model {

Status parse_catalog(const yamlsrc::Source& src, const YAML::Node& root, Catalog& cat);
// Values a catalogue axis may take, and its attribute names.
std::vector<std::string> catalog_values(const Catalog& c, const std::string& axis);
std::set<std::string> catalog_attrs(const Catalog& c, const std::string& axis);

}  // namespace dl::matrix::model
