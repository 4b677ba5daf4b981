// Renderings of selected cells for `dlimage matrix` and CI engines.
#pragma once

#include <string>
#include <vector>

#include "builder/matrix/matrix.h"

namespace dl::matrix {

std::string format_table(const std::vector<Cell>& cells);
std::string format_tags(const std::vector<Cell>& cells);    // one repo:tag per line, aliases included
std::string format_json(const std::vector<Cell>& cells);    // array, one object per cell
std::string format_bases(const std::vector<Cell>& cells);   // the distinct base references, sorted, one per line
std::string format_github(const std::vector<Cell>& cells);  // {"include":[...]} one job per cell
// {"include":[{"shard":"1/N"},...]}: one job per shard, each runs --shard I/N.
std::string format_github_shards(unsigned shards);

}  // namespace dl::matrix
