// `dlimage build --report FILE.html`: one self-contained page (no scripts or
// assets fetched) with the matrix grid coloured by status, sizes, and which
// layers each image shares with others.
#pragma once

#include <string>

#include "builder/pipeline/build.h"
#include "builder/pipeline/push.h"

namespace dl::pipeline {

std::string render_html_report(const BuildReport& build, const PushReport* push);

}  // namespace dl::pipeline
